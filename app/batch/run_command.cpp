// rangefinder-batch run: load, run, write the oracle's file layout.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <unordered_set>

#include "commands.h"
#include "data/image_source.h"
#include "io/model_loader.h"
#include "io/tensor_files.h"
#include "runtime/interpreter.h"
#include "util/atomic_file.h"
#include "util/sha256.h"

namespace rf::batch {

namespace {

namespace fs = std::filesystem;

/// Prints a bad-input error and returns its exit code.
int badInput(const std::string& message)
{
    std::fprintf(stderr, "rangefinder-batch: error: %s\n", message.c_str());
    return kExitBadInput;
}

int failure(const std::string& message)
{
    std::fprintf(stderr, "rangefinder-batch: error: %s\n", message.c_str());
    return kExitFailure;
}

/// Names of files a run writes (so that --force can clear a previous run's
/// results, and only those): output_<i>.{bin,json,npy}, outputs.json, timing.json,
/// intermediates/tNNNN_<name>.{bin,json,npy}.
bool isResultFileName(const std::string& name, bool inIntermediates)
{
    static const std::regex outputPattern(R"(output_[0-9]+\.(bin|json|npy))");
    static const std::regex intermediatePattern(R"(t[0-9]{4,}_[A-Za-z0-9_.-]*\.(bin|json|npy))");
    if (inIntermediates) return std::regex_match(name, intermediatePattern);
    return name == "outputs.json" || name == "timing.json" || name == "results.json" ||
           std::regex_match(name, outputPattern);
}

/// The output folder rule: OUT may be missing (it is created) or an empty folder.
/// A non-empty folder is refused unless --force, so that a typo never mixes
/// results of two runs or clobbers a user's files; with --force the previous
/// run's result files are removed (and only they) before writing.
Status checkOutputDirectory(const std::string& dir, bool force)
{
    std::error_code ec;
    const fs::file_status status = fs::status(dir, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) return Status::error(dir + ": " + ec.message());
    if (!fs::exists(status)) return Status::ok();
    if (!fs::is_directory(status)) return Status::error(dir + ": exists and is not a folder");
    if (!force && !fs::is_empty(dir, ec))
        return Status::error(dir + ": the output folder is not empty (use --force to replace a previous run's results in it)");
    return Status::ok();
}

Status prepareOutputDirectory(const std::string& dir, bool force, bool dumpIntermediates)
{
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Status::error(dir + ": cannot create the output folder: " + ec.message());
    if (force) {
        const auto clear = [&](const fs::path& folder, bool inIntermediates) -> Status {
            if (!fs::is_directory(folder, ec)) return Status::ok();
            for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
                if (!entry.is_regular_file(ec)) continue;
                if (!isResultFileName(entry.path().filename().string(), inIntermediates)) continue;
                fs::remove(entry.path(), ec);
                if (ec) return Status::error(entry.path().string() + ": cannot remove: " + ec.message());
            }
            return Status::ok();
        };
        RF_RETURN_IF_ERROR(clear(dir, false));
        RF_RETURN_IF_ERROR(clear(fs::path(dir) / "intermediates", true));
    }
    if (dumpIntermediates) {
        fs::create_directories(fs::path(dir) / "intermediates", ec);
        if (ec) return Status::error(dir + "/intermediates: cannot create: " + ec.message());
    }
    return Status::ok();
}

/// Keeps a copy of every tensor an op writes (for --dump-intermediates).
class SnapshotObserver : public TensorObserver {
public:
    explicit SnapshotObserver(size_t tensorCount) : values_(tensorCount) {}
    void onTensor(int opIndex, int32_t tensorIndex, const Tensor&, const TensorValue& value) override
    {
        if (opIndex >= 0) values_[tensorIndex] = value;
    }
    const std::optional<TensorValue>& value(int32_t tensorIndex) const { return values_[tensorIndex]; }

private:
    std::vector<std::optional<TensorValue>> values_;
};

std::span<const uint8_t> bytesOf(const TensorValue& value)
{
    return {reinterpret_cast<const uint8_t*>(value.bytes()), value.byteSize()};
}

std::string quantText(const QuantParams& quant, bool scale)
{
    if (quant.scales.empty() && quant.zeroPoints.empty()) return "null";
    char buffer[64];
    if (quant.scales.size() <= 1 && quant.zeroPoints.size() <= 1) {
        if (scale) {
            if (quant.scales.empty()) return "null";
            std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(quant.scales[0]));
        } else {
            std::snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(quant.zeroPoint(0)));
        }
        return buffer;
    }
    return "[" + std::to_string(scale ? quant.scales.size() : quant.zeroPoints.size()) + " per-channel values]";
}

