// rangefinder-calib-bench: the cost of calibration (issue #4, must-show 5).
// Times plain float inference over N images against the same inferences with the
// calibration observer attached (min/max, per-sample ranges, sums and the 4096-bin
// histogram of every float activation), alternating the two so machine load hits
// both alike, and reports the median totals and their ratio. Images are decoded and
// preprocessed once beforehand (reused cyclically when N exceeds the corpus), so
// both sides time exactly setInput + invoke. Also reports how long each range
// policy takes on the collected statistics. See docs/benchmarks.md.
//
// Threads: plain inference uses --threads interpreter threads (default 1). The
// synchronous calibration (the observer's default) bins on the inference thread, so it
// uses exactly the same threads. With --pipelined the observer adds one statistics
// thread that bins op outputs in place while inference continues (the inference thread
// bins whatever is still queued when the next image starts); the synchronous
// calibration is then reported as well.
//
// --dequantized-twin calibrates the float twin of a quantized model (a standard-width
// MobileNetV2 1.0 224 from corpus/tflite), besides the thin default model.

#include <QDir>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "analysis/dequantized_twin.h"
#include "data/image_input.h"
#include "io/model_loader.h"
#include "quant/calibration_run.h"
#include "quant/range_policies.h"
#include "runtime/interpreter.h"
#include "test_support.h"

using namespace rf;

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// Forwards to the calibration observer and accumulates the time spent inside it.
class TimedObserver : public TensorObserver {
public:
    explicit TimedObserver(CalibrationObserver& inner) : inner_(inner) {}
    void onTensor(int opIndex, int32_t tensorIndex, const Tensor& tensor, const TensorValue& value) override
    {
        const Clock::time_point start = Clock::now();
        inner_.onTensor(opIndex, tensorIndex, tensor, value);
        ms += std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    }
    double ms = 0;

private:
    CalibrationObserver& inner_;
};

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

void usage()
{
    std::fprintf(stderr,
                 "usage: rangefinder-calib-bench [--images N] [--repeat R] [--threads T] [--sync|--pipelined]\n"
                 "                               [--model PATH [--dequantized-twin]]\n"
                 "Defaults: 100 images of corpus/images/imagenet (cycled), 3 repeats, 1 thread,\n"
                 "model corpus/pairs/tm_cat_dog_jana/model_unquant.tflite (float MobileNetV2-0.35, 224x224).\n"
                 "--dequantized-twin: calibrate the float twin of a quantized model (dequantized weights, float\n"
                 "graph), e.g. corpus/tflite/tf2_mobilenet_v2_1.0_224_ptq_int8.tflite for MobileNetV2 1.0.\n");
}

} // namespace

