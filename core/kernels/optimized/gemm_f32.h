#pragma once
// Float32 GEMM and convolution that give the same bits as TFLite's reference loops.
//
// The reference computes, per output, total = 0; total += a[k] * w[k] for k in order
// (im2col order ky, kx, channel for a convolution); out = clamp(total + bias). These
// kernels vectorize across output channels, so every lane still sums its own k in the
// same order with a separate multiply and add (no FMA, which would round differently).
// A padding tap adds 0 * w = +-0, which leaves a sum that started at +0 unchanged.
// This file is compiled with -ffp-contract=off so the compiler cannot fuse them either.
// XNNPACK's GEMM order (the delegate's float path) is the same except that the sum
// starts from the bias: packing with biasFirst selects it.

#include <cstdint>

#include "kernels/optimized/conv_geometry.h"
#include "kernels/optimized/simd_level.h"

namespace rf {
class ThreadPool;
}

namespace rf::optimized {

/// Weights packed once for activeSimdLevel(), with the bias (zeros when absent).
struct GemmF32Weights {
    SimdLevel level = SimdLevel::Scalar;
    int32_t n = 0;
    int32_t k = 0;
    int32_t nPadded = 0;
    AlignedBuffer<float> packed; ///< SIMD: [nPadded/L][k][L] with L lanes; scalar: [n][k].
    AlignedBuffer<float> bias;   ///< nPadded values.
    bool biasFirst = false;      ///< total starts at the bias (XNNPACK) instead of adding it last.
};

/// Packs n rows of k weights (OHWI flattened) and an optional bias of n values.
GemmF32Weights packGemmF32Weights(const float* weights, int32_t n, int32_t k, const float* bias,
                                  bool biasFirst = false);

/// out[r * ldOut + n] = clamp(sum_k a[r * lda + k] * w[n][k] + bias[n], outMin, outMax)
/// (or clamp(bias[n] + sum_k ...) summed from the bias when packed with biasFirst)
/// for `rows` rows; rows are split across `pool` when given.
void gemmF32(const GemmF32Weights& weights, const float* a, int64_t lda, int64_t rows, float outMin, float outMax,
             float* out, int64_t ldOut, ThreadPool* pool);

/// A float CONV_2D into NHWC `output` (weights.n channels), patches in (ky, kx, channel)
/// order with zero padding. weights.k must equal geometry.patchSize().
void conv2dF32(const GemmF32Weights& weights, const ConvGeometry& geometry, const float* input, float outMin,
               float outMax, float* output, ThreadPool* pool);

} // namespace rf::optimized
