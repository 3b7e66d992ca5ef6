// MUL: broadcasting product with a fused activation.
//
// Builtin (tensorflow/lite/kernels/mul.cc, MulElementwise): (a - zpA) * (b - zpB) in int32,
// requantized with one multiplier from the float product scaleA * scaleB / scaleOut,
// plus zpOut, clamped. int16 needs zero points 0.
// Xnnpack (qs8/qu8-vmul fp32): the same int32 product scaled in float by that ratio,
// clamped, rounded to nearest-even, plus zpOut — taken by the delegate for int8/uint8 when
// the ratio is in [2^-16, 2^8). Float32 is IEEE multiply then clamp in both modes.

#include "kernels/reference/binary_elementwise.h"
#include "kernels/reference/broadcast.h"
#include "ops/elementwise_common.h"
#include "ops/elementwise_ops.h"

namespace rf {
namespace {

using namespace rf::kernels;
using namespace rf::elementwise;

class MulKernel final : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(2, 2, 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::Int32, DType::Int8, DType::UInt8, DType::Int16}));
        RF_RETURN_IF_ERROR(expectSameInputTypes(ctx, 0, 1));
        dtype_ = ctx.inputTensor(0).dtype;
        RF_RETURN_IF_ERROR(expectOutputType(ctx, 0, dtype_));
        const Shape& shapeA = ctx.input(0).shape();
        const Shape& shapeB = ctx.input(1).shape();
        if (shapeA.size() > kMaxBroadcastRank || shapeB.size() > kMaxBroadcastRank)
            return ctx.error("inputs of rank " + std::to_string(shapeA.size()) + " and " + std::to_string(shapeB.size()) +
                             " exceed the supported rank " + std::to_string(kMaxBroadcastRank));
        const auto outShape = broadcastShape(shapeA, shapeB);
        if (!outShape)
            return ctx.error("input shapes " + shapeToString(shapeA) + " (" + ctx.graph().tensorLabel(ctx.op().inputs[0]) +
                             ") and " + shapeToString(shapeB) + " (" + ctx.graph().tensorLabel(ctx.op().inputs[1]) +
                             ") are not broadcastable");
        RF_RETURN_IF_ERROR(ctx.setOutputShape(0, *outShape));
        plan_ = makeBroadcastPlan(shapeA, shapeB);

        const FusedActivation activation = ctx.op().attrs.activation;
        if (!activation::isClampActivation(activation))
            return ctx.error("fused activation " + std::string(fusedActivationName(activation)) + " is not supported");
        if (dtype_ == DType::Float32) {
            floatRange_ = activation::floatRange(activation);
            return Status::ok();
        }
        if (dtype_ == DType::Int32) {
            const auto f = activation::floatRange(activation);
            intMin_ = activation == FusedActivation::None ? std::numeric_limits<int32_t>::min() : static_cast<int32_t>(f.min);
            intMax_ = activation == FusedActivation::None || activation == FusedActivation::Relu ? std::numeric_limits<int32_t>::max()
                                                                                                 : static_cast<int32_t>(f.max);
            return Status::ok();
        }
        RF_ASSIGN_OR_RETURN(const TensorQuant qa, perTensorQuant(ctx, ctx.op().inputs[0], "input"));
        RF_ASSIGN_OR_RETURN(const TensorQuant qb, perTensorQuant(ctx, ctx.op().inputs[1], "input"));
        RF_ASSIGN_OR_RETURN(const TensorQuant qo, perTensorQuant(ctx, ctx.op().outputs[0], "output"));
        const int32_t qmin = quantizedMin(dtype_), qmax = quantizedMax(dtype_);
        if (dtype_ == DType::Int16 && (qa.zeroPoint != 0 || qb.zeroPoint != 0 || qo.zeroPoint != 0))
            return ctx.error("int16 inputs and output must have zero point 0 (symmetric quantization)");

        const float productOutputScale = qa.scale * qb.scale / qo.scale;
        xnnpack_ = ctx.mode() == KernelMode::Xnnpack && dtype_ != DType::Int16 && productOutputScale >= 0x1.0p-16f &&
                   productOutputScale < 0x1.0p+8f;
        if (xnnpack_) {
            const auto range = activation::xnnpackQuantizedRange(activation, qo.scale, qo.zeroPoint, qmin, qmax);
            xnn_ = {qa.zeroPoint, qb.zeroPoint, productOutputScale, static_cast<float>(range.min - qo.zeroPoint),
                    static_cast<float>(range.max - qo.zeroPoint), qo.zeroPoint};
        } else {
            builtin_.input1Offset = -qa.zeroPoint;
            builtin_.input2Offset = -qb.zeroPoint;
            builtin_.outputOffset = qo.zeroPoint;
            // mul.cc: `double real_multiplier = input1->params.scale * input2->params.scale /
            // output->params.scale;` is float arithmetic widened afterwards.
            fixed_point::quantizeMultiplier(static_cast<double>(productOutputScale), &builtin_.outputMultiplier,
                                            &builtin_.outputShift);
            builtin_.range = activation::quantizedRange(activation, qo.scale, qo.zeroPoint, qmin, qmax);
        }
        // 8-bit: tabulate the chosen path's scalar function over all byte pairs (same bits).
        dispatchQuantized(dtype_, [&](auto tag) {
            using T = decltype(tag);
            if constexpr (sizeof(T) == 1) {
                if (xnnpack_)
                    buildPairTable<T>([this](T x, T y) { return mulXnnpack(xnn_, x, y); }, pairTable_);
                else
                    buildPairTable<T>([this](T x, T y) { return mulBuiltin(builtin_, x, y); }, pairTable_);
            }
        });
        return Status::ok();
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& a = ctx.input(0);
        const TensorValue& b = ctx.input(1);
        TensorValue& out = ctx.output(0);
        switch (dtype_) {
        case DType::Float32: {
            const float lo = floatRange_.min, hi = floatRange_.max;
            broadcastBinary(plan_, a.data<float>(), b.data<float>(), out.data<float>(),
                            [lo, hi](float x, float y) { return std::min(std::max(x * y, lo), hi); });
            break;
        }
        case DType::Int32: {
            const int32_t lo = intMin_, hi = intMax_;
            broadcastBinary(plan_, a.data<int32_t>(), b.data<int32_t>(), out.data<int32_t>(), [lo, hi](int32_t x, int32_t y) {
                const auto r = static_cast<int32_t>(static_cast<uint32_t>(x) * static_cast<uint32_t>(y));
                return std::min(std::max(r, lo), hi);
            });
            break;
        }
        default:
            dispatchQuantized(dtype_, [&](auto tag) {
                using T = decltype(tag);
                if constexpr (sizeof(T) == 1) {
                    lookupPairTable(plan_, a.data<T>(), b.data<T>(), out.data<T>(), pairTable_);
                    return;
                }
                if (xnnpack_) {
                    const MulParamsXnnpack& p = xnn_;
                    broadcastBinary(plan_, a.data<T>(), b.data<T>(), out.data<T>(),
                                    [&p](T x, T y) { return static_cast<T>(mulXnnpack(p, x, y)); });
                } else {
                    const MulParamsBuiltin& p = builtin_;
                    broadcastBinary(plan_, a.data<T>(), b.data<T>(), out.data<T>(),
                                    [&p](T x, T y) { return static_cast<T>(mulBuiltin(p, x, y)); });
                }
            });
        }
    }

private:
    DType dtype_ = DType::Unknown;
    BroadcastPlan plan_;
    activation::Range<float> floatRange_{0.0f, 0.0f};
    int32_t intMin_ = 0, intMax_ = 0;
    bool xnnpack_ = false;
    MulParamsBuiltin builtin_;
    MulParamsXnnpack xnn_;
    std::vector<uint8_t> pairTable_;
};

} // namespace

std::unique_ptr<OpKernel> makeMulKernel() { return std::make_unique<MulKernel>(); }

} // namespace rf
