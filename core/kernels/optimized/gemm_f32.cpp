#include "kernels/optimized/gemm_f32.h"

// GCC 12 reports its own AVX-512 intrinsics (which start from an undefined vector on
// purpose) as "may be used uninitialized" at -O3; the warning is about the header.
#if defined(__GNUC__) && !defined(__clang__) // clang has no -Wmaybe-uninitialized and -Werror rejects unknown warnings
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "util/thread_pool.h"

namespace rf::optimized {

namespace {

constexpr int64_t kChunkRows = 48;
constexpr int kRowsAvx512 = 6;
constexpr int kRowsAvx2 = 4;
// Below this many multiply-adds a node takes a few microseconds, less than waking a
// second thread costs, so it stays on the calling thread.
constexpr int64_t kMinParallelMacs = int64_t{1} << 19;

bool worthSplitting(const ThreadPool* pool, int64_t rows, const GemmF32Weights& w)
{
    return pool && pool->threadCount() > 1 && rows * w.nPadded * w.k >= kMinParallelMacs;
}

int32_t roundUp(int32_t value, int32_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// TFLite's ActivationFunctionWithMinMax is std::min(std::max(x, lo), hi): NaN passes
// through and ties keep x. max_ps(lo, x) / min_ps(hi, y) return their second operand in
// both cases, so they match it exactly.
inline float clampLikeTflite(float x, float lo, float hi) { return std::min(std::max(x, lo), hi); }

// ---------------------------------------------------------------------------------
// AVX-512: MR rows x NV blocks of 16 columns.

template <int MR, int NV>
RF_TARGET_AVX512 void microKernelAvx512(const float* a, int64_t lda, int32_t k, const float* weights,
                                        int64_t blockStride, const float* bias, bool biasFirst, float lo, float hi,
                                        float* out, int64_t ldOut, int32_t validInLastBlock)
{
    __m512 acc[MR][NV];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = biasFirst ? _mm512_load_ps(bias + v * 16) : _mm512_setzero_ps();
    for (int32_t kk = 0; kk < k; ++kk) {
        __m512 b[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) b[v] = _mm512_load_ps(weights + v * blockStride + kk * 16);
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            const __m512 x = _mm512_set1_ps(a[r * lda + kk]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_add_ps(acc[r][v], _mm512_mul_ps(x, b[v]));
        }
    }
    const __m512 low = _mm512_set1_ps(lo);
    const __m512 high = _mm512_set1_ps(hi);
    const __mmask16 lastMask = static_cast<__mmask16>((1u << validInLastBlock) - 1u);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
        const __m512 biasVector = _mm512_load_ps(bias + v * 16);
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            const __m512 total = biasFirst ? acc[r][v] : _mm512_add_ps(acc[r][v], biasVector);
            const __m512 value = _mm512_min_ps(high, _mm512_max_ps(low, total));
            float* target = out + r * ldOut + v * 16;
            if (v == NV - 1 && validInLastBlock < 16)
                _mm512_mask_storeu_ps(target, lastMask, value);
            else
                _mm512_storeu_ps(target, value);
        }
    }
}

template <int MR>
RF_TARGET_AVX512 void blockAvx512(const GemmF32Weights& w, const float* a, int64_t lda, float lo, float hi, float* out,
                                  int64_t ldOut)
{
    const int64_t blockStride = int64_t{w.k} * 16;
    const int32_t blocks = w.nPadded / 16;
    const int32_t lastValid = w.n - (blocks - 1) * 16;
    int32_t j = 0;
    for (; j + 4 <= blocks; j += 4)
        microKernelAvx512<MR, 4>(a, lda, w.k, w.packed.data() + j * blockStride, blockStride, w.bias.data() + j * 16, w.biasFirst, lo,
                                 hi, out + j * 16, ldOut, j + 4 == blocks ? lastValid : 16);
    switch (blocks - j) {
    case 3:
        microKernelAvx512<MR, 3>(a, lda, w.k, w.packed.data() + j * blockStride, blockStride, w.bias.data() + j * 16, w.biasFirst, lo,
                                 hi, out + j * 16, ldOut, lastValid);
        break;
    case 2:
        microKernelAvx512<MR, 2>(a, lda, w.k, w.packed.data() + j * blockStride, blockStride, w.bias.data() + j * 16, w.biasFirst, lo,
                                 hi, out + j * 16, ldOut, lastValid);
        break;
    case 1:
        microKernelAvx512<MR, 1>(a, lda, w.k, w.packed.data() + j * blockStride, blockStride, w.bias.data() + j * 16, w.biasFirst, lo,
                                 hi, out + j * 16, ldOut, lastValid);
        break;
    default: break;
    }
}

void computeBlockAvx512(const GemmF32Weights& w, const float* a, int64_t lda, int rows, float lo, float hi, float* out,
                        int64_t ldOut)
{
    switch (rows) {
    case 6: blockAvx512<6>(w, a, lda, lo, hi, out, ldOut); break;
    case 5: blockAvx512<5>(w, a, lda, lo, hi, out, ldOut); break;
    case 4: blockAvx512<4>(w, a, lda, lo, hi, out, ldOut); break;
    case 3: blockAvx512<3>(w, a, lda, lo, hi, out, ldOut); break;
    case 2: blockAvx512<2>(w, a, lda, lo, hi, out, ldOut); break;
    default: blockAvx512<1>(w, a, lda, lo, hi, out, ldOut); break;
    }
}

// ---------------------------------------------------------------------------------
// AVX2: MR rows x NV blocks of 8 columns.

template <int MR, int NV>
RF_TARGET_AVX2 void microKernelAvx2(const float* a, int64_t lda, int32_t k, const float* weights, int64_t blockStride,
                                    const float* bias, bool biasFirst, float lo, float hi, float* out, int64_t ldOut,
                                    int32_t validInLastBlock)
{
    __m256 acc[MR][NV];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = biasFirst ? _mm256_load_ps(bias + v * 8) : _mm256_setzero_ps();
    for (int32_t kk = 0; kk < k; ++kk) {
        __m256 b[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) b[v] = _mm256_load_ps(weights + v * blockStride + kk * 8);
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            const __m256 x = _mm256_set1_ps(a[r * lda + kk]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_add_ps(acc[r][v], _mm256_mul_ps(x, b[v]));
        }
    }
    const __m256 low = _mm256_set1_ps(lo);
    const __m256 high = _mm256_set1_ps(hi);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i lastMask = _mm256_cmpgt_epi32(_mm256_set1_epi32(validInLastBlock), lanes);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
        const __m256 biasVector = _mm256_load_ps(bias + v * 8);
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            const __m256 total = biasFirst ? acc[r][v] : _mm256_add_ps(acc[r][v], biasVector);
            const __m256 value = _mm256_min_ps(high, _mm256_max_ps(low, total));
            float* target = out + r * ldOut + v * 8;
            if (v == NV - 1 && validInLastBlock < 8)
                _mm256_maskstore_ps(target, lastMask, value);
            else
                _mm256_storeu_ps(target, value);
        }
    }
}

