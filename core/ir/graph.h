#pragma once
// The format-neutral graph: tensors, ops in topological order, graph inputs and
// outputs. Readers (TFLite, Keras) produce it; the interpreter runs it.

#include <cstdint>
#include <string>
#include <vector>

#include "ir/op_type.h"
#include "ir/tensor.h"
#include "util/status.h"

namespace rf {

/// Marks an absent optional op input (TFLite writes -1, e.g. a conv without bias).
inline constexpr int32_t kNoTensor = -1;

/// Attributes of an op. One flat struct for all op types: each op reads the
/// fields that apply to it and ignores the rest (defaults are TFLite's).
struct OpAttributes {
    // Convolutions and pools.
    Padding padding = Padding::Same;
    int32_t strideH = 1, strideW = 1;
    int32_t dilationH = 1, dilationW = 1;
    int32_t filterH = 0, filterW = 0; ///< Pools only.
    int32_t depthMultiplier = 0;      ///< DEPTHWISE_CONV_2D.
    FusedActivation activation = FusedActivation::None;
    // Reductions, concatenation, split, softmax, leaky relu.
    int32_t axis = 0;
    bool keepDims = false;
    int32_t numSplits = 0;
    float beta = 1.0f;  ///< SOFTMAX.
    float alpha = 0.0f; ///< LEAKY_RELU.
    // Shapes.
    std::vector<int32_t> newShape;     ///< RESHAPE options (when no shape tensor).
    std::vector<int32_t> squeezeDims;  ///< SQUEEZE.
    int32_t beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkAxisMask = 0;
    bool offset = false; ///< STRIDED_SLICE.
    // FULLY_CONNECTED.
    bool keepNumDims = false;
    /// Hybrid (dynamic-range) ops: quantize inputs asymmetrically instead of symmetrically.
    bool asymmetricQuantizeInputs = false;
    // Resize.
    bool alignCorners = false;
    bool halfPixelCenters = false;
    /// ADD/SUB int16: power-of-two scale kernels (TFLite's pot_scale_int16).
    bool potScaleInt16 = true;
    /// GELU.
    bool approximate = false;
};

/// One operator application.
struct Op {
    OpType type = OpType::Unsupported;
    /// The op's name in its source format ("CONV_2D", or "CUSTOM:TFLite_Detection_PostProcess").
    std::string typeName;
    int32_t version = 1;
    /// Tensor indices; kNoTensor for an absent optional input.
    std::vector<int32_t> inputs;
    std::vector<int32_t> outputs;
    OpAttributes attrs;
    /// The source layer this op came from (a Keras layer name), if known.
    std::string layerName;
    /// Every source layer folded into this op, in graph order (e.g. "conv1", "conv1_bn",
    /// "conv1_relu" after BatchNormalization folding and activation fusion). Empty when
    /// the op was not the result of a graph pass; then layerName alone says where it came from.
    std::vector<std::string> sourceLayers;
};

/// A runnable graph (TFLite subgraph 0, or a lowered Keras model).
struct Graph {
    std::vector<Tensor> tensors;
    /// Ops in execution (topological) order.
    std::vector<Op> ops;
    std::vector<int32_t> inputs;
    std::vector<int32_t> outputs;
    /// The file this graph came from, used to prefix error messages.
    std::string sourcePath;
    /// Free-form description from the file (e.g. the TFLite converter's).
    std::string description;

    /// "model.tflite: op #3 (CONV_2D)" — the prefix every op error message starts with.
    std::string opLabel(size_t opIndex) const;
    /// "tensor #7 'conv1/Relu6'".
    std::string tensorLabel(int32_t tensorIndex) const;
    /// Checks the structural invariants: indices in range, constants sized to their
    /// shape, every op input produced earlier (topological order), no tensor written twice.
    Status validate() const;
};

} // namespace rf
