// The calibration observer and driver on a small float graph: which tensors are
// observed, every statistic against values computed directly from the tensors the
// run produced, threads, chunked runs (merged) and the pipelined statistics thread
// giving the same statistics as the synchronous path, NaN
// handling, progress / cancel / provider errors, and the binary statistics file.
#include <QtTest>

#include <cstring>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <thread>

#include "quant/calibration_run.h"
#include "test_support.h"

using namespace rf;

namespace {

/// x [1, n] -> RELU -> y; x + c (constant) -> z. Observed: x, y, z (not c).
Graph makeGraph(int n)
{
    Graph graph;
    graph.sourcePath = "calib_test.tflite";
    const int32_t x = test::addTensor(graph, "x", DType::Float32, {1, n});
    const int32_t y = test::addTensor(graph, "y", DType::Float32, {1, n});
    const int32_t c = test::addConstant<float>(graph, "c", DType::Float32, {1}, {0.5f});
    const int32_t z = test::addTensor(graph, "z", DType::Float32, {1, n});
    test::addOp(graph, OpType::Relu, {x}, {y});
    test::addOp(graph, OpType::Add, {x, c}, {z});
    graph.inputs = {x};
    graph.outputs = {y, z};
    return graph;
}

/// Deterministic sample i: normal values scaled by (1 + i), so the range grows.
std::vector<float> sampleValues(size_t i, int n)
{
    std::mt19937 rng(static_cast<uint32_t>(100 + i));
    std::normal_distribution<float> normal(0.0f, 1.0f + static_cast<float>(i));
    std::vector<float> values(static_cast<size_t>(n));
    for (float& v : values) v = normal(rng);
    return values;
}

CalibrationInputProvider provider(int n)
{
    return [n](size_t i, Interpreter& interpreter) {
        const std::vector<float> values = sampleValues(i, n);
        return interpreter.setInput(0, values.data(), values.size() * sizeof(float));
    };
}

Result<CalibrationStatistics> calibrate(const Graph& graph, size_t samples, int n, int threads = 1, size_t firstSample = 0)
{
    Result<std::unique_ptr<Interpreter>> interpreter = Interpreter::create(graph);
    if (!interpreter.isOk()) return interpreter.status();
    CalibrationRunOptions options;
    options.sampleCount = samples;
    options.observer.threads = threads;
    const CalibrationInputProvider base = provider(n);
    return runCalibration(*interpreter.value(),
                          [&](size_t i, Interpreter& in) { return base(firstSample + i, in); }, options);
}

Result<CalibrationStatistics> calibrateWith(const Graph& graph, size_t samples, int n, CalibrationObserverOptions observer)
{
    Result<std::unique_ptr<Interpreter>> interpreter = Interpreter::create(graph);
    if (!interpreter.isOk()) return interpreter.status();
    CalibrationRunOptions options;
    options.sampleCount = samples;
    options.observer = observer;
    return runCalibration(*interpreter.value(), provider(n), options);
}

std::map<int64_t, uint64_t> histogramCounts(const CalibrationHistogram& h)
{
    std::map<int64_t, uint64_t> counts;
    for (int i = 0; i < h.binCount(); ++i)
        if (h.counts()[i]) counts[h.firstBin() + i] = h.counts()[i];
    return counts;
}

void compareStatistics(const TensorStatistics& a, const TensorStatistics& b)
{
    QCOMPARE(a.name, b.name);
    QCOMPARE(a.count, b.count);
    QCOMPARE(a.min, b.min);
    QCOMPARE(a.max, b.max);
    QCOMPARE(a.sampleMin, b.sampleMin);
    QCOMPARE(a.sampleMax, b.sampleMax);
    QCOMPARE(a.histogram.exponent(), b.histogram.exponent());
    QCOMPARE(histogramCounts(a.histogram), histogramCounts(b.histogram));
    QVERIFY(std::fabs(a.sum - b.sum) <= 1e-6 * std::max(1.0, std::fabs(a.sum)) + 1e-3);
}

} // namespace

