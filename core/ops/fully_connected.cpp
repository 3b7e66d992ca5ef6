// FULLY_CONNECTED (TFLite kernels/fully_connected.cc), DEFAULT weights format only.
#include "ops/fully_connected.h"

#include <algorithm>

#include "kernels/optimized/fast_convolution.h"
#include "kernels/reference/conv_hybrid.h"
#include "kernels/reference/fully_connected.h"
#include "ops/conv2d.h"

namespace rf {
namespace {

using convolution::Arithmetic;
using convolution::QuantizedSetup;

constexpr int kInput = 0, kWeights = 1, kBias = 2;

class FullyConnectedKernel final : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(2, 3, 1));
        const Op& op = ctx.op();
        const OpAttributes& attrs = op.attrs;
        const Tensor& input = ctx.inputTensor(kInput);
        const Tensor& weights = ctx.inputTensor(kWeights);
        const Tensor& output = ctx.outputTensor(0);
        const std::string inputLabel = ctx.graph().tensorLabel(op.inputs[kInput]);
        const std::string weightsLabel = ctx.graph().tensorLabel(op.inputs[kWeights]);
        const TensorValue& inputValue = ctx.input(kInput);
        RF_RETURN_IF_ERROR(convolution::checkClampActivation(ctx, attrs.activation));
        if (weights.shape.size() != 2)
            return ctx.error("weights " + weightsLabel + " must have rank 2 ([units, depth]), has shape " +
                             shapeToString(weights.shape));
        shape_.units = weights.shape[0];
        shape_.depth = weights.shape[1];
        if (shape_.depth <= 0 || shape_.units <= 0)
            return ctx.error("weights " + weightsLabel + " have an empty dimension " + shapeToString(weights.shape));
        if (inputValue.rank() < 1)
            return ctx.error("input " + inputLabel + " must have at least one dimension");
        const int64_t elements = inputValue.elementCount();
        if (elements % shape_.depth != 0)
            return ctx.error("input " + inputLabel + " " + shapeToString(inputValue.shape()) + " has " +
                             std::to_string(elements) + " elements, not a multiple of the weights' depth " +
                             std::to_string(shape_.depth));
        shape_.batches = static_cast<int>(elements / shape_.depth);
        Shape outputShape;
        if (attrs.keepNumDims) {
            if (inputValue.dim(-1) != shape_.depth)
                return ctx.error("keep_num_dims needs the last dimension of input " + inputLabel + " " +
                                 shapeToString(inputValue.shape()) + " to equal the weights' depth " +
                                 std::to_string(shape_.depth));
            outputShape = inputValue.shape();
            outputShape.back() = shape_.units;
        } else {
            outputShape = {shape_.batches, shape_.units};
        }

        const DType inType = input.dtype, wType = weights.dtype;
        if (inType == DType::Float32 && wType == DType::Float32) arithmetic_ = Arithmetic::Float;
        else if (inType == DType::Float32 && wType == DType::Int8) arithmetic_ = Arithmetic::Hybrid;
        else if (inType == DType::Int8 && wType == DType::Int8) arithmetic_ = Arithmetic::Int8;
        else if (inType == DType::UInt8 && wType == DType::UInt8) arithmetic_ = Arithmetic::UInt8;
        else if (inType == DType::Int16 && wType == DType::Int8) arithmetic_ = Arithmetic::Int16x8;
        else
            return ctx.error("unsupported combination: input " + inputLabel + " is " + std::string(dtypeName(inType)) +
                             " and weights " + weightsLabel + " are " + std::string(dtypeName(wType)));
        if (output.dtype != inType)
            return ctx.error("output " + ctx.graph().tensorLabel(op.outputs[0]) + " has type " +
                             std::string(dtypeName(output.dtype)) + " but input " + inputLabel + " has " +
                             std::string(dtypeName(inType)));

