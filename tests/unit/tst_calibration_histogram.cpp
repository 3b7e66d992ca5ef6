// The calibration histogram: every count is compared with a histogram computed
// directly from the values on the final grid (bin k = floor(v / 2^e), evaluated in
// double, where dividing by a power of two is exact), after the range grew several
// times, after merges, on the slow path (values far from zero) and for edge values.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "quant/histogram.h"

using namespace rf;

namespace {

/// Absolute grid index -> count, computed directly.
std::map<int64_t, uint64_t> directCounts(const std::vector<float>& values, int exponent)
{
    std::map<int64_t, uint64_t> counts;
    for (float v : values) ++counts[static_cast<int64_t>(std::floor(std::ldexp(static_cast<double>(v), -exponent)))];
    return counts;
}

/// The histogram's non-zero counts keyed by absolute grid index.
std::map<int64_t, uint64_t> histogramCounts(const CalibrationHistogram& h)
{
    std::map<int64_t, uint64_t> counts;
    for (int i = 0; i < h.binCount(); ++i)
        if (h.counts()[i]) counts[h.firstBin() + i] = h.counts()[i];
    return counts;
}

void addBatch(CalibrationHistogram& h, const std::vector<float>& batch)
{
    const auto [lo, hi] = std::minmax_element(batch.begin(), batch.end());
    h.addFinite(batch.data(), batch.size(), *lo, *hi);
}

/// The smallest exponent whose window holds [lo, hi] (brute force).
int minimalExponent(double lo, double hi, int bins)
{
    for (int e = CalibrationHistogram::kMinExponent; e <= CalibrationHistogram::kMaxExponent; ++e)
        if (std::floor(std::ldexp(hi, -e)) - std::floor(std::ldexp(lo, -e)) + 1 <= bins) return e;
    return CalibrationHistogram::kMaxExponent;
}

} // namespace

class TestCalibrationHistogram : public QObject {
    Q_OBJECT
private slots:
    void growingRangeIsExact()
    {
        std::mt19937 rng(7);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> all;
        CalibrationHistogram h;
        // Three batches, each widening the range (the window re-bins twice), with
        // ReLU-like runs of exact zeros and interleaving-sized batches (> 16384 values).
        const float scales[] = {0.05f, 2.0f, 30.0f};
        for (float scale : scales) {
            std::vector<float> batch(40000);
            for (size_t i = 0; i < batch.size(); ++i) batch[i] = (i % 5 == 0) ? 0.0f : normal(rng) * scale;
            addBatch(h, batch);
            all.insert(all.end(), batch.begin(), batch.end());
            // After every batch the counts equal a direct histogram on the current grid.
            QCOMPARE(histogramCounts(h), directCounts(all, h.exponent()));
        }
        QCOMPARE(h.total(), static_cast<uint64_t>(all.size()));
        const auto [lo, hi] = std::minmax_element(all.begin(), all.end());
        // The grid is the finest that holds the range, so >= 2048 bins span the data.
        QCOMPARE(h.exponent(), minimalExponent(*lo, *hi, h.binCount()));
        QVERIFY((*hi - *lo) / h.binWidth() >= 2047.0);
    }

    void smallBatchesAndEdgeValues()
    {
        // Values exactly on bin edges belong to the upper bin; negative edges too.
        CalibrationHistogram h(64);
        std::vector<float> all;
        const std::vector<std::vector<float>> batches = {
            {0.0f, 0.25f, -0.25f, 0.5f},
            {1.0f, -1.0f, 0.999f, -0.001f},
            {7.75f, -8.0f, 3.0f},
            {-0.0f, 1e-30f, -1e-30f},
        };
        for (const auto& batch : batches) {
            addBatch(h, batch);
            all.insert(all.end(), batch.begin(), batch.end());
            QCOMPARE(histogramCounts(h), directCounts(all, h.exponent()));
        }
        // [-8, 7.75] on 64 bins: width 0.25 gives floor(7.75/0.25) - floor(-8/0.25) + 1 = 31 + 32 + 1 = 64.
        QCOMPARE(h.binWidth(), 0.25);
        QCOMPARE(h.firstBin(), int64_t{-32});
        // Bin 0 = [0, 0.25): 0, -0 (floor(-0 * 4) = 0) and 1e-30; 0.25 starts bin 1.
        // Bin -1 = [-0.25, 0): -0.25 (on its lower edge), -0.001 and -1e-30.
        const auto counts = histogramCounts(h);
        QCOMPARE(counts.at(0), uint64_t{3});
        QCOMPARE(counts.at(1), uint64_t{1});
        QCOMPARE(counts.at(-1), uint64_t{3});
        QCOMPARE(counts.at(-32), uint64_t{1}); // -8 exactly: the window's first bin
        QCOMPARE(counts.at(31), uint64_t{1});  // 7.75: the last
    }

