#pragma once
// A fine, exactly re-binnable histogram of float activation values, the statistic
// from which percentile, KL-divergence and MSE ranges are chosen after calibration
// (and which the analysis report and the GUI plot).
//
// Grid: bins have width 2^exponent and sit on a grid anchored at 0, so bin k (an
// absolute grid index) covers [k * 2^e, (k + 1) * 2^e). The histogram keeps a window
// of binCount() consecutive grid bins starting at firstBin(). Because the width is a
// power of two, x * 2^-e is computed exactly in float and the bin index floor(x * 2^-e)
// is exact: every value lands in the bin a direct computation in real arithmetic would
// give. When the range grows, the width doubles (pairs of bins merge: bin k goes to
// floor(k / 2)) and the window slides; because the grid stays anchored at 0, the result
// is identical, count for count, to a histogram computed directly from all values on
// the final grid. Re-binning loses no sample and adds no approximation.
//
// Resolution: the exponent is always the smallest one whose window covers the observed
// [min, max], so with the default 4096-bin window at least 2048 bins of width
// (max - min) / 2048 or finer lie across the observed range.

#include <cstdint>
#include <span>
#include <vector>

#include "quant/histogram_kernels.h"

namespace rf {

class CalibrationHistogram {
public:
    /// The default window: 4096 bins, so at least 2048 fall inside the observed range.
    static constexpr int kDefaultBinCount = 4096;
    /// Exponent bounds: bins never get finer than 2^-100 nor coarser than 2^127.
    static constexpr int kMinExponent = -100;
    static constexpr int kMaxExponent = 127;

    explicit CalibrationHistogram(int binCount = kDefaultBinCount);

    /// Adds finite values whose minimum and maximum the caller already knows (the
    /// calibration observer computes them in its first pass). Values outside
    /// [min, max] or non-finite are a precondition violation.
    void addFinite(const float* values, size_t count, float min, float max);
    /// The calibration fast path: when the values all lie inside the current window,
    /// bins them and computes their scan in a single pass (histogram_kernels.h);
    /// otherwise scans first and calls addFinite(). Returns the scan; when it reports
    /// non-finite values (nonFinite != 0, possibly only a flag) nothing was added and
    /// the caller must use add() instead.
    ValueScan addScanned(const float* values, size_t count);
    /// Adds values, skipping NaN and infinities (counted by the caller if wanted).
    void add(std::span<const float> values);
    /// Adds `weight` occurrences of one finite value.
    void addValue(float value, uint64_t weight = 1);
    /// Adds another histogram's counts; exact (both grids are anchored at 0, so the
    /// finer one's bins nest inside the coarser one's).
    void merge(const CalibrationHistogram& other);
    /// Removes all counts (the window size stays).
    void clear();

    /// True when nothing has been added.
    bool empty() const { return total_ == 0; }
    int binCount() const { return static_cast<int>(counts_.size()); }
    /// Bin width is 2^exponent().
    int exponent() const { return exponent_; }
    double binWidth() const;
    /// Absolute grid index of counts()[0].
    int64_t firstBin() const { return first_; }
    std::span<const uint64_t> counts() const { return counts_; }
    /// Sum of all counts.
    uint64_t total() const { return total_; }
    /// Lower and upper edge of window bin i (0 <= i < binCount()).
    double binLower(int i) const;
    double binUpper(int i) const;
    /// Window indices of the first and last non-empty bin (-1 when empty).
    int firstNonEmpty() const;
    int lastNonEmpty() const;

    /// The value below which a fraction q (0..1) of the counts lie, interpolating
    /// linearly inside the bin (values assumed uniform within a bin); error at most
    /// one bin width. q = 0 gives the lower edge of the first non-empty bin.
    double quantile(double q) const;
    /// Counts re-expressed on `bins` equal bins over [lo, hi] (for plots and the KL
    /// search): each source bin's count is spread over the target bins in proportion
    /// to overlap; counts outside [lo, hi] go to the end bins.
    std::vector<double> resample(double lo, double hi, int bins) const;
    /// Counts of |x| on `bins` equal bins over [0, maxAbs], negative bins folded onto
    /// positive ones (same proportional spreading as resample()).
    std::vector<double> resampleMagnitude(double maxAbs, int bins) const;

    /// Rebuilds from stored parts (deserialisation); returns false if inconsistent.
    bool restore(int exponent, int64_t firstBin, std::vector<uint64_t> counts);

private:
    /// Makes the window cover [lo, hi] on the finest grid possible (>= current).
    void cover(double lo, double hi);
    /// Moves the counts to grid `exponent` with window start `first`.
    void reframe(int exponent, int64_t first);
    static int64_t gridIndex(double value, int exponent);
    /// Exact binning in double (any grid).
    void addSlow(const float* values, size_t count);
    /// Binning without the fused kernels (CPUs without AVX2).
    void addPortable(const float* values, size_t count, float min, float max);
    /// True when the fused kernels bin exactly on the current grid.
    bool fusedGridUsable() const;
    /// Most values one fused pass takes (its 32-bit spill counters must not overflow).
    static constexpr size_t kMaxFusedCount = size_t{1} << 30;

    std::vector<uint64_t> counts_;
    int exponent_ = kMinExponent;
    int64_t first_ = 0;
    uint64_t total_ = 0;
    bool framed_ = false;
};

} // namespace rf
