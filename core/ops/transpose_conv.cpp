// TRANSPOSE_CONV (TFLite kernels/transpose_conv.cc): inputs (output_shape, weights,
// input[, bias]).
#include "ops/transpose_conv.h"

#include <algorithm>

#include "kernels/reference/transpose_conv.h"
#include "ops/conv2d.h"

namespace rf {
namespace {

using convolution::Arithmetic;
using convolution::QuantizedSetup;

constexpr int kOutputShape = 0, kWeights = 1, kInput = 2, kBias = 3;

class TransposeConvKernel final : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(3, 4, 1));
        const Op& op = ctx.op();
        const OpAttributes& attrs = op.attrs;
        const Tensor& outputShapeTensor = ctx.inputTensor(kOutputShape);
        const Tensor& weights = ctx.inputTensor(kWeights);
        const Tensor& input = ctx.inputTensor(kInput);
        const Tensor& output = ctx.outputTensor(0);
        const std::string inputLabel = ctx.graph().tensorLabel(op.inputs[kInput]);
        const std::string weightsLabel = ctx.graph().tensorLabel(op.inputs[kWeights]);
        const std::string shapeLabel = ctx.graph().tensorLabel(op.inputs[kOutputShape]);
        RF_RETURN_IF_ERROR(ctx.expectInputType(kOutputShape, {DType::Int32}));
        if (outputShapeTensor.elementCount() != 4)
            return ctx.error("output shape " + shapeLabel + " must hold 4 values, has " +
                             std::to_string(outputShapeTensor.elementCount()));
        // A constant output_shape is read now. A computed one (a graph input, as in the
        // seanet models) is only known at run time: TFLite then resizes the output on
        // every invoke, but our buffers are allocated once, so the model's declared output
        // shape is prepared for and checkRuntimeInputs() refuses any other run-time value.
        const Shape& declared = output.shape;
        if (outputShapeTensor.isConstant) {
            const int32_t* values = ctx.input(kOutputShape).data<int32_t>();
            requestedShape_.assign(values, values + 4);
        } else if (declared.size() == 4) {
            requestedShape_ = declared;
        } else {
            return ctx.error("output shape " + shapeLabel +
                             " is computed at run time and the output's declared shape " + shapeToString(declared) +
                             " is not a 4-D shape to prepare with");
        }
        outputShapeIsConstant_ = outputShapeTensor.isConstant;
        const TensorValue& inputValue = ctx.input(kInput);
        if (inputValue.rank() != 4)
            return ctx.error("input " + inputLabel + " must have rank 4 (NHWC), has shape " + shapeToString(inputValue.shape()));
        if (weights.shape.size() != 4)
            return ctx.error("weights " + weightsLabel + " must have rank 4 (OHWI), has shape " + shapeToString(weights.shape));
        if (attrs.strideH <= 0 || attrs.strideW <= 0) return ctx.error("strides must be positive");
        RF_RETURN_IF_ERROR(convolution::checkClampActivation(ctx, attrs.activation));

        const int32_t* requested = requestedShape_.data();
        kernels::TransposeConvShape& s = shape_;
        s.batches = inputValue.dim(0);
        s.inputHeight = inputValue.dim(1);
        s.inputWidth = inputValue.dim(2);
        s.inputChannels = inputValue.dim(3);
        s.outputHeight = requested[1];
        s.outputWidth = requested[2];
        s.outputChannels = requested[3];
        s.filterHeight = weights.shape[1];
        s.filterWidth = weights.shape[2];
        s.strideHeight = attrs.strideH;
        s.strideWidth = attrs.strideW;
        if (requested[0] != s.batches || s.outputHeight <= 0 || s.outputWidth <= 0 || s.outputChannels <= 0)
            return ctx.error("output shape " + shapeLabel + " [" + std::to_string(requested[0]) + ", " +
                             std::to_string(requested[1]) + ", " + std::to_string(requested[2]) + ", " +
                             std::to_string(requested[3]) + "] does not fit input " + inputLabel + " " +
                             shapeToString(inputValue.shape()));
        if (weights.shape[0] != s.outputChannels || weights.shape[3] != s.inputChannels)
            return ctx.error("weights " + weightsLabel + " " + shapeToString(weights.shape) + " do not match " +
                             std::to_string(s.inputChannels) + " input and " + std::to_string(s.outputChannels) +
                             " output channels");
        // TFLite computes the padding as for a convolution from the output back to the input.
        const bool same = attrs.padding == Padding::Same;
        s.padTop = kernels::computePaddedDim(same, s.outputHeight, s.filterHeight, s.strideHeight, 1).padBefore;
        s.padLeft = kernels::computePaddedDim(same, s.outputWidth, s.filterWidth, s.strideWidth, 1).padBefore;

