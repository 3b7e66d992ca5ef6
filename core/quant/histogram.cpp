#include "quant/histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rf {

namespace {

/// Indices at or beyond this magnitude leave the int32 fast path.
constexpr double kFastIndexLimit = 1073741824.0; // 2^30

/// Spreads `count` found uniformly on [a, b) over `out` (equal bins over [lo, hi]);
/// the parts below lo and above hi go to the first and last bin.
void spread(double a, double b, double count, double lo, double hi, std::vector<double>& out)
{
    const int bins = static_cast<int>(out.size());
    const double width = b - a;
    if (!(width > 0)) return;
    if (a < lo) {
        out.front() += count * (std::min(b, lo) - a) / width;
        if (b <= lo) return;
        a = lo;
    }
    if (b > hi) {
        out.back() += count * (b - std::max(a, hi)) / width;
        if (a >= hi) return;
        b = hi;
    }
    const double targetWidth = (hi - lo) / bins;
    if (!(targetWidth > 0)) {
        out.front() += count * (b - a) / width;
        return;
    }
    int t = std::clamp(static_cast<int>(std::floor((a - lo) / targetWidth)), 0, bins - 1);
    while (a < b) {
        const double targetEnd = t == bins - 1 ? b : std::min(b, lo + (t + 1) * targetWidth);
        if (targetEnd > a) out[t] += count * (targetEnd - a) / width;
        a = std::max(a, targetEnd);
        if (++t >= bins) break;
    }
}

} // namespace

CalibrationHistogram::CalibrationHistogram(int binCount) : counts_(static_cast<size_t>(std::max(binCount, 2)), 0) {}

double CalibrationHistogram::binWidth() const { return std::ldexp(1.0, exponent_); }

double CalibrationHistogram::binLower(int i) const { return std::ldexp(static_cast<double>(first_ + i), exponent_); }

double CalibrationHistogram::binUpper(int i) const { return std::ldexp(static_cast<double>(first_ + i + 1), exponent_); }

int64_t CalibrationHistogram::gridIndex(double value, int exponent)
{
    return static_cast<int64_t>(std::floor(std::ldexp(value, -exponent)));
}

int CalibrationHistogram::firstNonEmpty() const
{
    for (size_t i = 0; i < counts_.size(); ++i)
        if (counts_[i]) return static_cast<int>(i);
    return -1;
}

int CalibrationHistogram::lastNonEmpty() const
{
    for (size_t i = counts_.size(); i-- > 0;)
        if (counts_[i]) return static_cast<int>(i);
    return -1;
}

void CalibrationHistogram::reframe(int exponent, int64_t first)
{
    const int shift = exponent - exponent_;
    std::vector<uint64_t> moved(counts_.size(), 0);
    const int64_t size = static_cast<int64_t>(counts_.size());
    for (int64_t j = 0; j < size; ++j) {
        if (!counts_[j]) continue;
        // Arithmetic shift is floor division by 2^shift, also for negative indices
        // (C++20), which is exactly the coarser grid's bin of this bin.
        const int64_t target = ((first_ + j) >> shift) - first;
        moved[static_cast<size_t>(target)] += counts_[j];
    }
    counts_.swap(moved);
    exponent_ = exponent;
    first_ = first;
}

void CalibrationHistogram::cover(double lo, double hi)
{
    const int64_t size = static_cast<int64_t>(counts_.size());
    const double maxAbs = std::max(std::fabs(lo), std::fabs(hi));
    // Keep grid indices far inside int64 whatever the magnitude of the values.
    const int magnitudeFloor = maxAbs > 0 ? std::ilogb(maxAbs) - 60 : kMinExponent;
    if (!framed_ || total_ == 0) {
        int e = std::max(kMinExponent, magnitudeFloor);
        if (hi > lo) e = std::max(e, std::ilogb((hi - lo) / static_cast<double>(size)) - 1);
        while (e < kMaxExponent && gridIndex(hi, e) - gridIndex(lo, e) + 1 > size) ++e;
        std::fill(counts_.begin(), counts_.end(), 0);
        exponent_ = e;
        first_ = gridIndex(lo, e);
        framed_ = true;
        return;
    }
    const int occupiedLo = firstNonEmpty();
    const int occupiedHi = lastNonEmpty();
    int e = std::max(exponent_, magnitudeFloor);
    int64_t a = 0, b = 0;
    for (;; ++e) {
        const int shift = e - exponent_;
        a = std::min(gridIndex(lo, e), (first_ + occupiedLo) >> shift);
        b = std::max(gridIndex(hi, e), (first_ + occupiedHi) >> shift);
        if (b - a + 1 <= size || e >= kMaxExponent) break;
    }
    if (e != exponent_ || a < first_ || b >= first_ + size) reframe(e, a);
}

