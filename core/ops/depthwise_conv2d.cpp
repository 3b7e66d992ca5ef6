// DEPTHWISE_CONV_2D (TFLite kernels/depthwise_conv.cc).
#include "ops/depthwise_conv2d.h"

#include <algorithm>

#include "kernels/optimized/fast_convolution.h"
#include "kernels/reference/conv_hybrid.h"
#include "kernels/reference/depthwise_conv.h"
#include "ops/conv2d.h"

namespace rf {
namespace {

using convolution::Arithmetic;
using convolution::QuantizedSetup;

constexpr int kInput = 0, kFilter = 1, kBias = 2;

class DepthwiseConv2DKernel final : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(2, 3, 1));
        const Op& op = ctx.op();
        const OpAttributes& attrs = op.attrs;
        const Tensor& input = ctx.inputTensor(kInput);
        const Tensor& filter = ctx.inputTensor(kFilter);
        const Tensor& output = ctx.outputTensor(0);
        const std::string inputLabel = ctx.graph().tensorLabel(op.inputs[kInput]);
        const std::string filterLabel = ctx.graph().tensorLabel(op.inputs[kFilter]);
        const TensorValue& inputValue = ctx.input(kInput);
        if (inputValue.rank() != 4)
            return ctx.error("input " + inputLabel + " must have rank 4 (NHWC), has shape " + shapeToString(inputValue.shape()));
        if (filter.shape.size() != 4 || filter.shape[0] != 1)
            return ctx.error("filter " + filterLabel + " must have shape [1, H, W, C], has " + shapeToString(filter.shape));
        if (attrs.strideH <= 0 || attrs.strideW <= 0 || attrs.dilationH <= 0 || attrs.dilationW <= 0)
            return ctx.error("strides and dilations must be positive");
        RF_RETURN_IF_ERROR(convolution::checkClampActivation(ctx, attrs.activation));

        kernels::ConvShape& s = shape_;
        s.batches = inputValue.dim(0);
        s.inputHeight = inputValue.dim(1);
        s.inputWidth = inputValue.dim(2);
        s.inputChannels = inputValue.dim(3);
        s.outputChannels = filter.shape[3];
        s.filterHeight = filter.shape[1];
        s.filterWidth = filter.shape[2];
        s.filterInputChannels = 1;
        s.strideHeight = attrs.strideH;
        s.strideWidth = attrs.strideW;
        s.dilationHeight = attrs.dilationH;
        s.dilationWidth = attrs.dilationW;
        if (s.inputChannels <= 0 || s.outputChannels % s.inputChannels != 0)
            return ctx.error("filter " + filterLabel + " has " + std::to_string(s.outputChannels) +
                             " channels, not a multiple of the " + std::to_string(s.inputChannels) +
                             " channels of input " + inputLabel);
        depthMultiplier_ = s.outputChannels / s.inputChannels;
        const bool same = attrs.padding == Padding::Same;
        const auto height = kernels::computePaddedDim(same, s.inputHeight, s.filterHeight, s.strideHeight, s.dilationHeight);
        const auto width = kernels::computePaddedDim(same, s.inputWidth, s.filterWidth, s.strideWidth, s.dilationWidth);
        s.outputHeight = height.outputSize;
        s.outputWidth = width.outputSize;
        s.padTop = height.padBefore;
        s.padLeft = width.padBefore;
        if (s.outputHeight <= 0 || s.outputWidth <= 0)
            return ctx.error("the filter (" + std::to_string(s.filterHeight) + "x" + std::to_string(s.filterWidth) +
                             ") does not fit input " + inputLabel + " " + shapeToString(inputValue.shape()));

