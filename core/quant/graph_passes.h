#pragma once
// Graph passes that turn a float graph (a lowered Keras model or a float .tflite)
// into the op graph the TFLite converter produces: BatchNormalization folded into
// the preceding convolution or dense layer, ReLU/ReLU6/ReLU_N1_TO_1 fused into the
// op that produces their input, identities dropped, float16 constants expanded.
//
// Fused ops keep the tensor names of the graph: the fused op's output is the tensor
// of the last layer fused into it ("conv1_relu"), and Op::sourceLayers lists every
// layer the op now stands for.

#include <string>
#include <vector>

#include "ir/graph.h"
#include "util/status.h"

namespace rf {

/// What the passes changed, one line per rewrite, for logs and reports.
struct PassLog {
    std::vector<std::string> lines;
};

/// Replaces DEQUANTIZE ops whose input is a float16 (or quantized) constant by a
/// float32 constant holding the dequantized values, so float16 models can be
/// re-converted.
Status expandDequantizedConstants(Graph& graph, PassLog* log = nullptr);

/// Folds a MUL and/or ADD by constant per-channel (or scalar) operands that follow a
/// CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED or TRANSPOSE_CONV with float constant
/// weights and no fused activation, when each intermediate tensor has that single
/// consumer (BatchNormalization as Keras lowers it at inference). Like the
/// converter's FuseMulOrDivWithConv / FuseAddWithConv patterns, in float32: weights
/// w * m, bias b * m, then bias + a (a missing bias starts at zero). A fused
/// activation of the MUL/ADD moves to the convolution.
Status foldBatchNorm(Graph& graph, PassLog* log = nullptr);

/// Fuses a RELU, RELU6 or RELU_N1_TO_1 op into the CONV_2D, DEPTHWISE_CONV_2D,
/// FULLY_CONNECTED, ADD, SUB or MUL that produces its only input, when that op has no
/// fused activation yet and the intermediate tensor has no other consumer and is not
/// a graph output.
Status fuseActivations(Graph& graph, PassLog* log = nullptr);

/// Drops ops that do not change their input: RESHAPE to the same shape, and
/// QUANTIZE/DEQUANTIZE-free float-to-float copies. Graph outputs keep their producer.
Status dropIdentities(Graph& graph, PassLog* log = nullptr);

/// Gives every CONV_2D and DEPTHWISE_CONV_2D with float constant weights and no bias a
/// zero float bias, as the converter does (its TFL conv ops always carry one): TFLite's
/// builtin kernels refuse a bias-less 16x8 CONV_2D, and a bias-less hybrid one, so a
/// quantized export must not have them. A Keras Conv2D(use_bias=False) not followed by
/// BatchNormalization is where they come from.
Status materializeConvolutionBiases(Graph& graph, PassLog* log = nullptr);

/// Removes tensors that no op and no graph input/output references, renumbering
/// the rest (keeps their order).
void removeUnusedTensors(Graph& graph);

/// Runs expandDequantizedConstants, foldBatchNorm, fuseActivations, dropIdentities
/// and materializeConvolutionBiases (the converter's order), then removeUnusedTensors,
/// and validates the result.
Status runConverterPasses(Graph& graph, PassLog* log = nullptr);

} // namespace rf
