#pragma once
// Exact integer GEMM and convolution for int8 / uint8 models.
//
// Every quantized CONV_2D and FULLY_CONNECTED accumulates
//     acc[m][n] = bias[n] + sum_k (a[m][k] + aOffset) * (w[n][k] + wOffset)
// in int32 (TFLite's input_offset / filter_offset convention: offset = -zero_point).
// Integer addition is associative, so any summation order gives the same int32; these
// kernels only change how fast it is computed, never its value. Requantization is left
// to the caller, which receives blocks of finished accumulators through a sink.
//
// How exactness is kept on each level:
//  - AVX-512 VNNI (vpdpbusd) multiplies unsigned by signed bytes. Activations become
//    unsigned (int8 + 128), weights signed (uint8 - 128), and the shifts are undone by
//    constants: with a_u = a + aShift, b_s = w - wShift, alpha = aOffset - aShift,
//    beta = wOffset + wShift,
//      acc = sum a_u*b_s + beta*sum_k a_u + alpha*sum_k b_s + K*alpha*beta + bias.
//    The last three terms are per-column constants computed when packing; the row sum
//    term only exists for uint8 weights (beta != 0). All terms wrap modulo 2^32 exactly
//    like the reference's int32 arithmetic.
//  - AVX2 and scalar widen both operands (with offsets applied) to int16 and use 16-bit
//    multiply-add into int32 (vpmaddwd), which cannot saturate for |values| <= 510.

#include <cstdint>
#include <functional>

#include "kernels/optimized/conv_geometry.h"
#include "kernels/optimized/simd_level.h"

namespace rf {
class ThreadPool;
}

namespace rf::optimized {

/// What the integer GEMM computes, in the model's own terms.
struct GemmS8Spec {
    const void* weights = nullptr; ///< n rows of k weights (OHWI flattened), int8 or uint8.
    bool weightsSigned = true;     ///< int8 weights (else uint8).
    int32_t n = 0;                 ///< Output channels.
    int32_t k = 0;                 ///< Accumulation depth.
    int32_t weightOffset = 0;      ///< Added to every weight (-filter zero point).
    bool activationsSigned = true; ///< int8 activations (else uint8).
    int32_t activationOffset = 0;  ///< Added to every activation (-input zero point).
    const int32_t* bias = nullptr; ///< n int32 biases, or null for none.
};

/// Weights packed once (at prepare) for the SIMD level active at packing time, with the
/// per-column constants that make the result exact.
struct GemmS8Weights {
    SimdLevel level = SimdLevel::Scalar;
    int32_t n = 0;
    int32_t k = 0;
    int32_t nPadded = 0; ///< n rounded up to the kernel's column block; row stride of accumulator tiles.
    int32_t kPadded = 0; ///< k rounded up to the kernel's depth group.
    bool activationsSigned = true;
    int32_t activationOffset = 0;
    /// AVX-512 only: multiplier of each row's activation sum (beta above; 0 for int8 weights).
    int32_t rowSumFactor = 0;
    AlignedBuffer<int8_t> packed8;     ///< AVX-512 layout [n/16][k/4][16][4] of b_s.
    AlignedBuffer<int16_t> packed16;   ///< AVX2 layout [n/8][k/2][8][2], scalar layout [n][kPadded], of w + wOffset.
    AlignedBuffer<int32_t> columnConstant; ///< nPadded per-column constants (bias and offset terms).
};

/// Packs `spec` for activeSimdLevel().
GemmS8Weights packGemmS8Weights(const GemmS8Spec& spec);

/// Receives finished accumulators for rows [firstRow, firstRow + rowCount): row r's
/// value for column n is acc[r * accStride + n] (n < weights.n). Called concurrently
/// from several threads for disjoint rows, so it must only write those rows' outputs.
using AccumulatorSink = std::function<void(int64_t firstRow, int64_t rowCount, const int32_t* acc, int64_t accStride)>;

/// acc = A * W^T for `rows` rows of A (each weights.k activations, row r at a + r * lda
/// elements, type per weights.activationsSigned). Rows are split across `pool` when given.
void gemmS8(const GemmS8Weights& weights, const void* a, int64_t lda, int64_t rows, ThreadPool* pool,
            const AccumulatorSink& sink);

/// A CONV_2D as GEMM: one row per output pixel (index ((b * outH) + y) * outW + x), the
/// patch read in (ky, kx, channel) order; taps outside the input contribute zero (they
/// are filled with the value whose offset activation is 0). weights.k must equal
/// geometry.patchSize().
void conv2dS8(const GemmS8Weights& weights, const ConvGeometry& geometry, const void* input, ThreadPool* pool,
              const AccumulatorSink& sink);

} // namespace rf::optimized
