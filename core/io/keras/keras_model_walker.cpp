#include "io/keras/keras_model_walker.h"

#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace rf::keras {

namespace {

/// A reference to a layer call's output: (layer, node index, tensor index).
struct TensorRef {
    std::string layer;
    int node = 0;
    int tensor = 0;
};

std::string layerName(const Json& layer)
{
    if (layer.contains("name") && layer["name"].is_string()) return layer["name"].get<std::string>();
    const Json& config = layer.at("config");
    return config.value("name", std::string());
}

std::string modelLabel(const GraphBuilder& b, const std::string& scope, const std::string& name)
{
    return b.sourcePath() + ": model '" + (scope.empty() ? name : scope + "/" + name) + "'";
}

/// Keras 3 marks layers of user code with a registered_name like "package>Class".
Status checkNotCustom(const GraphBuilder& b, const Json& layer, const std::string& scope)
{
    const std::string className = layer.value("class_name", std::string());
    const auto registered = layer.find("registered_name");
    const auto module = layer.find("module");
    const bool customName = registered != layer.end() && registered->is_string() &&
                            (registered->get<std::string>().find('>') != std::string::npos ||
                             registered->get<std::string>() != className);
    const bool customModule = module != layer.end() && module->is_string() && module->get<std::string>().rfind("keras", 0) != 0;
    if (customName || customModule) {
        const std::string name = layer.contains("config") && layer["config"].is_object() ? layer["config"].value("name", std::string("?")) : "?";
        return Status::error(b.sourcePath() + ": layer '" + (scope.empty() ? name : scope + "/" + name) + "' (" + className +
                             ") is a custom object (registered_name '" +
                             (registered != layer.end() && registered->is_string() ? registered->get<std::string>() : std::string()) +
                             "', module '" + (module != layer.end() && module->is_string() ? module->get<std::string>() : std::string()) +
                             "'); only its Python code can build it, so the model cannot be loaded");
    }
    return Status::ok();
}

/// Creates a graph input from an InputLayer-like config ("batch_input_shape" in
/// Keras 2, "batch_shape" in Keras 3). The batch dimension becomes 1.
Result<int32_t> createInput(GraphBuilder& b, const std::string& name, const Json& shapeValue, const std::string& where)
{
    if (!shapeValue.is_array() || shapeValue.empty())
        return Status::error(where + ": the input shape is unknown (no batch_input_shape / batch_shape)");
    Shape shape;
    for (size_t i = 0; i < shapeValue.size(); ++i) {
        const Json& d = shapeValue[i];
        if (i == 0) {
            shape.push_back(1);
            continue;
        }
        if (d.is_null() || !d.is_number_integer() || configInt(d) <= 0)
            return Status::error(where + ": input '" + name + "' has shape " + shapeValue.dump() +
                                 " with an unknown or invalid dimension; Rangefinder needs a fixed input size");
        shape.push_back(static_cast<int32_t>(configInt(d)));
    }
    int64_t count = 1;
    for (int32_t d : shape)
        if ((count *= d) > kMaxElements)
            return Status::error(where + ": input '" + name + "' has more than " + std::to_string(kMaxElements) + " elements");
    const int32_t tensor = b.activation(b.uniqueName(name), shape);
    b.graph().inputs.push_back(tensor);
    return tensor;
}

const Json* inputShapeOf(const Json& config)
{
    for (const char* key : {"batch_input_shape", "batch_shape"}) {
        const auto found = config.find(key);
        if (found != config.end() && found->is_array()) return &*found;
    }
    return nullptr;
}

/// Collects the keras_history references of a Keras 3 node's args, in order.
void collectHistories(const Json& value, std::vector<TensorRef>& refs, int depth = 0)
{
    if (depth > 32) throw ConfigValueError("an inbound node's arguments are nested too deeply");
    if (value.is_object()) {
        if (value.value("class_name", std::string()) == "__keras_tensor__") {
            const Json& history = value.at("config").at("keras_history");
            refs.push_back({history.at(0).get<std::string>(), configInt(history.at(1)), configInt(history.at(2))});
            return;
        }
        for (const auto& item : value.items()) collectHistories(item.value(), refs, depth + 1);
    } else if (value.is_array()) {
        for (const Json& item : value) collectHistories(item, refs, depth + 1);
    }
}

/// The inputs of one inbound node: [[name, node, tensor, kwargs], ...] (Keras 2) or
/// {"args": [...], "kwargs": {...}} (Keras 3).
std::vector<TensorRef> nodeInputs(const Json& node)
{
    std::vector<TensorRef> refs;
    if (node.is_object()) {
        collectHistories(node.value("args", Json::array()), refs);
        return refs;
    }
    // A single reference ["name", 0, 0, {}] instead of a list of them (seen in some exports).
    if (node.is_array() && !node.empty() && node[0].is_string())
        return {{node.at(0).get<std::string>(), configInt(node.at(1)), configInt(node.at(2))}};
    for (const Json& entry : node) refs.push_back({entry.at(0).get<std::string>(), configInt(entry.at(1)), configInt(entry.at(2))});
    return refs;
}

/// "input_layers"/"output_layers": [["a", 0, 0], ...] or a single ["a", 0, 0] (Keras 3).
std::vector<TensorRef> layerRefs(const Json& value)
{
    std::vector<TensorRef> refs;
    if (!value.is_array() || value.empty()) return refs;
    if (value[0].is_string()) return {{value.at(0).get<std::string>(), configInt(value.at(1)), configInt(value.at(2))}};
    for (const Json& entry : value) refs.push_back({entry.at(0).get<std::string>(), configInt(entry.at(1)), configInt(entry.at(2))});
    return refs;
}

/// Calls one layer (a plain layer or a nested model) on `inputs`.
Result<std::vector<int32_t>> callLayer(GraphBuilder& b, const Json& layer, const std::string& scope,
                                       const std::string& topLevel, const std::vector<int32_t>& inputs)
{
    RF_RETURN_IF_ERROR(checkNotCustom(b, layer, scope));
    const std::string className = layer.at("class_name").get<std::string>();
    const std::string name = layerName(layer);
    const std::string owner = topLevel.empty() ? name : topLevel;
    if (isModelClass(className)) return lowerModel(b, layer, scope, owner, &inputs);
    LayerCall call;
    call.className = className;
    call.name = name;
    call.scope = scope;
    call.topLevel = owner;
    call.config = &layer.at("config");
    call.outputName = b.uniqueName(name, scope);
    return lowerLayer(b, call, inputs);
}

Result<std::vector<int32_t>> lowerSequential(GraphBuilder& b, const Json& model, const std::string& scope,
                                             const std::string& topLevel, const std::vector<int32_t>* inputs)
{
    const Json& config = model.at("config");
    const Json& layers = config.is_array() ? config : config.at("layers");
    const std::string name = config.is_object() ? config.value("name", std::string("sequential")) : "sequential";
    const std::string innerScope = inputs ? (scope.empty() ? name : scope + "/" + name) : scope;
    const std::string where = modelLabel(b, scope, name);
    if (inputs && inputs->size() != 1)
        return Status::error(where + " (Sequential) is called on " + std::to_string(inputs->size()) + " inputs, expects 1");
    std::optional<int32_t> current;
    if (inputs) current = (*inputs)[0];
    for (const Json& layer : layers) {
        const std::string className = layer.at("class_name").get<std::string>();
        const Json& layerConfig = layer.at("config");
        if (className == "InputLayer") {
            if (!current) {
                RF_ASSIGN_OR_RETURN(current, createInput(b, layerName(layer), inputShapeOf(layerConfig) ? *inputShapeOf(layerConfig) : Json(),
                                                         where));
            }
            continue;
        }
        if (!current) {
            // No InputLayer: Keras builds one named "<first layer>_input" from the first
            // layer's batch_input_shape (or the model's build_input_shape).
            const Json* shape = layerConfig.is_object() ? inputShapeOf(layerConfig) : nullptr;
            if (!shape && config.is_object() && config.contains("build_input_shape")) shape = &config["build_input_shape"];
            RF_ASSIGN_OR_RETURN(current, createInput(b, layerName(layer) + "_input", shape ? *shape : Json(), where));
        }
        RF_ASSIGN_OR_RETURN(std::vector<int32_t> outputs, callLayer(b, layer, innerScope, topLevel, {*current}));
        if (outputs.size() != 1) return Status::error(where + ": Sequential layer '" + layerName(layer) + "' has several outputs");
        current = outputs[0];
    }
    if (!current) return Status::error(where + " has no layers and no input");
    if (!inputs) b.graph().outputs.push_back(*current);
    return std::vector<int32_t>{*current};
}

Result<std::vector<int32_t>> lowerFunctional(GraphBuilder& b, const Json& model, const std::string& scope,
                                             const std::string& topLevel, const std::vector<int32_t>* inputs)
{
    const Json& config = model.at("config");
    const std::string name = config.value("name", std::string("model"));
    const std::string innerScope = inputs ? (scope.empty() ? name : scope + "/" + name) : scope;
    const std::string where = modelLabel(b, scope, name);
    const Json& layers = config.at("layers");

    std::map<std::string, const Json*> byName;
    for (const Json& layer : layers) byName[layerName(layer)] = &layer;
    std::map<std::pair<std::string, int>, std::vector<int32_t>> produced;

    const std::vector<TensorRef> inputRefs = layerRefs(config.value("input_layers", Json::array()));
    if (inputs && inputs->size() != inputRefs.size())
        return Status::error(where + " is called on " + std::to_string(inputs->size()) + " inputs but declares " +
                             std::to_string(inputRefs.size()));
    for (size_t i = 0; i < inputRefs.size(); ++i) {
        const auto found = byName.find(inputRefs[i].layer);
        if (found == byName.end()) return Status::error(where + ": input layer '" + inputRefs[i].layer + "' is not among its layers");
        if (inputs) {
            produced[{inputRefs[i].layer, 0}] = {(*inputs)[i]};
        } else {
            const Json& layerConfig = found->second->at("config");
            const Json* shape = inputShapeOf(layerConfig);
            RF_ASSIGN_OR_RETURN(int32_t tensor, createInput(b, inputRefs[i].layer, shape ? *shape : Json(), where));
            produced[{inputRefs[i].layer, 0}] = {tensor};
        }
    }

    // Every (layer, node) still to call, in layer order; repeated passes resolve nodes
    // that reference layers listed later (shared layers), as Keras's from_config does.
    struct Pending {
        const Json* layer;
        int node;
        std::vector<TensorRef> refs;
    };
    std::vector<Pending> pending;
    for (const Json& layer : layers) {
        if (layer.value("class_name", std::string()) == "InputLayer") continue;
        const Json& nodes = layer.value("inbound_nodes", Json::array());
        for (size_t n = 0; n < nodes.size(); ++n) pending.push_back({&layer, static_cast<int>(n), nodeInputs(nodes[n])});
    }
    while (!pending.empty()) {
        bool progress = false;
        std::vector<Pending> later;
        for (Pending& p : pending) {
            std::vector<int32_t> args;
            bool ready = true;
            for (const TensorRef& ref : p.refs) {
                const auto found = produced.find({ref.layer, ref.node});
                if (found == produced.end()) {
                    ready = false;
                    break;
                }
                if (ref.tensor < 0 || static_cast<size_t>(ref.tensor) >= found->second.size())
                    return Status::error(where + ": layer '" + layerName(*p.layer) + "' uses output " + std::to_string(ref.tensor) +
                                         " of layer '" + ref.layer + "', which has " + std::to_string(found->second.size()));
                args.push_back(found->second[static_cast<size_t>(ref.tensor)]);
            }
            if (!ready) {
                later.push_back(std::move(p));
                continue;
            }
            RF_ASSIGN_OR_RETURN(std::vector<int32_t> outputs, callLayer(b, *p.layer, innerScope, topLevel, args));
            produced[{layerName(*p.layer), p.node}] = std::move(outputs);
            progress = true;
        }
        if (!progress) {
            const Pending& stuck = later.front();
            std::string missing;
            for (const TensorRef& ref : stuck.refs)
                if (!produced.count({ref.layer, ref.node})) missing = "'" + ref.layer + "' node " + std::to_string(ref.node);
            return Status::error(where + ": cannot resolve the inputs of layer '" + layerName(*stuck.layer) + "' (call " +
                                 std::to_string(stuck.node) + "): it uses " + missing + ", which no layer call produces");
        }
        pending = std::move(later);
    }

    std::vector<int32_t> outputs;
    for (const TensorRef& ref : layerRefs(config.value("output_layers", Json::array()))) {
        const auto found = produced.find({ref.layer, ref.node});
        if (found == produced.end() || ref.tensor < 0 || static_cast<size_t>(ref.tensor) >= found->second.size())
            return Status::error(where + ": output layer '" + ref.layer + "' node " + std::to_string(ref.node) + " is never produced");
        outputs.push_back(found->second[static_cast<size_t>(ref.tensor)]);
    }
    if (outputs.empty()) return Status::error(where + " declares no output layers");
    if (!inputs)
        for (int32_t output : outputs) b.graph().outputs.push_back(output);
    return outputs;
}

} // namespace

