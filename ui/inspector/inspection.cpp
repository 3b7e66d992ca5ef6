#include "inspector/inspection.h"

#include "analysis/tensor_matching.h"
#include "runtime/interpreter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <unordered_map>

namespace rf::ui {

int InspectionResult::indexOf(const std::string& name) const
{
    for (size_t i = 0; i < layers.size(); ++i)
        if (layers[i].name == name) return static_cast<int>(i);
    return -1;
}

namespace {

// The real values of a tensor: float as is, integers dequantized with the tensor's
// (per-tensor or per-axis) parameters. Empty for types the inspector cannot show.
std::vector<float> realValues(const TensorValue& value, const Tensor& tensor)
{
    const size_t n = static_cast<size_t>(value.elementCount());
    std::vector<float> out(n);
    if (value.dtype() == DType::Float32) {
        std::copy_n(value.data<float>(), n, out.begin());
        return out;
    }
    const QuantParams& q = tensor.quant;
    auto dequantize = [&](auto* data) {
        if (q.empty()) {
            for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(data[i]);
            return;
        }
        // Per-axis parameters: the channel of element i along `axis`.
        size_t inner = 1;
        const int rank = static_cast<int>(value.shape().size());
        for (int d = q.axis + 1; d < rank; ++d) inner *= static_cast<size_t>(value.shape()[size_t(d)]);
        const size_t channels = q.perAxis() ? q.scales.size() : 1;
        for (size_t i = 0; i < n; ++i) {
            const size_t c = channels > 1 ? (i / inner) % channels : 0;
            out[i] = q.scale(c) * static_cast<float>(static_cast<int64_t>(data[i]) - q.zeroPoint(c));
        }
    };
    switch (value.dtype()) {
    case DType::Int8: dequantize(value.data<int8_t>()); break;
    case DType::UInt8: dequantize(value.data<uint8_t>()); break;
    case DType::Int16: dequantize(value.data<int16_t>()); break;
    case DType::Int32: dequantize(value.data<int32_t>()); break;
    default: return {};
    }
    return out;
}

// Keeps copies of the chosen tensors' values during one invoke().
class CapturingObserver : public TensorObserver {
public:
    explicit CapturingObserver(const std::vector<int32_t>& wanted)
    {
        for (int32_t t : wanted) values_[t];
    }
    void onTensor(int, int32_t tensorIndex, const Tensor&, const TensorValue& value) override
    {
        auto it = values_.find(tensorIndex);
        if (it != values_.end()) it->second = value;
    }
    const TensorValue* value(int32_t tensorIndex) const
    {
        auto it = values_.find(tensorIndex);
        return it == values_.end() || it->second.dtype() == DType::Unknown ? nullptr : &it->second;
    }

private:
    std::unordered_map<int32_t, TensorValue> values_;
};

std::string opTypeOf(const Graph& graph, int opIndex)
{
    if (opIndex < 0) return "INPUT";
    const Op& op = graph.ops[static_cast<size_t>(opIndex)];
    return op.typeName.empty() ? std::string(opTypeName(op.type)) : op.typeName;
}

// The weight operand of a convolution or dense op and the axis of its output channels.
std::optional<std::pair<int32_t, int>> weightOperand(const Graph& graph, int opIndex)
{
    if (opIndex < 0 || opIndex >= static_cast<int>(graph.ops.size())) return std::nullopt;
    const Op& op = graph.ops[static_cast<size_t>(opIndex)];
    int axis = 0;
    switch (op.type) {
    case OpType::Conv2D:
    case OpType::FullyConnected: axis = 0; break;
    case OpType::DepthwiseConv2D: axis = 3; break;
    default: return std::nullopt;
    }
    if (op.inputs.size() < 2 || op.inputs[1] < 0) return std::nullopt;
    const Tensor& w = graph.tensors[static_cast<size_t>(op.inputs[1])];
    if (!w.isConstant || static_cast<int>(w.shape.size()) <= axis) return std::nullopt;
    return std::make_pair(op.inputs[1], axis);
}

std::vector<float> constantValues(const Tensor& tensor)
{
    TensorValue value(tensor.dtype, tensor.shape);
    if (value.byteSize() != tensor.data.size()) return {};
    std::memcpy(value.bytes(), tensor.data.data(), tensor.data.size());
    return realValues(value, tensor);
}

// Per-channel min/max of a constant along `axis`.
void channelMinMax(const Tensor& t, int axis, std::vector<float>& mins, std::vector<float>& maxs)
{
    const std::vector<float> values = constantValues(t);
    if (values.empty()) return;
    const size_t channels = static_cast<size_t>(t.shape[static_cast<size_t>(axis)]);
    size_t inner = 1;
    for (size_t d = static_cast<size_t>(axis) + 1; d < t.shape.size(); ++d) inner *= static_cast<size_t>(t.shape[d]);
    mins.assign(channels, std::numeric_limits<float>::infinity());
    maxs.assign(channels, -std::numeric_limits<float>::infinity());
    for (size_t i = 0; i < values.size(); ++i) {
        const size_t c = (i / inner) % channels;
        mins[c] = std::min(mins[c], values[i]);
        maxs[c] = std::max(maxs[c], values[i]);
    }
}

ChannelRanges channelRanges(const Graph* floatGraph, int floatOp, const Graph* quantGraph, int quantOp)
{
    ChannelRanges ranges;
    if (floatGraph)
        if (auto w = weightOperand(*floatGraph, floatOp)) {
            const Tensor& t = floatGraph->tensors[size_t(w->first)];
            ranges.tensorName = t.name;
            channelMinMax(t, w->second, ranges.floatMin, ranges.floatMax);
        }
    if (quantGraph)
        if (auto w = weightOperand(*quantGraph, quantOp)) {
            const Tensor& t = quantGraph->tensors[size_t(w->first)];
            if (ranges.tensorName.empty()) {
                // Quantized model alone: its dequantized weights are the only values there are.
                ranges.tensorName = t.name;
                channelMinMax(t, w->second, ranges.floatMin, ranges.floatMax);
            } else {
                channelMinMax(t, w->second, ranges.quantMin, ranges.quantMax);
                if (ranges.quantMin.size() != ranges.floatMin.size()) ranges.quantMin.clear(), ranges.quantMax.clear();
            }
        }
    return ranges;
}

std::vector<std::pair<int, float>> top5(const std::vector<float>& scores)
{
    std::vector<int> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    const size_t k = std::min<size_t>(5, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](int a, int b) { return scores[size_t(a)] > scores[size_t(b)]; });
    std::vector<std::pair<int, float>> out;
    for (size_t i = 0; i < k; ++i) out.emplace_back(order[i], scores[size_t(order[i])]);
    return out;
}

// Appends up to `budget` evenly spaced values (the same positions from both arrays).
void appendSamples(const std::vector<float>& a, const std::vector<float>* b, size_t budget, std::vector<float>& outA,
                   std::vector<float>* outB)
{
    if (a.empty() || budget == 0) return;
    const size_t stride = std::max<size_t>(1, a.size() / budget);
    size_t taken = 0;
    for (size_t i = 0; i < a.size() && taken < budget; i += stride, ++taken) {
        outA.push_back(a[i]);
        if (b && outB) outB->push_back((*b)[i]);
    }
}

// Activation tensors of a graph in execution order (inputs first), with their producer.
std::vector<std::pair<int32_t, int>> activationsOf(const Graph& graph)
{
    std::vector<std::pair<int32_t, int>> out;
    for (int32_t t : graph.inputs) out.emplace_back(t, -1);
    for (size_t i = 0; i < graph.ops.size(); ++i)
        for (int32_t t : graph.ops[i].outputs)
            if (t >= 0) out.emplace_back(t, static_cast<int>(i));
    return out;
}

bool gridCapable(const Tensor& t)
{
    return t.isQuantized() && (t.dtype == DType::Int8 || t.dtype == DType::UInt8 || t.dtype == DType::Int16);
}

} // namespace

