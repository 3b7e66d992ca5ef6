#include "quant/histogram_kernels.h"

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

#if defined(__x86_64__) || defined(__i386__)
// GCC 12 reports its own AVX-512 intrinsics (which start from an undefined vector on
// purpose) as "may be used uninitialized" at -O3; the warning is about the header.
#if defined(__GNUC__) && !defined(__clang__) // clang has no -Wmaybe-uninitialized and -Werror rejects unknown warnings
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#define RF_HISTOGRAM_X86 1
#endif

namespace rf {

void BinningScratch::reserve(int32_t window)
{
    // The arrays are all zero between calls, so a larger size only needs more zeros.
    const size_t subSize = 4 * stride(window);
    if (sub_.size() < subSize) sub_.assign(subSize, 0);
    const size_t spillSize = static_cast<size_t>(window) + 16;
    if (spill_.size() < spillSize) spill_.assign(spillSize, 0);
}

#ifdef RF_HISTOGRAM_X86

namespace {

/// Values per block: bins are packed into a block buffer, then counted.
constexpr size_t kBlock = 2048;
/// A block gives one 16-bit sub-histogram at most kBlock / 4 + 3 increments (the last
/// up to three packed values go to the first one), so after this many blocks the
/// sub-histograms are folded into the 32-bit spill array before they can overflow.
constexpr size_t kFoldBlocks = 65535 / (kBlock / 4 + 3);

/// Where a kernel counts: four 16-bit sub-histograms (periodically folded into the
/// 32-bit spill array), or, for small tensors, straight into the 64-bit counts.
struct CountTarget {
    uint16_t* sub = nullptr;
    size_t stride = 0;
    uint32_t* spill = nullptr;
    uint64_t* counts = nullptr;
};

/// Tensors from this many values on are prefetched a block ahead: larger than the L2
/// cache, their first values have left it by the time they are binned, and the
/// hardware prefetcher, idle while a block is counted, does not hide the misses
/// (measured: 2.4 M values 0.70 -> 0.39 ns/value; no gain on L2-sized tensors).
constexpr size_t kPrefetchMinCount = size_t{384} << 10;

/// Asks for the next block's cache lines (`count` values from `next`, at most a block).
inline void prefetchBlock(const float* next, size_t count)
{
    const char* bytes = reinterpret_cast<const char*>(next);
    const size_t size = std::min(count, kBlock) * sizeof(float);
    for (size_t offset = 0; offset < size; offset += 64) _mm_prefetch(bytes + offset, _MM_HINT_T0);
}

/// Counts the `n` packed window bins of one block.
template <bool kDirect, bool kUndo>
inline void countBlock(const int32_t* pending, size_t n, const CountTarget& target)
{
    if constexpr (kDirect) {
        // +1, or -1 (unsigned wrap-around) to take back an earlier identical pass.
        constexpr uint64_t kStep = kUndo ? ~uint64_t{0} : uint64_t{1};
        uint64_t* counts = target.counts;
        for (size_t k = 0; k < n; ++k) counts[pending[k]] += kStep;
    } else {
        uint16_t* s0 = target.sub;
        uint16_t* s1 = s0 + target.stride;
        uint16_t* s2 = s1 + target.stride;
        uint16_t* s3 = s2 + target.stride;
        size_t k = 0;
        for (; k + 4 <= n; k += 4) {
            ++s0[pending[k]];
            ++s1[pending[k + 1]];
            ++s2[pending[k + 2]];
            ++s3[pending[k + 3]];
        }
        for (; k < n; ++k) ++s0[pending[k]];
    }
}

/// Adds the four sub-histograms over window bins [lo, hi] into `spill` (and, when
/// `counts` is given, spill into counts) and zeroes what it read.
__attribute__((target("avx2"))) void foldBins(const CountTarget& target, int32_t lo, int32_t hi, bool intoCounts)
{
    uint16_t* s0 = target.sub;
    uint16_t* s1 = s0 + target.stride;
    uint16_t* s2 = s1 + target.stride;
    uint16_t* s3 = s2 + target.stride;
    uint32_t* spill = target.spill;
    uint64_t* counts = target.counts;
    const __m128i zero128 = _mm_setzero_si128();
    const __m256i zero256 = _mm256_setzero_si256();
    int32_t j = lo;
    for (; j + 8 <= hi + 1; j += 8) {
        __m256i t = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s0 + j)));
        t = _mm256_add_epi32(t, _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s1 + j))));
        t = _mm256_add_epi32(t, _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s2 + j))));
        t = _mm256_add_epi32(t, _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s3 + j))));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(s0 + j), zero128);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(s1 + j), zero128);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(s2 + j), zero128);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(s3 + j), zero128);
        __m256i* spilled = reinterpret_cast<__m256i*>(spill + j);
        t = _mm256_add_epi32(t, _mm256_loadu_si256(spilled));
        if (!intoCounts) {
            _mm256_storeu_si256(spilled, t);
            continue;
        }
        _mm256_storeu_si256(spilled, zero256);
        __m256i* c = reinterpret_cast<__m256i*>(counts + j);
        _mm256_storeu_si256(c, _mm256_add_epi64(_mm256_loadu_si256(c), _mm256_cvtepu32_epi64(_mm256_castsi256_si128(t))));
        _mm256_storeu_si256(c + 1, _mm256_add_epi64(_mm256_loadu_si256(c + 1),
                                                    _mm256_cvtepu32_epi64(_mm256_extracti128_si256(t, 1))));
    }
    for (; j <= hi; ++j) {
        const uint32_t t = uint32_t{s0[j]} + s1[j] + s2[j] + s3[j] + spill[j];
        s0[j] = s1[j] = s2[j] = s3[j] = 0;
        if (intoCounts) {
            counts[j] += t;
            spill[j] = 0;
        } else {
            spill[j] = t;
        }
    }
}

