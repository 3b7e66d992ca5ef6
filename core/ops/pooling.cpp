#include "ops/pooling.h"

#include <cmath>
#include <limits>

#include "kernels/reference/pooling.h"
#include "kernels/reference/reduce.h"
#include "ops/layout_common.h"

namespace rf {

namespace {

using layout::inputLabel;
using layout::outputLabel;

/// The float bounds of a fused activation (tflite::CalculateActivationRange).
struct FloatRange {
    float min = std::numeric_limits<float>::lowest();
    float max = std::numeric_limits<float>::max();
};

FloatRange floatActivationRange(FusedActivation activation)
{
    switch (activation) {
    case FusedActivation::Relu: return {0.0f, std::numeric_limits<float>::max()};
    case FusedActivation::Relu6: return {0.0f, 6.0f};
    case FusedActivation::ReluN1To1: return {-1.0f, 1.0f};
    default: return {};
    }
}

/// tflite::CalculateActivationRangeQuantized: the activation's float bounds quantized
/// with the output's parameters (zero point + round-half-away(f / scale) in float),
/// intersected with the storage range.
void quantizedActivationRange(FusedActivation activation, const Tensor& output, int32_t* min, int32_t* max)
{
    int32_t qmin = 0, qmax = 0;
    layout::quantizedTypeRange(output.dtype, &qmin, &qmax);
    const float scale = output.quant.scale();
    const auto zeroPoint = static_cast<int32_t>(output.quant.zeroPoint());
    const auto quantize = [&](float f) { return zeroPoint + static_cast<int32_t>(std::round(f / scale)); };
    *min = qmin;
    *max = qmax;
    switch (activation) {
    case FusedActivation::Relu: *min = std::max(qmin, quantize(0.0f)); break;
    case FusedActivation::Relu6:
        *min = std::max(qmin, quantize(0.0f));
        *max = std::min(qmax, quantize(6.0f));
        break;
    case FusedActivation::ReluN1To1:
        *min = std::max(qmin, quantize(-1.0f));
        *max = std::min(qmax, quantize(1.0f));
        break;
    default: break;
    }
}

enum class PoolKind { Average, Max };

class Pool2DKernel : public OpKernel {
public:
    explicit Pool2DKernel(PoolKind kind) : kind_(kind) {}

    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(1, 1, 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::UInt8, DType::Int8, DType::Int16}));
        RF_RETURN_IF_ERROR(layout::expectOutputTypeMatchesInput(ctx));
        const Tensor& input = ctx.inputTensor(0);
        const Tensor& output = ctx.outputTensor(0);
        dtype_ = input.dtype;
        const Shape& shape = ctx.input(0).shape();
        if (shape.size() != 4)
            return ctx.error(inputLabel(ctx, 0) + " has shape " + shapeToString(shape) + "; pools need a 4-D NHWC tensor");
        const OpAttributes& attrs = ctx.op().attrs;
        if (attrs.strideH <= 0 || attrs.strideW <= 0)
            return ctx.error("strides " + std::to_string(attrs.strideH) + "x" + std::to_string(attrs.strideW) +
                             " must be positive");
        if (attrs.filterH <= 0 || attrs.filterW <= 0)
            return ctx.error("filter size " + std::to_string(attrs.filterH) + "x" + std::to_string(attrs.filterW) +
                             " must be positive");
        if (attrs.activation == FusedActivation::Tanh || attrs.activation == FusedActivation::SignBit)
            return ctx.error("fused activation " + std::string(fusedActivationName(attrs.activation)) +
                             " is not supported on pools");

        kernels::PoolGeometry& g = geometry_;
        g.batches = shape[0];
        g.inputHeight = shape[1];
        g.inputWidth = shape[2];
        g.channels = shape[3];
        g.strideHeight = attrs.strideH;
        g.strideWidth = attrs.strideW;
        g.filterHeight = attrs.filterH;
        g.filterWidth = attrs.filterW;
        const bool same = attrs.padding == Padding::Same;
        g.outputHeight = kernels::windowedOutputSize(same, g.inputHeight, g.filterHeight, g.strideHeight);
        g.outputWidth = kernels::windowedOutputSize(same, g.inputWidth, g.filterWidth, g.strideWidth);
        if (g.outputHeight <= 0 || g.outputWidth <= 0)
            return ctx.error("a " + std::to_string(g.filterHeight) + "x" + std::to_string(g.filterWidth) +
                             " VALID window does not fit " + inputLabel(ctx, 0) + " of shape " + shapeToString(shape));
        g.padTop = kernels::windowedPaddingBefore(g.strideHeight, g.inputHeight, g.filterHeight, g.outputHeight);
        g.padLeft = kernels::windowedPaddingBefore(g.strideWidth, g.inputWidth, g.filterWidth, g.outputWidth);
        // A window lying wholly in the padding has nothing to average (TFLite fails at run
        // time); the extreme output positions are the only ones that can do so.
        const auto windowEmpty = [](int out, int stride, int pad, int filter, int in) {
            const int origin = out * stride - pad;
            return std::min(in, origin + filter) - std::max(0, origin) <= 0;
        };
        if (windowEmpty(0, g.strideHeight, g.padTop, g.filterHeight, g.inputHeight) ||
            windowEmpty(g.outputHeight - 1, g.strideHeight, g.padTop, g.filterHeight, g.inputHeight) ||
            windowEmpty(0, g.strideWidth, g.padLeft, g.filterWidth, g.inputWidth) ||
            windowEmpty(g.outputWidth - 1, g.strideWidth, g.padLeft, g.filterWidth, g.inputWidth))
            return ctx.error("some pooling windows lie entirely in the padding of " + inputLabel(ctx, 0));

