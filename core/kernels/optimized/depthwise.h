#pragma once
// Depthwise convolution (depth multiplier 1) for int8/uint8 and float32, vectorized
// across channels.
//
// Integer: acc[c] = bias[c] + sum over taps inside the input of (x + aOffset) * (w + wOffset),
// exact in int32 whatever the order; requantization is the caller's (through a sink).
// Float: total = 0; total += x * w over the taps inside the input in (ky, kx) order;
// out = clamp(total + bias) -- the reference's operations in the reference's order with
// separate multiply and add, so the bits are the same. XNNPACK's dwconv order (packing
// with xnnpackOrder) starts from the bias and visits the taps column by column.

#include <cstdint>

#include "kernels/optimized/conv_geometry.h"
#include "kernels/optimized/gemm_s8.h"
#include "kernels/optimized/simd_level.h"

namespace rf {
class ThreadPool;
}

namespace rf::optimized {

/// The largest filterHeight * filterWidth these kernels take (callers keep the
/// reference kernel for anything bigger).
constexpr int kMaxDepthwiseTaps = 64;

/// Integer depthwise weights widened to int32 with the weight offset applied.
struct DepthwiseS8Weights {
    SimdLevel level = SimdLevel::Scalar;
    int32_t channels = 0;
    int32_t channelsPadded = 0; ///< Row stride of weights, bias and accumulator tiles.
    int32_t filterHeight = 0;
    int32_t filterWidth = 0;
    bool activationsSigned = true;
    int32_t activationOffset = 0;
    AlignedBuffer<int32_t> weights; ///< [tap][channelsPadded], w + wOffset.
    AlignedBuffer<int32_t> bias;    ///< channelsPadded values (zeros when absent).
    /// bias + aOffset * (sum of the channel's weights over all taps): the constant part of
    /// a pixel whose taps are all inside the input, which then needs no per-tap offset.
    AlignedBuffer<int32_t> fullWindowBias;
};

/// Packs a [1, kh, kw, channels] filter (int8 or uint8) for activeSimdLevel().
DepthwiseS8Weights packDepthwiseS8Weights(const void* filter, bool weightsSigned, int32_t channels,
                                          int32_t filterHeight, int32_t filterWidth, int32_t weightOffset,
                                          bool activationsSigned, int32_t activationOffset, const int32_t* bias);

/// Runs the depthwise convolution; the sink receives one output row (outputWidth pixels,
/// first pixel index ((b * outH) + y) * outW) at a time, accumulators at
/// acc[x * channelsPadded + c]. geometry.inputChannels must equal weights.channels.
void depthwiseConv2dS8(const DepthwiseS8Weights& weights, const ConvGeometry& geometry, const void* input,
                       ThreadPool* pool, const AccumulatorSink& sink);

/// Float depthwise weights.
struct DepthwiseF32Weights {
    SimdLevel level = SimdLevel::Scalar;
    int32_t channels = 0;
    int32_t channelsPadded = 0;
    int32_t filterHeight = 0;
    int32_t filterWidth = 0;
    AlignedBuffer<float> weights; ///< [tap][channelsPadded].
    AlignedBuffer<float> bias;    ///< channelsPadded values (zeros when absent).
    bool xnnpackOrder = false;    ///< Start from the bias, taps column by column.
};

/// Packs a [1, kh, kw, channels] float filter and optional bias.
DepthwiseF32Weights packDepthwiseF32Weights(const float* filter, int32_t channels, int32_t filterHeight,
                                            int32_t filterWidth, const float* bias, bool xnnpackOrder = false);

/// Float depthwise convolution into NHWC `output`, clamped to [outMin, outMax].
void depthwiseConv2dF32(const DepthwiseF32Weights& weights, const ConvGeometry& geometry, const float* input,
                        float outMin, float outMax, float* output, ThreadPool* pool);

} // namespace rf::optimized
