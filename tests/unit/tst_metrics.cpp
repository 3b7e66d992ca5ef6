// Error metrics, quantization grids, histograms and the analyzer on hand data whose
// results are derived by hand (closed form), not by re-running the same code.
#include <QtTest>

#include <cmath>

#include "analysis/analyzer.h"
#include "analysis/error_stats.h"
#include "analysis/histogram.h"
#include "analysis/quant_grid.h"
#include "analysis/range_what_if.h"
#include "test_support.h"

using namespace rf;

namespace {

QuantParams quant(float scale, int64_t zeroPoint) { return QuantParams{{scale}, {zeroPoint}, 0}; }

/// Float: x -> RELU -> y. Quantized: x -> QUANTIZE(int8, s=1/8, zp=0) -> RELU -> DEQUANTIZE -> y.
/// The quantized model's error is exactly the rounding/clipping of QUANTIZE.
std::pair<Graph, Graph> reluPair()
{
    Graph f;
    f.sourcePath = "float.tflite";
    const int32_t fx = test::addTensor(f, "x", DType::Float32, {1, 8});
    const int32_t fy = test::addTensor(f, "relu", DType::Float32, {1, 8});
    test::addOp(f, OpType::Relu, {fx}, {fy});
    f.inputs = {fx};
    f.outputs = {fy};

    Graph q;
    q.sourcePath = "quant.tflite";
    const int32_t qx = test::addTensor(q, "x", DType::Float32, {1, 8});
    const int32_t qxq = test::addTensor(q, "x_int8", DType::Int8, {1, 8}, quant(0.125f, 0));
    const int32_t qr = test::addTensor(q, "model/relu/Relu", DType::Int8, {1, 8}, quant(0.125f, 0));
    const int32_t qy = test::addTensor(q, "Identity", DType::Float32, {1, 8});
    test::addOp(q, OpType::Quantize, {qx}, {qxq});
    test::addOp(q, OpType::Relu, {qxq}, {qr});
    test::addOp(q, OpType::Dequantize, {qr}, {qy});
    q.inputs = {qx};
    q.outputs = {qy};
    return {f, q};
}

AnalysisInputs floatInputs(std::vector<std::vector<float>> samples)
{
    AnalysisInputs inputs;
    for (size_t i = 0; i < samples.size(); ++i) inputs.names.push_back("sample" + std::to_string(i));
    inputs.provider = [samples](size_t index, const Tensor& tensor) -> Result<TensorValue> {
        TensorValue value(DType::Float32, tensor.shape);
        std::copy(samples[index].begin(), samples[index].end(), value.data<float>());
        return value;
    };
    return inputs;
}

const TensorReport* findTensor(const AnalysisResult& result, const std::string& quantName)
{
    for (const TensorReport& t : result.tensors) {
        if (t.quantTensorName == quantName) return &t;
    }
    return nullptr;
}

} // namespace

