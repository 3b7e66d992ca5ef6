#include "analysis/dequantized_twin.h"

#include <cstring>
#include <map>

#include "analysis/quant_grid.h"

namespace rf {
namespace {

/// The float values of a quantized constant, per axis when it has several scales.
std::vector<float> dequantizeConstant(const Tensor& tensor)
{
    const int64_t count = tensor.elementCount();
    std::vector<int64_t> codes;
    readCodes(tensor.dtype, tensor.data.data(), count, codes);
    std::vector<float> values(static_cast<size_t>(count));
    int64_t inner = 1;
    int64_t channels = 1;
    if (tensor.quant.perAxis() && tensor.quant.axis >= 0 && static_cast<size_t>(tensor.quant.axis) < tensor.shape.size()) {
        channels = tensor.shape[static_cast<size_t>(tensor.quant.axis)];
        for (size_t d = static_cast<size_t>(tensor.quant.axis) + 1; d < tensor.shape.size(); ++d) inner *= tensor.shape[d];
    }
    for (int64_t i = 0; i < count; ++i) {
        const auto channel = static_cast<size_t>(channels > 1 ? (i / inner) % channels : 0);
        const double scale = tensor.quant.scale(channel);
        const int64_t zp = tensor.quant.zeroPoint(channel);
        values[static_cast<size_t>(i)] = static_cast<float>(scale * static_cast<double>(codes[static_cast<size_t>(i)] - zp));
    }
    return values;
}

} // namespace

Result<Graph> buildDequantizedTwin(const Graph& quantGraph)
{
    Graph twin = quantGraph;
    twin.description = "float twin of " + quantGraph.sourcePath + " (dequantized weights, float activations)";
    for (Tensor& tensor : twin.tensors) {
        const bool integer = tensor.dtype == DType::Int8 || tensor.dtype == DType::UInt8 ||
                             tensor.dtype == DType::Int16 || tensor.dtype == DType::Int32;
        if (!tensor.isQuantized() || !integer) continue;
        if (tensor.isConstant) {
            if (tensor.data.size() != tensor.byteSize()) {
                return Status::error(quantGraph.sourcePath + ": constant tensor '" + tensor.name +
                                     "' holds " + std::to_string(tensor.data.size()) + " bytes, expected " +
                                     std::to_string(tensor.byteSize()));
            }
            const std::vector<float> values = dequantizeConstant(tensor);
            tensor.data.resize(values.size() * sizeof(float));
            if (!values.empty()) std::memcpy(tensor.data.data(), values.data(), tensor.data.size());
        }
        tensor.dtype = DType::Float32;
        tensor.quant = {};
    }
    // QUANTIZE / DEQUANTIZE only change the encoding: remove them and let their
    // consumers read the op's input instead.
    std::map<int32_t, int32_t> replaced;
    std::vector<Op> ops;
    for (const Op& op : twin.ops) {
        if ((op.type == OpType::Quantize || op.type == OpType::Dequantize) && op.inputs.size() == 1 &&
            op.outputs.size() == 1) {
            int32_t source = op.inputs[0];
            if (auto it = replaced.find(source); it != replaced.end()) source = it->second;
            replaced[op.outputs[0]] = source;
            continue;
        }
        Op copy = op;
        for (int32_t& t : copy.inputs) {
            if (auto it = replaced.find(t); it != replaced.end()) t = it->second;
        }
        ops.push_back(std::move(copy));
    }
    twin.ops = std::move(ops);
    for (int32_t& t : twin.outputs) {
        if (auto it = replaced.find(t); it != replaced.end()) t = it->second;
    }
    RF_RETURN_IF_ERROR(twin.validate());
    return twin;
}

} // namespace rf
