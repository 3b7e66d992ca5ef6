#pragma once
// The calibration observer's hot loop: one pass over a tensor's values that bins them
// on an existing histogram grid while computing their min, max, sum, sum of squares
// and the number of non-finite values. AVX2 (chosen at run time); callers fall back
// to a separate min/max pass plus CalibrationHistogram::addFinite() when it is not
// available or when a value falls outside the grid's window.

#include <cstddef>
#include <cstdint>

namespace rf {

/// Summary of one pass over float values.
struct ValueScan {
    float min = 0.0f;
    float max = 0.0f;
    double sum = 0.0;
    double sumSquares = 0.0;
    /// NaN and infinities; when non-zero, min/max/sums are not meaningful.
    size_t nonFinite = 0;
};

/// True when binAndScan() can run on this CPU (AVX2).
bool fusedBinningAvailable();

/// Distance between the four sub-histograms in the scratch array (window plus padding).
size_t subHistogramStride(int32_t window);

/// Bins `count` values into four interleaved sub-histograms (sub[s * stride + bin],
/// stride = subHistogramStride(window),
/// value i goes to s = i % 4) with bin = floor(x * inverseWidth) - first, clamped to
/// [0, window - 1], and returns the scan of the values. The bins are exact when
/// inverseWidth is a power of two, the scaled values lie inside int32 and every value
/// is finite and inside the window — the caller checks the returned min/max and
/// nonFinite and discards the sub-histograms otherwise.
/// Precondition: fusedBinningAvailable().
ValueScan binAndScan(const float* values, size_t count, float inverseWidth, int32_t first, int32_t window,
                     uint32_t* sub);

/// The same with one counter array: counts[bin] += 1 for each value. For small
/// tensors, where merging four sub-histograms would cost more than the binning.
ValueScan binAndScanInto(const float* values, size_t count, float inverseWidth, int32_t first, int32_t window,
                         uint64_t* counts);
/// Takes back exactly what binAndScanInto() with the same arguments added (for values
/// that turned out to be outside the window or not finite).
void unbinInto(const float* values, size_t count, float inverseWidth, int32_t first, int32_t window, uint64_t* counts);

} // namespace rf
