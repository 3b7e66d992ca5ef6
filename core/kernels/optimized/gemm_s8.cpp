#include "kernels/optimized/gemm_s8.h"

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

// Rows of A converted at a time into a thread-local panel; a multiple of every
// kernel's row block so that only the last chunk has a short block.
constexpr int64_t kChunkRows = 48;
constexpr int kRowsAvx512 = 6;
constexpr int kRowsAvx2 = 4;
constexpr int kRowsScalar = 4;
// Below this many multiply-adds a node takes a few microseconds, less than waking a
// second thread costs, so it stays on the calling thread.
constexpr int64_t kMinParallelMacs = int64_t{1} << 20;

int32_t roundUp(int32_t value, int32_t multiple) { return (value + multiple - 1) / multiple * multiple; }

int32_t wrapToInt32(int64_t value) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(value))); }

int32_t weightAt(const GemmS8Spec& spec, int64_t index)
{
    return spec.weightsSigned ? int32_t{static_cast<const int8_t*>(spec.weights)[index]}
                              : int32_t{static_cast<const uint8_t*>(spec.weights)[index]};
}

// ---------------------------------------------------------------------------------
// Panels: rows of A converted to what the level's kernel multiplies.
//  - AVX-512: uint8 a_u = a + aShift (int8 flips its sign bit), depth padded with 0.
//  - AVX2/scalar: int16 a + aOffset, depth padded with 0.
// Padding taps of a convolution get the value whose offset activation is zero.

struct PanelFormat {
    bool wide;          // int16 panel (AVX2/scalar) rather than uint8 (AVX-512)
    bool sourceSigned;  // int8 activations
    int32_t offset;     // activation offset (wide panels add it)
    int32_t kPadded;    // panel row stride in elements
};

void convertSpan(uint8_t* dst, const void* src, int64_t count, const PanelFormat& format)
{
    const auto* s = static_cast<const uint8_t*>(src);
    if (format.sourceSigned) {
        for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<uint8_t>(s[i] ^ 0x80u);
    } else {
        std::memcpy(dst, s, static_cast<size_t>(count));
    }
}

void convertSpan(int16_t* dst, const void* src, int64_t count, const PanelFormat& format)
{
    const auto offset = static_cast<int16_t>(format.offset);
    if (format.sourceSigned) {
        const auto* s = static_cast<const int8_t*>(src);
        for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<int16_t>(s[i] + offset);
    } else {
        const auto* s = static_cast<const uint8_t*>(src);
        for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<int16_t>(s[i] + offset);
    }
}

// The panel value of a padding tap: zero point (+128 for int8) in a uint8 panel, 0 in
// an int16 panel (both make the offset activation zero).
template <typename P>
P paddingValue(const PanelFormat& format)
{
    if constexpr (sizeof(P) == 1) {
        return static_cast<P>(-format.offset + (format.sourceSigned ? 128 : 0));
    } else {
        return 0;
    }
}

// Where row `row` of A comes from: a plain strided matrix or an im2col patch.
struct RowSource {
    const uint8_t* base = nullptr; // input bytes
    int64_t lda = 0;               // plain matrix: row stride in elements
    const ConvGeometry* conv = nullptr;
};