Status checkModelsComparable(const Graph& floatGraph, const Graph& quantGraph)
{
    return matchTensors(floatGraph, quantGraph).status();
}

Result<InspectionResult> runInspection(const InspectionRequest& request, const RunControl* control,
                                       const std::function<void(size_t, size_t)>& onImage)
{
    const Graph* fg = request.floatGraph.get();
    const Graph* qg = request.quantGraph.get();
    if (!fg && !qg) return Status::error("no model is open");
    if (request.imagePaths.empty()) return Status::error("no images are selected");
    for (const Graph* g : {fg, qg})
        if (g && g->inputs.size() != 1)
            return Status::error(g->sourcePath + ": the inspector runs image models with one input, this one has " +
                                 std::to_string(g->inputs.size()));

    InspectionResult result;
    result.hasFloat = fg != nullptr;
    result.hasQuant = qg != nullptr;

    // Pairs of (float tensor, quantized tensor) with their producing ops.
    struct Pair {
        int32_t f = -1, q = -1;
        int fOp = -1, qOp = -1;
        std::string name;
        std::string method;
    };
    std::vector<Pair> pairs;
    if (fg && qg) {
        RF_ASSIGN_OR_RETURN(TensorMatching matching, matchTensors(*fg, *qg));
        for (const TensorMatch& m : matching.matches)
            pairs.push_back({m.floatTensor, m.quantTensor, m.floatAnchorOp, m.quantOp, m.name, matchMethodName(m.method)});
        for (int32_t t : matching.unmatchedFloat)
            result.unmatched.push_back(fg->sourcePath + ": " + fg->tensorLabel(t) + " has no quantized twin");
        for (int32_t t : matching.unmatchedQuant)
            result.unmatched.push_back(qg->sourcePath + ": " + qg->tensorLabel(t) + " has no float twin");
        for (const std::string& note : matching.notes) result.unmatched.push_back(note);
    } else {
        const Graph& g = fg ? *fg : *qg;
        for (auto [t, op] : activationsOf(g)) {
            const Tensor& tensor = g.tensors[size_t(t)];
            if (fg ? tensor.dtype != DType::Float32 : !gridCapable(tensor) && tensor.dtype != DType::Float32) continue;
            Pair p;
            (fg ? p.f : p.q) = t;
            (fg ? p.fOp : p.qOp) = op;
            p.name = tensor.name;
            pairs.push_back(p);
        }
    }

    std::unique_ptr<Interpreter> floatRun, quantRun;
    InterpreterOptions options;
    options.threads = std::max(1, request.threads);
    if (fg) {
        RF_ASSIGN_OR_RETURN(floatRun, Interpreter::create(*fg, options));
    }
    if (qg) {
        RF_ASSIGN_OR_RETURN(quantRun, Interpreter::create(*qg, options));
    }

    const size_t imageCount = request.imagePaths.size();
    const size_t perImage = std::max<size_t>(1, request.samplesPerTensor / imageCount);
    std::vector<QuantErrorAccumulator> accumulators;
    result.layers.resize(pairs.size());
    for (size_t i = 0; i < pairs.size(); ++i) {
        LayerRecord& layer = result.layers[i];
        const Pair& p = pairs[i];
        const Tensor& main = p.f >= 0 ? fg->tensors[size_t(p.f)] : qg->tensors[size_t(p.q)];
        layer.name = p.name;
        layer.rangeKey = main.name;
        layer.opType = p.q >= 0 ? opTypeOf(*qg, p.qOp) : opTypeOf(*fg, p.fOp);
        layer.shape = main.shape;
        layer.floatTensor = p.f;
        layer.quantTensor = p.q;
        layer.matchMethod = p.method;
        layer.seenMin = std::numeric_limits<float>::infinity();
        layer.seenMax = -std::numeric_limits<float>::infinity();
        layer.simulatedGrid = true;
        if (p.q >= 0) {
            const Tensor& qt = qg->tensors[size_t(p.q)];
            layer.quantDtype = qt.dtype;
            if (gridCapable(qt)) {
                layer.grid = QuantGrid::fromTensor(qt);
                layer.gridDtype = qt.dtype;
                layer.simulatedGrid = false;
            }
        }
        auto o = request.overrides.find(layer.rangeKey);
        if (o != request.overrides.end()) layer.override = o->second;
        layer.weights = channelRanges(fg, p.fOp, qg, p.qOp);
        accumulators.emplace_back(layer.grid);
    }

    std::vector<int32_t> floatWanted, quantWanted;
    for (const Pair& p : pairs) {
        if (p.f >= 0) floatWanted.push_back(p.f);
        if (p.q >= 0) quantWanted.push_back(p.q);
    }
    if (fg) floatWanted.push_back(fg->outputs.at(0));
    if (qg) quantWanted.push_back(qg->outputs.at(0));

    size_t agreeTop1 = 0, top1InTop5 = 0;
    // Kept across images: their buffers are reused instead of allocated (and faulted in) per image.
    CapturingObserver floatValues(floatWanted), quantValues(quantWanted);
    for (size_t image = 0; image < imageCount; ++image) {
        if (control && control->cancel && control->cancel->load()) return Status::error("cancelled");
        const std::string& path = request.imagePaths[image];
        ImagePrediction prediction;
        prediction.path = path;
        auto runOne = [&](Interpreter& run, const Graph& g, CapturingObserver& observer,
                          std::vector<std::pair<int, float>>& predictions) -> Status {
            RF_ASSIGN_OR_RETURN(TensorValue input,
                                imageToInputTensor(path, g.tensors[size_t(g.inputs[0])], request.preprocessing));
            RF_RETURN_IF_ERROR(run.setInput(0, input.bytes(), input.byteSize()).withContext(g.sourcePath));
            RF_RETURN_IF_ERROR(run.invoke(&observer, control));
            if (const TensorValue* out = observer.value(g.outputs[0]))
                predictions = top5(realValues(*out, g.tensors[size_t(g.outputs[0])]));
            return Status::ok();
        };
        if (floatRun) RF_RETURN_IF_ERROR(runOne(*floatRun, *fg, floatValues, prediction.floatTop5));
        if (quantRun) RF_RETURN_IF_ERROR(runOne(*quantRun, *qg, quantValues, prediction.quantTop5));
        if (!prediction.floatTop5.empty() && !prediction.quantTop5.empty()) {
            const int floatTop1 = prediction.floatTop5[0].first;
            agreeTop1 += floatTop1 == prediction.quantTop5[0].first ? 1 : 0;
            for (auto& q : prediction.quantTop5) top1InTop5 += q.first == floatTop1 ? 1 : 0;
        }
        result.images.push_back(std::move(prediction));

        for (size_t i = 0; i < pairs.size(); ++i) {
            LayerRecord& layer = result.layers[i];
            const Pair& p = pairs[i];
            std::vector<float> fv, qv;
            if (p.f >= 0)
                if (const TensorValue* v = floatValues.value(p.f)) fv = realValues(*v, fg->tensors[size_t(p.f)]);
            if (p.q >= 0)
                if (const TensorValue* v = quantValues.value(p.q)) qv = realValues(*v, qg->tensors[size_t(p.q)]);
            const std::vector<float>& main = p.f >= 0 ? fv : qv;
            for (float v : main) {
                layer.seenMin = std::min(layer.seenMin, v);
                layer.seenMax = std::max(layer.seenMax, v);
            }
            const bool paired = p.f >= 0 && !qv.empty() && qv.size() == fv.size();
            appendSamples(main, paired ? &qv : nullptr, perImage, layer.floatSamples,
                          paired ? &layer.quantSamples : nullptr);
            if (layer.simulatedGrid) continue;
            if (paired) accumulators[i].addDequantized(fv, qv);
            else if (p.f < 0) accumulators[i].addCodesOnly(qv);
        }
        if (onImage) onImage(image + 1, imageCount);
    }

    for (size_t i = 0; i < pairs.size(); ++i) {
        LayerRecord& layer = result.layers[i];
        if (layer.floatSamples.empty()) layer.seenMin = layer.seenMax = 0.0f;
        if (!layer.simulatedGrid) {
            layer.measured = accumulators[i].result();
            layer.hasMeasured = result.hasFloat;
            if (!result.hasFloat) {
                // A quantized model alone has no float reference: only its grid use means anything.
                const double nan = std::numeric_limits<double>::quiet_NaN();
                layer.measured.sqnrDb = layer.measured.mse = layer.measured.cosine = nan;
                layer.measured.clippingRate = nan;
            }
        } else if (result.hasFloat) {
            // No quantized twin: measure a simulated int8 grid over the seen range.
            layer.gridDtype = DType::Int8;
            layer.grid = QuantGrid::fromRange(layer.seenMin, layer.seenMax, DType::Int8);
            layer.measured = fakeQuantError(layer.floatSamples, layer.grid);
            layer.hasMeasured = true;
        }
        if (layer.override) layer.tuned = requantizeLayer(layer, *layer.override);
    }
    if (result.hasFloat && result.hasQuant) {
        result.top1Agreement = double(agreeTop1) / double(imageCount);
        result.top5Overlap = double(top1InTop5) / double(imageCount);
    } else {
        result.top1Agreement = result.top5Overlap = std::numeric_limits<double>::quiet_NaN();
    }
    return result;
}

QuantError requantizeLayer(const LayerRecord& layer, const TensorRange& range)
{
    return fakeQuantError(layer.floatSamples, QuantGrid::fromRange(range.min, range.max, layer.gridDtype));
}

} // namespace rf::ui