template <int MR>
RF_TARGET_AVX2 void blockAvx2(const GemmF32Weights& w, const float* a, int64_t lda, float lo, float hi, float* out,
                              int64_t ldOut)
{
    const int64_t blockStride = int64_t{w.k} * 8;
    const int32_t blocks = w.nPadded / 8;
    const int32_t lastValid = w.n - (blocks - 1) * 8;
    int32_t j = 0;
    for (; j + 2 <= blocks; j += 2)
        microKernelAvx2<MR, 2>(a, lda, w.k, w.packed.data() + j * blockStride, blockStride, w.bias.data() + j * 8, w.biasFirst, lo, hi,
                               out + j * 8, ldOut, j + 2 == blocks ? lastValid : 8);
    if (j < blocks)
        microKernelAvx2<MR, 1>(a, lda, w.k, w.packed.data() + j * blockStride, blockStride, w.bias.data() + j * 8, w.biasFirst, lo, hi,
                               out + j * 8, ldOut, lastValid);
}

void computeBlockAvx2(const GemmF32Weights& w, const float* a, int64_t lda, int rows, float lo, float hi, float* out,
                      int64_t ldOut)
{
    switch (rows) {
    case 4: blockAvx2<4>(w, a, lda, lo, hi, out, ldOut); break;
    case 3: blockAvx2<3>(w, a, lda, lo, hi, out, ldOut); break;
    case 2: blockAvx2<2>(w, a, lda, lo, hi, out, ldOut); break;
    default: blockAvx2<1>(w, a, lda, lo, hi, out, ldOut); break;
    }
}

