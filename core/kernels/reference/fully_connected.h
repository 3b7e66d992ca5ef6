#pragma once
// Reference FULLY_CONNECTED math: output[b][o] = sum_i input[b][i] * weights[o][i] + bias[o]
// for a [batches, depth] input and [units, depth] weights, float and quantized.
//
// Float weights are repacked once to [depth][units] so the innermost loop runs over
// contiguous units with one accumulator each: the sum order stays TFLite's reference
// order (i = 0, 1, ...) and the loop vectorizes without reassociation. Quantized weights
// keep their [units][depth] layout: integer dot products are exact in any order.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/requantize.h"

namespace rf::kernels {

/// The sizes of one FULLY_CONNECTED evaluation.
struct FullyConnectedShape {
    int batches = 1;
    int depth = 0; ///< Accumulation depth (input features).
    int units = 0; ///< Output features.
};

/// Transposes [units][depth] float weights to [depth][units].
inline std::vector<float> packFullyConnectedFloat(const float* weights, const FullyConnectedShape& s)
{
    std::vector<float> packed(static_cast<size_t>(s.units) * s.depth);
    for (int o = 0; o < s.units; ++o)
        for (int i = 0; i < s.depth; ++i)
            packed[static_cast<size_t>(i) * s.units + o] = weights[static_cast<size_t>(o) * s.depth + i];
    return packed;
}

/// Copies quantized [units][depth] weights to int16 with the weight offset applied.
template <typename Source>
std::vector<int16_t> packFullyConnectedQuantized(const Source* weights, const FullyConnectedShape& s, int32_t offset)
{
    std::vector<int16_t> packed(static_cast<size_t>(s.units) * s.depth);
    for (size_t i = 0; i < packed.size(); ++i) packed[i] = static_cast<int16_t>(weights[i] + offset);
    return packed;
}

/// reference_ops::FullyConnected (float) for batches [batchBegin, batchEnd); `bias` may be
/// null. With `biasFirst` the sums start from the bias (XNNPACK's GEMM order).
inline void fullyConnectedFloat(const FullyConnectedShape& s, const float* input, const float* weightsDepthMajor,
                                const float* bias, float activationMin, float activationMax, float* output,
                                int64_t batchBegin, int64_t batchEnd, bool biasFirst = false)
{
    std::vector<float> acc(s.units);
    const bool addBias = bias && !biasFirst;
    for (int64_t b = batchBegin; b < batchEnd; ++b) {
        if (bias && biasFirst) std::copy(bias, bias + s.units, acc.begin());
        else std::fill(acc.begin(), acc.end(), 0.0f);
        const float* in = input + b * s.depth;
        for (int i = 0; i < s.depth; ++i) {
            const float value = in[i];
            const float* w = weightsDepthMajor + static_cast<size_t>(i) * s.units;
            for (int o = 0; o < s.units; ++o) acc[o] += value * w[o];
        }
        float* out = output + b * s.units;
        for (int o = 0; o < s.units; ++o)
            out[o] = std::min(std::max(addBias ? acc[o] + bias[o] : acc[o], activationMin), activationMax);
    }
}

/// Integer dot products acc[o] = sum_i (input[i] + inputOffset) * weights[o][i] for one
/// batch row, into `acc` (units entries).
template <typename Acc, typename Input>
void fullyConnectedAccumulate(const FullyConnectedShape& s, const Input* input, int32_t inputOffset,
                              const int16_t* weights, Acc* acc)
{
    std::vector<int32_t> shifted(s.depth);
    for (int i = 0; i < s.depth; ++i) shifted[i] = static_cast<int32_t>(input[i]) + inputOffset;
    for (int o = 0; o < s.units; ++o) {
        const int16_t* w = weights + static_cast<size_t>(o) * s.depth;
        Acc sum = 0;
        for (int i = 0; i < s.depth; ++i) sum += static_cast<Acc>(shifted[i] * static_cast<int32_t>(w[i]));
        acc[o] = sum;
    }
}

/// Quantized FULLY_CONNECTED (int8, uint8, int16x8) for batches [batchBegin, batchEnd):
/// acc = bias + sum (input + inputOffset) * (weights + weightsOffset), requantized per unit.
template <typename Acc, typename Input, typename Output, typename Requant>
void fullyConnectedQuantized(const FullyConnectedShape& s, const Input* input, int32_t inputOffset,
                             const int16_t* weights, const Acc* bias, const Requant& requant, int32_t outputZeroPoint,
                             int32_t activationMin, int32_t activationMax, Output* output, int64_t batchBegin,
                             int64_t batchEnd)
{
    std::vector<Acc> acc(s.units);
    for (int64_t b = batchBegin; b < batchEnd; ++b) {
        fullyConnectedAccumulate<Acc>(s, input + b * s.depth, inputOffset, weights, acc.data());
        Output* out = output + b * s.units;
        for (int o = 0; o < s.units; ++o)
            out[o] = requant::finishQuantized<Output>(requant.apply(requant::addBias(acc[o], bias[o]), o), outputZeroPoint,
                                                      activationMin, activationMax);
    }
}

} // namespace rf::kernels
