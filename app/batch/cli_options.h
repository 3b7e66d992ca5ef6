#pragma once
// Command-line parsing for rangefinder-batch. A small hand-written parser: the
// option set is fixed by the CLI contract (docs/cli.md) and mirrors the oracle's.

#include <optional>
#include <string>
#include <vector>

#include "data/preprocess_options.h"
#include "io/tensor_files.h"
#include "runtime/kernel_mode.h"
#include "util/status.h"

namespace rf::batch {

/// Exit codes of rangefinder-batch.
enum ExitCode : int {
    kExitOk = 0,
    /// Writing results failed (disk full, permissions) or another environment problem.
    kExitFailure = 1,
    /// Bad input: usage error, unreadable or invalid model, input file or option value.
    kExitBadInput = 2,
};

/// Options of `rangefinder-batch run`.
struct RunOptions {
    std::string model;
    std::vector<std::string> inputs;
    std::string outDir;
    bool dumpIntermediates = false;
    KernelMode kernels = KernelMode::Builtin;
    int threads = 1;
    /// Timed invocations after warm-up (0: no benchmark).
    int benchRuns = 0;
    int warmupRuns = 10;
    InputFill fill = InputFill::None;
    /// Write into a non-empty output directory, replacing a previous run's files.
    bool force = false;
    /// Also write .npy copies of every .bin.
    bool npy = false;
    /// Print the top-k classes of output 0 with these labels instead of the output summary.
    std::string labelsFile;
    int top = 5;

    /// How images become the model's input 0 (image mode).
    PreprocessOptions preprocess;
    /// True when any preprocessing option was given: the inputs are then images
    /// even if none of them looks like one.
    bool preprocessGiven = false;
    /// Use only the first N images of the inputs.
    std::optional<int64_t> limit;
    /// Image mode: write only OUT/results.json, no per-image tensor folders.
    bool summaryOnly = false;
};

/// Options of `rangefinder-batch info`.
struct InfoOptions {
    std::string model;
    /// Human-readable summary instead of JSON.
    bool summary = false;
};

/// A parsed command line.
struct CommandLine {
    enum class Command { Help, Version, Run, Info } command = Command::Help;
    RunOptions run;
    InfoOptions info;
};

/// Parses argv (without the program name). Errors are usage errors (exit code 2).
Result<CommandLine> parseCommandLine(const std::vector<std::string>& args);

/// The usage text.
const char* usageText();

} // namespace rf::batch