        const int units = shape_.units;
        switch (arithmetic_) {
        case Arithmetic::Float:
            RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, units, {DType::Float32}));
            xnnpackFloat_ = convolution::xnnpackTakesNode(ctx, arithmetic_, kWeights, kBias);
            break;
        case Arithmetic::Hybrid:
            RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, units, {DType::Float32}));
            RF_RETURN_IF_ERROR(convolution::checkFilterQuantization(ctx, kWeights, units, 0, true));
            if (!weights.isConstant) return ctx.error("hybrid weights " + weightsLabel + " must be a constant");
            break;
        default: {
            if (arithmetic_ == Arithmetic::Int16x8)
                RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, units, {DType::Int64, DType::Int32}));
            else
                RF_RETURN_IF_ERROR(convolution::checkBias(ctx, kBias, units, {DType::Int32}));
            RF_RETURN_IF_ERROR(convolution::checkPerTensorQuantization(ctx, kInput));
            RF_RETURN_IF_ERROR(convolution::checkPerTensorQuantization(ctx, 0, true));
            // Per-tensor int8 weights may carry a zero point (TFLite applies weights_offset
            // "for backward compatibility"); per-channel weights must be symmetric; uint8
            // weights are per tensor with any zero point.
            const bool perChannel = weights.quant.scales.size() > 1;
            RF_RETURN_IF_ERROR(convolution::checkFilterQuantization(ctx, kWeights, units, 0, perChannel));
            if (perChannel && arithmetic_ == Arithmetic::UInt8)
                return ctx.error("uint8 weights " + weightsLabel + " must be quantized per tensor");
            if (arithmetic_ == Arithmetic::Int16x8 && (input.quant.zeroPoint() != 0 || output.quant.zeroPoint() != 0))
                return ctx.error("int16 input " + inputLabel + " and output must have zero point 0");
            // fully_connected.cc runs 16x8 on the 64-bit reference kernel only for an int64
            // bias; with an int32 bias or none it takes the 32-bit GEMM (ruy) path.
            wideAccumulator_ = arithmetic_ == Arithmetic::Int16x8 && ctx.hasInput(kBias) &&
                               ctx.inputTensor(kBias).dtype == DType::Int64;
            setup_ = convolution::makeQuantizedSetup(ctx, kInput, kWeights, units, attrs.activation, chooseFlavour(ctx));
            break;
        }
        }
        activationRange_ = activation::floatRange(attrs.activation);
        if (weights.isConstant) packWeights(ctx);
        return ctx.setOutputShape(0, outputShape);
    }

    void eval(OpContext& ctx) override
    {
        if (!weightsPacked_) packWeights(ctx);
        if (fastQuantized_) {
            const std::vector<int32_t> bias = convolution::biasValues<int32_t>(ctx, kBias, shape_.units);
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
            // reference_integer_ops::FullyConnected accumulates in the bias type.
            if (wideAccumulator_) evalQuantized<int64_t, int16_t, int16_t>(ctx);
            else evalQuantized<int32_t, int16_t, int16_t>(ctx);
            break;
        }
    }

