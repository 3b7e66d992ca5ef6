#include "kernels/optimized/depthwise.h"

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

int32_t roundUp(int32_t value, int32_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// The taps of one output pixel that fall inside the input: element offset of the tap's
// first channel in the input and tap index into the filter, in (ky, kx) order.
struct Taps {
    int count = 0;
    int64_t inputOffset[kMaxDepthwiseTaps];
    int32_t tap[kMaxDepthwiseTaps];
};

void collectTaps(const ConvGeometry& g, int64_t b, int64_t y, int64_t x, Taps& taps, bool columnMajor = false)
{
    taps.count = 0;
    const int32_t total = g.filterHeight * g.filterWidth;
    for (int32_t t = 0; t < total; ++t) {
        const int32_t ky = columnMajor ? t % g.filterHeight : t / g.filterWidth;
        const int32_t kx = columnMajor ? t / g.filterHeight : t % g.filterWidth;
        const int64_t iy = y * g.strideHeight - g.padTop + int64_t{ky} * g.dilationHeight;
        const int64_t ix = x * g.strideWidth - g.padLeft + int64_t{kx} * g.dilationWidth;
        if (iy < 0 || iy >= g.inputHeight || ix < 0 || ix >= g.inputWidth) continue;
        taps.inputOffset[taps.count] = ((b * g.inputHeight + iy) * g.inputWidth + ix) * g.inputChannels;
        taps.tap[taps.count] = ky * g.filterWidth + kx;
        ++taps.count;
    }
}

// ---------------------------------------------------------------------------------
// Integer pixel kernels: acc (channelsPadded int32) for one output pixel.

template <bool Signed>
RF_TARGET_AVX512 void pixelS8Avx512(const DepthwiseS8Weights& w, const uint8_t* input, const Taps& taps, int32_t* acc)
{
    const __m512i offset = _mm512_set1_epi32(w.activationOffset);
    const int32_t c = w.channels;
    // With every tap inside the input, sum (x + offset) * w = sum x * w + offset * sum w,
    // and the second term is part of fullWindowBias (exact: all of it is int32 arithmetic).
    if (taps.count == w.filterHeight * w.filterWidth) {
        for (int32_t c0 = 0; c0 < c; c0 += 16) {
            const int32_t valid = std::min(16, c - c0);
            const __mmask16 mask = static_cast<__mmask16>((1u << valid) - 1u);
            __m512i sum = _mm512_load_si512(w.fullWindowBias.data() + c0);
            for (int t = 0; t < taps.count; ++t) {
                const __m128i bytes = _mm_maskz_loadu_epi8(mask, input + taps.inputOffset[t] + c0);
                const __m512i x = Signed ? _mm512_cvtepi8_epi32(bytes) : _mm512_cvtepu8_epi32(bytes);
                const __m512i weight =
                    _mm512_load_si512(w.weights.data() + int64_t{taps.tap[t]} * w.channelsPadded + c0);
                sum = _mm512_add_epi32(sum, _mm512_mullo_epi32(x, weight));
            }
            _mm512_store_si512(acc + c0, sum);
        }
        return;
    }
    for (int32_t c0 = 0; c0 < c; c0 += 16) {
        const int32_t valid = std::min(16, c - c0);
        const __mmask16 mask = static_cast<__mmask16>((1u << valid) - 1u);
        __m512i sum = _mm512_load_si512(w.bias.data() + c0);
        for (int t = 0; t < taps.count; ++t) {
            const __m128i bytes = _mm_maskz_loadu_epi8(mask, input + taps.inputOffset[t] + c0);
            const __m512i x = Signed ? _mm512_cvtepi8_epi32(bytes) : _mm512_cvtepu8_epi32(bytes);
            const __m512i weight = _mm512_load_si512(w.weights.data() + int64_t{taps.tap[t]} * w.channelsPadded + c0);
            sum = _mm512_add_epi32(sum, _mm512_mullo_epi32(_mm512_add_epi32(x, offset), weight));
        }
        _mm512_store_si512(acc + c0, sum);
    }
}

template <bool Signed>
RF_TARGET_AVX2 void pixelS8Avx2(const DepthwiseS8Weights& w, const uint8_t* input, const Taps& taps, int32_t* acc)
{
    const __m256i offset = _mm256_set1_epi32(w.activationOffset);
    const int32_t c = w.channels;
    for (int32_t c0 = 0; c0 < c; c0 += 8) {
        const int32_t valid = std::min(8, c - c0);
        __m256i sum = _mm256_load_si256(reinterpret_cast<const __m256i*>(w.bias.data() + c0));
        for (int t = 0; t < taps.count; ++t) {
            int64_t eight = 0;
            std::memcpy(&eight, input + taps.inputOffset[t] + c0, static_cast<size_t>(valid));
            const __m128i bytes = _mm_cvtsi64_si128(eight);
            const __m256i x = Signed ? _mm256_cvtepi8_epi32(bytes) : _mm256_cvtepu8_epi32(bytes);
            const __m256i weight = _mm256_load_si256(
                reinterpret_cast<const __m256i*>(w.weights.data() + int64_t{taps.tap[t]} * w.channelsPadded + c0));
            sum = _mm256_add_epi32(sum, _mm256_mullo_epi32(_mm256_add_epi32(x, offset), weight));
        }
        _mm256_store_si256(reinterpret_cast<__m256i*>(acc + c0), sum);
    }
}

void pixelS8Scalar(const DepthwiseS8Weights& w, const uint8_t* input, const Taps& taps, int32_t* acc)
{
    for (int32_t c = 0; c < w.channels; ++c) {
        uint32_t sum = static_cast<uint32_t>(w.bias[static_cast<size_t>(c)]);
        for (int t = 0; t < taps.count; ++t) {
            const uint8_t raw = input[taps.inputOffset[t] + c];
            const int32_t x = w.activationsSigned ? int32_t{static_cast<int8_t>(raw)} : int32_t{raw};
            sum += static_cast<uint32_t>((x + w.activationOffset) *
                                         w.weights[static_cast<size_t>(int64_t{taps.tap[t]} * w.channelsPadded + c)]);
        }
        acc[c] = static_cast<int32_t>(sum);
    }
}

void pixelS8(const DepthwiseS8Weights& w, const uint8_t* input, const Taps& taps, int32_t* acc)
{
    switch (w.level) {
    case SimdLevel::Avx512:
        if (w.activationsSigned)
            pixelS8Avx512<true>(w, input, taps, acc);
        else
            pixelS8Avx512<false>(w, input, taps, acc);
        break;
    case SimdLevel::Avx2:
        if (w.activationsSigned)
            pixelS8Avx2<true>(w, input, taps, acc);
        else
            pixelS8Avx2<false>(w, input, taps, acc);
        break;
    case SimdLevel::Scalar: pixelS8Scalar(w, input, taps, acc); break;
    }
}

// ---------------------------------------------------------------------------------
// Float pixel kernels: total = 0; total += x * w per tap; clamp(total + bias).

RF_TARGET_AVX512 void pixelF32Avx512(const DepthwiseF32Weights& w, const float* input, const Taps& taps, float lo,
                                     float hi, float* out)
{
    const __m512 low = _mm512_set1_ps(lo);
    const __m512 high = _mm512_set1_ps(hi);
    const int32_t c = w.channels;
    for (int32_t c0 = 0; c0 < c; c0 += 16) {
        const int32_t valid = std::min(16, c - c0);
        const __mmask16 mask = static_cast<__mmask16>((1u << valid) - 1u);
        const __m512 bias = _mm512_load_ps(w.bias.data() + c0);
        __m512 total = w.xnnpackOrder ? bias : _mm512_setzero_ps();
        for (int t = 0; t < taps.count; ++t) {
            const __m512 x = _mm512_maskz_loadu_ps(mask, input + taps.inputOffset[t] + c0);
            const __m512 weight = _mm512_load_ps(w.weights.data() + int64_t{taps.tap[t]} * w.channelsPadded + c0);
            total = _mm512_add_ps(total, _mm512_mul_ps(x, weight));
        }
        if (!w.xnnpackOrder) total = _mm512_add_ps(total, bias);
        const __m512 value = _mm512_min_ps(high, _mm512_max_ps(low, total));
        _mm512_mask_storeu_ps(out + c0, mask, value);
    }
}

RF_TARGET_AVX2 void pixelF32Avx2(const DepthwiseF32Weights& w, const float* input, const Taps& taps, float lo, float hi,
                                 float* out)
{
    const __m256 low = _mm256_set1_ps(lo);
    const __m256 high = _mm256_set1_ps(hi);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const int32_t c = w.channels;
    for (int32_t c0 = 0; c0 < c; c0 += 8) {
        const int32_t valid = std::min(8, c - c0);
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), lanes);
        const __m256 bias = _mm256_load_ps(w.bias.data() + c0);
        __m256 total = w.xnnpackOrder ? bias : _mm256_setzero_ps();
        for (int t = 0; t < taps.count; ++t) {
            const __m256 x = _mm256_maskload_ps(input + taps.inputOffset[t] + c0, mask);
            const __m256 weight = _mm256_load_ps(w.weights.data() + int64_t{taps.tap[t]} * w.channelsPadded + c0);
            total = _mm256_add_ps(total, _mm256_mul_ps(x, weight));
        }
        if (!w.xnnpackOrder) total = _mm256_add_ps(total, bias);
        const __m256 value = _mm256_min_ps(high, _mm256_max_ps(low, total));
        _mm256_maskstore_ps(out + c0, mask, value);
    }
}

