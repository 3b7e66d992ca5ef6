#include "ops/concatenation.h"

#include <algorithm>
#include <cmath>

#include "kernels/reference/layout.h"
#include "ops/layout_common.h"

namespace rf {

namespace {

using layout::inputLabel;
using layout::outputLabel;

class ConcatenationKernel : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        if (ctx.inputCount() < 1) return ctx.error("expects at least one input");
        RF_RETURN_IF_ERROR(ctx.expectArity(ctx.inputCount(), ctx.inputCount(), 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::Float16, DType::UInt8, DType::Int8, DType::Int16,
                                                   DType::Int32, DType::Int64, DType::UInt32, DType::Bool}));
        RF_RETURN_IF_ERROR(layout::expectOutputTypeMatchesInput(ctx));
        const OpAttributes& attrs = ctx.op().attrs;
        if (attrs.activation != FusedActivation::None)
            return ctx.error("fused activation " + std::string(fusedActivationName(attrs.activation)) +
                             " on CONCATENATION is not supported (TFLite refuses it too)");
        const DType dtype = ctx.inputTensor(0).dtype;
        const Shape& first = ctx.input(0).shape();
        const int rank = static_cast<int>(first.size());
        const int count = ctx.inputCount();

        Shape outputShape;
        int axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
        if (rank == 0) {
            // TFLite stacks scalars into a vector.
            if (axis != 0) return ctx.error("axis " + std::to_string(attrs.axis) + " is out of range for scalar inputs");
            outputShape = {count};
            outer_ = 1;
        } else {
            if (axis < 0 || axis >= rank)
                return ctx.error("axis " + std::to_string(attrs.axis) + " is out of range for " + inputLabel(ctx, 0) +
                                 " of rank " + std::to_string(rank));
            outputShape = first;
            outputShape[axis] = 0;
            outer_ = 1;
            for (int d = 0; d < axis; ++d) outer_ *= first[d];
        }
        int64_t inner = 1;
        for (int d = axis + 1; d < rank; ++d) inner *= first[d];
        const size_t elementSize = dtypeSize(dtype);
        runBytes_.clear();
        runElements_.clear();
        for (int i = 0; i < count; ++i) {
            if (!ctx.hasInput(i)) return ctx.error("input " + std::to_string(i) + " is missing");
            const Shape& shape = ctx.input(i).shape();
            if (ctx.inputTensor(i).dtype != dtype)
                return ctx.error(inputLabel(ctx, i) + " has type " + std::string(dtypeName(ctx.inputTensor(i).dtype)) +
                                 " but " + inputLabel(ctx, 0) + " has type " + std::string(dtypeName(dtype)));
            if (static_cast<int>(shape.size()) != rank)
                return ctx.error(inputLabel(ctx, i) + " has shape " + shapeToString(shape) + ", whose rank differs from " +
                                 inputLabel(ctx, 0) + " " + shapeToString(first));
            for (int d = 0; d < rank; ++d)
                if (d != axis && shape[d] != first[d])
                    return ctx.error(inputLabel(ctx, i) + " has shape " + shapeToString(shape) +
                                     ", which does not match " + shapeToString(first) + " outside axis " +
                                     std::to_string(axis));
            const int64_t along = rank == 0 ? 1 : shape[axis];
            if (rank > 0) {
                if (static_cast<int64_t>(outputShape[axis]) + along > std::numeric_limits<int32_t>::max())
                    return ctx.error("the concatenated axis is too long");
                outputShape[axis] += static_cast<int32_t>(along);
            }
            runElements_.push_back(along * inner);
            runBytes_.push_back(static_cast<size_t>(along * inner) * elementSize);
        }

