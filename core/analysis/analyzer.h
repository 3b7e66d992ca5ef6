#pragma once
// Runs a float model and its quantized version over a set of inputs and measures,
// tensor by tensor, how far the quantized values are from the float ones. Also the
// quantized-only analysis (ranges and code utilisation of a model's own activations)
// and the kernel-path drift (builtin vs XNNPACK kernels of the same quantized model).
//
// Threading: runAnalysis() may be called from a background thread; it uses `jobs`
// worker threads of its own, reports progress and honours cancellation through
// AnalysisControl. The returned AnalysisResult is a self-contained snapshot.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "analysis/analysis_result.h"
#include "analysis/tensor_matching.h"
#include "ir/graph.h"
#include "runtime/kernel_mode.h"
#include "runtime/tensor_value.h"
#include "util/status.h"

namespace rf {

/// Produces the value of a graph's input tensor for sample `index` (e.g. an image
/// preprocessed for that tensor). Must be callable from several threads at once.
using InputProvider = std::function<Result<TensorValue>(size_t index, const Tensor& inputTensor)>;

/// The samples to analyse.
struct AnalysisInputs {
    /// Display names, one per sample (image file names).
    std::vector<std::string> names;
    InputProvider provider;
    /// Class index per sample for accuracy, or empty / -1 entries when unknown.
    std::vector<int> labels;
};

/// Progress and cancellation for the long computations of core/analysis.
struct AnalysisControl {
    /// Called (from any worker thread, serialised) with (done, total, what).
    std::function<void(size_t done, size_t total, const std::string& what)> onProgress;
    /// When set and true, the computation stops soon and returns a "cancelled" error.
    const std::atomic<bool>* cancel = nullptr;
};

struct AnalysisOptions {
    /// Kernels the quantized model runs with.
    KernelMode kernels = KernelMode::Builtin;
    /// Worker threads (each with its own interpreters), >= 1.
    int jobs = 1;
    /// Bins of each activation histogram (even).
    size_t histogramBins = 512;
    /// Also run the quantized model with the other kernel path and measure the drift.
    bool drift = false;
    /// Keep per-image metrics (TensorReport::perImage).
    bool perImage = true;
};

/// Compares `floatGraph` and `quantGraph` over `inputs`. Fails with a clear message
/// when the graphs are not the same network (see matchTensors), when an input cannot
/// be produced, or when a model cannot run.
Result<AnalysisResult> runAnalysis(const Graph& floatGraph, const Graph& quantGraph, const AnalysisInputs& inputs,
                                   const AnalysisOptions& options, const AnalysisControl* control = nullptr);

/// Quantized-only analysis: ranges, code utilisation and histograms of the model's
/// own (dequantized) activations, weight statistics; no error metrics.
Result<AnalysisResult> runQuantizedOnlyAnalysis(const Graph& quantGraph, const AnalysisInputs& inputs,
                                                const AnalysisOptions& options,
                                                const AnalysisControl* control = nullptr);

/// Runs `quantGraph` with builtin and with XNNPACK kernels and compares every integer
/// activation tensor.
Result<DriftReport> runKernelDrift(const Graph& quantGraph, const AnalysisInputs& inputs, int jobs,
                                   const AnalysisControl* control = nullptr);

/// Weight statistics of every quantized weight tensor (CONV_2D, DEPTHWISE_CONV_2D,
/// FULLY_CONNECTED, TRANSPOSE_CONV filters); with `floatGraph` and `matching`, also the
/// per-channel error against the paired float weights.
std::vector<WeightReport> analyzeWeights(const Graph& quantGraph, const Graph* floatGraph,
                                         const TensorMatching* matching, size_t histogramBins = 256);

/// Top-k class indices of a float vector, best first (ties: lower index first).
std::vector<int> topK(std::span<const float> scores, int k);

} // namespace rf
