// rangefinder-batch convert: a float model (Keras .h5 or float .tflite) plus
// calibration images -> a quantized .tflite, with tflite_convert's option names.
// Pipeline: load -> converter graph passes -> calibration (statistics, range policy,
// overrides, default ranges) -> quantizer -> atomic .tflite write.

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "data/image_source.h"
#include "data/preprocess_options.h"
#include "io/model_loader.h"
#include "io/tflite_writer.h"
#include "quant/calibration_run.h"
#include "quant/graph_passes.h"
#include "quant/quantizer.h"
#include "quant/range_policies.h"
#include "quant/ranges_json.h"
#include "runtime/interpreter.h"
#include "util/sha256.h"

namespace rf::batch {
namespace {

constexpr const char* kUsage = R"(usage: rangefinder-batch convert (--keras_model_file H5 | --float_model TFLITE) --output_file OUT.tflite [options]

Converts a float model to TensorFlow Lite the way the TFLite converter does: BatchNormalization
folded into the preceding convolution, ReLU/ReLU6 fused, then quantized for --inference_type with
activation ranges from calibration images (or a ranges file, or default ranges).

Source and destination:
  --keras_model_file FILE     Keras .h5 model (full model, not weights only)
  --float_model FILE          float .tflite model
  --output_file FILE          the .tflite to write (atomically; refused if it exists unless --force)
  --force                     replace an existing --output_file / --ranges_out

Conversion:
  --inference_type T          INT8 (default: full integer, per-channel int8 weights), QUANTIZED_UINT8
                              (TF1 legacy: per-tensor uint8 weights and activations), INT16X8 (int16
                              activations, int8 weights), DYNAMIC_RANGE (int8 weights, float
                              activations), FLOAT16 (float16 weights), FLOAT (float32, passes only)
  --inference_input_type T    FLOAT, INT8, UINT8 or INT16 (default: FLOAT; UINT8 for QUANTIZED_UINT8)
  --inference_output_type T   same choices as the input type
  --per_tensor                one weight scale per tensor instead of per output channel
  --per_channel_dense         per-channel FULLY_CONNECTED weights too (newer converters)
  --float_layers A,B,...      layers (Keras names), tensor names or op types (e.g. SOFTMAX) kept float
  --input_shape 1,224,224,3   replace the input shape (one input)

Input description (tflite_convert): real = (pixel - mean) / std
  --mean_values M[,M,M]       used to normalize calibration images, and for QUANTIZED_UINT8 as the
  --std_dev_values S[,S,S]    uint8 input's zero point (mean) and scale (1 / std)
  --preset NAME               mobilenet ([-1,1]), unit ([0,1]), raw (0..255), caffe, torch
  --color auto|rgb|bgr|gray   channel order of the calibration images (auto: by channel count)
  --resize bilinear|area      how calibration images are scaled (default bilinear, as tf.image.resize;
                              area averages, like resizing with antialiasing)
  --central-crop F            keep the central fraction F (0 < F <= 1) before resizing

Ranges:
  --calibration_images SPEC   image file, folder, list file, .npy or IDX file (repeatable)
  --calibration_limit N       use at most the first N items
  --calibration_method M      minmax (default, as the TFLite converter), ema, percentile, kl, mse
  --percentile P              percentile method: keep P percent at each end (default 99.99)
  --ema_decay D               ema method: decay (default 0.999)
  --ranges_in FILE            ranges JSON: its ranges override calibrated ones (or are all, without images)
  --ranges_out FILE           write the ranges used as JSON
  --default_ranges_min X      range for tensors without calibration data (experiments only:
  --default_ranges_max Y      it usually costs accuracy; a warning says which tensors got it)
  --threads N                 threads for calibration (default 1)
  --quiet                     no progress on stderr
)";

int badInput(const std::string& message)
{
    std::fprintf(stderr, "rangefinder-batch convert: error: %s\n", message.c_str());
    return kExitBadInput;
}

int failure(const std::string& message)
{
    std::fprintf(stderr, "rangefinder-batch convert: error: %s\n", message.c_str());
    return kExitFailure;
}

void warn(const std::string& message)
{
    std::fprintf(stderr, "rangefinder-batch convert: WARNING: %s\n", message.c_str());
}

std::vector<std::string> splitList(const std::string& text)
{
    std::vector<std::string> parts;
    std::string current;
    std::istringstream in(text);
    while (std::getline(in, current, ','))
        if (!current.empty()) parts.push_back(current);
    return parts;
}

std::optional<double> parseNumber(const std::string& text)
{
    double value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
    return value;
}

std::optional<std::vector<double>> parseNumbers(const std::string& text)
{
    std::vector<double> values;
    for (const std::string& part : splitList(text)) {
        auto v = parseNumber(part);
        if (!v) return std::nullopt;
        values.push_back(*v);
    }
    if (values.empty()) return std::nullopt;
    return values;
}

struct ConvertArgs {
    std::string kerasModel, floatModel, output;
    bool force = false, quiet = false;
    QuantizeOptions quantize;
    std::vector<double> mean, stddev;
    std::string preset;
    std::optional<ColorOrder> color;
    std::optional<ResizeMethod> resize;
    std::optional<double> centralCrop;
    std::vector<int32_t> inputShape;
    std::vector<std::string> calibrationSpecs;
    std::optional<int64_t> calibrationLimit;
    RangePolicy policy;
    std::string rangesIn, rangesOut;
    std::optional<double> defaultMin, defaultMax;
    int threads = 1;
};

/// Parses the arguments; returns an error message, or empty on success. Sets *help for --help.
std::string parseArgs(const std::vector<std::string>& args, ConvertArgs& a, bool* help)
{
    for (size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i];
        std::string value;
        bool hasInlineValue = false;
        if (const size_t eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            hasInlineValue = true;
        }
        const auto next = [&](std::string* out) -> bool {
            if (hasInlineValue) {
                *out = value;
                return true;
            }
            if (i + 1 >= args.size()) return false;
            *out = args[++i];
            return true;
        };
        std::string v;
        if (name == "--help" || name == "-h") {
            *help = true;
            return {};
        }
        if (name == "--force") { a.force = true; continue; }
        if (name == "--quiet") { a.quiet = true; continue; }
        if (name == "--per_tensor") { a.quantize.perChannel = false; continue; }
        if (name == "--per_channel_dense") { a.quantize.perChannelFullyConnected = true; continue; }
        if (!next(&v)) return name + " needs a value (see --help)";
        if (name == "--keras_model_file") a.kerasModel = v;
        else if (name == "--float_model") a.floatModel = v;
        else if (name == "--output_file") a.output = v;
        else if (name == "--inference_type") {
            auto mode = quantModeFromName(v);
            if (!mode) return "--inference_type: unknown type '" + v + "' (FLOAT, INT8, QUANTIZED_UINT8, INT16X8, DYNAMIC_RANGE, FLOAT16)";
            a.quantize.mode = *mode;
        } else if (name == "--inference_input_type" || name == "--inference_output_type") {
            auto edge = edgeTypeFromName(v);
            if (!edge) return name + ": unknown type '" + v + "' (FLOAT, INT8, UINT8, INT16)";
            (name == "--inference_input_type" ? a.quantize.inputType : a.quantize.outputType) = *edge;
        } else if (name == "--float_layers") {
            for (const std::string& layer : splitList(v)) a.quantize.floatLayers.push_back(layer);
        } else if (name == "--mean_values" || name == "--std_dev_values") {
            auto values = parseNumbers(v);
            if (!values) return name + ": expected comma-separated numbers, got '" + v + "'";
            (name == "--mean_values" ? a.mean : a.stddev) = *values;
        } else if (name == "--preset") a.preset = v;
        else if (name == "--color") {
            a.color = colorOrderFromName(v);
            if (!a.color) return "--color must be auto, rgb, bgr or gray, got '" + v + "'";
        } else if (name == "--resize") {
            a.resize = resizeMethodFromName(v);
            if (!a.resize) return "--resize must be bilinear or area, got '" + v + "'";
        } else if (name == "--central-crop") {
            auto fraction = parseNumber(v);
            if (!fraction || !(*fraction > 0.0 && *fraction <= 1.0))
                return "--central-crop needs a fraction in (0, 1], got '" + v + "'";
            a.centralCrop = *fraction;
        }
        else if (name == "--input_shape") {
            auto values = parseNumbers(v);
            if (!values) return "--input_shape: expected comma-separated sizes, got '" + v + "'";
            for (double d : *values) {
                if (d < 1 || d != std::floor(d) || d > 1e6) return "--input_shape: bad size in '" + v + "'";
                a.inputShape.push_back(static_cast<int32_t>(d));
            }
        } else if (name == "--calibration_images") a.calibrationSpecs.push_back(v);
        else if (name == "--calibration_limit") {
            auto n = parseNumber(v);
            if (!n || *n < 1 || *n != std::floor(*n)) return "--calibration_limit: expected a positive integer, got '" + v + "'";
            a.calibrationLimit = static_cast<int64_t>(*n);
        } else if (name == "--calibration_method") {
            auto method = rangeMethodFromName(v);
            if (!method) return "--calibration_method: unknown method '" + v + "' (minmax, ema, percentile, kl, mse)";
            a.policy.method = *method;
        } else if (name == "--percentile") {
            auto p = parseNumber(v);
            if (!p) return "--percentile: expected a number, got '" + v + "'";
            a.policy.percentile = *p;
        } else if (name == "--ema_decay") {
            auto d = parseNumber(v);
            if (!d) return "--ema_decay: expected a number, got '" + v + "'";
            a.policy.emaDecay = *d;
        } else if (name == "--ranges_in") a.rangesIn = v;
        else if (name == "--ranges_out") a.rangesOut = v;
        else if (name == "--default_ranges_min" || name == "--default_ranges_max") {
            auto d = parseNumber(v);
            if (!d) return name + ": expected a number, got '" + v + "'";
            (name == "--default_ranges_min" ? a.defaultMin : a.defaultMax) = *d;
        } else if (name == "--threads") {
            auto n = parseNumber(v);
            if (!n || *n < 1 || *n > 256 || *n != std::floor(*n)) return "--threads: expected 1..256, got '" + v + "'";
            a.threads = static_cast<int>(*n);
        } else return "unknown option '" + name + "' (see --help)";
    }
    if (a.kerasModel.empty() == a.floatModel.empty()) return "give exactly one of --keras_model_file and --float_model";
    if (a.output.empty()) return "--output_file is required";
    if (a.defaultMin.has_value() != a.defaultMax.has_value())
        return "--default_ranges_min and --default_ranges_max go together";
    if (a.defaultMin && *a.defaultMin > *a.defaultMax) return "--default_ranges_min is larger than --default_ranges_max";
    if (a.mean.empty() != a.stddev.empty()) return "--mean_values and --std_dev_values go together";
    for (double s : a.stddev)
        if (s == 0) return "--std_dev_values: a standard deviation of 0";
    const Status policyOk = validateRangePolicy(a.policy);
    if (!policyOk.isOk()) return policyOk.message();
    return {};
}

