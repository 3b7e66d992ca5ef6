#include "quant/tensor_range.h"

namespace rf {

std::string_view rangeOriginName(RangeOrigin origin)
{
    switch (origin) {
    case RangeOrigin::Calibrated: return "calibrated";
    case RangeOrigin::Override: return "override";
    case RangeOrigin::DefaultRanges: return "default_ranges";
    case RangeOrigin::Fixed: return "fixed";
    case RangeOrigin::FromModel: return "from_model";
    }
    return "unknown";
}

} // namespace rf

#include <algorithm>
#include <cmath>

namespace rf {

std::optional<RangeOrigin> rangeOriginFromName(std::string_view name)
{
    for (RangeOrigin origin : {RangeOrigin::Calibrated, RangeOrigin::Override, RangeOrigin::DefaultRanges,
                               RangeOrigin::Fixed, RangeOrigin::FromModel})
        if (rangeOriginName(origin) == name) return origin;
    return std::nullopt;
}

namespace {

/// mlir::TFL::kNearZeroTolerance.
constexpr double kNearZeroTolerance = 1.0e-6;

ActivationQuantParams mlirAsymmetric(double rmin, double rmax, int32_t qmin, int32_t qmax)
{
    // ConvertStatsToQDQs: include 0, then TensorRangeSanityCheck widens tiny ranges.
    rmin = std::min(rmin, 0.0);
    rmax = std::max(rmax, 0.0);
    if (std::abs(rmax - rmin) < kNearZeroTolerance) {
        rmin -= kNearZeroTolerance;
        rmax += kNearZeroTolerance;
    }
    // DownCastScale (legacy_float_scale): the float subtraction and float division, as
    // written there ((float - float) / int64 promotes the integer to float).
    const float scale = (static_cast<float>(rmax) - static_cast<float>(rmin)) / static_cast<float>(qmax - qmin);
    const double scaleAsDouble = scale;
    const float zeroPointFromMin = static_cast<float>(static_cast<double>(qmin) - rmin / scaleAsDouble);
    int64_t zeroPoint;
    if (zeroPointFromMin < static_cast<float>(qmin))
        zeroPoint = qmin;
    else if (zeroPointFromMin > static_cast<float>(qmax))
        zeroPoint = qmax;
    else
        zeroPoint = static_cast<int64_t>(std::round(zeroPointFromMin));
    ActivationQuantParams params;
    params.scale = scale;
    params.zeroPoint = static_cast<int32_t>(zeroPoint);
    params.qmin = qmin;
    params.qmax = qmax;
    params.rmin = rmin;
    params.rmax = rmax;
    return params;
}

ActivationQuantParams oldQuantizerSymmetricInt16(float min, float max)
{
    // GetSymmetricQuantizationParams(min, max, half_quant_range = 32767).
    min = std::min(min, 0.0f);
    max = std::max(max, 0.0f);
    if (min == 0.0f && max == 0.0f) {
        // Deviation (documented): the converter would write scale 0.
        min = static_cast<float>(-kNearZeroTolerance);
        max = static_cast<float>(kNearZeroTolerance);
    }
    ActivationQuantParams params;
    params.scale = std::max(std::abs(max), std::abs(min)) / 32767;
    params.zeroPoint = 0;
    params.qmin = -32768;
    params.qmax = 32767;
    params.rmin = min;
    params.rmax = max;
    return params;
}

ActivationQuantParams tocoChooseQuantizationParams(double rmin, double rmax, int32_t qmin, int32_t qmax)
{
    // TOCO requires 0 inside [rmin, rmax] (TFLITE_CHECKs); its graph transformations
    // guarantee it, we widen.
    rmin = std::min(rmin, 0.0);
    rmax = std::max(rmax, 0.0);
    if (rmin == rmax) rmax = 1.0; // Deviation (documented): TOCO would give scale 0.
    const double qminDouble = qmin;
    const double qmaxDouble = qmax;
    const double scale = (rmax - rmin) / (qmaxDouble - qminDouble);
    const double zeroPointFromMin = qminDouble - rmin / scale;
    const double zeroPointFromMax = qmaxDouble - rmax / scale;
    const double zeroPointFromMinError = std::abs(qminDouble) + std::abs(rmin / scale);
    const double zeroPointFromMaxError = std::abs(qmaxDouble) + std::abs(rmax / scale);
    const double zeroPointDouble =
        zeroPointFromMinError < zeroPointFromMaxError ? zeroPointFromMin : zeroPointFromMax;
    int32_t zeroPoint;
    if (zeroPointDouble < qminDouble)
        zeroPoint = qmin;
    else if (zeroPointDouble > qmaxDouble)
        zeroPoint = qmax;
    else
        zeroPoint = static_cast<int32_t>(std::round(zeroPointDouble));
    ActivationQuantParams params;
    params.scale = static_cast<float>(scale);
    params.zeroPoint = zeroPoint;
    params.qmin = qmin;
    params.qmax = qmax;
    params.rmin = rmin;
    params.rmax = rmax;
    return params;
}

} // namespace

Result<ActivationQuantParams> converterQuantParams(const TensorRange& range, DType storage, ConverterFlavor flavor)
{
    if (!std::isfinite(range.min) || !std::isfinite(range.max))
        return Status::error("range [" + std::to_string(range.min) + ", " + std::to_string(range.max) +
                             "] is not finite; it cannot be quantized");
    if (range.min > range.max)
        return Status::error("range [" + std::to_string(range.min) + ", " + std::to_string(range.max) +
                             "] has min > max");
    int32_t qmin = 0, qmax = 0;
    switch (storage) {
    case DType::Int8: qmin = -128, qmax = 127; break;
    case DType::UInt8: qmin = 0, qmax = 255; break;
    case DType::Int16: qmin = -32768, qmax = 32767; break;
    default:
        return Status::error("activations cannot be quantized to " + std::string(dtypeName(storage)) +
                             " (int8, uint8 or int16 only)");
    }
    if (flavor == ConverterFlavor::Toco) return tocoChooseQuantizationParams(range.min, range.max, qmin, qmax);
    if (storage == DType::Int16) return oldQuantizerSymmetricInt16(range.min, range.max);
    return mlirAsymmetric(range.min, range.max, qmin, qmax);
}

} // namespace rf
