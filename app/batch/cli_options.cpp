#include "cli_options.h"

#include <charconv>
#include <cstdlib>

namespace rf::batch {

namespace {

Result<int> parseCount(const std::string& option, const std::string& text, int minimum)
{
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < minimum)
        return Status::error(option + " needs an integer >= " + std::to_string(minimum) + ", got '" + text + "'");
    return value;
}

} // namespace

const char* usageText()
{
    return R"(usage:
  rangefinder-batch run MODEL [INPUT ...] -o OUT [options]
  rangefinder-batch info MODEL [--summary]
  rangefinder-batch --version

run: executes MODEL (.tflite or Keras .h5) on the given inputs and writes the
results in the file layout of the TFLite oracle (OUT/output_<i>.bin + .json,
OUT/outputs.json, OUT/intermediates/tNNNN_<name>.{bin,json}).

Prepared tensors: INPUT files, one per model input in the model's input order:
  *.npy            numpy array with the tensor's element count (other dtypes
                   are converted, integers range-checked)
  *.csv | *.txt    numbers separated by commas/whitespace: the stored values
                   (already quantized for integer tensors)
  anything else    raw little-endian bytes, exactly the tensor's byte size

Images: when an INPUT is an image (.jpg .jpeg .png .bmp), a folder of images
(recursive; sub-folder names are class labels), a list file (.lst/.list, or a
.txt whose lines are "path [label]", paths relative to the list file), or an
MNIST-style IDX file (*-idx3-ubyte[.gz], labels from the matching idx1 file),
every image (and every .npy among the inputs) is run through input 0 in turn.
One image writes its results into OUT; several write OUT/<image-name>/ each.
OUT/results.json lists every image with its top classes and, when labels are
known, the accuracy.
  --preset NAME           mobilenet ([-1,1]), unit ([0,1]), caffe (BGR, ImageNet
                          mean subtraction), torch (ImageNet mean/std), raw (0..255)
  --mean_values M[,M,M]   real = (pixel - mean) / std, one value or one per
  --std_dev_values S[,S,S]  channel in the model's channel order (override --preset)
  --color auto|rgb|bgr|gray   channel order the model wants (auto: by channel count)
  --resize bilinear|area  how images are scaled to the input size (default bilinear)
  --central-crop F        keep the central fraction F (0 < F <= 1) before resizing
  --layout auto|nhwc|nchw where the channels are in a 4-D input (default auto)
  --integer-input auto|quantize|raw_pixels   uint8/int8 inputs: quantize the
                          normalized values with the tensor's scale and zero
                          point, or copy pixels (int8: pixel - 128); auto copies
                          pixels unless mean/std or a preset are given
  --limit N               use only the first N images
  --summary-only          write only OUT/results.json (no per-image folders)
Float inputs need --preset or --mean_values/--std_dev_values.

run options:
  -o, --out DIR           output folder (required; created if missing)
  --kernels MODE          builtin (default): TFLite's builtin kernels, bit-exact;
                          xnnpack: what TFLite's XNNPACK delegate computes
  --threads N             threads used inside kernels (default 1)
  --dump-intermediates    also write every tensor an operator produces
  --bench N               time N inferences after warm-up; writes OUT/timing.json
  --warmup W              warm-up inferences before timing (default 10)
  --fill zeros|random     fill inputs that were not given (same bytes as the oracle)
  --force                 write into a non-empty OUT: a previous run's result files
                          there are replaced; other files are left alone
  --npy                   also write .npy copies of every .bin file
  --labels FILE           print the top classes of output 0 using FILE (one label
                          per line) instead of the output summary; with images,
                          image labels are matched to these names for accuracy
  --top K                 how many classes --labels prints (default 5)

info: prints the model's (.tflite or .h5) inputs, outputs, operators and tensor types as JSON
  --summary               a human-readable summary instead of JSON

exit status: 0 success, 2 bad input (usage, model, input files; the reason is
printed on stderr), 1 failure writing results.
)";
}