/// Float lane sums of one block, added into the double totals in lane order.
template <int kLanes>
inline void addLanes(const float* lanes, const float* laneSquares, ValueScan& scan)
{
    for (int j = 0; j < kLanes; ++j) {
        scan.sum += lanes[j];
        scan.sumSquares += laneSquares[j];
    }
}

/// The AVX-512 kernel: 16 values per step; the bin index is one rounding conversion
/// (floor), the clamp one unsigned minimum, the zero test a mask that also drives the
/// packing (compress). NaN and infinities are not tested per value: a NaN makes the
/// float sum NaN and an infinity makes the minimum or maximum infinite, which is
/// checked once at the end. Returns the scan; `zeros` receives the exact zeros, whose
/// bin the caller counts.
template <bool kDirect, bool kUndo>
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,popcnt"))) ValueScan
binAndScanAvx512(const float* values, size_t count, float inverseWidth, int32_t first, int32_t window,
                 const CountTarget& target, size_t& zeros)
{
    ValueScan scan;
    __m512 lo = _mm512_set1_ps(std::numeric_limits<float>::infinity());
    __m512 hi = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    const __m512 scale = _mm512_set1_ps(inverseWidth);
    const __m512i firstBin = _mm512_set1_epi32(first);
    const __m512i lastBin = _mm512_set1_epi32(window - 1);
    const __m512 zero = _mm512_setzero_ps();
    alignas(64) int32_t pending[kBlock + 16];
    const bool prefetch = count >= kPrefetchMinCount;
    size_t kept = 0;
    size_t blocksSinceFold = 0;
    size_t i = 0;
    while (i < count) {
        // Float lane sums over one block, then into double: small rounding, no
        // dependency on double adds in the inner loop.
        __m512 sum = zero, squares = zero;
        const size_t blockEnd = i + std::min(kBlock, count - i);
        size_t n = 0;
        for (; i + 16 <= blockEnd; i += 16) {
            const __m512 x = _mm512_loadu_ps(values + i);
            // min_ps returns its second operand when the first is NaN: NaN never enters.
            lo = _mm512_min_ps(x, lo);
            hi = _mm512_max_ps(x, hi);
            sum = _mm512_add_ps(sum, x);
            squares = _mm512_fmadd_ps(x, x, squares);
            // x * 2^-e is exact; converting with rounding toward -inf is the exact floor.
            // Out-of-window (and NaN) bins are clamped only to stay inside the arrays:
            // such a pass is rejected. Negative differences wrap to large unsigned values.
            const __m512i bin = _mm512_min_epu32(
                _mm512_sub_epi32(_mm512_cvt_roundps_epi32(_mm512_mul_ps(x, scale), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC),
                                 firstBin),
                lastBin);
            // Exact zeros (half of a ReLU output) are only counted; runs of them would
            // otherwise hammer one counter, each increment waiting for the previous store.
            const __mmask16 keep = _mm512_cmp_ps_mask(x, zero, _CMP_NEQ_UQ);
            _mm512_storeu_si512(pending + n, _mm512_maskz_compress_epi32(keep, bin));
            n += static_cast<size_t>(__builtin_popcount(keep));
        }
        if (i < blockEnd) {
            // The last partial vector: lanes past the end load as 0 and are masked out
            // of the extremes and of the kept values (so they are not counted as zeros
            // either: zeros = count - kept).
            const __mmask16 valid = static_cast<__mmask16>((1u << (blockEnd - i)) - 1);
            const __m512 x = _mm512_maskz_loadu_ps(valid, values + i);
            lo = _mm512_mask_min_ps(lo, valid, x, lo);
            hi = _mm512_mask_max_ps(hi, valid, x, hi);
            sum = _mm512_add_ps(sum, x);
            squares = _mm512_fmadd_ps(x, x, squares);
            const __m512i bin = _mm512_min_epu32(
                _mm512_sub_epi32(_mm512_cvt_roundps_epi32(_mm512_mul_ps(x, scale), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC),
                                 firstBin),
                lastBin);
            const __mmask16 keep = _mm512_mask_cmp_ps_mask(valid, x, zero, _CMP_NEQ_UQ);
            _mm512_storeu_si512(pending + n, _mm512_maskz_compress_epi32(keep, bin));
            n += static_cast<size_t>(__builtin_popcount(keep));
            i = blockEnd;
        }
        if (prefetch && i < count) prefetchBlock(values + i, count - i);
        countBlock<kDirect, kUndo>(pending, n, target);
        kept += n;
        if (!kDirect && ++blocksSinceFold == kFoldBlocks) {
            foldBins(target, 0, window - 1, false);
            blocksSinceFold = 0;
        }
        alignas(64) float lanes[16], laneSquares[16];
        _mm512_store_ps(lanes, sum);
        _mm512_store_ps(laneSquares, squares);
        addLanes<16>(lanes, laneSquares, scan);
    }
    scan.min = _mm512_reduce_min_ps(lo);
    scan.max = _mm512_reduce_max_ps(hi);
    // NaN poisons the sum; +-inf shows in the extremes (all-NaN input leaves them infinite).
    scan.nonFinite = (std::isnan(scan.sum) || std::isinf(scan.min) || std::isinf(scan.max)) ? 1 : 0;
    zeros = count - kept;
    return scan;
}

