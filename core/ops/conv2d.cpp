// CONV_2D (TFLite kernels/conv.cc) and the helpers shared by the convolution family.
#include "ops/conv2d.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/optimized/fast_convolution.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/conv_hybrid.h"

namespace rf {
namespace convolution {

namespace {

/// The stored range of a quantized dtype.
std::pair<int32_t, int32_t> storedRange(DType dtype)
{
    switch (dtype) {
    case DType::Int8: return {-128, 127};
    case DType::UInt8: return {0, 255};
    case DType::Int16: return {-32768, 32767};
    default: return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    }
}

bool validScale(float scale) { return std::isfinite(scale) && scale > 0.0f; }

} // namespace

Status checkClampActivation(const OpContext& ctx, FusedActivation activation)
{
    if (activation::isClampActivation(activation)) return Status::ok();
    return ctx.error("fused activation " + std::string(fusedActivationName(activation)) +
                     " is not supported (only NONE, RELU, RELU_N1_TO_1 and RELU6)");
}

Status checkPerTensorQuantization(const OpContext& ctx, int index, bool isOutput)
{
    const Tensor& tensor = isOutput ? ctx.outputTensor(index) : ctx.inputTensor(index);
    const int32_t tensorIndex = isOutput ? ctx.op().outputs[index] : ctx.op().inputs[index];
    const std::string label = ctx.graph().tensorLabel(tensorIndex);
    if (tensor.quant.empty()) return ctx.error(label + " has no quantization parameters");
    if (tensor.quant.scales.size() != 1)
        return ctx.error(label + " must be quantized per tensor but has " + std::to_string(tensor.quant.scales.size()) +
                         " scales");
    if (!validScale(tensor.quant.scale())) return ctx.error(label + " has an invalid scale " + std::to_string(tensor.quant.scale()));
    const auto [qmin, qmax] = storedRange(tensor.dtype);
    const int64_t zeroPoint = tensor.quant.zeroPoint();
    if (zeroPoint < qmin || zeroPoint > qmax)
        return ctx.error(label + " has zero point " + std::to_string(zeroPoint) + " outside the range of " +
                         std::string(dtypeName(tensor.dtype)));
    return Status::ok();
}

Status checkFilterQuantization(const OpContext& ctx, int filterInput, int channels, int channelAxis, bool symmetric)
{
    const Tensor& filter = ctx.inputTensor(filterInput);
    const std::string label = ctx.graph().tensorLabel(ctx.op().inputs[filterInput]);
    const QuantParams& q = filter.quant;
    if (q.empty()) return ctx.error("filter " + label + " has no quantization parameters");
    if (q.scales.size() != 1 && q.scales.size() != static_cast<size_t>(channels))
        return ctx.error("filter " + label + " has " + std::to_string(q.scales.size()) + " scales; expected 1 or " +
                         std::to_string(channels) + " (one per output channel)");
    if (q.scales.size() > 1 && q.axis != channelAxis)
        return ctx.error("filter " + label + " is quantized per channel along dimension " + std::to_string(q.axis) +
                         "; this op needs dimension " + std::to_string(channelAxis));
    for (float scale : q.scales)
        if (!validScale(scale)) return ctx.error("filter " + label + " has an invalid scale " + std::to_string(scale));
    if (!q.zeroPoints.empty() && q.zeroPoints.size() != 1 && q.zeroPoints.size() != q.scales.size())
        return ctx.error("filter " + label + " has " + std::to_string(q.zeroPoints.size()) + " zero points for " +
                         std::to_string(q.scales.size()) + " scales");
    if (symmetric) {
        for (int64_t zp : q.zeroPoints)
            if (zp != 0)
                return ctx.error("filter " + label + " must be symmetric (zero point 0) but has zero point " +
                                 std::to_string(zp));
    } else {
        if (q.scales.size() != 1)
            return ctx.error("filter " + label + " (" + std::string(dtypeName(filter.dtype)) +
                             ") must be quantized per tensor");
        const auto [qmin, qmax] = storedRange(filter.dtype);
        if (q.zeroPoint() < qmin || q.zeroPoint() > qmax)
            return ctx.error("filter " + label + " has zero point " + std::to_string(q.zeroPoint()) + " outside the range of " +
                             std::string(dtypeName(filter.dtype)));
    }
    return Status::ok();
}

Status checkBias(const OpContext& ctx, int biasInput, int channels, std::initializer_list<DType> allowed)
{
    if (!ctx.hasInput(biasInput)) return Status::ok();
    RF_RETURN_IF_ERROR(ctx.expectInputType(biasInput, allowed));
    const Tensor& bias = ctx.inputTensor(biasInput);
    if (bias.elementCount() != channels)
        return ctx.error("bias " + ctx.graph().tensorLabel(ctx.op().inputs[biasInput]) + " has " +
                         std::to_string(bias.elementCount()) + " elements; expected " + std::to_string(channels) +
                         " (one per output channel)");
    if (bias.isQuantized() && bias.quant.zeroPoint() != 0)
        return ctx.error("bias " + ctx.graph().tensorLabel(ctx.op().inputs[biasInput]) + " has a non-zero zero point");
    return Status::ok();
}

QuantizedSetup makeQuantizedSetup(const OpContext& ctx, int inputIndex, int filterIndex, int channels,
                                  FusedActivation activation, requant::Flavour flavour)
{
    const Tensor& input = ctx.inputTensor(inputIndex);
    const Tensor& filter = ctx.inputTensor(filterIndex);
    const Tensor& output = ctx.outputTensor(0);
    QuantizedSetup setup;
    setup.flavour = flavour;
    setup.inputOffset = -static_cast<int32_t>(input.quant.zeroPoint());
    setup.filterOffset = filter.quant.scales.size() == 1 ? -static_cast<int32_t>(filter.quant.zeroPoint()) : 0;
    setup.outputZeroPoint = static_cast<int32_t>(output.quant.zeroPoint());
    const auto [qmin, qmax] = storedRange(output.dtype);
    const float outputScale = output.quant.scale();
    if (flavour == requant::Flavour::Fp32) {
        setup.channel = requant::xnnpackScales(input.quant.scale(), filter.quant.scales, outputScale, channels);
        const auto range = activation::xnnpackQuantizedRange(activation, outputScale, setup.outputZeroPoint, qmin, qmax);
        setup.activationMin = range.min;
        setup.activationMax = range.max;
    } else {
        setup.channel = requant::tfliteMultipliers(input.quant.scale(), filter.quant.scales, outputScale, channels);
        const auto range = activation::quantizedRange(activation, outputScale, setup.outputZeroPoint, qmin, qmax);
        setup.activationMin = range.min;
        setup.activationMax = range.max;
    }
    return setup;
}

requant::Flavour int16GemmFlavour(KernelMode mode)
{
    return mode == KernelMode::Xnnpack ? requant::Flavour::SingleRounding : requant::Flavour::DoubleRoundingTiesUp;
}

bool xnnpackTakesNode(const OpContext& ctx, Arithmetic arithmetic, int filterInput, int biasInput)
{
    if (ctx.mode() != KernelMode::Xnnpack) return false;
    if (arithmetic != Arithmetic::Float && arithmetic != Arithmetic::Int8 && arithmetic != Arithmetic::UInt8) return false;
    // The delegate needs static weights (constants, or float16 constants behind a DEQUANTIZE).
    const auto isStatic = [&](int input) {
        if (!ctx.hasInput(input)) return true;
        if (ctx.inputTensor(input).isConstant) return true;
        const int32_t tensor = ctx.op().inputs[input];
        for (const Op& op : ctx.graph().ops)
            if (op.type == OpType::Dequantize && !op.outputs.empty() && op.outputs[0] == tensor && !op.inputs.empty() &&
                ctx.graph().tensors[op.inputs[0]].isConstant)
                return true;
        return false;
    };
    return isStatic(filterInput) && isStatic(biasInput);
}

void parallelRows(OpContext& ctx, int64_t count, int64_t minChunk, const std::function<void(int64_t, int64_t)>& fn)
{
    if (count <= 0) return;
    ctx.pool().parallelFor(count, fn, std::max<int64_t>(1, minChunk));
}

} // namespace convolution

namespace {

using convolution::Arithmetic;
using convolution::QuantizedSetup;

constexpr int kInput = 0, kFilter = 1, kBias = 2;

class Conv2DKernel final : public OpKernel {
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
        if (filter.shape.size() != 4)
            return ctx.error("filter " + filterLabel + " must have rank 4 (OHWI), has shape " + shapeToString(filter.shape));
        if (attrs.strideH <= 0 || attrs.strideW <= 0 || attrs.dilationH <= 0 || attrs.dilationW <= 0)
            return ctx.error("strides and dilations must be positive");
        RF_RETURN_IF_ERROR(convolution::checkClampActivation(ctx, attrs.activation));