Result<CommandLine> parseCommandLine(const std::vector<std::string>& args)
{
    CommandLine line;
    if (args.empty()) return Status::error("missing command");
    const std::string& command = args[0];
    if (command == "-h" || command == "--help" || command == "help") {
        line.command = CommandLine::Command::Help;
        return line;
    }
    if (command == "--version" || command == "version") {
        line.command = CommandLine::Command::Version;
        return line;
    }
    std::vector<std::string> positional;
    if (command == "run") {
        line.command = CommandLine::Command::Run;
        RunOptions& run = line.run;
        bool outGiven = false;
        std::string preset;
        std::optional<std::vector<float>> means, stddevs;
        std::optional<ColorOrder> color;
        for (size_t i = 1; i < args.size(); ++i) {
            const std::string& arg = args[i];
            const auto next = [&]() -> Result<std::string> {
                if (i + 1 >= args.size()) return Status::error(arg + " needs a value");
                return args[++i];
            };
            if (arg == "-o" || arg == "--out") {
                RF_ASSIGN_OR_RETURN(run.outDir, next());
                outGiven = true;
            } else if (arg == "--kernels") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                const std::optional<KernelMode> mode = kernelModeFromName(value);
                if (!mode) return Status::error("--kernels must be builtin or xnnpack, got '" + value + "'");
                run.kernels = *mode;
            } else if (arg == "--threads") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                RF_ASSIGN_OR_RETURN(run.threads, parseCount(arg, value, 1));
                if (run.threads > 256) return Status::error("--threads " + value + " is too many (at most 256)");
            } else if (arg == "--bench") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                RF_ASSIGN_OR_RETURN(run.benchRuns, parseCount(arg, value, 1));
            } else if (arg == "--warmup") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                RF_ASSIGN_OR_RETURN(run.warmupRuns, parseCount(arg, value, 0));
            } else if (arg == "--fill") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                const std::optional<InputFill> fill = inputFillFromName(value);
                if (!fill) return Status::error("--fill must be zeros or random, got '" + value + "'");
                run.fill = *fill;
            } else if (arg == "--top") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                RF_ASSIGN_OR_RETURN(run.top, parseCount(arg, value, 1));
            } else if (arg == "--labels") {
                RF_ASSIGN_OR_RETURN(run.labelsFile, next());
            } else if (arg == "--preset") {
                RF_ASSIGN_OR_RETURN(preset, next());
                run.preprocessGiven = true;
            } else if (arg == "--mean_values" || arg == "--mean-values") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                RF_ASSIGN_OR_RETURN(means, parseFloatList(arg, value));
                run.preprocessGiven = true;
            } else if (arg == "--std_dev_values" || arg == "--std-dev-values") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                RF_ASSIGN_OR_RETURN(stddevs, parseFloatList(arg, value));
                for (float v : *stddevs)
                    if (v == 0.0f) return Status::error(arg + " must not be 0");
                run.preprocessGiven = true;
            } else if (arg == "--color") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                color = colorOrderFromName(value);
                if (!color) return Status::error("--color must be auto, rgb, bgr or gray, got '" + value + "'");
                run.preprocessGiven = true;
            } else if (arg == "--resize") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                const std::optional<ResizeMethod> method = resizeMethodFromName(value);
                if (!method) return Status::error("--resize must be bilinear or area, got '" + value + "'");
                run.preprocess.resize = *method;
                run.preprocessGiven = true;
            } else if (arg == "--layout") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                const std::optional<TensorLayout> layout = tensorLayoutFromName(value);
                if (!layout) return Status::error("--layout must be auto, nhwc or nchw, got '" + value + "'");
                run.preprocess.layout = *layout;
                run.preprocessGiven = true;
            } else if (arg == "--integer-input") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                const std::optional<IntegerInputMode> mode = integerInputModeFromName(value);
                if (!mode) return Status::error("--integer-input must be auto, quantize or raw_pixels, got '" + value + "'");
                run.preprocess.integerInput = *mode;
                run.preprocessGiven = true;
            } else if (arg == "--central-crop") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                char* end = nullptr;
                const double fraction = std::strtod(value.c_str(), &end);
                if (value.empty() || end != value.c_str() + value.size() || !(fraction > 0.0 && fraction <= 1.0))
                    return Status::error("--central-crop needs a fraction in (0, 1], got '" + value + "'");
                run.preprocess.centralCrop = fraction;
                run.preprocessGiven = true;
            } else if (arg == "--limit") {
                RF_ASSIGN_OR_RETURN(const std::string value, next());
                RF_ASSIGN_OR_RETURN(const int count, parseCount(arg, value, 1));
                run.limit = count;
            } else if (arg == "--summary-only") {
                run.summaryOnly = true;
            } else if (arg == "--dump-intermediates") {
                run.dumpIntermediates = true;
            } else if (arg == "--force") {
                run.force = true;
            } else if (arg == "--npy") {
                run.npy = true;
            } else if (arg.size() > 1 && arg[0] == '-') {
                return Status::error("unknown option " + arg);
            } else {
                positional.push_back(arg);
            }
        }
        // A preset first, then explicit values and color override it.
        if (!preset.empty()) RF_RETURN_IF_ERROR(applyPreset(preset, run.preprocess));
        if (means) run.preprocess.meanValues = *means;
        if (stddevs) run.preprocess.stdDevValues = *stddevs;
        if (means && !stddevs && run.preprocess.stdDevValues.empty()) run.preprocess.stdDevValues = {1.0f};
        if (stddevs && !means && run.preprocess.meanValues.empty()) run.preprocess.meanValues = {0.0f};
        if ((means || stddevs) && !preset.empty()) run.preprocess.preset.clear();
        if (color) run.preprocess.color = *color;
        if (positional.empty()) return Status::error("run: missing MODEL");
        run.model = positional[0];
        run.inputs.assign(positional.begin() + 1, positional.end());
        if (!outGiven || run.outDir.empty()) return Status::error("run: missing -o OUT (the output folder)");
        return line;
    }
    if (command == "info") {
        line.command = CommandLine::Command::Info;
        for (size_t i = 1; i < args.size(); ++i) {
            const std::string& arg = args[i];
            if (arg == "--summary")
                line.info.summary = true;
            else if (arg.size() > 1 && arg[0] == '-')
                return Status::error("unknown option " + arg);
            else
                positional.push_back(arg);
        }
        if (positional.size() != 1)
            return Status::error(positional.empty() ? "info: missing MODEL" : "info: takes exactly one MODEL");
        line.info.model = positional[0];
        return line;
    }
    return Status::error("unknown command '" + command + "'");
}

} // namespace rf::batch
