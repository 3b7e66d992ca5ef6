#include "quant/quantizer_math.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace rf {

AffineParams asymmetricParams(double rmin, double rmax, int64_t qmin, int64_t qmax)
{
    // The converter's calibration widens every range to contain zero, so that 0.0 is
    // exactly representable (zero padding, ReLU outputs).
    rmin = std::min(rmin, 0.0);
    rmax = std::max(rmax, 0.0);
    if (std::fabs(rmax - rmin) < std::numeric_limits<double>::epsilon()) return {1.0, qmin};
    const double qminD = static_cast<double>(qmin);
    const double qmaxD = static_cast<double>(qmax);
    const double scale = (rmax - rmin) / (qmaxD - qminD);
    const double zeroPointFromMin = qminD - rmin / scale;
    const double zeroPointFromMinError = std::fabs(qminD) + std::fabs(rmin / scale);
    const double zeroPointFromMax = qmaxD - rmax / scale;
    const double zeroPointFromMaxError = std::fabs(qmaxD) + std::fabs(rmax / scale);
    const double zeroPoint = zeroPointFromMinError < zeroPointFromMaxError ? zeroPointFromMin : zeroPointFromMax;
    int64_t nudged = 0;
    if (zeroPoint < qminD) nudged = qmin;
    else if (zeroPoint > qmaxD) nudged = qmax;
    else nudged = static_cast<int64_t>(std::round(zeroPoint));
    return {scale, nudged};
}

AffineParams symmetricParams(double maxAbs, int64_t qmax)
{
    // MLIR builds symmetric types through the same asymmetric formula with
    // [-maxAbs, maxAbs] and the narrow range [-qmax, qmax]; the zero point nudges to 0.
    if (maxAbs <= 0.0 || !std::isfinite(maxAbs)) return {1.0, 0};
    return {(maxAbs - -maxAbs) / (static_cast<double>(qmax) - static_cast<double>(-qmax)), 0};
}

int64_t quantizeToInt(float value, double scale, int64_t zeroPoint, int64_t qmin, int64_t qmax)
{
    const double scaled = static_cast<double>(value) / scale + static_cast<double>(zeroPoint);
    const double rounded = std::round(scaled); // halfway cases away from zero
    const double clamped = std::clamp(rounded, static_cast<double>(qmin), static_cast<double>(qmax));
    return static_cast<int64_t>(clamped);
}

QuantizedWeights quantizeSymmetric(std::span<const float> data, std::span<const int32_t> shape, int axis,
                                   bool perChannel, int64_t qmax)
{
    QuantizedWeights result;
    int64_t channels = 1, inner = 1;
    if (perChannel && !shape.empty()) {
        channels = shape[axis];
        for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
    } else {
        inner = static_cast<int64_t>(data.size());
    }
    std::vector<double> maxAbs(static_cast<size_t>(channels), 0.0);
    // Element i belongs to channel (i / inner) % channels for a row-major layout.
    for (size_t i = 0; i < data.size(); ++i) {
        const size_t c = static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
        maxAbs[c] = std::max(maxAbs[c], std::fabs(static_cast<double>(data[i])));
    }
    result.scales.resize(maxAbs.size());
    for (size_t c = 0; c < maxAbs.size(); ++c) {
        // The Python converter quantizes with legacy_float_scale = true, so DownCastScale
        // recomputes each scale in float: (float(max) - float(min)) / (qmax - qmin).
        const auto maxF = static_cast<float>(maxAbs[c]);
        const float scaleF = maxF > 0.0f ? (maxF - -maxF) / static_cast<float>(qmax - -qmax) : 1.0f;
        result.scales[c] = static_cast<double>(scaleF);
    }
    result.values.resize(data.size());
    for (size_t i = 0; i < data.size(); ++i) {
        const size_t c = static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
        result.values[i] = quantizeToInt(data[i], result.scales[c], 0, -qmax, qmax);
    }
    return result;
}

QuantizedConstant quantizeAsymmetric(std::span<const float> data, int64_t qmin, int64_t qmax)
{
    QuantizedConstant result;
    double lo = 0.0, hi = 0.0;
    for (float v : data) {
        lo = std::min(lo, static_cast<double>(v));
        hi = std::max(hi, static_cast<double>(v));
    }
    result.params = asymmetricParams(lo, hi, qmin, qmax);
    result.values.resize(data.size());
    for (size_t i = 0; i < data.size(); ++i)
        result.values[i] = quantizeToInt(data[i], result.params.scale, result.params.zeroPoint, qmin, qmax);
    return result;
}

} // namespace rf

namespace rf {

uint16_t floatToHalf(float value)
{
    uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    const uint32_t sign = (bits >> 16) & 0x8000u;
    const uint32_t absBits = bits & 0x7fffffffu;
    if (absBits >= 0x7f800000u) // Inf or NaN (NaN keeps a quiet payload bit).
        return static_cast<uint16_t>(sign | 0x7c00u | (absBits > 0x7f800000u ? 0x200u : 0u));
    if (absBits >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u); // rounds past 65504
    if (absBits < 0x38800000u) {
        // Subnormal half (or zero): value / 2^-24, rounded to nearest even.
        float magnitude = 0.0f;
        std::memcpy(&magnitude, &absBits, sizeof magnitude);
        const float scaled = magnitude * 16777216.0f; // exact: multiplying by 2^24
        const auto mantissa = static_cast<uint32_t>(std::nearbyint(scaled));
        return static_cast<uint16_t>(sign | mantissa);
    }
    // Normal: rebias the exponent and round the 13 dropped mantissa bits to nearest even.
    const uint32_t rebased = absBits - 0x38000000u;
    const uint32_t halfBits = rebased >> 13;
    const uint32_t dropped = rebased & 0x1fffu;
    uint32_t result = halfBits;
    if (dropped > 0x1000u || (dropped == 0x1000u && (halfBits & 1u))) ++result;
    return static_cast<uint16_t>(sign | result);
}

float halfToFloat(uint16_t bits)
{
    const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
    const uint32_t exponent = (bits >> 10) & 0x1fu;
    const uint32_t mantissa = bits & 0x3ffu;
    float magnitude = 0.0f;
    if (exponent == 0) {
        magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    } else if (exponent == 31) {
        magnitude = mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
    } else {
        const uint32_t f = ((exponent + 112u) << 23) | (mantissa << 13);
        std::memcpy(&magnitude, &f, sizeof magnitude);
    }
    uint32_t out = 0;
    std::memcpy(&out, &magnitude, sizeof out);
    out |= sign;
    float result = 0.0f;
    std::memcpy(&result, &out, sizeof result);
    return result;
}

} // namespace rf