void pixelF32Scalar(const DepthwiseF32Weights& w, const float* input, const Taps& taps, float lo, float hi, float* out)
{
    for (int32_t c = 0; c < w.channels; ++c) {
        const float bias = w.bias[static_cast<size_t>(c)];
        float total = w.xnnpackOrder ? bias : 0.0f;
        for (int t = 0; t < taps.count; ++t)
            total += input[taps.inputOffset[t] + c] *
                     w.weights[static_cast<size_t>(int64_t{taps.tap[t]} * w.channelsPadded + c)];
        out[c] = std::min(std::max(w.xnnpackOrder ? total : total + bias, lo), hi);
    }
}

void pixelF32(const DepthwiseF32Weights& w, const float* input, const Taps& taps, float lo, float hi, float* out)
{
    switch (w.level) {
    case SimdLevel::Avx512: pixelF32Avx512(w, input, taps, lo, hi, out); break;
    case SimdLevel::Avx2: pixelF32Avx2(w, input, taps, lo, hi, out); break;
    case SimdLevel::Scalar: pixelF32Scalar(w, input, taps, lo, hi, out); break;
    }
}

// Calls fn(x, taps, shift) for every output pixel of row (b, y): the pixel's taps are at
// input + shift + taps.inputOffset[t]. Interior pixels (every filter column inside the
// input) share one tap list, shifted by the stride; only border pixels rebuild theirs.
template <typename Fn>
void forEachPixel(const ConvGeometry& g, int64_t b, int64_t y, bool columnMajor, const Fn& fn)
{
    const int64_t sw = g.strideWidth;
    int64_t interiorBegin = (g.padLeft + sw - 1) / sw;
    const int64_t lastStart = int64_t{g.inputWidth} - 1 - int64_t{g.filterWidth - 1} * g.dilationWidth + g.padLeft;
    int64_t interiorEnd = lastStart < 0 ? 0 : lastStart / sw + 1;
    interiorEnd = std::min<int64_t>(interiorEnd, g.outputWidth);
    interiorBegin = std::min(interiorBegin, interiorEnd);
    Taps taps;
    for (int64_t x = 0; x < interiorBegin; ++x) {
        collectTaps(g, b, y, x, taps, columnMajor);
        fn(x, taps, int64_t{0});
    }
    if (interiorBegin < interiorEnd) {
        collectTaps(g, b, y, interiorBegin, taps, columnMajor);
        for (int64_t x = interiorBegin; x < interiorEnd; ++x) fn(x, taps, (x - interiorBegin) * sw * g.inputChannels);
    }
    for (int64_t x = interiorEnd; x < g.outputWidth; ++x) {
        collectTaps(g, b, y, x, taps, columnMajor);
        fn(x, taps, int64_t{0});
    }
}

