#pragma once
// The operator vocabulary of the format-neutral graph. It follows TFLite's builtin
// operators because every model Rangefinder runs is, or is lowered to, that op set.

#include <cstdint>
#include <string_view>

namespace rf {

/// Operators the core knows. `Unsupported` marks an op a reader found but the
/// core cannot run; the graph keeps its original name for the error message.
enum class OpType : uint16_t {
    Unsupported,
    Add,
    AveragePool2D,
    Concatenation,
    Conv2D,
    DepthwiseConv2D,
    Dequantize,
    Div,
    Elu,
    Exp,
    FullyConnected,
    Gelu,
    HardSwish,
    LeakyRelu,
    Logistic,
    MaxPool2D,
    Maximum,
    Mean,
    Minimum,
    Mul,
    Pad,
    PadV2,
    Prelu,
    Quantize,
    Relu,
    Relu6,
    ReluN1To1,
    Reshape,
    ResizeBilinear,
    ResizeNearestNeighbor,
    Softmax,
    Split,
    SplitV,
    Squeeze,
    StridedSlice,
    Sub,
    Tanh,
    Transpose,
    TransposeConv,
    Count,
};

/// The TFLite spelling of an op type: "CONV_2D", "DEPTHWISE_CONV_2D", ...
std::string_view opTypeName(OpType type);

/// Fused activation functions (TFLite ActivationFunctionType).
enum class FusedActivation : uint8_t { None, Relu, ReluN1To1, Relu6, Tanh, SignBit };
std::string_view fusedActivationName(FusedActivation activation);

/// Spatial padding of convolutions and pools.
enum class Padding : uint8_t { Same, Valid };

} // namespace rf
