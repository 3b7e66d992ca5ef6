#pragma once
// The float range chosen for one activation tensor: what calibration, overrides
// and default ranges produce and what the quantizer consumes.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "ir/dtype.h"
#include "util/status.h"

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
/// The origin named by rangeOriginName(), or nullopt.
std::optional<RangeOrigin> rangeOriginFromName(std::string_view name);

/// A closed float interval [min, max] for one tensor.
struct TensorRange {
    float min = 0.0f;
    float max = 0.0f;
    RangeOrigin origin = RangeOrigin::Calibrated;
};

/// Ranges of a float graph's activation tensors, keyed by tensor name (the
/// Keras loader names tensors after layers, so the keys read like the model).
using RangeTable = std::map<std::string, TensorRange>;

/// Which converter's arithmetic turns a float range into a scale and zero point.
enum class ConverterFlavor {
    /// TF2 TFLiteConverter with a representative dataset (the default today).
    /// int8 / uint8: the MLIR quantizer, mlir::TFL::ConvertStatsToQDQs
    /// (tensorflow/compiler/mlir/lite/quantization/common/quantization_lib/
    /// quantization_utils.h): rmin = min(rmin, 0), rmax = max(rmax, 0); ranges
    /// narrower than kNearZeroTolerance = 1e-6 widened by 1e-6 on both sides
    /// (TensorRangeSanityCheck); then, because the Python converter passes
    /// legacy_float_scale = true, DownCastScale (quantization_utils.cc) recomputes in
    /// float: scale = (float(rmax) - float(rmin)) / (qmax - qmin), zero point
    /// = round(float(qmin - rmin / scale)) clamped to [qmin, qmax] (std::round: half away
    /// from zero). This equals tensorflow/lite/tools/optimize/quantization_utils.cc
    /// GetAsymmetricQuantizationParams up to the precision of the min / scale division.
    /// int16 (16x8): lite.py sends int16 activations to the old quantizer, whose
    /// GetSymmetricQuantizationParams gives zero point 0 and scale
    /// = max(|min|, |max|) / 32767 in float (after widening to contain 0).
    Mlir,
    /// TF1 tflite_convert / TOCO (legacy QUANTIZED_UINT8 with default ranges or
    /// fake-quant ranges): tflite::ChooseQuantizationParams<T> (tensorflow/lite/kernels/
    /// internal/quantization_util.h) in double: scale = (rmax - rmin) / (qmax - qmin),
    /// zero point from the end with the smaller rounding error, nudged into [qmin, qmax].
    Toco,
};

/// Scale and zero point of one quantized activation tensor.
struct ActivationQuantParams {
    /// real = scale * (q - zeroPoint); the float TFLite stores.
    float scale = 1.0f;
    int32_t zeroPoint = 0;
    /// The integer range of the storage type.
    int32_t qmin = 0;
    int32_t qmax = 0;
    /// The float range after the converter's adjustments (contains 0, not tiny).
    double rmin = 0.0;
    double rmax = 0.0;
};

/// The scale and zero point the TFLite converter gives a tensor whose calibrated
/// range is `range`, for storage Int8, UInt8 or Int16, computed exactly as the
/// converter does (see ConverterFlavor). Two deliberate deviations, both for ranges
/// the converters turn into a scale of 0 (which TFLite kernels reject): int16 with
/// min = max = 0 uses the MLIR tiny-range widening (+-1e-6), and Toco with min = max = 0
/// uses max = 1 (TOCO's own rule for all-zero constants). Fails on a non-finite range,
/// min > max, or another storage type.
Result<ActivationQuantParams> converterQuantParams(const TensorRange& range, DType storage,
                                                   ConverterFlavor flavor = ConverterFlavor::Mlir);

} // namespace rf
