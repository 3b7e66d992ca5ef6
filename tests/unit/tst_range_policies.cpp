// Range policies and the converter's range -> (scale, zero point) arithmetic.
// Converter cases are derived by hand from the formulas quoted in tensor_range.h
// (float arithmetic spelled out in the comments); percentile is compared with sorted
// data, KL and MSE with brute-force searches written here from their definitions over
// the raw samples, EMA with the recurrence evaluated by hand.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>

#include "quant/calibration_observer.h"
#include "quant/range_policies.h"
#include "test_support.h"

using namespace rf;

namespace {

ActivationQuantParams params(float min, float max, DType storage, ConverterFlavor flavor = ConverterFlavor::Mlir)
{
    Result<ActivationQuantParams> result = converterQuantParams({min, max}, storage, flavor);
    if (!result.isOk()) qFatal("%s", result.message().c_str());
    return result.value();
}

TensorStatistics statisticsOf(const std::vector<float>& values, const std::string& name = "t")
{
    TensorStatistics stats;
    stats.name = name;
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    stats.min = *lo;
    stats.max = *hi;
    stats.count = values.size();
    stats.histogram.addFinite(values.data(), values.size(), *lo, *hi);
    stats.sampleMin.push_back(*lo);
    stats.sampleMax.push_back(*hi);
    return stats;
}

std::vector<float> laplace(size_t n, float scale, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::exponential_distribution<float> exponential(1.0f / scale);
    std::bernoulli_distribution sign(0.5);
    std::vector<float> values(n);
    for (float& v : values) v = sign(rng) ? exponential(rng) : -exponential(rng);
    return values;
}

/// KL divergence of TensorRT's candidate `kept` computed from its definition:
/// reference P = first `kept` bins, outliers folded into the last; candidate Q =
/// those bins merged into `levels` groups of kept / levels bins (group g holds bins
/// j with g * kept / levels <= j < (g + 1) * kept / levels), each group's total
/// spread uniformly over its non-empty bins.
double bruteForceKl(const std::vector<double>& bins, int kept, int levels)
{
    std::vector<double> p(bins.begin(), bins.begin() + kept);
    for (size_t j = kept; j < bins.size(); ++j) p[kept - 1] += bins[j];
    std::vector<double> q(kept, 0.0);
    for (int g = 0; g < levels; ++g) {
        double mass = 0;
        int nonEmpty = 0;
        for (int j = 0; j < kept; ++j) {
            // j belongs to g when g <= j * levels / kept < g + 1 (exact in integers).
            if (static_cast<long>(j) * levels / kept != g) continue;
            mass += bins[j];
            if (bins[j] > 0) ++nonEmpty;
        }
        for (int j = 0; j < kept; ++j)
            if (static_cast<long>(j) * levels / kept == g && bins[j] > 0) q[j] = mass / nonEmpty;
    }
    double sp = 0, sq = 0;
    for (int j = 0; j < kept; ++j) sp += p[j], sq += q[j];
    double kl = 0;
    for (int j = 0; j < kept; ++j) {
        if (p[j] <= 0) continue;
        if (q[j] <= 0) return INFINITY;
        kl += p[j] / sp * std::log((p[j] / sp) / (q[j] / sq));
    }
    return kl;
}

/// The true mean squared error of fake-quantizing `values` to `levels` levels on [lo, hi].
double fakeQuantMse(const std::vector<float>& values, double lo, double hi, int levels)
{
    const double step = (hi - lo) / (levels - 1);
    double sum = 0;
    for (float v : values) {
        const double k = std::clamp(std::round((v - lo) / step), 0.0, levels - 1.0);
        const double d = lo + k * step - v;
        sum += d * d;
    }
    return sum / values.size();
}

Graph smallGraph()
{
    Graph graph;
    graph.sourcePath = "small.tflite";
    const int32_t in = test::addTensor(graph, "input", DType::Float32, {1, 4});
    const int32_t a = test::addTensor(graph, "relu", DType::Float32, {1, 4});
    const int32_t w = test::addConstant<float>(graph, "weights", DType::Float32, {1}, {2.0f});
    const int32_t b = test::addTensor(graph, "mul", DType::Float32, {1, 4});
    test::addOp(graph, OpType::Relu, {in}, {a});
    test::addOp(graph, OpType::Mul, {a, w}, {b});
    graph.inputs = {in};
    graph.outputs = {b};
    return graph;
}

} // namespace

