#include "ops/strided_slice.h"

#include <algorithm>
#include <limits>

#include "kernels/reference/layout.h"
#include "ops/layout_common.h"

namespace rf {

namespace {

using layout::inputLabel;

bool bit(uint32_t mask, int i)
{
    return i >= 0 && i < 32 && (mask & (uint32_t{1} << i)) != 0;
}

class StridedSliceKernel : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(4, 4, 1));
        RF_RETURN_IF_ERROR(layout::expectOutputTypeMatchesInput(ctx));
        const DType dtype = ctx.inputTensor(0).dtype;
        elementSize_ = dtypeSize(dtype);
        if (elementSize_ != 1 && elementSize_ != 2 && elementSize_ != 4 && elementSize_ != 8)
            return ctx.error(inputLabel(ctx, 0) + " has an element type STRIDED_SLICE cannot copy");
        for (int i = 1; i <= 3; ++i)
            if (ctx.inputTensor(i).dtype != DType::Int32 || ctx.input(i).rank() != 1)
                return ctx.error(inputLabel(ctx, i) + " must be a 1-D int32 tensor (it has type " +
                                 std::string(dtypeName(ctx.inputTensor(i).dtype)) + " and shape " +
                                 shapeToString(ctx.input(i).shape()) + ")");
        RF_ASSIGN_OR_RETURN(const std::vector<int64_t> beginData, layout::constantIntegers(ctx, 1, "the begin indices"));
        RF_ASSIGN_OR_RETURN(const std::vector<int64_t> endData, layout::constantIntegers(ctx, 2, "the end indices"));
        RF_ASSIGN_OR_RETURN(const std::vector<int64_t> strideData, layout::constantIntegers(ctx, 3, "the strides"));
        const int count = static_cast<int>(beginData.size());
        if (endData.size() != beginData.size() || strideData.size() != beginData.size())
            return ctx.error("begin, end and strides have " + std::to_string(beginData.size()) + ", " +
                             std::to_string(endData.size()) + " and " + std::to_string(strideData.size()) +
                             " elements; they must have the same number");
        if (count > 31) return ctx.error("STRIDED_SLICE supports at most 31 indices, not " + std::to_string(count));

        const OpAttributes& attrs = ctx.op().attrs;
        const auto beginMaskIn = static_cast<uint32_t>(attrs.beginMask);
        const auto endMaskIn = static_cast<uint32_t>(attrs.endMask);
        const auto ellipsisMask = static_cast<uint32_t>(attrs.ellipsisMask);
        const auto newAxisMask = static_cast<uint32_t>(attrs.newAxisMask);
        const auto shrinkMaskIn = static_cast<uint32_t>(attrs.shrinkAxisMask);
        const bool offset = attrs.offset;
        const Shape& inputShape = ctx.input(0).shape();
        const int inputRank = static_cast<int>(inputShape.size());

        // BuildStridedSliceParams: expand the ellipsis and new axes into an effective
        // input shape with one begin/end/stride and mask bit per dimension.
        int addedAxes = 0;
        for (int i = 0; i < count; ++i)
            if (!bit(ellipsisMask, i) && bit(newAxisMask, i)) ++addedAxes;
        const int dims = inputRank + addedAxes;
        if (dims > 31) return ctx.error("the slice has too many dimensions");
        // TFLite silently ignores indices beyond the (expanded) rank; such a model is malformed.
        if (count > dims)
            return ctx.error("the slice specification (" + std::to_string(count) + " indices) does not fit " +
                             inputLabel(ctx, 0) + " of rank " + std::to_string(inputRank));
        std::vector<int64_t> start(dims, 0), stop(dims, 0), stride(dims, 1), endIndexForShape(dims, 0);
        std::vector<int64_t> effectiveShape(dims, 1);
        uint32_t beginMask = 0, endMask = 0, shrinkMask = 0;
        uint32_t effectiveEllipsis = 0, effectiveNewAxis = 0;
        int ellipsisStart = dims, expandedEllipsis = 0;
        for (int i = 0; i < dims;) {
            if (bit(ellipsisMask, i)) {
                ellipsisStart = i;
                const int ellipsisEnd = std::max(i + 1, std::min(i + 1 + addedAxes + inputRank - count, dims));
                expandedEllipsis = ellipsisEnd - ellipsisStart - 1;
                for (; i < ellipsisEnd; ++i) effectiveEllipsis |= uint32_t{1} << i;
                continue;
            }
            if (bit(newAxisMask, i - expandedEllipsis)) effectiveNewAxis |= uint32_t{1} << i;
            ++i;
        }
        int addedEllipsis = 0, added = 0;
        for (int i = 0; i < dims; ++i) {
            const auto dimBit = uint32_t{1} << i;
            if (!(effectiveNewAxis & dimBit) && (i - added < 0 || i - added >= inputRank))
                return ctx.error("the slice specification does not fit " + inputLabel(ctx, 0) + " of rank " +
                                 std::to_string(inputRank));
            if (effectiveEllipsis & dimBit) {
                addedEllipsis = std::max(0, i - ellipsisStart);
                beginMask |= dimBit;
                endMask |= dimBit;
                effectiveShape[i] = inputShape[i - added];
            } else if (effectiveNewAxis & dimBit) {
                start[i] = 0;
                stop[i] = 1;
                effectiveShape[i] = 1;
                ++added;
            } else if (i >= count + expandedEllipsis) {
                beginMask |= dimBit;
                endMask |= dimBit;
                effectiveShape[i] = inputShape[i - added];
            } else {
                const int original = i - addedEllipsis;
                start[i] = beginData[original];
                stop[i] = endData[original];
                endIndexForShape[i] = endData[original];
                stride[i] = strideData[original];
                if (bit(beginMaskIn, original)) beginMask |= dimBit;
                if (bit(endMaskIn, original)) endMask |= dimBit;
                if (bit(shrinkMaskIn, original)) shrinkMask |= dimBit;
                effectiveShape[i] = inputShape[i - added];
            }
        }