class TestCalibrationObserver : public QObject {
    Q_OBJECT
private slots:
    void statisticsMatchDirectValues()
    {
        const int n = 5000;
        const Graph graph = makeGraph(n);
        Result<CalibrationStatistics> stats = calibrate(graph, 6, n);
        QVERIFY2(stats.isOk(), stats.message().c_str());
        const CalibrationStatistics& s = stats.value();
        QCOMPARE(s.sampleCount, uint64_t{6});
        // Graph input and both op outputs; never the constant.
        QCOMPARE(s.tensors.size(), size_t{3});
        QVERIFY(s.find("c") == nullptr);

        // Recompute every tensor directly: x = sample, y = max(x, 0), z = x + 0.5.
        std::map<std::string, std::vector<float>> all;
        std::map<std::string, std::vector<float>> mins, maxs;
        for (size_t i = 0; i < 6; ++i) {
            const std::vector<float> x = sampleValues(i, n);
            std::map<std::string, std::vector<float>> values;
            values["x"] = x;
            for (float v : x) {
                values["y"].push_back(std::max(v, 0.0f));
                values["z"].push_back(v + 0.5f);
            }
            for (auto& [name, v] : values) {
                all[name].insert(all[name].end(), v.begin(), v.end());
                mins[name].push_back(*std::min_element(v.begin(), v.end()));
                maxs[name].push_back(*std::max_element(v.begin(), v.end()));
            }
        }
        for (const auto& [name, values] : all) {
            const TensorStatistics* t = s.find(name);
            QVERIFY2(t, name.c_str());
            QCOMPARE(t->count, static_cast<uint64_t>(values.size()));
            QCOMPARE(t->min, *std::min_element(values.begin(), values.end()));
            QCOMPARE(t->max, *std::max_element(values.begin(), values.end()));
            QCOMPARE(t->sampleMin, mins[name]);
            QCOMPARE(t->sampleMax, maxs[name]);
            double sum = 0, squares = 0;
            std::map<int64_t, uint64_t> direct;
            for (float v : values) {
                sum += v;
                squares += static_cast<double>(v) * v;
                ++direct[static_cast<int64_t>(std::floor(std::ldexp(static_cast<double>(v), -t->histogram.exponent())))];
            }
            QVERIFY(std::fabs(t->sum - sum) < 1e-3 * std::max(1.0, std::sqrt(squares)));
            QVERIFY(std::fabs(t->mean() - sum / values.size()) < 1e-4);
            QCOMPARE(histogramCounts(t->histogram), direct);
        }
        // y is a ReLU output: its histogram starts at exactly 0.
        QCOMPARE(s.find("y")->min, 0.0f);
    }

    void threadsAndChunksGiveTheSameStatistics()
    {
        // 300000 values per tensor: above the observer's threshold for splitting a tensor.
        const int n = 300000;
        const Graph graph = makeGraph(n);
        Result<CalibrationStatistics> single = calibrate(graph, 3, n, 1);
        Result<CalibrationStatistics> threaded = calibrate(graph, 3, n, 2);
        QVERIFY2(single.isOk() && threaded.isOk(), (single.message() + threaded.message()).c_str());
        for (size_t t = 0; t < single.value().tensors.size(); ++t)
            compareStatistics(threaded.value().tensors[t], single.value().tensors[t]);

        // Samples 0..1 and 2 in two runs, merged, equal the single run.
        Result<CalibrationStatistics> first = calibrate(graph, 2, n, 1, 0);
        Result<CalibrationStatistics> second = calibrate(graph, 1, n, 1, 2);
        QVERIFY(first.isOk() && second.isOk());
        CalibrationStatistics merged = first.value();
        QVERIFY(merged.merge(second.value()).isOk());
        QCOMPARE(merged.sampleCount, uint64_t{3});
        for (size_t t = 0; t < single.value().tensors.size(); ++t)
            compareStatistics(merged.tensors[t], single.value().tensors[t]);
    }

