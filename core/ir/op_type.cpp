#include "ir/op_type.h"

namespace rf {

std::string_view opTypeName(OpType type)
{
    switch (type) {
    case OpType::Unsupported: return "UNSUPPORTED";
    case OpType::Add: return "ADD";
    case OpType::AveragePool2D: return "AVERAGE_POOL_2D";
    case OpType::Concatenation: return "CONCATENATION";
    case OpType::Conv2D: return "CONV_2D";
    case OpType::DepthwiseConv2D: return "DEPTHWISE_CONV_2D";
    case OpType::Dequantize: return "DEQUANTIZE";
    case OpType::Div: return "DIV";
    case OpType::Elu: return "ELU";
    case OpType::Exp: return "EXP";
    case OpType::FullyConnected: return "FULLY_CONNECTED";
    case OpType::Gelu: return "GELU";
    case OpType::HardSwish: return "HARD_SWISH";
    case OpType::LeakyRelu: return "LEAKY_RELU";
    case OpType::Logistic: return "LOGISTIC";
    case OpType::MaxPool2D: return "MAX_POOL_2D";
    case OpType::Maximum: return "MAXIMUM";
    case OpType::Mean: return "MEAN";
    case OpType::Minimum: return "MINIMUM";
    case OpType::Mul: return "MUL";
    case OpType::Pad: return "PAD";
    case OpType::PadV2: return "PADV2";
    case OpType::Prelu: return "PRELU";
    case OpType::Quantize: return "QUANTIZE";
    case OpType::Relu: return "RELU";
    case OpType::Relu6: return "RELU6";
    case OpType::ReluN1To1: return "RELU_N1_TO_1";
    case OpType::Reshape: return "RESHAPE";
    case OpType::ResizeBilinear: return "RESIZE_BILINEAR";
    case OpType::ResizeNearestNeighbor: return "RESIZE_NEAREST_NEIGHBOR";
    case OpType::Softmax: return "SOFTMAX";
    case OpType::Split: return "SPLIT";
    case OpType::SplitV: return "SPLIT_V";
    case OpType::Squeeze: return "SQUEEZE";
    case OpType::Sub: return "SUB";
    case OpType::StridedSlice: return "STRIDED_SLICE";
    case OpType::Tanh: return "TANH";
    case OpType::Transpose: return "TRANSPOSE";
    case OpType::TransposeConv: return "TRANSPOSE_CONV";
    case OpType::Count: break;
    }
    return "UNKNOWN";
}

std::string_view fusedActivationName(FusedActivation activation)
{
    switch (activation) {
    case FusedActivation::None: return "NONE";
    case FusedActivation::Relu: return "RELU";
    case FusedActivation::ReluN1To1: return "RELU_N1_TO_1";
    case FusedActivation::Relu6: return "RELU6";
    case FusedActivation::Tanh: return "TANH";
    case FusedActivation::SignBit: return "SIGN_BIT";
    }
    return "UNKNOWN";
}

} // namespace rf