int main(int argc, char** argv)
{
    int images = 100, repeat = 3, threads = 1;
    bool pipelined = CalibrationObserverOptions{}.pipelined;
    bool twin = false;
    std::string model;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--images")
            images = std::max(1, std::atoi(value().c_str()));
        else if (arg == "--repeat")
            repeat = std::max(1, std::atoi(value().c_str()));
        else if (arg == "--threads")
            threads = std::max(1, std::atoi(value().c_str()));
        else if (arg == "--sync")
            pipelined = false;
        else if (arg == "--pipelined")
            pipelined = true;
        else if (arg == "--model")
            model = value();
        else if (arg == "--dequantized-twin")
            twin = true;
        else {
            usage();
            return arg == "-h" || arg == "--help" ? 0 : 2;
        }
    }
    const std::optional<std::string> shared = test::sharedDir();
    if (!shared) {
        std::fprintf(stderr, "rangefinder-calib-bench: %s\n", test::sharedMissingMessage().c_str());
        return 2;
    }
    if (model.empty()) model = *shared + "/corpus/pairs/tm_cat_dog_jana/model_unquant.tflite";
    Result<Graph> graph = loadModelFile(model);
    if (graph.isOk() && twin) graph = buildDequantizedTwin(graph.value());
    if (!graph.isOk()) {
        std::fprintf(stderr, "%s\n", graph.message().c_str());
        return 1;
    }
    const Tensor& inputTensor = graph.value().tensors[graph.value().inputs[0]];

    QDir dir(QString::fromStdString(*shared + "/corpus/images/imagenet"));
    std::vector<TensorValue> distinct;
    for (const QString& name : dir.entryList({"*.JPEG"}, QDir::Files, QDir::Name)) {
        Result<TensorValue> value = imageToInputTensor(dir.filePath(name).toStdString(), inputTensor);
        if (!value.isOk()) {
            std::fprintf(stderr, "%s\n", value.message().c_str());
            return 1;
        }
        distinct.push_back(std::move(value).value());
        if (static_cast<int>(distinct.size()) == images) break;
    }
    if (distinct.empty()) {
        std::fprintf(stderr, "rangefinder-calib-bench: no images in %s\n", qPrintable(dir.path()));
        return 1;
    }
    const auto provider = [&](size_t i, Interpreter& interpreter) {
        const TensorValue& value = distinct[i % distinct.size()];
        return interpreter.setInput(0, value.bytes(), value.byteSize());
    };

    InterpreterOptions interpreterOptions;
    interpreterOptions.threads = threads;
    Result<std::unique_ptr<Interpreter>> created = Interpreter::create(graph.value(), interpreterOptions);
    if (!created.isOk()) {
        std::fprintf(stderr, "%s\n", created.message().c_str());
        return 1;
    }
    Interpreter& interpreter = *created.value();
    for (int w = 0; w < 3; ++w) { // warm-up: caches, packed weights, thread pool
        (void)provider(static_cast<size_t>(w), interpreter);
        (void)interpreter.invoke();
    }

    std::vector<double> plainMs, calibrationMs, synchronousMs, observerMs, observedInvokeMs;
    CalibrationStatistics statistics;
    for (int r = 0; r < repeat; ++r) {
        Clock::time_point start = Clock::now();
        for (int i = 0; i < images; ++i) {
            if (Status s = provider(static_cast<size_t>(i), interpreter); !s.isOk()) return 1;
            if (Status s = interpreter.invoke(); !s.isOk()) {
                std::fprintf(stderr, "%s\n", s.message().c_str());
                return 1;
            }
        }
        plainMs.push_back(msSince(start));

        CalibrationRunOptions options;
        options.sampleCount = static_cast<size_t>(images);
        options.observer.threads = threads;
        options.observer.pipelined = pipelined;
        start = Clock::now();
        Result<CalibrationStatistics> stats = runCalibration(interpreter, provider, options);
        calibrationMs.push_back(msSince(start));
        if (!stats.isOk()) {
            std::fprintf(stderr, "%s\n", stats.message().c_str());
            return 1;
        }
        statistics = std::move(stats).value();

        if (pipelined) {
            options.observer.pipelined = false;
            start = Clock::now();
            if (!runCalibration(interpreter, provider, options).isOk()) return 1;
            synchronousMs.push_back(msSince(start));
        }

        // The same once more, synchronous, with the time inside the observer measured on its own.
        CalibrationObserverOptions synchronous;
        synchronous.threads = threads;
        synchronous.pipelined = false;
        CalibrationObserver observer(graph.value(), synchronous);
        TimedObserver timed(observer);
        start = Clock::now();
        for (int i = 0; i < images; ++i) {
            (void)provider(static_cast<size_t>(i), interpreter);
            (void)interpreter.invoke(&timed);
        }
        observedInvokeMs.push_back(msSince(start));
        observerMs.push_back(timed.ms);
    }
    uint64_t values = 0;
    for (const TensorStatistics& t : statistics.tensors) values += t.count;

    // Values per image by the op that produces them (graph inputs: "input").
    std::map<std::string, uint64_t> valuesByProducer;
    {
        std::vector<std::string> producer(graph.value().tensors.size(), "input");
        for (const Op& op : graph.value().ops)
            for (int32_t out : op.outputs)
                if (out >= 0 && static_cast<size_t>(out) < producer.size()) producer[out] = std::string(opTypeName(op.type));
        for (const TensorStatistics& t : statistics.tensors) valuesByProducer[producer[t.tensorIndex]] += t.count;
    }
    const double plain = median(plainMs), calibrated = median(calibrationMs);
    std::printf("Model: %s (%zu float activation tensors, %.1f M values per image)\n", model.c_str(),
                statistics.tensors.size(), static_cast<double>(values) / images / 1e6);
    std::printf("Observed values per image by producing op:");
    for (const auto& [type, count] : valuesByProducer)
        std::printf(" %s %.0fk (%.0f%%)", type.c_str(), static_cast<double>(count) / images / 1e3,
                    100.0 * static_cast<double>(count) / static_cast<double>(values));
    std::printf("\n");
    std::printf("%d images (%zu distinct, cycled), median of %d alternating repeats, %u hardware threads.\n", images,
                distinct.size(), repeat, std::thread::hardware_concurrency());
    std::printf("Threads: plain inference %d interpreter thread(s); calibration %d interpreter thread(s) + %s.\n\n",
                threads, threads,
                pipelined ? "1 statistics thread (pipelined: the inference thread only copies each tensor)"
                          : "no statistics thread (synchronous: binning on the inference thread)");
    std::printf("| pass | total ms | ms/image |\n|---|---|---|\n");
    std::printf("| plain float inference | %.1f | %.2f |\n", plain, plain / images);
    std::printf("| calibration, %s (observer + %d-bin histograms) | %.1f | %.2f |\n",
                pipelined ? "pipelined" : "synchronous", CalibrationHistogram::kDefaultBinCount, calibrated,
                calibrated / images);
    if (pipelined)
        std::printf("| calibration, synchronous | %.1f | %.2f |\n", median(synchronousMs), median(synchronousMs) / images);
    std::printf("| of which inside the synchronous observer (separate timed run) | %.1f of %.1f | %.2f |\n", median(observerMs),
                median(observedInvokeMs), median(observerMs) / images);
    if (pipelined) std::printf("\nsynchronous calibration / plain = %.3f", median(synchronousMs) / plain);
    std::printf("\n**calibration / plain = %.3f** (target <= 1.5); inference + observer time / inference time in the "
                "timed run = %.3f\n\n",
                calibrated / plain, median(observedInvokeMs) / (median(observedInvokeMs) - median(observerMs)));

    std::printf("| range policy | ms for all tensors |\n|---|---|\n");
    for (RangeMethod method : {RangeMethod::MinMax, RangeMethod::MovingAverage, RangeMethod::Percentile,
                               RangeMethod::KlDivergence, RangeMethod::Mse}) {
        RangePolicy policy;
        policy.method = method;
        const Clock::time_point start = Clock::now();
        Result<RangeTable> table = chooseRanges(statistics, graph.value(), policy);
        const double ms = msSince(start);
        if (!table.isOk()) {
            // E.g. a dequantized twin's dangling QUANTIZE input tensor has no statistics.
            std::printf("| %s | not timed: %s |\n", std::string(rangeMethodName(method)).c_str(), table.message().c_str());
            continue;
        }
        std::printf("| %s | %.1f |\n", std::string(rangeMethodName(method)).c_str(), ms);
    }
    return 0;
}