template <typename P>
void fillPanelRow(P* dst, const RowSource& source, int64_t row, int32_t k, const PanelFormat& format)
{
    if (!source.conv) {
        convertSpan(dst, source.base + row * source.lda, k, format);
    } else {
        const ConvGeometry& g = *source.conv;
        const int64_t x = row % g.outputWidth;
        const int64_t y = (row / g.outputWidth) % g.outputHeight;
        const int64_t b = row / (int64_t{g.outputWidth} * g.outputHeight);
        const int64_t c = g.inputChannels;
        const P pad = paddingValue<P>(format);
        const int64_t ix0 = x * g.strideWidth - g.padLeft;
        // With no dilation and the whole filter row inside the input, one filter row's
        // taps are one contiguous span of the input row.
        const bool rowSpan = g.dilationWidth == 1 && ix0 >= 0 && ix0 + g.filterWidth <= g.inputWidth;
        P* out = dst;
        for (int32_t ky = 0; ky < g.filterHeight; ++ky) {
            const int64_t iy = y * g.strideHeight - g.padTop + int64_t{ky} * g.dilationHeight;
            if (iy < 0 || iy >= g.inputHeight) {
                std::fill(out, out + g.filterWidth * c, pad);
                out += g.filterWidth * c;
                continue;
            }
            const uint8_t* inputRow = source.base + (b * g.inputHeight + iy) * g.inputWidth * c;
            if (rowSpan) {
                convertSpan(out, inputRow + ix0 * c, g.filterWidth * c, format);
                out += g.filterWidth * c;
                continue;
            }
            for (int32_t kx = 0; kx < g.filterWidth; ++kx, out += c) {
                const int64_t ix = ix0 + int64_t{kx} * g.dilationWidth;
                if (ix < 0 || ix >= g.inputWidth)
                    std::fill(out, out + c, pad);
                else
                    convertSpan(out, inputRow + ix * c, c, format);
            }
        }
    }
    if (format.kPadded > k) std::fill(dst + k, dst + format.kPadded, P{0});
}

// ---------------------------------------------------------------------------------
// AVX-512 VNNI micro-kernels: MR rows x NV blocks of 16 columns, 4 depth steps per
// vpdpbusd. Weights for column block j start at weights + j * blockStride.

template <int MR, int NV>
RF_TARGET_AVX512 void microKernelAvx512(const uint8_t* panel, int64_t ldPanel, int32_t kGroups, const int8_t* weights,
                                        int64_t blockStride, const int32_t* columnConstant,
                                        const int32_t* rowCorrection, int32_t* tile, int64_t ldTile)
{
    __m512i acc[MR][NV];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_si512();
    for (int32_t g = 0; g < kGroups; ++g) {
        __m512i b[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) b[v] = _mm512_load_si512(weights + v * blockStride + g * 64);
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            int32_t quad;
            std::memcpy(&quad, panel + r * ldPanel + g * 4, 4);
            const __m512i a = _mm512_set1_epi32(quad);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], a, b[v]);
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
        const __m512i constant = _mm512_loadu_si512(columnConstant + v * 16);
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            __m512i value = _mm512_add_epi32(acc[r][v], constant);
            if (rowCorrection) value = _mm512_add_epi32(value, _mm512_set1_epi32(rowCorrection[r]));
            _mm512_storeu_si512(tile + r * ldTile + v * 16, value);
        }
    }
}

template <int MR>
RF_TARGET_AVX512 void blockAvx512(const GemmS8Weights& w, const uint8_t* panel, const int32_t* rowCorrection,
                                  int32_t* tile)
{
    const int32_t kGroups = w.kPadded / 4;
    const int64_t blockStride = int64_t{kGroups} * 64;
    const int32_t blocks = w.nPadded / 16;
    const int8_t* weights = w.packed8.data();
    const int32_t* constants = w.columnConstant.data();
    int32_t j = 0;
    for (; j + 4 <= blocks; j += 4)
        microKernelAvx512<MR, 4>(panel, w.kPadded, kGroups, weights + j * blockStride, blockStride, constants + j * 16,
                                 rowCorrection, tile + j * 16, w.nPadded);
    switch (blocks - j) {
    case 3:
        microKernelAvx512<MR, 3>(panel, w.kPadded, kGroups, weights + j * blockStride, blockStride, constants + j * 16,
                                 rowCorrection, tile + j * 16, w.nPadded);
        break;
    case 2:
        microKernelAvx512<MR, 2>(panel, w.kPadded, kGroups, weights + j * blockStride, blockStride, constants + j * 16,
                                 rowCorrection, tile + j * 16, w.nPadded);
        break;
    case 1:
        microKernelAvx512<MR, 1>(panel, w.kPadded, kGroups, weights + j * blockStride, blockStride, constants + j * 16,
                                 rowCorrection, tile + j * 16, w.nPadded);
        break;
    default: break;
    }
}

