#include "quant/graph_passes.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "quant/quantizer_math.h"

namespace rf {
namespace {

/// How many op inputs read tensor `index`, plus one if it is a graph output.
int consumerCount(const Graph& graph, int32_t index)
{
    int count = 0;
    for (const Op& op : graph.ops)
        for (int32_t input : op.inputs)
            if (input == index) ++count;
    if (std::find(graph.outputs.begin(), graph.outputs.end(), index) != graph.outputs.end()) ++count;
    return count;
}

/// The index of the op that reads `index` (the first one), or -1.
int consumerOp(const Graph& graph, int32_t index)
{
    for (size_t i = 0; i < graph.ops.size(); ++i)
        for (int32_t input : graph.ops[i].inputs)
            if (input == index) return static_cast<int>(i);
    return -1;
}

bool isGraphOutput(const Graph& graph, int32_t index)
{
    return std::find(graph.outputs.begin(), graph.outputs.end(), index) != graph.outputs.end();
}

std::vector<float> floatValues(const Tensor& tensor)
{
    std::vector<float> values(static_cast<size_t>(tensor.elementCount()));
    if (!values.empty()) std::memcpy(values.data(), tensor.data.data(), values.size() * sizeof(float));
    return values;
}

void setFloatValues(Tensor& tensor, const std::vector<float>& values)
{
    tensor.data.resize(values.size() * sizeof(float));
    if (!values.empty()) std::memcpy(tensor.data.data(), values.data(), tensor.data.size());
}

bool isFloatConstant(const Graph& graph, int32_t index)
{
    if (index < 0 || index >= static_cast<int32_t>(graph.tensors.size())) return false;
    const Tensor& t = graph.tensors[static_cast<size_t>(index)];
    return t.isConstant && t.dtype == DType::Float32 && !t.isQuantized() &&
           t.data.size() == static_cast<size_t>(t.elementCount()) * sizeof(float);
}

/// The layers an op stands for: its sourceLayers, or its layerName alone.
std::vector<std::string> layersOf(const Op& op)
{
    if (!op.sourceLayers.empty()) return op.sourceLayers;
    if (!op.layerName.empty()) return {op.layerName};
    return {};
}

void appendLayers(Op& target, const Op& absorbed)
{
    std::vector<std::string> layers = layersOf(target);
    for (const std::string& name : layersOf(absorbed))
        if (layers.empty() || layers.back() != name) layers.push_back(name);
    target.sourceLayers = std::move(layers);
}

/// Where the weights, the bias and the output-channel axis of an affine op are.
struct AffineLayout {
    int weightInput = 1;
    int biasInput = 2;
    int channelAxis = 0;
};

bool affineLayout(OpType type, AffineLayout* layout)
{
    switch (type) {
    case OpType::Conv2D: *layout = {1, 2, 0}; return true;
    case OpType::DepthwiseConv2D: *layout = {1, 2, 3}; return true;
    case OpType::FullyConnected: *layout = {1, 2, 0}; return true;
    case OpType::TransposeConv: *layout = {1, 3, 0}; return true;
    default: return false;
    }
}

std::string describeOp(const Graph& graph, size_t opIndex)
{
    const Op& op = graph.ops[opIndex];
    std::string text = "op #" + std::to_string(opIndex) + " (" + std::string(opTypeName(op.type));
    if (!op.layerName.empty()) text += ", layer '" + op.layerName + "'";
    return text + ")";
}

/// A per-channel (or scalar) constant multiplier/addend for an affine op with
/// `channels` output channels, or empty when the operand is not one.
std::vector<float> perChannelOperand(const Graph& graph, int32_t index, int64_t channels)
{
    if (!isFloatConstant(graph, index)) return {};
    const Tensor& t = graph.tensors[static_cast<size_t>(index)];
    const int64_t n = t.elementCount();
    // Only shapes that broadcast along the last (channel) axis: [C], [1,..,1,C] or a scalar.
    for (size_t d = 0; d + 1 < t.shape.size(); ++d)
        if (t.shape[d] != 1) return {};
    if (n == 1) return std::vector<float>(static_cast<size_t>(channels), floatValues(t)[0]);
    if (n != channels) return {};
    return floatValues(t);
}

/// Folds the constant MUL (or ADD) op `nextIndex` into affine op `opIndex`; true if done.
bool foldInto(Graph& graph, size_t opIndex, size_t nextIndex, PassLog* log)
{
    Op& op = graph.ops[opIndex];
    const Op& next = graph.ops[nextIndex];
    AffineLayout layout;
    if (!affineLayout(op.type, &layout)) return false;
    if (op.attrs.activation != FusedActivation::None) return false;
    if (static_cast<int>(op.inputs.size()) <= layout.weightInput) return false;
    const int32_t weights = op.inputs[static_cast<size_t>(layout.weightInput)];
    if (!isFloatConstant(graph, weights)) return false;
    const int32_t out = op.outputs[0];
    const Tensor& outTensor = graph.tensors[static_cast<size_t>(out)];
    if (outTensor.shape.empty() || outTensor.dtype != DType::Float32) return false;
    const int64_t channels = outTensor.shape.back();
    if (next.inputs.size() != 2 || next.outputs.size() != 1) return false;
    const int32_t other = next.inputs[0] == out ? next.inputs[1] : next.inputs[0];
    if (other == out) return false;
    std::vector<float> operand = perChannelOperand(graph, other, channels);
    if (operand.empty()) return false;
    // The folded op must produce exactly the shape the MUL/ADD did (no broadcasting up).
    if (graph.tensors[static_cast<size_t>(next.outputs[0])].shape != outTensor.shape) return false;

    const Tensor& weightTensor = graph.tensors[static_cast<size_t>(weights)];
    if (weightTensor.shape.empty() || weightTensor.shape[static_cast<size_t>(layout.channelAxis)] != channels)
        return false;
    int32_t bias = static_cast<int>(op.inputs.size()) > layout.biasInput
                       ? op.inputs[static_cast<size_t>(layout.biasInput)]
                       : kNoTensor;
    if (bias != kNoTensor && !isFloatConstant(graph, bias)) return false;
    if (bias != kNoTensor && graph.tensors[static_cast<size_t>(bias)].elementCount() != channels) return false;

    std::vector<float> biasValues =
        bias == kNoTensor ? std::vector<float>(static_cast<size_t>(channels), 0.0f) : floatValues(graph.tensors[static_cast<size_t>(bias)]);
    std::vector<float> weightValues;
    const bool isMul = next.type == OpType::Mul;
    if (isMul) {
        // w' = w * m per output channel and b' = b * m, each a float32 product as the
        // converter's constant folding computes it.
        weightValues = floatValues(weightTensor);
        int64_t inner = 1;
        for (size_t d = static_cast<size_t>(layout.channelAxis) + 1; d < weightTensor.shape.size(); ++d)
            inner *= weightTensor.shape[d];
        for (size_t i = 0; i < weightValues.size(); ++i) {
            const auto c = static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
            weightValues[i] = weightValues[i] * operand[c];
        }
        for (size_t c = 0; c < biasValues.size(); ++c) biasValues[c] = biasValues[c] * operand[c];
    } else {
        for (size_t c = 0; c < biasValues.size(); ++c) biasValues[c] = biasValues[c] + operand[c];
    }

    // New constants (the old ones may be shared with other ops); unused ones are removed later.
    if (isMul) {
        Tensor newWeights = weightTensor;
        setFloatValues(newWeights, weightValues);
        graph.tensors.push_back(std::move(newWeights));
        op.inputs[static_cast<size_t>(layout.weightInput)] = static_cast<int32_t>(graph.tensors.size() - 1);
    }
    if (bias != kNoTensor || isMul || !biasValues.empty()) {
        Tensor newBias;
        if (bias != kNoTensor) {
            newBias = graph.tensors[static_cast<size_t>(bias)];
        } else {
            newBias.name = graph.tensors[static_cast<size_t>(next.outputs[0])].name + "/bias";
            newBias.dtype = DType::Float32;
            newBias.shape = {static_cast<int32_t>(channels)};
            newBias.isConstant = true;
        }
        setFloatValues(newBias, biasValues);
        graph.tensors.push_back(std::move(newBias));
        const auto biasIndex = static_cast<int32_t>(graph.tensors.size() - 1);
        if (static_cast<int>(op.inputs.size()) <= layout.biasInput)
            op.inputs.resize(static_cast<size_t>(layout.biasInput) + 1, kNoTensor);
        op.inputs[static_cast<size_t>(layout.biasInput)] = biasIndex;
    }
    if (log)
        log->lines.push_back("folded " + describeOp(graph, nextIndex) + " into " + describeOp(graph, opIndex) +
                             ", output now '" + graph.tensors[static_cast<size_t>(next.outputs[0])].name + "'");
    Op& target = graph.ops[opIndex];
    target.outputs[0] = graph.ops[nextIndex].outputs[0];
    target.attrs.activation = graph.ops[nextIndex].attrs.activation;
    appendLayers(target, graph.ops[nextIndex]);
    graph.ops.erase(graph.ops.begin() + static_cast<std::ptrdiff_t>(nextIndex));
    return true;
}

bool isFusableActivation(OpType type)
{
    return type == OpType::Relu || type == OpType::Relu6 || type == OpType::ReluN1To1;
}

FusedActivation fusedFor(OpType type)
{
    switch (type) {
    case OpType::Relu: return FusedActivation::Relu;
    case OpType::Relu6: return FusedActivation::Relu6;
    default: return FusedActivation::ReluN1To1;
    }
}

bool acceptsFusedActivation(OpType type)
{
    switch (type) {
    case OpType::Conv2D:
    case OpType::DepthwiseConv2D:
    case OpType::FullyConnected:
    case OpType::Add:
    case OpType::Sub:
    case OpType::Mul: return true;
    default: return false;
    }
}

} // namespace

Status expandDequantizedConstants(Graph& graph, PassLog* log)
{
    for (size_t i = 0; i < graph.ops.size();) {
        const Op& op = graph.ops[i];
        if (op.type != OpType::Dequantize || op.inputs.size() != 1 || op.outputs.size() != 1) {
            ++i;
            continue;
        }
        const int32_t in = op.inputs[0];
        if (in < 0 || !graph.tensors[static_cast<size_t>(in)].isConstant) {
            ++i;
            continue;
        }
        const Tensor& source = graph.tensors[static_cast<size_t>(in)];
        const int64_t n = source.elementCount();
        if (source.data.size() != source.byteSize()) return Status::error(graph.opLabel(i) + ": constant " + graph.tensorLabel(in) + " holds " + std::to_string(source.data.size()) + " bytes, its shape needs " + std::to_string(source.byteSize()));
        std::vector<float> values(static_cast<size_t>(n));
        const QuantParams& q = source.quant;
        int64_t inner = 1;
        if (q.perAxis())
            for (size_t d = static_cast<size_t>(q.axis) + 1; d < source.shape.size(); ++d) inner *= source.shape[d];
        for (int64_t k = 0; k < n; ++k) {
            const uint8_t* p = source.data.data() + static_cast<size_t>(k) * dtypeSize(source.dtype);
            double stored = 0;
            switch (source.dtype) {
            case DType::Float16: {
                uint16_t h = 0;
                std::memcpy(&h, p, 2);
                values[static_cast<size_t>(k)] = halfToFloat(h);
                continue;
            }
            case DType::Int8: stored = static_cast<int8_t>(*p); break;
            case DType::UInt8: stored = *p; break;
            case DType::Int16: { int16_t v = 0; std::memcpy(&v, p, 2); stored = v; break; }
            default:
                return Status::error(graph.opLabel(i) + ": cannot expand constant " + graph.tensorLabel(in) + " of type " + std::string(dtypeName(source.dtype)));
            }
            const size_t c = q.perAxis() ? static_cast<size_t>((k / inner) % source.shape[static_cast<size_t>(q.axis)]) : 0;
            values[static_cast<size_t>(k)] = static_cast<float>(q.scale(c) * (stored - static_cast<double>(q.zeroPoint(c))));
        }
        Tensor& out = graph.tensors[static_cast<size_t>(op.outputs[0])];
        out.isConstant = true;
        out.dtype = DType::Float32;
        out.quant = {};
        setFloatValues(out, values);
        if (log) log->lines.push_back("expanded constant " + graph.tensorLabel(op.outputs[0]) + " from " + std::string(dtypeName(source.dtype)));
        graph.ops.erase(graph.ops.begin() + static_cast<std::ptrdiff_t>(i));
    }
    return Status::ok();
}

Status foldBatchNorm(Graph& graph, PassLog* log)
{
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t i = 0; i < graph.ops.size() && !changed; ++i) {
            AffineLayout layout;
            if (!affineLayout(graph.ops[i].type, &layout) || graph.ops[i].outputs.size() != 1) continue;
            const int32_t out = graph.ops[i].outputs[0];
            if (isGraphOutput(graph, out) || consumerCount(graph, out) != 1) continue;
            const int next = consumerOp(graph, out);
            if (next < 0) continue;
            const OpType nextType = graph.ops[static_cast<size_t>(next)].type;
            if (nextType != OpType::Mul && nextType != OpType::Add) continue;
            changed = foldInto(graph, i, static_cast<size_t>(next), log);
        }
    }
    return Status::ok();
}

