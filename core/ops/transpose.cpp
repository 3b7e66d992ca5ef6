#include "ops/transpose.h"

#include "kernels/reference/layout.h"
#include "ops/layout_common.h"

namespace rf {

namespace {

using layout::inputLabel;

class TransposeKernel : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(2, 2, 1));
        RF_RETURN_IF_ERROR(layout::expectOutputTypeMatchesInput(ctx));
        elementSize_ = dtypeSize(ctx.inputTensor(0).dtype);
        if (elementSize_ != 1 && elementSize_ != 2 && elementSize_ != 4 && elementSize_ != 8)
            return ctx.error(inputLabel(ctx, 0) + " has an element type TRANSPOSE cannot copy");
        RF_ASSIGN_OR_RETURN(const std::vector<int64_t> perm, layout::constantIntegers(ctx, 1, "the permutation"));
        const Shape& shape = ctx.input(0).shape();
        const int rank = static_cast<int>(shape.size());
        if (ctx.input(1).rank() != 1 || static_cast<int>(perm.size()) != rank)
            return ctx.error("the permutation " + inputLabel(ctx, 1) + " has " + std::to_string(perm.size()) +
                             " elements but " + inputLabel(ctx, 0) + " has rank " + std::to_string(rank));
        if (rank > 6) return ctx.error("TRANSPOSE supports at most 6 dimensions, not " + std::to_string(rank));
        std::vector<int64_t> inputStride(rank, 1);
        for (int d = rank - 2; d >= 0; --d) inputStride[d] = inputStride[d + 1] * shape[d + 1];
        std::vector<bool> used(rank, false);
        Shape outputShape;
        gather_.clear();
        for (int d = 0; d < rank; ++d) {
            const int64_t source = perm[d];
            if (source < 0 || source >= rank || used[source])
                return ctx.error("the permutation " + inputLabel(ctx, 1) + " is not a permutation of 0.." +
                                 std::to_string(rank - 1));
            used[source] = true;
            outputShape.push_back(shape[source]);
            gather_.push_back({0, inputStride[source], shape[source]});
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

std::unique_ptr<OpKernel> makeTransposeKernel()
{
    return std::make_unique<TransposeKernel>();
}

} // namespace rf
