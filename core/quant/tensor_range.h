#pragma once
// The float range chosen for one activation tensor: what calibration, overrides
// and default ranges produce and what the quantizer consumes.

#include <map>
#include <string>
#include <string_view>

namespace rf {

/// Where a tensor's range came from; reports show it next to every range.
enum class RangeOrigin {
    /// Chosen by a range policy from calibration statistics.
    Calibrated,
    /// Set by the user for this tensor (GUI handle, --ranges_in, API).
    Override,
    /// `default_ranges_min/max`: no statistics were available (experiments only).
    DefaultRanges,
    /// Fixed by the TFLite quantization spec (softmax, logistic, tanh outputs).
    Fixed,
    /// Read from an already quantized model's own scale and zero point.
    FromModel,
};

/// "calibrated", "override", "default_ranges", "fixed", "from_model".
std::string_view rangeOriginName(RangeOrigin origin);

/// A closed float interval [min, max] for one tensor.
struct TensorRange {
    float min = 0.0f;
    float max = 0.0f;
    RangeOrigin origin = RangeOrigin::Calibrated;
};

/// Ranges of a float graph's activation tensors, keyed by tensor name (the
/// Keras loader names tensors after layers, so the keys read like the model).
using RangeTable = std::map<std::string, TensorRange>;

} // namespace rf
