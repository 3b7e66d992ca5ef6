#include "ops/squeeze.h"

#include <cstring>

#include "ops/layout_common.h"

namespace rf {

namespace {

using layout::inputLabel;

class SqueezeKernel : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(1, 1, 1));
        RF_RETURN_IF_ERROR(layout::expectOutputTypeMatchesInput(ctx));
        if (dtypeSize(ctx.inputTensor(0).dtype) == 0)
            return ctx.error(inputLabel(ctx, 0) + " has an element type SQUEEZE cannot copy");
        const Shape& shape = ctx.input(0).shape();
        const int rank = static_cast<int>(shape.size());
        const std::vector<int32_t>& dims = ctx.op().attrs.squeezeDims;
        std::vector<bool> remove(static_cast<size_t>(rank), false);
        if (dims.empty()) {
            for (int d = 0; d < rank; ++d) remove[d] = shape[d] == 1;
        } else {
            for (int32_t dim : dims) {
                const int d = layout::normalizeAxis(dim, rank);
                if (d < 0)
                    return ctx.error("squeeze dimension " + std::to_string(dim) + " is out of range for " +
                                     inputLabel(ctx, 0) + " of rank " + std::to_string(rank));
                if (shape[d] != 1)
                    return ctx.error("cannot squeeze dimension " + std::to_string(dim) + " of " + inputLabel(ctx, 0) +
                                     " with shape " + shapeToString(shape) + ": its size is not 1");
                remove[d] = true;
            }
        }
        Shape outputShape;
        for (int d = 0; d < rank; ++d)
            if (!remove[d]) outputShape.push_back(shape[d]);
        return ctx.setOutputShape(0, outputShape);
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& in = ctx.input(0);
        if (in.byteSize()) std::memcpy(ctx.output(0).bytes(), in.bytes(), in.byteSize());
    }
};

} // namespace

std::unique_ptr<OpKernel> makeSqueezeKernel()
{
    return std::make_unique<SqueezeKernel>();
}

} // namespace rf