        std::vector<int64_t> inputStride(dims, 1);
        for (int d = dims - 2; d >= 0; --d) inputStride[d] = inputStride[d + 1] * effectiveShape[d + 1];
        gather_.clear();
        Shape outputShape;
        for (int d = 0; d < dims; ++d) {
            if (stride[d] == 0) return ctx.error("stride " + std::to_string(d) + " is zero");
            const int64_t size = effectiveShape[d];
            const int64_t s = stride[d];
            // reference_ops::StartForAxis / EndForAxis.
            int64_t first = start[d];
            if (first < 0) first += size;
            first = s > 0 ? std::clamp<int64_t>(first, 0, size) : std::clamp<int64_t>(first, -1, size - 1);
            if (beginMask & (uint32_t{1} << d)) first = s > 0 ? 0 : size - 1;
            int64_t last;
            const bool shrink = shrinkMask & (uint32_t{1} << d);
            if (shrink) {
                last = first >= size ? first : first + 1;
            } else {
                last = stop[d] + (offset ? first : 0);
                if (last < 0) last += size;
                last = s > 0 ? std::clamp<int64_t>(last, 0, size) : std::clamp<int64_t>(last, -1, size - 1);
                if (endMask & (uint32_t{1} << d)) last = s > 0 ? size : -1;
            }
            int64_t steps = 0;
            if (s > 0 && first < last) steps = (last - first - 1) / s + 1;
            if (s < 0 && first > last) steps = (first - last - 1) / (-s) + 1;
            if (shrink) {
                if (steps != 1)
                    return ctx.error("shrink_axis index " + std::to_string(start[d]) + " is out of range for dimension " +
                                     std::to_string(d) + " of size " + std::to_string(size));
            } else {
                // The output extent as TFLite's ResizeOutputTensor computes it.
                int64_t extent = offset ? endIndexForShape[d] : last - first;
                if ((extent < 0) != (s < 0)) extent = 0;
                else if (s < 0) extent = (extent + 1) / s + 1;
                else extent = extent == 0 ? 0 : (extent - 1) / s + 1;
                if (extent != steps)
                    return ctx.error("the offset slice on dimension " + std::to_string(d) + " asks for " +
                                     std::to_string(extent) + " elements but the input provides " + std::to_string(steps));
                outputShape.push_back(static_cast<int32_t>(extent));
            }
            gather_.push_back({first * inputStride[d], s * inputStride[d], steps});
        }
        return ctx.setOutputShape(0, outputShape);
    }

    void eval(OpContext& ctx) override
    {
        kernels::stridedGather(ctx.input(0).bytes(), ctx.output(0).bytes(), gather_, elementSize_);
    }

private:
    std::vector<kernels::GatherDim> gather_;
    size_t elementSize_ = 1;
};

} // namespace

std::unique_ptr<OpKernel> makeStridedSliceKernel()
{
    return std::make_unique<StridedSliceKernel>();
}

} // namespace rf