class TestRangePolicies : public QObject {
    Q_OBJECT
private slots:
    void converterInt8MatchesHandComputation()
    {
        // [-1, 3]: scale = (3f - (-1f)) / 255f = 4 / 255 = 0.0156862745 -> float 0.015686275.
        // zero point from min = -128 - (-1) / 0.015686275 = -128 + 63.749998 = -64.250002 -> -64.
        ActivationQuantParams p = params(-1.0f, 3.0f, DType::Int8);
        QCOMPARE(p.scale, 0.015686275f);
        QCOMPARE(p.zeroPoint, -64);
        QCOMPARE(p.qmin, -128);
        QCOMPARE(p.qmax, 127);
        // [2, 6] does not contain 0: widened to [0, 6]; scale 6 / 255 = 0.023529412, zero point -128.
        p = params(2.0f, 6.0f, DType::Int8);
        QCOMPARE(p.rmin, 0.0);
        QCOMPARE(p.scale, 0.023529412f);
        QCOMPARE(p.zeroPoint, -128);
        // [-5, -1] -> [-5, 0]: scale 5 / 255 = 0.019607844 (float rounds up), -128 + 5 / 0.019607844
        // = -128 + 254.99999 = 126.99999 -> 127.
        p = params(-5.0f, -1.0f, DType::Int8);
        QCOMPARE(p.scale, 0.019607844f);
        QCOMPARE(p.zeroPoint, 127);
        // [-0.5, 10]: scale 10.5 / 255 = 0.04117647; -128 + 0.5 / 0.04117647 = -128 + 12.142858
        // = -115.857142 -> -116.
        p = params(-0.5f, 10.0f, DType::Int8);
        QCOMPARE(p.scale, 0.04117647f);
        QCOMPARE(p.zeroPoint, -116);
        // Symmetric [-2.5, 2.5]: scale 5 / 255 -> 0.019607844 (just above 1/51), so
        // 2.5 / scale = 127.4999954 and -128 + 127.4999954 = -0.5000046 -> round -> -1.
        p = params(-2.5f, 2.5f, DType::Int8);
        QCOMPARE(p.zeroPoint, -1);
    }

    void converterTinyRanges()
    {
        // [0, 0]: width 0 < 1e-6, widened to [-1e-6, 1e-6] (TensorRangeSanityCheck).
        // scale = (float(1e-6) + float(1e-6)) / 255 = 7.843137e-09; zero point from min
        // = -128 + 1e-6 / 7.843137e-09 = -128 + 127.50001 = -0.49999 -> 0.
        ActivationQuantParams p = params(0.0f, 0.0f, DType::Int8);
        QCOMPARE(p.rmin, -1e-6);
        QCOMPARE(p.rmax, 1e-6);
        QCOMPARE(p.scale, 7.843137e-09f);
        QCOMPARE(p.zeroPoint, 0);
        // [5e-7, 5e-7] -> [0, 5e-7] (width 5e-7 < 1e-6) -> [-1e-6, 1.5e-6]: scale 2.5e-6 / 255
        // = 9.803921e-09; -128 + 1e-6 / 9.803921e-09 = -128 + 102.0 = -26.
        p = params(5e-7f, 5e-7f, DType::Int8);
        QCOMPARE(p.scale, 9.803921e-09f);
        QCOMPARE(p.zeroPoint, -26);
        // A width of exactly 1e-6 is not widened (the check is strict <).
        p = params(0.0f, 2e-6f, DType::Int8);
        QCOMPARE(p.rmin, 0.0);
    }

