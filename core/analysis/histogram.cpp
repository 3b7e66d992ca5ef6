#include "analysis/histogram.h"

#include <algorithm>
#include <cmath>

namespace rf {

HistogramBuilder::HistogramBuilder(size_t bins, double initialLo, double initialHi)
{
    bins = std::max<size_t>(2, bins + (bins % 2));
    if (!(initialHi > initialLo) || !std::isfinite(initialLo) || !std::isfinite(initialHi)) {
        initialLo = std::isfinite(initialLo) ? initialLo : 0.0;
        initialHi = initialLo + 1.0;
    }
    histogram_.lo = initialLo;
    histogram_.hi = initialHi;
    histogram_.counts.assign(bins, 0);
}

void HistogramBuilder::growToInclude(double value)
{
    Histogram& h = histogram_;
    const size_t n = h.counts.size();
    while (value < h.lo || value >= h.hi) {
        const double span = h.hi - h.lo;
        std::vector<int64_t> merged(n, 0);
        // Doubling the span merges bin pairs: the bin count stays fixed and the new
        // bins are unions of old ones, so no count is ever split.
        if (value >= h.hi) {
            for (size_t i = 0; i < n / 2; ++i) merged[i] = h.counts[2 * i] + h.counts[2 * i + 1];
            h.hi = h.lo + 2.0 * span;
        } else {
            for (size_t i = 0; i < n / 2; ++i) merged[n / 2 + i] = h.counts[2 * i] + h.counts[2 * i + 1];
            h.lo = h.hi - 2.0 * span;
        }
        h.counts = std::move(merged);
    }
}

void HistogramBuilder::add(double value)
{
    if (!std::isfinite(value)) return;
    Histogram& h = histogram_;
    if (value < h.lo || value >= h.hi) growToInclude(value);
    const double width = h.binWidth();
    auto bin = static_cast<size_t>((value - h.lo) / width);
    bin = std::min(bin, h.counts.size() - 1);
    ++h.counts[bin];
    if (h.total == 0) {
        h.minSeen = h.maxSeen = value;
    } else {
        h.minSeen = std::min(h.minSeen, value);
        h.maxSeen = std::max(h.maxSeen, value);
    }
    ++h.total;
}

void HistogramBuilder::add(std::span<const float> values)
{
    if (values.empty()) return;
    // Grow once for the extremes, then bin without range checks.
    float lo = values[0], hi = values[0];
    for (float v : values) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (!std::isfinite(lo) || !std::isfinite(hi)) {
        for (float v : values) add(static_cast<double>(v));
        return;
    }
    add(values, lo, hi);
}

void HistogramBuilder::add(std::span<const float> values, float lo, float hi)
{
    if (values.empty()) return;
    Histogram& h = histogram_;
    growToInclude(lo);
    growToInclude(hi);
    const double inv = 1.0 / h.binWidth();
    const size_t last = h.counts.size() - 1;
    for (float v : values) {
        // NaN compares false and lands in bin 0 instead of an undefined conversion.
        const double x = (static_cast<double>(v) - h.lo) * inv;
        const auto bin = x >= 0.0 ? static_cast<size_t>(x) : size_t{0};
        ++h.counts[std::min(bin, last)];
    }
    if (h.total == 0) {
        h.minSeen = lo;
        h.maxSeen = hi;
    } else {
        h.minSeen = std::min<double>(h.minSeen, lo);
        h.maxSeen = std::max<double>(h.maxSeen, hi);
    }
    h.total += static_cast<int64_t>(values.size());
}

void HistogramBuilder::merge(const Histogram& other)
{
    if (other.total == 0) return;
    Histogram& h = histogram_;
    growToInclude(other.minSeen);
    growToInclude(other.maxSeen);
    const bool sameLayout = other.lo == h.lo && other.hi == h.hi && other.counts.size() == h.counts.size();
    for (size_t i = 0; i < other.counts.size(); ++i) {
        if (other.counts[i] == 0) continue;
        size_t bin = i;
        if (!sameLayout) {
            const double centre = std::clamp(other.binCenter(i), other.minSeen, other.maxSeen);
            bin = std::min(static_cast<size_t>((centre - h.lo) / h.binWidth()), h.counts.size() - 1);
        }
        h.counts[bin] += other.counts[i];
    }
    h.minSeen = h.total ? std::min(h.minSeen, other.minSeen) : other.minSeen;
    h.maxSeen = h.total ? std::max(h.maxSeen, other.maxSeen) : other.maxSeen;
    h.total += other.total;
}

} // namespace rf