std::string shapeList(const Shape& shape)
{
    std::string text;
    for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
    return text;
}

/// Output 0 as real numbers (dequantized when quantized), for --labels.
std::vector<double> realValues(const TensorValue& value, const QuantParams& quant)
{
    std::vector<double> out(static_cast<size_t>(value.elementCount()));
    const double scale = quant.empty() ? 1.0 : quant.scale(0);
    const double zeroPoint = quant.empty() ? 0.0 : static_cast<double>(quant.zeroPoint(0));
    for (size_t i = 0; i < out.size(); ++i) {
        double stored = 0;
        switch (value.dtype()) {
        case DType::Float32: stored = value.data<float>()[i]; break;
        case DType::Float64: stored = value.data<double>()[i]; break;
        case DType::Int8: stored = value.data<int8_t>()[i]; break;
        case DType::UInt8: stored = value.data<uint8_t>()[i]; break;
        case DType::Int16: stored = value.data<int16_t>()[i]; break;
        case DType::Int32: stored = value.data<int32_t>()[i]; break;
        default: break;
        }
        out[i] = value.dtype() == DType::Float32 || value.dtype() == DType::Float64 ? stored : scale * (stored - zeroPoint);
    }
    return out;
}


/// The classes of output 0, best first (ties by index), as (index, score).
std::vector<std::pair<size_t, double>> topClasses(const Interpreter& interpreter, int top)
{
    const Graph& model = interpreter.graph();
    const std::vector<double> scores = realValues(interpreter.output(0), model.tensors[model.outputs[0]].quant);
    std::vector<size_t> order(scores.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    const size_t k = std::min(order.size(), static_cast<size_t>(top));
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](size_t a, size_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); });
    std::vector<std::pair<size_t, double>> best;
    for (size_t r = 0; r < k; ++r) best.emplace_back(order[r], scores[order[r]]);
    return best;
}

std::string className(const std::vector<std::string>& labels, size_t index)
{
    return index < labels.size() ? labels[index] : "class " + std::to_string(index);
}