/// For each 8-bit lane mask, the indices of its set lanes in order (then zeros):
/// the permutation that packs the kept lanes of a vector to its front.
struct PackTable {
    alignas(32) int32_t lanes[256][8];
    PackTable()
    {
        for (int mask = 0; mask < 256; ++mask) {
            int n = 0;
            for (int lane = 0; lane < 8; ++lane)
                if (mask & (1 << lane)) lanes[mask][n++] = lane;
            while (n < 8) lanes[mask][n++] = 0;
        }
    }
};

const PackTable& packTable()
{
    static const PackTable table;
    return table;
}

/// The AVX2 kernel (CPUs without AVX-512): the same counting, 8 values per step, the
/// floor as truncation corrected for negatives and packing through a permutation table.
template <bool kDirect, bool kUndo>
__attribute__((target("avx2,popcnt"))) ValueScan binAndScanAvx2(const float* values, size_t count, float inverseWidth,
                                                                 int32_t first, int32_t window,
                                                                 const CountTarget& target, size_t& zeros)
{
    ValueScan scan;
    __m256 lo = _mm256_set1_ps(std::numeric_limits<float>::infinity());
    __m256 hi = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    const __m256 scale = _mm256_set1_ps(inverseWidth);
    const __m256i firstBin = _mm256_set1_epi32(first);
    const __m256i lastBin = _mm256_set1_epi32(window - 1);
    const PackTable& pack = packTable();
    alignas(32) int32_t pending[kBlock + 8];
    const bool prefetch = count >= kPrefetchMinCount;
    size_t kept = 0;
    size_t blocksSinceFold = 0;
    size_t i = 0;
    while (i + 8 <= count) {
        __m256 sum = _mm256_setzero_ps(), squares = _mm256_setzero_ps();
        const size_t remaining = (count - i) / 8 * 8;
        const size_t blockEnd = i + std::min(remaining, kBlock);
        size_t n = 0;
        for (; i < blockEnd; i += 8) {
            const __m256 x = _mm256_loadu_ps(values + i);
            lo = _mm256_min_ps(x, lo);
            hi = _mm256_max_ps(x, hi);
            sum = _mm256_add_ps(sum, x);
            squares = _mm256_add_ps(squares, _mm256_mul_ps(x, x));
            // Exact floor(x * 2^-e): truncate, then subtract 1 where truncation went up.
            const __m256 y = _mm256_mul_ps(x, scale);
            __m256i t = _mm256_cvttps_epi32(y);
            t = _mm256_add_epi32(t, _mm256_castps_si256(_mm256_cmp_ps(y, _mm256_cvtepi32_ps(t), _CMP_LT_OQ)));
            t = _mm256_min_epu32(_mm256_sub_epi32(t, firstBin), lastBin);
            const int keep = _mm256_movemask_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_NEQ_UQ));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(pending + n),
                                _mm256_permutevar8x32_epi32(
                                    t, _mm256_load_si256(reinterpret_cast<const __m256i*>(pack.lanes[keep]))));
            n += static_cast<size_t>(__builtin_popcount(static_cast<unsigned>(keep)));
        }
        if (prefetch && i < count) prefetchBlock(values + i, count - i);
        countBlock<kDirect, kUndo>(pending, n, target);
        kept += n;
        if (!kDirect && ++blocksSinceFold == kFoldBlocks) {
            foldBins(target, 0, window - 1, false);
            blocksSinceFold = 0;
        }
        alignas(32) float lanes[8], laneSquares[8];
        _mm256_store_ps(lanes, sum);
        _mm256_store_ps(laneSquares, squares);
        addLanes<8>(lanes, laneSquares, scan);
    }
    alignas(32) float lanesLo[8], lanesHi[8];
    _mm256_store_ps(lanesLo, lo);
    _mm256_store_ps(lanesHi, hi);
    scan.min = std::numeric_limits<float>::infinity();
    scan.max = -scan.min;
    for (int j = 0; j < 8; ++j) {
        scan.min = lanesLo[j] < scan.min ? lanesLo[j] : scan.min;
        scan.max = lanesHi[j] > scan.max ? lanesHi[j] : scan.max;
    }
    // The last up to 7 values, one at a time (in the same order as the vector loop's
    // counting: after all blocks).
    int32_t tail[8];
    size_t n = 0;
    for (; i < count; ++i) {
        const float x = values[i];
        scan.sum += x;
        scan.sumSquares += static_cast<double>(x) * x;
        if (x != x) continue;
        scan.min = x < scan.min ? x : scan.min;
        scan.max = x > scan.max ? x : scan.max;
        if (x == 0.0f) continue;
        const double y = std::floor(static_cast<double>(x) * inverseWidth) - first;
        tail[n++] = y < 0 ? window - 1 : y > window - 1 ? window - 1 : static_cast<int32_t>(y);
    }
    countBlock<kDirect, kUndo>(tail, n, target);
    kept += n;
    scan.nonFinite = (std::isnan(scan.sum) || std::isinf(scan.min) || std::isinf(scan.max)) ? 1 : 0;
    zeros = count - kept;
    return scan;
}