        const DType inType = input.dtype, wType = weights.dtype;
        if (output.dtype != inType)
            return ctx.error("output " + ctx.graph().tensorLabel(op.outputs[0]) + " has type " +
                             std::string(dtypeName(output.dtype)) + " but input " + inputLabel + " has " +
                             std::string(dtypeName(inType)));
        if (inType == DType::Float32 && wType == DType::Float32) arithmetic_ = Arithmetic::Float;
        else if (inType == DType::Int8 && wType == DType::Int8) arithmetic_ = Arithmetic::Int8;
        else if (inType == DType::UInt8 && wType == DType::UInt8) arithmetic_ = Arithmetic::UInt8;
        else if (inType == DType::Int16 && wType == DType::Int8) arithmetic_ = Arithmetic::Int16x8;
        else
            return ctx.error("unsupported combination: input " + inputLabel + " is " + std::string(dtypeName(inType)) +
                             " and weights " + weightsLabel + " are " + std::string(dtypeName(wType)));

        const int channels = s.outputChannels;
        if (arithmetic_ == Arithmetic::Float) {
            RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, channels, {DType::Float32}));
        } else {
            if (arithmetic_ == Arithmetic::Int16x8)
                RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, channels, {DType::Int64, DType::Int32}));
            else
                RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, channels, {DType::Int32}));
            RF_RETURN_IF_ERROR(convolution::checkPerTensorQuantization(ctx, kInput));
            RF_RETURN_IF_ERROR(convolution::checkPerTensorQuantization(ctx, 0, true));
            RF_RETURN_IF_ERROR(
                convolution::checkFilterQuantization(ctx, kWeights, channels, 0, arithmetic_ != Arithmetic::UInt8));
            if (arithmetic_ == Arithmetic::Int16x8 && (input.quant.zeroPoint() != 0 || output.quant.zeroPoint() != 0))
                return ctx.error("int16 input " + inputLabel + " and output must have zero point 0");
            // Builtin: reference and optimized TransposeConv both requantize with
            // MultiplyByQuantizedMultiplier (double rounding). The XNNPACK delegate only
            // takes a TRANSPOSE_CONV whose output shape is static.
            const auto flavour =
                outputShapeIsConstant_ && convolution::xnnpackTakesNode(ctx, arithmetic_, kWeights, kBias)
                    ? requant::Flavour::Fp32
                    : requant::Flavour::DoubleRounding;
            wideAccumulator_ = arithmetic_ == Arithmetic::Int16x8 &&
                               !(ctx.hasInput(kBias) && ctx.inputTensor(kBias).dtype == DType::Int32);
            setup_ = convolution::makeQuantizedSetup(ctx, kInput, kWeights, channels, attrs.activation, flavour);
        }
        activationRange_ = activation::floatRange(attrs.activation);
        if (weights.isConstant) packWeights(ctx);
        return ctx.setOutputShape(0, {s.batches, s.outputHeight, s.outputWidth, s.outputChannels});
    }

    Status checkRuntimeInputs(const OpContext& ctx) const override
    {
        if (outputShapeIsConstant_) return Status::ok();
        const int32_t* values = ctx.input(kOutputShape).data<int32_t>();
        if (std::equal(requestedShape_.begin(), requestedShape_.end(), values)) return Status::ok();
        std::string given = "[";
        for (int i = 0; i < 4; ++i) given += (i ? ", " : "") + std::to_string(values[i]);
        given += "]";
        return ctx.error("output shape " + ctx.graph().tensorLabel(ctx.op().inputs[kOutputShape]) + " holds " + given +
                         " at run time, but the op was prepared for the output's declared shape " +
                         shapeToString(requestedShape_) +
                         "; a TRANSPOSE_CONV output shape that changes at run time is not supported");
    }

    void eval(OpContext& ctx) override
    {
        if (!weightsPacked_) packWeights(ctx);
        switch (arithmetic_) {
        case Arithmetic::Float: evalFloat(ctx); break;
        case Arithmetic::Int8: evalQuantized<int32_t, int8_t, int8_t>(ctx); break;
        case Arithmetic::UInt8: evalQuantized<int32_t, uint8_t, uint8_t>(ctx); break;
        case Arithmetic::Int16x8:
            // The reference kernel accumulates in the bias type.
            if (wideAccumulator_) evalQuantized<int64_t, int16_t, int16_t>(ctx);
            else evalQuantized<int32_t, int16_t, int16_t>(ctx);
            break;
        case Arithmetic::Hybrid: break; // refused in prepare()
        }
    }