// Below this many multiply-adds a node takes a few microseconds, less than waking a
// second thread costs, so it stays on the calling thread.
constexpr int64_t kMinParallelMacs = int64_t{1} << 18;

// Splits output rows (batch * outputHeight) across the pool.
template <typename Fn>
void forEachOutputRow(const ConvGeometry& g, ThreadPool* pool, const Fn& fn)
{
    const int64_t macs = g.outputPixels() * g.inputChannels * g.filterHeight * g.filterWidth;
    if (macs < kMinParallelMacs) pool = nullptr;
    const int64_t rows = int64_t{g.batch} * g.outputHeight;
    auto run = [&](int64_t begin, int64_t end) {
        for (int64_t row = begin; row < end; ++row) fn(row / g.outputHeight, row % g.outputHeight);
    };
    if (pool && pool->threadCount() > 1)
        pool->parallelFor(rows, run, 1);
    else
        run(0, rows);
}

} // namespace

DepthwiseS8Weights packDepthwiseS8Weights(const void* filter, bool weightsSigned, int32_t channels,
                                          int32_t filterHeight, int32_t filterWidth, int32_t weightOffset,
                                          bool activationsSigned, int32_t activationOffset, const int32_t* bias)
{
    DepthwiseS8Weights w;
    w.level = activeSimdLevel();
    w.channels = channels;
    w.channelsPadded = roundUp(channels, 16);
    w.filterHeight = filterHeight;
    w.filterWidth = filterWidth;
    w.activationsSigned = activationsSigned;
    w.activationOffset = activationOffset;
    const int32_t taps = filterHeight * filterWidth;
    w.weights.resize(static_cast<size_t>(taps) * static_cast<size_t>(w.channelsPadded));
    w.bias.resize(static_cast<size_t>(w.channelsPadded));
    for (int32_t t = 0; t < taps; ++t) {
        for (int32_t c = 0; c < channels; ++c) {
            const int64_t index = int64_t{t} * channels + c;
            const int32_t raw = weightsSigned ? int32_t{static_cast<const int8_t*>(filter)[index]}
                                              : int32_t{static_cast<const uint8_t*>(filter)[index]};
            w.weights[static_cast<size_t>(int64_t{t} * w.channelsPadded + c)] = raw + weightOffset;
        }
    }
    w.fullWindowBias.resize(static_cast<size_t>(w.channelsPadded));
    for (int32_t c = 0; c < channels; ++c) {
        w.bias[static_cast<size_t>(c)] = bias ? bias[c] : 0;
        int64_t weightSum = 0;
        for (int32_t t = 0; t < taps; ++t) weightSum += w.weights[static_cast<size_t>(int64_t{t} * w.channelsPadded + c)];
        const int64_t constant = int64_t{w.bias[static_cast<size_t>(c)]} + int64_t{activationOffset} * weightSum;
        w.fullWindowBias[static_cast<size_t>(c)] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(constant)));
    }
    return w;
}

