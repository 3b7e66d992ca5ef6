#include "analysis/error_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rf {

void ErrorStats::add(std::span<const float> reference, std::span<const float> test)
{
    const size_t n = std::min(reference.size(), test.size());
    // Per-call partial sums in double keep the accumulation exact enough for
    // millions of elements while letting the compiler vectorise the loop.
    double r2 = 0.0, t2 = 0.0, rt = 0.0, e1 = 0.0, e2 = 0.0, emax = maxAbsErr;
    for (size_t i = 0; i < n; ++i) {
        const double r = reference[i];
        const double t = test[i];
        const double e = t - r;
        r2 += r * r;
        t2 += t * t;
        rt += r * t;
        e1 += e;
        e2 += e * e;
        emax = std::max(emax, std::abs(e));
    }
    count += static_cast<int64_t>(n);
    sumRef2 += r2;
    sumTest2 += t2;
    sumRefTest += rt;
    sumErr += e1;
    sumErr2 += e2;
    maxAbsErr = emax;
}

void ErrorStats::merge(const ErrorStats& other)
{
    count += other.count;
    sumRef2 += other.sumRef2;
    sumTest2 += other.sumTest2;
    sumRefTest += other.sumRefTest;
    sumErr += other.sumErr;
    sumErr2 += other.sumErr2;
    maxAbsErr = std::max(maxAbsErr, other.maxAbsErr);
}

double ErrorStats::mse() const { return count ? sumErr2 / static_cast<double>(count) : 0.0; }

double ErrorStats::meanError() const { return count ? sumErr / static_cast<double>(count) : 0.0; }

double ErrorStats::errorStd() const
{
    const double mean = meanError();
    // Rounding can make mse - mean^2 slightly negative when all errors are equal.
    return std::sqrt(std::max(0.0, mse() - mean * mean));
}

double ErrorStats::sqnrDb() const
{
    if (sumErr2 == 0.0) return std::numeric_limits<double>::infinity();
    if (sumRef2 == 0.0) return -std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(sumRef2 / sumErr2);
}

double ErrorStats::cosine() const
{
    if (sumRef2 == 0.0 && sumTest2 == 0.0) return 1.0;
    if (sumRef2 == 0.0 || sumTest2 == 0.0) return 0.0;
    return sumRefTest / std::sqrt(sumRef2 * sumTest2);
}

} // namespace rf
