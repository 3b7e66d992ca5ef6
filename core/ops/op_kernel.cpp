#include "ops/op_kernel.h"

namespace rf {

Status OpContext::setOutputShape(int i, const Shape& shape)
{
    const Tensor& declared = outputTensor(i);
    // Shapes computed from constant operands (PAD paddings, RESHAPE targets) come from the
    // untrusted model, so refuse negative or absurdly large ones before allocating.
    int64_t count = 1;
    for (int32_t dim : shape) {
        if (dim < 0)
            return error("output " + graph_.tensorLabel(op().outputs[i]) + " would have the negative shape " +
                         shapeToString(shape));
        if (dim != 0 && count > (int64_t{1} << 40) / dim)
            return error("output " + graph_.tensorLabel(op().outputs[i]) + " would have the oversized shape " +
                         shapeToString(shape));
        count *= dim;
    }
    if (!declared.shape.empty() && elementCount(declared.shape) != elementCount(shape))
        return error("output " + graph_.tensorLabel(op().outputs[i]) + " is declared with shape " +
                     shapeToString(declared.shape) + " but the op produces " + shapeToString(shape));
    output(i).reset(declared.dtype, shape);
    return Status::ok();
}

Status OpContext::error(const std::string& message) const
{
    return Status::error(graph_.opLabel(opIndex_) + ": " + message);
}

Status OpContext::expectArity(int minInputs, int maxInputs, int outputs) const
{
    if (inputCount() < minInputs || inputCount() > maxInputs) {
        const std::string expected =
            minInputs == maxInputs ? std::to_string(minInputs) : std::to_string(minInputs) + " to " + std::to_string(maxInputs);
        return error("expects " + expected + " inputs, has " + std::to_string(inputCount()));
    }
    for (int i = 0; i < minInputs; ++i)
        if (!hasInput(i)) return error("required input " + std::to_string(i) + " is missing");
    if (outputCount() != outputs)
        return error("expects " + std::to_string(outputs) + " outputs, has " + std::to_string(outputCount()));
    return Status::ok();
}

Status OpContext::expectInputType(int i, std::initializer_list<DType> allowed) const
{
    const DType type = inputTensor(i).dtype;
    std::string names;
    for (DType candidate : allowed) {
        if (candidate == type) return Status::ok();
        names += (names.empty() ? "" : ", ") + std::string(dtypeName(candidate));
    }
    return error("input " + std::to_string(i) + " " + graph_.tensorLabel(op().inputs[i]) + " has type " +
                 std::string(dtypeName(type)) + "; supported: " + names);
}

} // namespace rf