__attribute__((target("avx2"))) ValueScan scanOnlyAvx2(const float* values, size_t count)
{
    ValueScan scan;
    __m256 lo = _mm256_set1_ps(std::numeric_limits<float>::infinity());
    __m256 hi = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    size_t i = 0;
    while (i + 8 <= count) {
        __m256 sum = _mm256_setzero_ps(), squares = _mm256_setzero_ps();
        const size_t blockEnd = i + std::min((count - i) / 8 * 8, kBlock);
        for (; i < blockEnd; i += 8) {
            const __m256 x = _mm256_loadu_ps(values + i);
            lo = _mm256_min_ps(x, lo);
            hi = _mm256_max_ps(x, hi);
            sum = _mm256_add_ps(sum, x);
            squares = _mm256_add_ps(squares, _mm256_mul_ps(x, x));
        }
        alignas(32) float lanes[8], laneSquares[8];
        _mm256_store_ps(lanes, sum);
        _mm256_store_ps(laneSquares, squares);
        addLanes<8>(lanes, laneSquares, scan);
    }
    alignas(32) float lanesLo[8], lanesHi[8];
    _mm256_store_ps(lanesLo, lo);
    _mm256_store_ps(lanesHi, hi);
    scan.min = std::numeric_limits<float>::infinity();
    scan.max = -scan.min;
    for (int j = 0; j < 8; ++j) {
        scan.min = lanesLo[j] < scan.min ? lanesLo[j] : scan.min;
        scan.max = lanesHi[j] > scan.max ? lanesHi[j] : scan.max;
    }
    for (; i < count; ++i) {
        const float x = values[i];
        scan.sum += x;
        scan.sumSquares += static_cast<double>(x) * x;
        if (x != x) continue;
        scan.min = x < scan.min ? x : scan.min;
        scan.max = x > scan.max ? x : scan.max;
    }
    // As in the binning kernels: NaN poisons the sum, infinities show in the extremes.
    scan.nonFinite = (std::isnan(scan.sum) || std::isinf(scan.min) || std::isinf(scan.max)) ? 1 : 0;
    return scan;
}

