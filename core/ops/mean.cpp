#include "ops/mean.h"

#include <algorithm>
#include <limits>

#include "kernels/reference/reduce.h"
#include "ops/layout_common.h"

namespace rf {

namespace {

using layout::inputLabel;
using layout::outputLabel;

class MeanKernel : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(2, 2, 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(
            0, {DType::Float32, DType::UInt8, DType::Int8, DType::Int16, DType::Int32, DType::Int64}));
        RF_RETURN_IF_ERROR(layout::expectOutputTypeMatchesInput(ctx));
        RF_ASSIGN_OR_RETURN(const std::vector<int64_t> axes, layout::constantIntegers(ctx, 1, "the axes"));
        const Shape& inputShape = ctx.input(0).shape();
        const int rank = static_cast<int>(inputShape.size());
        const bool keepDims = ctx.op().attrs.keepDims;

        std::vector<bool> reduced(static_cast<size_t>(rank), false);
        std::vector<int> resolved;
        for (int64_t axis : axes) {
            if (rank == 0) break; // TFLite ignores the axes of a scalar.
            const int normalized = layout::normalizeAxis(axis, rank);
            if (normalized < 0)
                return ctx.error("axis " + std::to_string(axis) + " is out of range for " + inputLabel(ctx, 0) +
                                 " of rank " + std::to_string(rank));
            if (!reduced[normalized]) resolved.push_back(normalized);
            reduced[normalized] = true;
        }
        Shape outputShape;
        for (int d = 0; d < rank; ++d) {
            if (!reduced[d]) outputShape.push_back(inputShape[d]);
            else if (keepDims) outputShape.push_back(1);
        }
        plan_ = kernels::planReduction(inputShape, reduced);
        dtype_ = ctx.inputTensor(0).dtype;
        // TFLite fills the output of an empty input's mean with quiet NaN (0 for integers).
        emptyInput_ = elementCount(inputShape) == 0;

        // Means over H and W of a 4-D NHWC tensor get dedicated kernels in both runtimes.
        std::vector<int> sortedAxes = resolved;
        std::sort(sortedAxes.begin(), sortedAxes.end());
        const bool overHeightWidth = rank == 4 && axes.size() == 2 && sortedAxes == std::vector<int>{1, 2};
        // The delegate compared the raw axis values (no negative axes) and wants no more than two.
        const bool xnnpackAxes =
            rank == 4 && axes.size() == 2 && std::min(axes[0], axes[1]) == 1 && std::max(axes[0], axes[1]) == 2;
        const bool xnnpack = ctx.mode() == KernelMode::Xnnpack;
        batches_ = rank == 4 ? inputShape[0] : 0;
        pixels_ = rank == 4 ? static_cast<int64_t>(inputShape[1]) * inputShape[2] : 0;
        channels_ = rank == 4 ? inputShape[3] : 0;

