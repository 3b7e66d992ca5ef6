#pragma once
// 256-entry lookup tables for 8-bit unary ops (LOGISTIC, TANH, ELU, ...), built the way
// each library builds them. The table is indexed by the raw byte of the input
// (static_cast<uint8_t>(x)), as TFLite's LUTIndex and XNNPACK's lut ukernels do.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace rf::kernels {

/// TFLite LUTPopulate<int8_t|uint8_t> (kernels/internal/common.h; older versions
/// PopulateLookupTable in activations.cc): everything in float; the transformed value is
/// divided by the output scale (as a multiplication by the float reciprocal) and rounded
/// half away from zero (TfLiteRound), then the zero point is added and the result clamped.
template <typename T, typename Transform>
inline void populateLutBuiltin(float inputScale, int32_t inputZeroPoint, float outputScale, int32_t outputZeroPoint,
                               Transform&& transform, uint8_t table[256])
{
    const float inverseScale = 1 / outputScale;
    const int32_t maxValue = std::numeric_limits<T>::max();
    const int32_t minValue = std::numeric_limits<T>::min();
    for (int32_t value = minValue; value <= maxValue; ++value) {
        const float dequantized = inputScale * static_cast<float>(value - inputZeroPoint);
        const float transformed = transform(dequantized);
        const float rescaled = std::round(transformed * inverseScale);
        const auto quantized = static_cast<int32_t>(rescaled + static_cast<float>(outputZeroPoint));
        table[static_cast<uint8_t>(static_cast<T>(value))] =
            static_cast<uint8_t>(static_cast<T>(std::max(std::min(maxValue, quantized), minValue)));
    }
}

/// XNNPACK lut-elementwise-nc table (sigmoid / tanh / elu operators of the 2022 era):
/// dequantize in float, transform, multiply by the float reciprocal of the output scale,
/// lrintf (round half to even), add the zero point, clamp to [outputMin, outputMax].
template <typename T, typename Transform>
inline void populateLutXnnpack(float inputScale, int32_t inputZeroPoint, float outputScale, int32_t outputZeroPoint,
                               int32_t outputMin, int32_t outputMax, Transform&& transform, uint8_t table[256])
{
    const float inverseOutputScale = 1.0f / outputScale;
    for (int32_t value = std::numeric_limits<T>::min(); value <= std::numeric_limits<T>::max(); ++value) {
        const float dequantizedInput = static_cast<float>(value - inputZeroPoint) * inputScale;
        const float dequantizedOutput = transform(dequantizedInput);
        long quantized = std::lrintf(dequantizedOutput * inverseOutputScale) + static_cast<long>(outputZeroPoint);
        quantized = std::max<long>(quantized, outputMin);
        quantized = std::min<long>(quantized, outputMax);
        table[static_cast<uint8_t>(static_cast<T>(value))] = static_cast<uint8_t>(static_cast<T>(quantized));
    }
}

/// Applies a table built by one of the functions above.
inline void applyLut(const uint8_t* input, uint8_t* output, int64_t count, const uint8_t table[256])
{
    for (int64_t i = 0; i < count; ++i) output[i] = table[input[i]];
}

} // namespace rf::kernels