    void farFromZeroUsesExactSlowPath()
    {
        // Around 1e6 the scaled values exceed the int32 fast path.
        std::vector<float> values;
        for (int i = 0; i < 5000; ++i) values.push_back(1.0e6f + static_cast<float>(i % 997) * 0.0625f);
        CalibrationHistogram h;
        addBatch(h, values);
        QCOMPARE(histogramCounts(h), directCounts(values, h.exponent()));
        const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
        QCOMPARE(h.exponent(), minimalExponent(*lo, *hi, h.binCount()));
    }

    void mergeEqualsSequential()
    {
        std::mt19937 rng(11);
        std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
        std::vector<std::vector<float>> chunks(4);
        for (size_t c = 0; c < chunks.size(); ++c) {
            chunks[c].resize(3000 + 1000 * c);
            for (float& v : chunks[c]) v = uniform(rng) * std::pow(4.0f, static_cast<float>(c)) + 0.5f * c;
        }
        CalibrationHistogram sequential;
        CalibrationHistogram merged;
        std::vector<float> all;
        for (const auto& chunk : chunks) {
            addBatch(sequential, chunk);
            CalibrationHistogram part;
            addBatch(part, chunk);
            merged.merge(part);
            all.insert(all.end(), chunk.begin(), chunk.end());
        }
        QCOMPARE(merged.exponent(), sequential.exponent());
        QCOMPARE(histogramCounts(merged), histogramCounts(sequential));
        QCOMPARE(histogramCounts(merged), directCounts(all, merged.exponent()));
        QCOMPARE(merged.total(), static_cast<uint64_t>(all.size()));
        // Merging in the other order (coarse into fine) gives the same result.
        CalibrationHistogram reversed;
        for (size_t c = chunks.size(); c-- > 0;) {
            CalibrationHistogram part;
            addBatch(part, chunks[c]);
            reversed.merge(part);
        }
        QCOMPARE(histogramCounts(reversed), histogramCounts(sequential));
    }

    void fusedPassesMatchDirectHistogram_data()
    {
        QTest::addColumn<bool>("wide");
        QTest::newRow("widest kernel (AVX-512 where present)") << true;
        QTest::newRow("AVX2 kernel") << false;
    }

    void fusedPassesMatchDirectHistogram()
    {
        QFETCH(bool, wide);
        allowWideBinning(wide);
        const auto restore = qScopeGuard([] { allowWideBinning(true); });
        // addScanned() is the calibration fast path (AVX-512 or AVX2 where available,
        // the two-pass path otherwise). Every count must equal the direct histogram,
        // through: a large pass whose one bin receives far more than 65535 values (the
        // 16-bit sub-histograms must be folded before they overflow), exact zeros and
        // -0.0, values exactly on bin edges, lengths that are not a multiple of the
        // vector width, small passes (counted straight into the histogram), passes with
        // a value outside the window (rejected, then re-framed) and non-finite values
        // (nothing added).
        std::mt19937 rng(5);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        CalibrationHistogram h;
        std::vector<float> all;
        const auto scanned = [&](const std::vector<float>& batch) {
            const ValueScan scan = h.addScanned(batch.data(), batch.size());
            QCOMPARE(scan.nonFinite, size_t{0});
            all.insert(all.end(), batch.begin(), batch.end());
            const auto [lo, hi] = std::minmax_element(batch.begin(), batch.end());
            QCOMPARE(scan.min, *lo);
            QCOMPARE(scan.max, *hi);
            double sum = 0;
            for (float v : batch) sum += v;
            QVERIFY(std::fabs(scan.sum - sum) <= 1e-4 * batch.size());
            QCOMPARE(h.total(), static_cast<uint64_t>(all.size()));
            QCOMPARE(histogramCounts(h), directCounts(all, h.exponent()));
        };
        std::vector<float> first(1000);
        for (float& v : first) v = normal(rng);
        scanned(first); // frames the grid (two-pass path)
        const float width = static_cast<float>(h.binWidth());
        std::vector<float> large(700001);
        for (size_t i = 0; i < large.size(); ++i) {
            switch (i % 7) {
            case 0: large[i] = 0.0f; break;
            case 1: large[i] = -0.0f; break;
            case 2: large[i] = 0.5f; break; // one bin gets 100000 values
            case 3: large[i] = 0.5f; break; // ... and 100000 more
            case 4: large[i] = width * static_cast<float>(static_cast<int>(i % 200) - 100); break; // edges
            default: large[i] = std::clamp(normal(rng), -1.5f, 1.5f);
            }
        }
        scanned(large);
        std::vector<float> small(1001);
        for (size_t i = 0; i < small.size(); ++i) small[i] = i % 3 ? std::clamp(normal(rng), -1.5f, 1.5f) : 0.0f;
        scanned(small);
        // Outside the window: large and small passes are rejected and re-framed.
        std::vector<float> wider = large;
        wider[123457] = 40.0f;
        scanned(wider);
        std::vector<float> widerSmall = small;
        widerSmall[17] = -300.0f;
        scanned(widerSmall);
        // Exact zeros only, a tail of 1..15 values, a large run of one value.
        scanned(std::vector<float>(33, 0.0f));
        for (size_t n = 1; n < 16; ++n) scanned(std::vector<float>(n, 2.5f));
        scanned(std::vector<float>(300000, -7.0f));
        // Non-finite: nothing is added, the flag is raised, on both paths.
        for (size_t n : {size_t{100}, size_t{50000}}) {
            for (float bad : {NAN, INFINITY, -INFINITY}) {
                std::vector<float> batch(n, 1.0f);
                batch[n / 2] = bad;
                const uint64_t before = h.total();
                const std::map<int64_t, uint64_t> counts = histogramCounts(h);
                QVERIFY(h.addScanned(batch.data(), batch.size()).nonFinite != 0);
                QCOMPARE(h.total(), before);
                QCOMPARE(histogramCounts(h), counts);
                // The same as the first values of a fresh histogram (scan-only pass).
                CalibrationHistogram fresh;
                QVERIFY(fresh.addScanned(batch.data(), batch.size()).nonFinite != 0);
                QVERIFY(fresh.empty());
            }
        }
        // And the histogram keeps working after the rejected passes.
        scanned(large);
    }