    void converterUint8Int16AndToco()
    {
        // uint8 [-1, 3]: same scale, zero point 0 + 63.749998 -> 64.
        ActivationQuantParams p = params(-1.0f, 3.0f, DType::UInt8);
        QCOMPARE(p.scale, 0.015686275f);
        QCOMPARE(p.zeroPoint, 64);
        // int16 (old quantizer, symmetric): scale = max(|-3|, |2|) / 32767 = 9.155553e-05, zero point 0.
        p = params(-3.0f, 2.0f, DType::Int16);
        QCOMPARE(p.scale, 9.155553e-05f);
        QCOMPARE(p.zeroPoint, 0);
        QCOMPARE(p.qmin, -32768);
        // TOCO uint8 in double: [-2.5, 2.5]: scale 5 / 255, zero point from min 0 + 2.5 / (5 / 255)
        // = 127.5 (error 127.5 < 255 + 127.5, so the min side) -> round half away -> 128.
        p = params(-2.5f, 2.5f, DType::UInt8, ConverterFlavor::Toco);
        QCOMPARE(p.scale, 0.019607844f);
        QCOMPARE(p.zeroPoint, 128);
        // [-0.5, 10]: 0.5 / (10.5 / 255) = 12.142857 -> 12.
        p = params(-0.5f, 10.0f, DType::UInt8, ConverterFlavor::Toco);
        QCOMPARE(p.zeroPoint, 12);
        // TOCO with a [0, 0] range uses [0, 1] (its rule for all-zero constants): 1 / 255, zero point 0.
        p = params(0.0f, 0.0f, DType::UInt8, ConverterFlavor::Toco);
        QCOMPARE(p.scale, 1.0f / 255.0f);
        QCOMPARE(p.zeroPoint, 0);
    }

    void converterErrors()
    {
        QCOMPARE(converterQuantParams({1.0f, -1.0f}, DType::Int8).message(),
                 std::string("range [1.000000, -1.000000] has min > max"));
        QCOMPARE(converterQuantParams({-INFINITY, 1.0f}, DType::Int8).message(),
                 std::string("range [-inf, 1.000000] is not finite; it cannot be quantized"));
        QCOMPARE(converterQuantParams({-1.0f, 1.0f}, DType::Float32).message(),
                 std::string("activations cannot be quantized to float32 (int8, uint8 or int16 only)"));
    }

    void minMaxIsTheGlobalRange()
    {
        TensorStatistics stats = statisticsOf({-0.75f, 0.5f, 3.25f});
        RangePolicy policy;
        Result<TensorRange> range = chooseRange(stats, policy);
        QVERIFY(range.isOk());
        QCOMPARE(range.value().min, -0.75f);
        QCOMPARE(range.value().max, 3.25f);
        QCOMPARE(range.value().origin, RangeOrigin::Calibrated);
    }

    void movingAverageFollowsTheRecurrence()
    {
        // decay 0.9 (1 - decay = 0.1); sample mins -1, -3, 0.5 (clamped to 0), maxs 4, 2, 6.
        const std::vector<float> mins = {-1.0f, -3.0f, 0.5f}, maxs = {4.0f, 2.0f, 6.0f};
        // From the first sample: min -1 -> -1 - (-1 + 3) * 0.1 = -1.2 -> -1.2 - (-1.2 - 0) * 0.1 = -1.08;
        // max 4 -> 4 - (4 - 2) * 0.1 = 3.8 -> 3.8 - (3.8 - 6) * 0.1 = 4.02.
        TensorRange r = movingAverageRange(mins, maxs, 0.9, true);
        QVERIFY(std::fabs(r.min - (-1.08f)) < 1e-6f);
        QVERIFY(std::fabs(r.max - 4.02f) < 1e-6f);
        // From QAT's init -6 / 6: min -5.5, -5.25, -4.725; max 5.8, 5.42, 5.478.
        r = movingAverageRange(mins, maxs, 0.9, false);
        QVERIFY(std::fabs(r.min - (-4.725f)) < 1e-6f);
        QVERIFY(std::fabs(r.max - 5.478f) < 1e-6f);
        // The default decay 0.999 over one sample is the sample itself.
        r = movingAverageRange(std::vector<float>{-2.0f}, std::vector<float>{7.0f}, 0.999, true);
        QCOMPARE(r.min, -2.0f);
        QCOMPARE(r.max, 7.0f);
    }

