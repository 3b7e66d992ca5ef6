// `rangefinder-batch report`: float vs quantized analysis (or a quantized model
// alone) over a set of images, written as report.html, report.json and layers.csv.
// The report folder appears complete or not at all: everything is written into a
// temporary sibling folder that is renamed at the end.

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "analysis/sensitivity.h"
#include "commands.h"
#include "data/image_source.h"
#include "data/preprocess_options.h"
#include "io/model_loader.h"
#include "report/html_report.h"
#include "report/layers_csv.h"
#include "report/report_json.h"
#include "util/atomic_file.h"

namespace rf::batch {
namespace {

namespace fs = std::filesystem;

const char* kReportUsage = R"(Usage: rangefinder-batch report --quant MODEL.tflite [--float MODEL.h5|.tflite]
                                --images DIR|FILE... --out REPORT_DIR [options]

Compares a float model with its quantized version layer by layer over a set of
images (or analyses a quantized model alone) and writes REPORT_DIR/report.html
(plots embedded), report.json (schema: docs/report.schema.json) and layers.csv.

  --float PATH            the float model (Keras .h5 or .tflite); omit to analyse the
                          quantized model alone (ranges, utilization, histograms)
  --quant PATH            the quantized model (.tflite)
  --images SPEC...        image files, folders (class sub-folders), list files, IDX
  --limit N               use at most N images
  --out DIR               report folder (must not exist unless --force)
  --force                 replace an existing report folder
  --preset NAME           mobilenet, unit, caffe, torch, raw (see `run --help`)
  --mean_values M[,M,M]   real = (pixel - mean) / std
  --std_dev_values S[,S,S]
  --color auto|rgb|bgr|gray    --resize bilinear|area    --central-crop F
                          Without normalization options, a quantized uint8/int8 image
                          input defines it: raw pixels are its codes (mean = zero
                          point, std = 1 / scale), the float model gets the same reals.
  --labels FILE           class names in output order; images in class sub-folders
                          (or labelled list files) then give accuracy
  --kernels builtin|xnnpack    kernels of the quantized model (default builtin)
  --drift                 also compare builtin and XNNPACK kernels layer by layer
  --sensitivity           fake-quantize one layer at a time and all but one (float model needed)
  --sensitivity-images N  images used by --sensitivity (default 8)
  --jobs N                worker threads (default 1)
  --fail-below-sqnr DB    exit 1 when a tensor's SQNR is below DB dB (lists them)
  --fail-below-agreement P  exit 1 when top-1 agreement is below P (0..1, or N%)
  --no-html               skip report.html
  --help

Exit codes: 0 ok, 1 a --fail-below gate failed or writing failed, 2 bad input.
)";

struct ReportOptions {
    std::string floatModel, quantModel, outDir, labelsFile;
    std::vector<std::string> images;
    std::optional<int64_t> limit;
    bool force = false, drift = false, sensitivity = false, html = true;
    int sensitivityImages = 8;
    int jobs = 1;
    KernelMode kernels = KernelMode::Builtin;
    std::optional<double> failBelowSqnr, failBelowAgreement;
    PreprocessOptions preprocess;
    std::string preset;
    std::vector<float> mean, stddev;
};

int badInput(const std::string& message)
{
    std::fprintf(stderr, "rangefinder-batch report: %s\n", message.c_str());
    return kExitBadInput;
}

Result<double> parseNumber(const std::string& option, const std::string& text)
{
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value)) {
        return Status::error(option + ": '" + text + "' is not a number");
    }
    return value;
}