void CalibrationHistogram::addSlow(const float* values, size_t count)
{
    // In double, x * 2^-e is exact for every float x and grid exponent (no overflow,
    // no underflow), so the floor is the real-arithmetic bin.
    const int64_t size = static_cast<int64_t>(counts_.size());
    const double inverseWidth = std::ldexp(1.0, -exponent_);
    for (size_t i = 0; i < count; ++i) {
        const int64_t k = static_cast<int64_t>(std::floor(static_cast<double>(values[i]) * inverseWidth));
        ++counts_[static_cast<size_t>(std::clamp<int64_t>(k - first_, 0, size - 1))];
    }
}

bool CalibrationHistogram::fusedGridUsable() const
{
    // The fused kernels scale in float. x * 2^-e is exact while 2^-e is a normal float
    // and the product does not underflow: with e <= 0 the scale is >= 1, so a tiny
    // negative value cannot round to -0 (whose floor, 0, would be one bin too high).
    // Wider bins (ranges over 4096) take the double path. Grid indices must also stay
    // well inside int32.
    return framed_ && exponent_ >= -100 && exponent_ <= 0 && std::fabs(static_cast<double>(first_)) < kFastIndexLimit / 2 &&
           fusedBinningAvailable();
}

void CalibrationHistogram::addFinite(const float* values, size_t count, float min, float max)
{
    if (count == 0) return;
    cover(min, max);
    total_ += count;
    const double maxAbs = std::max(std::fabs(static_cast<double>(min)), std::fabs(static_cast<double>(max)));
    if (std::ldexp(maxAbs, -exponent_) >= kFastIndexLimit || exponent_ < -100 || exponent_ > 0) {
        addSlow(values, count);
        return;
    }
    if (fusedGridUsable()) {
        // The window now holds [min, max], so every chunk is accepted.
        thread_local BinningScratch scratch;
        const float inverseWidth = std::ldexp(1.0f, -exponent_);
        size_t done = 0;
        while (done < count) {
            const size_t chunk = std::min(count - done, kMaxFusedCount);
            const BinningResult result = binAndScan(values + done, chunk, inverseWidth, static_cast<int32_t>(first_),
                                                    binCount(), scratch, counts_.data());
            // Not reached: the window holds [min, max] (the kernel left counts untouched).
            if (!result.accepted) addSlow(values + done, chunk);
            done += chunk;
        }
        return;
    }
    addPortable(values, count, min, max);
}