    void percentileMatchesSortedData()
    {
        const std::vector<float> values = laplace(200000, 1.0f, 5);
        TensorStatistics stats = statisticsOf(values);
        std::vector<float> sorted = values;
        std::sort(sorted.begin(), sorted.end());
        for (double percentile : {99.0, 99.9, 99.99}) {
            RangePolicy policy;
            policy.method = RangeMethod::Percentile;
            policy.percentile = percentile;
            Result<TensorRange> range = chooseRange(stats, policy);
            QVERIFY(range.isOk());
            // The value below which a share 1 - q (q) of the data lies: between the
            // neighbouring order statistics of the sorted data, give or take one bin.
            const double q = percentile / 100.0;
            const size_t n = sorted.size();
            const size_t kLo = static_cast<size_t>(std::floor((1.0 - q) * n));
            const size_t kHi = static_cast<size_t>(std::floor(q * n));
            const double w = stats.histogram.binWidth();
            const double lo = range.value().min, hi = range.value().max;
            QVERIFY2(lo >= sorted[kLo > 0 ? kLo - 1 : 0] - w && lo <= sorted[std::min(n - 1, kLo + 1)] + w,
                     qPrintable(QString("%1: min %2 vs sorted[%3] = %4").arg(percentile).arg(lo).arg(kLo).arg(sorted[kLo])));
            QVERIFY2(hi >= sorted[kHi - 1] - w && hi <= sorted[std::min(n - 1, kHi + 1)] + w,
                     qPrintable(QString("%1: max %2 vs sorted[%3] = %4").arg(percentile).arg(hi).arg(kHi).arg(sorted[kHi])));
        }
        // 100 % is exactly the global range.
        RangePolicy all;
        all.method = RangeMethod::Percentile;
        all.percentile = 100.0;
        QCOMPARE(chooseRange(stats, all).value().min, sorted.front());
        QCOMPARE(chooseRange(stats, all).value().max, sorted.back());
    }

    void klMatchesBruteForce()
    {
        // Data in [-64, 64) with one value at exactly -64: the histogram's grid is then
        // 2^-5 = 64 / 2048, the width of TensorRT's reference bins, and 0 is a bin edge, so
        // the |x| bins the policy folds from the histogram are exactly the bins built here
        // from the samples. A Laplace body (b = 2) plus 40 outliers between 30 and 60.
        std::vector<float> values = laplace(300000, 2.0f, 9);
        for (float& v : values) v = std::clamp(v, -63.0f, 63.0f);
        for (int i = 0; i < 40; ++i) values.push_back(30.0f + 0.75f * i);
        values.push_back(-64.0f);
        TensorStatistics stats = statisticsOf(values);
        QCOMPARE(stats.histogram.binWidth(), 1.0 / 32);
        std::vector<double> bins(2048, 0.0);
        for (float v : values) bins[std::min<size_t>(2047, static_cast<size_t>(std::fabs(v) * 32))] += 1;
        int bestKept = 0;
        double best = INFINITY;
        for (int kept = 128; kept <= 2048; ++kept) {
            const double kl = bruteForceKl(bins, kept, 128);
            if (kl <= best) best = kl, bestKept = kept;
        }
        RangePolicy policy;
        policy.method = RangeMethod::KlDivergence;
        Result<TensorRange> range = chooseRange(stats, policy);
        QVERIFY(range.isOk());
        // Threshold = kept bins * 64 / 2048, identical to the brute-force search.
        QCOMPARE(range.value().max, static_cast<float>(bestKept / 32.0));
        QCOMPARE(range.value().min, static_cast<float>(-bestKept / 32.0));
        QVERIFY(range.value().max < 30.0f); // the outliers are clipped
        QVERIFY(range.value().max > 8.0f);  // the body (b = 2) is kept
        for (int kept : {128, 500, 2048})
            QVERIFY(std::fabs(klDivergenceForThreshold(bins, kept, 128) - bruteForceKl(bins, kept, 128)) < 1e-9);

        // Uniform data has nothing to clip: the threshold stays at the maximum.
        std::vector<float> uniform(100000);
        for (size_t i = 0; i < uniform.size(); ++i) uniform[i] = static_cast<float>(i) / uniform.size();
        Result<TensorRange> full = chooseRange(statisticsOf(uniform), policy);
        QVERIFY(full.value().max > 0.99f * uniform.back());
        QCOMPARE(full.value().min, 0.0f);
    }

