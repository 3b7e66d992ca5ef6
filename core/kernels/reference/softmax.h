#pragma once
// Softmax over the last dimension, as TensorFlow Lite's builtin kernels compute it on
// x86 (kGenericOptimized without the aarch64-only uint16 LUT):
//  - float32: exp((x - max) * beta), normalised by the row sum (optimized_ops::Softmax);
//  - int8/uint8 input: optimized_ops::PopulateSoftmaxLookupTable + optimized_ops::Softmax,
//    a 256-entry float table of expf(-inputScale * beta * d) indexed by d = max - x,
//    summed in float in element order, and the probability quantized with
//    std::round (int8/int16 output) or (int)(p + 0.5f) (uint8 output, x86 only).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace rf::kernels {

/// optimized_ops::PopulateSoftmaxLookupTable: table[255 - d] = expf(-inputScale * beta * d).
inline void populateSoftmaxTable(float inputScale, float beta, float table[256])
{
    const float scale = -inputScale * beta;
    for (int32_t d = 0; d <= 255; ++d) table[255 - d] = std::exp(scale * static_cast<float>(d));
}

/// Float softmax of `rows` rows of `depth` elements.
inline void softmaxFloat(const float* input, float* output, int64_t rows, int64_t depth, float beta)
{
    for (int64_t r = 0; r < rows; ++r) {
        const float* x = input + r * depth;
        float* y = output + r * depth;
        float maxValue = std::numeric_limits<float>::lowest();
        for (int64_t i = 0; i < depth; ++i) maxValue = std::max(maxValue, x[i]);
        float sum = 0.0f;
        for (int64_t i = 0; i < depth; ++i) {
            y[i] = std::exp((x[i] - maxValue) * beta);
            sum += y[i];
        }
        const float inverse = 1.0f / sum;
        for (int64_t i = 0; i < depth; ++i) y[i] *= inverse;
    }
}

/// Quantized softmax through the float exp table. `table` comes from
/// populateSoftmaxTable; the output has (outputScale, outputZeroPoint).
template <typename TIn, typename TOut>
inline void softmaxQuantizedTable(const TIn* input, TOut* output, int64_t rows, int64_t depth, const float table[256],
                                  float outputScale, int32_t outputZeroPoint)
{
    constexpr int32_t clampMax = std::numeric_limits<TOut>::max();
    constexpr int32_t clampMin = std::numeric_limits<TOut>::min();
    for (int64_t r = 0; r < rows; ++r) {
        const TIn* x = input + r * depth;
        TOut* y = output + r * depth;
        int32_t maxValue = std::numeric_limits<TIn>::min();
        for (int64_t i = 0; i < depth; ++i) maxValue = std::max(maxValue, static_cast<int32_t>(x[i]));
        // table[255 - (max - x)] = exp(-scale * beta * (max - x)).
        const float* offsetTable = table + (255 - maxValue);
        float sum = 0.0f;
        for (int64_t i = 0; i < depth; ++i) sum += offsetTable[x[i]];
        const float inverseSum = 1.0f / (sum * outputScale);
        for (int64_t i = 0; i < depth; ++i) {
            const float probability = offsetTable[x[i]] * inverseSum;
            int32_t q = 0;
            if constexpr (std::is_same_v<TOut, uint8_t>)
                q = static_cast<int32_t>(probability + 0.5f);
            else
                q = static_cast<int32_t>(std::round(probability));
            q += outputZeroPoint;
            y[i] = static_cast<TOut>(std::max(std::min(clampMax, q), clampMin));
        }
    }
}

} // namespace rf::kernels
