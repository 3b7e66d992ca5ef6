// EXP, ELU, GELU and PRELU.
//
// EXP / ELU / GELU: float32 applies the function (exp.cc, activations.cc EluEval,
// reference_ops::Gelu); int8 (and uint8 for GELU) go through a 256-entry table built by
// LUTPopulate, exactly as the builtin kernels do. XNNPACK's ELU (qs8) builds its table the
// same way as its sigmoid (lut-elementwise); the other quantized forms stay builtin.
// PRELU (activations.cc PreluEval): x >= 0 ? x : x * alpha with alpha broadcast; the
// quantized form uses two multipliers (inputScale / outputScale and
// inputScale * alphaScale / outputScale, float products widened to double).

#include <cmath>

#include "kernels/fixed_point.h"
#include "kernels/reference/broadcast.h"
#include "kernels/reference/lut.h"
#include "ops/elementwise_common.h"
#include "ops/elementwise_ops.h"

namespace rf {
namespace {

using namespace rf::elementwise;

enum class UnaryFunction { Exp, Elu, Gelu };

/// reference_ops::GeluTransform / GeluTransformApproximate (float).
inline float geluExact(float x) { return 0.5f * x * std::erfc(x * static_cast<float>(-M_SQRT1_2)); }
inline float geluApproximate(float x)
{
    constexpr float kSqrt2OverPi = static_cast<float>(M_2_SQRTPI * M_SQRT1_2);
    return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + 0.044715f * x * x)));
}
inline float elu(float x) { return x < 0.0f ? std::expm1(x) : x; }

class UnaryMathKernel final : public OpKernel {
public:
    explicit UnaryMathKernel(UnaryFunction function) : function_(function) {}

    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(1, 1, 1));
        if (function_ == UnaryFunction::Gelu)
            RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::Int8, DType::UInt8}));
        else
            RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::Int8}));
        dtype_ = ctx.inputTensor(0).dtype;
        RF_RETURN_IF_ERROR(expectOutputType(ctx, 0, dtype_));
        RF_RETURN_IF_ERROR(ctx.setOutputShape(0, ctx.input(0).shape()));
        approximate_ = ctx.op().attrs.approximate;
        if (dtype_ == DType::Float32) return Status::ok();
        RF_ASSIGN_OR_RETURN(const TensorQuant qi, perTensorQuant(ctx, ctx.op().inputs[0], "input"));
        RF_ASSIGN_OR_RETURN(const TensorQuant qo, perTensorQuant(ctx, ctx.op().outputs[0], "output"));
        const bool xnnpackElu = ctx.mode() == KernelMode::Xnnpack && function_ == UnaryFunction::Elu;
        dispatchQuantized(dtype_, [&](auto tag) {
            using T = decltype(tag);
            const auto transform = [this](float x) { return apply(x); };
            if (xnnpackElu)
                kernels::populateLutXnnpack<T>(qi.scale, qi.zeroPoint, qo.scale, qo.zeroPoint, quantizedMin(dtype_),
                                               quantizedMax(dtype_), transform, table_);
            else
                kernels::populateLutBuiltin<T>(qi.scale, qi.zeroPoint, qo.scale, qo.zeroPoint, transform, table_);
        });
        return Status::ok();
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& in = ctx.input(0);
        TensorValue& out = ctx.output(0);
        const int64_t n = in.elementCount();
        if (dtype_ == DType::Float32) {
            const float* x = in.data<float>();
            float* y = out.data<float>();
            for (int64_t i = 0; i < n; ++i) y[i] = apply(x[i]);
            return;
        }
        kernels::applyLut(reinterpret_cast<const uint8_t*>(in.bytes()), reinterpret_cast<uint8_t*>(out.bytes()), n, table_);
    }

private:
    float apply(float x) const
    {
        switch (function_) {
        case UnaryFunction::Exp: return std::exp(x);
        case UnaryFunction::Elu: return elu(x);
        case UnaryFunction::Gelu: return approximate_ ? geluApproximate(x) : geluExact(x);
        }
        return x;
    }

    UnaryFunction function_;
    DType dtype_ = DType::Unknown;
    bool approximate_ = false;
    uint8_t table_[256] = {};
};

