// rangefinder-report-bench: the cost of a full analysis report (issue #5, must-show 5)
// against the bare cost of running both models over the same images.
//
//   rangefinder-report-bench [--float F] [--quant Q] [--images DIR] [--count 50] [--repeat 3]
//
// Baseline: for each image, load + preprocess it for both models and invoke the float
// and the quantized model once (single thread). Report: runAnalysis (every matched
// tensor compared, histograms, code usage, weights) + report.json + layers.csv +
// report.html with its plots, single thread. Without --float the quantized model's
// dequantized twin serves as the float model. Prints the best of --repeat runs each.

#include <QApplication>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "analysis/analyzer.h"
#include "analysis/dequantized_twin.h"
#include "data/image_source.h"
#include "io/model_loader.h"
#include "report/html_report.h"
#include "report/layers_csv.h"
#include "report/report_json.h"
#include "runtime/interpreter.h"
#include "test_support.h"

using namespace rf;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

int fail(const std::string& message)
{
    std::fprintf(stderr, "rangefinder-report-bench: %s\n", message.c_str());
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    const std::string shared = test::sharedDir().value_or("../shared");
    std::string floatPath, quantPath = shared + "/corpus/tflite/tf2_mobilenet_v2_1.0_224_ptq_int8.tflite";
    std::string imagesDir = shared + "/corpus/images/imagenet";
    size_t count = 50;
    int repeat = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return fail("missing value after " + a);
        const std::string v = argv[++i];
        if (a == "--float") floatPath = v;
        else if (a == "--quant") quantPath = v;
        else if (a == "--images") imagesDir = v;
        else if (a == "--count") count = static_cast<size_t>(std::stoul(v));
        else if (a == "--repeat") repeat = std::max(1, std::stoi(v));
        else return fail("unknown option " + a);
    }
    auto quant = loadModelFile(quantPath);
    if (!quant.isOk()) return fail(quant.message());
    Result<Graph> floatGraph = floatPath.empty() ? buildDequantizedTwin(quant.value()) : loadModelFile(floatPath);
    if (!floatGraph.isOk()) return fail(floatGraph.message());
    ImageSourceOptions sourceOptions;
    sourceOptions.limit = static_cast<int64_t>(count);
    auto source = ImageSource::open(imagesDir, sourceOptions);
    if (!source.isOk()) return fail(source.message());
    if (source.value().size() < count) return fail("fewer than " + std::to_string(count) + " images in " + imagesDir);

    const Tensor& input = quant.value().tensors[quant.value().inputs[0]];
    PreprocessOptions preprocess;
    const double offset = input.dtype == DType::Int8 ? 128.0 : 0.0;
    preprocess.meanValues = {static_cast<float>(offset + input.quant.zeroPoint(0))};
    preprocess.stdDevValues = {static_cast<float>(1.0 / input.quant.scale(0))};
    preprocess.integerInput = IntegerInputMode::Quantize;
    AnalysisInputs inputs;
    for (size_t i = 0; i < count; ++i) inputs.names.push_back(source.value().item(i).name);
    inputs.provider = [&](size_t index, const Tensor& tensor) { return source.value().loadTensor(index, tensor, preprocess); };

    ensureGuiApplication();
    auto floatRun = Interpreter::create(floatGraph.value(), {KernelMode::Builtin, 1});
    auto quantRun = Interpreter::create(quant.value(), {KernelMode::Builtin, 1});
    if (!floatRun.isOk() || !quantRun.isOk()) return fail("cannot create interpreters");
    double baseline = 1e30, report = 1e30, analysisOnly = 1e30;
    size_t tensors = 0, htmlBytes = 0;
    for (int r = 0; r < repeat; ++r) {
        const auto t0 = Clock::now();
        for (size_t i = 0; i < count; ++i) {
            for (Interpreter* interpreter : {floatRun.value().get(), quantRun.value().get()}) {
                const Tensor& in = interpreter->graph().tensors[interpreter->graph().inputs[0]];
                auto value = inputs.provider(i, in);
                if (!value.isOk()) return fail(value.message());
                if (!interpreter->setInput(0, value.value().bytes(), value.value().byteSize()).isOk()) return fail("setInput");
                if (!interpreter->invoke().isOk()) return fail("invoke");
            }
        }
        const auto t1 = Clock::now();
        AnalysisOptions options;
        auto result = runAnalysis(floatGraph.value(), quant.value(), inputs, options);
        if (!result.isOk()) return fail(result.message());
        const auto tAnalysis = Clock::now();
        const std::string json = reportToJson(result.value());
        const std::string csv = layersToCsv(result.value());
        const std::string html = renderHtmlReport(result.value(), {});
        const auto t2 = Clock::now();
        analysisOnly = std::min(analysisOnly, seconds(t1, tAnalysis));
        baseline = std::min(baseline, seconds(t0, t1));
        report = std::min(report, seconds(t1, t2));
        tensors = result.value().tensors.size();
        htmlBytes = html.size() + json.size() + csv.size();
    }
    std::printf("model: %s (float: %s)\nimages: %zu, tensors compared: %zu, report bytes: %zu\n", quantPath.c_str(),
                floatPath.empty() ? "dequantized twin" : floatPath.c_str(), count, tensors, htmlBytes);
    std::printf("both models over the images: %.3f s\nfull report (analysis + JSON + CSV + HTML with plots): %.3f s\n"
                "  of which the analysis: %.3f s, writing JSON/CSV/HTML: %.3f s\nratio: %.2fx\n",
                baseline, report, analysisOnly, report - analysisOnly, report / baseline);
    return 0;
}
