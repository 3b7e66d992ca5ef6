#include "ops/split.h"

#include "kernels/reference/layout.h"
#include "ops/layout_common.h"

namespace rf {

namespace {

using layout::inputLabel;

class SplitKernel : public OpKernel {
public:
    explicit SplitKernel(bool variableSizes) : variableSizes_(variableSizes) {}

    Status prepare(OpContext& ctx) override
    {
        // SPLIT: (axis, input); SPLIT_V: (input, size_splits, axis).
        const int dataInput = variableSizes_ ? 0 : 1;
        const int axisInput = variableSizes_ ? 2 : 0;
        const int outputs = ctx.outputCount();
        const int numSplits = ctx.op().attrs.numSplits;
        if (outputs < 1) return ctx.error("expects at least one output");
        RF_RETURN_IF_ERROR(ctx.expectArity(variableSizes_ ? 3 : 2, variableSizes_ ? 3 : 2, outputs));
        if (numSplits != outputs)
            return ctx.error("num_splits is " + std::to_string(numSplits) + " but the op has " + std::to_string(outputs) +
                             " outputs");
        const DType dtype = ctx.inputTensor(dataInput).dtype;
        for (int o = 0; o < outputs; ++o)
            RF_RETURN_IF_ERROR(layout::expectOutputTypeMatchesInput(ctx, dataInput, o));
        RF_ASSIGN_OR_RETURN(const std::vector<int64_t> axisValues, layout::constantIntegers(ctx, axisInput, "the axis"));
        if (axisValues.size() != 1)
            return ctx.error("the axis " + inputLabel(ctx, axisInput) + " must hold one value, not " +
                             std::to_string(axisValues.size()));
        const Shape& shape = ctx.input(dataInput).shape();
        const int rank = static_cast<int>(shape.size());
        const int axis = layout::normalizeAxis(axisValues[0], rank);
        if (axis < 0)
            return ctx.error("axis " + std::to_string(axisValues[0]) + " is out of range for " +
                             inputLabel(ctx, dataInput) + " of rank " + std::to_string(rank));

        std::vector<int64_t> sizes;
        if (!variableSizes_) {
            if (shape[axis] % numSplits != 0)
                return ctx.error("dimension " + std::to_string(axis) + " (size " + std::to_string(shape[axis]) + ") of " +
                                 inputLabel(ctx, dataInput) + " does not divide into " + std::to_string(numSplits) +
                                 " equal parts");
            sizes.assign(numSplits, shape[axis] / numSplits);
        } else {
            RF_ASSIGN_OR_RETURN(sizes, layout::constantIntegers(ctx, 1, "the split sizes"));
            if (static_cast<int>(sizes.size()) != numSplits)
                return ctx.error("the split sizes " + inputLabel(ctx, 1) + " hold " + std::to_string(sizes.size()) +
                                 " values for " + std::to_string(numSplits) + " outputs");
            int inferred = -1;
            int64_t known = 0;
            for (int i = 0; i < numSplits; ++i) {
                if (sizes[i] == -1) {
                    if (inferred >= 0) return ctx.error("the split sizes " + inputLabel(ctx, 1) + " have more than one -1");
                    inferred = i;
                } else if (sizes[i] < 0) {
                    return ctx.error("the split sizes " + inputLabel(ctx, 1) + " hold the negative size " +
                                     std::to_string(sizes[i]));
                } else {
                    known += sizes[i];
                }
            }
            if (inferred >= 0) {
                if (known > shape[axis])
                    return ctx.error("the split sizes " + inputLabel(ctx, 1) + " exceed dimension " + std::to_string(axis) +
                                     " of size " + std::to_string(shape[axis]));
                sizes[inferred] = shape[axis] - known;
            } else if (known != shape[axis]) {
                return ctx.error("the split sizes " + inputLabel(ctx, 1) + " add up to " + std::to_string(known) +
                                 " but dimension " + std::to_string(axis) + " has size " + std::to_string(shape[axis]));
            }
        }

        outer_ = 1;
        for (int d = 0; d < axis; ++d) outer_ *= shape[d];
        int64_t inner = 1;
        for (int d = axis + 1; d < rank; ++d) inner *= shape[d];
        dataInput_ = dataInput;
        runBytes_.clear();
        for (int o = 0; o < outputs; ++o) {
            Shape outputShape = shape;
            outputShape[axis] = static_cast<int32_t>(sizes[o]);
            runBytes_.push_back(static_cast<size_t>(sizes[o] * inner) * dtypeSize(dtype));
            RF_RETURN_IF_ERROR(ctx.setOutputShape(o, outputShape));
        }
        return Status::ok();
    }

    void eval(OpContext& ctx) override
    {
        std::vector<std::byte*> outputs(static_cast<size_t>(ctx.outputCount()));
        for (int o = 0; o < ctx.outputCount(); ++o) outputs[o] = ctx.output(o).bytes();
        kernels::splitBytes(ctx.input(dataInput_).bytes(), outer_, runBytes_, outputs);
    }

private:
    bool variableSizes_;
    int dataInput_ = 0;
    int64_t outer_ = 1;
    std::vector<size_t> runBytes_;
};

} // namespace

std::unique_ptr<OpKernel> makeSplitKernel()
{
    return std::make_unique<SplitKernel>(false);
}

std::unique_ptr<OpKernel> makeSplitVKernel()
{
    return std::make_unique<SplitKernel>(true);
}

} // namespace rf
