#pragma once
// The quantizer: turns a float graph (after the converter passes, see
// graph_passes.h) and the ranges of its activation tensors into the graph the
// TFLite converter would produce for the chosen mode (TFLite quantization spec,
// https://www.tensorflow.org/lite/performance/quantization_spec).
//
// Tensor names are kept: every tensor the float graph had keeps its name in the
// result (its quantized version when its producer is quantized), so ranges,
// reports and float-vs-quant comparisons match tensors by name. QUANTIZE and
// DEQUANTIZE ops added at the edges produce tensors named "<name>/quantize" and
// "<name>/dequantize".

#include <string>
#include <vector>

#include "ir/graph.h"
#include "quant/quantize_options.h"
#include "quant/tensor_range.h"
#include "util/status.h"

namespace rf {

/// The converted graph and what the user should know about the conversion.
struct QuantizeResult {
    Graph graph;
    /// Human-readable warnings (default ranges used, ops left float, ...).
    std::vector<std::string> warnings;
    /// Activation tensors quantized with QuantizeOptions::defaultRange because the
    /// range table had no entry for them.
    std::vector<std::string> defaultRangeTensors;
    /// Ops left in float (selected by the user or not quantizable in the mode), as
    /// "op #i (TYPE, layer 'name')".
    std::vector<std::string> floatOps;
};

/// Converts `floatGraph` (float32 activations and constants) for `options.mode`.
/// Ranges are looked up by tensor name; a missing range without a default range is
/// an error naming the tensor and the op that needs it. The result validates and
/// runs in the core's Interpreter.
Result<QuantizeResult> quantizeGraph(const Graph& floatGraph, const RangeTable& ranges, const QuantizeOptions& options);

/// The names of the activation tensors whose ranges quantizeGraph() reads for this
/// graph and these options (what calibration has to provide).
std::vector<std::string> tensorsNeedingRanges(const Graph& floatGraph, const QuantizeOptions& options);

} // namespace rf