Status fuseActivations(Graph& graph, PassLog* log)
{
    for (size_t i = 0; i < graph.ops.size(); ++i) {
        Op& op = graph.ops[i];
        if (!acceptsFusedActivation(op.type) || op.attrs.activation != FusedActivation::None || op.outputs.size() != 1)
            continue;
        const int32_t out = op.outputs[0];
        if (graph.tensors[static_cast<size_t>(out)].dtype != DType::Float32) continue;
        if (isGraphOutput(graph, out) || consumerCount(graph, out) != 1) continue;
        const int next = consumerOp(graph, out);
        if (next < 0 || !isFusableActivation(graph.ops[static_cast<size_t>(next)].type)) continue;
        const Op& activation = graph.ops[static_cast<size_t>(next)];
        if (activation.inputs.size() != 1 || activation.outputs.size() != 1) continue;
        if (log)
            log->lines.push_back("fused " + describeOp(graph, static_cast<size_t>(next)) + " into " + describeOp(graph, i) +
                                 ", output now '" + graph.tensors[static_cast<size_t>(activation.outputs[0])].name + "'");
        op.attrs.activation = fusedFor(activation.type);
        op.outputs[0] = activation.outputs[0];
        appendLayers(op, activation);
        graph.ops.erase(graph.ops.begin() + next);
    }
    return Status::ok();
}

