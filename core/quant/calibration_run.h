#pragma once
// The calibration driver: runs an Interpreter over a calibration set, sample by
// sample, with the calibration observer attached, and returns the statistics.
// Inputs come from a callback, so any source (image files, tensor files, a GUI
// selection) can feed it.

#include <cstddef>
#include <functional>

#include "quant/calibration_observer.h"
#include "runtime/interpreter.h"
#include "util/status.h"

namespace rf {

/// Fills the interpreter's inputs for calibration sample `sampleIndex` (0-based),
/// e.g. with Interpreter::setInput(). An error stops the run; its message should
/// name the sample's source (file).
using CalibrationInputProvider = std::function<Status(size_t sampleIndex, Interpreter& interpreter)>;

struct CalibrationRunOptions {
    /// Number of samples to run (the provider is called for 0 .. sampleCount-1).
    size_t sampleCount = 0;
    CalibrationObserverOptions observer;
    /// Optional. onProgress is called after each sample with (samples done,
    /// sampleCount); cancel is checked before each sample and between ops.
    const RunControl* control = nullptr;
};

/// Runs the samples and returns statistics of every float activation tensor of
/// interpreter.graph(). Errors name the sample index (and what the provider said).
Result<CalibrationStatistics> runCalibration(Interpreter& interpreter, const CalibrationInputProvider& provider,
                                             const CalibrationRunOptions& options);

} // namespace rf
