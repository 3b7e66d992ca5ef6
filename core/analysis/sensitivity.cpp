#include "analysis/sensitivity.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "analysis/sample_loop.h"

namespace rf {
namespace {

bool isIntegerActivation(const Tensor& tensor)
{
    return !tensor.isConstant && tensor.isQuantized() &&
           (tensor.dtype == DType::Int8 || tensor.dtype == DType::UInt8 || tensor.dtype == DType::Int16);
}

bool hasWeights(OpType type)
{
    return type == OpType::Conv2D || type == OpType::DepthwiseConv2D || type == OpType::FullyConnected;
}

int32_t outputChannelAxis(OpType type, const Shape& shape)
{
    return type == OpType::DepthwiseConv2D ? static_cast<int32_t>(shape.size()) - 1 : 0;
}

/// Inserts QUANTIZE + DEQUANTIZE after float tensor `ft`, with the grid of `qt`,
/// and makes every former consumer (and the graph outputs) read the dequantized copy.
void insertFakeQuant(Graph& g, int32_t ft, const Tensor& qt)
{
    const Tensor source = g.tensors[static_cast<size_t>(ft)];
    Tensor quantized;
    quantized.name = source.name + "/fake_quant";
    quantized.dtype = qt.dtype;
    quantized.shape = source.shape;
    quantized.quant.scales = {qt.quant.scale(0)};
    quantized.quant.zeroPoints = {qt.quant.zeroPoint(0)};
    Tensor dequantized;
    dequantized.name = source.name + "/fake_dequant";
    dequantized.dtype = DType::Float32;
    dequantized.shape = source.shape;
    const auto qIndex = static_cast<int32_t>(g.tensors.size());
    g.tensors.push_back(std::move(quantized));
    const auto dqIndex = static_cast<int32_t>(g.tensors.size());
    g.tensors.push_back(std::move(dequantized));

    size_t position = 0;
    for (size_t o = 0; o < g.ops.size(); ++o) {
        const auto& outs = g.ops[o].outputs;
        if (std::find(outs.begin(), outs.end(), ft) != outs.end()) position = o + 1;
    }
    for (Op& op : g.ops) {
        for (int32_t& t : op.inputs) {
            if (t == ft) t = dqIndex;
        }
    }
    for (int32_t& t : g.outputs) {
        if (t == ft) t = dqIndex;
    }
    Op quantize;
    quantize.type = OpType::Quantize;
    quantize.typeName = "QUANTIZE";
    quantize.inputs = {ft};
    quantize.outputs = {qIndex};
    quantize.layerName = "fake_quant";
    Op dequantize;
    dequantize.type = OpType::Dequantize;
    dequantize.typeName = "DEQUANTIZE";
    dequantize.inputs = {qIndex};
    dequantize.outputs = {dqIndex};
    dequantize.layerName = "fake_quant";
    g.ops.insert(g.ops.begin() + static_cast<long>(position), {quantize, dequantize});
}

/// Replaces the float weights `fw` by their quantize-dequantized values. Uses the
/// quantized model's own grids when the weights are the same tensor up to rounding
/// (no BatchNormalization folded in between); otherwise the converter's rule for the
/// folded weights: symmetric per output channel (per tensor, asymmetric, for a
/// per-tensor model), which scales with the folding factor and so gives the same codes.
void fakeQuantWeights(Tensor& fw, const Tensor& qw, OpType opType)
{
    if (fw.dtype != DType::Float32 || fw.data.size() != fw.byteSize() || fw.shape.empty()) return;
    const auto count = static_cast<size_t>(fw.elementCount());
    std::vector<float> values(count);
    std::memcpy(values.data(), fw.data.data(), fw.data.size());
    const int32_t axis = qw.quant.perAxis() ? qw.quant.axis : outputChannelAxis(opType, fw.shape);
    const auto axisIndex = static_cast<size_t>(std::clamp<int32_t>(axis, 0, static_cast<int32_t>(fw.shape.size()) - 1));
    const int64_t channels = fw.shape[axisIndex];
    int64_t inner = 1;
    for (size_t d = axisIndex + 1; d < fw.shape.size(); ++d) inner *= fw.shape[d];
    const auto channelOf = [&](size_t i) { return static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels); };