void computeBlockScalar(const GemmF32Weights& w, const float* a, int64_t lda, int rows, float lo, float hi, float* out,
                        int64_t ldOut)
{
    for (int r = 0; r < rows; ++r) {
        for (int32_t n = 0; n < w.n; ++n) {
            const float* b = w.packed.data() + int64_t{n} * w.k;
            const float bias = w.bias[static_cast<size_t>(n)];
            float total = w.biasFirst ? bias : 0.0f;
            for (int32_t kk = 0; kk < w.k; ++kk) total += a[r * lda + kk] * b[kk];
            out[r * ldOut + n] = clampLikeTflite(w.biasFirst ? total : total + bias, lo, hi);
        }
    }
}

void computeBlock(const GemmF32Weights& w, const float* a, int64_t lda, int rows, float lo, float hi, float* out,
                  int64_t ldOut)
{
    switch (w.level) {
    case SimdLevel::Avx512: computeBlockAvx512(w, a, lda, rows, lo, hi, out, ldOut); break;
    case SimdLevel::Avx2: computeBlockAvx2(w, a, lda, rows, lo, hi, out, ldOut); break;
    case SimdLevel::Scalar: computeBlockScalar(w, a, lda, rows, lo, hi, out, ldOut); break;
    }
}

int blockRowsFor(SimdLevel level) { return level == SimdLevel::Avx512 ? kRowsAvx512 : kRowsAvx2; }

void gemmRows(const GemmF32Weights& w, const float* a, int64_t lda, int64_t begin, int64_t end, float lo, float hi,
              float* out, int64_t ldOut)
{
    const int blockRows = blockRowsFor(w.level);
    for (int64_t r = begin; r < end; r += blockRows) {
        const int count = static_cast<int>(std::min<int64_t>(blockRows, end - r));
        computeBlock(w, a + r * lda, lda, count, lo, hi, out + r * ldOut, ldOut);
    }
}

void im2colRow(const ConvGeometry& g, const float* input, int64_t row, float* dst)
{
    const int64_t x = row % g.outputWidth;
    const int64_t y = (row / g.outputWidth) % g.outputHeight;
    const int64_t b = row / (int64_t{g.outputWidth} * g.outputHeight);
    const int64_t c = g.inputChannels;
    const int64_t ix0 = x * g.strideWidth - g.padLeft;
    // With no dilation and the whole filter row inside the input, one filter row's taps
    // are one contiguous span of the input row.
    const bool rowSpan = g.dilationWidth == 1 && ix0 >= 0 && ix0 + g.filterWidth <= g.inputWidth;
    const int64_t rowLength = int64_t{g.filterWidth} * c;
    for (int32_t ky = 0; ky < g.filterHeight; ++ky) {
        const int64_t iy = y * g.strideHeight - g.padTop + int64_t{ky} * g.dilationHeight;
        if (iy < 0 || iy >= g.inputHeight) {
            std::fill(dst, dst + rowLength, 0.0f);
            dst += rowLength;
            continue;
        }
        const float* inputRow = input + (b * g.inputHeight + iy) * g.inputWidth * c;
        if (rowSpan) {
            std::memcpy(dst, inputRow + ix0 * c, static_cast<size_t>(rowLength) * sizeof(float));
            dst += rowLength;
            continue;
        }
        for (int32_t kx = 0; kx < g.filterWidth; ++kx, dst += c) {
            const int64_t ix = ix0 + int64_t{kx} * g.dilationWidth;
            if (ix < 0 || ix >= g.inputWidth)
                std::fill(dst, dst + c, 0.0f);
            else
                std::memcpy(dst, inputRow + ix * c, static_cast<size_t>(c) * sizeof(float));
        }
    }
}