    void pipelinedAndSynchronousGiveIdenticalStatistics()
    {
        // 300000 values: large enough for the 2-thread split inside the statistics thread.
        const int n = 300000;
        const Graph graph = makeGraph(n);
        CalibrationObserverOptions synchronous;
        synchronous.pipelined = false;
        CalibrationObserverOptions pipelined; // op outputs read in place
        pipelined.pipelined = true;
        CalibrationObserverOptions copies = pipelined;
        copies.pipelineCopies = true;
        CalibrationObserverOptions backPressure = copies;
        // Smaller than one tensor: every onTensor() waits until the queue is empty.
        backPressure.pipelineQueueBytes = 1000;
        CalibrationObserverOptions threaded = pipelined;
        threaded.threads = 2;
        for (const CalibrationObserverOptions& options : {pipelined, copies, backPressure, threaded}) {
            CalibrationObserver probe(graph, options);
            QCOMPARE(probe.isPipelined(), std::thread::hardware_concurrency() > 1);
            // The reference: the synchronous path with the same thread split (the split
            // changes the summation order of the sums, not the other statistics).
            CalibrationObserverOptions sameSplit = synchronous;
            sameSplit.threads = options.threads;
            Result<CalibrationStatistics> reference = calibrateWith(graph, 4, n, sameSplit);
            QVERIFY2(reference.isOk(), reference.message().c_str());
            Result<CalibrationStatistics> stats = calibrateWith(graph, 4, n, options);
            QVERIFY2(stats.isOk(), stats.message().c_str());
            QCOMPARE(stats.value().sampleCount, reference.value().sampleCount);
            QCOMPARE(stats.value().tensors.size(), reference.value().tensors.size());
            for (size_t t = 0; t < reference.value().tensors.size(); ++t) {
                const TensorStatistics& a = stats.value().tensors[t];
                const TensorStatistics& b = reference.value().tensors[t];
                compareStatistics(a, b);
                // Same values in the same order through the same code: bit-identical sums.
                QCOMPARE(a.sum, b.sum);
                QCOMPARE(a.sumSquares, b.sumSquares);
                QCOMPARE(a.histogram.firstBin(), b.histogram.firstBin());
                QCOMPARE(a.histogram.total(), b.histogram.total());
            }
        }
        CalibrationObserver off(graph, synchronous);
        QVERIFY(!off.isPipelined());
    }

    void pipelinedObserverDrainsAndDiscardsSafely()
    {
        const int n = 5000;
        const Graph graph = makeGraph(n);
        Result<std::unique_ptr<Interpreter>> interpreter = Interpreter::create(graph);
        QVERIFY(interpreter.isOk());
        for (bool copies : {false, true}) {
        CalibrationObserverOptions options;
        options.pipelined = true;
        options.pipelineCopies = copies;
        {
            // statistics() waits for the queued tensors: all three samples are counted.
            CalibrationObserver observer(graph, options);
            for (size_t i = 0; i < 3; ++i) {
                QVERIFY(provider(n)(i, *interpreter.value()).isOk());
                QVERIFY(interpreter.value()->invoke(&observer).isOk());
                observer.finishSample();
            }
            QCOMPARE(observer.statistics().find("x")->count, uint64_t{3 * n});
            QCOMPARE(observer.statistics().find("z")->sampleMax.size(), size_t{3});
            // After takeStatistics() the observer starts empty.
            QCOMPARE(observer.takeStatistics().find("y")->count, uint64_t{3 * n});
            QCOMPARE(observer.statistics().find("y")->count, uint64_t{0});
        }
        {
            // Destroyed with tensors still queued (as after a cancelled run): no hang, no leak.
            CalibrationObserver observer(graph, options);
            for (size_t i = 0; i < 5; ++i) QVERIFY(interpreter.value()->invoke(&observer).isOk());
        }
        }
    }

