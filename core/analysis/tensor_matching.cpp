#include "analysis/tensor_matching.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace rf {
namespace {

/// Which ops consume each tensor, and which op produces it (-1: none).
struct GraphIndex {
    std::vector<std::vector<int>> consumers;
    std::vector<int> producer;

    explicit GraphIndex(const Graph& graph)
        : consumers(graph.tensors.size()), producer(graph.tensors.size(), -1)
    {
        for (size_t i = 0; i < graph.ops.size(); ++i) {
            for (int32_t t : graph.ops[i].inputs) {
                if (t >= 0 && static_cast<size_t>(t) < graph.tensors.size()) {
                    auto& list = consumers[static_cast<size_t>(t)];
                    if (list.empty() || list.back() != static_cast<int>(i)) list.push_back(static_cast<int>(i));
                }
            }
            for (int32_t t : graph.ops[i].outputs) {
                if (t >= 0 && static_cast<size_t>(t) < graph.tensors.size()) producer[static_cast<size_t>(t)] = static_cast<int>(i);
            }
        }
    }
};

bool isActivation(const Graph& graph, int32_t t)
{
    return t >= 0 && static_cast<size_t>(t) < graph.tensors.size() && !graph.tensors[static_cast<size_t>(t)].isConstant;
}

std::vector<int32_t> activationInputs(const Graph& graph, const Op& op)
{
    std::vector<int32_t> result;
    for (int32_t t : op.inputs) {
        if (isActivation(graph, t)) result.push_back(t);
    }
    return result;
}

bool hasConstantInput(const Graph& graph, const Op& op)
{
    return std::any_of(op.inputs.begin(), op.inputs.end(), [&](int32_t t) {
        return t >= 0 && static_cast<size_t>(t) < graph.tensors.size() && graph.tensors[static_cast<size_t>(t)].isConstant;
    });
}

bool isActivationFunction(OpType type)
{
    return type == OpType::Relu || type == OpType::Relu6 || type == OpType::ReluN1To1;
}

bool isConstantElementwise(const Graph& graph, const Op& op)
{
    const bool elementwise = op.type == OpType::Mul || op.type == OpType::Add || op.type == OpType::Sub ||
                             op.type == OpType::Div;
    return elementwise && activationInputs(graph, op).size() == 1 && hasConstantInput(graph, op);
}

/// Ops that only re-label a value (same elements in the same order).
bool isReshapeLike(OpType type) { return type == OpType::Reshape || type == OpType::Squeeze; }

bool compatibleTypes(OpType quant, OpType floatType)
{
    if (quant == floatType) return true;
    // A Keras GlobalAveragePooling2D may be lowered to MEAN or to a full-window pool.
    const auto isMeanLike = [](OpType t) { return t == OpType::Mean || t == OpType::AveragePool2D; };
    return isMeanLike(quant) && isMeanLike(floatType);
}

std::vector<std::string> split(const std::string& text, char separator)
{
    std::vector<std::string> parts;
    std::string current;
    for (char c : text) {
        if (c == separator) {
            parts.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    parts.push_back(current);
    return parts;
}

/// "serving_default_input_1:0" -> "serving_default_input_1".
std::string stripOutputSuffix(const std::string& name)
{
    const auto colon = name.rfind(':');
    if (colon != std::string::npos && colon + 1 < name.size() &&
        std::all_of(name.begin() + static_cast<long>(colon) + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return name.substr(0, colon);
    }
    return name;
}

} // namespace

const char* matchMethodName(MatchMethod method)
{
    switch (method) {
    case MatchMethod::GraphIo: return "graph_io";
    case MatchMethod::StructureAndName: return "structure+name";
    case MatchMethod::Structure: return "structure";
    case MatchMethod::Name: return "name";
    }
    return "structure";
}

const TensorMatch* TensorMatching::findByQuantTensor(int32_t quantTensor) const
{
    for (const TensorMatch& match : matches) {
        if (match.quantTensor == quantTensor) return &match;
    }
    return nullptr;
}

bool quantNameRefersTo(const std::string& quantName, const std::string& floatName)
{
    if (floatName.empty() || quantName.empty()) return false;
    const std::string target = stripOutputSuffix(floatName);
    if (stripOutputSuffix(quantName) == target) return true;
    for (const std::string& part : split(quantName, ';')) {
        if (stripOutputSuffix(part) == target) return true;
        for (const std::string& component : split(part, '/')) {
            if (stripOutputSuffix(component) == target) return true;
        }
    }
    return false;
}

namespace {

class Matcher {
public:
    Matcher(const Graph& floatGraph, const Graph& quantGraph)
        : f_(floatGraph), q_(quantGraph), fIndex_(floatGraph), qIndex_(quantGraph)
    {
    }

    Result<TensorMatching> run()
    {
        RF_RETURN_IF_ERROR(checkInterfaces());
        for (size_t i = 0; i < q_.inputs.size(); ++i) {
            addMatch(f_.inputs[i], q_.inputs[i], -1, -1, MatchMethod::GraphIo);
        }
        for (size_t qi = 0; qi < q_.ops.size(); ++qi) matchOp(static_cast<int>(qi));
        matchOutputs();
        if (structuralOrNamed_ == 0) {
            return Status::error(f_.sourcePath + " and " + q_.sourcePath +
                                 " are not the same network: no layer of the quantized model matches a layer of the "
                                 "float model (by structure or by name)");
        }
        listUnmatched();
        return std::move(result_);
    }

private:
    Status checkInterfaces() const
    {
        const std::string both = f_.sourcePath + " and " + q_.sourcePath + " are not the same network: ";
        if (f_.inputs.size() != q_.inputs.size() || f_.outputs.size() != q_.outputs.size()) {
            std::ostringstream out;
            out << both << "the float model has " << f_.inputs.size() << " input(s) and " << f_.outputs.size()
                << " output(s), the quantized model " << q_.inputs.size() << " and " << q_.outputs.size();
            return Status::error(out.str());
        }
        const auto compare = [&](int32_t ft, int32_t qt, const char* what) -> Status {
            const Tensor& a = f_.tensors[static_cast<size_t>(ft)];
            const Tensor& b = q_.tensors[static_cast<size_t>(qt)];
            // Batch dimensions may differ (-1 / 1 / absent); the element count and the
            // innermost dimension (channels, classes) must not.
            const bool same = a.elementCount() == b.elementCount() &&
                              (a.shape.empty() || b.shape.empty() || a.shape.back() == b.shape.back());
            if (same) return Status::ok();
            return Status::error(both + what + " " + f_.tensorLabel(ft) + " has shape " + shapeToString(a.shape) +
                                 ", " + what + " " + q_.tensorLabel(qt) + " has shape " + shapeToString(b.shape));
        };
        for (size_t i = 0; i < f_.inputs.size(); ++i) RF_RETURN_IF_ERROR(compare(f_.inputs[i], q_.inputs[i], "input"));
        for (size_t i = 0; i < f_.outputs.size(); ++i) RF_RETURN_IF_ERROR(compare(f_.outputs[i], q_.outputs[i], "output"));
        return Status::ok();
    }

    void addMatch(int32_t ft, int32_t qt, int fOp, int qOp, MatchMethod method)
    {
        TensorMatch match;
        match.floatTensor = ft;
        match.quantTensor = qt;
        match.floatAnchorOp = fOp;
        match.quantOp = qOp;
        const std::string& floatName = f_.tensors[static_cast<size_t>(ft)].name;
        match.name = floatName.empty() ? q_.tensors[static_cast<size_t>(qt)].name : floatName;
        match.method = method;
        result_.matches.push_back(match);
        qToF_[qt] = ft;
        matchedFloat_.insert(ft);
        matchedQuant_.insert(qt);
        if (method != MatchMethod::GraphIo) ++structuralOrNamed_;
    }

    /// Ops of the quantized graph consuming `qt`, looking through QUANTIZE/DEQUANTIZE.
    std::vector<const Op*> quantConsumers(int32_t qt) const
    {
        std::vector<const Op*> result;
        for (int c : qIndex_.consumers[static_cast<size_t>(qt)]) {
            const Op& op = q_.ops[static_cast<size_t>(c)];
            if (op.type == OpType::Quantize || op.type == OpType::Dequantize) {
                for (const Op* next : quantConsumers(op.outputs[0])) result.push_back(next);
            } else {
                result.push_back(&op);
            }
        }
        return result;
    }

    /// Follows the float ops that the converter folds into quantized op `q` (constant
    /// MUL/ADD of a BatchNormalization, a ReLU fused as activation) and returns the
    /// last tensor of the chain. A float op is not folded when the quantized graph
    /// itself has the same kind of op right after `q` (it then matches separately).
    int32_t absorbChain(int32_t ft, const Op& q, int32_t qOut, std::vector<int32_t>& absorbed) const
    {
        const std::vector<const Op*> next = quantConsumers(qOut);
        const auto quantHasNext = [&](const Op& floatOp) {
            return std::any_of(next.begin(), next.end(), [&](const Op* n) {
                if (n->type != floatOp.type) return false;
                return isActivationFunction(floatOp.type) || hasConstantInput(q_, *n);
            });
        };
        for (;;) {
            if (std::find(f_.outputs.begin(), f_.outputs.end(), ft) != f_.outputs.end()) return ft;
            const auto& consumers = fIndex_.consumers[static_cast<size_t>(ft)];
            if (consumers.size() != 1) return ft;
            const Op& c = f_.ops[static_cast<size_t>(consumers[0])];
            if (c.outputs.size() != 1) return ft;
            const bool foldable = isConstantElementwise(f_, c) || isActivationFunction(c.type);
            if (!foldable || (quantHasNext(c) && !(isActivationFunction(c.type) &&
                                                    q.attrs.activation != FusedActivation::None))) {
                return ft;
            }
            absorbed.push_back(ft);
            ft = c.outputs[0];
        }
    }

    /// Finds the unmatched float op that consumes exactly the float counterparts of
    /// `q`'s activation inputs and has a compatible type.
    int findFloatOp(const Op& q, const std::vector<int32_t>& fActs, int32_t qOut) const
    {
        std::set<int32_t> wanted(fActs.begin(), fActs.end());
        std::vector<int> candidates;
        std::vector<int32_t> starts = {fActs[0]};
        // Also look past float reshapes the converter dropped (Flatten before Dense).
        if (fActs.size() == 1) {
            int32_t t = fActs[0];
            for (int guard = 0; guard < 8; ++guard) {
                const auto& cons = fIndex_.consumers[static_cast<size_t>(t)];
                if (cons.size() != 1) break;
                const Op& c = f_.ops[static_cast<size_t>(cons[0])];
                if (!isReshapeLike(c.type) || c.type == q.type) break;
                t = c.outputs[0];
                starts.push_back(t);
            }
        }
        for (int32_t start : starts) {
            for (int c : fIndex_.consumers[static_cast<size_t>(start)]) {
                if (matchedFloatOps_.count(c)) continue;
                const Op& op = f_.ops[static_cast<size_t>(c)];
                if (!compatibleTypes(q.type, op.type)) continue;
                std::vector<int32_t> acts = activationInputs(f_, op);
                std::set<int32_t> have(acts.begin(), acts.end());
                if (start != fActs[0]) {
                    have.erase(start);
                    have.insert(fActs[0]);
                }
                if (have != wanted) continue;
                candidates.push_back(c);
            }
            if (!candidates.empty()) break;
        }
        if (candidates.empty()) return -1;
        // Among several (branches of the same type), the one whose name agrees.
        const std::string& qName = q_.tensors[static_cast<size_t>(qOut)].name;
        for (int c : candidates) {
            const Op& op = f_.ops[static_cast<size_t>(c)];
            if (quantNameRefersTo(qName, op.layerName) ||
                quantNameRefersTo(qName, f_.tensors[static_cast<size_t>(op.outputs[0])].name)) {
                return c;
            }
        }
        return candidates.front();
    }

    /// Pairs `qOut` by name alone: an unmatched float activation of the same size
    /// whose name (or layer) the quantized name refers to; the last one in float
    /// execution order, which is the end of a folded chain.
    int32_t findByName(int32_t qOut) const
    {
        const Tensor& qt = q_.tensors[static_cast<size_t>(qOut)];
        int32_t best = -1;
        for (size_t fi = 0; fi < f_.ops.size(); ++fi) {
            const Op& op = f_.ops[fi];
            for (int32_t ft : op.outputs) {
                if (ft < 0 || matchedFloat_.count(ft)) continue;
                const Tensor& t = f_.tensors[static_cast<size_t>(ft)];
                if (t.elementCount() != qt.elementCount()) continue;
                if (quantNameRefersTo(qt.name, t.name) || quantNameRefersTo(qt.name, op.layerName)) best = ft;
            }
        }
        return best;
    }

    void matchOp(int qi)
    {
        const Op& q = q_.ops[static_cast<size_t>(qi)];
        if (q.outputs.empty()) return;
        const int32_t qOut = q.outputs[0];
        const std::vector<int32_t> acts = activationInputs(q_, q);
        std::vector<int32_t> fActs;
        bool inputsKnown = !acts.empty();
        for (int32_t a : acts) {
            auto it = qToF_.find(a);
            if (it == qToF_.end()) {
                inputsKnown = false;
                break;
            }
            fActs.push_back(it->second);
        }
        const std::string label = q_.opLabel(static_cast<size_t>(qi));
        if (inputsKnown && (q.type == OpType::Quantize || q.type == OpType::Dequantize)) {
            // The same value in another encoding. A QUANTIZE output is an integer tensor
            // with its own grid (the model's input quantization): worth reporting.
            if (q.type == OpType::Quantize && q_.tensors[static_cast<size_t>(qOut)].isQuantized() &&
                !matchedQuant_.count(qOut)) {
                addMatch(fActs[0], qOut, f_.tensors.empty() ? -1 : fIndex_.producer[static_cast<size_t>(fActs[0])], qi,
                         MatchMethod::Structure);
                --structuralOrNamed_; // an encoding change is no evidence of the same network
            } else {
                qToF_[qOut] = fActs[0];
                aliases_.insert(qOut);
            }
            return;
        }
        if (inputsKnown) {
            const int fo = findFloatOp(q, fActs, qOut);
            if (fo >= 0) {
                const Op& f = f_.ops[static_cast<size_t>(fo)];
                matchedFloatOps_.insert(fo);
                for (size_t k = 0; k < q.outputs.size() && k < f.outputs.size(); ++k) {
                    std::vector<int32_t> absorbed;
                    const int32_t end = absorbChain(f.outputs[k], q, q.outputs[k], absorbed);
                    const Tensor& et = f_.tensors[static_cast<size_t>(end)];
                    const Tensor& qt = q_.tensors[static_cast<size_t>(q.outputs[k])];
                    if (et.elementCount() != qt.elementCount()) {
                        result_.notes.push_back(label + ": float " + f_.opLabel(static_cast<size_t>(fo)) + " output " +
                                                f_.tensorLabel(end) + " has shape " + shapeToString(et.shape) +
                                                ", quantized " + q_.tensorLabel(q.outputs[k]) + " has " +
                                                shapeToString(qt.shape) + "; left unmatched");
                        continue;
                    }
                    for (int32_t a : absorbed) absorbed_.insert(a);
                    bool named = quantNameRefersTo(qt.name, et.name) || quantNameRefersTo(qt.name, f.layerName);
                    for (int32_t a : absorbed) named = named || quantNameRefersTo(qt.name, f_.tensors[static_cast<size_t>(a)].name);
                    addMatch(end, q.outputs[k], fo, qi, named ? MatchMethod::StructureAndName : MatchMethod::Structure);
                }
                return;
            }
            if (isReshapeLike(q.type) && fActs.size() == 1 &&
                f_.tensors[static_cast<size_t>(fActs[0])].elementCount() == q_.tensors[static_cast<size_t>(qOut)].elementCount()) {
                // A reshape the float model does not have: same values, new shape.
                qToF_[qOut] = fActs[0];
                aliases_.insert(qOut);
                return;
            }
        }
        const int32_t byName = findByName(qOut);
        if (byName >= 0) {
            addMatch(byName, qOut, fIndex_.producer[static_cast<size_t>(byName)], qi, MatchMethod::Name);
            return;
        }
        result_.notes.push_back(label + " " + q_.tensorLabel(qOut) + ": no float counterpart (" +
                                (inputsKnown ? "no float op of a compatible type consumes the same inputs"
                                             : "its inputs are unmatched") +
                                ")");
    }

    void matchOutputs()
    {
        for (size_t i = 0; i < q_.outputs.size(); ++i) {
            const int32_t qt = q_.outputs[i];
            const int32_t ft = f_.outputs[i];
            auto it = qToF_.find(qt);
            if (it != qToF_.end()) {
                if (it->second != ft) {
                    result_.notes.push_back("output " + std::to_string(i) + ": quantized " + q_.tensorLabel(qt) +
                                            " was matched to float " + f_.tensorLabel(it->second) +
                                            ", not to the float output " + f_.tensorLabel(ft));
                }
                continue;
            }
            addMatch(ft, qt, fIndex_.producer[static_cast<size_t>(ft)], qIndex_.producer[static_cast<size_t>(qt)],
                     MatchMethod::GraphIo);
        }
    }

    void listUnmatched()
    {
        std::set<int32_t> reached;
        for (const auto& [qt, ft] : qToF_) reached.insert(ft);
        for (const Op& op : f_.ops) {
            for (int32_t t : op.outputs) {
                if (t >= 0 && !matchedFloat_.count(t) && !absorbed_.count(t) && !reached.count(t)) {
                    result_.unmatchedFloat.push_back(t);
                }
            }
        }
        for (const Op& op : q_.ops) {
            for (int32_t t : op.outputs) {
                if (t >= 0 && !matchedQuant_.count(t) && !aliases_.count(t)) result_.unmatchedQuant.push_back(t);
            }
        }
    }

    const Graph& f_;
    const Graph& q_;
    GraphIndex fIndex_, qIndex_;
    TensorMatching result_;
    std::map<int32_t, int32_t> qToF_;
    std::set<int32_t> matchedFloat_, matchedQuant_, absorbed_, aliases_;
    std::set<int> matchedFloatOps_;
    int structuralOrNamed_ = 0;
};

} // namespace

Result<TensorMatching> matchTensors(const Graph& floatGraph, const Graph& quantGraph)
{
    return Matcher(floatGraph, quantGraph).run();
}

} // namespace rf