Result<ReportOptions> parseArgs(const std::vector<std::string>& args, bool& help)
{
    ReportOptions o;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const auto value = [&]() -> Result<std::string> {
            if (i + 1 >= args.size()) return Status::error(a + " needs a value");
            return args[++i];
        };
        const auto number = [&]() -> Result<double> {
            RF_ASSIGN_OR_RETURN(std::string text, value());
            return parseNumber(a, text);
        };
        if (a == "--help" || a == "-h") {
            help = true;
            return o;
        } else if (a == "--float") {
            RF_ASSIGN_OR_RETURN(o.floatModel, value());
        } else if (a == "--quant") {
            RF_ASSIGN_OR_RETURN(o.quantModel, value());
        } else if (a == "--out") {
            RF_ASSIGN_OR_RETURN(o.outDir, value());
        } else if (a == "--images") {
            // Every following argument up to the next option is an image spec.
            while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) o.images.push_back(args[++i]);
            if (o.images.empty()) return Status::error("--images needs at least one file or folder");
        } else if (a == "--limit") {
            RF_ASSIGN_OR_RETURN(double n, number());
            if (n < 1 || n != std::floor(n)) return Status::error("--limit must be a positive integer");
            o.limit = static_cast<int64_t>(n);
        } else if (a == "--labels") {
            RF_ASSIGN_OR_RETURN(o.labelsFile, value());
        } else if (a == "--kernels") {
            RF_ASSIGN_OR_RETURN(std::string name, value());
            const auto mode = kernelModeFromName(name);
            if (!mode) return Status::error("--kernels must be builtin or xnnpack, not '" + name + "'");
            o.kernels = *mode;
        } else if (a == "--drift") {
            o.drift = true;
        } else if (a == "--sensitivity") {
            o.sensitivity = true;
        } else if (a == "--sensitivity-images") {
            RF_ASSIGN_OR_RETURN(double n, number());
            if (n < 1 || n != std::floor(n)) return Status::error("--sensitivity-images must be a positive integer");
            o.sensitivityImages = static_cast<int>(n);
        } else if (a == "--jobs") {
            RF_ASSIGN_OR_RETURN(double n, number());
            if (n < 1 || n > 256 || n != std::floor(n)) return Status::error("--jobs must be an integer from 1 to 256");
            o.jobs = static_cast<int>(n);
        } else if (a == "--fail-below-sqnr") {
            RF_ASSIGN_OR_RETURN(o.failBelowSqnr, number());
        } else if (a == "--fail-below-agreement") {
            RF_ASSIGN_OR_RETURN(std::string text, value());
            const bool percent = !text.empty() && text.back() == '%';
            RF_ASSIGN_OR_RETURN(double p, parseNumber(a, percent ? text.substr(0, text.size() - 1) : text));
            if (percent) p /= 100.0;
            if (p < 0 || p > 1) return Status::error("--fail-below-agreement must be in 0..1 (or 0%..100%), not " + text);
            o.failBelowAgreement = p;
        } else if (a == "--force") {
            o.force = true;
        } else if (a == "--no-html") {
            o.html = false;
        } else if (a == "--preset") {
            RF_ASSIGN_OR_RETURN(o.preset, value());
        } else if (a == "--mean_values") {
            RF_ASSIGN_OR_RETURN(std::string text, value());
            RF_ASSIGN_OR_RETURN(o.mean, parseFloatList(a, text));
        } else if (a == "--std_dev_values") {
            RF_ASSIGN_OR_RETURN(std::string text, value());
            RF_ASSIGN_OR_RETURN(o.stddev, parseFloatList(a, text));
        } else if (a == "--color") {
            RF_ASSIGN_OR_RETURN(std::string text, value());
            const auto color = colorOrderFromName(text);
            if (!color) return Status::error("--color must be auto, rgb, bgr or gray, not '" + text + "'");
            o.preprocess.color = *color;
        } else if (a == "--resize") {
            RF_ASSIGN_OR_RETURN(std::string text, value());
            const auto method = resizeMethodFromName(text);
            if (!method) return Status::error("--resize must be bilinear or area, not '" + text + "'");
            o.preprocess.resize = *method;
        } else if (a == "--central-crop") {
            RF_ASSIGN_OR_RETURN(o.preprocess.centralCrop, number());
        } else {
            return Status::error("unknown option '" + a + "' (see rangefinder-batch report --help)");
        }
    }
    if (o.quantModel.empty()) return Status::error("--quant MODEL.tflite is required");
    if (o.images.empty()) return Status::error("--images is required");
    if (o.outDir.empty()) return Status::error("--out REPORT_DIR is required");
    if (o.floatModel.empty() && o.sensitivity) return Status::error("--sensitivity needs --float (a float model to fake-quantize)");
    if (o.floatModel.empty() && o.failBelowSqnr) return Status::error("--fail-below-sqnr needs --float (SQNR compares with the float model)");
    if (o.floatModel.empty() && o.failBelowAgreement) return Status::error("--fail-below-agreement needs --float");
    if (!o.preset.empty()) RF_RETURN_IF_ERROR(applyPreset(o.preset, o.preprocess));
    if (!o.mean.empty()) o.preprocess.meanValues = o.mean;
    if (!o.stddev.empty()) o.preprocess.stdDevValues = o.stddev;
    if (o.preprocess.meanValues.empty() != o.preprocess.stdDevValues.empty()) {
        return Status::error("--mean_values and --std_dev_values go together (or use --preset)");
    }
    RF_RETURN_IF_ERROR(o.preprocess.validate());
    return o;
}