    void paddedTensorsAreDerivedExactly()
    {
        // x [1,5,4,3] -> RELU -> y -> PAD (zeros) -> p; x -> PADV2 (-1.5) -> q; p -> PAD -> pp.
        // p, q and pp are derived from their inputs' statistics; every statistic must equal
        // one computed directly from the padded tensors the interpreter produced, including
        // samples with NaN and infinity and a sample whose values are all positive (so 0
        // lies outside the input's histogram window until the pads are added).
        Graph graph;
        graph.sourcePath = "pad_test.tflite";
        const int32_t x = test::addTensor(graph, "x", DType::Float32, {1, 5, 4, 3});
        const int32_t y = test::addTensor(graph, "y", DType::Float32, {1, 5, 4, 3});
        const int32_t paddings =
            test::addConstant<int32_t>(graph, "paddings", DType::Int32, {4, 2}, {0, 0, 1, 2, 0, 1, 0, 0});
        const int32_t padValue = test::addConstant<float>(graph, "pad_value", DType::Float32, {1}, {-1.5f});
        const int32_t p = test::addTensor(graph, "p", DType::Float32, {1, 8, 5, 3});
        const int32_t q = test::addTensor(graph, "q", DType::Float32, {1, 8, 5, 3});
        const int32_t pp = test::addTensor(graph, "pp", DType::Float32, {1, 11, 6, 3});
        test::addOp(graph, OpType::Relu, {x}, {y});
        test::addOp(graph, OpType::Pad, {y, paddings}, {p});
        test::addOp(graph, OpType::PadV2, {x, paddings, padValue}, {q});
        test::addOp(graph, OpType::Pad, {p, paddings}, {pp});
        graph.inputs = {x};
        graph.outputs = {p, q, pp};
        Result<std::unique_ptr<Interpreter>> interpreter = Interpreter::create(graph);
        QVERIFY2(interpreter.isOk(), interpreter.message().c_str());
        Interpreter& run = *interpreter.value();

        for (bool pipelined : {false, true}) {
            CalibrationObserverOptions options;
            options.pipelined = pipelined;
            CalibrationObserver observer(graph, options);
            std::map<int32_t, std::vector<float>> seen; // all values of each tensor
            std::map<int32_t, std::vector<float>> sampleMin, sampleMax;
            for (size_t i = 0; i < 5; ++i) {
                std::vector<float> values = sampleValues(i, 60);
                if (i == 1) values[7] = NAN;
                if (i == 2) values[11] = INFINITY;
                if (i == 3)
                    for (float& v : values) v = 3.0f + std::fabs(v); // all positive
                QVERIFY(run.setInput(0, values.data(), values.size() * sizeof(float)).isOk());
                QVERIFY(run.invoke(&observer).isOk());
                observer.finishSample();
                for (int32_t t : {p, q, pp}) {
                    const TensorValue& value = run.tensorValue(t);
                    const float* data = value.data<float>();
                    float lo = INFINITY, hi = -INFINITY;
                    for (int64_t k = 0; k < value.elementCount(); ++k) {
                        seen[t].push_back(data[k]);
                        if (std::isfinite(data[k])) {
                            lo = std::min(lo, data[k]);
                            hi = std::max(hi, data[k]);
                        }
                    }
                    sampleMin[t].push_back(lo);
                    sampleMax[t].push_back(hi);
                }
            }
            const CalibrationStatistics& stats = observer.statistics();
            for (int32_t t : {p, q, pp}) {
                const TensorStatistics* s = stats.find(graph.tensors[t].name);
                QVERIFY(s);
                uint64_t finite = 0, nans = 0, infs = 0;
                double sum = 0;
                std::vector<float> finiteValues;
                for (float v : seen[t]) {
                    if (std::isnan(v)) {
                        ++nans;
                    } else if (std::isinf(v)) {
                        ++infs;
                    } else {
                        ++finite;
                        sum += v;
                        finiteValues.push_back(v);
                    }
                }
                QCOMPARE(s->count, finite);
                QCOMPARE(s->nanCount, nans);
                QCOMPARE(s->infCount, infs);
                QCOMPARE(s->min, *std::min_element(finiteValues.begin(), finiteValues.end()));
                QCOMPARE(s->max, *std::max_element(finiteValues.begin(), finiteValues.end()));
                QCOMPARE(s->sampleMin, sampleMin[t]);
                QCOMPARE(s->sampleMax, sampleMax[t]);
                QVERIFY(std::fabs(s->sum - sum) < 1e-3);
                QCOMPARE(s->histogram.total(), finite);
                // Exponent and every count on the absolute grid, from the raw values.
                CalibrationHistogram direct;
                direct.add(seen[t]);
                QCOMPARE(s->histogram.exponent(), direct.exponent());
                QCOMPARE(histogramCounts(s->histogram), histogramCounts(direct));
            }
        }
    }