Result<std::vector<int32_t>> lowerModel(GraphBuilder& builder, const Json& model, const std::string& scope,
                                        const std::string& topLevel, const std::vector<int32_t>* inputs)
{
    // Nested models recurse; a hostile config must not exhaust the stack.
    static thread_local int depth = 0;
    struct DepthGuard {
        DepthGuard() { ++depth; }
        ~DepthGuard() { --depth; }
    } guard;
    if (depth > 16) return Status::error(builder.sourcePath() + ": models are nested more than 16 levels deep");
    try {
        const std::string className = model.at("class_name").get<std::string>();
        if (className == "Sequential") return lowerSequential(builder, model, scope, topLevel, inputs);
        if (className == "Functional" || className == "Model") return lowerFunctional(builder, model, scope, topLevel, inputs);
        return Status::error(builder.sourcePath() + ": the model class '" + className +
                             "' is not supported (expected Sequential, Functional or Model); subclassed models cannot be "
                             "loaded from their config");
    } catch (const nlohmann::json::exception& e) {
        return Status::error(builder.sourcePath() + ": the model config is malformed (" + e.what() + ")");
    } catch (const ConfigValueError& e) {
        return Status::error(builder.sourcePath() + ": the model config has an invalid value (" + e.what() + ")");
    }
}

} // namespace rf::keras