        kernels::ConvShape& s = shape_;
        s.batches = inputValue.dim(0);
        s.inputHeight = inputValue.dim(1);
        s.inputWidth = inputValue.dim(2);
        s.inputChannels = inputValue.dim(3);
        s.outputChannels = filter.shape[0];
        s.filterHeight = filter.shape[1];
        s.filterWidth = filter.shape[2];
        s.filterInputChannels = filter.shape[3];
        s.strideHeight = attrs.strideH;
        s.strideWidth = attrs.strideW;
        s.dilationHeight = attrs.dilationH;
        s.dilationWidth = attrs.dilationW;
        if (s.filterInputChannels <= 0 || s.inputChannels % s.filterInputChannels != 0)
            return ctx.error("filter " + filterLabel + " has " + std::to_string(s.filterInputChannels) +
                             " input channels, which does not divide the " + std::to_string(s.inputChannels) +
                             " channels of input " + inputLabel);
        if (s.outputChannels <= 0 || s.outputChannels % s.groups() != 0)
            return ctx.error("filter " + filterLabel + " has " + std::to_string(s.outputChannels) +
                             " output channels, not a multiple of the " + std::to_string(s.groups()) + " groups");
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

        // Arithmetic from the dtypes, as conv.cc Prepare/Eval dispatch.
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