    bool sameWeights = qw.shape == fw.shape && qw.data.size() == qw.byteSize();
    if (sameWeights) {
        std::vector<int64_t> codes;
        readCodes(qw.dtype, qw.data.data(), qw.elementCount(), codes);
        std::vector<double> ff(static_cast<size_t>(channels), 0.0), qf(static_cast<size_t>(channels), 0.0);
        for (size_t i = 0; i < count; ++i) {
            const size_t c = channelOf(i);
            const double q = qw.quant.scale(c) * static_cast<double>(codes[i] - qw.quant.zeroPoint(c));
            ff[c] += static_cast<double>(values[i]) * values[i];
            qf[c] += q * values[i];
        }
        for (size_t c = 0; c < ff.size(); ++c) {
            if (ff[c] > 0 && std::abs(qf[c] / ff[c] - 1.0) > 0.01) sameWeights = false;
        }
    }
    const auto [qmin, qmax] = dtypeCodeRange(qw.dtype);
    std::vector<QuantGrid> grids(static_cast<size_t>(channels));
    if (sameWeights) {
        for (size_t c = 0; c < grids.size(); ++c) grids[c] = QuantGrid::fromTensor(qw, qw.quant.perAxis() ? c : 0);
    } else if (qw.quant.perAxis() || qw.dtype == DType::Int8) {
        std::vector<double> maxAbs(static_cast<size_t>(channels), 0.0);
        for (size_t i = 0; i < count; ++i) maxAbs[channelOf(i)] = std::max<double>(maxAbs[channelOf(i)], std::abs(values[i]));
        for (size_t c = 0; c < grids.size(); ++c) {
            grids[c].qmin = -qmax; // symmetric: int8 weights use [-127, 127]
            grids[c].qmax = qmax;
            grids[c].zeroPoint = 0;
            grids[c].scale = maxAbs[c] > 0 ? maxAbs[c] / static_cast<double>(qmax) : 1.0;
        }
    } else {
        const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
        const QuantGrid grid = QuantGrid::fromRange(*lo, *hi, qw.dtype);
        std::fill(grids.begin(), grids.end(), grid);
    }
    (void)qmin;
    for (size_t i = 0; i < count; ++i) values[i] = static_cast<float>(grids[channelOf(i)].fakeQuant(values[i]));
    std::memcpy(fw.data.data(), values.data(), fw.data.size());
}

} // namespace

Result<Graph> buildFakeQuantGraph(const Graph& floatGraph, const Graph& quantGraph, const TensorMatching& matching,
                                  const std::vector<size_t>& matchIndices)
{
    Graph g = floatGraph;
    for (size_t index : matchIndices) {
        if (index >= matching.matches.size()) return Status::error("fake quantization: match index out of range");
        const TensorMatch& m = matching.matches[index];
        const Tensor& qt = quantGraph.tensors[static_cast<size_t>(m.quantTensor)];
        if (isIntegerActivation(qt) && floatGraph.tensors[static_cast<size_t>(m.floatTensor)].dtype == DType::Float32) {
            insertFakeQuant(g, m.floatTensor, qt);
        }
        if (m.floatAnchorOp < 0 || m.quantOp < 0) continue;
        const Op& fop = floatGraph.ops[static_cast<size_t>(m.floatAnchorOp)];
        const Op& qop = quantGraph.ops[static_cast<size_t>(m.quantOp)];
        if (!hasWeights(fop.type) || fop.type != qop.type || fop.inputs.size() < 2 || qop.inputs.size() < 2) continue;
        const int32_t fwIndex = fop.inputs[1];
        const int32_t qwIndex = qop.inputs[1];
        if (fwIndex < 0 || qwIndex < 0) continue;
        const Tensor& qw = quantGraph.tensors[static_cast<size_t>(qwIndex)];
        Tensor& fw = g.tensors[static_cast<size_t>(fwIndex)];
        if (!fw.isConstant || !qw.isConstant || !qw.isQuantized()) continue;
        if (qw.dtype != DType::Int8 && qw.dtype != DType::UInt8) continue;
        fakeQuantWeights(fw, qw, fop.type);
    }
    RF_RETURN_IF_ERROR(g.validate());
    return g;
}