void depthwiseConv2dS8(const DepthwiseS8Weights& weights, const ConvGeometry& geometry, const void* input,
                       ThreadPool* pool, const AccumulatorSink& sink)
{
    const auto* bytes = static_cast<const uint8_t*>(input);
    forEachOutputRow(geometry, pool, [&](int64_t b, int64_t y) {
        thread_local AlignedBuffer<int32_t> tile;
        tile.ensure(static_cast<size_t>(geometry.outputWidth) * static_cast<size_t>(weights.channelsPadded));
        forEachPixel(geometry, b, y, false, [&](int64_t x, const Taps& taps, int64_t shift) {
            pixelS8(weights, bytes + shift, taps, tile.data() + x * weights.channelsPadded);
        });
        sink((b * geometry.outputHeight + y) * geometry.outputWidth, geometry.outputWidth, tile.data(),
             weights.channelsPadded);
    });
}

DepthwiseF32Weights packDepthwiseF32Weights(const float* filter, int32_t channels, int32_t filterHeight,
                                            int32_t filterWidth, const float* bias, bool xnnpackOrder)
{
    DepthwiseF32Weights w;
    w.xnnpackOrder = xnnpackOrder;
    w.level = activeSimdLevel();
    w.channels = channels;
    w.channelsPadded = roundUp(channels, 16);
    w.filterHeight = filterHeight;
    w.filterWidth = filterWidth;
    const int32_t taps = filterHeight * filterWidth;
    w.weights.resize(static_cast<size_t>(taps) * static_cast<size_t>(w.channelsPadded));
    w.bias.resize(static_cast<size_t>(w.channelsPadded));
    for (int32_t t = 0; t < taps; ++t)
        for (int32_t c = 0; c < channels; ++c)
            w.weights[static_cast<size_t>(int64_t{t} * w.channelsPadded + c)] = filter[int64_t{t} * channels + c];
    for (int32_t c = 0; c < channels; ++c) w.bias[static_cast<size_t>(c)] = bias ? bias[c] : 0.0f;
    return w;
}

void depthwiseConv2dF32(const DepthwiseF32Weights& weights, const ConvGeometry& geometry, const float* input,
                        float outMin, float outMax, float* output, ThreadPool* pool)
{
    forEachOutputRow(geometry, pool, [&](int64_t b, int64_t y) {
        float* row = output + (b * geometry.outputHeight + y) * geometry.outputWidth * int64_t{weights.channels};
        forEachPixel(geometry, b, y, weights.xnnpackOrder, [&](int64_t x, const Taps& taps, int64_t shift) {
            pixelF32(weights, input + shift, taps, outMin, outMax, row + x * weights.channels);
        });
    });
}

} // namespace rf::optimized
