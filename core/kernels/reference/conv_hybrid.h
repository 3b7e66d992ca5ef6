#pragma once
// On-the-fly input quantization of TFLite's hybrid ("dynamic range") kernels: float
// activations are quantized to int8 per batch row, multiplied with int8 weights in exact
// integer arithmetic, and the int32 sums are scaled back to float.
// Both functions are tensor_utils::PortableSymmetricQuantizeFloats and
// PortableAsymmetricQuantizeFloats (portable_tensor_utils.cc), which the x86 build also
// uses (the SSE file only replaces the matrix products, whose integer results are exact).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace rf::kernels {

/// Symmetric quantization of `size` floats to [-127, 127]: scale = max|x| / 127,
/// q = round(x * (127 / max|x|)) (float arithmetic, half away from zero). An all-zero
/// row gives q = 0 and scale 1.
inline void symmetricQuantizeFloats(const float* values, int size, int8_t* quantized, float* scale)
{
    const auto [minIt, maxIt] = std::minmax_element(values, values + size);
    const float minValue = size ? *minIt : 0.0f, maxValue = size ? *maxIt : 0.0f;
    constexpr int32_t kScale = 127;
    const float range = std::max(std::abs(minValue), std::abs(maxValue));
    if (range == 0) {
        std::memset(quantized, 0, static_cast<size_t>(size));
        *scale = 1;
        return;
    }
    *scale = range / kScale;
    const float inverse = kScale / range;
    for (int i = 0; i < size; ++i) {
        const auto q = static_cast<int32_t>(std::round(values[i] * inverse));
        quantized[i] = static_cast<int8_t>(std::min(kScale, std::max(-kScale, q)));
    }
}

/// Asymmetric quantization of `size` floats to [-128, 127] over [min(0, min x), max(0, max x)]
/// with TFLite's zero-point nudging (computed in double), then
/// q = round(zeroPoint + x * (1 / scale)) in float. A constant-zero row gives q = 0,
/// scale 1, zero point 0.
inline void asymmetricQuantizeFloats(const float* values, int size, int8_t* quantized, float* scale,
                                     int32_t* zeroPoint)
{
    constexpr int32_t kMin = -128, kMax = 127;
    constexpr double qmin = kMin, qmax = kMax;
    const auto [minIt, maxIt] = std::minmax_element(values, values + size);
    const double rmin = static_cast<double>(std::min(0.0f, size ? *minIt : 0.0f));
    const double rmax = static_cast<double>(std::max(0.0f, size ? *maxIt : 0.0f));
    if (rmin == rmax) {
        std::memset(quantized, 0, static_cast<size_t>(size));
        *scale = 1;
        *zeroPoint = 0;
        return;
    }
    const double doubleScale = (rmax - rmin) / (qmax - qmin);
    const double zeroFromMin = qmin - rmin / doubleScale;
    const double zeroFromMax = qmax - rmax / doubleScale;
    const double zeroFromMinError = std::abs(qmin) + std::abs(rmin / doubleScale);
    const double zeroFromMaxError = std::abs(qmax) + std::abs(rmax / doubleScale);
    const double zero = zeroFromMinError < zeroFromMaxError ? zeroFromMin : zeroFromMax;
    int8_t nudged = 0;
    if (zero <= qmin)
        nudged = kMin;
    else if (zero >= qmax)
        nudged = kMax;
    else
        nudged = static_cast<int8_t>(std::round(zero));
    // TFLite stores the double scale in a float and quantizes with the float reciprocal.
    *scale = static_cast<float>(doubleScale);
    *zeroPoint = nudged;
    const float inverse = 1.0f / *scale;
    for (int i = 0; i < size; ++i) {
        const auto q = static_cast<int32_t>(std::round(static_cast<float>(*zeroPoint) + values[i] * inverse));
        quantized[i] = static_cast<int8_t>(std::min(kMax, std::max(kMin, q)));
    }
}

} // namespace rf::kernels