std::vector<size_t> sensitivityLayers(const Graph& quantGraph, const TensorMatching& matching)
{
    std::vector<size_t> layers;
    for (size_t i = 0; i < matching.matches.size(); ++i) {
        if (isIntegerActivation(quantGraph.tensors[static_cast<size_t>(matching.matches[i].quantTensor)])) layers.push_back(i);
    }
    return layers;
}

namespace {

/// Float reference outputs, computed once and shared by every variant.
struct Reference {
    std::vector<std::vector<float>> outputs;
    std::vector<int> top1;
};

Result<Reference> referenceOutputs(const Graph& floatGraph, const AnalysisInputs& inputs, int jobs,
                                   const AnalysisControl* control)
{
    Reference ref;
    ref.outputs.resize(inputs.names.size());
    ref.top1.resize(inputs.names.size());
    const auto workers = static_cast<size_t>(std::max(1, jobs));
    std::vector<std::unique_ptr<Interpreter>> pool(workers);
    for (auto& interpreter : pool) {
        RF_ASSIGN_OR_RETURN(interpreter, Interpreter::create(floatGraph, {KernelMode::Builtin, 1}));
    }
    RF_RETURN_IF_ERROR(forEachSample(inputs.names.size(), jobs, control, "float reference", [&](size_t w, size_t s) -> Status {
        RF_RETURN_IF_ERROR(setInputs(*pool[w], inputs, s));
        RF_RETURN_IF_ERROR(invokeNamed(*pool[w], control, inputs.names[s]));
        outputAsFloat(*pool[w], ref.outputs[s]);
        const std::vector<int> top = topK(ref.outputs[s], 1);
        ref.top1[s] = top.empty() ? -1 : top[0];
        return Status::ok();
    }));
    return ref;
}

Result<FakeQuantScore> scoreAgainst(const Reference& ref, const Graph& floatGraph, const Graph& quantGraph,
                                    const TensorMatching& matching, const std::vector<size_t>& matchIndices,
                                    const AnalysisInputs& inputs, int jobs, const AnalysisControl* control)
{
    RF_ASSIGN_OR_RETURN(Graph graph, buildFakeQuantGraph(floatGraph, quantGraph, matching, matchIndices));
    const auto workers = static_cast<size_t>(std::max(1, jobs));
    std::vector<std::unique_ptr<Interpreter>> pool(workers);
    for (auto& interpreter : pool) {
        RF_ASSIGN_OR_RETURN(interpreter, Interpreter::create(graph, {KernelMode::Builtin, 1}));
    }
    std::vector<ErrorStats> stats(inputs.names.size());
    std::vector<int> agree(inputs.names.size(), 0);
    RF_RETURN_IF_ERROR(forEachSample(inputs.names.size(), jobs, nullptr, "", [&](size_t w, size_t s) -> Status {
        if (control && control->cancel && control->cancel->load()) return Status::error("cancelled");
        RF_RETURN_IF_ERROR(setInputs(*pool[w], inputs, s));
        RF_RETURN_IF_ERROR(invokeNamed(*pool[w], control, inputs.names[s]));
        std::vector<float> out;
        outputAsFloat(*pool[w], out);
        stats[s].add(ref.outputs[s], out);
        const std::vector<int> top = topK(out, 1);
        agree[s] = (!top.empty() && top[0] == ref.top1[s]) ? 1 : 0;
        return Status::ok();
    }));
    ErrorStats total;
    int agreeing = 0;
    for (size_t s = 0; s < stats.size(); ++s) {
        total.merge(stats[s]);
        agreeing += agree[s];
    }
    FakeQuantScore score;
    score.sqnrDb = total.sqnrDb();
    score.agreement = stats.empty() ? 0.0 : static_cast<double>(agreeing) / static_cast<double>(stats.size());
    return score;
}

} // namespace

