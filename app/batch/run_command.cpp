// rangefinder-batch run: load, run, write the oracle's file layout.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <unordered_set>

#include "commands.h"
#include "io/model_loader.h"
#include "io/tensor_files.h"
#include "runtime/interpreter.h"
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
    return name == "outputs.json" || name == "timing.json" || std::regex_match(name, outputPattern);
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

Result<std::vector<std::string>> readLabels(const std::string& path)
{
    std::ifstream in(path);
    if (!in) return Status::error(path + ": cannot open the labels file");
    std::vector<std::string> labels;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        labels.push_back(line);
    }
    return labels;
}

} // namespace

int runCommand(const RunOptions& options)
{
    // Everything that can be checked cheaply is checked before any file is written.
    if (Status status = checkOutputDirectory(options.outDir, options.force); !status.isOk()) return badInput(status.message());
    std::vector<std::string> labels;
    if (!options.labelsFile.empty()) {
        Result<std::vector<std::string>> read = readLabels(options.labelsFile);
        if (!read.isOk()) return badInput(read.message());
        labels = std::move(read).value();
    }

    Result<Graph> loaded = loadModelFile(options.model);
    if (!loaded.isOk()) return badInput(loaded.message());
    Graph graph = std::move(loaded).value();
    const size_t inputCount = graph.inputs.size();
    if (options.inputs.size() > inputCount)
        return badInput(options.model + ": " + std::to_string(options.inputs.size()) + " input files given, the model has " +
                        std::to_string(inputCount) + " input(s)");
    if (options.inputs.size() < inputCount && options.fill == InputFill::None) {
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

    for (size_t i = 0; i < model.outputs.size(); ++i) {
        const TensorValue& value = interpreter.output(i);
        TensorFileInfo info = tensorFileInfo(model, model.outputs[i], value.shape());
        info.outputIndex = static_cast<int32_t>(i);
        Result<TensorFileInfo> written =
            writeTensorFile(options.outDir, "output_" + std::to_string(i), info, bytesOf(value), policy, options.npy);
        if (!written.isOk()) return failure(written.message());
        manifest.outputs.push_back(std::move(written).value());
    }

    if (options.benchRuns > 0) {
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
        const std::string folder = (fs::path(options.outDir) / "intermediates").string();
        std::vector<std::string> files;
        for (int32_t t : dumped) {
            const std::optional<TensorValue>& snapshot = snapshots.value(t);
            const TensorValue& value = snapshot ? *snapshot : interpreter.tensorValue(t);
            TensorFileInfo info = tensorFileInfo(model, t, value.shape());
            if (producer[t] >= 0) {
                info.opIndex = producer[t];
                info.opName = model.ops[producer[t]].typeName;
            }
            Result<TensorFileInfo> written = writeTensorFile(folder, intermediateFileStem(t, model.tensors[t].name), info,
                                                             bytesOf(value), policy, options.npy);
            if (!written.isOk()) return failure(written.message());
            files.push_back(written.value().file);
        }
        manifest.intermediateFiles = files;
        std::printf("intermediates: %zu tensors written to %s\n", files.size(), folder.c_str());
    }

    if (Status status = writeRunManifest(options.outDir, manifest, policy); !status.isOk()) return failure(status.message());

    if (!options.labelsFile.empty() && !model.outputs.empty()) {
        const std::vector<double> scores = realValues(interpreter.output(0), model.tensors[model.outputs[0]].quant);
        std::vector<size_t> order(scores.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        const size_t k = std::min(order.size(), static_cast<size_t>(options.top));
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                          [&](size_t a, size_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); });
        for (size_t r = 0; r < k; ++r) {
            const size_t c = order[r];
            const std::string label = c < labels.size() ? labels[c] : "class " + std::to_string(c);
            std::printf("%s (%zu): %.4f\n", label.c_str(), c, scores[c]);
        }
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
