// LOGISTIC and TANH (tensorflow/lite/kernels/activations.cc, kGenericOptimized).
// Float32: 1 / (1 + exp(-x)) and tanh(x). int8/uint8: a 256-entry table built by
// LUTPopulate (builtin) or, for LOGISTIC in Xnnpack mode, by XNNPACK's lut-elementwise
// operator (the delegate takes qs8/qu8 Sigmoid; 8-bit TANH stays builtin). int16 is not implemented yet (TFLite uses
// a 16-bit interpolated table there) and is refused in prepare().

#include <cmath>

#include "kernels/reference/lut.h"
#include "ops/elementwise_common.h"
#include "ops/elementwise_ops.h"

namespace rf {
namespace {

using namespace rf::elementwise;

enum class Function { Logistic, Tanh };

class LogisticTanhKernel final : public OpKernel {
public:
    explicit LogisticTanhKernel(Function function) : function_(function) {}

    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(1, 1, 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::Int8, DType::UInt8}));
        dtype_ = ctx.inputTensor(0).dtype;
        RF_RETURN_IF_ERROR(expectOutputType(ctx, 0, dtype_));
        RF_RETURN_IF_ERROR(ctx.setOutputShape(0, ctx.input(0).shape()));
        if (dtype_ == DType::Float32) return Status::ok();

        RF_ASSIGN_OR_RETURN(const TensorQuant qi, perTensorQuant(ctx, ctx.op().inputs[0], "input"));
        RF_ASSIGN_OR_RETURN(const TensorQuant qo, perTensorQuant(ctx, ctx.op().outputs[0], "output"));
        if (function_ == Function::Logistic && qo.scale != 1.0f / 256)
            return ctx.error("output " + ctx.graph().tensorLabel(ctx.op().outputs[0]) + " must have scale 1/256, has " +
                             std::to_string(qo.scale));
        const auto logistic = [](float v) { return 1.0f / (1.0f + std::exp(-v)); };
        const auto tanhFn = [](float v) { return std::tanh(v); };
        const auto xnnLogistic = [](float v) {
            return std::signbit(v) ? 1.0f / (1.0f + std::exp(-v)) : 1.0f - 1.0f / (1.0f + std::exp(v));
        };
        const int32_t qmin = quantizedMin(dtype_), qmax = quantizedMax(dtype_);
        // The delegate takes 8-bit Sigmoid but not Tanh (oracle --profile), so TANH stays builtin.
        const bool xnnpack = ctx.mode() == KernelMode::Xnnpack && function_ == Function::Logistic;
        dispatchQuantized(dtype_, [&](auto tag) {
            using T = decltype(tag);
            if (xnnpack) {
                if (function_ == Function::Logistic)
                    kernels::populateLutXnnpack<T>(qi.scale, qi.zeroPoint, qo.scale, qo.zeroPoint, qmin, qmax, xnnLogistic, table_);
                else
                    kernels::populateLutXnnpack<T>(qi.scale, qi.zeroPoint, qo.scale, qo.zeroPoint, qmin, qmax, tanhFn, table_);
            } else {
                if (function_ == Function::Logistic)
                    kernels::populateLutBuiltin<T>(qi.scale, qi.zeroPoint, qo.scale, qo.zeroPoint, logistic, table_);
                else
                    kernels::populateLutBuiltin<T>(qi.scale, qi.zeroPoint, qo.scale, qo.zeroPoint, tanhFn, table_);
            }
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
            if (function_ == Function::Logistic)
                for (int64_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + std::exp(-x[i]));
            else
                for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
            return;
        }
        kernels::applyLut(reinterpret_cast<const uint8_t*>(in.bytes()), reinterpret_cast<uint8_t*>(out.bytes()), n, table_);
    }

private:
    Function function_;
    DType dtype_ = DType::Unknown;
    uint8_t table_[256] = {};
};

} // namespace

std::unique_ptr<OpKernel> makeLogisticKernel() { return std::make_unique<LogisticTanhKernel>(Function::Logistic); }
std::unique_ptr<OpKernel> makeTanhKernel() { return std::make_unique<LogisticTanhKernel>(Function::Tanh); }

} // namespace rf
