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

#include "kernels/fixed_point.h"

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

// ---------------------------------------------------------------------------
// int16 softmax (reference_ops::SoftmaxInt16, the only int16 kernel TFLite has).

/// TFLite's 513-entry int16 interpolation tables (LUTPopulateInt16 with FloatT = double,
/// as SoftmaxPrepare uses it): 512 samples of f over the input range of an int16 tensor
/// with (inputScale, inputZeroPoint), scaled to the output range, each corrected by half
/// the interpolation error at the step's midpoint, plus the end value.
template <typename Fn>
inline void populateInt16Lut(double inputScale, int32_t inputZeroPoint, double outputScale, int32_t outputZeroPoint, Fn&& f,
                             int16_t table[513])
{
    const double inputMin = inputScale * (std::numeric_limits<int16_t>::min() - inputZeroPoint);
    const double inputMax = inputScale * (std::numeric_limits<int16_t>::max() - inputZeroPoint);
    const double outputMin = outputScale * (std::numeric_limits<int16_t>::min() - outputZeroPoint);
    const double outputMax = outputScale * (std::numeric_limits<int16_t>::max() - outputZeroPoint);
    constexpr int kSteps = 512;
    const double step = (inputMax - inputMin) / kSteps;
    const double halfStep = step / 2;
    const double outputScalingInverse = 65536.0 / (outputMax - outputMin);
    const auto clampQ15 = [](double v) { return std::min(std::max(v, -32768.0), 32767.0); };
    for (int i = 0; i < kSteps; ++i) {
        const double value = f(inputMin + i * step);
        const double valueMidpoint = f(inputMin + i * step + halfStep);
        const double valueNext = f(inputMin + (i + 1) * step);
        const double sample = std::round(value * outputScalingInverse);
        const double midpointInterpolated =
            std::round((valueNext * outputScalingInverse + std::round(value * outputScalingInverse)) / 2);
        const double midpoint = std::round(valueMidpoint * outputScalingInverse);
        const double bias = std::round((midpointInterpolated - midpoint) / 2);
        table[i] = static_cast<int16_t>(clampQ15(sample - bias));
    }
    table[kSteps] = static_cast<int16_t>(clampQ15(std::round(f(inputMax) * outputScalingInverse)));
}

/// generic_int16_table_lookup: the table index is the top 9 bits of (value + 32768), the
/// low 7 bits interpolate linearly (rounded).
inline int16_t int16LutLookup(int16_t value, const int16_t table[513])
{
    const auto index = static_cast<uint16_t>(256 + (value >> 7));
    const auto offset = static_cast<int16_t>(value & 0x7f);
    const int16_t base = table[index];
    const auto slope = static_cast<int16_t>(table[index + 1] - table[index]);
    const int32_t delta = (static_cast<int32_t>(slope) * offset + 64) >> 7;
    return static_cast<int16_t>(base + delta);
}

/// Parameters of the int16 softmax: exp on [-10, 0] and 1/(1+x) on [0, 1] tables and the
/// multiplier mapping input differences to [-65535, 0] ~ [-10, 0].
struct SoftmaxInt16Params {
    int16_t expTable[513];
    int16_t reciprocalTable[513];
    int32_t inputMultiplier = 0;
    int inputShift = 0;
};

/// reference_ops::SoftmaxInt16 over `rows` rows of `depth` elements (output Q0.15, zero point 0).
inline void softmaxInt16(const SoftmaxInt16Params& p, const int16_t* input, int16_t* output, int64_t rows, int64_t depth,
                         int16_t* scratch)
{
    for (int64_t r = 0; r < rows; ++r) {
        const int16_t* x = input + r * depth;
        int16_t* y = output + r * depth;
        int16_t maxValue = std::numeric_limits<int16_t>::min();
        for (int64_t i = 0; i < depth; ++i) maxValue = std::max(maxValue, x[i]);
        int32_t sumOfExps = 0; // Q16.15.
        for (int64_t i = 0; i < depth; ++i) {
            const int32_t diff = x[i] - maxValue;
            const int32_t scaled = fixed_point::multiplyByQuantizedMultiplier(diff, p.inputMultiplier, p.inputShift);
            const auto centred = static_cast<int16_t>(std::min(std::max(scaled + 32767, -32768), 32767));
            scratch[i] = int16LutLookup(centred, p.expTable);
            sumOfExps += scratch[i];
        }
        const int headroomPlusOne = sumOfExps == 0 ? 32 : __builtin_clz(static_cast<uint32_t>(sumOfExps));
        const auto shiftedSum =
            static_cast<int32_t>(((static_cast<int64_t>(sumOfExps) << (headroomPlusOne - 1)) + (1 << 13)) >> 14);
        // The table computes 1/(1+x): x = sum - 1, recentred from [0, 65535] to [-32768, 32767].
        const int32_t centredSum = shiftedSum - ((1 << 15) + (1 << 16));
        const auto saturatedSum = static_cast<int16_t>(std::min(std::max(centredSum, -32768), 32767));
        const int16_t reciprocal = int16LutLookup(saturatedSum, p.reciprocalTable);
        const int rightShift = 31 - headroomPlusOne;
        const int64_t round = int64_t{1} << (rightShift - 1);
        for (int64_t i = 0; i < depth; ++i) {
            const auto v = static_cast<int32_t>((static_cast<int64_t>(scratch[i]) * reciprocal + round) >> rightShift);
            y[i] = static_cast<int16_t>(std::min(std::max(v, 0), 32767));
        }
    }
}

} // namespace rf::kernels