/// Writes output_<i>, intermediates (with --dump-intermediates) and outputs.json
/// of the last invocation into `dir`, and fills manifest.outputs.
Status writeRunFiles(const Interpreter& interpreter, const RunOptions& options, const std::string& dir,
                     const SnapshotObserver& snapshots, RunManifest& manifest, bool quiet)
{
    const Graph& model = interpreter.graph();
    const OverwritePolicy policy = options.force ? OverwritePolicy::Replace : OverwritePolicy::Refuse;
    manifest.outputs.clear();
    for (size_t i = 0; i < model.outputs.size(); ++i) {
        const TensorValue& value = interpreter.output(i);
        TensorFileInfo info = tensorFileInfo(model, model.outputs[i], value.shape());
        info.outputIndex = static_cast<int32_t>(i);
        RF_ASSIGN_OR_RETURN(TensorFileInfo written,
                            writeTensorFile(dir, "output_" + std::to_string(i), info, bytesOf(value), policy, options.npy));
        manifest.outputs.push_back(std::move(written));
    }
    if (options.dumpIntermediates) {
        // The oracle's order: graph outputs first, then every op output in op order.
        std::vector<int32_t> dumped;
        std::unordered_set<int32_t> seen;
        for (int32_t t : model.outputs)
            if (seen.insert(t).second) dumped.push_back(t);
        std::vector<int> producer(model.tensors.size(), -1);
        for (size_t o = 0; o < model.ops.size(); ++o)
            for (int32_t t : model.ops[o].outputs) {
                if (t < 0) continue;
                producer[t] = static_cast<int>(o);
                if (seen.insert(t).second) dumped.push_back(t);
            }
        const std::string folder = (fs::path(dir) / "intermediates").string();
        std::vector<std::string> files;
        for (int32_t t : dumped) {
            const std::optional<TensorValue>& snapshot = snapshots.value(t);
            const TensorValue& value = snapshot ? *snapshot : interpreter.tensorValue(t);
            TensorFileInfo info = tensorFileInfo(model, t, value.shape());
            if (producer[t] >= 0) {
                info.opIndex = producer[t];
                info.opName = model.ops[producer[t]].typeName;
            }
            // Tensor names (Keras layer names for .h5 models) become safe file names:
            // anything but letters, digits, '_', '.', '-' turns into '_'.
            RF_ASSIGN_OR_RETURN(TensorFileInfo written, writeTensorFile(folder, intermediateFileStem(t, model.tensors[t].name),
                                                                        info, bytesOf(value), policy, options.npy));
            files.push_back(written.file);
        }
        manifest.intermediateFiles = files;
        if (!quiet) std::printf("intermediates: %zu tensors written to %s\n", files.size(), folder.c_str());
    }
    return writeRunManifest(dir, manifest, policy);
}

/// A folder name for an image: its display name without the extension, made
/// safe (letters, digits, '_', '.', '-'), unique among `used`.
std::string imageFolderName(const ImageItem& item, std::unordered_set<std::string>& used)
{
    std::string name = item.name;
    if (item.kind != ImageItemKind::IdxRecord) {
        const size_t dot = name.rfind('.');
        const size_t slash = name.rfind('/');
        if (dot != std::string::npos && dot > 0 && (slash == std::string::npos || dot > slash + 1)) name.resize(dot);
    }
    std::string safe = sanitizeTensorName(name);
    while (!safe.empty() && (safe.front() == '.' || safe.front() == '_')) safe.erase(safe.begin());
    if (safe.empty()) safe = "image";
    std::string unique = safe;
    for (int n = 2; !used.insert(unique).second; ++n) unique = safe + "_" + std::to_string(n);
    return unique;
}

} // namespace

