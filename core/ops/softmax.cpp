// SOFTMAX over the last dimension (tensorflow/lite/kernels/activations.cc SoftmaxPrepare /
// SoftmaxEval with kGenericOptimized; int16 uses reference_ops::SoftmaxInt16's tables). The XNNPACK delegate only takes float32 softmax
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
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::Int8, DType::UInt8, DType::Int16}));
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
        } else if (inType_ == DType::Int16) {
            RF_RETURN_IF_ERROR(expectOutputType(ctx, 0, DType::Int16));
            RF_ASSIGN_OR_RETURN(const TensorQuant qi, perTensorQuant(ctx, ctx.op().inputs[0], "input"));
            RF_ASSIGN_OR_RETURN(const TensorQuant qo, perTensorQuant(ctx, ctx.op().outputs[0], "output"));
            if (qi.zeroPoint != 0 || qo.zeroPoint != 0 || std::fabs(qo.scale - 1.0f / 32768) > 0.001f * 1.0f / 32768)
                return ctx.error("int16 softmax needs zero points 0 and output scale 1/32768");
            if (shape.size() > 4) return ctx.error("int16 softmax supports rank 1 to 4 (TFLite's limit)");
            // SoftmaxPrepare: exp over [-10, 0] and 1/(1+x) over [0, 1], symmetric Q0.15 output.
            const double range = 65535.0;
            int16_ = std::make_unique<kernels::SoftmaxInt16Params>();
            kernels::populateInt16Lut(10.0 / range, 32767, 2.0 / range, 0, [](double v) { return std::exp(v); },
                                      int16_->expTable);
            kernels::populateInt16Lut(1.0 / range, -32768, 2.0 / range, 0, [](double v) { return 1.0 / (1.0 + v); },
                                      int16_->reciprocalTable);
            // input_scale * beta (float) / (10 / 65535): [-65535, 0] then maps to [-10, 0].
            const double rescale = static_cast<double>(qi.scale * beta_) / (10.0 / 65535.0);
            fixed_point::quantizeMultiplier(rescale, &int16_->inputMultiplier, &int16_->inputShift);
            scratch_.resize(static_cast<size_t>(depth_));
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
        if (inType_ == DType::Int16) {
            kernels::softmaxInt16(*int16_, in.data<int16_t>(), out.data<int16_t>(), rows_, depth_, scratch_.data());
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
    std::unique_ptr<kernels::SoftmaxInt16Params> int16_;
    std::vector<int16_t> scratch_;
};

} // namespace

std::unique_ptr<OpKernel> makeSoftmaxKernel() { return std::make_unique<SoftmaxKernel>(); }

} // namespace rf