class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void errorStatsMatchDirectFormulas()
    {
        const std::vector<float> ref = {1.0f, -2.0f, 3.0f, 0.5f};
        const std::vector<float> test = {1.25f, -2.0f, 2.5f, 0.5f};
        ErrorStats stats;
        stats.add(ref, test);
        // e = {0.25, 0, -0.5, 0}: sum e^2 = 0.3125, sum r^2 = 14.25, sum t^2 = 12.0625, sum r t = 13.
        QCOMPARE(stats.count, int64_t{4});
        QCOMPARE(stats.mse(), 0.3125 / 4);
        QCOMPARE(stats.meanError(), -0.0625);
        QCOMPARE(stats.maxAbsErr, 0.5);
        QVERIFY(std::abs(stats.errorStd() - std::sqrt(0.078125 - 0.00390625)) < 1e-12);
        QVERIFY(std::abs(stats.sqnrDb() - 10.0 * std::log10(14.25 / 0.3125)) < 1e-12);
        QVERIFY(std::abs(stats.cosine() - 13.0 / std::sqrt(14.25 * 12.0625)) < 1e-12);
    }

    void errorStatsEdgeCasesAndMerge()
    {
        ErrorStats same;
        same.add(std::vector<float>{1, 2}, std::vector<float>{1, 2});
        QVERIFY(std::isinf(same.sqnrDb()) && same.sqnrDb() > 0);
        QCOMPARE(same.cosine(), 1.0);
        ErrorStats zeroSignal;
        zeroSignal.add(std::vector<float>{0, 0}, std::vector<float>{0, 1});
        QVERIFY(std::isinf(zeroSignal.sqnrDb()) && zeroSignal.sqnrDb() < 0);
        QCOMPARE(zeroSignal.cosine(), 0.0);
        // Merging two halves equals adding everything at once.
        ErrorStats a, b, all;
        a.add(std::vector<float>{1, 2}, std::vector<float>{1.5f, 2});
        b.add(std::vector<float>{-3, 4}, std::vector<float>{-3, 3});
        all.add(std::vector<float>{1, 2, -3, 4}, std::vector<float>{1.5f, 2, -3, 3});
        a.merge(b);
        QCOMPARE(a.count, all.count);
        QCOMPARE(a.sumErr2, all.sumErr2);
        QCOMPARE(a.maxAbsErr, all.maxAbsErr);
        QCOMPARE(a.sqnrDb(), all.sqnrDb());
    }

    void quantGridFromRangeFollowsTflite()
    {
        // [0, 6] uint8: scale 6/255, zero point 0.
        const QuantGrid relu6 = QuantGrid::fromRange(0.0, 6.0, DType::UInt8);
        QCOMPARE(relu6.zeroPoint, int64_t{0});
        QVERIFY(std::abs(relu6.scale - 6.0 / 255.0) < 1e-15);
        // [-1, 1] int8: scale 2/255; zero points from min and max are both -0.5; the
        // max-based one has the smaller error and rounds (half away from zero) to -1.
        const QuantGrid sym = QuantGrid::fromRange(-1.0, 1.0, DType::Int8);
        QCOMPARE(sym.zeroPoint, int64_t{-1});
        // A positive-only range still includes zero.
        const QuantGrid shifted = QuantGrid::fromRange(2.0, 4.0, DType::Int8);
        QCOMPARE(shifted.zeroPoint, int64_t{-128});
        QVERIFY(std::abs(shifted.scale - 4.0 / 255.0) < 1e-15);
    }

    void quantGridQuantizeClipsAndRounds()
    {
        QuantGrid grid; // int8, scale 1/8, zero point 0
        grid.scale = 0.125;
        QCOMPARE(grid.quantize(0.53125), int64_t{4});    // 4.25 steps
        QCOMPARE(grid.quantize(-1.0625), int64_t{-9});   // -8.5 rounds away from zero
        QCOMPARE(grid.quantize(20.0), int64_t{127});
        QCOMPARE(grid.quantize(-20.0), int64_t{-128});
        QCOMPARE(grid.representableMax(), 15.875);
        QCOMPARE(grid.representableMin(), -16.0);
        QVERIFY(!grid.clips(15.875 + 0.0625));   // exactly half a step outside still rounds
        QVERIFY(grid.clips(15.875 + 0.0626));
        QVERIFY(grid.clips(-16.07));
    }

    void codeUsage()
    {
        QuantGrid grid;
        CodeUsage usage(grid);
        for (int64_t code : {0, 1, 1, 5, -128, 127}) usage.addCode(code);
        QCOMPARE(usage.codesUsed(), int64_t{5});
        QCOMPARE(usage.utilization(), 5.0 / 256.0);
    }

    void histogramGrowsWithoutLosingCounts()
    {
        HistogramBuilder builder(8, 0.0, 1.0);
        builder.add(std::vector<float>{0.05f, 0.95f});
        builder.add(3.5);   // grows to [0, 4)
        builder.add(-0.5);  // grows to [-4, 4)
        const Histogram& h = builder.histogram();
        QCOMPARE(h.lo, -4.0);
        QCOMPARE(h.hi, 4.0);
        QCOMPARE(h.total, int64_t{4});
        int64_t sum = 0;
        for (int64_t c : h.counts) sum += c;
        QCOMPARE(sum, int64_t{4});
        QCOMPARE(h.minSeen, -0.5);
        QCOMPARE(h.maxSeen, 3.5);
        // Bins of width 1: 0.05 and 0.95 in [0,1) (bin 4), 3.5 in bin 7, -0.5 in bin 3.
        QCOMPARE(h.counts[4], int64_t{2});
        QCOMPARE(h.counts[7], int64_t{1});
        QCOMPARE(h.counts[3], int64_t{1});
    }

    void rangeWhatIfMatchesDirectFakeQuant()
    {
        // Many values spread over [-3, 5]; a fine histogram; range [-2, 4] clips some.
        std::vector<float> values;
        for (int i = 0; i < 8000; ++i) values.push_back(-3.0f + 8.0f * (static_cast<float>(i) + 0.5f) / 8000.0f);
        HistogramBuilder builder(4096, -3.0, 5.0);
        builder.add(values);
        const RangeWhatIf whatIf = simulateRange(builder.histogram(), -2.0, 4.0, DType::Int8);
        const QuantGrid grid = QuantGrid::fromRange(-2.0, 4.0, DType::Int8);
        double signal = 0, noise = 0;
        int64_t clipped = 0;
        for (float v : values) {
            signal += double(v) * v;
            const double e = grid.fakeQuant(v) - v;
            noise += e * e;
            clipped += grid.clips(v) ? 1 : 0;
        }
        QVERIFY(std::abs(whatIf.clippingRate - double(clipped) / values.size()) < 0.002);
        QVERIFY2(std::abs(whatIf.sqnrDb - 10 * std::log10(signal / noise)) < 0.1,
                 qPrintable(QString("%1 vs %2").arg(whatIf.sqnrDb).arg(10 * std::log10(signal / noise))));
        QCOMPARE(whatIf.utilization, 1.0); // every code of [-2, 4] is hit by the dense values
    }

    void topKOrdersByScoreThenIndex()
    {
        const std::vector<float> scores = {0.1f, 0.7f, 0.7f, 0.05f, 0.9f};
        QCOMPARE(topK(scores, 3), (std::vector<int>{4, 1, 2}));
        QCOMPARE(topK(scores, 10).size(), size_t{5});
    }

    void handBuiltModelHasClosedFormError()
    {
        auto [f, q] = reluPair();
        // Step 1/8. Values and their quantization errors (quantized - float):
        //  0.53125 -> 4 steps (-0.03125), -1.0625 -> -9 (-0.0625), 2.046875 -> 16 (-0.046875),
        //  0 -> 0, 20 -> 127 = 15.875 (-4.125, clipped), 1 -> 8 (0), -0.265625 -> -2 (+0.015625), 3 -> 24 (0).
        const std::vector<float> x = {0.53125f, -1.0625f, 2.046875f, 0.0f, 20.0f, 1.0f, -0.265625f, 3.0f};
        AnalysisOptions options;
        options.histogramBins = 64;
        auto result = runAnalysis(f, q, floatInputs({x, x}), options);
        QVERIFY2(result.isOk(), result.message().c_str());
        const AnalysisResult& r = result.value();

        // The input quantization (QUANTIZE output) sees every element's error.
        const TensorReport* input = findTensor(r, "x_int8");
        QVERIFY(input && input->error);
        const double e2 = 0.03125 * 0.03125 + 0.0625 * 0.0625 + 0.046875 * 0.046875 + 4.125 * 4.125 + 0.015625 * 0.015625;
        double s2 = 0;
        for (float v : x) s2 += double(v) * v;
        QVERIFY(std::abs(input->error->sqnrDb - 10 * std::log10(s2 / e2)) < 1e-9);
        QVERIFY(std::abs(input->error->mse - e2 / 8) < 1e-12);
        QCOMPARE(input->error->maxAbsError, 4.125);
        QVERIFY(std::abs(input->error->meanError - (-0.03125 - 0.0625 - 0.046875 - 4.125 + 0.015625) / 8) < 1e-12);
        QCOMPARE(input->clippingRate, 1.0 / 8);
        QCOMPARE(input->codesUsed, int64_t{8}); // codes 4, -9, 16, 0, 127, 8, -2, 24
        QCOMPARE(input->utilization, 8.0 / 256);
        QCOMPARE(input->floatMin, -1.0625);
        QCOMPARE(input->floatMax, 20.0);
        QCOMPARE(input->scale, 0.125);
        QCOMPARE(input->perImage.size(), size_t{2});
        QCOMPARE(input->perImage[1].sqnrDb, input->error->sqnrDb);

        // After RELU, negative inputs become exact zeros in both models.
        const TensorReport* relu = findTensor(r, "model/relu/Relu");
        QVERIFY(relu && relu->error);
        QCOMPARE(relu->name, std::string("relu"));
        QVERIFY(relu->matchMethod == MatchMethod::StructureAndName);
        const double reluE2 = 0.03125 * 0.03125 + 0.046875 * 0.046875 + 4.125 * 4.125;
        const double reluS2 = 0.53125 * 0.53125 + 2.046875 * 2.046875 + 400.0 + 1.0 + 9.0;
        QVERIFY(std::abs(relu->error->sqnrDb - 10 * std::log10(reluS2 / reluE2)) < 1e-9);
        QCOMPARE(relu->error->count, int64_t{16});
        QCOMPARE(relu->codesUsed, int64_t{6}); // 4, 0, 16, 127, 8, 24

        // Model level: output 0 error is the RELU error; top-1 (index of the max) agrees (20 -> 15.875).
        QVERIFY(r.model.outputError);
        QVERIFY(std::abs(r.model.outputError->sqnrDb - relu->error->sqnrDb) < 1e-9);
        QCOMPARE(r.model.top1Agreement, 1.0);
    }

    void quantizedOnlyAnalysisReportsRangesAndUtilization()
    {
        auto [f, q] = reluPair();
        const std::vector<float> x = {0.53125f, -1.0625f, 2.046875f, 0.0f, 20.0f, 1.0f, -0.265625f, 3.0f};
        auto result = runQuantizedOnlyAnalysis(q, floatInputs({x}), AnalysisOptions{});
        QVERIFY2(result.isOk(), result.message().c_str());
        const TensorReport* relu = findTensor(result.value(), "model/relu/Relu");
        QVERIFY(relu);
        QVERIFY(!relu->error);
        QCOMPARE(relu->floatMax, 15.875); // dequantized values of the quantized model
        QCOMPARE(relu->floatMin, 0.0);
        QCOMPARE(relu->codesUsed, int64_t{6});
        QCOMPARE(relu->representableMin, -16.0);
    }

    void parallelJobsGiveTheSameNumbers()
    {
        auto [f, q] = reluPair();
        std::vector<std::vector<float>> samples;
        for (int i = 0; i < 7; ++i) {
            std::vector<float> x(8);
            for (int k = 0; k < 8; ++k) x[k] = std::sin(float(i * 8 + k)) * 3.0f;
            samples.push_back(x);
        }
        AnalysisOptions one, three;
        three.jobs = 3;
        auto a = runAnalysis(f, q, floatInputs(samples), one);
        auto b = runAnalysis(f, q, floatInputs(samples), three);
        QVERIFY(a.isOk() && b.isOk());
        for (size_t i = 0; i < a.value().tensors.size(); ++i) {
            const auto& ta = a.value().tensors[i];
            const auto& tb = b.value().tensors[i];
            QVERIFY2(ta.error->sqnrDb == tb.error->sqnrDb || std::abs(ta.error->sqnrDb - tb.error->sqnrDb) < 1e-9, qPrintable(QString("%1 %2 %3").arg(ta.error->sqnrDb).arg(tb.error->sqnrDb).arg(QString::fromStdString(ta.name))));
            QCOMPARE(ta.codesUsed, tb.codesUsed);
            QCOMPARE(ta.histogram.values.total, tb.histogram.values.total);
        }
    }

    void inputThatDoesNotFitIsAClearError()
    {
        auto [f, q] = reluPair();
        AnalysisInputs inputs;
        inputs.names = {"wrong.png"};
        inputs.provider = [](size_t, const Tensor&) -> Result<TensorValue> { return TensorValue(DType::Float32, {1, 5}); };
        auto result = runAnalysis(f, q, inputs, AnalysisOptions{});
        QVERIFY(!result.isOk());
        QVERIFY2(result.message().find("float.tflite: input 'x' [1, 8] does not fit sample 'wrong.png'") != std::string::npos,
                 result.message().c_str());
    }
};

QTEST_APPLESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