void convRows(const GemmF32Weights& w, const ConvGeometry& g, const float* input, int64_t begin, int64_t end, float lo,
              float hi, float* output)
{
    thread_local AlignedBuffer<float> panel;
    panel.ensure(static_cast<size_t>(kChunkRows) * static_cast<size_t>(w.k));
    for (int64_t chunk = begin; chunk < end; chunk += kChunkRows) {
        const int64_t rows = std::min(kChunkRows, end - chunk);
        for (int64_t r = 0; r < rows; ++r) im2colRow(g, input, chunk + r, panel.data() + r * w.k);
        gemmRows(w, panel.data(), w.k, 0, rows, lo, hi, output + chunk * w.n, w.n);
    }
}

} // namespace

GemmF32Weights packGemmF32Weights(const float* weights, int32_t n, int32_t k, const float* bias, bool biasFirst)
{
    GemmF32Weights w;
    w.biasFirst = biasFirst;
    w.level = activeSimdLevel();
    w.n = n;
    w.k = k;
    const int32_t lanes = w.level == SimdLevel::Avx512 ? 16 : (w.level == SimdLevel::Avx2 ? 8 : 1);
    w.nPadded = roundUp(n, lanes);
    w.packed.resize(static_cast<size_t>(w.nPadded) * static_cast<size_t>(std::max(k, 1)));
    w.bias.resize(static_cast<size_t>(w.nPadded));
    for (int32_t o = 0; o < n; ++o) {
        for (int32_t kk = 0; kk < k; ++kk) {
            const int64_t index = (int64_t{o / lanes} * k + kk) * lanes + o % lanes;
            w.packed[static_cast<size_t>(index)] = weights[int64_t{o} * k + kk];
        }
        w.bias[static_cast<size_t>(o)] = bias ? bias[o] : 0.0f;
    }
    return w;
}

void gemmF32(const GemmF32Weights& weights, const float* a, int64_t lda, int64_t rows, float outMin, float outMax,
             float* out, int64_t ldOut, ThreadPool* pool)
{
    if (worthSplitting(pool, rows, weights)) {
        pool->parallelFor(
            rows, [&](int64_t begin, int64_t end) { gemmRows(weights, a, lda, begin, end, outMin, outMax, out, ldOut); },
            kChunkRows);
    } else {
        gemmRows(weights, a, lda, 0, rows, outMin, outMax, out, ldOut);
    }
}

void conv2dF32(const GemmF32Weights& weights, const ConvGeometry& geometry, const float* input, float outMin,
               float outMax, float* output, ThreadPool* pool)
{
    const int64_t rows = geometry.outputPixels();
    if (geometry.isPointwise() && geometry.strideHeight == 1 && geometry.strideWidth == 1) {
        gemmF32(weights, input, geometry.inputChannels, rows, outMin, outMax, output, weights.n, pool);
        return;
    }
    if (worthSplitting(pool, rows, weights)) {
        pool->parallelFor(
            rows,
            [&](int64_t begin, int64_t end) { convRows(weights, geometry, input, begin, end, outMin, outMax, output); },
            kChunkRows);
    } else {
        convRows(weights, geometry, input, 0, rows, outMin, outMax, output);
    }
}

} // namespace rf::optimized
