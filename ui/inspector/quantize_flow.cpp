#include "inspector/quantize_flow.h"

#include "io/model_loader.h"
#include "io/tflite_writer.h"
#include "quant/calibration_run.h"
#include "quant/graph_passes.h"
#include "quant/quantizer.h"
#include "runtime/interpreter.h"

#include <cstring>
#include <set>

namespace rf::ui {

namespace {

// Runs the converted float graph over the images with the calibration observer.
Result<CalibrationStatistics> calibrateOnImages(const Graph& graph, const CalibrationRequest& request,
                                                const RunControl* control,
                                                const std::function<void(size_t, size_t)>& onImage)
{
    RF_ASSIGN_OR_RETURN(std::unique_ptr<Interpreter> interpreter, Interpreter::create(graph));
    const Tensor inputTensor = graph.tensors[size_t(graph.inputs[0])];
    CalibrationRunOptions runOptions;
    runOptions.sampleCount = request.imagePaths.size();
    RunControl perImage;
    if (control) perImage.cancel = control->cancel;
    perImage.onProgress = [&](size_t done, size_t total) {
        if (onImage) onImage(done, total);
    };
    runOptions.control = &perImage;
    auto provider = [&](size_t index, Interpreter& run) -> Status {
        const std::string& path = request.imagePaths[index];
        RF_ASSIGN_OR_RETURN(TensorValue input, imageToInputTensor(path, inputTensor, request.preprocessing));
        return run.setInput(0, input.bytes(), input.byteSize()).withContext(path);
    };
    return runCalibration(*interpreter, provider, runOptions);
}

} // namespace

Result<CalibrationOutcome> calibrateAndQuantize(const CalibrationRequest& request, const RunControl* control,
                                                const std::function<void(size_t, size_t)>& onImage)
{
    if (!request.floatGraph) return Status::error("calibration needs a float model");
    if (request.imagePaths.empty()) return Status::error("calibration needs images (File > Open images)");
    Graph graph = *request.floatGraph;
    RF_RETURN_IF_ERROR(runConverterPasses(graph).withContext(graph.sourcePath));
    if (graph.inputs.size() != 1)
        return Status::error(graph.sourcePath + ": calibration on images needs a model with one input");

    std::shared_ptr<const CalibrationStatistics> statistics = request.reuseStatistics;
    if (!statistics) {
        RF_ASSIGN_OR_RETURN(CalibrationStatistics fresh, calibrateOnImages(graph, request, control, onImage));
        statistics = std::make_shared<const CalibrationStatistics>(std::move(fresh));
    }

    CalibrationOutcome outcome;
    outcome.statistics = statistics;
    outcome.samples = request.imagePaths.size();
    // Overrides are keyed by the names the user saw; the passes may have folded some away.
    std::set<std::string> names;
    for (const Tensor& t : graph.tensors) names.insert(t.name);
    RangeOverrides overrides;
    for (const auto& [name, range] : request.overrides) {
        if (names.count(name)) overrides[name] = range;
        else outcome.warnings.push_back("range override of '" + name + "' ignored: the converted graph has no such tensor");
    }
    RF_ASSIGN_OR_RETURN(outcome.ranges, chooseRanges(*statistics, graph, request.policy, overrides, &outcome.warnings));
    QuantizeOptions options = request.options;
    if (options.description.empty())
        options.description = std::string(quantModeName(options.mode)) + " quantization of " + request.floatGraph->sourcePath +
                              ", " + std::string(rangeMethodName(request.policy.method)) + " calibration on " +
                              std::to_string(outcome.samples) + " images (Rangefinder)";
    RF_ASSIGN_OR_RETURN(QuantizeResult quantized, quantizeGraph(graph, outcome.ranges, options));
    for (const std::string& w : quantized.warnings) outcome.warnings.push_back(w);
    quantized.graph.sourcePath = request.floatGraph->sourcePath + " (" + std::string(quantModeName(options.mode)) +
                                 ", calibrated in the session)";
    quantized.graph.description = options.description;
    outcome.summary = options.description + "; " + std::to_string(overrides.size()) + " range override(s)" +
                      (quantized.floatOps.empty() ? "" : "; " + std::to_string(quantized.floatOps.size()) + " op(s) left float");
    outcome.quantGraph = std::make_shared<const Graph>(std::move(quantized.graph));
    return outcome;
}

std::string describeExport(const Graph& quantGraph, const std::string& path)
{
    size_t quantizedTensors = 0, constants = 0, constantBytes = 0;
    for (const Tensor& t : quantGraph.tensors) {
        quantizedTensors += t.isQuantized() ? 1 : 0;
        if (t.isConstant) {
            ++constants;
            constantBytes += t.data.size();
        }
    }
    auto edge = [&](int32_t t) {
        const Tensor& tensor = quantGraph.tensors[size_t(t)];
        return "'" + tensor.name + "' " + std::string(dtypeName(tensor.dtype)) + " " + shapeToString(tensor.shape);
    };
    std::string text = "Writes " + path + ": a TFLite flatbuffer (schema 3) with " + std::to_string(quantGraph.ops.size()) +
                       " ops, " + std::to_string(quantGraph.tensors.size()) + " tensors (" +
                       std::to_string(quantizedTensors) + " quantized), " + std::to_string(constants) +
                       " constants (" + std::to_string(constantBytes / 1024) + " KiB). Input " +
                       edge(quantGraph.inputs.at(0)) + ", output " + edge(quantGraph.outputs.at(0)) + ".";
    if (!quantGraph.description.empty()) text += " Description: \"" + quantGraph.description + "\".";
    text += " The file is written atomically, read back and run on the session's images to check it.";
    return text;
}

Result<ExportOutcome> exportModel(const Graph& quantGraph, const std::string& path, bool overwrite,
                                  const std::vector<std::string>& imagePaths, const ImageInputOptions& preprocessing,
                                  const std::string& producedBy, const RunControl* control)
{
    TfliteWriteOptions options;
    options.producedBy = producedBy;
    options.description = quantGraph.description;
    options.overwrite = overwrite ? OverwritePolicy::Replace : OverwritePolicy::Refuse;
    RF_RETURN_IF_ERROR(writeTfliteFile(quantGraph, path, options));

    ExportOutcome outcome;
    outcome.path = path;
    RF_ASSIGN_OR_RETURN(Graph reloaded, loadModelFile(path));
    RF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, readWholeFile(path));
    outcome.bytes = bytes.size();
    RF_ASSIGN_OR_RETURN(std::unique_ptr<Interpreter> original, Interpreter::create(quantGraph));
    RF_ASSIGN_OR_RETURN(std::unique_ptr<Interpreter> fromFile, Interpreter::create(reloaded));
    for (const std::string& image : imagePaths) {
        if (control && control->cancel && control->cancel->load()) return Status::error("cancelled");
        const Tensor& input = quantGraph.tensors[size_t(quantGraph.inputs.at(0))];
        RF_ASSIGN_OR_RETURN(TensorValue value, imageToInputTensor(image, input, preprocessing));
        for (Interpreter* run : {original.get(), fromFile.get()}) {
            if (value.byteSize() != run->input(0).byteSize())
                return Status::error(path + ": the written model's input differs from the session model's");
            RF_RETURN_IF_ERROR(run->setInput(0, value.bytes(), value.byteSize()));
            RF_RETURN_IF_ERROR(run->invoke(nullptr, control));
        }
        const TensorValue& a = original->output(0);
        const TensorValue& b = fromFile->output(0);
        if (a.byteSize() == b.byteSize() && std::memcmp(a.bytes(), b.bytes(), a.byteSize()) == 0) ++outcome.identicalImages;
        ++outcome.images;
    }
    outcome.reloaded = std::make_shared<const Graph>(std::move(reloaded));
    outcome.summary = "Wrote " + path + " (" + std::to_string(outcome.bytes) + " bytes). Read back: its output equals the " +
                      "session model's bit for bit on " + std::to_string(outcome.identicalImages) + " of " +
                      std::to_string(outcome.images) + " images.";
    return outcome;
}

} // namespace rf::ui