    void mseMatchesBruteForce()
    {
        // A ReLU output (Laplace body, b = 0.5, floored at 0): only the upper end can be
        // clipped, so a brute force over every candidate upper end is exhaustive.
        std::vector<float> values = laplace(100000, 0.5f, 21);
        for (float& v : values) v = std::max(v, 0.0f);
        TensorStatistics stats = statisticsOf(values);
        for (int levels : {256, 16}) {
            RangePolicy policy;
            policy.method = RangeMethod::Mse;
            policy.mseSteps = 200;
            policy.mseLevels = levels;
            Result<TensorRange> range = chooseRange(stats, policy);
            QVERIFY(range.isOk());
            QCOMPARE(range.value().min, 0.0f);
            // Brute force over the same candidates [0, s * max], s = k / 200, with the real
            // fake-quantization error of every sample.
            double best = INFINITY;
            for (int k = 1; k <= 200; ++k) best = std::min(best, fakeQuantMse(values, 0.0, k / 200.0 * stats.max, levels));
            const double ours = fakeQuantMse(values, range.value().min, range.value().max, levels);
            QVERIFY2(ours <= best * 1.03,
                     qPrintable(QString("%1 levels: MSE %2 vs brute-force best %3").arg(levels).arg(ours).arg(best)));
            const double noClip = fakeQuantMse(values, 0.0, stats.max, levels);
            // Clipping the tail pays a little at 8 bits and a lot at 4 bits.
            QVERIFY2(ours < (levels == 16 ? 0.6 : 1.0) * noClip,
                     qPrintable(QString("%1 levels: %2 vs no clipping %3").arg(levels).arg(ours).arg(noClip)));
        }

        // Two-sided, asymmetric: never worse than not clipping.
        std::vector<float> twoSided = laplace(100000, 0.5f, 22);
        for (float& v : twoSided) v = std::max(v, -0.5f);
        TensorStatistics asymmetric = statisticsOf(twoSided);
        RangePolicy policy;
        policy.method = RangeMethod::Mse;
        Result<TensorRange> range = chooseRange(asymmetric, policy);
        QVERIFY(fakeQuantMse(twoSided, range.value().min, range.value().max, 256) <=
                fakeQuantMse(twoSided, asymmetric.min, asymmetric.max, 256) * 1.001);

        // Uniform data: no tail to cut; at most a sliver at the ends is clipped (a tiny
        // clip buys a slightly finer step), and the error is not above the full range's.
        std::vector<float> uniform(50000);
        for (size_t i = 0; i < uniform.size(); ++i) uniform[i] = -1.0f + 2.0f * static_cast<float>(i) / uniform.size();
        TensorStatistics flat = statisticsOf(uniform);
        Result<TensorRange> full = chooseRange(flat, policy);
        QVERIFY2(full.value().min <= -0.99f && full.value().max >= 0.99f * flat.max,
                 qPrintable(QString("[%1, %2]").arg(full.value().min).arg(full.value().max)));
        QVERIFY(fakeQuantMse(uniform, full.value().min, full.value().max, 256) <=
                fakeQuantMse(uniform, flat.min, flat.max, 256));
        // For evenly spread values the error is step^2 / 12 (within a few per cent).
        const double step = (flat.max - flat.min) / 255.0;
        const double modelled = expectedQuantizationMse(flat.histogram, flat.min, flat.max, 256);
        QVERIFY2(std::fabs(modelled - step * step / 12) < 0.05 * step * step / 12,
                 qPrintable(QString("%1 vs %2").arg(modelled).arg(step * step / 12)));
    }