        const int channels = s.outputChannels;
        switch (arithmetic_) {
        case Arithmetic::Float:
            RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, channels, {DType::Float32}));
            xnnpackFloat_ = convolution::xnnpackTakesNode(ctx, arithmetic_, kFilter, kBias);
            break;
        case Arithmetic::Hybrid:
            RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, channels, {DType::Float32}));
            RF_RETURN_IF_ERROR(convolution::checkFilterQuantization(ctx, kFilter, channels, 0, true));
            if (!filter.isConstant) return ctx.error("hybrid filter " + filterLabel + " must be a constant");
            break;
        case Arithmetic::Int8:
        case Arithmetic::UInt8:
        case Arithmetic::Int16x8: {
            if (arithmetic_ == Arithmetic::Int16x8) {
                // TFLite's CONV_2D Prepare requires the bias input (TF_LITE_ENSURE(has_bias)) and
                // XNNPACK never takes a 16x8 convolution, so TFLite refuses it in every runtime.
                if (!ctx.hasInput(kBias))
                    return ctx.error("int16 input " + inputLabel +
                                     " needs a bias input (int32 or int64): TFLite's CONV_2D kernel refuses a "
                                     "16x8 convolution without one");
                RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, channels, {DType::Int32, DType::Int64}));
            } else {
                RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, channels, {DType::Int32}));
            }
            RF_RETURN_IF_ERROR(convolution::checkPerTensorQuantization(ctx, kInput));
            RF_RETURN_IF_ERROR(convolution::checkPerTensorQuantization(ctx, 0, true));
            RF_RETURN_IF_ERROR(
                convolution::checkFilterQuantization(ctx, kFilter, channels, 0, arithmetic_ != Arithmetic::UInt8));
            if (arithmetic_ == Arithmetic::Int16x8 &&
                (input.quant.zeroPoint() != 0 || output.quant.zeroPoint() != 0))
                return ctx.error("int16 input " + inputLabel + " and output must have zero point 0");
            wideAccumulator_ = arithmetic_ == Arithmetic::Int16x8 &&
                               !(ctx.hasInput(kBias) && ctx.inputTensor(kBias).dtype == DType::Int32);
            setup_ = convolution::makeQuantizedSetup(ctx, kInput, kFilter, channels, attrs.activation, chooseFlavour(ctx));
            break;
        }
        }
        if (arithmetic_ == Arithmetic::Float || arithmetic_ == Arithmetic::Hybrid) {
            activationRange_ = activation::floatRange(attrs.activation);
        }
        if (arithmetic_ == Arithmetic::Hybrid) {
            const auto& scales = filter.quant.scales;
            hybridPerChannel_ = s.groups() != 1 ||
                                (scales.size() > 1 &&
                                 std::any_of(scales.begin(), scales.end(), [&](float v) { return v != scales[0]; }));
        }
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
            // reference_integer_ops::ConvPerChannel accumulates in the bias type.
            if (wideAccumulator_) evalQuantized<int64_t, int16_t, int16_t>(ctx);
            else evalQuantized<int32_t, int16_t, int16_t>(ctx);
            break;
        }
    }