private:
    void packWeights(const OpContext& ctx)
    {
        const TensorValue& weights = ctx.input(kWeights);
        switch (arithmetic_) {
        case Arithmetic::Float: packedFloat_ = kernels::packTransposeConvFilter<float>(weights.data<float>(), shape_); break;
        case Arithmetic::UInt8:
            packedInt_ = kernels::packTransposeConvFilter<int16_t>(weights.data<uint8_t>(), shape_, setup_.filterOffset);
            break;
        default: packedInt_ = kernels::packTransposeConvFilter<int16_t>(weights.data<int8_t>(), shape_, 0); break;
        }
        weightsPacked_ = ctx.inputTensor(kWeights).isConstant;
    }

    void evalFloat(OpContext& ctx)
    {
        const float* input = ctx.input(kInput).data<float>();
        const float* bias = ctx.hasInput(kBias) ? ctx.input(kBias).data<float>() : nullptr;
        float* output = ctx.output(0).data<float>();
        convolution::parallelRows(ctx, shape_.batches, 1, [&](int64_t begin, int64_t end) {
            kernels::transposeConvFloat(shape_, input, packedFloat_.data(), bias, activationRange_.min,
                                        activationRange_.max, output, begin, end);
        });
    }

    template <typename Acc, typename In, typename Out> void evalQuantized(OpContext& ctx)
    {
        const In* input = ctx.input(kInput).data<In>();
        Out* output = ctx.output(0).data<Out>();
        const std::vector<Acc> bias = convolution::biasValues<Acc>(ctx, kBias, shape_.outputChannels);
        convolution::withRequantizer<Acc>(setup_, [&](const auto& requantizer) {
            convolution::parallelRows(ctx, shape_.batches, 1, [&](int64_t begin, int64_t end) {
                kernels::transposeConvQuantized<Acc>(shape_, input, setup_.inputOffset, packedInt_.data(), bias.data(),
                                                     requantizer, setup_.outputZeroPoint, setup_.activationMin,
                                                     setup_.activationMax, output, begin, end);
            });
        });
    }

    kernels::TransposeConvShape shape_;
    Shape requestedShape_; ///< The output shape prepared for (from output_shape or the declared shape).
    bool outputShapeIsConstant_ = true;
    Arithmetic arithmetic_ = Arithmetic::Float;
    QuantizedSetup setup_;
    activation::Range<float> activationRange_{0.0f, 0.0f};
    bool wideAccumulator_ = false; ///< 64-bit accumulators (int16x8 with an int64 bias or none).
    bool weightsPacked_ = false;
    std::vector<float> packedFloat_;
    std::vector<int16_t> packedInt_;
};

} // namespace

std::unique_ptr<OpKernel> makeTransposeConvKernel() { return std::make_unique<TransposeConvKernel>(); }

} // namespace rf
