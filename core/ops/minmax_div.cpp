// MAXIMUM, MINIMUM and DIV: broadcasting binary ops without requantization subtleties.
//
// MAXIMUM / MINIMUM (maximum_minimum.cc) compare the stored values directly, as TFLite
// does (the converter gives both inputs and the output one quantization; TFLite does not
// requantize), so float32, int8, uint8, int16 and int32 are exact in both kernel modes (XNNPACK's f32
// max/min is the same IEEE comparison).
// DIV (div.cc) is float32 here: IEEE division then the fused-activation clamp, identical
// in both modes; int32 division truncates toward zero as TFLite's reference does.

#include "kernels/activation_range.h"
#include "kernels/reference/broadcast.h"
#include "ops/elementwise_common.h"
#include "ops/elementwise_ops.h"

namespace rf {
namespace {

using namespace rf::kernels;
using namespace rf::elementwise;

/// Shared shape handling of the binary ops in this file.
Status prepareBinaryShapes(OpContext& ctx, BroadcastPlan& plan)
{
    const Shape& shapeA = ctx.input(0).shape();
    const Shape& shapeB = ctx.input(1).shape();
    if (shapeA.size() > kMaxBroadcastRank || shapeB.size() > kMaxBroadcastRank)
        return ctx.error("inputs of rank " + std::to_string(shapeA.size()) + " and " + std::to_string(shapeB.size()) +
                         " exceed the supported rank " + std::to_string(kMaxBroadcastRank));
    const auto outShape = broadcastShape(shapeA, shapeB);
    if (!outShape)
        return ctx.error("input shapes " + shapeToString(shapeA) + " (" + ctx.graph().tensorLabel(ctx.op().inputs[0]) + ") and " +
                         shapeToString(shapeB) + " (" + ctx.graph().tensorLabel(ctx.op().inputs[1]) + ") are not broadcastable");
    RF_RETURN_IF_ERROR(ctx.setOutputShape(0, *outShape));
    plan = makeBroadcastPlan(shapeA, shapeB);
    return Status::ok();
}

template <bool IsMax>
class MaxMinKernel final : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(2, 2, 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::Int8, DType::UInt8, DType::Int16, DType::Int32}));
        RF_RETURN_IF_ERROR(expectSameInputTypes(ctx, 0, 1));
        dtype_ = ctx.inputTensor(0).dtype;
        RF_RETURN_IF_ERROR(expectOutputType(ctx, 0, dtype_));
        return prepareBinaryShapes(ctx, plan_);
    }

    void eval(OpContext& ctx) override
    {
        const auto run = [&](auto tag) {
            using T = decltype(tag);
            broadcastBinary(plan_, ctx.input(0).data<T>(), ctx.input(1).data<T>(), ctx.output(0).data<T>(),
                            [](T x, T y) { return IsMax ? (x > y ? x : y) : (x < y ? x : y); });
        };
        switch (dtype_) {
        case DType::Float32: run(float{}); break;
        case DType::Int32: run(int32_t{}); break;
        default: dispatchQuantized(dtype_, run); break;
        }
    }

private:
    DType dtype_ = DType::Unknown;
    BroadcastPlan plan_;
};

class DivKernel final : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(2, 2, 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::Int32}));
        RF_RETURN_IF_ERROR(expectSameInputTypes(ctx, 0, 1));
        dtype_ = ctx.inputTensor(0).dtype;
        RF_RETURN_IF_ERROR(expectOutputType(ctx, 0, dtype_));
        const FusedActivation activation = ctx.op().attrs.activation;
        if (!activation::isClampActivation(activation))
            return ctx.error("fused activation " + std::string(fusedActivationName(activation)) + " is not supported");
        range_ = activation::floatRange(activation);
        if (dtype_ == DType::Int32) {
            // A constant zero divisor is a model error; a run-time zero gives 0 below
            // instead of a crash (TFLite's int32 DIV checks constant divisors only).
            const Tensor& divisor = ctx.inputTensor(1);
            if (divisor.isConstant)
                for (size_t i = 0; i + 4 <= divisor.data.size(); i += 4) {
                    int32_t v;
                    std::memcpy(&v, divisor.data.data() + i, 4);
                    if (v == 0) return ctx.error("divisor " + ctx.graph().tensorLabel(ctx.op().inputs[1]) + " contains 0");
                }
        }
        return prepareBinaryShapes(ctx, plan_);
    }

    void eval(OpContext& ctx) override
    {
        if (dtype_ == DType::Float32) {
            const float lo = range_.min, hi = range_.max;
            broadcastBinary(plan_, ctx.input(0).data<float>(), ctx.input(1).data<float>(), ctx.output(0).data<float>(),
                            [lo, hi](float x, float y) { return std::min(std::max(x / y, lo), hi); });
            return;
        }
        const int32_t lo = range_.min <= -2147483648.0f ? std::numeric_limits<int32_t>::min() : static_cast<int32_t>(range_.min);
        const int32_t hi = range_.max >= 2147483647.0f ? std::numeric_limits<int32_t>::max() : static_cast<int32_t>(range_.max);
        broadcastBinary(plan_, ctx.input(0).data<int32_t>(), ctx.input(1).data<int32_t>(), ctx.output(0).data<int32_t>(),
                        [lo, hi](int32_t x, int32_t y) {
                            const int32_t q = (y == 0 || (y == -1 && x == std::numeric_limits<int32_t>::min())) ? 0 : x / y;
                            return std::min(std::max(q, lo), hi);
                        });
    }

private:
    DType dtype_ = DType::Unknown;
    BroadcastPlan plan_;
    activation::Range<float> range_{0.0f, 0.0f};
};

} // namespace

std::unique_ptr<OpKernel> makeMaximumKernel() { return std::make_unique<MaxMinKernel<true>>(); }
std::unique_ptr<OpKernel> makeMinimumKernel() { return std::make_unique<MaxMinKernel<false>>(); }
std::unique_ptr<OpKernel> makeDivKernel() { return std::make_unique<DivKernel>(); }

} // namespace rf