Status dropIdentities(Graph& graph, PassLog* log)
{
    for (size_t i = 0; i < graph.ops.size();) {
        const Op& op = graph.ops[i];
        bool identity = false;
        if (op.type == OpType::Reshape && !op.inputs.empty() && op.outputs.size() == 1 && op.inputs[0] >= 0) {
            const Tensor& in = graph.tensors[static_cast<size_t>(op.inputs[0])];
            const Tensor& out = graph.tensors[static_cast<size_t>(op.outputs[0])];
            identity = in.shape == out.shape && in.dtype == out.dtype && !in.isConstant &&
                       in.quant.scales == out.quant.scales && in.quant.zeroPoints == out.quant.zeroPoints;
        }
        if (!identity || isGraphOutput(graph, op.outputs[0])) {
            ++i;
            continue;
        }
        const int32_t from = op.outputs[0];
        const int32_t to = op.inputs[0];
        if (log) log->lines.push_back("dropped identity " + describeOp(graph, i));
        for (Op& other : graph.ops)
            for (int32_t& input : other.inputs)
                if (input == from) input = to;
        graph.ops.erase(graph.ops.begin() + static_cast<std::ptrdiff_t>(i));
    }
    return Status::ok();
}

Status materializeConvolutionBiases(Graph& graph, PassLog* log)
{
    for (size_t i = 0; i < graph.ops.size(); ++i) {
        Op& op = graph.ops[i];
        if (op.type != OpType::Conv2D && op.type != OpType::DepthwiseConv2D) continue;
        AffineLayout layout;
        if (!affineLayout(op.type, &layout)) continue;
        if (static_cast<int>(op.inputs.size()) > layout.biasInput && op.inputs[static_cast<size_t>(layout.biasInput)] != kNoTensor)
            continue;
        if (static_cast<int>(op.inputs.size()) <= layout.weightInput) continue;
        const int32_t weights = op.inputs[static_cast<size_t>(layout.weightInput)];
        if (!isFloatConstant(graph, weights)) continue;
        const Tensor& weightTensor = graph.tensors[static_cast<size_t>(weights)];
        if (static_cast<int>(weightTensor.shape.size()) <= layout.channelAxis) continue;
        const int32_t channels = weightTensor.shape[static_cast<size_t>(layout.channelAxis)];
        Tensor bias;
        bias.name = graph.tensors[static_cast<size_t>(op.outputs[0])].name + "/bias";
        bias.dtype = DType::Float32;
        bias.shape = {channels};
        bias.isConstant = true;
        setFloatValues(bias, std::vector<float>(static_cast<size_t>(channels), 0.0f));
        graph.tensors.push_back(std::move(bias));
        if (static_cast<int>(op.inputs.size()) <= layout.biasInput)
            op.inputs.resize(static_cast<size_t>(layout.biasInput) + 1, kNoTensor);
        op.inputs[static_cast<size_t>(layout.biasInput)] = static_cast<int32_t>(graph.tensors.size() - 1);
        if (log) log->lines.push_back("gave " + describeOp(graph, i) + " a zero bias (" + std::to_string(channels) + " channels)");
    }
    return Status::ok();
}