        switch (dtype_) {
        case DType::Float32:
            path_ = xnnpack && xnnpackAxes ? Path::XnnpackFloatHW : Path::Float;
            break;
        case DType::Int32: path_ = Path::Int32; break;
        case DType::Int64: path_ = Path::Int64; break;
        default: {
            const Tensor& input = ctx.inputTensor(0);
            const Tensor& output = ctx.outputTensor(0);
            int32_t qmin = 0, qmax = 0;
            layout::quantizedTypeRange(dtype_, &qmin, &qmax);
            RF_RETURN_IF_ERROR(layout::expectPerTensorQuantization(ctx, input, inputLabel(ctx, 0), qmin, qmax));
            RF_RETURN_IF_ERROR(layout::expectPerTensorQuantization(ctx, output, outputLabel(ctx, 0), qmin, qmax));
            inputZeroPoint_ = static_cast<int32_t>(input.quant.zeroPoint());
            outputZeroPoint_ = static_cast<int32_t>(output.quant.zeroPoint());
            inputScale_ = input.quant.scale();
            outputScale_ = output.quant.scale();
            if (dtype_ == DType::Int16 && (inputZeroPoint_ != 0 || outputZeroPoint_ != 0))
                return ctx.error("int16 MEAN needs zero points of 0 on " + inputLabel(ctx, 0) + " and " +
                                 outputLabel(ctx, 0));
            const float ratio = inputScale_ / outputScale_;
            const bool xnnpackScale = ratio >= 0x1.0p-8f && ratio < 0x1.0p+8f;
            if (xnnpack && xnnpackAxes && dtype_ != DType::Int16 && xnnpackScale) {
                path_ = Path::XnnpackQuantizedHW;
            } else if (dtype_ != DType::Int16 && keepDims && overHeightWidth) {
                path_ = Path::QuantizedHW;
                hwParams_ = kernels::quantizedMeanHWParams(inputZeroPoint_, inputScale_, outputZeroPoint_, outputScale_,
                                                           pixels_);
            } else if (xnnpack && !(dtype_ == DType::Int16 && keepDims && overHeightWidth)) {
                // Not delegated: the reference runtime's own (older) TFLite kernel runs it.
                path_ = Path::LegacyQuantized;
            } else {
                path_ = Path::QuantizedGeneral;
                int32_t multiplier = 0;
                int shift = 0;
                fixed_point::quantizeMultiplier(static_cast<double>(inputScale_) / static_cast<double>(outputScale_),
                                                &multiplier, &shift);
                generalParams_ = kernels::quantizedMeanParams(multiplier, shift, inputZeroPoint_, outputZeroPoint_,
                                                              plan_.reducedCount);
            }
            break;
        }
        }
        return ctx.setOutputShape(0, outputShape);
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& in = ctx.input(0);
        TensorValue& out = ctx.output(0);
        if (emptyInput_) {
            if (dtype_ == DType::Float32) std::fill_n(out.data<float>(), out.elementCount(), std::numeric_limits<float>::quiet_NaN());
            else std::fill_n(out.bytes(), out.byteSize(), std::byte{0});
            return;
        }
        switch (path_) {
        case Path::Float: kernels::meanF32(plan_, in.data<float>(), out.data<float>()); break;
        case Path::XnnpackFloatHW:
            kernels::xnnpackMeanHWF32(in.data<float>(), out.data<float>(), batches_, pixels_, channels_);
            break;
        case Path::Int32: kernels::meanInteger(plan_, in.data<int32_t>(), out.data<int32_t>()); break;
        case Path::Int64: kernels::meanInteger(plan_, in.data<int64_t>(), out.data<int64_t>()); break;
        case Path::QuantizedGeneral:
            if (dtype_ == DType::Int8) kernels::quantizedMeanGeneral(plan_, in.data<int8_t>(), out.data<int8_t>(), generalParams_);
            else if (dtype_ == DType::UInt8)
                kernels::quantizedMeanGeneral(plan_, in.data<uint8_t>(), out.data<uint8_t>(), generalParams_);
            else kernels::quantizedMeanGeneral(plan_, in.data<int16_t>(), out.data<int16_t>(), generalParams_);
            break;
        case Path::LegacyQuantized:
            if (dtype_ == DType::Int8)
                kernels::legacyQuantizedMean(plan_, in.data<int8_t>(), out.data<int8_t>(), inputZeroPoint_, inputScale_,
                                             outputZeroPoint_, outputScale_);
            else if (dtype_ == DType::UInt8)
                kernels::legacyQuantizedMean(plan_, in.data<uint8_t>(), out.data<uint8_t>(), inputZeroPoint_, inputScale_,
                                             outputZeroPoint_, outputScale_);
            else
                kernels::legacyQuantizedMean(plan_, in.data<int16_t>(), out.data<int16_t>(), inputZeroPoint_, inputScale_,
                                             outputZeroPoint_, outputScale_);
            break;
        case Path::QuantizedHW:
            if (dtype_ == DType::Int8)
                kernels::quantizedMeanHW(in.data<int8_t>(), out.data<int8_t>(), batches_, pixels_, channels_, hwParams_);
            else kernels::quantizedMeanHW(in.data<uint8_t>(), out.data<uint8_t>(), batches_, pixels_, channels_, hwParams_);
            break;
        case Path::XnnpackQuantizedHW:
            if (dtype_ == DType::Int8)
                kernels::xnnpackQuantizedMeanHW(in.data<int8_t>(), out.data<int8_t>(), batches_, pixels_, channels_,
                                                inputZeroPoint_, inputScale_, outputZeroPoint_, outputScale_);
            else
                kernels::xnnpackQuantizedMeanHW(in.data<uint8_t>(), out.data<uint8_t>(), batches_, pixels_, channels_,
                                                inputZeroPoint_, inputScale_, outputZeroPoint_, outputScale_);
            break;
        }
    }

private:
    enum class Path { Float, XnnpackFloatHW, Int32, Int64, QuantizedGeneral, LegacyQuantized, QuantizedHW, XnnpackQuantizedHW };
    Path path_ = Path::Float;
    DType dtype_ = DType::Unknown;
    kernels::ReductionPlan plan_;
    bool emptyInput_ = false;
    int64_t batches_ = 0, pixels_ = 0, channels_ = 0;
    int32_t inputZeroPoint_ = 0, outputZeroPoint_ = 0;
    float inputScale_ = 1.0f, outputScale_ = 1.0f;
    kernels::QuantizedMeanParams generalParams_;
    kernels::QuantizedMeanHWParams hwParams_;
};

} // namespace

std::unique_ptr<OpKernel> makeMeanKernel()
{
    return std::make_unique<MeanKernel>();
}

} // namespace rf