    void wideBinsKeepTinyNegativesInTheirBin()
    {
        // Bins wider than 1 (ranges over 4096): a tiny negative value belongs to bin -1;
        // scaled in float it would underflow to -0 and land in bin 0.
        CalibrationHistogram h;
        const std::vector<float> values = {-1e-38f, -1e-45f, 5000.0f, 0.0f, 3.0f, -2.0f};
        addBatch(h, values);
        QVERIFY(h.exponent() > 0);
        std::vector<float> again(20000, -1e-40f);
        again[5] = 4000.0f;
        QCOMPARE(h.addScanned(again.data(), again.size()).nonFinite, size_t{0});
        std::vector<float> all = values;
        all.insert(all.end(), again.begin(), again.end());
        QCOMPARE(histogramCounts(h), directCounts(all, h.exponent()));
        QCOMPARE(histogramCounts(h).at(-1), uint64_t{3 + 19999});
    }

    void skipsNonFinite()
    {
        CalibrationHistogram h;
        const std::vector<float> values = {1.0f, NAN, INFINITY, -INFINITY, -2.0f};
        h.add(values);
        QCOMPARE(h.total(), uint64_t{2});
    }

    void quantileMatchesSortedData()
    {
        std::mt19937 rng(3);
        std::exponential_distribution<float> exponential(1.0f);
        std::vector<float> values(200000);
        for (float& v : values) v = exponential(rng) - 0.3f;
        CalibrationHistogram h;
        addBatch(h, values);
        std::vector<float> sorted = values;
        std::sort(sorted.begin(), sorted.end());
        for (double q : {0.0001, 0.01, 0.25, 0.5, 0.9, 0.999, 0.9999}) {
            const double expected = sorted[static_cast<size_t>(q * (sorted.size() - 1))];
            // The histogram's estimate is inside the bin holding the sorted value.
            QVERIFY2(std::fabs(h.quantile(q) - expected) <= h.binWidth(),
                     qPrintable(QString("q=%1: %2 vs %3 (bin %4)").arg(q).arg(h.quantile(q)).arg(expected).arg(h.binWidth())));
        }
    }

    void resampleConservesCounts()
    {
        CalibrationHistogram h(128);
        std::vector<float> values;
        for (int i = 0; i < 1000; ++i) values.push_back(-3.0f + 0.007f * i); // [-3, 3.993]
        addBatch(h, values);
        const std::vector<double> even = h.resample(-4.0, 4.0, 16);
        double total = 0;
        for (double c : even) total += c;
        QCOMPARE(total, 1000.0);
        // Cutting inside the data: the outside mass lands in the end bins.
        const std::vector<double> cut = h.resample(-1.0, 1.0, 4);
        total = 0;
        for (double c : cut) total += c;
        QVERIFY(std::fabs(total - 1000.0) < 1e-9);
        QVERIFY(cut.front() > 2.0 / 0.007 * 0.9); // the 286 values below -1 plus [-1, -0.5)
        // Magnitudes: the sum is kept and nothing lies beyond 3.993.
        const std::vector<double> magnitude = h.resampleMagnitude(4.0, 8);
        total = 0;
        for (double c : magnitude) total += c;
        QVERIFY(std::fabs(total - 1000.0) < 1e-9);
    }
};

QTEST_APPLESS_MAIN(TestCalibrationHistogram)
#include "tst_calibration_histogram.moc"
