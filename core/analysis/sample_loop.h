#pragma once
// Internal helpers of core/analysis: running the samples of an analysis over worker
// threads, feeding inputs, and reading outputs as floats.

#include <functional>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "runtime/interpreter.h"

namespace rf {

/// Distributes samples over `jobs` threads; `work(worker, sample)` returns an error
/// to stop everything (the first error is returned). Progress is reported serialised;
/// cancellation is checked between samples.
Status forEachSample(size_t samples, int jobs, const AnalysisControl* control, const std::string& what,
                     const std::function<Status(size_t worker, size_t sample)>& work);

/// Fills every graph input of `interpreter` for `sample`; errors name model, input and sample.
Status setInputs(Interpreter& interpreter, const AnalysisInputs& inputs, size_t sample);

/// invoke() with the control's cancel flag; errors name the model and the sample.
Status invokeNamed(Interpreter& interpreter, const AnalysisControl* control, const std::string& sampleName);

/// The float values of output 0 after a run (dequantized when integer).
void outputAsFloat(const Interpreter& interpreter, std::vector<float>& out);

} // namespace rf
