#pragma once
// Range policies: from calibration statistics (no re-run) to one float range per
// activation tensor, plus per-tensor overrides and default ranges. The ranges are
// the raw [min, max] each policy picks; the converter's adjustments (include 0, widen
// tiny ranges, nudge the zero point) happen in converterQuantParams()
// (tensor_range.h), the one place the quantizer turns ranges into scales.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "quant/calibration_statistics.h"
#include "quant/tensor_range.h"
#include "util/status.h"

namespace rf {

/// How a range is chosen from a tensor's statistics.
enum class RangeMethod {
    /// Global min/max over the whole calibration set: what the TFLite converter's
    /// calibrator logs (tensorflow/lite/tools/optimize/calibration/calibration_logger.cc,
    /// MinMax::Update: NaN skipped, absolute min and max kept).
    MinMax,
    /// Exponential moving average of per-sample min/max, as QAT's MovingAvgQuantize
    /// (tf.contrib.quantize quant_ops.py): each sample's min is clamped to <= 0 and max
    /// to >= 0, then ema -= (ema - value) * (1 - decay) (assign_moving_average with
    /// zero_debias = False).
    MovingAverage,
    /// [quantile(1 - p), quantile(p)] of all values, p = percentile / 100.
    Percentile,
    /// TensorRT's entropy calibration: the |x| threshold minimising the KL divergence
    /// between the clipped reference distribution and its quantized version.
    KlDivergence,
    /// The range [sLo * min, sHi * max] (min, max widened to contain 0) whose expected
    /// quantization + clipping squared error over the histogram is smallest (the two
    /// ends are searched in turn: upper, lower, upper).
    Mse,
};

/// "minmax", "moving_average", "percentile", "kl", "mse".
std::string_view rangeMethodName(RangeMethod method);
/// Parses rangeMethodName() and a few aliases ("entropy" = kl, "ema" = moving_average).
std::optional<RangeMethod> rangeMethodFromName(std::string_view name);

/// The method and its parameters.
struct RangePolicy {
    RangeMethod method = RangeMethod::MinMax;
    /// Percentile: the share of values kept at each end, in percent (50 < p <= 100).
    double percentile = 99.99;
    /// MovingAverage: decay (tf.quantization's default 0.999).
    double emaDecay = 0.999;
    /// MovingAverage: true starts the average at the first sample's min/max (useful
    /// for offline calibration); false starts at QAT's init_min/init_max = -6 / 6.
    bool emaStartAtFirstSample = true;
    /// KlDivergence: bins of the |x| reference histogram and quantized levels
    /// (TensorRT: 2048 and 128 for int8).
    int klBins = 2048;
    int klQuantizedBins = 128;
    /// Mse: quantization levels (256 for 8 bits) and candidate scale steps.
    int mseLevels = 256;
    int mseSteps = 200;
    /// `default_ranges_min/max`: the range of tensors without statistics. For
    /// experiments only: chooseRanges() warns whenever it is used.
    std::optional<TensorRange> defaultRange;
};

/// Per-tensor ranges set by the user (GUI handles, --ranges_in), by tensor name.
/// They replace whatever the policy would choose; origin becomes Override.
using RangeOverrides = std::map<std::string, TensorRange>;

/// Chooses a range for every float activation tensor of `graph` (non-constant
/// float32: graph inputs and op outputs). Order of precedence: override, statistics
/// (policy), default range. Fails, naming the tensors, when a tensor has none of the
/// three, when an override or a statistics entry names a tensor the graph lacks, or
/// when the policy's parameters are out of range. `warnings` (optional) receives
/// messages to print: default ranges used, NaN/inf seen.
Result<RangeTable> chooseRanges(const CalibrationStatistics& statistics, const Graph& graph, const RangePolicy& policy,
                                const RangeOverrides& overrides = {}, std::vector<std::string>* warnings = nullptr);

/// The range `policy` picks for one tensor (origin Calibrated). Fails when the tensor
/// has no finite values or the parameters are invalid.
Result<TensorRange> chooseRange(const TensorStatistics& statistics, const RangePolicy& policy);

/// Checks a policy's parameters; the message names the bad parameter.
Status validateRangePolicy(const RangePolicy& policy);

// Building blocks, public for the analysis report and the GUI's what-if views.

/// MovingAverage over per-sample ranges (see RangeMethod::MovingAverage).
TensorRange movingAverageRange(std::span<const float> sampleMin, std::span<const float> sampleMax, double decay,
                               bool startAtFirstSample);
/// Percentile range; values in the extreme bins snap to the exact global min / max.
TensorRange percentileRange(const CalibrationHistogram& histogram, float min, float max, double percentile);
/// KL (TensorRT / pytorch-quantization `_compute_amax_entropy`) threshold t on |x|
/// with `bins` reference bins over [0, max|x|] and `quantizedBins` levels; the range is
/// [max(min, -t), min(max, t)].
TensorRange klDivergenceRange(const CalibrationHistogram& histogram, float min, float max, int bins, int quantizedBins);
/// The KL divergence TensorRT's search assigns to keeping the first `keptBins` of
/// `magnitudeBins` (infinity when the quantized distribution misses mass).
double klDivergenceForThreshold(std::span<const double> magnitudeBins, int keptBins, int quantizedBins);
/// MSE-minimising range over candidates [sLo * lo, sHi * hi], s = k / steps
/// (coordinate search: upper end, lower end, upper end).
TensorRange mseRange(const CalibrationHistogram& histogram, float min, float max, int levels, int steps);
/// Mean squared error per value of fake-quantizing the histogram's values (each bin
/// at its centre) to `levels` levels over [lo, hi]: clamp, round to the nearest level.
double expectedQuantizationMse(const CalibrationHistogram& histogram, double lo, double hi, int levels);

} // namespace rf
