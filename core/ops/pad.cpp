#include "ops/pad.h"

#include <cstring>
#include <limits>

#include "kernels/reference/layout.h"
#include "ops/layout_common.h"

namespace rf {

namespace {

using layout::inputLabel;
using layout::outputLabel;

class PadKernel : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(2, 3, 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::Float16, DType::UInt8, DType::Int8,
                                                   DType::Int16, DType::Int32, DType::Int64, DType::Bool}));
        RF_RETURN_IF_ERROR(layout::expectOutputTypeMatchesInput(ctx));
        const Tensor& input = ctx.inputTensor(0);
        const Tensor& output = ctx.outputTensor(0);
        const Shape& shape = ctx.input(0).shape();
        const size_t rank = shape.size();

        RF_ASSIGN_OR_RETURN(const std::vector<int64_t> paddings, layout::constantIntegers(ctx, 1, "the paddings"));
        const Shape& paddingsShape = ctx.input(1).shape();
        if (paddingsShape.size() != 2 || paddingsShape[1] != 2 || static_cast<size_t>(paddingsShape[0]) != rank)
            return ctx.error("the paddings " + inputLabel(ctx, 1) + " have shape " + shapeToString(paddingsShape) +
                             "; " + inputLabel(ctx, 0) + " of rank " + std::to_string(rank) + " needs [" +
                             std::to_string(rank) + ", 2]");
        before_.assign(rank, 0);
        after_.assign(rank, 0);
        inputDims_.assign(shape.begin(), shape.end());
        Shape outputShape(rank);
        for (size_t d = 0; d < rank; ++d) {
            before_[d] = paddings[2 * d];
            after_[d] = paddings[2 * d + 1];
            if (before_[d] < 0 || after_[d] < 0)
                return ctx.error("the paddings " + inputLabel(ctx, 1) + " hold a negative value on dimension " +
                                 std::to_string(d) + "; padding must be >= 0");
            const int64_t size = before_[d] + shape[d] + after_[d];
            if (size > std::numeric_limits<int32_t>::max())
                return ctx.error("padding dimension " + std::to_string(d) + " of " + inputLabel(ctx, 0) + " overflows");
            outputShape[d] = static_cast<int32_t>(size);
        }

        // Fold unpadded trailing dimensions into the one before them (NHWC images are padded
        // in H and W only), so the innermost copy moves whole rows instead of single pixels.
        while (inputDims_.size() > 1 && before_.back() == 0 && after_.back() == 0) {
            const int64_t inner = inputDims_.back();
            inputDims_.pop_back();
            before_.pop_back();
            after_.pop_back();
            inputDims_.back() *= inner;
            before_.back() *= inner;
            after_.back() *= inner;
        }

        elementSize_ = dtypeSize(input.dtype);
        padValue_ = 0;
        hasPadValueInput_ = ctx.hasInput(2);
        // uint8 is always treated as quantized; int8/int16 only when they carry parameters.
        const bool quantized =
            input.dtype == DType::UInt8 || ((input.dtype == DType::Int8 || input.dtype == DType::Int16) && input.isQuantized());
        if (hasPadValueInput_) {
            const Tensor& padTensor = ctx.inputTensor(2);
            if (padTensor.dtype != input.dtype)
                return ctx.error("the pad value " + inputLabel(ctx, 2) + " has type " + std::string(dtypeName(padTensor.dtype)) +
                                 " but " + inputLabel(ctx, 0) + " has type " + std::string(dtypeName(input.dtype)));
            if (ctx.input(2).elementCount() != 1)
                return ctx.error("the pad value " + inputLabel(ctx, 2) + " must hold exactly one element, not " +
                                 std::to_string(ctx.input(2).elementCount()));
            if (quantized && (padTensor.quant.empty() != output.quant.empty() ||
                              (!output.quant.empty() && (padTensor.quant.scale() != output.quant.scale() ||
                                                         padTensor.quant.zeroPoint() != output.quant.zeroPoint()))))
                return ctx.error("the pad value " + inputLabel(ctx, 2) + " must have the scale and zero point of " +
                                 outputLabel(ctx, 0));
        } else if (quantized) {
            int32_t qmin = 0, qmax = 0;
            layout::quantizedTypeRange(input.dtype, &qmin, &qmax);
            const int64_t zeroPoint = output.quant.zeroPoint();
            if (zeroPoint < qmin || zeroPoint > qmax)
                return ctx.error(outputLabel(ctx, 0) + " has zero point " + std::to_string(zeroPoint) +
                                 " outside the range of " + std::string(dtypeName(input.dtype)));
            // The padding holds real 0, i.e. the output zero point, as stored bytes.
            const auto stored = static_cast<int64_t>(zeroPoint);
            std::memcpy(&padValue_, &stored, elementSize_); // little-endian: the low bytes are the value
        }
        return ctx.setOutputShape(0, outputShape);
    }

    void eval(OpContext& ctx) override
    {
        uint64_t value = padValue_;
        if (hasPadValueInput_) std::memcpy(&value, ctx.input(2).bytes(), elementSize_);
        kernels::pad(ctx.input(0).bytes(), ctx.output(0).bytes(), inputDims_, before_, after_, elementSize_, &value);
    }

private:
    std::vector<int64_t> inputDims_, before_, after_;
    size_t elementSize_ = 1;
    uint64_t padValue_ = 0;
    bool hasPadValueInput_ = false;
};

} // namespace

std::unique_ptr<OpKernel> makePadKernel()
{
    return std::make_unique<PadKernel>();
}

} // namespace rf