void CalibrationHistogram::addPortable(const float* values, size_t count, float min, float max)
{
    const float inverseWidth = std::ldexp(1.0f, -exponent_);
    const int32_t first = static_cast<int32_t>(first_);
    const int32_t lastWindow = static_cast<int32_t>(counts_.size()) - 1;
    const int32_t spanLo = static_cast<int32_t>(gridIndex(min, exponent_) - first_);
    const int32_t spanHi = static_cast<int32_t>(gridIndex(max, exponent_) - first_);

    // Four interleaved sub-histograms: neighbouring values often fall into the same
    // bin (runs of ReLU zeros, smooth images), and incrementing one counter back to back
    // waits for the previous store each time; four counters let the increments overlap.
    // Small tensors count straight into the histogram, as folding four sub-histograms
    // would cost more than it saves.
    constexpr size_t kInterleaveThreshold = 16384;
    const bool interleave = count >= kInterleaveThreshold;
    thread_local std::vector<uint32_t> scratch;
    const size_t window = counts_.size();
    if (interleave && scratch.size() < 4 * window) scratch.assign(4 * window, 0);
    uint32_t* sub[4] = {nullptr, nullptr, nullptr, nullptr};
    if (interleave)
        for (int s = 0; s < 4; ++s) sub[s] = scratch.data() + s * window;

    constexpr size_t kBlock = 512;
    alignas(64) int32_t index[kBlock];
    uint64_t* counts = counts_.data();
    for (size_t base = 0; base < count; base += kBlock) {
        const size_t m = std::min(kBlock, count - base);
        const float* v = values + base;
        // Vectorisable: exact floor(x * 2^-e) as truncation corrected for negatives.
        for (size_t i = 0; i < m; ++i) {
            const float y = v[i] * inverseWidth;
            int32_t t = static_cast<int32_t>(y);
            t -= static_cast<int32_t>(y < static_cast<float>(t));
            index[i] = std::clamp(t - first, int32_t{0}, lastWindow);
        }
        if (interleave) {
            size_t i = 0;
            for (; i + 4 <= m; i += 4) {
                ++sub[0][index[i]];
                ++sub[1][index[i + 1]];
                ++sub[2][index[i + 2]];
                ++sub[3][index[i + 3]];
            }
            for (; i < m; ++i) ++sub[0][index[i]];
        } else {
            for (size_t i = 0; i < m; ++i) ++counts[index[i]];
        }
    }
    if (interleave) {
        for (int32_t j = std::max(spanLo, 0); j <= std::min(spanHi, lastWindow); ++j) {
            counts[j] += uint64_t{sub[0][j]} + sub[1][j] + sub[2][j] + sub[3][j];
            sub[0][j] = sub[1][j] = sub[2][j] = sub[3][j] = 0;
        }
    }
}

namespace {

/// Min, max, sums and the non-finite count, for the first sample of a tensor and for
/// CPUs without the fused kernel.
ValueScan scanValues(const float* values, size_t count)
{
    ValueScan scan;
    scan.min = std::numeric_limits<float>::infinity();
    scan.max = -scan.min;
    for (size_t i = 0; i < count; ++i) {
        const float x = values[i];
        if (!(std::fabs(x) <= std::numeric_limits<float>::max())) {
            ++scan.nonFinite;
            continue;
        }
        scan.min = x < scan.min ? x : scan.min;
        scan.max = x > scan.max ? x : scan.max;
        scan.sum += x;
        scan.sumSquares += static_cast<double>(x) * x;
    }
    return scan;
}

} // namespace