    void paddedTensorFallsBackToDirectBinning()
    {
        // If the pad's input was not observed since the padded tensor last was, the
        // padded tensor is binned directly from then on (and stays exact).
        Graph graph;
        graph.sourcePath = "pad_test.tflite";
        const int32_t x = test::addTensor(graph, "x", DType::Float32, {1, 4});
        const int32_t paddings = test::addConstant<int32_t>(graph, "paddings", DType::Int32, {2, 2}, {0, 0, 1, 1});
        const int32_t p = test::addTensor(graph, "p", DType::Float32, {1, 6});
        test::addOp(graph, OpType::Pad, {x, paddings}, {p});
        graph.inputs = {x};
        graph.outputs = {p};
        CalibrationObserver observer(graph);
        TensorValue in(DType::Float32, {1, 4});
        TensorValue out(DType::Float32, {1, 6});
        const float inValues[] = {1.0f, 2.0f, 3.0f, 4.0f};
        const float outValues[] = {0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 0.0f};
        std::memcpy(in.bytes(), inValues, sizeof(inValues));
        std::memcpy(out.bytes(), outValues, sizeof(outValues));
        observer.onTensor(-1, x, graph.tensors[x], in);
        observer.onTensor(0, p, graph.tensors[p], out); // derived: 4 values + 2 pads
        // Not what PAD would produce, and the input was not observed again: binned directly.
        const float other[] = {-5.0f, 1.0f, 2.0f, 3.0f, 4.0f, 9.0f};
        std::memcpy(out.bytes(), other, sizeof(other));
        observer.onTensor(0, p, graph.tensors[p], out);
        const TensorStatistics* s = observer.statistics().find("p");
        QVERIFY(s);
        QCOMPARE(s->count, uint64_t{12});
        QCOMPARE(s->min, -5.0f);
        QCOMPARE(s->max, 9.0f);
        std::vector<float> all(outValues, outValues + 6);
        all.insert(all.end(), other, other + 6);
        CalibrationHistogram direct;
        direct.add(all);
        QCOMPARE(histogramCounts(s->histogram), histogramCounts(direct));
    }

    void nanValuesAreSkippedAndCounted()
    {
        const Graph graph = makeGraph(4);
        Result<std::unique_ptr<Interpreter>> interpreter = Interpreter::create(graph);
        QVERIFY(interpreter.isOk());
        CalibrationRunOptions options;
        options.sampleCount = 2;
        Result<CalibrationStatistics> stats = runCalibration(
            *interpreter.value(),
            [](size_t i, Interpreter& in) {
                const std::vector<float> values =
                    i == 0 ? std::vector<float>{1.0f, NAN, -2.0f, INFINITY} : std::vector<float>{NAN, NAN, NAN, NAN};
                return in.setInput(0, values.data(), values.size() * sizeof(float));
            },
            options);
        QVERIFY2(stats.isOk(), stats.message().c_str());
        const TensorStatistics* x = stats.value().find("x");
        QCOMPARE(x->count, uint64_t{2});
        QCOMPARE(x->nanCount, uint64_t{5});
        QCOMPARE(x->infCount, uint64_t{1});
        QCOMPARE(x->min, -2.0f);
        QCOMPARE(x->max, 1.0f);
        // The all-NaN sample contributes no per-sample range.
        QCOMPARE(x->sampleMin.size(), size_t{1});
        QCOMPARE(x->histogram.total(), uint64_t{2});
    }

