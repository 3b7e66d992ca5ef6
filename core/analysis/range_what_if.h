#pragma once
// Interactive range editing: what happens to one tensor if its quantization range
// becomes [min, max]? Computed from the tensor's float histogram alone (no model
// run), in well under a millisecond, so a GUI can update while the user drags.

#include "analysis/analysis_result.h"
#include "ir/dtype.h"

namespace rf {

/// Estimated metrics of fake-quantizing the float values summarised by `histogram`
/// with the grid TFLite derives from [min, max] for `dtype`. Each bin's values are
/// taken at the bin centre, so the estimate is exact up to half a bin width.
struct RangeWhatIf {
    QuantGrid grid;
    double clippingRate = 0.0;
    double utilization = 0.0;
    /// Quantization-only error of this tensor (fake-quant vs float), not propagated.
    double sqnrDb = 0.0;
    double mse = 0.0;
};

RangeWhatIf simulateRange(const Histogram& floatValues, double min, double max, DType dtype);

} // namespace rf
