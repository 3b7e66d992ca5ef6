#pragma once
// Pairs the tensors of a float model with those of its quantized version, so that
// the analysis compares the same values. Names are used where they survive the
// conversion (Keras layer "conv1_relu" vs TFLite "model/conv1_relu/Relu6", or fused
// names joined by ';'); the graph structure is used where they do not (a Keras
// Conv2D -> BatchNormalization (MUL, ADD) -> ReLU chain is one fused TFLite CONV_2D;
// a float .tflite and its quantized twin have the same ops modulo QUANTIZE and
// DEQUANTIZE). Tensors that cannot be paired are listed, never guessed.

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "util/status.h"

namespace rf {

/// How a pair was established.
enum class MatchMethod {
    /// Graph input or output at the same position.
    GraphIo,
    /// Walking both graphs from their inputs; the names agree as well.
    StructureAndName,
    /// Walking both graphs from their inputs (names differ or are missing).
    Structure,
    /// Only the names tie the two tensors (structure walk had lost track).
    Name,
};

/// "graph_io", "structure+name", "structure", "name".
const char* matchMethodName(MatchMethod method);

/// One float tensor paired with one quantized-model tensor holding the same values.
struct TensorMatch {
    /// Tensor index in the float graph (an activation, never a constant).
    int32_t floatTensor = -1;
    /// Tensor index in the quantized graph.
    int32_t quantTensor = -1;
    /// The op producing floatTensor (-1 for a graph input); for a chain absorbed into
    /// one quantized op (conv -> BN -> ReLU), the first op of the chain, the one holding weights.
    int floatAnchorOp = -1;
    /// The op producing quantTensor (-1 for a graph input).
    int quantOp = -1;
    /// Display name: the Keras layer name when known, else the quantized tensor name.
    std::string name;
    MatchMethod method = MatchMethod::Structure;
};

/// The result of matching two graphs.
struct TensorMatching {
    /// Pairs in the quantized graph's execution order (inputs first).
    std::vector<TensorMatch> matches;
    /// Float activation tensors with no counterpart (e.g. a BN output folded away is
    /// NOT listed: it is absorbed; a layer the converter removed is).
    std::vector<int32_t> unmatchedFloat;
    /// Quantized-graph activation tensors with no counterpart (QUANTIZE/DEQUANTIZE
    /// outputs that alias a matched value are not listed).
    std::vector<int32_t> unmatchedQuant;
    /// Human-readable remarks (why an op was skipped or left unmatched).
    std::vector<std::string> notes;

    /// The match whose quantTensor is `quantTensor`, or nullptr.
    const TensorMatch* findByQuantTensor(int32_t quantTensor) const;
};

/// Matches `floatGraph` against `quantGraph`. Fails (naming both files) when the two
/// are evidently not the same network: different numbers of inputs or outputs,
/// input/output shapes that differ, or no op at all that matches.
Result<TensorMatching> matchTensors(const Graph& floatGraph, const Graph& quantGraph);

/// True when a quantized tensor name refers to `floatName` (a Keras layer or float
/// tensor name): equal, equal to one ';'-separated part, or equal to one '/'-separated
/// component of a part ("model/conv1_relu/Relu6" refers to "conv1_relu").
bool quantNameRefersTo(const std::string& quantName, const std::string& floatName);

} // namespace rf
