#include "ops/reshape.h"

#include <cstring>
#include <limits>

#include "ops/layout_common.h"

namespace rf {

namespace {

using layout::inputLabel;

class ReshapeKernel : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(1, 2, 1));
        RF_RETURN_IF_ERROR(layout::expectOutputTypeMatchesInput(ctx));
        if (dtypeSize(ctx.inputTensor(0).dtype) == 0)
            return ctx.error(inputLabel(ctx, 0) + " has an element type RESHAPE cannot copy");

        // TFLite takes the shape from the second input when it is a 1-D integer tensor
        // and falls back to the options otherwise.
        std::vector<int64_t> requested;
        const bool fromTensor = ctx.hasInput(1) && ctx.input(1).rank() == 1 &&
                                (ctx.inputTensor(1).dtype == DType::Int32 || ctx.inputTensor(1).dtype == DType::Int64);
        if (fromTensor) {
            RF_ASSIGN_OR_RETURN(requested, layout::constantIntegers(ctx, 1, "the new shape"));
        } else {
            const std::vector<int32_t>& options = ctx.op().attrs.newShape;
            requested.assign(options.begin(), options.end());
            // Legacy converters wrote [0] to mean a scalar.
            if (requested.size() == 1 && requested[0] == 0) requested.clear();
        }

        const int64_t inputCount = ctx.input(0).elementCount();
        int64_t knownCount = 1;
        int stretch = -1;
        for (size_t d = 0; d < requested.size(); ++d) {
            if (requested[d] == -1) {
                if (stretch >= 0) return ctx.error("the new shape " + describe(requested) + " has more than one -1");
                stretch = static_cast<int>(d);
            } else if (requested[d] < 0 || requested[d] > std::numeric_limits<int32_t>::max()) {
                return ctx.error("the new shape " + describe(requested) + " has an invalid dimension " +
                                 std::to_string(requested[d]));
            } else {
                knownCount *= requested[d];
                if (knownCount > (int64_t{1} << 40))
                    return ctx.error("the new shape " + describe(requested) + " is too large");
            }
        }
        if (stretch >= 0) {
            if (knownCount == 0) {
                if (inputCount != 0)
                    return ctx.error("cannot infer the -1 of new shape " + describe(requested) + " next to a zero dimension");
                requested[stretch] = 0;
            } else {
                requested[stretch] = inputCount / knownCount;
            }
            knownCount *= requested[stretch];
        }
        if (knownCount != inputCount)
            return ctx.error("cannot reshape " + inputLabel(ctx, 0) + " of shape " + shapeToString(ctx.input(0).shape()) +
                             " (" + std::to_string(inputCount) + " elements) to " + describe(requested));
        Shape outputShape(requested.begin(), requested.end());
        return ctx.setOutputShape(0, outputShape);
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& in = ctx.input(0);
        if (in.byteSize()) std::memcpy(ctx.output(0).bytes(), in.bytes(), in.byteSize());
    }

private:
    static std::string describe(const std::vector<int64_t>& dims)
    {
        std::string text = "[";
        for (size_t d = 0; d < dims.size(); ++d) text += (d ? ", " : "") + std::to_string(dims[d]);
        return text + "]";
    }
};

} // namespace

std::unique_ptr<OpKernel> makeReshapeKernel()
{
    return std::make_unique<ReshapeKernel>();
}

} // namespace rf