ValueScan CalibrationHistogram::addScanned(const float* values, size_t count)
{
    if (count == 0) return ValueScan{std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
    if (total_ > 0 && fusedGridUsable() && count <= kMaxFusedCount) {
        // One pass bins on the current grid; if a value falls outside the window (the
        // range grew) or is not finite, the kernel adds nothing and the two-pass path
        // re-frames the grid.
        thread_local BinningScratch scratch;
        const BinningResult result = binAndScan(values, count, std::ldexp(1.0f, -exponent_),
                                                static_cast<int32_t>(first_), binCount(), scratch, counts_.data());
        if (result.accepted) {
            total_ += count;
            return result.scan;
        }
        if (result.scan.nonFinite) return result.scan;
        addFinite(values, count, result.scan.min, result.scan.max);
        return result.scan;
    }
    const ValueScan scan = fusedBinningAvailable() ? scanOnly(values, count) : scanValues(values, count);
    if (scan.nonFinite == 0) addFinite(values, count, scan.min, scan.max);
    return scan;
}

void CalibrationHistogram::add(std::span<const float> values)
{
    float lo = std::numeric_limits<float>::infinity();
    float hi = -lo;
    std::vector<float> finite;
    finite.reserve(values.size());
    for (float v : values) {
        if (!std::isfinite(v)) continue;
        finite.push_back(v);
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (!finite.empty()) addFinite(finite.data(), finite.size(), lo, hi);
}

void CalibrationHistogram::addValue(float value, uint64_t weight)
{
    if (!std::isfinite(value) || weight == 0) return;
    cover(value, value);
    const int64_t j = gridIndex(value, exponent_) - first_;
    counts_[static_cast<size_t>(std::clamp<int64_t>(j, 0, binCount() - 1))] += weight;
    total_ += weight;
}

void CalibrationHistogram::merge(const CalibrationHistogram& other)
{
    if (other.empty()) return;
    const int64_t size = static_cast<int64_t>(counts_.size());
    const int otherLo = other.firstNonEmpty();
    const int otherHi = other.lastNonEmpty();
    int e = other.exponent_;
    int64_t a = 0, b = 0;
    if (empty()) {
        // Take the other's grid, coarsened if our window is smaller than its span.
        for (;; ++e) {
            a = (other.first_ + otherLo) >> (e - other.exponent_);
            b = (other.first_ + otherHi) >> (e - other.exponent_);
            if (b - a + 1 <= size || e >= kMaxExponent) break;
        }
        std::fill(counts_.begin(), counts_.end(), 0);
        exponent_ = e;
        first_ = a;
        framed_ = true;
    } else {
        // The common grid is the coarser of the two, coarsened further until the
        // union of both occupied spans fits the window.
        const int ownLo = firstNonEmpty();
        const int ownHi = lastNonEmpty();
        e = std::max(exponent_, other.exponent_);
        for (;; ++e) {
            a = std::min((first_ + ownLo) >> (e - exponent_), (other.first_ + otherLo) >> (e - other.exponent_));
            b = std::max((first_ + ownHi) >> (e - exponent_), (other.first_ + otherHi) >> (e - other.exponent_));
            if (b - a + 1 <= size || e >= kMaxExponent) break;
        }
        if (e != exponent_ || a < first_ || b >= first_ + size) reframe(e, a);
    }
    const int shift = exponent_ - other.exponent_;
    for (int j = otherLo; j <= otherHi; ++j) {
        if (!other.counts_[j]) continue;
        const int64_t target = ((other.first_ + j) >> shift) - first_;
        counts_[static_cast<size_t>(std::clamp<int64_t>(target, 0, size - 1))] += other.counts_[j];
    }
    total_ += other.total_;
}

double CalibrationHistogram::quantile(double q) const
{
    const int lo = firstNonEmpty();
    if (lo < 0) return 0.0;
    const int hi = lastNonEmpty();
    if (q <= 0) return binLower(lo);
    if (q >= 1) return binUpper(hi);
    const double target = q * static_cast<double>(total_);
    double cumulative = 0;
    for (int i = lo; i <= hi; ++i) {
        const double c = static_cast<double>(counts_[i]);
        if (c > 0 && cumulative + c >= target) {
            const double fraction = std::clamp((target - cumulative) / c, 0.0, 1.0);
            return binLower(i) + fraction * binWidth();
        }
        cumulative += c;
    }
    return binUpper(hi);
}

std::vector<double> CalibrationHistogram::resample(double lo, double hi, int bins) const
{
    std::vector<double> out(static_cast<size_t>(std::max(bins, 1)), 0.0);
    const int a = firstNonEmpty();
    if (a < 0) return out;
    const int b = lastNonEmpty();
    for (int i = a; i <= b; ++i)
        if (counts_[i]) spread(binLower(i), binUpper(i), static_cast<double>(counts_[i]), lo, hi, out);
    return out;
}

std::vector<double> CalibrationHistogram::resampleMagnitude(double maxAbs, int bins) const
{
    std::vector<double> out(static_cast<size_t>(std::max(bins, 1)), 0.0);
    const int a = firstNonEmpty();
    if (a < 0) return out;
    const int b = lastNonEmpty();
    for (int i = a; i <= b; ++i) {
        if (!counts_[i]) continue;
        double lower = binLower(i), upper = binUpper(i);
        // 0 is always a bin edge, so a bin is wholly negative or wholly non-negative.
        if (upper <= 0) {
            const double t = lower;
            lower = -upper;
            upper = -t;
        }
        spread(lower, upper, static_cast<double>(counts_[i]), 0.0, maxAbs, out);
    }
    return out;
}

void CalibrationHistogram::clear()
{
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = 0;
    framed_ = false;
}

bool CalibrationHistogram::restore(int exponent, int64_t firstBin, std::vector<uint64_t> counts)
{
    if (counts.size() != counts_.size() || exponent < kMinExponent || exponent > kMaxExponent) return false;
    if (firstBin < -(int64_t{1} << 62) || firstBin > (int64_t{1} << 62)) return false;
    uint64_t total = 0;
    for (uint64_t c : counts) {
        if (total + c < total) return false;
        total += c;
    }
    counts_ = std::move(counts);
    exponent_ = exponent;
    first_ = firstBin;
    total_ = total;
    framed_ = total > 0;
    return true;
}

} // namespace rf
