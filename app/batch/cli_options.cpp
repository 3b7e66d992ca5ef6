#include "cli_options.h"

#include <charconv>

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

run: executes MODEL on the given inputs and writes the results in the file layout
of the TFLite oracle (OUT/output_<i>.bin + .json, OUT/outputs.json,
OUT/intermediates/tNNNN_<name>.{bin,json}).

INPUT files, one per model input in the model's input order:
  *.npy            numpy array with the tensor's element count (other dtypes
                   are converted, integers range-checked)
  *.csv | *.txt    numbers separated by commas/whitespace: the stored values
                   (already quantized for integer tensors)
  anything else    raw little-endian bytes, exactly the tensor's byte size

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
                          per line) instead of the output summary
  --top K                 how many classes --labels prints (default 5)

info: prints the model's inputs, outputs, operators and tensor types as JSON
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
