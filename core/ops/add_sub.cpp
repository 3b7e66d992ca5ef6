// ADD and SUB: broadcasting binary ops with a fused activation.
//
// Builtin mode follows tensorflow/lite/kernels/add.cc and sub.cc:
//  - int8/uint8 and int16 with general scales: both inputs are shifted left
//    (20 bits for 8-bit, 15 for int16), rescaled to twice the larger input scale,
//    added/subtracted in int32 and rescaled to the output (double rounding);
//  - int16 with power-of-two scales (pot_scale_int16, the LSTM-style path): one input
//    is divided by a power of two and a saturating int16 add/sub follows.
// Xnnpack mode follows XNNPACK's qs8/qu8 vadd/vsub microkernels for int8/uint8 when the
// delegate takes the node (input/output scale ratios in [2^-10, 2^8)); float32 is
// IEEE add/sub then clamp in both modes; int16 always runs the builtin kernel.

#include <cstring>

#include "kernels/reference/binary_elementwise.h"
#include "kernels/reference/broadcast.h"
#include "ops/elementwise_common.h"
#include "ops/elementwise_ops.h"

namespace rf {
namespace {

using namespace rf::kernels;
using namespace rf::elementwise;

template <int Sign>
class AddSubKernel final : public OpKernel {
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
        if (activation == FusedActivation::Tanh || activation == FusedActivation::SignBit)
            return ctx.error("fused activation " + std::string(fusedActivationName(activation)) + " is not supported");

        if (dtype_ == DType::Float32) {
            setFloatRange(activation);
            return Status::ok();
        }
        if (dtype_ == DType::Int32) {
            // TFLite clamps int32 results with the activation range in integers.
            int32Min_ = activation == FusedActivation::None ? std::numeric_limits<int32_t>::min() : activation == FusedActivation::ReluN1To1 ? -1 : 0;
            int32Max_ = activation == FusedActivation::Relu6 ? 6 : activation == FusedActivation::ReluN1To1 ? 1 : std::numeric_limits<int32_t>::max();
            return Status::ok();
        }

        RF_ASSIGN_OR_RETURN(const TensorQuant qa, perTensorQuant(ctx, ctx.op().inputs[0], "input"));
        RF_ASSIGN_OR_RETURN(const TensorQuant qb, perTensorQuant(ctx, ctx.op().inputs[1], "input"));
        RF_ASSIGN_OR_RETURN(const TensorQuant qo, perTensorQuant(ctx, ctx.op().outputs[0], "output"));
        const int32_t qmin = quantizedMin(dtype_), qmax = quantizedMax(dtype_);

        if (dtype_ == DType::Int16) {
            if (qa.zeroPoint != 0 || qb.zeroPoint != 0 || qo.zeroPoint != 0)
                return ctx.error("int16 inputs and output must have zero point 0 (symmetric quantization)");
            bool general = !ctx.op().attrs.potScaleInt16;
            int log2A = 0, log2B = 0, log2Out = 0;
            if (!general) {
                const bool pot = checkedLog2(qa.scale, &log2A) && checkedLog2(qb.scale, &log2B) && checkedLog2(qo.scale, &log2Out);
                general = !pot;
            }
            const QuantizedRange range = activation::quantizedRange(activation, qo.scale, qo.zeroPoint, qmin, qmax);
            if (!general) {
                const int shiftA = log2A - log2Out, shiftB = log2B - log2Out;
                if (!(shiftA == 0 || shiftB == 0) || shiftA > 0 || shiftB > 0)
                    return ctx.error("power-of-two int16 scales need one input scale equal to the output scale and the "
                                     "other not larger (input shifts " + std::to_string(shiftA) + ", " +
                                     std::to_string(shiftB) + ")");
                path_ = Path::PotInt16;
                pot_ = {-shiftA, -shiftB, range};
                return Status::ok();
            }
            path_ = Path::Builtin;
            builtin_ = makeAddSubParamsBuiltin(qa.scale, qa.zeroPoint, qb.scale, qb.zeroPoint, qo.scale, qo.zeroPoint, 15, range);
            return Status::ok();
        }

