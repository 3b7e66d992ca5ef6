// SOFTMAX over the last dimension (tensorflow/lite/kernels/activations.cc SoftmaxPrepare /
// SoftmaxEval with kGenericOptimized). The XNNPACK delegate only takes float32 softmax
// with beta 1 (its polynomial exp agrees with TFLite's within float tolerance), and 8-bit
// softmax always runs the builtin table kernel, so both modes share this kernel.

#include "kernels/reference/softmax.h"
#include "ops/elementwise_common.h"
#include "ops/elementwise_ops.h"

namespace rf {
namespace {

using namespace rf::elementwise;

class SoftmaxKernel final : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(1, 1, 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::Int8, DType::UInt8}));
        inType_ = ctx.inputTensor(0).dtype;
        outType_ = ctx.outputTensor(0).dtype;
        const Shape& shape = ctx.input(0).shape();
        if (shape.empty()) return ctx.error("input " + ctx.graph().tensorLabel(ctx.op().inputs[0]) + " must have rank >= 1");
        depth_ = shape.back();
        rows_ = depth_ == 0 ? 0 : elementCount(shape) / depth_;
        beta_ = ctx.op().attrs.beta;
        if (!std::isfinite(beta_)) return ctx.error("beta is not finite");
        if (inType_ == DType::Float32) {
            RF_RETURN_IF_ERROR(expectOutputType(ctx, 0, DType::Float32));
        } else {
            const bool outOk = outType_ == inType_ || outType_ == DType::Int16;
            if (!outOk)
                return ctx.error("output " + ctx.graph().tensorLabel(ctx.op().outputs[0]) + " has type " +
                                 std::string(dtypeName(outType_)) + "; a " + std::string(dtypeName(inType_)) +
                                 " softmax produces " + std::string(dtypeName(inType_)) + " or int16");
            RF_ASSIGN_OR_RETURN(const TensorQuant qi, perTensorQuant(ctx, ctx.op().inputs[0], "input"));
            RF_ASSIGN_OR_RETURN(const TensorQuant qo, perTensorQuant(ctx, ctx.op().outputs[0], "output"));
            if (inType_ == DType::Int8 && outType_ == DType::Int8) {
                if (qo.zeroPoint != -128 || std::fabs(qo.scale - 1.0f / 256) > 0.001f * 1.0f / 256)
                    return ctx.error("int8 softmax output must have scale 1/256 and zero point -128");
            }
            kernels::populateSoftmaxTable(qi.scale, beta_, table_);
            outScale_ = qo.scale;
            outZeroPoint_ = qo.zeroPoint;
        }
        return ctx.setOutputShape(0, shape);
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& in = ctx.input(0);
        TensorValue& out = ctx.output(0);
        if (inType_ == DType::Float32) {
            kernels::softmaxFloat(in.data<float>(), out.data<float>(), rows_, depth_, beta_);
            return;
        }
        const auto run = [&](auto inTag, auto outTag) {
            using TIn = decltype(inTag);
            using TOut = decltype(outTag);
            kernels::softmaxQuantizedTable(in.data<TIn>(), out.data<TOut>(), rows_, depth_, table_, outScale_, outZeroPoint_);
        };
        if (inType_ == DType::Int8)
            outType_ == DType::Int16 ? run(int8_t{}, int16_t{}) : run(int8_t{}, int8_t{});
        else
            outType_ == DType::Int16 ? run(uint8_t{}, int16_t{}) : run(uint8_t{}, uint8_t{});
    }

private:
    DType inType_ = DType::Unknown, outType_ = DType::Unknown;
    int64_t rows_ = 0, depth_ = 0;
    float beta_ = 1.0f;
    float table_[256] = {};
    float outScale_ = 1.0f;
    int32_t outZeroPoint_ = 0;
};

} // namespace

std::unique_ptr<OpKernel> makeSoftmaxKernel() { return std::make_unique<SoftmaxKernel>(); }

} // namespace rf
