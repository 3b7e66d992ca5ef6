#pragma once
// Histograms ready for plotting: fixed-count bins whose range grows (by merging
// bin pairs) as values arrive, so one pass over the images suffices.

#include <cstdint>
#include <span>
#include <vector>

namespace rf {

/// `counts.size()` bins of equal width covering [lo, hi).
struct Histogram {
    double lo = 0.0;
    double hi = 0.0;
    std::vector<int64_t> counts;
    /// Smallest and largest values added (exact, not binned).
    double minSeen = 0.0;
    double maxSeen = 0.0;
    int64_t total = 0;

    double binWidth() const { return counts.empty() ? 0.0 : (hi - lo) / static_cast<double>(counts.size()); }
    double binCenter(size_t i) const { return lo + (static_cast<double>(i) + 0.5) * binWidth(); }
};

/// Builds a Histogram over values whose extent is not known in advance. Starts
/// with [initialLo, initialHi) and doubles its span (merging adjacent bins, so the
/// bin count stays fixed and bins stay aligned) whenever a value falls outside.
class HistogramBuilder {
public:
    /// `bins` must be even and >= 2; initialHi > initialLo.
    HistogramBuilder(size_t bins, double initialLo, double initialHi);
    void add(std::span<const float> values);
    /// The same when the caller already knows the smallest and largest value (saves a
    /// pass over large tensors). Precondition: knownMin/knownMax are those extremes, finite.
    void add(std::span<const float> values, float knownMin, float knownMax);
    void add(double value);
    /// Merges another builder's histogram (re-binning its bin centres when layouts differ).
    void merge(const Histogram& other);
    const Histogram& histogram() const { return histogram_; }

private:
    void growToInclude(double value);
    Histogram histogram_;
};

} // namespace rf
