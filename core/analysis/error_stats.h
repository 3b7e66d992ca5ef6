#pragma once
// Sufficient statistics of the difference between a reference (float) tensor and a
// test (dequantized) tensor, from which every error metric follows. Mergeable, so
// they can be accumulated per image and summed over images or worker threads.

#include <cstdint>
#include <span>

namespace rf {

/// Sums over element pairs (r = reference, t = test, e = t - r).
struct ErrorStats {
    int64_t count = 0;
    double sumRef2 = 0.0;   ///< sum r^2 (signal power)
    double sumTest2 = 0.0;  ///< sum t^2
    double sumRefTest = 0.0;///< sum r*t
    double sumErr = 0.0;    ///< sum e
    double sumErr2 = 0.0;   ///< sum e^2
    double maxAbsErr = 0.0; ///< max |e|

    /// Adds element pairs; the spans must have the same size.
    void add(std::span<const float> reference, std::span<const float> test);
    /// Adds another set of statistics (disjoint elements).
    void merge(const ErrorStats& other);

    /// Mean squared error sum(e^2)/n (0 when empty).
    double mse() const;
    /// Mean error sum(e)/n: the bias of the test values.
    double meanError() const;
    /// Standard deviation of e (population): sqrt(mse - mean^2).
    double errorStd() const;
    /// Signal-to-quantization-noise ratio 10*log10(sum r^2 / sum e^2) in dB;
    /// +infinity when the error is zero, -infinity when the signal is zero and the error is not.
    double sqnrDb() const;
    /// Cosine similarity sum(r*t) / sqrt(sum r^2 * sum t^2); 1 when both are all zero, 0 when one is.
    double cosine() const;
};

} // namespace rf