        const DType inType = input.dtype, wType = filter.dtype;
        if (output.dtype != inType)
            return ctx.error("output " + ctx.graph().tensorLabel(op.outputs[0]) + " has type " +
                             std::string(dtypeName(output.dtype)) + " but input " + inputLabel + " has " +
                             std::string(dtypeName(inType)));
        if (inType == DType::Float32 && wType == DType::Float32) arithmetic_ = Arithmetic::Float;
        else if (inType == DType::Float32 && wType == DType::Int8) arithmetic_ = Arithmetic::Hybrid;
        else if (inType == DType::Int8 && wType == DType::Int8) arithmetic_ = Arithmetic::Int8;
        else if (inType == DType::UInt8 && wType == DType::UInt8) arithmetic_ = Arithmetic::UInt8;
        else if (inType == DType::Int16 && wType == DType::Int8) arithmetic_ = Arithmetic::Int16x8;
        else
            return ctx.error("unsupported combination: input " + inputLabel + " is " + std::string(dtypeName(inType)) +
                             " and filter " + filterLabel + " is " + std::string(dtypeName(wType)));
        // The int16 and hybrid kernels use the option's depth_multiplier, the others the
        // one implied by the shapes; refuse a model where the two disagree.
        if ((arithmetic_ == Arithmetic::Int16x8 || arithmetic_ == Arithmetic::Hybrid) &&
            attrs.depthMultiplier != depthMultiplier_)
            return ctx.error("depth_multiplier option is " + std::to_string(attrs.depthMultiplier) +
                             " but the filter implies " + std::to_string(depthMultiplier_));

        const int channels = s.outputChannels;
        switch (arithmetic_) {
        case Arithmetic::Float:
            RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, channels, {DType::Float32}));
            xnnpackFloat_ = convolution::xnnpackTakesNode(ctx, arithmetic_, kFilter, kBias);
            break;
        case Arithmetic::Hybrid:
            RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, channels, {DType::Float32}));
            RF_RETURN_IF_ERROR(convolution::checkFilterQuantization(ctx, kFilter, channels, 3, true));
            if (!filter.isConstant) return ctx.error("hybrid filter " + filterLabel + " must be a constant");
            break;
        default: {
            if (arithmetic_ == Arithmetic::Int16x8) {
                // TFLite's DEPTHWISE_CONV_2D Prepare: a 16x8 bias, when present, must be int64
                // (TF_LITE_ENSURE_TYPES_EQ(bias->type, kTfLiteInt64); CONV_2D also takes int32).
                if (ctx.hasInput(kBias) && ctx.inputTensor(kBias).dtype != DType::Int64)
                    return ctx.error("bias " + ctx.graph().tensorLabel(ctx.op().inputs[kBias]) + " has type " +
                                     std::string(dtypeName(ctx.inputTensor(kBias).dtype)) + "; int16 input " +
                                     inputLabel + " needs an int64 bias (TFLite's DEPTHWISE_CONV_2D kernel "
                                     "refuses any other)");
                RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, channels, {DType::Int64}));
            } else
                RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, channels, {DType::Int32}));
            RF_RETURN_IF_ERROR(convolution::checkPerTensorQuantization(ctx, kInput));
            RF_RETURN_IF_ERROR(convolution::checkPerTensorQuantization(ctx, 0, true));
            RF_RETURN_IF_ERROR(
                convolution::checkFilterQuantization(ctx, kFilter, channels, 3, arithmetic_ != Arithmetic::UInt8));
            if (arithmetic_ == Arithmetic::Int16x8 &&
                (input.quant.zeroPoint() != 0 || output.quant.zeroPoint() != 0))
                return ctx.error("int16 input " + inputLabel + " and output must have zero point 0");
            // Builtin: the optimized depthwise kernels requantize with
            // MultiplyByQuantizedMultiplier (double rounding), like the reference ones.
            const auto flavour = convolution::xnnpackTakesNode(ctx, arithmetic_, kFilter, kBias)
                                     ? requant::Flavour::Fp32
                                     : requant::Flavour::DoubleRounding;
            setup_ = convolution::makeQuantizedSetup(ctx, kInput, kFilter, channels, attrs.activation, flavour);
            break;
        }
        }
        activationRange_ = activation::floatRange(attrs.activation);
        if (filter.isConstant) packFilter(ctx);
        return ctx.setOutputShape(0, {s.batches, s.outputHeight, s.outputWidth, s.outputChannels});
    }

    void eval(OpContext& ctx) override
    {
        if (!filterPacked_) packFilter(ctx);
        if (fastQuantized_) {
            const std::vector<int32_t> bias = convolution::biasValues<int32_t>(ctx, kBias, shape_.outputChannels);
            fastQuantized_->run(ctx.input(kInput).bytes(), bias.data(), ctx.output(0).bytes(), &ctx.pool());
            return;
        }
        if (fastFloat_) {
            fastFloat_->run(ctx.input(kInput).data<float>(), ctx.output(0).data<float>(), &ctx.pool());
            return;
        }
        switch (arithmetic_) {
        case Arithmetic::Float: evalFloat(ctx); break;
        case Arithmetic::Hybrid: evalHybrid(ctx); break;
        case Arithmetic::Int8: evalQuantized<int32_t, int8_t, int8_t>(ctx); break;
        case Arithmetic::UInt8: evalQuantized<int32_t, uint8_t, uint8_t>(ctx); break;
        case Arithmetic::Int16x8:
            // The reference kernel accumulates in the bias type, which prepare() made int64.
            evalQuantized<int64_t, int16_t, int16_t>(ctx);
            break;
        }
    }

