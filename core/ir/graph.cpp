#include "ir/graph.h"

#include <limits>

namespace rf {

std::string Graph::opLabel(size_t opIndex) const
{
    std::string label = sourcePath.empty() ? std::string("model") : sourcePath;
    label += ": op #" + std::to_string(opIndex);
    if (opIndex < ops.size()) {
        label += " (" + ops[opIndex].typeName;
        if (!ops[opIndex].layerName.empty()) label += ", layer '" + ops[opIndex].layerName + "'";
        label += ")";
    }
    return label;
}

std::string Graph::tensorLabel(int32_t tensorIndex) const
{
    std::string label = "tensor #" + std::to_string(tensorIndex);
    if (tensorIndex >= 0 && static_cast<size_t>(tensorIndex) < tensors.size())
        label += " '" + tensors[tensorIndex].name + "'";
    return label;
}

Status Graph::validate() const
{
    const std::string file = sourcePath.empty() ? std::string("model") : sourcePath;
    const auto inRange = [&](int32_t index) {
        return index >= 0 && static_cast<size_t>(index) < tensors.size();
    };
    // Shapes must be non-negative and small enough that byte sizes cannot overflow.
    for (size_t t = 0; t < tensors.size(); ++t) {
        const Tensor& tensor = tensors[t];
        int64_t count = 1;
        for (int32_t dim : tensor.shape) {
            if (dim < 0)
                return Status::error(file + ": " + tensorLabel(static_cast<int32_t>(t)) + " has a negative dimension in shape " +
                                     shapeToString(tensor.shape));
            if (dim != 0 && count > (int64_t{1} << 40) / dim)
                return Status::error(file + ": " + tensorLabel(static_cast<int32_t>(t)) + " shape " +
                                     shapeToString(tensor.shape) + " is too large");
            count *= dim;
        }
        if (tensor.isConstant && tensor.data.size() != tensor.byteSize())
            return Status::error(file + ": " + tensorLabel(static_cast<int32_t>(t)) + " holds " +
                                 std::to_string(tensor.data.size()) + " bytes but its shape " + shapeToString(tensor.shape) +
                                 " and type " + std::string(dtypeName(tensor.dtype)) + " need " +
                                 std::to_string(tensor.byteSize()));
        if (!tensor.quant.scales.empty() && tensor.quant.zeroPoints.size() > 1 &&
            tensor.quant.zeroPoints.size() != tensor.quant.scales.size())
            return Status::error(file + ": " + tensorLabel(static_cast<int32_t>(t)) + " has " +
                                 std::to_string(tensor.quant.scales.size()) + " scales but " +
                                 std::to_string(tensor.quant.zeroPoints.size()) + " zero points");
        if (tensor.quant.perAxis()) {
            const int32_t axis = tensor.quant.axis;
            if (axis < 0 || static_cast<size_t>(axis) >= tensor.shape.size() ||
                static_cast<size_t>(tensor.shape[axis]) != tensor.quant.scales.size())
                return Status::error(file + ": " + tensorLabel(static_cast<int32_t>(t)) + " has " +
                                     std::to_string(tensor.quant.scales.size()) +
                                     " per-channel scales on quantized dimension " + std::to_string(axis) +
                                     ", which does not match shape " + shapeToString(tensor.shape));
        }
    }

    std::vector<bool> available(tensors.size(), false);
    for (size_t t = 0; t < tensors.size(); ++t) available[t] = tensors[t].isConstant || tensors[t].isVariable;
    for (int32_t input : inputs) {
        if (!inRange(input)) return Status::error(file + ": graph input refers to missing tensor #" + std::to_string(input));
        available[input] = true;
    }
    std::vector<bool> written(tensors.size(), false);
    for (size_t o = 0; o < ops.size(); ++o) {
        const Op& op = ops[o];
        for (size_t i = 0; i < op.inputs.size(); ++i) {
            const int32_t input = op.inputs[i];
            if (input == kNoTensor) continue;
            if (!inRange(input))
                return Status::error(opLabel(o) + ": input " + std::to_string(i) + " refers to missing tensor #" +
                                     std::to_string(input) + " (the graph has " + std::to_string(tensors.size()) +
                                     " tensors)");
            if (!available[input])
                return Status::error(opLabel(o) + ": input " + std::to_string(i) + " " + tensorLabel(input) +
                                     " is not produced by any earlier op (ops are not in topological order)");
        }
        for (size_t i = 0; i < op.outputs.size(); ++i) {
            const int32_t output = op.outputs[i];
            if (!inRange(output))
                return Status::error(opLabel(o) + ": output " + std::to_string(i) + " refers to missing tensor #" +
                                     std::to_string(output));
            if (tensors[output].isConstant)
                return Status::error(opLabel(o) + ": output " + tensorLabel(output) + " is a constant tensor");
            if (written[output])
                return Status::error(opLabel(o) + ": output " + tensorLabel(output) + " is written by two ops");
            written[output] = true;
            available[output] = true;
        }
    }
    for (int32_t output : outputs) {
        if (!inRange(output)) return Status::error(file + ": graph output refers to missing tensor #" + std::to_string(output));
        if (!available[output])
            return Status::error(file + ": graph output " + tensorLabel(output) + " is never produced");
    }
    return Status::ok();
}

} // namespace rf