/// Without explicit normalization: a quantized image input defines the float
/// values of raw pixels (pixel p is fed as code p (uint8) or p - 128 (int8), real =
/// scale * (code - zero point)), and the float model gets exactly those reals.
Status deriveNormalization(const Graph& quant, bool haveFloat, PreprocessOptions& preprocess)
{
    if (preprocess.hasNormalization()) {
        preprocess.integerInput = IntegerInputMode::Quantize;
        return Status::ok();
    }
    const Tensor& input = quant.tensors[static_cast<size_t>(quant.inputs[0])];
    if (input.isQuantized() && (input.dtype == DType::UInt8 || input.dtype == DType::Int8)) {
        const double offset = input.dtype == DType::Int8 ? 128.0 : 0.0;
        preprocess.meanValues = {static_cast<float>(offset + static_cast<double>(input.quant.zeroPoint(0)))};
        preprocess.stdDevValues = {static_cast<float>(1.0 / input.quant.scale(0))};
        preprocess.integerInput = IntegerInputMode::Quantize;
        std::fprintf(stderr, "report: no --preset/--mean_values given; from %s's input quantization: mean %g, std %g\n",
                     quant.sourcePath.c_str(), preprocess.meanValues[0], preprocess.stdDevValues[0]);
        return Status::ok();
    }
    if (!haveFloat) return Status::ok(); // quantized-only with a float input: the model's own convention
    return Status::error(quant.sourcePath + ": input '" + input.name +
                         "' is not an integer tensor, so it does not say how pixels become values; give --preset or "
                         "--mean_values/--std_dev_values");
}

std::string joinArgs(const std::vector<std::string>& args)
{
    std::string text = "rangefinder-batch report";
    for (const std::string& a : args) text += " " + a;
    return text;
}

/// Removes a directory tree, ignoring errors (cleanup of a failed run).
void removeTree(const fs::path& path)
{
    std::error_code ignored;
    fs::remove_all(path, ignored);
}

