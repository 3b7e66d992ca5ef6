#include "io/tflite_writer_options.h"

#include <cmath>

namespace rf::tflite_writer {

namespace {

using tflite::BuiltinOperator;
using tflite::BuiltinOptions;

tflite::Padding toTflite(Padding padding) { return padding == Padding::Valid ? tflite::Padding::VALID : tflite::Padding::SAME; }

/// FusedActivation lists TFLite's ActivationFunctionType members in the same order
/// (the reader relies on that too), so the conversion is a cast after a range check.
Result<tflite::ActivationFunctionType> toTflite(FusedActivation activation, const std::string& opLabel)
{
    const int raw = static_cast<int>(activation);
    if (raw < 0 || raw > static_cast<int>(tflite::ActivationFunctionType::MAX))
        return Status::error(opLabel + ": fused activation code " + std::to_string(raw) + " has no TFLite encoding");
    return static_cast<tflite::ActivationFunctionType>(raw);
}

template <typename T>
BuiltinOptionsRef ref(BuiltinOptions type, flatbuffers::Offset<T> table)
{
    return {type, table.Union()};
}

} // namespace

Result<BuiltinOptionsRef> buildBuiltinOptions(flatbuffers::FlatBufferBuilder& builder, int32_t code,
                                              const OpAttributes& attrs, const std::string& opLabel)
{
    RF_ASSIGN_OR_RETURN(const tflite::ActivationFunctionType activation, toTflite(attrs.activation, opLabel));
    const tflite::Padding padding = toTflite(attrs.padding);

    switch (static_cast<BuiltinOperator>(code)) {
    case BuiltinOperator::CONV_2D:
        return ref(BuiltinOptions::Conv2DOptions,
                   tflite::CreateConv2DOptions(builder, padding, attrs.strideW, attrs.strideH, activation, attrs.dilationW,
                                               attrs.dilationH));
    case BuiltinOperator::DEPTHWISE_CONV_2D:
        return ref(BuiltinOptions::DepthwiseConv2DOptions,
                   tflite::CreateDepthwiseConv2DOptions(builder, padding, attrs.strideW, attrs.strideH,
                                                        attrs.depthMultiplier, activation, attrs.dilationW,
                                                        attrs.dilationH));
    case BuiltinOperator::AVERAGE_POOL_2D:
    case BuiltinOperator::MAX_POOL_2D:
    case BuiltinOperator::L2_POOL_2D:
        return ref(BuiltinOptions::Pool2DOptions,
                   tflite::CreatePool2DOptions(builder, padding, attrs.strideW, attrs.strideH, attrs.filterW,
                                               attrs.filterH, activation));
    case BuiltinOperator::TRANSPOSE_CONV:
        return ref(BuiltinOptions::TransposeConvOptions,
                   tflite::CreateTransposeConvOptions(builder, padding, attrs.strideW, attrs.strideH, activation));
    case BuiltinOperator::FULLY_CONNECTED:
        return ref(BuiltinOptions::FullyConnectedOptions,
                   tflite::CreateFullyConnectedOptions(builder, activation,
                                                       tflite::FullyConnectedOptionsWeightsFormat::DEFAULT,
                                                       attrs.keepNumDims, attrs.asymmetricQuantizeInputs));
    case BuiltinOperator::SOFTMAX:
        if (!std::isfinite(attrs.beta))
            return Status::error(opLabel + ": softmax beta " + std::to_string(attrs.beta) + " is not a finite number");
        return ref(BuiltinOptions::SoftmaxOptions, tflite::CreateSoftmaxOptions(builder, attrs.beta));
    case BuiltinOperator::CONCATENATION:
        return ref(BuiltinOptions::ConcatenationOptions,
                   tflite::CreateConcatenationOptions(builder, attrs.axis, activation));
    case BuiltinOperator::ADD:
        return ref(BuiltinOptions::AddOptions, tflite::CreateAddOptions(builder, activation, attrs.potScaleInt16));
    case BuiltinOperator::SUB:
        return ref(BuiltinOptions::SubOptions, tflite::CreateSubOptions(builder, activation, attrs.potScaleInt16));
    case BuiltinOperator::MUL:
        return ref(BuiltinOptions::MulOptions, tflite::CreateMulOptions(builder, activation));
    case BuiltinOperator::DIV:
        return ref(BuiltinOptions::DivOptions, tflite::CreateDivOptions(builder, activation));
    case BuiltinOperator::RESHAPE:
        // The converter writes no options when the new shape is an input tensor; an
        // empty new_shape would read back the same, so only a real one is written.
        if (attrs.newShape.empty()) return BuiltinOptionsRef{};
        return ref(BuiltinOptions::ReshapeOptions, tflite::CreateReshapeOptionsDirect(builder, &attrs.newShape));
    case BuiltinOperator::SQUEEZE:
        return ref(BuiltinOptions::SqueezeOptions, tflite::CreateSqueezeOptionsDirect(builder, &attrs.squeezeDims));
    case BuiltinOperator::STRIDED_SLICE:
        return ref(BuiltinOptions::StridedSliceOptions,
                   tflite::CreateStridedSliceOptions(builder, attrs.beginMask, attrs.endMask, attrs.ellipsisMask,
                                                     attrs.newAxisMask, attrs.shrinkAxisMask, attrs.offset));
    case BuiltinOperator::SPLIT:
        return ref(BuiltinOptions::SplitOptions, tflite::CreateSplitOptions(builder, attrs.numSplits));
    case BuiltinOperator::SPLIT_V:
        return ref(BuiltinOptions::SplitVOptions, tflite::CreateSplitVOptions(builder, attrs.numSplits));
    case BuiltinOperator::LEAKY_RELU:
        if (!std::isfinite(attrs.alpha))
            return Status::error(opLabel + ": leaky relu alpha " + std::to_string(attrs.alpha) + " is not a finite number");
        return ref(BuiltinOptions::LeakyReluOptions, tflite::CreateLeakyReluOptions(builder, attrs.alpha));
    case BuiltinOperator::MEAN:
    case BuiltinOperator::SUM:
    case BuiltinOperator::REDUCE_MAX:
    case BuiltinOperator::REDUCE_MIN:
    case BuiltinOperator::REDUCE_PROD:
    case BuiltinOperator::REDUCE_ANY:
    case BuiltinOperator::REDUCE_ALL:
        return ref(BuiltinOptions::ReducerOptions, tflite::CreateReducerOptions(builder, attrs.keepDims));
    case BuiltinOperator::RESIZE_BILINEAR:
        return ref(BuiltinOptions::ResizeBilinearOptions,
                   tflite::CreateResizeBilinearOptions(builder, attrs.alignCorners, attrs.halfPixelCenters));
    case BuiltinOperator::RESIZE_NEAREST_NEIGHBOR:
        return ref(BuiltinOptions::ResizeNearestNeighborOptions,
                   tflite::CreateResizeNearestNeighborOptions(builder, attrs.alignCorners, attrs.halfPixelCenters));
    case BuiltinOperator::GELU:
        return ref(BuiltinOptions::GeluOptions, tflite::CreateGeluOptions(builder, attrs.approximate));
    // Options tables without fields, written as the converter writes them.
    case BuiltinOperator::PAD: return ref(BuiltinOptions::PadOptions, tflite::CreatePadOptions(builder));
    case BuiltinOperator::PADV2: return ref(BuiltinOptions::PadV2Options, tflite::CreatePadV2Options(builder));
    case BuiltinOperator::TRANSPOSE: return ref(BuiltinOptions::TransposeOptions, tflite::CreateTransposeOptions(builder));
    case BuiltinOperator::EXP: return ref(BuiltinOptions::ExpOptions, tflite::CreateExpOptions(builder));
    case BuiltinOperator::MAXIMUM:
    case BuiltinOperator::MINIMUM:
        return ref(BuiltinOptions::MaximumMinimumOptions, tflite::CreateMaximumMinimumOptions(builder));
    case BuiltinOperator::HARD_SWISH:
        return ref(BuiltinOptions::HardSwishOptions, tflite::CreateHardSwishOptions(builder));
    default:
        // QUANTIZE, DEQUANTIZE, RELU*, LOGISTIC, TANH, ELU, PRELU: TFLite reads no
        // options for them and the converter writes none.
        return BuiltinOptionsRef{};
    }
}

} // namespace rf::tflite_writer