class PreluKernel final : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(2, 2, 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::Int8, DType::UInt8}));
        RF_RETURN_IF_ERROR(expectSameInputTypes(ctx, 0, 1));
        dtype_ = ctx.inputTensor(0).dtype;
        RF_RETURN_IF_ERROR(expectOutputType(ctx, 0, dtype_));
        const Shape& input = ctx.input(0).shape();
        const Shape& alpha = ctx.input(1).shape();
        const auto outShape = kernels::broadcastShape(input, alpha);
        if (!outShape || *outShape != input || input.size() > kernels::kMaxBroadcastRank)
            return ctx.error("alpha " + ctx.graph().tensorLabel(ctx.op().inputs[1]) + " of shape " + shapeToString(alpha) +
                             " does not broadcast to the input shape " + shapeToString(input));
        RF_RETURN_IF_ERROR(ctx.setOutputShape(0, input));
        plan_ = kernels::makeBroadcastPlan(input, alpha);
        if (dtype_ == DType::Float32) return Status::ok();
        RF_ASSIGN_OR_RETURN(const TensorQuant qi, perTensorQuant(ctx, ctx.op().inputs[0], "input"));
        RF_ASSIGN_OR_RETURN(const TensorQuant qa, perTensorQuant(ctx, ctx.op().inputs[1], "alpha"));
        RF_ASSIGN_OR_RETURN(const TensorQuant qo, perTensorQuant(ctx, ctx.op().outputs[0], "output"));
        inputOffset_ = -qi.zeroPoint;
        alphaOffset_ = -qa.zeroPoint;
        outputOffset_ = qo.zeroPoint;
        fixed_point::quantizeMultiplier(static_cast<double>(qi.scale / qo.scale), &multiplier1_, &shift1_);
        fixed_point::quantizeMultiplier(static_cast<double>(qi.scale * qa.scale / qo.scale), &multiplier2_, &shift2_);
        return Status::ok();
    }

    void eval(OpContext& ctx) override
    {
        if (dtype_ == DType::Float32) {
            kernels::broadcastBinary(plan_, ctx.input(0).data<float>(), ctx.input(1).data<float>(), ctx.output(0).data<float>(),
                                     [](float x, float a) { return x >= 0.0f ? x : x * a; });
            return;
        }
        dispatchQuantized(dtype_, [&](auto tag) {
            using T = decltype(tag);
            const int32_t qmin = quantizedMin(dtype_), qmax = quantizedMax(dtype_);
            kernels::broadcastBinary(plan_, ctx.input(0).data<T>(), ctx.input(1).data<T>(), ctx.output(0).data<T>(),
                                     [&](T x, T a) {
                                         const int32_t v = inputOffset_ + x;
                                         int32_t out = 0;
                                         if (v >= 0) {
                                             out = fixed_point::multiplyByQuantizedMultiplier(v, multiplier1_, shift1_);
                                         } else {
                                             const int32_t alpha = alphaOffset_ + a;
                                             out = fixed_point::multiplyByQuantizedMultiplier(v * alpha, multiplier2_, shift2_);
                                         }
                                         return static_cast<T>(std::min(qmax, std::max(qmin, out + outputOffset_)));
                                     });
        });
    }

private:
    DType dtype_ = DType::Unknown;
    kernels::BroadcastPlan plan_;
    int32_t inputOffset_ = 0, alphaOffset_ = 0, outputOffset_ = 0;
    int32_t multiplier1_ = 0, multiplier2_ = 0;
    int shift1_ = 0, shift2_ = 0;
};

} // namespace

std::unique_ptr<OpKernel> makeExpKernel() { return std::make_unique<UnaryMathKernel>(UnaryFunction::Exp); }
std::unique_ptr<OpKernel> makeEluKernel() { return std::make_unique<UnaryMathKernel>(UnaryFunction::Elu); }
std::unique_ptr<OpKernel> makeGeluKernel() { return std::make_unique<UnaryMathKernel>(UnaryFunction::Gelu); }
std::unique_ptr<OpKernel> makePreluKernel() { return std::make_unique<PreluKernel>(); }

} // namespace rf