private:
    void packFilter(const OpContext& ctx)
    {
        const TensorValue& filter = ctx.input(kFilter);
        const size_t count = static_cast<size_t>(filter.elementCount());
        switch (arithmetic_) {
        case Arithmetic::Float: packedFloat_.assign(filter.data<float>(), filter.data<float>() + count); break;
        case Arithmetic::UInt8:
            packedInt_ = kernels::packDepthwiseFilter<int16_t>(filter.data<uint8_t>(), count, setup_.filterOffset);
            break;
        default: packedInt_ = kernels::packDepthwiseFilter<int16_t>(filter.data<int8_t>(), count, 0); break;
        }
        filterPacked_ = ctx.inputTensor(kFilter).isConstant;
        prepareFastPath(ctx);
    }

    /// The optimized kernels (kernels/optimized/fast_convolution.h) for constant filters
    /// with depth multiplier 1: same bits as the reference path, weights packed once.
    void prepareFastPath(const OpContext& ctx)
    {
        fastQuantized_.reset();
        fastFloat_.reset();
        if (!optimized::optimizedKernelsEnabled() || !filterPacked_ || depthMultiplier_ != 1) return;
        const optimized::ConvGeometry geometry = optimized::geometryFromShape(shape_);
        if (!optimized::FastQuantizedDepthwise::supports(geometry)) return;
        const TensorValue& filter = ctx.input(kFilter);
        if (arithmetic_ == Arithmetic::Int8 || arithmetic_ == Arithmetic::UInt8) {
            fastQuantized_ = std::make_unique<optimized::FastQuantizedDepthwise>(
                geometry, filter.bytes(), arithmetic_ == Arithmetic::Int8, setup_.filterOffset, setup_.inputOffset,
                optimized::QuantizedOutputSpec{setup_.flavour, &setup_.channel, setup_.outputZeroPoint,
                                               setup_.activationMin, setup_.activationMax});
        } else if (arithmetic_ == Arithmetic::Float && (!ctx.hasInput(kBias) || ctx.inputTensor(kBias).isConstant)) {
            fastFloat_ = std::make_unique<optimized::FastFloatDepthwise>(
                geometry, filter.data<float>(), ctx.hasInput(kBias) ? ctx.input(kBias).data<float>() : nullptr,
                activationRange_.min, activationRange_.max, xnnpackFloat_);
        }
    }

    void evalFloat(OpContext& ctx)
    {
        const float* input = ctx.input(kInput).data<float>();
        const float* bias = ctx.hasInput(kBias) ? ctx.input(kBias).data<float>() : nullptr;
        float* output = ctx.output(0).data<float>();
        convolution::parallelRows(ctx, shape_.outputRows(), 1, [&](int64_t begin, int64_t end) {
            kernels::depthwiseConv2dFloat(shape_, depthMultiplier_, input, packedFloat_.data(), bias,
                                          activationRange_.min, activationRange_.max, output, begin, end,
                                          xnnpackFloat_);
        });
    }

    template <typename Acc, typename In, typename Out> void evalQuantized(OpContext& ctx)
    {
        const In* input = ctx.input(kInput).data<In>();
        Out* output = ctx.output(0).data<Out>();
        const std::vector<Acc> bias = convolution::biasValues<Acc>(ctx, kBias, shape_.outputChannels);
        convolution::withRequantizer<Acc>(setup_, [&](const auto& requantizer) {
            convolution::parallelRows(ctx, shape_.outputRows(), 1, [&](int64_t begin, int64_t end) {
                kernels::depthwiseConv2dQuantized<Acc>(shape_, depthMultiplier_, input, setup_.inputOffset,
                                                       packedInt_.data(), bias.data(), requantizer,
                                                       setup_.outputZeroPoint, setup_.activationMin,
                                                       setup_.activationMax, output, begin, end);
            });
        });
    }

    /// depthwise_conv.cc EvalHybridPerChannel: asymmetric per-batch input quantization,
    /// then (float(acc) * input_scale) * channel_scale + bias, in that order: the portable
    /// output stage of optimized_integer_ops::DepthwiseConvHybridGeneral
    /// (`acc * input_scale * per_channel_scales[c]`, which x86 and the WASM oracle run;
    /// only its NEON branch multiplies by the channel scale first). Grouping the two
    /// scales first, as the reference kernel does, changes the last bit of 10-16% of
    /// the outputs (measured on the corpus exports), and a downstream hybrid op can then
    /// quantize one of its inputs to the neighbouring code.
    void evalHybrid(OpContext& ctx)
    {
        const kernels::ConvShape& s = shape_;
        const float* input = ctx.input(kInput).data<float>();
        const float* bias = ctx.hasInput(kBias) ? ctx.input(kBias).data<float>() : nullptr;
        float* output = ctx.output(0).data<float>();
        const auto& filterScales = ctx.inputTensor(kFilter).quant.scales;
        const int64_t batchSize = static_cast<int64_t>(s.inputHeight) * s.inputWidth * s.inputChannels;
        quantizedInput_.resize(static_cast<size_t>(batchSize * s.batches));
        std::vector<float> batchScale(s.batches);
        std::vector<int32_t> batchZeroPoint(s.batches, 0);
        for (int b = 0; b < s.batches; ++b)
            kernels::asymmetricQuantizeFloats(input + b * batchSize, static_cast<int>(batchSize),
                                              quantizedInput_.data() + b * batchSize, &batchScale[b], &batchZeroPoint[b]);
        const int outC = s.outputChannels;
        const float lo = activationRange_.min, hi = activationRange_.max;
        convolution::parallelRows(ctx, s.outputRows(), 1, [&](int64_t begin, int64_t end) {
            for (int64_t row = begin; row < end; ++row) {
                const int b = static_cast<int>(row / s.outputHeight);
                kernels::depthwiseConv2dAccumulate<int32_t>(
                    s, depthMultiplier_, quantizedInput_.data(), -batchZeroPoint[b], packedInt_.data(), row, row + 1,
                    [&](int64_t pixel, const int32_t* acc) {
                        float* out = output + pixel * outC;
                        for (int oc = 0; oc < outC; ++oc) {
                            const float channelScale = filterScales[filterScales.size() == 1 ? 0 : oc];
                            float value = static_cast<float>(acc[oc]) * batchScale[b] * channelScale;
                            if (bias) value += bias[oc];
                            out[oc] = std::min(std::max(value, lo), hi);
                        }
                    });
            }
        });
    }

    kernels::ConvShape shape_;
    int depthMultiplier_ = 1;
    Arithmetic arithmetic_ = Arithmetic::Float;
    QuantizedSetup setup_;
    activation::Range<float> activationRange_{0.0f, 0.0f};
    bool xnnpackFloat_ = false; ///< Float sums in XNNPACK's dwconv order.
    bool filterPacked_ = false;
    std::vector<float> packedFloat_;
    std::vector<int16_t> packedInt_;
    std::vector<int8_t> quantizedInput_;
    std::unique_ptr<optimized::FastQuantizedDepthwise> fastQuantized_;
    std::unique_ptr<optimized::FastFloatDepthwise> fastFloat_;
};

} // namespace

std::unique_ptr<OpKernel> makeDepthwiseConv2DKernel() { return std::make_unique<DepthwiseConv2DKernel>(); }

} // namespace rf