namespace {

/// Image mode: every image (or .npy) of the inputs through model input 0.
int runImages(Interpreter& interpreter, const RunOptions& options, const std::vector<std::string>& labels,
              RunManifest baseManifest)
{
    const Graph& model = interpreter.graph();
    ImageSourceOptions sourceOptions;
    sourceOptions.limit = options.limit;
    Result<ImageSource> opened = ImageSource::open(options.inputs, sourceOptions);
    if (!opened.isOk()) return badInput(opened.message());
    const ImageSource& source = opened.value();
    if (source.empty()) return badInput("no images in the given inputs");
    if (Status status = options.preprocess.validate(); !status.isOk()) return badInput(status.message());
    if (model.inputs.size() > 1 && options.fill == InputFill::None)
        return badInput(options.model + ": images feed input 0, the model has " + std::to_string(model.inputs.size()) +
                        " inputs (use --fill zeros|random for the others)");
    if (options.benchRuns > 0 && source.size() > 1)
        return badInput("--bench times one input; " + std::to_string(source.size()) + " images were given");
    if (model.outputs.empty()) return badInput(options.model + ": the model has no outputs");

    const Tensor& inputTensor = model.tensors[model.inputs[0]];
    // Fail on the first image before anything is written (wrong preprocessing
    // for this input, undecodable file): the same error would repeat for every image.
    {
        Result<TensorValue> first = source.loadTensor(0, inputTensor, options.preprocess);
        if (!first.isOk())
            return badInput(first.message() + " (model input 0, " + model.tensorLabel(model.inputs[0]) + ", " +
                            std::string(dtypeName(inputTensor.dtype)) + " " + shapeToString(inputTensor.shape) + ")");
    }
    const bool several = source.size() > 1;
    const bool writeTensors = !options.summaryOnly;
    if (Status status = prepareOutputDirectory(options.outDir, options.force, options.dumpIntermediates && !several && writeTensors);
        !status.isOk())
        return failure(status.message());
    const OverwritePolicy policy = options.force ? OverwritePolicy::Replace : OverwritePolicy::Refuse;
    const bool anyLabel = std::any_of(source.items().begin(), source.items().end(),
                                      [](const ImageItem& item) { return !item.label.empty(); });
    const bool classify = !labels.empty() || anyLabel;

    nlohmann::ordered_json results;
    results["model"] = baseManifest.modelPath;
    results["runtime"] = baseManifest.runtime;
    results["kernels"] = baseManifest.kernels;
    results["input"] = {{"index", 0}, {"name", inputTensor.name}, {"dtype", std::string(dtypeName(inputTensor.dtype))},
                        {"shape", inputTensor.shape}};
    results["preprocessing"] = nlohmann::ordered_json::parse(options.preprocess.toJson());
    if (!options.labelsFile.empty()) results["labels_file"] = options.labelsFile;
    nlohmann::ordered_json images = nlohmann::ordered_json::array();

    std::unordered_set<std::string> usedFolders;
    size_t labelled = 0, correctTop1 = 0, correctTopK = 0, failed = 0;
    SnapshotObserver snapshots(model.tensors.size());
    for (size_t i = 0; i < source.size(); ++i) {
        const ImageItem& item = source.item(i);
        nlohmann::ordered_json entry;
        entry["name"] = item.name;
        entry["source"] = item.kind == ImageItemKind::IdxRecord ? item.path + "#" + std::to_string(item.record) : item.path;
        if (!item.label.empty()) entry["label"] = item.label;
        const std::optional<int> expected = resolveLabel(item, labels);
        if (expected) entry["label_index"] = *expected;

        Result<TensorValue> value = source.loadTensor(i, inputTensor, options.preprocess);
        Status status = value.isOk() ? interpreter.setInput(0, value.value().bytes(), value.value().byteSize()) : value.status();
        for (size_t k = 1; status.isOk() && k < model.inputs.size(); ++k) {
            const std::vector<uint8_t> bytes =
                fillInputBytes(options.fill, interpreter.input(k).byteSize(), 12345u + static_cast<uint32_t>(k));
            status = interpreter.setInput(k, bytes.data(), bytes.size());
        }
        if (status.isOk()) status = interpreter.invoke(options.dumpIntermediates ? &snapshots : nullptr);
        if (!status.isOk()) {
            // One bad file in a large set is reported and skipped; the run still fails at the end.
            std::fprintf(stderr, "rangefinder-batch: error: %s: %s\n", item.name.c_str(), status.message().c_str());
            entry["error"] = status.message();
            images.push_back(std::move(entry));
            ++failed;
            continue;
        }

        if (writeTensors) {
            const std::string dir = several ? (fs::path(options.outDir) / imageFolderName(item, usedFolders)).string()
                                            : options.outDir;
            if (several) {
                if (Status prepared = prepareOutputDirectory(dir, options.force, options.dumpIntermediates); !prepared.isOk())
                    return failure(prepared.message());
                entry["folder"] = fs::path(dir).filename().string();
            }
            RunManifest manifest = baseManifest;
            for (size_t k = 0; k < model.inputs.size(); ++k) {
                const TensorValue& input = interpreter.input(k);
                manifest.inputs.push_back({static_cast<int>(k), model.tensors[model.inputs[k]].name, model.inputs[k],
                                           input.dtype(), input.shape(),
                                           k == 0 ? entry["source"].get<std::string>()
                                                  : (options.fill == InputFill::Zeros ? "(zeros)" : "(random)")});
            }
            if (Status written = writeRunFiles(interpreter, options, dir, snapshots, manifest, several); !written.isOk())
                return failure(written.message());
        }

        const std::vector<std::pair<size_t, double>> best = topClasses(interpreter, options.top);
        nlohmann::ordered_json top = nlohmann::ordered_json::array();
        for (const auto& [index, score] : best) {
            nlohmann::ordered_json one;
            one["index"] = index;
            if (index < labels.size()) one["label"] = labels[index];
            one["score"] = score;
            top.push_back(std::move(one));
        }
        entry["top"] = std::move(top);
        if (expected && !best.empty()) {
            ++labelled;
            const bool hit = static_cast<int>(best[0].first) == *expected;
            const bool hitK = std::any_of(best.begin(), best.end(),
                                          [&](const auto& b) { return static_cast<int>(b.first) == *expected; });
            correctTop1 += hit;
            correctTopK += hitK;
            entry["correct"] = hit;
        }
        if (several || !item.label.empty()) {
            std::string line = item.name + ": ";
            if (!best.empty()) {
                char score[32];
                std::snprintf(score, sizeof score, "%.4f", best[0].second);
                line += className(labels, best[0].first) + " (" + std::to_string(best[0].first) + ") " + score;
            }
            if (expected) line += std::string(" [expected ") + className(labels, static_cast<size_t>(*expected)) +
                                  (static_cast<int>(best[0].first) == *expected ? ", correct]" : ", WRONG]");
            else if (!item.label.empty())
                line += " [label '" + item.label + "' not among the classes]";
            std::printf("%s\n", line.c_str());
        }
        images.push_back(std::move(entry));
    }

    if (options.benchRuns > 0) {
        for (int i = 0; i < options.warmupRuns; ++i)
            if (Status status = interpreter.invoke(); !status.isOk()) return failure(status.message());
        std::vector<double> milliseconds;
        for (int i = 0; i < options.benchRuns; ++i) {
            const auto start = std::chrono::steady_clock::now();
            const Status status = interpreter.invoke();
            const auto stop = std::chrono::steady_clock::now();
            if (!status.isOk()) return failure(status.message());
            milliseconds.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
        }
        const BenchTiming timing = summarizeTimings(milliseconds, options.warmupRuns, options.threads, baseManifest.kernels);
        if (Status status = writeTimingFile(options.outDir, timing, policy); !status.isOk()) return failure(status.message());
        std::printf("timing: median %.4f ms/inference (min %.4f, max %.4f) over %d runs after %d warm-up, threads=%d, "
                    "kernels=%s\n",
                    timing.medianMs, timing.minMs, timing.maxMs, options.benchRuns, options.warmupRuns, options.threads,
                    baseManifest.kernels.c_str());
    }

    results["images"] = std::move(images);
    results["image_count"] = source.size();
    results["failed"] = failed;
    if (labelled > 0) {
        nlohmann::ordered_json accuracy;
        accuracy["labelled"] = labelled;
        accuracy["top1_correct"] = correctTop1;
        accuracy["top1"] = static_cast<double>(correctTop1) / static_cast<double>(labelled);
        accuracy["top_k"] = options.top;
        accuracy["top_k_correct"] = correctTopK;
        accuracy["top_k_accuracy"] = static_cast<double>(correctTopK) / static_cast<double>(labelled);
        results["accuracy"] = std::move(accuracy);
    }
    const std::string resultsPath = (fs::path(options.outDir) / "results.json").string();
    if (Status status = writeFileAtomic(resultsPath, results.dump(1) + "\n", policy); !status.isOk())
        return failure(status.message());

    if (!several && failed == 0) {
        // One image: the output summary (no classes known) or the top-k list, as a tensor run prints.
        const Graph& g = interpreter.graph();
        if (!classify) {
            for (size_t i = 0; i < g.outputs.size() && writeTensors; ++i)
                std::printf("output %zu: %s -> %s\n", i, g.tensors[g.outputs[i]].name.c_str(),
                            (fs::path(options.outDir) / ("output_" + std::to_string(i) + ".bin")).string().c_str());
        }
        if (!labels.empty() || !writeTensors) {
            for (const auto& [index, score] : topClasses(interpreter, options.top))
                std::printf("%s (%zu): %.4f\n", className(labels, index).c_str(), index, score);
        }
    }
    if (labelled > 0)
        std::printf("accuracy: top-1 %zu/%zu = %.2f%%, top-%d %zu/%zu = %.2f%%\n", correctTop1, labelled,
                    100.0 * static_cast<double>(correctTop1) / static_cast<double>(labelled), options.top, correctTopK,
                    labelled, 100.0 * static_cast<double>(correctTopK) / static_cast<double>(labelled));
    else if (anyLabel)
        std::printf("accuracy: no image has a label that names one of the model's classes\n");
    std::printf("results: %zu image(s), %s\n", source.size(), resultsPath.c_str());
    if (failed > 0) {
        std::fprintf(stderr, "rangefinder-batch: error: %zu of %zu images failed\n", failed, source.size());
        return kExitBadInput;
    }
    return kExitOk;
}

} // namespace