void removeUnusedTensors(Graph& graph)
{
    std::vector<char> used(graph.tensors.size(), 0);
    auto mark = [&](int32_t index) {
        if (index >= 0 && static_cast<size_t>(index) < used.size()) used[static_cast<size_t>(index)] = 1;
    };
    for (const Op& op : graph.ops) {
        for (int32_t t : op.inputs) mark(t);
        for (int32_t t : op.outputs) mark(t);
    }
    for (int32_t t : graph.inputs) mark(t);
    for (int32_t t : graph.outputs) mark(t);
    std::vector<int32_t> remap(graph.tensors.size(), kNoTensor);
    std::vector<Tensor> kept;
    for (size_t i = 0; i < graph.tensors.size(); ++i) {
        if (!used[i]) continue;
        remap[i] = static_cast<int32_t>(kept.size());
        kept.push_back(std::move(graph.tensors[i]));
    }
    graph.tensors = std::move(kept);
    auto apply = [&](std::vector<int32_t>& list) {
        for (int32_t& t : list)
            if (t >= 0) t = remap[static_cast<size_t>(t)];
    };
    for (Op& op : graph.ops) {
        apply(op.inputs);
        apply(op.outputs);
    }
    apply(graph.inputs);
    apply(graph.outputs);
}

Status runConverterPasses(Graph& graph, PassLog* log)
{
    RF_RETURN_IF_ERROR(graph.validate());
    RF_RETURN_IF_ERROR(expandDequantizedConstants(graph, log));
    RF_RETURN_IF_ERROR(foldBatchNorm(graph, log));
    RF_RETURN_IF_ERROR(fuseActivations(graph, log));
    RF_RETURN_IF_ERROR(dropIdentities(graph, log));
    RF_RETURN_IF_ERROR(materializeConvolutionBiases(graph, log));
    removeUnusedTensors(graph);
    return graph.validate().withContext("after the graph passes");
}

} // namespace rf