bool needsRanges(QuantMode mode)
{
    return mode == QuantMode::Int8 || mode == QuantMode::UInt8Legacy || mode == QuantMode::Int16x8;
}

int convertMain(const std::vector<std::string>& args)
{
    ConvertArgs a;
    bool help = false;
    if (std::string error = parseArgs(args, a, &help); !error.empty()) return badInput(error);
    if (help) {
        std::fputs(kUsage, stdout);
        return kExitOk;
    }
    // Refuse early, before minutes of calibration, if the output exists.
    std::error_code ec;
    if (!a.force && std::filesystem::exists(a.output, ec))
        return badInput(a.output + ": exists (use --force to replace it)");
    if (!a.rangesOut.empty() && !a.force && std::filesystem::exists(a.rangesOut, ec))
        return badInput(a.rangesOut + ": exists (use --force to replace it)");

    const std::string modelPath = a.kerasModel.empty() ? a.floatModel : a.kerasModel;
    auto loaded = loadModelFile(modelPath);
    if (!loaded.isOk()) return badInput(loaded.message());
    Graph graph = std::move(loaded).value();
    if (!a.inputShape.empty()) {
        if (graph.inputs.size() != 1) return badInput("--input_shape needs a model with one input");
        Tensor& input = graph.tensors[static_cast<size_t>(graph.inputs[0])];
        if (input.shape.size() != a.inputShape.size())
            return badInput("--input_shape: the input " + graph.tensorLabel(graph.inputs[0]) + " has rank " +
                            std::to_string(input.shape.size()));
        input.shape = a.inputShape;
    }
    PassLog passLog;
    if (Status s = runConverterPasses(graph, &passLog); !s.isOk()) return failure(s.message());
    if (!a.quiet)
        std::fprintf(stderr, "convert: %s: %zu ops after folding/fusion (%zu rewrites)\n", modelPath.c_str(),
                     graph.ops.size(), passLog.lines.size());

    // Preprocessing of calibration images: tflite_convert's mean/std, or a preset.
    PreprocessOptions preprocess;
    if (!a.preset.empty())
        if (Status s = applyPreset(a.preset, preprocess); !s.isOk()) return badInput(s.message());
    if (!a.mean.empty()) {
        preprocess.meanValues.assign(a.mean.begin(), a.mean.end());
        preprocess.stdDevValues.assign(a.stddev.begin(), a.stddev.end());
        preprocess.preset.clear();
    }
    if (a.color) preprocess.color = *a.color;
    if (a.resize) preprocess.resize = *a.resize;
    if (a.centralCrop) preprocess.centralCrop = *a.centralCrop;
    if (Status s = preprocess.validate(); !s.isOk()) return badInput(s.message());
    a.quantize.meanValues = a.mean;
    a.quantize.stdDevValues = a.stddev;
    if (a.quantize.mode == QuantMode::UInt8Legacy && a.mean.empty() && !preprocess.meanValues.empty()) {
        a.quantize.meanValues.assign(preprocess.meanValues.begin(), preprocess.meanValues.end());
        a.quantize.stdDevValues.assign(preprocess.stdDevValues.begin(), preprocess.stdDevValues.end());
    }

    RangeTable ranges;
    std::string calibrationNote;
    std::vector<std::string> warnings;
    std::optional<CalibrationStatistics> statistics;
    if (needsRanges(a.quantize.mode)) {
        RangeOverrides overrides;
        if (!a.rangesIn.empty()) {
            auto file = loadRangesJson(a.rangesIn);
            if (!file.isOk()) return badInput(file.message());
            auto sha = sha256OfFile(modelPath);
            if (Status s = checkRangesAgainstModel(file.value(), graph, sha.isOk() ? sha.value() : "", &warnings); !s.isOk())
                return badInput(s.message());
            for (auto [name, range] : file.value().ranges) {
                range.origin = RangeOrigin::Override;
                overrides[name] = range;
            }
        }
        if (a.defaultMin) {
            a.policy.defaultRange = TensorRange{static_cast<float>(*a.defaultMin), static_cast<float>(*a.defaultMax), RangeOrigin::DefaultRanges};
            a.quantize.defaultRange = a.policy.defaultRange;
            warn("--default_ranges_min/max [" + std::to_string(*a.defaultMin) + ", " + std::to_string(*a.defaultMax) +
                 "] given: tensors without calibration data get this range. This is for experiments only; "
                 "the accuracy of the converted model usually suffers. Calibrate with --calibration_images instead.");
        }
        CalibrationStatistics stats;
        if (!a.calibrationSpecs.empty()) {
            ImageSourceOptions sourceOptions;
            sourceOptions.limit = a.calibrationLimit;
            auto source = ImageSource::open(a.calibrationSpecs, sourceOptions);
            if (!source.isOk()) return badInput(source.message());
            if (source.value().empty()) return badInput("--calibration_images: no images found");
            if (graph.inputs.size() != 1) return badInput("calibration images need a model with one input");
            auto interpreter = Interpreter::create(graph, {KernelMode::Builtin, a.threads});
            if (!interpreter.isOk()) return failure(interpreter.message());
            const Tensor inputTensor = graph.tensors[static_cast<size_t>(graph.inputs[0])];
            const ImageSource& images = source.value();
            CalibrationInputProvider provider = [&](size_t index, Interpreter& run) -> Status {
                RF_ASSIGN_OR_RETURN(TensorValue value, images.loadTensor(index, inputTensor, preprocess));
                return run.setInput(0, value.bytes(), value.byteSize());
            };
            RunControl control;
            const bool quiet = a.quiet;
            control.onProgress = [quiet](size_t done, size_t total) {
                if (!quiet) std::fprintf(stderr, "\rcalibrating: %zu/%zu images", done, total);
            };
            CalibrationRunOptions runOptions;
            runOptions.sampleCount = images.size();
            runOptions.observer.threads = a.threads;
            runOptions.control = &control;
            auto result = runCalibration(*interpreter.value(), provider, runOptions);
            if (!a.quiet) std::fputc('\n', stderr);
            if (!result.isOk()) return failure(result.message());
            stats = std::move(result).value();
            calibrationNote = std::string(rangeMethodName(a.policy.method)) + " calibration on " +
                              std::to_string(images.size()) + " images";
        } else if (overrides.empty() && !a.defaultMin) {
            return badInput("--inference_type " + std::string(quantModeName(a.quantize.mode)) +
                            " needs activation ranges: give --calibration_images, --ranges_in, or (for experiments) "
                            "--default_ranges_min/--default_ranges_max");
        }
        auto chosen = chooseRanges(stats, graph, a.policy, overrides, &warnings);
        if (!chosen.isOk()) return badInput(chosen.message());
        ranges = std::move(chosen).value();
        statistics = std::move(stats);
        if (calibrationNote.empty()) calibrationNote = a.defaultMin ? "default ranges" : "ranges from " + a.rangesIn;
    }

    a.quantize.description.clear();
    auto quantized = quantizeGraph(graph, ranges, a.quantize);
    if (!quantized.isOk()) return failure(quantized.message());
    for (const std::string& w : quantized.value().warnings) warnings.push_back(w);
    for (const std::string& w : warnings) warn(w);

    TfliteWriteOptions writeOptions;
    writeOptions.producedBy = std::string(quantModeName(a.quantize.mode)) + " conversion of " +
                              std::filesystem::path(modelPath).filename().string() +
                              (calibrationNote.empty() ? "" : ", " + calibrationNote);
    writeOptions.overwrite = a.force ? OverwritePolicy::Replace : OverwritePolicy::Refuse;
    if (Status s = writeTfliteFile(quantized.value().graph, a.output, writeOptions); !s.isOk()) return failure(s.message());
    if (!a.rangesOut.empty() && needsRanges(a.quantize.mode)) {
        auto sha = sha256OfFile(modelPath);
        const RangesFile file = makeRangesFile(ranges, a.policy, statistics ? &*statistics : nullptr, modelPath,
                                               sha.isOk() ? sha.value() : "");
        if (Status s = saveRangesJson(a.rangesOut, file, a.force); !s.isOk()) return failure(s.message());
    }
    if (!a.quiet)
        std::fprintf(stderr, "convert: wrote %s (%s, %zu ops%s)\n", a.output.c_str(),
                     std::string(quantModeName(a.quantize.mode)).c_str(), quantized.value().graph.ops.size(),
                     quantized.value().defaultRangeTensors.empty()
                         ? ""
                         : (", " + std::to_string(quantized.value().defaultRangeTensors.size()) + " tensors with default ranges").c_str());
    return kExitOk;
}

const SubcommandRegistration kRegistration{
    {"convert", "float Keras/.tflite model + calibration images -> quantized .tflite (tflite_convert options)", &convertMain}};

} // namespace
} // namespace rf::batch