    void chooseRangesPrecedenceAndWarnings()
    {
        const Graph graph = smallGraph();
        CalibrationStatistics stats;
        stats.modelName = "small.tflite";
        stats.tensors.push_back(statisticsOf({-1.0f, 2.0f}, "input"));
        stats.tensors.push_back(statisticsOf({0.0f, 2.0f}, "relu"));
        RangePolicy policy;
        policy.defaultRange = TensorRange{0.0f, 6.0f, RangeOrigin::DefaultRanges};
        RangeOverrides overrides{{"relu", TensorRange{0.0f, 1.5f}}};
        std::vector<std::string> warnings;
        Result<RangeTable> table = chooseRanges(stats, graph, policy, overrides, &warnings);
        QVERIFY2(table.isOk(), table.message().c_str());
        QCOMPARE(table.value().size(), size_t{3}); // input, relu, mul; not the constant
        QCOMPARE(table.value().at("input").origin, RangeOrigin::Calibrated);
        QCOMPARE(table.value().at("input").min, -1.0f);
        QCOMPARE(table.value().at("relu").origin, RangeOrigin::Override);
        QCOMPARE(table.value().at("relu").max, 1.5f);
        QCOMPARE(table.value().at("mul").origin, RangeOrigin::DefaultRanges);
        QCOMPARE(table.value().at("mul").max, 6.0f);
        QCOMPARE(warnings.size(), size_t{1});
        QCOMPARE(warnings[0], std::string("small.tflite: default ranges [0, 6] used for 1 tensor(s) without statistics "
                                          "(tensor #3 'mul'): default ranges are for experiments; calibrate with "
                                          "representative inputs for real use"));
    }

    void chooseRangesErrors()
    {
        const Graph graph = smallGraph();
        CalibrationStatistics stats;
        stats.tensors.push_back(statisticsOf({-1.0f, 2.0f}, "input"));
        RangePolicy policy;
        Result<RangeTable> missing = chooseRanges(stats, graph, policy);
        QCOMPARE(missing.message(),
                 std::string("small.tflite: 2 activation tensor(s) have no range: tensor #1 'relu', tensor #3 'mul'. "
                             "Calibrate with representative inputs, give ranges per tensor, or set "
                             "default_ranges_min/max (for experiments only)"));
        Result<RangeTable> unknown = chooseRanges(stats, graph, policy, {{"weights", {0, 1}}, {"nope", {0, 1}}});
        QCOMPARE(unknown.message(), std::string("small.tflite: range overrides name tensors that are not float "
                                                "activations of the model: 'nope', 'weights'"));
        CalibrationStatistics other;
        other.modelName = "other.tflite";
        other.tensors.push_back(statisticsOf({1.0f}, "conv9"));
        QCOMPARE(chooseRanges(other, graph, policy).message(),
                 std::string("small.tflite: calibration statistics (other.tflite) name tensor 'conv9', which is not a "
                             "float activation of this model (statistics of another model?)"));
        policy.method = RangeMethod::Percentile;
        policy.percentile = 30;
        QCOMPARE(chooseRanges(stats, graph, policy).message(),
                 std::string("small.tflite: range policy: percentile must be in (50, 100], got 30.000000"));
        QCOMPARE(rangeMethodFromName("entropy"), std::optional<RangeMethod>(RangeMethod::KlDivergence));
        QCOMPARE(std::string(rangeMethodName(RangeMethod::MovingAverage)), std::string("moving_average"));
    }
};

QTEST_APPLESS_MAIN(TestRangePolicies)
#include "tst_range_policies.moc"
