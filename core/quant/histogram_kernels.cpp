#include "quant/histogram_kernels.h"

#include <cfloat>
#include <cmath>
#include <limits>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RF_HISTOGRAM_X86 1
#endif

namespace rf {

size_t subHistogramStride(int32_t window)
{
    // Not a multiple of 4 KiB apart: the same bin of two sub-histograms would otherwise
    // share the low 12 address bits, and the CPU treats a load as possibly depending on
    // an earlier store to such an address ("4K aliasing"), stalling runs of equal bins.
    return static_cast<size_t>(window) + 24;
}

#ifdef RF_HISTOGRAM_X86

namespace {

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

/// Counter: uint32_t for the four interleaved scratch sub-histograms, uint64_t for
/// counting straight into one histogram (small tensors, no merge afterwards).
template <typename Counter, int kSubHistograms, bool kUndo = false>
__attribute__((target("avx2"))) ValueScan binAndScanAvx2(const float* values, size_t count, float inverseWidth,
                                                           int32_t first, int32_t window, Counter* sub)
{
    ValueScan scan;
    __m256 lo = _mm256_set1_ps(std::numeric_limits<float>::infinity());
    __m256 hi = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    __m256i bad = _mm256_setzero_si256();
    const __m256 scale = _mm256_set1_ps(inverseWidth);
    const __m256i firstBin = _mm256_set1_epi32(first);
    const __m256i lastBin = _mm256_set1_epi32(window - 1);
    const __m256i zero = _mm256_setzero_si256();
    const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 largest = _mm256_set1_ps(FLT_MAX);
    const size_t stride = kSubHistograms == 4 ? subHistogramStride(window) : 0;
    Counter* s0 = sub;
    Counter* s1 = sub + stride;
    Counter* s2 = sub + 2 * stride;
    Counter* s3 = sub + 3 * stride;
    const PackTable& pack = packTable();
    alignas(32) int32_t pending[2048 + 8];
    size_t pendingCount = 0;
    size_t zeros = 0;
    // +1, or -1 (unsigned wrap-around) to take back an earlier identical pass.
    constexpr Counter kStep = kUndo ? static_cast<Counter>(-1) : Counter{1};
    constexpr size_t kBlock = 2048;
    size_t i = 0;
    while (i + 8 <= count) {
        // Float lane sums over one block, then into double: small rounding, no
        // dependency on double adds in the inner loop.
        __m256 sum = _mm256_setzero_ps(), squares = _mm256_setzero_ps();
        const size_t remaining = (count - i) / 8 * 8;
        const size_t blockEnd = i + (remaining < kBlock ? remaining : kBlock);
        for (; i < blockEnd; i += 8) {
            const __m256 x = _mm256_loadu_ps(values + i);
            // min_ps returns its second operand when the first is NaN: NaN never enters.
            lo = _mm256_min_ps(x, lo);
            hi = _mm256_max_ps(x, hi);
            // |x| > FLT_MAX or unordered (NaN): all-ones, i.e. -1, subtracted = counted.
            bad = _mm256_sub_epi32(bad, _mm256_castps_si256(_mm256_cmp_ps(_mm256_and_ps(x, absMask), largest, _CMP_NLE_UQ)));
            sum = _mm256_add_ps(sum, x);
            squares = _mm256_add_ps(squares, _mm256_mul_ps(x, x));
            // Exact floor(x * 2^-e): truncate, then subtract 1 where truncation went up.
            const __m256 y = _mm256_mul_ps(x, scale);
            __m256i t = _mm256_cvttps_epi32(y);
            t = _mm256_add_epi32(t, _mm256_castps_si256(_mm256_cmp_ps(y, _mm256_cvtepi32_ps(t), _CMP_LT_OQ)));
            t = _mm256_sub_epi32(t, firstBin);
            t = _mm256_min_epi32(_mm256_max_epi32(t, zero), lastBin);
            // Exact zeros (half of a ReLU output) are only counted here; the other
            // lanes are packed into `pending` and counted after the block. Runs of
            // zeros would otherwise hammer one counter, each increment waiting for the
            // previous store.
            const int zeroMask = _mm256_movemask_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ));
            const int keep = ~zeroMask & 0xff;
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(pending + pendingCount),
                                _mm256_permutevar8x32_epi32(
                                    t, _mm256_load_si256(reinterpret_cast<const __m256i*>(pack.lanes[keep]))));
            pendingCount += static_cast<size_t>(__builtin_popcount(static_cast<unsigned>(keep)));
            zeros += static_cast<size_t>(__builtin_popcount(static_cast<unsigned>(zeroMask)));
        }
        size_t k = 0;
        for (; k + 4 <= pendingCount; k += 4) {
            s0[pending[k]] += kStep;
            s1[pending[k + 1]] += kStep;
            s2[pending[k + 2]] += kStep;
            s3[pending[k + 3]] += kStep;
        }
        for (; k < pendingCount; ++k) s0[pending[k]] += kStep;
        pendingCount = 0;
        alignas(32) float lanes[8], laneSquares[8];
        _mm256_store_ps(lanes, sum);
        _mm256_store_ps(laneSquares, squares);
        for (int j = 0; j < 8; ++j) {
            scan.sum += lanes[j];
            scan.sumSquares += laneSquares[j];
        }
    }
    alignas(32) float lanesLo[8], lanesHi[8];
    alignas(32) int32_t lanesBad[8];
    _mm256_store_ps(lanesLo, lo);
    _mm256_store_ps(lanesHi, hi);
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanesBad), bad);
    scan.min = std::numeric_limits<float>::infinity();
    scan.max = -scan.min;
    for (int j = 0; j < 8; ++j) {
        scan.min = lanesLo[j] < scan.min ? lanesLo[j] : scan.min;
        scan.max = lanesHi[j] > scan.max ? lanesHi[j] : scan.max;
        scan.nonFinite += static_cast<size_t>(lanesBad[j]);
    }
    for (; i < count; ++i) {
        const float x = values[i];
        if (!(std::fabs(x) <= FLT_MAX)) {
            ++scan.nonFinite;
            continue;
        }
        scan.min = x < scan.min ? x : scan.min;
        scan.max = x > scan.max ? x : scan.max;
        scan.sum += x;
        scan.sumSquares += static_cast<double>(x) * x;
        const double y = std::floor(static_cast<double>(x) * inverseWidth) - first;
        const int64_t bin = y < 0 ? 0 : y > window - 1 ? window - 1 : static_cast<int64_t>(y);
        s0[bin] += kStep;
    }
    if (zeros) {
        // The bin of 0 is [0, width): grid index 0.
        const int64_t zeroBin = -static_cast<int64_t>(first);
        s0[zeroBin < 0 ? 0 : zeroBin > window - 1 ? window - 1 : zeroBin] += static_cast<Counter>(zeros) * kStep;
    }
    return scan;
}

} // namespace

bool fusedBinningAvailable()
{
    static const bool available = __builtin_cpu_supports("avx2");
    return available;
}

ValueScan binAndScan(const float* values, size_t count, float inverseWidth, int32_t first, int32_t window, uint32_t* sub)
{
    return binAndScanAvx2<uint32_t, 4>(values, count, inverseWidth, first, window, sub);
}

ValueScan binAndScanInto(const float* values, size_t count, float inverseWidth, int32_t first, int32_t window,
                         uint64_t* counts)
{
    return binAndScanAvx2<uint64_t, 1>(values, count, inverseWidth, first, window, counts);
}

void unbinInto(const float* values, size_t count, float inverseWidth, int32_t first, int32_t window, uint64_t* counts)
{
    binAndScanAvx2<uint64_t, 1, true>(values, count, inverseWidth, first, window, counts);
}

#else

bool fusedBinningAvailable() { return false; }

ValueScan binAndScan(const float*, size_t, float, int32_t, int32_t, uint32_t*) { return {}; }

ValueScan binAndScanInto(const float*, size_t, float, int32_t, int32_t, uint64_t*) { return {}; }

void unbinInto(const float*, size_t, float, int32_t, int32_t, uint64_t*) {}

#endif

} // namespace rf