private:
    /// Builtin: the GEMM path (optimized FullyConnected on ruy) rounds the final shift with
    /// ties upward; 16x8 with an int64 bias runs the reference kernel (ties away from zero).
    /// XNNPACK's qs8 fully connected needs symmetric weights. The delegate takes no 16x8
    /// node, so in Xnnpack mode TFLite runs its builtin kernel there; see
    /// convolution::int16GemmFlavour for the rounding of its GEMM path. See
    /// kernels/requantize.h.
    requant::Flavour chooseFlavour(const OpContext& ctx) const
    {
        const Tensor& weights = ctx.inputTensor(kWeights);
        if (convolution::xnnpackTakesNode(ctx, arithmetic_, kWeights, kBias) &&
            (arithmetic_ != Arithmetic::Int8 || weights.quant.zeroPoint() == 0))
            return requant::Flavour::Fp32;
        if (wideAccumulator_) return requant::Flavour::DoubleRounding;
        if (arithmetic_ == Arithmetic::Int16x8) return convolution::int16GemmFlavour(ctx.mode());
        return requant::Flavour::DoubleRoundingTiesUp;
    }

    void packWeights(const OpContext& ctx)
    {
        const TensorValue& weights = ctx.input(kWeights);
        switch (arithmetic_) {
        case Arithmetic::Float: packedFloat_ = kernels::packFullyConnectedFloat(weights.data<float>(), shape_); break;
        case Arithmetic::UInt8:
            packedInt_ = kernels::packFullyConnectedQuantized(weights.data<uint8_t>(), shape_, setup_.filterOffset);
            break;
        case Arithmetic::Hybrid: packedInt_ = kernels::packFullyConnectedQuantized(weights.data<int8_t>(), shape_, 0); break;
        default:
            packedInt_ = kernels::packFullyConnectedQuantized(weights.data<int8_t>(), shape_, setup_.filterOffset);
            break;
        }
        weightsPacked_ = ctx.inputTensor(kWeights).isConstant;
        prepareFastPath(ctx);
    }

    /// The optimized kernels (kernels/optimized/fast_convolution.h) for constant weights:
    /// same bits as the reference path, weights packed once. The batch rows are the GEMM rows.
    void prepareFastPath(const OpContext& ctx)
    {
        fastQuantized_.reset();
        fastFloat_.reset();
        if (!optimized::optimizedKernelsEnabled() || !weightsPacked_) return;
        const optimized::ConvGeometry geometry = optimized::FastQuantizedConv::fullyConnected(shape_.batches, shape_.depth);
        const TensorValue& weights = ctx.input(kWeights);
        if (arithmetic_ == Arithmetic::Int8 || arithmetic_ == Arithmetic::UInt8) {
            fastQuantized_ = std::make_unique<optimized::FastQuantizedConv>(
                geometry, shape_.units, weights.bytes(), arithmetic_ == Arithmetic::Int8, setup_.filterOffset,
                setup_.inputOffset,
                optimized::QuantizedOutputSpec{setup_.flavour, &setup_.channel, setup_.outputZeroPoint,
                                               setup_.activationMin, setup_.activationMax});
        } else if (arithmetic_ == Arithmetic::Float && (!ctx.hasInput(kBias) || ctx.inputTensor(kBias).isConstant)) {
            fastFloat_ = std::make_unique<optimized::FastFloatConv>(
                geometry, shape_.units, weights.data<float>(), ctx.hasInput(kBias) ? ctx.input(kBias).data<float>() : nullptr,
                activationRange_.min, activationRange_.max, xnnpackFloat_);
        }
    }

    void evalFloat(OpContext& ctx)
    {
        const float* input = ctx.input(kInput).data<float>();
        const float* bias = ctx.hasInput(kBias) ? ctx.input(kBias).data<float>() : nullptr;
        float* output = ctx.output(0).data<float>();
        convolution::parallelRows(ctx, shape_.batches, 1, [&](int64_t begin, int64_t end) {
            kernels::fullyConnectedFloat(shape_, input, packedFloat_.data(), bias, activationRange_.min,
                                         activationRange_.max, output, begin, end, xnnpackFloat_);
        });
    }

    template <typename Acc, typename In, typename Out> void evalQuantized(OpContext& ctx)
    {
        const In* input = ctx.input(kInput).data<In>();
        Out* output = ctx.output(0).data<Out>();
        const std::vector<Acc> bias = convolution::biasValues<Acc>(ctx, kBias, shape_.units);
        convolution::withRequantizer<Acc>(setup_, [&](const auto& requantizer) {
            convolution::parallelRows(ctx, shape_.batches, 1, [&](int64_t begin, int64_t end) {
                kernels::fullyConnectedQuantized<Acc>(shape_, input, setup_.inputOffset, packedInt_.data(), bias.data(),
                                                      requantizer, setup_.outputZeroPoint, setup_.activationMin,
                                                      setup_.activationMax, output, begin, end);
            });
        });
    }

    /// fully_connected.cc EvalHybridDense: per batch row, symmetric (or, with
    /// asymmetric_quantize_inputs, asymmetric) input quantization; then
    /// output = bias + float(dot - zero_point * row_sum) * row_scale, where row_scale is
    /// channel_scale * batch_scale (per-channel weights) or batch_scale * weight_scale.
    void evalHybrid(OpContext& ctx)
    {
        const kernels::FullyConnectedShape& shape = shape_;
        const float* input = ctx.input(kInput).data<float>();
        const float* bias = ctx.hasInput(kBias) ? ctx.input(kBias).data<float>() : nullptr;
        float* output = ctx.output(0).data<float>();
        const Tensor& weights = ctx.inputTensor(kWeights);
        const auto& scales = weights.quant.scales;
        const bool perChannel = scales.size() > 1;
        const bool asymmetric = ctx.op().attrs.asymmetricQuantizeInputs;
        quantizedInput_.resize(static_cast<size_t>(shape.batches) * shape.depth);
        const float lo = activationRange_.min, hi = activationRange_.max;
        convolution::parallelRows(ctx, shape.batches, 1, [&](int64_t begin, int64_t end) {
            std::vector<int32_t> acc(shape.units);
            for (int64_t b = begin; b < end; ++b) {
                const float* in = input + b * shape.depth;
                int8_t* q = quantizedInput_.data() + b * shape.depth;
                float batchScale = 1.0f;
                int32_t zeroPoint = 0;
                if (asymmetric) kernels::asymmetricQuantizeFloats(in, shape.depth, q, &batchScale, &zeroPoint);
                else kernels::symmetricQuantizeFloats(in, shape.depth, q, &batchScale);
                if (!perChannel) batchScale *= scales[0];
                kernels::fullyConnectedAccumulate<int32_t>(shape, q, -zeroPoint, packedInt_.data(), acc.data());
                float* out = output + b * shape.units;
                for (int o = 0; o < shape.units; ++o) {
                    const float rowScale = perChannel ? scales[o] * batchScale : batchScale;
                    const float value = (bias ? bias[o] : 0.0f) + static_cast<float>(acc[o]) * rowScale;
                    out[o] = std::min(std::max(value, lo), hi);
                }
            }
        });
    }

    kernels::FullyConnectedShape shape_;
    Arithmetic arithmetic_ = Arithmetic::Float;
    QuantizedSetup setup_;
    activation::Range<float> activationRange_{0.0f, 0.0f};
    bool xnnpackFloat_ = false; ///< Float sums in XNNPACK's order (bias first).
    bool wideAccumulator_ = false; ///< 64-bit accumulators (int16x8 with an int64 bias).
    bool weightsPacked_ = false;
    std::vector<float> packedFloat_;
    std::vector<int16_t> packedInt_;
    std::vector<int8_t> quantizedInput_;
    std::unique_ptr<optimized::FastQuantizedConv> fastQuantized_;
    std::unique_ptr<optimized::FastFloatConv> fastFloat_;
};

} // namespace

std::unique_ptr<OpKernel> makeFullyConnectedKernel() { return std::make_unique<FullyConnectedKernel>(); }

} // namespace rf