void computeBlockAvx512(const GemmS8Weights& w, const uint8_t* panel, int rows, const int32_t* rowCorrection,
                        int32_t* tile)
{
    switch (rows) {
    case 6: blockAvx512<6>(w, panel, rowCorrection, tile); break;
    case 5: blockAvx512<5>(w, panel, rowCorrection, tile); break;
    case 4: blockAvx512<4>(w, panel, rowCorrection, tile); break;
    case 3: blockAvx512<3>(w, panel, rowCorrection, tile); break;
    case 2: blockAvx512<2>(w, panel, rowCorrection, tile); break;
    default: blockAvx512<1>(w, panel, rowCorrection, tile); break;
    }
}

// ---------------------------------------------------------------------------------
// AVX2 micro-kernels: MR rows x NV blocks of 8 columns, 2 depth steps per vpmaddwd.

template <int MR, int NV>
RF_TARGET_AVX2 void microKernelAvx2(const int16_t* panel, int64_t ldPanel, int32_t kPairs, const int16_t* weights,
                                    int64_t blockStride, const int32_t* columnConstant, int32_t* tile, int64_t ldTile)
{
    __m256i acc[MR][NV];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_setzero_si256();
    for (int32_t p = 0; p < kPairs; ++p) {
        __m256i b[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v)
            b[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(weights + v * blockStride + p * 16));
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            int32_t pair;
            std::memcpy(&pair, panel + r * ldPanel + p * 2, 4);
            const __m256i a = _mm256_set1_epi32(pair);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_add_epi32(acc[r][v], _mm256_madd_epi16(a, b[v]));
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
        const __m256i constant = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(columnConstant + v * 8));
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r)
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(tile + r * ldTile + v * 8),
                                _mm256_add_epi32(acc[r][v], constant));
    }
}

template <int MR>
RF_TARGET_AVX2 void blockAvx2(const GemmS8Weights& w, const int16_t* panel, int32_t* tile)
{
    const int32_t kPairs = w.kPadded / 2;
    const int64_t blockStride = int64_t{kPairs} * 16;
    const int32_t blocks = w.nPadded / 8;
    const int16_t* weights = w.packed16.data();
    const int32_t* constants = w.columnConstant.data();
    int32_t j = 0;
    for (; j + 2 <= blocks; j += 2)
        microKernelAvx2<MR, 2>(panel, w.kPadded, kPairs, weights + j * blockStride, blockStride, constants + j * 8,
                               tile + j * 8, w.nPadded);
    if (j < blocks)
        microKernelAvx2<MR, 1>(panel, w.kPadded, kPairs, weights + j * blockStride, blockStride, constants + j * 8,
                               tile + j * 8, w.nPadded);
}

void computeBlockAvx2(const GemmS8Weights& w, const int16_t* panel, int rows, int32_t* tile)
{
    switch (rows) {
    case 4: blockAvx2<4>(w, panel, tile); break;
    case 3: blockAvx2<3>(w, panel, tile); break;
    case 2: blockAvx2<2>(w, panel, tile); break;
    default: blockAvx2<1>(w, panel, tile); break;
    }
}

// ---------------------------------------------------------------------------------
// Scalar: the definition, on the int16 panel.

void computeBlockScalar(const GemmS8Weights& w, const int16_t* panel, int rows, int32_t* tile)
{
    for (int r = 0; r < rows; ++r) {
        const int16_t* a = panel + int64_t{r} * w.kPadded;
        for (int32_t n = 0; n < w.n; ++n) {
            const int16_t* b = w.packed16.data() + int64_t{n} * w.kPadded;
            uint32_t sum = static_cast<uint32_t>(w.columnConstant[n]);
            for (int32_t k = 0; k < w.k; ++k) sum += static_cast<uint32_t>(int32_t{a[k]} * int32_t{b[k]});
            tile[int64_t{r} * w.nPadded + n] = static_cast<int32_t>(sum);
        }
    }
}

