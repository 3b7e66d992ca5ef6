#pragma once
// Which layer causes the accuracy drop? Simulates quantization inside the float
// model ("fake quantization", as TensorFlow's QuantizationDebugger does): the
// activation of a layer is quantized and dequantized with the quantized model's scale
// and zero point (a QUANTIZE + DEQUANTIZE pair inserted into the float graph), and its
// weights are replaced by their quantize-dequantized values. Works for any float /
// quantized pair the matcher pairs, including Keras models whose BatchNormalization
// the converter folded.

#include <vector>

#include "analysis/analysis_result.h"
#include "analysis/analyzer.h"
#include "analysis/tensor_matching.h"
#include "ir/graph.h"
#include "util/status.h"

namespace rf {

/// A copy of `floatGraph` in which the matched tensors `matchIndices` (indices into
/// matching.matches) are fake-quantized with the grids of their quantized twins, and
/// the weights of their anchor ops are fake-quantized (per output channel, symmetric,
/// as the TFLite converter quantizes weights; the quantized model's own weight scales
/// when the float weights have the same shape and were not rescaled by folding).
Result<Graph> buildFakeQuantGraph(const Graph& floatGraph, const Graph& quantGraph, const TensorMatching& matching,
                                  const std::vector<size_t>& matchIndices);

/// The layers sensitivity works on: indices into matching.matches of the matches whose
/// quantized tensor is an integer activation (graph input quantization included).
std::vector<size_t> sensitivityLayers(const Graph& quantGraph, const TensorMatching& matching);

/// Output SQNR (dB, over all samples) and top-1 agreement of the float graph with the
/// given matches fake-quantized, against the plain float graph.
struct FakeQuantScore {
    double sqnrDb = 0.0;
    double agreement = 0.0;
};
Result<FakeQuantScore> scoreFakeQuant(const Graph& floatGraph, const Graph& quantGraph, const TensorMatching& matching,
                                      const std::vector<size_t>& matchIndices, const AnalysisInputs& inputs, int jobs,
                                      const AnalysisControl* control = nullptr);

/// For every layer of sensitivityLayers(): output SQNR/agreement when only it is
/// fake-quantized, and when all but it are. Ranked by onlyThisSqnrDb (lowest first).
/// Costs (2 * layers + 1) float runs per sample.
Result<SensitivityReport> runSensitivity(const Graph& floatGraph, const Graph& quantGraph,
                                         const TensorMatching& matching, const AnalysisInputs& inputs, int jobs,
                                         const AnalysisControl* control = nullptr);

} // namespace rf
