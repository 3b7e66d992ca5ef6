// rangefinder-batch info: a model's inputs, outputs, operators and tensor types.

#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "io/model_loader.h"
#include "ops/registry.h"

namespace rf::batch {

namespace {

using OrderedJson = nlohmann::ordered_json;

/// A tensor as the oracle's `info` lists it: index, name, dtype, shape, scale,
/// zero_point (and quantized_dimension for per-channel parameters).
OrderedJson tensorJson(const Graph& graph, int32_t index)
{
    const Tensor& tensor = graph.tensors[index];
    OrderedJson json;
    json["index"] = index;
    json["name"] = tensor.name;
    json["dtype"] = std::string(dtypeName(tensor.dtype));
    json["shape"] = tensor.shape;
    const QuantParams& quant = tensor.quant;
    if (quant.scales.empty() && quant.zeroPoints.empty()) {
        json["scale"] = nullptr;
        json["zero_point"] = nullptr;
    } else if (quant.scales.size() <= 1 && quant.zeroPoints.size() <= 1) {
        if (quant.scales.empty())
            json["scale"] = nullptr;
        else
            json["scale"] = static_cast<double>(quant.scales[0]);
        json["zero_point"] = quant.zeroPoint(0);
    } else {
        std::vector<double> scales(quant.scales.begin(), quant.scales.end());
        json["scale"] = scales;
        json["zero_point"] = quant.zeroPoints;
        json["quantized_dimension"] = quant.axis;
    }
    return json;
}

bool opIsRunnable(const Op& op) { return op.type != OpType::Unsupported && findKernelFactory(op.type) != nullptr; }

void printSummary(const Graph& graph, const std::string& path)
{
    std::printf("model: %s\n", path.c_str());
    if (!graph.description.empty()) std::printf("description: %s\n", graph.description.c_str());
    std::printf("tensors: %zu, operators: %zu\n", graph.tensors.size(), graph.ops.size());
    const auto line = [&](const char* role, size_t i, int32_t t) {
        const Tensor& tensor = graph.tensors[t];
        std::string quant;
        if (!tensor.quant.empty()) {
            char buffer[96];
            if (tensor.quant.perAxis())
                std::snprintf(buffer, sizeof buffer, " (per-channel, %zu scales, axis %d)", tensor.quant.scales.size(),
                              tensor.quant.axis);
            else
                std::snprintf(buffer, sizeof buffer, " (scale %.9g, zero point %lld)", static_cast<double>(tensor.quant.scale(0)),
                              static_cast<long long>(tensor.quant.zeroPoint(0)));
            quant = buffer;
        }
        std::printf("%s %zu: '%s' %s %s%s\n", role, i, tensor.name.c_str(), std::string(dtypeName(tensor.dtype)).c_str(),
                    shapeToString(tensor.shape).c_str(), quant.c_str());
    };
    for (size_t i = 0; i < graph.inputs.size(); ++i) line("input", i, graph.inputs[i]);
    for (size_t i = 0; i < graph.outputs.size(); ++i) line("output", i, graph.outputs[i]);
    std::map<std::string, int> counts;
    for (const Op& op : graph.ops) ++counts[op.typeName];
    std::string opsText;
    for (const auto& [name, count] : counts) opsText += (opsText.empty() ? "" : ", ") + name + " x" + std::to_string(count);
    std::printf("ops: %s\n", opsText.c_str());
    for (size_t o = 0; o < graph.ops.size(); ++o)
        if (!opIsRunnable(graph.ops[o]))
            std::printf("not supported by Rangefinder: op #%zu (%s)\n", o, graph.ops[o].typeName.c_str());
}

} // namespace

int infoCommand(const InfoOptions& options)
{
    Result<Graph> loaded = loadModelFile(options.model);
    if (!loaded.isOk()) {
        std::fprintf(stderr, "rangefinder-batch: error: %s\n", loaded.message().c_str());
        return kExitBadInput;
    }
    const Graph& graph = loaded.value();
    if (options.summary) {
        printSummary(graph, options.model);
        return kExitOk;
    }

    OrderedJson json;
    json["model"] = options.model;
    json["description"] = graph.description;
    json["tensors"] = graph.tensors.size();
    json["operators"] = graph.ops.size();
    std::map<std::string, int> opCounts;
    for (const Op& op : graph.ops) ++opCounts[op.typeName];
    json["op_counts"] = opCounts;
    std::map<std::string, int> dtypeCounts;
    for (const Tensor& tensor : graph.tensors) ++dtypeCounts[std::string(dtypeName(tensor.dtype))];
    json["tensor_dtypes"] = dtypeCounts;
    OrderedJson inputs = OrderedJson::array();
    for (int32_t t : graph.inputs) inputs.push_back(tensorJson(graph, t));
    json["inputs"] = std::move(inputs);
    OrderedJson outputs = OrderedJson::array();
    for (int32_t t : graph.outputs) outputs.push_back(tensorJson(graph, t));
    json["outputs"] = std::move(outputs);
    OrderedJson ops = OrderedJson::array();
    OrderedJson unsupported = OrderedJson::array();
    for (size_t o = 0; o < graph.ops.size(); ++o) {
        const Op& op = graph.ops[o];
        OrderedJson entry;
        entry["index"] = o;
        entry["type"] = op.typeName;
        entry["version"] = op.version;
        entry["inputs"] = op.inputs;
        entry["outputs"] = op.outputs;
        if (!op.layerName.empty()) entry["layer"] = op.layerName;
        ops.push_back(std::move(entry));
        if (!opIsRunnable(op)) {
            OrderedJson missing;
            missing["index"] = o;
            missing["type"] = op.typeName;
            unsupported.push_back(std::move(missing));
        }
    }
    json["ops"] = std::move(ops);
    json["unsupported_ops"] = std::move(unsupported);
    std::printf("%s\n", json.dump(1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return kExitOk;
}

} // namespace rf::batch
