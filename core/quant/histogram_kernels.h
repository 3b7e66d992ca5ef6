#pragma once
// The calibration observer's hot loop: one pass over a tensor's values that bins them
// on an existing histogram grid while computing their min, max, sum and sum of squares
// and detecting non-finite values. AVX-512 or AVX2, chosen at run time; callers fall
// back to a separate min/max pass plus CalibrationHistogram::addFinite() when neither
// is available or when a value falls outside the grid's window.
//
// Counting: exact zeros (half of a ReLU output) are only counted (one increment of the
// zero bin at the end); the bins of the other values are packed into a block buffer
// and counted into four interleaved 16-bit sub-histograms (value k of the block goes
// to sub-histogram k % 4), so runs of one bin do not wait on each other's stores and
// the four fit in the L1 cache. Before a 16-bit counter could overflow, the
// sub-histograms are folded into a 32-bit spill array; at the end of an accepted pass
// both are folded into the histogram's 64-bit counts over the occupied bins only.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rf {

/// Summary of one pass over float values.
struct ValueScan {
    float min = 0.0f;
    float max = 0.0f;
    double sum = 0.0;
    double sumSquares = 0.0;
    /// Non-zero when some value is NaN or infinite; then min/max/sums are not
    /// meaningful. The portable scan counts them; the fused kernels report only a flag
    /// (and may, conservatively, also raise it when a float partial sum of huge finite
    /// values overflows, which merely sends the tensor down the exact slow path).
    size_t nonFinite = 0;
};

/// True when binAndScan() can run on this CPU (AVX2; AVX-512 is used when present).
bool fusedBinningAvailable();
/// True when binAndScan() uses the AVX-512 kernel.
bool wideBinningAvailable();
/// Allows (default) or forbids the AVX-512 kernel, so tests can run the AVX2 kernel on
/// CPUs that have both. Not meant to be switched while other threads bin.
void allowWideBinning(bool allowed);

/// The scan alone (no binning), for a tensor's first values, before a grid exists:
/// min, max, sums and a non-finite flag. Precondition: fusedBinningAvailable().
ValueScan scanOnly(const float* values, size_t count);

/// Working memory of binAndScan(): four 16-bit sub-histograms and a 32-bit spill
/// array, all zero between calls. Reused across calls (one per thread).
class BinningScratch {
public:
    /// Sizes the arrays for a window of `window` bins (zero-filled when they grow).
    void reserve(int32_t window);
    /// Distance between two sub-histograms: not a multiple of 4 KiB apart, since the
    /// same bin of two sub-histograms would otherwise share the low 12 address bits
    /// and the CPU treats a load as possibly depending on an earlier store to such an
    /// address ("4K aliasing"), stalling runs of equal bins.
    static size_t stride(int32_t window) { return static_cast<size_t>(window) + 48; }

    uint16_t* sub() { return sub_.data(); }
    uint32_t* spill() { return spill_.data(); }

private:
    std::vector<uint16_t> sub_;
    std::vector<uint32_t> spill_;
};

/// Outcome of binAndScan().
struct BinningResult {
    ValueScan scan;
    /// True when the counts were added: every value is finite and its bin lies inside
    /// the window. False: `counts` is untouched (the caller re-frames the grid).
    bool accepted = false;
};

/// Bins `count` values (count < 2^31) with bin = floor(x * inverseWidth) - first into
/// `counts` (window bins) when all of them are finite and inside the window, and
/// returns the scan of the values either way. The bins are exact when inverseWidth is
/// a power of two (x * inverseWidth is then exact) and |first| < 2^30.
/// Values up to `directLimit` count straight into `counts` (no sub-histograms to fold,
/// which costs more than it saves for small tensors; a rejected pass is then taken
/// back exactly by a second identical pass).
/// Precondition: fusedBinningAvailable().
BinningResult binAndScan(const float* values, size_t count, float inverseWidth, int32_t first, int32_t window,
                         BinningScratch& scratch, uint64_t* counts, size_t directLimit = 8192);

} // namespace rf