Result<FakeQuantScore> scoreFakeQuant(const Graph& floatGraph, const Graph& quantGraph, const TensorMatching& matching,
                                      const std::vector<size_t>& matchIndices, const AnalysisInputs& inputs, int jobs,
                                      const AnalysisControl* control)
{
    if (inputs.names.empty()) return Status::error("no images to analyse");
    RF_ASSIGN_OR_RETURN(Reference ref, referenceOutputs(floatGraph, inputs, jobs, control));
    return scoreAgainst(ref, floatGraph, quantGraph, matching, matchIndices, inputs, jobs, control);
}

Result<SensitivityReport> runSensitivity(const Graph& floatGraph, const Graph& quantGraph,
                                         const TensorMatching& matching, const AnalysisInputs& inputs, int jobs,
                                         const AnalysisControl* control)
{
    if (inputs.names.empty()) return Status::error("no images to analyse");
    const std::vector<size_t> layers = sensitivityLayers(quantGraph, matching);
    if (layers.empty()) {
        return Status::error(quantGraph.sourcePath + ": no quantized activation matches a float tensor; nothing to fake-quantize");
    }
    RF_ASSIGN_OR_RETURN(Reference ref, referenceOutputs(floatGraph, inputs, jobs, control));
    SensitivityReport report;
    report.images = static_cast<int64_t>(inputs.names.size());
    RF_ASSIGN_OR_RETURN(FakeQuantScore all, scoreAgainst(ref, floatGraph, quantGraph, matching, layers, inputs, jobs, control));
    report.allQuantSqnrDb = all.sqnrDb;
    report.allQuantAgreement = all.agreement;
    const size_t steps = 2 * layers.size();
    for (size_t i = 0; i < layers.size(); ++i) {
        const TensorMatch& m = matching.matches[layers[i]];
        LayerSensitivity layer;
        layer.name = m.name;
        layer.quantOp = m.quantOp;
        layer.opType = m.quantOp >= 0 ? std::string(opTypeName(quantGraph.ops[static_cast<size_t>(m.quantOp)].type)) : "INPUT";
        RF_ASSIGN_OR_RETURN(FakeQuantScore only, scoreAgainst(ref, floatGraph, quantGraph, matching, {layers[i]}, inputs, jobs, control));
        if (control && control->onProgress) control->onProgress(2 * i + 1, steps, "sensitivity: " + m.name);
        std::vector<size_t> others;
        for (size_t other : layers) {
            if (other != layers[i]) others.push_back(other);
        }
        RF_ASSIGN_OR_RETURN(FakeQuantScore allBut, scoreAgainst(ref, floatGraph, quantGraph, matching, others, inputs, jobs, control));
        if (control && control->onProgress) control->onProgress(2 * i + 2, steps, "sensitivity: " + m.name);
        layer.onlyThisSqnrDb = only.sqnrDb;
        layer.onlyThisAgreement = only.agreement;
        layer.allButThisSqnrDb = allBut.sqnrDb;
        layer.allButThisAgreement = allBut.agreement;
        report.layers.push_back(std::move(layer));
    }
    std::stable_sort(report.layers.begin(), report.layers.end(), [](const LayerSensitivity& a, const LayerSensitivity& b) {
        return a.onlyThisSqnrDb < b.onlyThisSqnrDb;
    });
    for (size_t i = 0; i < report.layers.size(); ++i) report.layers[i].rank = static_cast<int>(i) + 1;
    return report;
}

} // namespace rf