int runCommand(const RunOptions& options)
{
    // Everything that can be checked cheaply is checked before any file is written.
    if (Status status = checkOutputDirectory(options.outDir, options.force); !status.isOk()) return badInput(status.message());
    std::vector<std::string> labels;
    if (!options.labelsFile.empty()) {
        Result<std::vector<std::string>> read = readLabelsFile(options.labelsFile);
        if (!read.isOk()) return badInput(read.message());
        labels = std::move(read).value();
    }

    Result<Graph> loaded = loadModelFile(options.model);
    if (!loaded.isOk()) return badInput(loaded.message());
    Graph graph = std::move(loaded).value();
    const size_t inputCount = graph.inputs.size();
    const bool imageMode = options.preprocessGiven || options.limit || options.summaryOnly ||
                           std::any_of(options.inputs.begin(), options.inputs.end(),
                                       [](const std::string& input) { return ImageSource::looksLikeImageSpec(input); });
    if (imageMode && options.inputs.empty()) return badInput("run: image options given but no images");
    if (imageMode && inputCount == 0) return badInput(options.model + ": the model has no inputs to feed images to");
    if (!imageMode && options.inputs.size() > inputCount)
        return badInput(options.model + ": " + std::to_string(options.inputs.size()) + " input files given, the model has " +
                        std::to_string(inputCount) + " input(s)");
    if (!imageMode && options.inputs.size() < inputCount && options.fill == InputFill::None) {
        std::string names;
        for (size_t i = 0; i < inputCount; ++i) names += (i ? ", " : "") + graph.tensors[graph.inputs[i]].name;
        return badInput(options.model + ": the model has " + std::to_string(inputCount) + " input(s) (" + names + "), " +
                        std::to_string(options.inputs.size()) + " given (use --fill zeros|random to fill the rest)");
    }

    InterpreterOptions interpreterOptions;
    interpreterOptions.mode = options.kernels;
    interpreterOptions.threads = options.threads;
    Result<std::unique_ptr<Interpreter>> created = Interpreter::create(std::move(graph), interpreterOptions);
    if (!created.isOk()) return badInput(created.message());
    Interpreter& interpreter = *created.value();
    const Graph& model = interpreter.graph();

    RunManifest manifest;
    manifest.runtime = std::string("rangefinder ") + RF_VERSION;
    manifest.kernels = std::string(kernelModeName(options.kernels));
    manifest.threads = options.threads;
    {
        std::error_code ec;
        const fs::path absolute = fs::absolute(options.model, ec);
        manifest.modelPath = ec ? options.model : absolute.lexically_normal().string();
        Result<std::string> sha = sha256OfFile(options.model);
        if (sha.isOk()) manifest.modelSha256 = sha.value();
    }
    if (imageMode) return runImages(interpreter, options, labels, std::move(manifest));

    for (size_t i = 0; i < inputCount; ++i) {
        const int32_t tensorIndex = model.inputs[i];
        TensorValue& value = interpreter.input(i);
        std::vector<uint8_t> bytes;
        std::string source;
        if (i < options.inputs.size()) {
            Result<std::vector<uint8_t>> read = loadInputFile(options.inputs[i], value.dtype(), value.elementCount());
            if (!read.isOk())
                return badInput(read.message() + " (model input " + std::to_string(i) + ", " + model.tensorLabel(tensorIndex) +
                                ", " + std::string(dtypeName(value.dtype())) + " " + shapeToString(value.shape()) + ")");
            bytes = std::move(read).value();
            source = options.inputs[i];
        } else {
            bytes = fillInputBytes(options.fill, value.byteSize(), 12345u + static_cast<uint32_t>(i));
            source = options.fill == InputFill::Zeros ? "(zeros)" : "(random)";
        }
        if (Status status = interpreter.setInput(i, bytes.data(), bytes.size()); !status.isOk())
            return badInput(status.message());
        manifest.inputs.push_back({static_cast<int>(i), model.tensors[tensorIndex].name, tensorIndex, value.dtype(),
                                   value.shape(), source});
    }

    SnapshotObserver snapshots(model.tensors.size());
    if (Status status = interpreter.invoke(options.dumpIntermediates ? &snapshots : nullptr); !status.isOk())
        return failure(status.message());

    if (Status status = prepareOutputDirectory(options.outDir, options.force, options.dumpIntermediates); !status.isOk())
        return failure(status.message());
    const OverwritePolicy policy = options.force ? OverwritePolicy::Replace : OverwritePolicy::Refuse;

    if (options.benchRuns > 0) {
        // Timed after the result run, whose values were already read out above.
        for (int i = 0; i < options.warmupRuns; ++i)
            if (Status status = interpreter.invoke(); !status.isOk()) return failure(status.message());
        std::vector<double> milliseconds;
        milliseconds.reserve(static_cast<size_t>(options.benchRuns));
        for (int i = 0; i < options.benchRuns; ++i) {
            const auto start = std::chrono::steady_clock::now();
            const Status status = interpreter.invoke();
            const auto stop = std::chrono::steady_clock::now();
            if (!status.isOk()) return failure(status.message());
            milliseconds.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
        }
        manifest.timing = summarizeTimings(milliseconds, options.warmupRuns, options.threads, manifest.kernels);
        if (Status status = writeTimingFile(options.outDir, *manifest.timing, policy); !status.isOk())
            return failure(status.message());
        std::printf("timing: median %.4f ms/inference (min %.4f, max %.4f) over %d runs after %d warm-up, threads=%d, "
                    "kernels=%s\n",
                    manifest.timing->medianMs, manifest.timing->minMs, manifest.timing->maxMs, options.benchRuns,
                    options.warmupRuns, options.threads, manifest.kernels.c_str());
    }

    if (Status status = writeRunFiles(interpreter, options, options.outDir, snapshots, manifest, false); !status.isOk())
        return failure(status.message());

    if (!options.labelsFile.empty() && !model.outputs.empty()) {
        for (const auto& [index, score] : topClasses(interpreter, options.top))
            std::printf("%s (%zu): %.4f\n", className(labels, index).c_str(), index, score);
        return kExitOk;
    }
    for (const TensorFileInfo& output : manifest.outputs) {
        std::printf("output %d: %s %s[%s] scale=%s zero_point=%s -> %s\n", output.outputIndex.value_or(0),
                    output.name.c_str(), std::string(dtypeName(output.dtype)).c_str(), shapeList(output.shape).c_str(),
                    quantText(output.quant, true).c_str(), quantText(output.quant, false).c_str(),
                    (fs::path(options.outDir) / output.file).string().c_str());
    }
    return kExitOk;
}

} // namespace rf::batch