template <bool kDirect, bool kUndo>
ValueScan runKernel(const float* values, size_t count, float inverseWidth, int32_t first, int32_t window,
                    const CountTarget& target, size_t& zeros)
{
    if (wideBinningAvailable())
        return binAndScanAvx512<kDirect, kUndo>(values, count, inverseWidth, first, window, target, zeros);
    return binAndScanAvx2<kDirect, kUndo>(values, count, inverseWidth, first, window, target, zeros);
}

} // namespace

bool fusedBinningAvailable()
{
    static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    return available;
}

namespace {
std::atomic<bool> wideBinningAllowed{true};
}

bool wideBinningAvailable()
{
    static const bool available = fusedBinningAvailable() && __builtin_cpu_supports("avx512f") &&
                                  __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                                  __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
    return available && wideBinningAllowed.load(std::memory_order_relaxed);
}

void allowWideBinning(bool allowed) { wideBinningAllowed.store(allowed, std::memory_order_relaxed); }

ValueScan scanOnly(const float* values, size_t count) { return scanOnlyAvx2(values, count); }

BinningResult binAndScan(const float* values, size_t count, float inverseWidth, int32_t first, int32_t window,
                         BinningScratch& scratch, uint64_t* counts, size_t directLimit)
{
    BinningResult result;
    if (count == 0) {
        result.scan.min = std::numeric_limits<float>::infinity();
        result.scan.max = -result.scan.min;
        result.accepted = true;
        return result;
    }
    const bool direct = count <= directLimit;
    CountTarget target;
    target.counts = counts;
    if (!direct) {
        scratch.reserve(window);
        target.sub = scratch.sub();
        target.stride = BinningScratch::stride(window);
        target.spill = scratch.spill();
    }
    size_t zeros = 0;
    result.scan = direct ? runKernel<true, false>(values, count, inverseWidth, first, window, target, zeros)
                         : runKernel<false, false>(values, count, inverseWidth, first, window, target, zeros);
    // Inside the window: decided exactly, in double, from the extremes.
    double binLo = 0, binHi = -1;
    if (result.scan.nonFinite == 0) {
        binLo = std::floor(static_cast<double>(result.scan.min) * inverseWidth) - first;
        binHi = std::floor(static_cast<double>(result.scan.max) * inverseWidth) - first;
        result.accepted = binLo >= 0 && binHi <= window - 1;
    }
    if (result.accepted) {
        if (!direct) foldBins(target, static_cast<int32_t>(binLo), static_cast<int32_t>(binHi), true);
        // Zeros are finite, so when there are any, 0 lies in [min, max] and its bin
        // (grid index 0) is inside the window.
        if (zeros) counts[-static_cast<int64_t>(first)] += zeros;
        return result;
    }
    if (direct) {
        // Take back exactly what the pass added (zeros were not added yet).
        size_t ignored = 0;
        runKernel<true, true>(values, count, inverseWidth, first, window, target, ignored);
    } else {
        std::memset(target.sub, 0, 4 * target.stride * sizeof(uint16_t));
        std::memset(target.spill, 0, static_cast<size_t>(window) * sizeof(uint32_t));
    }
    return result;
}

#else

bool fusedBinningAvailable() { return false; }

bool wideBinningAvailable() { return false; }

void allowWideBinning(bool) {}

ValueScan scanOnly(const float*, size_t) { return {}; }

BinningResult binAndScan(const float*, size_t, float, int32_t, int32_t, BinningScratch&, uint64_t*, size_t)
{
    return {};
}

#endif

} // namespace rf