// ---------------------------------------------------------------------------------

struct Scratch {
    AlignedBuffer<uint8_t> panel8;
    AlignedBuffer<int16_t> panel16;
    AlignedBuffer<int32_t> rowCorrection;
    AlignedBuffer<int32_t> tile;
};

Scratch& threadScratch()
{
    thread_local Scratch scratch;
    return scratch;
}

// Computes rows [begin, end) chunk by chunk on the calling thread.
void runRows(const GemmS8Weights& w, const RowSource& source, int64_t begin, int64_t end, const AccumulatorSink& sink)
{
    Scratch& s = threadScratch();
    const bool avx512 = w.level == SimdLevel::Avx512;
    const int blockRows = avx512 ? kRowsAvx512 : (w.level == SimdLevel::Avx2 ? kRowsAvx2 : kRowsScalar);
    const PanelFormat format{!avx512, w.activationsSigned, w.activationOffset, w.kPadded};
    const size_t panelElements = static_cast<size_t>(kChunkRows) * static_cast<size_t>(w.kPadded);
    if (avx512)
        s.panel8.ensure(panelElements);
    else
        s.panel16.ensure(panelElements);
    s.rowCorrection.ensure(kChunkRows);
    s.tile.ensure(static_cast<size_t>(kRowsAvx512) * static_cast<size_t>(w.nPadded));

    for (int64_t chunk = begin; chunk < end; chunk += kChunkRows) {
        const int64_t rows = std::min(kChunkRows, end - chunk);
        for (int64_t r = 0; r < rows; ++r) {
            if (avx512) {
                uint8_t* row = s.panel8.data() + r * w.kPadded;
                fillPanelRow(row, source, chunk + r, w.k, format);
                if (w.rowSumFactor != 0) {
                    uint32_t sum = 0;
                    for (int32_t k = 0; k < w.k; ++k) sum += row[k];
                    s.rowCorrection[static_cast<size_t>(r)] =
                        static_cast<int32_t>(sum * static_cast<uint32_t>(w.rowSumFactor));
                }
            } else {
                fillPanelRow(s.panel16.data() + r * w.kPadded, source, chunk + r, w.k, format);
            }
        }
        for (int64_t r = 0; r < rows; r += blockRows) {
            const int count = static_cast<int>(std::min<int64_t>(blockRows, rows - r));
            if (avx512) {
                computeBlockAvx512(w, s.panel8.data() + r * w.kPadded, count,
                                   w.rowSumFactor != 0 ? s.rowCorrection.data() + r : nullptr, s.tile.data());
            } else if (w.level == SimdLevel::Avx2) {
                computeBlockAvx2(w, s.panel16.data() + r * w.kPadded, count, s.tile.data());
            } else {
                computeBlockScalar(w, s.panel16.data() + r * w.kPadded, count, s.tile.data());
            }
            sink(chunk + r, count, s.tile.data(), w.nPadded);
        }
    }
}

void runParallel(const GemmS8Weights& w, const RowSource& source, int64_t rows, ThreadPool* pool,
                 const AccumulatorSink& sink)
{
    if (pool && pool->threadCount() > 1 && rows * w.nPadded * w.kPadded >= kMinParallelMacs) {
        // Small chunks so that late layers with few pixels (7x7) still split across threads.
        pool->parallelFor(rows, [&](int64_t begin, int64_t end) { runRows(w, source, begin, end, sink); }, 2 * kRowsAvx512);
    } else {
        runRows(w, source, 0, rows, sink);
    }
}

} // namespace