        if (dtype_ == DType::Float32) {
            floatRange_ = floatActivationRange(attrs.activation);
        } else {
            int32_t qmin = 0, qmax = 0;
            layout::quantizedTypeRange(dtype_, &qmin, &qmax);
            RF_RETURN_IF_ERROR(layout::expectPerTensorQuantization(ctx, input, inputLabel(ctx, 0), qmin, qmax));
            RF_RETURN_IF_ERROR(layout::expectPerTensorQuantization(ctx, output, outputLabel(ctx, 0), qmin, qmax));
            // TFLite's quantized pools work on stored values without rescaling and assert
            // (TFLITE_DCHECK) that input and output share their quantization.
            if (std::abs(input.quant.scale() - output.quant.scale()) > 1.0e-6f ||
                input.quant.zeroPoint() != output.quant.zeroPoint())
                return ctx.error(inputLabel(ctx, 0) + " and " + outputLabel(ctx, 0) +
                                 " must have the same scale and zero point (quantized pools do not rescale)");
            quantizedActivationRange(attrs.activation, output, &activationMin_, &activationMax_);
            if (activationMin_ > activationMax_)
                return ctx.error("the fused activation range is empty in the quantized domain of " + outputLabel(ctx, 0));
        }
        // XNNPACK (the reference runtime's delegate) takes only float average pools.
        xnnpackFloat_ = ctx.mode() == KernelMode::Xnnpack;
        xnnpackGlobal_ = xnnpackFloat_ && g.filterHeight == g.inputHeight && g.filterWidth == g.inputWidth &&
                         g.outputHeight == 1 && g.outputWidth == 1 && g.padTop == 0 && g.padLeft == 0;
        return ctx.setOutputShape(0, {g.batches, g.outputHeight, g.outputWidth, g.channels});
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& in = ctx.input(0);
        TensorValue& out = ctx.output(0);
        ThreadPool& pool = ctx.pool();
        if (kind_ == PoolKind::Average) {
            switch (dtype_) {
            case DType::Float32:
                if (xnnpackGlobal_) {
                    // XNNPACK computes a window covering the whole unpadded input with its
                    // global average pooling kernel (checked against the oracle).
                    kernels::xnnpackMeanHWF32(in.data<float>(), out.data<float>(), geometry_.batches,
                                              static_cast<int64_t>(geometry_.inputHeight) * geometry_.inputWidth,
                                              geometry_.channels);
                    for (float& v : out.span<float>()) v = std::min(std::max(v, floatRange_.min), floatRange_.max);
                } else if (xnnpackFloat_)
                    kernels::averagePoolF32Xnnpack(geometry_, in.data<float>(), out.data<float>(), floatRange_.min,
                                                   floatRange_.max, pool);
                else
                    kernels::averagePoolF32(geometry_, in.data<float>(), out.data<float>(), floatRange_.min,
                                            floatRange_.max, pool);
                break;
            case DType::UInt8:
                kernels::averagePoolQuantized(geometry_, in.data<uint8_t>(), out.data<uint8_t>(), activationMin_,
                                              activationMax_, pool);
                break;
            case DType::Int8:
                kernels::averagePoolQuantized(geometry_, in.data<int8_t>(), out.data<int8_t>(), activationMin_,
                                              activationMax_, pool);
                break;
            case DType::Int16:
                kernels::averagePoolQuantized(geometry_, in.data<int16_t>(), out.data<int16_t>(), activationMin_,
                                              activationMax_, pool);
                break;
            default: break;
            }
            return;
        }
        switch (dtype_) {
        case DType::Float32:
            kernels::maxPool(geometry_, in.data<float>(), out.data<float>(), floatRange_.min, floatRange_.max, pool);
            break;
        case DType::UInt8:
            kernels::maxPool(geometry_, in.data<uint8_t>(), out.data<uint8_t>(), static_cast<uint8_t>(activationMin_),
                             static_cast<uint8_t>(activationMax_), pool);
            break;
        case DType::Int8:
            kernels::maxPool(geometry_, in.data<int8_t>(), out.data<int8_t>(), static_cast<int8_t>(activationMin_),
                             static_cast<int8_t>(activationMax_), pool);
            break;
        case DType::Int16:
            kernels::maxPool(geometry_, in.data<int16_t>(), out.data<int16_t>(), static_cast<int16_t>(activationMin_),
                             static_cast<int16_t>(activationMax_), pool);
            break;
        default: break;
        }
    }

private:
    PoolKind kind_;
    DType dtype_ = DType::Unknown;
    kernels::PoolGeometry geometry_;
    FloatRange floatRange_;
    int32_t activationMin_ = 0;
    int32_t activationMax_ = 0;
    bool xnnpackFloat_ = false;
    bool xnnpackGlobal_ = false;
};

} // namespace

std::unique_ptr<OpKernel> makeAveragePool2DKernel()
{
    return std::make_unique<Pool2DKernel>(PoolKind::Average);
}

std::unique_ptr<OpKernel> makeMaxPool2DKernel()
{
    return std::make_unique<Pool2DKernel>(PoolKind::Max);
}

} // namespace rf