        // int8 / uint8.
        const float aRatio = qa.scale / qo.scale;
        const float bRatio = qb.scale / qo.scale;
        const bool delegated = ctx.mode() == KernelMode::Xnnpack && xnnpackAddScalesSupported(aRatio, bRatio);
        if (delegated) {
            path_ = Path::Xnnpack;
            const QuantizedRange range = activation::xnnpackQuantizedRange(activation, qo.scale, qo.zeroPoint, qmin, qmax);
            xnnpack_ = makeAddParamsXnnpack(qa.zeroPoint, qb.zeroPoint, qo.zeroPoint, aRatio, Sign > 0 ? bRatio : -bRatio,
                                            range.min, range.max);
        } else {
            path_ = Path::Builtin;
            const QuantizedRange range = activation::quantizedRange(activation, qo.scale, qo.zeroPoint, qmin, qmax);
            builtin_ = makeAddSubParamsBuiltin(qa.scale, qa.zeroPoint, qb.scale, qb.zeroPoint, qo.scale, qo.zeroPoint, 20, range);
        }
        // 8-bit: tabulate the chosen path's scalar function over all byte pairs.
        dispatchQuantized(dtype_, [&](auto tag) {
            using T = decltype(tag);
            if constexpr (sizeof(T) == 1) {
                if (path_ == Path::Xnnpack)
                    buildPairTable<T>([this](T x, T y) { return addXnnpack(xnnpack_, x, y); }, pairTable_);
                else
                    buildPairTable<T>([this](T x, T y) { return addSubBuiltin<Sign>(builtin_, x, y); }, pairTable_);
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
            const float lo = floatMin_, hi = floatMax_;
            broadcastBinary(plan_, a.data<float>(), b.data<float>(), out.data<float>(), [lo, hi](float x, float y) {
                const float r = Sign > 0 ? x + y : x - y;
                return std::min(std::max(r, lo), hi);
            });
            break;
        }
        case DType::Int32: {
            const int32_t lo = int32Min_, hi = int32Max_;
            broadcastBinary(plan_, a.data<int32_t>(), b.data<int32_t>(), out.data<int32_t>(), [lo, hi](int32_t x, int32_t y) {
                const int32_t r = static_cast<int32_t>(Sign > 0 ? static_cast<uint32_t>(x) + static_cast<uint32_t>(y)
                                                                : static_cast<uint32_t>(x) - static_cast<uint32_t>(y));
                return std::min(std::max(r, lo), hi);
            });
            break;
        }
        case DType::Int8: evalQuantized<int8_t>(a, b, out); break;
        case DType::UInt8: evalQuantized<uint8_t>(a, b, out); break;
        case DType::Int16: evalQuantized<int16_t>(a, b, out); break;
        default: break;
        }
    }

private:
    enum class Path { Builtin, PotInt16, Xnnpack };

    void setFloatRange(FusedActivation activation)
    {
        floatMin_ = std::numeric_limits<float>::lowest();
        floatMax_ = std::numeric_limits<float>::max();
        if (activation == FusedActivation::Relu) floatMin_ = 0.0f;
        if (activation == FusedActivation::Relu6) floatMin_ = 0.0f, floatMax_ = 6.0f;
        if (activation == FusedActivation::ReluN1To1) floatMin_ = -1.0f, floatMax_ = 1.0f;
    }

    template <typename T>
    void evalQuantized(const TensorValue& a, const TensorValue& b, TensorValue& out)
    {
        const T* pa = a.data<T>();
        const T* pb = b.data<T>();
        T* po = out.data<T>();
        if constexpr (sizeof(T) == 1) {
            lookupPairTable(plan_, pa, pb, po, pairTable_);
            return;
        }
        switch (path_) {
        case Path::Builtin: {
            const AddSubParamsBuiltin& p = builtin_;
            broadcastBinary(plan_, pa, pb, po, [&p](T x, T y) { return static_cast<T>(addSubBuiltin<Sign>(p, x, y)); });
            break;
        }
        case Path::PotInt16: {
            const AddSubPotInt16Params& p = pot_;
            broadcastBinary(plan_, pa, pb, po, [&p](T x, T y) { return static_cast<T>(addSubPotInt16<Sign>(p, x, y)); });
            break;
        }
        case Path::Xnnpack: {
            const AddParamsXnnpack& p = xnnpack_;
            broadcastBinary(plan_, pa, pb, po, [&p](T x, T y) { return static_cast<T>(addXnnpack(p, x, y)); });
            break;
        }
        }
    }

    DType dtype_ = DType::Unknown;
    BroadcastPlan plan_;
    Path path_ = Path::Builtin;
    float floatMin_ = 0.0f, floatMax_ = 0.0f;
    int32_t int32Min_ = 0, int32Max_ = 0;
    AddSubParamsBuiltin builtin_;
    std::vector<uint8_t> pairTable_;
    AddSubPotInt16Params pot_;
    AddParamsXnnpack xnnpack_;
};

} // namespace

std::unique_ptr<OpKernel> makeAddKernel() { return std::make_unique<AddSubKernel<+1>>(); }
std::unique_ptr<OpKernel> makeSubKernel() { return std::make_unique<AddSubKernel<-1>>(); }

} // namespace rf