GemmS8Weights packGemmS8Weights(const GemmS8Spec& spec)
{
    GemmS8Weights w;
    w.level = activeSimdLevel();
    w.n = spec.n;
    w.k = spec.k;
    w.activationsSigned = spec.activationsSigned;
    w.activationOffset = spec.activationOffset;
    const int64_t k = spec.k;
    if (w.level == SimdLevel::Avx512) {
        w.nPadded = roundUp(spec.n, 16);
        w.kPadded = roundUp(std::max(spec.k, 1), 4);
        const int32_t aShift = spec.activationsSigned ? 128 : 0;
        const int32_t wShift = spec.weightsSigned ? 0 : 128;
        const int64_t alpha = int64_t{spec.activationOffset} - aShift;
        const int64_t beta = int64_t{spec.weightOffset} + wShift;
        w.rowSumFactor = wrapToInt32(beta);
        w.packed8.resize(static_cast<size_t>(w.nPadded) * static_cast<size_t>(w.kPadded));
        w.columnConstant.resize(static_cast<size_t>(w.nPadded));
        const int32_t kGroups = w.kPadded / 4;
        for (int32_t n = 0; n < spec.n; ++n) {
            int64_t weightSum = 0;
            for (int64_t kk = 0; kk < k; ++kk) {
                const int32_t shifted = weightAt(spec, n * k + kk) - wShift;
                weightSum += shifted;
                const int64_t index = ((int64_t{n / 16} * kGroups + kk / 4) * 16 + n % 16) * 4 + kk % 4;
                w.packed8[static_cast<size_t>(index)] = static_cast<int8_t>(shifted);
            }
            const int64_t bias = spec.bias ? spec.bias[n] : 0;
            w.columnConstant[static_cast<size_t>(n)] = wrapToInt32(bias + alpha * weightSum + k * alpha * beta);
        }
    } else {
        const bool avx2 = w.level == SimdLevel::Avx2;
        w.nPadded = avx2 ? roundUp(spec.n, 8) : spec.n;
        w.kPadded = roundUp(std::max(spec.k, 1), 2);
        w.packed16.resize(static_cast<size_t>(w.nPadded) * static_cast<size_t>(w.kPadded));
        w.columnConstant.resize(static_cast<size_t>(w.nPadded));
        const int32_t kPairs = w.kPadded / 2;
        for (int32_t n = 0; n < spec.n; ++n) {
            for (int64_t kk = 0; kk < k; ++kk) {
                const auto value = static_cast<int16_t>(weightAt(spec, n * k + kk) + spec.weightOffset);
                const int64_t index = avx2 ? ((int64_t{n / 8} * kPairs + kk / 2) * 8 + n % 8) * 2 + kk % 2
                                           : int64_t{n} * w.kPadded + kk;
                w.packed16[static_cast<size_t>(index)] = value;
            }
            w.columnConstant[static_cast<size_t>(n)] = spec.bias ? spec.bias[n] : 0;
        }
    }
    return w;
}

void gemmS8(const GemmS8Weights& weights, const void* a, int64_t lda, int64_t rows, ThreadPool* pool,
            const AccumulatorSink& sink)
{
    RowSource source;
    source.base = static_cast<const uint8_t*>(a);
    source.lda = lda;
    runParallel(weights, source, rows, pool, sink);
}

void conv2dS8(const GemmS8Weights& weights, const ConvGeometry& geometry, const void* input, ThreadPool* pool,
              const AccumulatorSink& sink)
{
    RowSource source;
    source.base = static_cast<const uint8_t*>(input);
    if (geometry.isPointwise() && geometry.strideHeight == 1 && geometry.strideWidth == 1) {
        // A 1x1 stride-1 convolution is a plain GEMM over the input pixels.
        source.lda = geometry.inputChannels;
    } else {
        source.conv = &geometry;
    }
    runParallel(weights, source, geometry.outputPixels(), pool, sink);
}

} // namespace rf::optimized