int reportMain(const std::vector<std::string>& args)
{
    bool help = false;
    Result<ReportOptions> parsed = parseArgs(args, help);
    if (help) {
        std::fputs(kReportUsage, stdout);
        return kExitOk;
    }
    if (!parsed.isOk()) return badInput(parsed.message());
    ReportOptions o = std::move(parsed).value();

    const fs::path out(o.outDir);
    std::error_code ec;
    if (fs::exists(out, ec) && !o.force) {
        return badInput(o.outDir + " already exists (use --force to replace it)");
    }
    const fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
    if (!fs::is_directory(parent, ec)) return badInput("the parent folder of " + o.outDir + " does not exist");

    // Models.
    Result<Graph> quant = loadModelFile(o.quantModel);
    if (!quant.isOk()) return badInput(quant.message());
    std::optional<Graph> floatGraph;
    if (!o.floatModel.empty()) {
        Result<Graph> loaded = loadModelFile(o.floatModel);
        if (!loaded.isOk()) return badInput(loaded.message());
        floatGraph = std::move(loaded).value();
        // Refuse different networks before spending time on images.
        Result<TensorMatching> matching = matchTensors(*floatGraph, quant.value());
        if (!matching.isOk()) return badInput(matching.message());
    }
    if (quant.value().inputs.empty() || quant.value().outputs.empty()) {
        return badInput(o.quantModel + ": the model has no inputs or no outputs");
    }
    Status derived = deriveNormalization(quant.value(), floatGraph.has_value(), o.preprocess);
    if (!derived.isOk()) return badInput(derived.message());

    // Images and labels.
    ImageSourceOptions sourceOptions;
    sourceOptions.limit = o.limit;
    Result<ImageSource> opened = ImageSource::open(o.images, sourceOptions);
    if (!opened.isOk()) return badInput(opened.message());
    const ImageSource source = std::move(opened).value();
    if (source.empty()) return badInput("no images found in the given --images");
    std::vector<std::string> classNames;
    if (!o.labelsFile.empty()) {
        Result<std::vector<std::string>> labels = readLabelsFile(o.labelsFile);
        if (!labels.isOk()) return badInput(labels.message());
        classNames = std::move(labels).value();
    }
    AnalysisInputs inputs;
    for (size_t i = 0; i < source.size(); ++i) {
        inputs.names.push_back(source.item(i).name);
        const std::optional<int> label = classNames.empty() && !source.item(i).labelIndex
                                             ? std::nullopt
                                             : resolveLabel(source.item(i), classNames);
        inputs.labels.push_back(label.value_or(-1));
    }
    const PreprocessOptions preprocess = o.preprocess;
    inputs.provider = [&source, preprocess](size_t index, const Tensor& tensor) {
        return source.loadTensor(index, tensor, preprocess);
    };

    // Progress on stderr, one line per step.
    std::mutex printMutex;
    AnalysisControl control;
    control.onProgress = [&](size_t done, size_t total, const std::string& what) {
        std::lock_guard lock(printMutex);
        std::fprintf(stderr, "report: %s %zu/%zu\n", what.c_str(), done, total);
    };

    AnalysisOptions analysisOptions;
    analysisOptions.kernels = o.kernels;
    analysisOptions.jobs = o.jobs;
    analysisOptions.drift = o.drift;
    Result<AnalysisResult> analysed = floatGraph ? runAnalysis(*floatGraph, quant.value(), inputs, analysisOptions, &control)
                                                 : runQuantizedOnlyAnalysis(quant.value(), inputs, analysisOptions, &control);
    if (!analysed.isOk()) return badInput(analysed.message());
    AnalysisResult result = std::move(analysed).value();

    if (o.sensitivity) {
        Result<TensorMatching> matching = matchTensors(*floatGraph, quant.value());
        AnalysisInputs subset = inputs;
        const size_t n = std::min<size_t>(static_cast<size_t>(o.sensitivityImages), inputs.names.size());
        subset.names.resize(n);
        subset.labels.resize(std::min(n, subset.labels.size()));
        Result<SensitivityReport> sensitivity =
            runSensitivity(*floatGraph, quant.value(), matching.value(), subset, o.jobs, &control);
        if (!sensitivity.isOk()) return badInput(sensitivity.message());
        result.sensitivity = std::move(sensitivity).value();
    }

    // Gates.
    ReportContext context;
    context.command = joinArgs(args);
    if (o.failBelowSqnr) {
        GateResult gate{"sqnr_db", *o.failBelowSqnr, {}};
        for (const TensorReport& t : result.tensors) {
            if (t.error && t.error->sqnrDb < *o.failBelowSqnr) gate.failing.push_back(t.name);
        }
        context.gates.push_back(gate);
    }
    if (o.failBelowAgreement) {
        GateResult gate{"top1_agreement", *o.failBelowAgreement, {}};
        if (!(result.model.top1Agreement >= *o.failBelowAgreement)) gate.failing.push_back("model");
        context.gates.push_back(gate);
    }

    // Write everything into a temporary sibling, then rename it into place.
    const std::string json = reportToJson(result, context);
    std::string html;
    if (o.html) {
        ensureGuiApplication();
        html = renderHtmlReport(result, context);
    }
    std::random_device random;
    const fs::path temp = parent / (out.filename().string() + ".partial-" + std::to_string(random()));
    if (!fs::create_directory(temp, ec)) {
        std::fprintf(stderr, "rangefinder-batch report: cannot create %s: %s\n", temp.string().c_str(), ec.message().c_str());
        return kExitFailure;
    }
    const auto write = [&](const std::string& name, const std::string& text) {
        return writeFileAtomic((temp / name).string(), text, OverwritePolicy::Refuse);
    };
    Status written = write("report.json", json);
    if (written.isOk()) written = write("layers.csv", layersToCsv(result));
    if (written.isOk() && o.html) written = write("report.html", html);
    if (!written.isOk()) {
        removeTree(temp);
        std::fprintf(stderr, "rangefinder-batch report: %s\n", written.message().c_str());
        return kExitFailure;
    }
    fs::path old;
    if (fs::exists(out, ec)) {
        old = parent / (out.filename().string() + ".old-" + std::to_string(random()));
        fs::rename(out, old, ec);
        if (ec) {
            removeTree(temp);
            std::fprintf(stderr, "rangefinder-batch report: cannot replace %s: %s\n", o.outDir.c_str(), ec.message().c_str());
            return kExitFailure;
        }
    }
    fs::rename(temp, out, ec);
    if (ec) {
        removeTree(temp);
        std::fprintf(stderr, "rangefinder-batch report: cannot create %s: %s\n", o.outDir.c_str(), ec.message().c_str());
        return kExitFailure;
    }
    if (!old.empty()) removeTree(old);

    // Summary on stdout.
    std::printf("report written to %s (%zu tensors, %lld images)\n", o.outDir.c_str(), result.tensors.size(),
                static_cast<long long>(result.model.images));
    if (floatGraph) {
        std::printf("top-1 agreement %.4f, output SQNR %.2f dB\n", result.model.top1Agreement,
                    result.model.outputError ? result.model.outputError->sqnrDb : NAN);
    }
    int exitCode = kExitOk;
    for (const GateResult& gate : context.gates) {
        if (gate.failing.empty()) continue;
        exitCode = kExitFailure;
        std::fprintf(stderr, "FAILED gate %s < %g:", gate.kind.c_str(), gate.threshold);
        if (gate.kind == "top1_agreement") {
            std::fprintf(stderr, " top-1 agreement %.4f", result.model.top1Agreement);
        }
        for (const std::string& name : gate.failing) {
            if (gate.kind == "sqnr_db") {
                for (const TensorReport& t : result.tensors) {
                    if (t.name == name && t.error) std::fprintf(stderr, "\n  %s: %.2f dB", name.c_str(), t.error->sqnrDb);
                }
            }
        }
        std::fprintf(stderr, "\n");
    }
    return exitCode;
}

const SubcommandRegistration kRegistration{{"report", "float vs quantized analysis report (HTML, JSON, CSV)", &reportMain}};

} // namespace
} // namespace rf::batch