    void progressCancelAndProviderErrors()
    {
        const int n = 16;
        const Graph graph = makeGraph(n);
        Result<std::unique_ptr<Interpreter>> interpreter = Interpreter::create(graph);
        QVERIFY(interpreter.isOk());

        std::atomic<bool> cancel{false};
        std::vector<size_t> progress;
        RunControl control;
        control.cancel = &cancel;
        control.onProgress = [&](size_t done, size_t total) {
            progress.push_back(done);
            QCOMPARE(total, size_t{5});
            if (done == 2) cancel = true;
        };
        CalibrationRunOptions options;
        options.sampleCount = 5;
        options.control = &control;
        Result<CalibrationStatistics> cancelled = runCalibration(*interpreter.value(), provider(n), options);
        QVERIFY(!cancelled.isOk());
        QVERIFY2(cancelled.message().find("calibration sample 3 of 5: cancelled") != std::string::npos,
                 cancelled.message().c_str());
        QCOMPARE(progress, (std::vector<size_t>{1, 2}));

        options.control = nullptr;
        Result<CalibrationStatistics> failed = runCalibration(
            *interpreter.value(),
            [](size_t i, Interpreter&) {
                return i == 1 ? Status::error("images/broken.jpg: not a JPEG file") : Status::ok();
            },
            options);
        QVERIFY(!failed.isOk());
        QCOMPARE(failed.message(),
                 std::string("calib_test.tflite: calibration sample 2 of 5: images/broken.jpg: not a JPEG file"));

        options.sampleCount = 0;
        Result<CalibrationStatistics> none = runCalibration(*interpreter.value(), provider(n), options);
        QCOMPARE(none.message(), std::string("calib_test.tflite: calibration needs at least one sample"));
    }

    void statisticsFileRoundTrip()
    {
        const int n = 2000;
        const Graph graph = makeGraph(n);
        Result<CalibrationStatistics> stats = calibrate(graph, 4, n);
        QVERIFY(stats.isOk());
        const std::string dir = test::makeTempDir("rf-calib-stats");
        const std::string path = dir + "/stats.rfcal";
        QVERIFY(stats.value().save(path, false).isOk());
        // Refuses to overwrite unless asked.
        Status again = stats.value().save(path, false);
        QVERIFY(!again.isOk());
        QVERIFY2(again.message().find(path) != std::string::npos, again.message().c_str());
        QVERIFY(stats.value().save(path, true).isOk());

        Result<CalibrationStatistics> loaded = CalibrationStatistics::load(path);
        QVERIFY2(loaded.isOk(), loaded.message().c_str());
        QCOMPARE(loaded.value().sampleCount, uint64_t{4});
        QCOMPARE(loaded.value().modelName, std::string("calib_test.tflite"));
        QCOMPARE(loaded.value().tensors.size(), stats.value().tensors.size());
        for (size_t t = 0; t < loaded.value().tensors.size(); ++t) {
            compareStatistics(loaded.value().tensors[t], stats.value().tensors[t]);
            QCOMPARE(loaded.value().tensors[t].sum, stats.value().tensors[t].sum);
            QCOMPARE(loaded.value().tensors[t].tensorIndex, stats.value().tensors[t].tensorIndex);
        }

        // Damaged files: every cut point fails cleanly, never crashes.
        const std::vector<uint8_t> bytes = stats.value().serialize();
        for (size_t cut : {size_t{4}, size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
            std::vector<uint8_t> truncated(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
            Result<CalibrationStatistics> broken = CalibrationStatistics::deserialize(truncated, "cut.rfcal");
            QVERIFY(!broken.isOk());
            QVERIFY2(broken.message().rfind("cut.rfcal: not a valid calibration statistics file: ", 0) == 0,
                     broken.message().c_str());
        }
        std::vector<uint8_t> wrongMagic = bytes;
        wrongMagic[0] = 'X';
        QCOMPARE(CalibrationStatistics::deserialize(wrongMagic, "a.bin").message(),
                 std::string("a.bin: not a valid calibration statistics file: missing the RFCALIB signature"));
        std::vector<uint8_t> trailing = bytes;
        trailing.push_back(0);
        QCOMPARE(CalibrationStatistics::deserialize(trailing, "t.bin").message(),
                 std::string("t.bin: not a valid calibration statistics file: unexpected bytes after the last tensor entry"));
    }

    void mergeRefusesOtherModels()
    {
        CalibrationStatistics a, b;
        a.modelName = "a.tflite";
        b.modelName = "b.tflite";
        TensorStatistics t;
        t.name = "conv";
        t.tensorIndex = 3;
        a.tensors.push_back(t);
        t.tensorIndex = 5;
        b.tensors.push_back(t);
        QCOMPARE(a.merge(b).message(), std::string("cannot merge calibration statistics: tensor 'conv' is tensor #3 in "
                                                   "a.tflite but #5 in b.tflite (statistics of different models?)"));
    }
};

QTEST_APPLESS_MAIN(TestCalibrationObserver)
#include "tst_calibration_observer.moc"