private:
    /// Which requantization TFLite (or XNNPACK) applies to this node. Builtin: the GEMM
    /// path (optimized_integer_ops::ConvPerChannel / optimized_ops::Conv on ruy) rounds the
    /// final shift with ties upward; grouped convolutions and 16x8 with an int64 bias run
    /// the reference kernel (ties away from zero). See kernels/requantize.h.
    requant::Flavour chooseFlavour(const OpContext& ctx) const
    {
        if (convolution::xnnpackTakesNode(ctx, arithmetic_, kFilter, kBias)) return requant::Flavour::Fp32;
        if (shape_.groups() != 1 || wideAccumulator_) return requant::Flavour::DoubleRounding;
        if (arithmetic_ == Arithmetic::Int16x8) return convolution::int16GemmFlavour(ctx.mode());
        return requant::Flavour::DoubleRoundingTiesUp;
    }

    void packFilter(const OpContext& ctx)
    {
        const TensorValue& filter = ctx.input(kFilter);
        switch (arithmetic_) {
        case Arithmetic::Float: packedFloat_ = kernels::packFilterOhwiToHwio<float>(filter.data<float>(), shape_); break;
        case Arithmetic::UInt8:
            packedInt_ = kernels::packFilterOhwiToHwio<int16_t>(filter.data<uint8_t>(), shape_, setup_.filterOffset);
            break;
        default: packedInt_ = kernels::packFilterOhwiToHwio<int16_t>(filter.data<int8_t>(), shape_, 0); break;
        }
        // Constant filters are packed once; a filter produced by another op every run.
        filterPacked_ = ctx.inputTensor(kFilter).isConstant;
        prepareFastPath(ctx);
    }

    /// The optimized kernels (kernels/optimized/fast_convolution.h) for constant filters
    /// without groups: same bits as the reference path, weights packed once.
    void prepareFastPath(const OpContext& ctx)
    {
        fastQuantized_.reset();
        fastFloat_.reset();
        if (!optimized::optimizedKernelsEnabled() || !filterPacked_ || shape_.groups() != 1) return;
        const optimized::ConvGeometry geometry = optimized::geometryFromShape(shape_);
        const TensorValue& filter = ctx.input(kFilter);
        if (arithmetic_ == Arithmetic::Int8 || arithmetic_ == Arithmetic::UInt8) {
            fastQuantized_ = std::make_unique<optimized::FastQuantizedConv>(
                geometry, shape_.outputChannels, filter.bytes(), arithmetic_ == Arithmetic::Int8, setup_.filterOffset,
                setup_.inputOffset,
                optimized::QuantizedOutputSpec{setup_.flavour, &setup_.channel, setup_.outputZeroPoint,
                                               setup_.activationMin, setup_.activationMax});
        } else if (arithmetic_ == Arithmetic::Float && (!ctx.hasInput(kBias) || ctx.inputTensor(kBias).isConstant)) {
            fastFloat_ = std::make_unique<optimized::FastFloatConv>(
                geometry, shape_.outputChannels, filter.data<float>(),
                ctx.hasInput(kBias) ? ctx.input(kBias).data<float>() : nullptr, activationRange_.min,
                activationRange_.max, xnnpackFloat_);
        }
    }

    void evalFloat(OpContext& ctx)
    {
        const float* input = ctx.input(kInput).data<float>();
        const float* bias = ctx.hasInput(kBias) ? ctx.input(kBias).data<float>() : nullptr;
        float* output = ctx.output(0).data<float>();
        convolution::parallelRows(ctx, shape_.outputRows(), 1, [&](int64_t begin, int64_t end) {
            kernels::conv2dFloat(shape_, input, packedFloat_.data(), bias, activationRange_.min, activationRange_.max,
                                 output, begin, end, xnnpackFloat_);
        });
    }

    template <typename Acc, typename In, typename Out> void evalQuantized(OpContext& ctx)
    {
        const In* input = ctx.input(kInput).data<In>();
        Out* output = ctx.output(0).data<Out>();
        const std::vector<Acc> bias = convolution::biasValues<Acc>(ctx, kBias, shape_.outputChannels);
        convolution::withRequantizer<Acc>(setup_, [&](const auto& requantizer) {
            convolution::parallelRows(ctx, shape_.outputRows(), 1, [&](int64_t begin, int64_t end) {
                kernels::conv2dQuantized<Acc>(shape_, input, setup_.inputOffset, packedInt_.data(), bias.data(),
                                              requantizer, setup_.outputZeroPoint, setup_.activationMin,
                                              setup_.activationMax, output, begin, end);
            });
        });
    }

    /// conv.cc EvalHybrid (per-tensor weights: symmetric input quantization) and
    /// EvalHybridPerChannel (asymmetric input quantization, per-channel scales).
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
        for (int b = 0; b < s.batches; ++b) {
            if (hybridPerChannel_) {
                kernels::asymmetricQuantizeFloats(input + b * batchSize, static_cast<int>(batchSize),
                                                  quantizedInput_.data() + b * batchSize, &batchScale[b],
                                                  &batchZeroPoint[b]);
            } else {
                kernels::symmetricQuantizeFloats(input + b * batchSize, static_cast<int>(batchSize),
                                                 quantizedInput_.data() + b * batchSize, &batchScale[b]);
                batchScale[b] *= filterScales[0];
            }
        }
        const int outC = s.outputChannels;
        const float lo = activationRange_.min, hi = activationRange_.max;
        convolution::parallelRows(ctx, s.outputRows(), 1, [&](int64_t begin, int64_t end) {
            for (int64_t row = begin; row < end; ++row) {
                const int b = static_cast<int>(row / s.outputHeight);
                const float scale = batchScale[b];
                kernels::conv2dAccumulate<int32_t>(
                    s, quantizedInput_.data(), -batchZeroPoint[b], packedInt_.data(), row, row + 1,
                    [&](int64_t pixel, const int32_t* acc) {
                        float* out = output + pixel * outC;
                        for (int oc = 0; oc < outC; ++oc) {
                            // Per channel: float(acc) * (channel_scale * input_scale) + bias (optimized
                            // HybridConvPerChannel); per tensor: float(acc) * (input_scale * filter_scale)
                            // + bias (HybridConv).
                            const float factor = hybridPerChannel_ ? filterScales[filterScales.size() == 1 ? 0 : oc] * scale
                                                                   : scale;
                            const float value = static_cast<float>(acc[oc]) * factor + (bias ? bias[oc] : 0.0f);
                            out[oc] = std::max(std::min(value, hi), lo);
                        }
                    });
            }
        });
    }

    kernels::ConvShape shape_;
    Arithmetic arithmetic_ = Arithmetic::Float;
    QuantizedSetup setup_;
    activation::Range<float> activationRange_{0.0f, 0.0f};
    bool hybridPerChannel_ = false;
    bool xnnpackFloat_ = false; ///< Float sums in XNNPACK's order (bias first).
    bool wideAccumulator_ = false; ///< 64-bit accumulators (int16x8 with an int64 bias or none).
    bool filterPacked_ = false;
    std::vector<float> packedFloat_;
    std::vector<int16_t> packedInt_;
    std::vector<int8_t> quantizedInput_;
    std::unique_ptr<optimized::FastQuantizedConv> fastQuantized_;
    std::unique_ptr<optimized::FastFloatConv> fastFloat_;
};

} // namespace

std::unique_ptr<OpKernel> makeConv2DKernel() { return std::make_unique<Conv2DKernel>(); }

} // namespace rf