        // Quantization rules of concatenation.cc.
        rescale_.assign(count, Rescale{});
        uint8Rescaling_ = false;
        const Tensor& output = ctx.outputTensor(0);
        // The reference runtime's XNNPACK delegate takes 2 to 4 float32/int8/uint8 inputs and
        // concatenates their stored bytes without looking at the quantization parameters.
        const bool xnnpackCopy = ctx.mode() == KernelMode::Xnnpack && count >= 2 && count <= 4 && rank > 0 &&
                                 (dtype == DType::Float32 || dtype == DType::Int8 || dtype == DType::UInt8);
        if (xnnpackCopy) return ctx.setOutputShape(0, outputShape);
        if (dtype == DType::Int8 || dtype == DType::Int16 || dtype == DType::UInt8) {
            int32_t qmin = 0, qmax = 0;
            layout::quantizedTypeRange(dtype, &qmin, &qmax);
            if (dtype == DType::UInt8 || output.isQuantized())
                RF_RETURN_IF_ERROR(layout::expectPerTensorQuantization(ctx, output, outputLabel(ctx, 0), qmin, qmax));
            for (int i = 0; i < count; ++i) {
                const Tensor& input = ctx.inputTensor(i);
                if (dtype == DType::Int8 && !layout::sameQuantization(input, output))
                    return ctx.error("int8 " + inputLabel(ctx, i) + " must have the scale and zero point of " +
                                     outputLabel(ctx, 0) + " (TFLite's int8 CONCATENATION does not rescale)");
                if (dtype == DType::Int16 && (input.quant.zeroPoint() != 0 || output.quant.zeroPoint() != 0))
                    return ctx.error("int16 CONCATENATION needs zero points of 0 on " + inputLabel(ctx, i) + " and " +
                                     outputLabel(ctx, 0));
                if (dtype == DType::UInt8) {
                    RF_RETURN_IF_ERROR(layout::expectPerTensorQuantization(ctx, input, inputLabel(ctx, i), qmin, qmax));
                    const float inputScale = input.quant.scale();
                    const auto inputZeroPoint = static_cast<int32_t>(input.quant.zeroPoint());
                    if (inputScale == output.quant.scale() && inputZeroPoint == output.quant.zeroPoint()) continue;
                    // ConcatenationWithScaling, all in float as TFLite computes it.
                    const float inverseOutputScale = 1.0f / output.quant.scale();
                    Rescale& r = rescale_[i];
                    r.active = true;
                    r.scale = inputScale * inverseOutputScale;
                    r.bias = static_cast<float>(-inputZeroPoint) * r.scale;
                    r.outputZeroPoint = static_cast<int32_t>(output.quant.zeroPoint());
                    uint8Rescaling_ = true;
                }
            }
        }
        return ctx.setOutputShape(0, outputShape);
    }

    void eval(OpContext& ctx) override
    {
        const int count = ctx.inputCount();
        if (!uint8Rescaling_) {
            std::vector<const std::byte*> inputs(count);
            for (int i = 0; i < count; ++i) inputs[i] = ctx.input(i).bytes();
            kernels::concatenateBytes(inputs, runBytes_, outer_, ctx.output(0).bytes());
            return;
        }
        uint8_t* out = ctx.output(0).data<uint8_t>();
        for (int64_t k = 0; k < outer_; ++k)
            for (int i = 0; i < count; ++i) {
                const uint8_t* in = ctx.input(i).data<uint8_t>() + k * runElements_[i];
                const Rescale& r = rescale_[i];
                if (!r.active) {
                    std::copy(in, in + runElements_[i], out);
                } else {
                    for (int64_t j = 0; j < runElements_[i]; ++j) {
                        const float real = static_cast<float>(in[j]) * r.scale + r.bias;
                        const int32_t value = static_cast<int32_t>(std::round(real)) + r.outputZeroPoint;
                        out[j] = static_cast<uint8_t>(std::clamp(value, 0, 255));
                    }
                }
                out += runElements_[i];
            }
    }

private:
    struct Rescale {
        bool active = false;
        float scale = 1.0f;
        float bias = 0.0f;
        int32_t outputZeroPoint = 0;
    };
    int64_t outer_ = 1;
    std::vector<size_t> runBytes_;
    std::vector<int64_t> runElements_;
    std::vector<Rescale> rescale_;
    bool uint8Rescaling_ = false;
};

} // namespace

std::unique_ptr<OpKernel> makeConcatenationKernel()
{
    return std::make_unique<ConcatenationKernel>();
}

} // namespace rf
