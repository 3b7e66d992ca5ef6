#include "io/keras/keras_lowering.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>

namespace rf::keras {

// ---------------------------------------------------------------- config numbers

int configInt(const Json& value)
{
    if (value.is_number_integer()) {
        const int64_t v = value.is_number_unsigned() ? static_cast<int64_t>(std::min<uint64_t>(value.get<uint64_t>(), uint64_t{1} << 40))
                                                     : value.get<int64_t>();
        if (v < -kMaxDimension || v > kMaxDimension) throw ConfigValueError("the integer " + value.dump() + " is out of range");
        return static_cast<int>(v);
    }
    if (value.is_number_float()) {
        const double v = value.get<double>();
        if (!(std::fabs(v) <= static_cast<double>(kMaxDimension)) || v != std::floor(v))
            throw ConfigValueError("expected an integer, found " + value.dump());
        return static_cast<int>(v);
    }
    throw ConfigValueError("expected an integer, found " + value.dump());
}

float configFloat(const Json& value)
{
    if (!value.is_number()) throw ConfigValueError("expected a number, found " + value.dump());
    const double v = value.get<double>();
    if (!std::isfinite(v) || std::fabs(v) > 3.0e38) throw ConfigValueError("the number " + value.dump() + " does not fit a float");
    return static_cast<float>(v);
}

// ---------------------------------------------------------------- GraphBuilder

std::string GraphBuilder::uniqueName(const std::string& preferred, const std::string& scope)
{
    auto claim = [this](const std::string& name) {
        if (usedNames_.count(name)) return false;
        usedNames_[name] = 1;
        return true;
    };
    if (claim(preferred)) return preferred;
    if (!scope.empty() && claim(scope + "/" + preferred)) return scope + "/" + preferred;
    for (int n = 1;; ++n)
        if (claim(preferred + "_" + std::to_string(n))) return preferred + "_" + std::to_string(n);
}

int32_t GraphBuilder::activation(const std::string& uniqueTensorName, Shape shape)
{
    Tensor tensor;
    tensor.name = uniqueTensorName;
    tensor.dtype = DType::Float32;
    tensor.shape = std::move(shape);
    graph_.tensors.push_back(std::move(tensor));
    return static_cast<int32_t>(graph_.tensors.size() - 1);
}

int32_t GraphBuilder::floatConstant(const std::string& name, Shape shape, const std::vector<float>& values)
{
    Tensor tensor;
    tensor.name = uniqueName(name);
    tensor.dtype = DType::Float32;
    tensor.shape = std::move(shape);
    tensor.isConstant = true;
    tensor.data.resize(values.size() * sizeof(float));
    if (!values.empty()) std::memcpy(tensor.data.data(), values.data(), tensor.data.size());
    graph_.tensors.push_back(std::move(tensor));
    return static_cast<int32_t>(graph_.tensors.size() - 1);
}

int32_t GraphBuilder::intConstant(const std::string& name, Shape shape, const std::vector<int32_t>& values)
{
    Tensor tensor;
    tensor.name = uniqueName(name);
    tensor.dtype = DType::Int32;
    tensor.shape = std::move(shape);
    tensor.isConstant = true;
    tensor.data.resize(values.size() * sizeof(int32_t));
    if (!values.empty()) std::memcpy(tensor.data.data(), values.data(), tensor.data.size());
    graph_.tensors.push_back(std::move(tensor));
    return static_cast<int32_t>(graph_.tensors.size() - 1);
}

Op& GraphBuilder::op(OpType type, std::vector<int32_t> inputs, std::vector<int32_t> outputs, const std::string& layerName)
{
    Op op;
    op.type = type;
    op.typeName = std::string(opTypeName(type));
    op.inputs = std::move(inputs);
    op.outputs = std::move(outputs);
    op.layerName = layerName;
    graph_.ops.push_back(std::move(op));
    return graph_.ops.back();
}

std::string layerLabel(const GraphBuilder& builder, const LayerCall& call)
{
    return builder.sourcePath() + ": layer '" + (call.scope.empty() ? call.name : call.scope + "/" + call.name) + "' (" +
           call.className + ")";
}

bool isModelClass(const std::string& className)
{
    return className == "Sequential" || className == "Functional" || className == "Model";
}

namespace {

// ---------------------------------------------------------------- helpers

/// The state of one layer lowering: builder, call, and error/intermediate helpers.
struct Lowerer {
    GraphBuilder& b;
    const LayerCall& call;
    const Json& cfg;

    Status error(const std::string& message) const { return Status::error(layerLabel(b, call) + ": " + message); }

    /// A unique intermediate tensor "<layer>/<part>".
    int32_t intermediate(const std::string& part, Shape shape)
    {
        return b.activation(b.uniqueName(call.outputName + "/" + part), std::move(shape));
    }
    /// The layer's output tensor.
    int32_t output(Shape shape) { return b.activation(call.outputName, std::move(shape)); }
    Op& op(OpType type, std::vector<int32_t> inputs, std::vector<int32_t> outputs)
    {
        return b.op(type, std::move(inputs), std::move(outputs), call.name);
    }
    std::string constName(const std::string& part) const
    {
        return (call.scope.empty() || call.outputName.find('/') == std::string::npos ? call.name : call.outputName) + "/" + part;
    }
    /// A float constant shared across calls of this layer.
    int32_t sharedConstant(const std::string& part, const Shape& shape, const std::vector<float>& values)
    {
        const std::string key = call.scope + "|" + call.name + "|" + part;
        auto& cache = b.constantCache();
        if (auto found = cache.find(key); found != cache.end()) return found->second;
        const int32_t index = b.floatConstant(constName(part), shape, values);
        cache[key] = index;
        return index;
    }
    int32_t scalar(const std::string& part, float value) { return b.floatConstant(constName(part), {1}, {value}); }

    /// Reads weight `kind` of this layer and checks its shape. `orderedKinds` lists the
    /// layer's weights in Keras order, used when the stored names do not follow the
    /// "<layer>/<kind>" convention (very old files).
    Result<FloatArray> weight(const std::string& kind, const Shape& expected, const std::vector<std::string>& orderedKinds)
    {
        const KerasWeights* weights = b.weights();
        if (!weights || !b.weightsFile()) return error("needs weight '" + kind + "' but no weights were provided");
        const WeightEntry* entry = weights->find(call.topLevel, call.name, kind);
        if (!entry && call.topLevel == call.name) {
            // Positional fallback, as Keras itself loads a top-level layer's weights.
            const std::vector<WeightEntry>* group = weights->group(call.topLevel);
            const auto position = std::find(orderedKinds.begin(), orderedKinds.end(), kind) - orderedKinds.begin();
            if (group && group->size() == orderedKinds.size() && position < static_cast<long>(group->size()))
                entry = &(*group)[static_cast<size_t>(position)];
        }
        if (!entry) {
            if (!weights->hasLayer(call.topLevel))
                return error("weight '" + kind + "' is missing: the weights file has no group for layer '" + call.topLevel + "'");
            return error("weight '" + kind + "' is missing from the weights of '" + call.topLevel + "'");
        }
        RF_ASSIGN_OR_RETURN(FloatArray array, b.weightsFile()->readFloatDataset(entry->datasetPath));
        if (array.shape != expected)
            return error("weight '" + kind + "' (" + entry->datasetPath + ") has shape " + shapeToString(array.shape) +
                         " but the layer's config implies " + shapeToString(expected));
        return array;
    }

    std::string str(const char* key, const std::string& fallback) const
    {
        const auto found = cfg.find(key);
        return found == cfg.end() || found->is_null() ? fallback : found->get<std::string>();
    }
    bool flag(const char* key, bool fallback) const
    {
        const auto found = cfg.find(key);
        return found == cfg.end() || found->is_null() ? fallback : found->get<bool>();
    }
    double number(const char* key, double fallback) const
    {
        const auto found = cfg.find(key);
        return found == cfg.end() || found->is_null() ? fallback : found->get<double>();
    }
    int integer(const char* key, int fallback) const
    {
        const auto found = cfg.find(key);
        return found == cfg.end() || found->is_null() ? fallback : configInt(*found);
    }
    /// An int or a list of two ints ("kernel_size": 3 or [3, 3]).
    std::array<int, 2> pair(const char* key, std::array<int, 2> fallback) const
    {
        const auto found = cfg.find(key);
        if (found == cfg.end() || found->is_null()) return fallback;
        if (found->is_number()) return {configInt(*found), configInt(*found)};
        if (found->size() == 1) return {configInt(found->at(0)), configInt(found->at(0))};
        return {configInt(found->at(0)), configInt(found->at(1))};
    }

    Status expectInputs(const std::vector<int32_t>& inputs, size_t count) const
    {
        if (inputs.size() != count)
            return error("expects " + std::to_string(count) + " input(s), is called on " + std::to_string(inputs.size()));
        return Status::ok();
    }
    Status expectRank(int32_t tensor, size_t rank) const
    {
        if (b.shape(tensor).size() != rank)
            return error("expects a rank-" + std::to_string(rank) + " input, got shape " + shapeToString(b.shape(tensor)));
        return Status::ok();
    }
    Status channelsLast() const
    {
        if (str("data_format", "channels_last") != "channels_last")
            return error("data_format '" + str("data_format", "") +
                         "' is not supported; Rangefinder runs channels_last (NHWC) models only, as TFLite does");
        return Status::ok();
    }
};

/// Transposes a row-major array of `dims` by `perm` (result dim i = source dim perm[i]).
std::vector<float> transposed(const std::vector<float>& data, const Shape& dims, const std::vector<int>& perm)
{
    const size_t rank = dims.size();
    std::vector<int64_t> strides(rank, 1);
    for (size_t i = rank - 1; i > 0; --i) strides[i - 1] = strides[i] * dims[i];
    Shape outDims(rank);
    for (size_t i = 0; i < rank; ++i) outDims[i] = dims[static_cast<size_t>(perm[i])];
    std::vector<float> out(data.size());
    std::vector<int32_t> index(rank, 0);
    for (size_t flat = 0; flat < out.size(); ++flat) {
        int64_t source = 0;
        for (size_t i = 0; i < rank; ++i) source += index[i] * strides[static_cast<size_t>(perm[i])];
        out[flat] = data[static_cast<size_t>(source)];
        for (size_t i = rank; i-- > 0;) {
            if (++index[i] < outDims[i]) break;
            index[i] = 0;
        }
    }
    return out;
}

/// TF's output size of a convolution/pool: SAME = ceil(in / stride), VALID = ceil((in - effective + 1) / stride).
int32_t convOutputSize(int32_t in, int kernel, int stride, int dilation, Padding padding)
{
    const int effective = (kernel - 1) * dilation + 1;
    if (padding == Padding::Same) return (in + stride - 1) / stride;
    return in < effective ? 0 : (in - effective) / stride + 1;
}

/// The name of an activation from a config value: "relu", or Keras 3's serialized
/// function {"class_name": "function", "config": "relu", ...}.
Result<std::string> activationName(const Lowerer& l, const Json& value)
{
    if (value.is_null()) return std::string("linear");
    if (value.is_string()) return value.get<std::string>();
    if (value.is_object()) {
        const auto config = value.find("config");
        if (config != value.end() && config->is_string()) return config->get<std::string>();
        return l.error("its activation is a serialized object of class '" + value.value("class_name", std::string("?")) +
                       "'; only named activation functions are supported");
    }
    return l.error("has an unreadable activation value " + value.dump());
}

/// Activations a conv / depthwise / fully connected / add op can fuse (TFLite).
std::optional<FusedActivation> fusable(const std::string& activation)
{
    if (activation == "linear") return FusedActivation::None;
    if (activation == "relu") return FusedActivation::Relu;
    if (activation == "relu6") return FusedActivation::Relu6;
    return std::nullopt;
}

/// Emits `activation` applied to `x`, writing `out` (an existing tensor of x's shape).
Status emitActivation(Lowerer& l, const std::string& activation, int32_t x, int32_t out)
{
    const Shape shape = l.b.shape(x);
    auto unary = [&](OpType type) -> Status {
        l.op(type, {x}, {out});
        return Status::ok();
    };
    if (activation == "linear") {
        // Only reached for an explicit identity (Activation('linear') is aliased earlier).
        l.op(OpType::Reshape, {x, l.b.intConstant(l.constName("shape"), {static_cast<int32_t>(shape.size())}, shape)}, {out})
            .attrs.newShape = shape;
        return Status::ok();
    }
    if (activation == "relu") return unary(OpType::Relu);
    if (activation == "relu6") return unary(OpType::Relu6);
    if (activation == "sigmoid") return unary(OpType::Logistic);
    if (activation == "tanh") return unary(OpType::Tanh);
    if (activation == "hard_swish" || activation == "hard_silu") return unary(OpType::HardSwish);
    if (activation == "exponential") return unary(OpType::Exp);
    if (activation == "softmax") {
        l.op(OpType::Softmax, {x}, {out}).attrs.beta = 1.0f;
        return Status::ok();
    }
    if (activation == "gelu") {
        l.op(OpType::Gelu, {x}, {out}).attrs.approximate = false;
        return Status::ok();
    }
    if (activation == "swish" || activation == "silu") {
        const int32_t sigmoid = l.intermediate("sigmoid", shape);
        l.op(OpType::Logistic, {x}, {sigmoid});
        l.op(OpType::Mul, {x, sigmoid}, {out});
        return Status::ok();
    }
    if (activation == "elu" || activation == "selu") {
        // ELU(x) = x > 0 ? x : exp(x) - 1 (TFLite ELU, alpha 1). SELU = scale * (x > 0 ? x : alpha * (exp(x) - 1)).
        if (activation == "elu") return unary(OpType::Elu);
        const float alpha = 1.6732632423543772848170429916717f, scale = 1.0507009873554804934193349852946f;
        const int32_t elu = l.intermediate("elu", shape);
        l.op(OpType::Elu, {x}, {elu});
        const int32_t positive = l.intermediate("positive", shape);
        l.op(OpType::Relu, {elu}, {positive});
        const int32_t negative = l.intermediate("negative", shape);
        l.op(OpType::Minimum, {elu, l.scalar("zero", 0.0f)}, {negative});
        const int32_t scaledNegative = l.intermediate("alpha_negative", shape);
        l.op(OpType::Mul, {negative, l.scalar("alpha", alpha)}, {scaledNegative});
        const int32_t sum = l.intermediate("sum", shape);
        l.op(OpType::Add, {positive, scaledNegative}, {sum});
        l.op(OpType::Mul, {sum, l.scalar("scale", scale)}, {out});
        return Status::ok();
    }
    if (activation == "hard_sigmoid") {
        if (l.b.flavour().keras3) {
            // Keras 3: relu6(x + 3) / 6.
            const int32_t shifted = l.intermediate("add3", shape);
            l.op(OpType::Add, {x, l.scalar("three", 3.0f)}, {shifted});
            const int32_t clipped = l.intermediate("relu6", shape);
            l.op(OpType::Relu6, {shifted}, {clipped});
            l.op(OpType::Div, {clipped, l.scalar("six", 6.0f)}, {out});
        } else {
            // Keras 2: clip(0.2 * x + 0.5, 0, 1).
            const int32_t scaled = l.intermediate("mul", shape);
            l.op(OpType::Mul, {x, l.scalar("slope", 0.2f)}, {scaled});
            const int32_t shifted = l.intermediate("add", shape);
            l.op(OpType::Add, {scaled, l.scalar("offset", 0.5f)}, {shifted});
            const int32_t low = l.intermediate("max0", shape);
            l.op(OpType::Maximum, {shifted, l.scalar("zero", 0.0f)}, {low});
            l.op(OpType::Minimum, {low, l.scalar("one", 1.0f)}, {out});
        }
        return Status::ok();
    }
    return l.error("activation '" + activation + "' is not supported");
}

/// Runs `emitCore(outTensor, fusedActivation)` then the layer's `activation`: fused
/// when the op can fuse it, otherwise as a separate op. The layer's output tensor
/// (named after the layer) is the last one written.
Result<int32_t> withActivation(Lowerer& l, const std::string& activation, const Shape& shape, bool canFuse,
                               const std::function<void(int32_t, FusedActivation)>& emitCore)
{
    const std::optional<FusedActivation> fused = canFuse ? fusable(activation) : std::nullopt;
    if (fused || activation == "linear") {
        const int32_t out = l.output(shape);
        emitCore(out, fused.value_or(FusedActivation::None));
        return out;
    }
    const int32_t pre = l.intermediate("pre_activation", shape);
    emitCore(pre, FusedActivation::None);
    const int32_t out = l.output(shape);
    RF_RETURN_IF_ERROR(emitActivation(l, activation, pre, out));
    return out;
}

// ---------------------------------------------------------------- convolutions

Result<std::vector<int32_t>> lowerConv2D(Lowerer& l, int32_t x)
{
    RF_RETURN_IF_ERROR(l.channelsLast());
    RF_RETURN_IF_ERROR(l.expectRank(x, 4));
    const Shape in = l.b.shape(x);
    const int filters = configInt(l.cfg.at("filters"));
    const auto kernel = l.pair("kernel_size", {1, 1});
    const auto strides = l.pair("strides", {1, 1});
    const auto dilation = l.pair("dilation_rate", {1, 1});
    const int groups = l.integer("groups", 1);
    const std::string paddingName = l.str("padding", "valid");
    if (paddingName != "same" && paddingName != "valid") return l.error("padding '" + paddingName + "' is not supported");
    const Padding padding = paddingName == "same" ? Padding::Same : Padding::Valid;
    const bool useBias = l.flag("use_bias", true);
    if (filters <= 0 || kernel[0] <= 0 || kernel[1] <= 0 || strides[0] <= 0 || strides[1] <= 0 || dilation[0] <= 0 ||
        dilation[1] <= 0 || groups <= 0)
        return l.error("has a non-positive filters/kernel_size/strides/dilation_rate/groups value");
    if (in[3] % groups != 0 || filters % groups != 0)
        return l.error(std::to_string(groups) + " groups do not divide " + std::to_string(in[3]) + " input channels and " +
                       std::to_string(filters) + " filters");
    const int inPerGroup = in[3] / groups;
    RF_ASSIGN_OR_RETURN(const std::string activation, activationName(l, l.cfg.value("activation", Json("linear"))));
    std::vector<std::string> kinds{"kernel"};
    if (useBias) kinds.push_back("bias");
    RF_ASSIGN_OR_RETURN(FloatArray k, l.weight("kernel", {kernel[0], kernel[1], inPerGroup, filters}, kinds));
    std::optional<FloatArray> bias;
    if (useBias) {
        RF_ASSIGN_OR_RETURN(FloatArray b, l.weight("bias", {filters}, kinds));
        bias = std::move(b);
    }
    const Shape outShape{in[0], convOutputSize(in[1], kernel[0], strides[0], dilation[0], padding),
                         convOutputSize(in[2], kernel[1], strides[1], dilation[1], padding), filters};
    // Keras HWIO -> TFLite OHWI.
    const std::vector<float> ohwi = transposed(k.values, k.shape, {3, 0, 1, 2});
    const int perGroup = filters / groups;
    auto configure = [&](Op& op, FusedActivation fused) {
        op.attrs.padding = padding;
        op.attrs.strideH = strides[0];
        op.attrs.strideW = strides[1];
        op.attrs.dilationH = dilation[0];
        op.attrs.dilationW = dilation[1];
        op.attrs.activation = fused;
    };
    RF_ASSIGN_OR_RETURN(int32_t out, withActivation(l, activation, outShape, true, [&](int32_t target, FusedActivation fused) {
        if (groups == 1) {
            const int32_t filter = l.sharedConstant("kernel", {filters, kernel[0], kernel[1], in[3]}, ohwi);
            const int32_t biasTensor = bias ? l.sharedConstant("bias", {filters}, bias->values) : kNoTensor;
            configure(l.op(OpType::Conv2D, {x, filter, biasTensor}, {target}), fused);
            return;
        }
        // Grouped convolution: SPLIT the channels, one CONV_2D per group, CONCATENATION.
        const Shape groupIn{in[0], in[1], in[2], inPerGroup};
        const Shape groupOut{outShape[0], outShape[1], outShape[2], perGroup};
        std::vector<int32_t> parts, results;
        for (int g = 0; g < groups; ++g) parts.push_back(l.intermediate("split_" + std::to_string(g), groupIn));
        l.op(OpType::Split, {l.b.intConstant(l.constName("split_axis"), {}, {3}), x}, parts).attrs.numSplits = groups;
        const size_t filterSize = static_cast<size_t>(kernel[0]) * kernel[1] * inPerGroup;
        for (int g = 0; g < groups; ++g) {
            const auto begin = ohwi.begin() + static_cast<long>(g * perGroup * filterSize);
            const std::vector<float> groupFilter(begin, begin + static_cast<long>(perGroup * filterSize));
            const int32_t filter = l.sharedConstant("kernel_group_" + std::to_string(g), {perGroup, kernel[0], kernel[1], inPerGroup}, groupFilter);
            int32_t biasTensor = kNoTensor;
            if (bias)
                biasTensor = l.sharedConstant("bias_group_" + std::to_string(g), {perGroup},
                                              std::vector<float>(bias->values.begin() + g * perGroup, bias->values.begin() + (g + 1) * perGroup));
            results.push_back(l.intermediate("group_" + std::to_string(g), groupOut));
            configure(l.op(OpType::Conv2D, {parts[static_cast<size_t>(g)], filter, biasTensor}, {results.back()}), fused);
        }
        l.op(OpType::Concatenation, results, {target}).attrs.axis = 3;
    }));
    return std::vector<int32_t>{out};
}

/// DEPTHWISE_CONV_2D from a Keras depthwise kernel [kh, kw, in, multiplier]; writes `target`.
Status emitDepthwise(Lowerer& l, int32_t x, const FloatArray& kernel, const std::optional<FloatArray>& bias,
                     std::array<int, 2> strides, std::array<int, 2> dilation, Padding padding, FusedActivation fused,
                     int32_t target, const std::string& kernelPart)
{
    const Shape& k = kernel.shape;
    // [kh, kw, in, m] and TFLite's [1, kh, kw, in * m] share the same memory order.
    const int32_t filter = l.sharedConstant(kernelPart, {1, k[0], k[1], k[2] * k[3]}, kernel.values);
    const int32_t biasTensor = bias ? l.sharedConstant("bias", {k[2] * k[3]}, bias->values) : kNoTensor;
    Op& op = l.op(OpType::DepthwiseConv2D, {x, filter, biasTensor}, {target});
    op.attrs.padding = padding;
    op.attrs.strideH = strides[0];
    op.attrs.strideW = strides[1];
    op.attrs.dilationH = dilation[0];
    op.attrs.dilationW = dilation[1];
    op.attrs.depthMultiplier = k[3];
    op.attrs.activation = fused;
    return Status::ok();
}

Result<std::vector<int32_t>> lowerDepthwiseOrSeparable(Lowerer& l, int32_t x, bool separable)
{
    RF_RETURN_IF_ERROR(l.channelsLast());
    RF_RETURN_IF_ERROR(l.expectRank(x, 4));
    const Shape in = l.b.shape(x);
    const auto kernel = l.pair("kernel_size", {1, 1});
    const auto strides = l.pair("strides", {1, 1});
    const auto dilation = l.pair("dilation_rate", {1, 1});
    const int multiplier = l.integer("depth_multiplier", 1);
    const std::string paddingName = l.str("padding", "valid");
    if (paddingName != "same" && paddingName != "valid") return l.error("padding '" + paddingName + "' is not supported");
    const Padding padding = paddingName == "same" ? Padding::Same : Padding::Valid;
    const bool useBias = l.flag("use_bias", true);
    if (multiplier <= 0 || kernel[0] <= 0 || kernel[1] <= 0 || strides[0] <= 0 || strides[1] <= 0 || dilation[0] <= 0 || dilation[1] <= 0)
        return l.error("has a non-positive kernel_size/strides/dilation_rate/depth_multiplier value");
    RF_ASSIGN_OR_RETURN(const std::string activation, activationName(l, l.cfg.value("activation", Json("linear"))));
    const int32_t outH = convOutputSize(in[1], kernel[0], strides[0], dilation[0], padding);
    const int32_t outW = convOutputSize(in[2], kernel[1], strides[1], dilation[1], padding);
    const int depthwiseChannels = in[3] * multiplier;

    if (!separable) {
        // Keras 2 names the weight "depthwise_kernel", Keras 3 "kernel".
        const bool keras3Name = l.b.weights() && !l.b.weights()->find(l.call.topLevel, l.call.name, "depthwise_kernel") &&
                                l.b.weights()->find(l.call.topLevel, l.call.name, "kernel");
        const std::string kernelKind = keras3Name ? "kernel" : "depthwise_kernel";
        std::vector<std::string> kinds{kernelKind};
        if (useBias) kinds.push_back("bias");
        RF_ASSIGN_OR_RETURN(FloatArray k, l.weight(kernelKind, {kernel[0], kernel[1], in[3], multiplier}, kinds));
        std::optional<FloatArray> bias;
        if (useBias) {
            RF_ASSIGN_OR_RETURN(FloatArray b, l.weight("bias", {depthwiseChannels}, kinds));
            bias = std::move(b);
        }
        Status status = Status::ok();
        RF_ASSIGN_OR_RETURN(int32_t out, withActivation(l, activation, {in[0], outH, outW, depthwiseChannels}, true,
                                                        [&](int32_t target, FusedActivation fused) {
                                                            status = emitDepthwise(l, x, k, bias, strides, dilation, padding, fused,
                                                                                   target, "depthwise_kernel");
                                                        }));
        RF_RETURN_IF_ERROR(status);
        return std::vector<int32_t>{out};
    }

    // SeparableConv2D = depthwise (no bias) then a 1x1 convolution with the bias.
    const int filters = configInt(l.cfg.at("filters"));
    if (filters <= 0) return l.error("has a non-positive filters value");
    std::vector<std::string> kinds{"depthwise_kernel", "pointwise_kernel"};
    if (useBias) kinds.push_back("bias");
    RF_ASSIGN_OR_RETURN(FloatArray dk, l.weight("depthwise_kernel", {kernel[0], kernel[1], in[3], multiplier}, kinds));
    RF_ASSIGN_OR_RETURN(FloatArray pk, l.weight("pointwise_kernel", {1, 1, depthwiseChannels, filters}, kinds));
    std::optional<FloatArray> bias;
    if (useBias) {
        RF_ASSIGN_OR_RETURN(FloatArray b, l.weight("bias", {filters}, kinds));
        bias = std::move(b);
    }
    const int32_t depthwiseOut = l.intermediate("depthwise", {in[0], outH, outW, depthwiseChannels});
    RF_RETURN_IF_ERROR(emitDepthwise(l, x, dk, std::nullopt, strides, dilation, padding, FusedActivation::None, depthwiseOut,
                                     "depthwise_kernel"));
    const std::vector<float> pointwise = transposed(pk.values, pk.shape, {3, 0, 1, 2});
    RF_ASSIGN_OR_RETURN(int32_t out, withActivation(l, activation, {in[0], outH, outW, filters}, true,
                                                    [&](int32_t target, FusedActivation fused) {
                                                        const int32_t filter = l.sharedConstant("pointwise_kernel", {filters, 1, 1, depthwiseChannels}, pointwise);
                                                        const int32_t biasTensor = bias ? l.sharedConstant("bias", {filters}, bias->values) : kNoTensor;
                                                        Op& op = l.op(OpType::Conv2D, {depthwiseOut, filter, biasTensor}, {target});
                                                        op.attrs.padding = Padding::Valid;
                                                        op.attrs.activation = fused;
                                                    }));
    return std::vector<int32_t>{out};
}

Result<std::vector<int32_t>> lowerConv2DTranspose(Lowerer& l, int32_t x)
{
    RF_RETURN_IF_ERROR(l.channelsLast());
    RF_RETURN_IF_ERROR(l.expectRank(x, 4));
    const Shape in = l.b.shape(x);
    const int filters = configInt(l.cfg.at("filters"));
    const auto kernel = l.pair("kernel_size", {1, 1});
    const auto strides = l.pair("strides", {1, 1});
    const auto dilation = l.pair("dilation_rate", {1, 1});
    const std::string paddingName = l.str("padding", "valid");
    if (paddingName != "same" && paddingName != "valid") return l.error("padding '" + paddingName + "' is not supported");
    if (dilation[0] != 1 || dilation[1] != 1) return l.error("dilation_rate other than 1 is not supported (TFLite TRANSPOSE_CONV has none)");
    if (l.cfg.contains("output_padding") && !l.cfg["output_padding"].is_null()) return l.error("output_padding is not supported");
    if (filters <= 0 || kernel[0] <= 0 || kernel[1] <= 0 || strides[0] <= 0 || strides[1] <= 0)
        return l.error("has a non-positive filters/kernel_size/strides value");
    const bool same = paddingName == "same";
    const bool useBias = l.flag("use_bias", true);
    RF_ASSIGN_OR_RETURN(const std::string activation, activationName(l, l.cfg.value("activation", Json("linear"))));
    std::vector<std::string> kinds{"kernel"};
    if (useBias) kinds.push_back("bias");
    // Keras stores a transposed convolution's kernel as [kh, kw, out, in].
    RF_ASSIGN_OR_RETURN(FloatArray k, l.weight("kernel", {kernel[0], kernel[1], filters, in[3]}, kinds));
    std::optional<FloatArray> bias;
    if (useBias) {
        RF_ASSIGN_OR_RETURN(FloatArray b, l.weight("bias", {filters}, kinds));
        bias = std::move(b);
    }
    // Keras deconv_output_length: SAME -> in * stride; VALID -> in * stride + max(kernel - stride, 0).
    if (int64_t{in[1]} * strides[0] + kernel[0] > kMaxDimension || int64_t{in[2]} * strides[1] + kernel[1] > kMaxDimension)
        return l.error("produces an output larger than " + std::to_string(kMaxDimension) + " pixels per side");
    auto length = [&](int32_t size, int k2, int s) { return same ? size * s : size * s + std::max(k2 - s, 0); };
    const Shape outShape{in[0], length(in[1], kernel[0], strides[0]), length(in[2], kernel[1], strides[1]), filters};
    const std::vector<float> ohwi = transposed(k.values, k.shape, {2, 0, 1, 3});
    RF_ASSIGN_OR_RETURN(int32_t out, withActivation(l, activation, outShape, true, [&](int32_t target, FusedActivation fused) {
        const int32_t shapeTensor = l.b.intConstant(l.constName("output_shape"), {4}, outShape);
        const int32_t weights = l.sharedConstant("kernel", {filters, kernel[0], kernel[1], in[3]}, ohwi);
        std::vector<int32_t> inputs{shapeTensor, weights, x};
        if (bias) inputs.push_back(l.sharedConstant("bias", {filters}, bias->values));
        Op& op = l.op(OpType::TransposeConv, inputs, {target});
        op.attrs.padding = same ? Padding::Same : Padding::Valid;
        op.attrs.strideH = strides[0];
        op.attrs.strideW = strides[1];
        op.attrs.activation = fused;
    }));
    return std::vector<int32_t>{out};
}

Result<std::vector<int32_t>> lowerDense(Lowerer& l, int32_t x)
{
    const Shape in = l.b.shape(x);
    if (in.size() < 2) return l.error("expects an input of rank >= 2, got shape " + shapeToString(in));
    const int units = configInt(l.cfg.at("units"));
    if (units <= 0) return l.error("has a non-positive units value");
    const bool useBias = l.flag("use_bias", true);
    RF_ASSIGN_OR_RETURN(const std::string activation, activationName(l, l.cfg.value("activation", Json("linear"))));
    std::vector<std::string> kinds{"kernel"};
    if (useBias) kinds.push_back("bias");
    RF_ASSIGN_OR_RETURN(FloatArray k, l.weight("kernel", {in.back(), units}, kinds));
    std::optional<FloatArray> bias;
    if (useBias) {
        RF_ASSIGN_OR_RETURN(FloatArray b, l.weight("bias", {units}, kinds));
        bias = std::move(b);
    }
    Shape outShape = in;
    outShape.back() = units;
    const std::vector<float> weightsOI = transposed(k.values, k.shape, {1, 0});
    RF_ASSIGN_OR_RETURN(int32_t out, withActivation(l, activation, outShape, true, [&](int32_t target, FusedActivation fused) {
        const int32_t weights = l.sharedConstant("kernel", {units, in.back()}, weightsOI);
        const int32_t biasTensor = bias ? l.sharedConstant("bias", {units}, bias->values) : kNoTensor;
        Op& op = l.op(OpType::FullyConnected, {x, weights, biasTensor}, {target});
        op.attrs.activation = fused;
        op.attrs.keepNumDims = in.size() > 2;
    }));
    return std::vector<int32_t>{out};
}

// ---------------------------------------------------------------- normalization

/// The last-axis check shared by BatchNormalization and Normalization.
Result<int> lastAxisChannels(const Lowerer& l, int32_t x)
{
    const Shape& in = l.b.shape(x);
    const int rank = static_cast<int>(in.size());
    if (rank < 2) return l.error("expects an input of rank >= 2, got shape " + shapeToString(in));
    const auto found = l.cfg.find("axis");
    if (found != l.cfg.end() && !found->is_null()) {
        Json axes = found->is_array() ? *found : Json::array({*found});
        if (axes.size() != 1) return l.error("normalizes over several axes " + found->dump() + "; only the channel axis is supported");
        int axis = configInt(axes[0]);
        if (axis < 0) axis += rank;
        if (axis != rank - 1)
            return l.error("normalizes over axis " + found->dump() + " of a rank-" + std::to_string(rank) +
                           " input; only the last (channels_last) axis is supported");
    }
    return in.back();
}

Result<std::vector<int32_t>> lowerBatchNorm(Lowerer& l, int32_t x)
{
    RF_ASSIGN_OR_RETURN(const int channels, lastAxisChannels(l, x));
    const bool center = l.flag("center", true), scale = l.flag("scale", true);
    const double epsilon = l.number("epsilon", 1e-3);
    std::vector<std::string> kinds;
    if (scale) kinds.push_back("gamma");
    if (center) kinds.push_back("beta");
    kinds.push_back("moving_mean");
    kinds.push_back("moving_variance");
    std::vector<float> gamma(static_cast<size_t>(channels), 1.0f), beta(static_cast<size_t>(channels), 0.0f);
    if (scale) {
        RF_ASSIGN_OR_RETURN(FloatArray g, l.weight("gamma", {channels}, kinds));
        gamma = std::move(g.values);
    }
    if (center) {
        RF_ASSIGN_OR_RETURN(FloatArray b, l.weight("beta", {channels}, kinds));
        beta = std::move(b.values);
    }
    RF_ASSIGN_OR_RETURN(FloatArray mean, l.weight("moving_mean", {channels}, kinds));
    RF_ASSIGN_OR_RETURN(FloatArray variance, l.weight("moving_variance", {channels}, kinds));
    // y = x * m + a with m = rsqrt(var + eps) * gamma and a = beta - mean * m, in float32
    // and in this order: that is how TensorFlow evaluates both Keras paths
    // (tf.nn.batch_normalization and the converter's FusedBatchNormV3 decomposition) when
    // it folds the constants, so the folded biases match Google's converter to the bit
    // instead of drifting by ~1e-5 where beta and mean * m nearly cancel.
    std::vector<float> multiplier(static_cast<size_t>(channels)), offset(static_cast<size_t>(channels));
    const float epsilon32 = static_cast<float>(epsilon);
    for (size_t c = 0; c < multiplier.size(); ++c) {
        const float inverseStdDev = 1.0f / std::sqrt(variance.values[c] + epsilon32);
        multiplier[c] = inverseStdDev * gamma[c];
        offset[c] = beta[c] - mean.values[c] * multiplier[c];
    }
    const Shape shape = l.b.shape(x);
    const int32_t scaled = l.intermediate("mul", shape);
    l.op(OpType::Mul, {x, l.sharedConstant("multiplier", {channels}, multiplier)}, {scaled});
    const int32_t out = l.output(shape);
    l.op(OpType::Add, {scaled, l.sharedConstant("offset", {channels}, offset)}, {out});
    return std::vector<int32_t>{out};
}

/// Reads a number or a per-channel list from the config.
std::vector<float> numbers(const Json& value)
{
    std::vector<float> result;
    if (value.is_number()) result.push_back(configFloat(value));
    else if (value.is_array())
        for (const Json& item : value) {
            if (item.is_array()) {
                for (float v : numbers(item)) result.push_back(v);
            } else {
                result.push_back(configFloat(item));
            }
        }
    return result;
}

Result<std::vector<int32_t>> lowerNormalization(Lowerer& l, int32_t x)
{
    if (l.flag("invert", false)) return l.error("invert=True is not supported");
    RF_ASSIGN_OR_RETURN(const int channels, lastAxisChannels(l, x));
    std::vector<float> mean, variance;
    if (l.cfg.contains("mean") && !l.cfg["mean"].is_null()) {
        mean = numbers(l.cfg["mean"]);
        variance = numbers(l.cfg.value("variance", Json(1.0)));
    } else {
        std::vector<std::string> kinds{"mean", "variance", "count"};
        auto read = [&](const std::string& kind) -> Result<std::vector<float>> {
            // Stored as [C] (Keras 3, TF >= 2.6) or with leading 1s (older tf.keras broadcast shapes).
            const WeightEntry* entry = l.b.weights() ? l.b.weights()->find(l.call.topLevel, l.call.name, kind) : nullptr;
            if (!entry) return l.error("weight '" + kind + "' is missing");
            RF_ASSIGN_OR_RETURN(FloatArray array, l.b.weightsFile()->readFloatDataset(entry->datasetPath));
            return std::move(array.values);
        };
        RF_ASSIGN_OR_RETURN(mean, read("mean"));
        RF_ASSIGN_OR_RETURN(variance, read("variance"));
    }
    auto broadcastable = [&](std::vector<float>& values, const char* what) -> Status {
        if (values.size() == 1) values.assign(static_cast<size_t>(channels), values[0]);
        if (values.size() != static_cast<size_t>(channels))
            return l.error(std::string(what) + " has " + std::to_string(values.size()) + " values for " + std::to_string(channels) + " channels");
        return Status::ok();
    };
    RF_RETURN_IF_ERROR(broadcastable(mean, "mean"));
    RF_RETURN_IF_ERROR(broadcastable(variance, "variance"));
    // Keras: (x - mean) / maximum(sqrt(variance), epsilon()) with epsilon() = 1e-7, in float32.
    std::vector<float> denominator(variance.size());
    for (size_t c = 0; c < variance.size(); ++c) denominator[c] = std::max(std::sqrt(variance[c]), 1e-7f);
    const Shape shape = l.b.shape(x);
    const int32_t centered = l.intermediate("sub", shape);
    l.op(OpType::Sub, {x, l.sharedConstant("mean", {channels}, mean)}, {centered});
    const int32_t out = l.output(shape);
    l.op(OpType::Div, {centered, l.sharedConstant("denominator", {channels}, denominator)}, {out});
    return std::vector<int32_t>{out};
}

// ---------------------------------------------------------------- activations

Result<std::vector<int32_t>> lowerReLU(Lowerer& l, int32_t x)
{
    const Shape shape = l.b.shape(x);
    const auto maxFound = l.cfg.find("max_value");
    const bool hasMax = maxFound != l.cfg.end() && !maxFound->is_null();
    const double maxValue = hasMax ? maxFound->get<double>() : 0.0;
    const double slope = l.number("negative_slope", 0.0);
    const double threshold = l.number("threshold", 0.0);
    if (threshold != 0.0) return l.error("threshold " + std::to_string(threshold) + " is not supported (only 0)");
    if (hasMax && maxValue < 0) return l.error("max_value must not be negative");
    const int32_t out = l.output(shape);
    if (slope == 0.0 && !hasMax) {
        l.op(OpType::Relu, {x}, {out});
    } else if (slope == 0.0 && maxValue == 6.0) {
        l.op(OpType::Relu6, {x}, {out});
    } else {
        const int32_t lower = hasMax ? l.intermediate("relu", shape) : out;
        if (slope == 0.0) l.op(OpType::Relu, {x}, {lower});
        else l.op(OpType::LeakyRelu, {x}, {lower}).attrs.alpha = static_cast<float>(slope);
        if (hasMax) l.op(OpType::Minimum, {lower, l.scalar("max_value", static_cast<float>(maxValue))}, {out});
    }
    return std::vector<int32_t>{out};
}

Result<std::vector<int32_t>> lowerPReLU(Lowerer& l, int32_t x)
{
    const Shape in = l.b.shape(x);
    Shape alphaShape(in.begin() + 1, in.end());
    if (l.cfg.contains("shared_axes") && !l.cfg["shared_axes"].is_null()) {
        const Json& axes = l.cfg["shared_axes"];
        for (const Json& axis : axes.is_array() ? axes : Json::array({axes})) {
            const int a = configInt(axis);
            if (a < 1 || a > static_cast<int>(alphaShape.size())) return l.error("shared axis " + std::to_string(a) + " is out of range");
            alphaShape[static_cast<size_t>(a - 1)] = 1;
        }
    }
    RF_ASSIGN_OR_RETURN(FloatArray alpha, l.weight("alpha", alphaShape, {"alpha"}));
    const int32_t out = l.output(in);
    l.op(OpType::Prelu, {x, l.sharedConstant("alpha", alphaShape, alpha.values)}, {out});
    return std::vector<int32_t>{out};
}

Result<std::vector<int32_t>> lowerElu(Lowerer& l, int32_t x)
{
    const double alpha = l.number("alpha", 1.0);
    const Shape shape = l.b.shape(x);
    const int32_t out = l.output(shape);
    if (alpha == 1.0) {
        l.op(OpType::Elu, {x}, {out});
        return std::vector<int32_t>{out};
    }
    // x > 0 ? x : alpha * (exp(x) - 1) = relu(elu(x)) + alpha * min(elu(x), 0).
    const int32_t elu = l.intermediate("elu", shape);
    l.op(OpType::Elu, {x}, {elu});
    const int32_t positive = l.intermediate("positive", shape);
    l.op(OpType::Relu, {elu}, {positive});
    const int32_t negative = l.intermediate("negative", shape);
    l.op(OpType::Minimum, {elu, l.scalar("zero", 0.0f)}, {negative});
    const int32_t scaled = l.intermediate("alpha_negative", shape);
    l.op(OpType::Mul, {negative, l.scalar("alpha", static_cast<float>(alpha))}, {scaled});
    l.op(OpType::Add, {positive, scaled}, {out});
    return std::vector<int32_t>{out};
}

Result<std::vector<int32_t>> lowerSoftmax(Lowerer& l, int32_t x)
{
    const int rank = static_cast<int>(l.b.shape(x).size());
    const auto found = l.cfg.find("axis");
    if (found != l.cfg.end() && !found->is_null()) {
        const Json axes = found->is_array() ? *found : Json::array({*found});
        int axis = axes.size() == 1 ? configInt(axes[0]) : -100;
        if (axis < 0 && axis != -100) axis += rank;
        if (axis != rank - 1) return l.error("softmax over axis " + found->dump() + " is not supported (only the last axis)");
    }
    const int32_t out = l.output(l.b.shape(x));
    l.op(OpType::Softmax, {x}, {out}).attrs.beta = 1.0f;
    return std::vector<int32_t>{out};
}

// ---------------------------------------------------------------- layout

Result<std::array<int, 4>> paddingPairs(const Lowerer& l, const char* key)
{
    const Json& value = l.cfg.at(key);
    if (value.is_number()) {
        const int p = configInt(value);
        return std::array<int, 4>{p, p, p, p};
    }
    if (value.is_array() && value.size() == 2) {
        if (value[0].is_number()) {
            const int h = configInt(value[0]), w = configInt(value[1]);
            return std::array<int, 4>{h, h, w, w};
        }
        return std::array<int, 4>{configInt(value[0].at(0)), configInt(value[0].at(1)), configInt(value[1].at(0)),
                                  configInt(value[1].at(1))};
    }
    return l.error(std::string("has an unreadable '") + key + "' value " + value.dump());
}

Result<std::vector<int32_t>> lowerZeroPadding(Lowerer& l, int32_t x)
{
    RF_RETURN_IF_ERROR(l.channelsLast());
    RF_RETURN_IF_ERROR(l.expectRank(x, 4));
    RF_ASSIGN_OR_RETURN(const auto p, paddingPairs(l, "padding"));
    for (int v : p)
        if (v < 0) return l.error("has a negative padding");
    // configInt bounds every value by 2^24, so these sums cannot overflow int32.
    const Shape in = l.b.shape(x);
    const int32_t paddings = l.b.intConstant(l.constName("paddings"), {4, 2}, {0, 0, p[0], p[1], p[2], p[3], 0, 0});
    const int32_t out = l.output({in[0], in[1] + p[0] + p[1], in[2] + p[2] + p[3], in[3]});
    l.op(OpType::Pad, {x, paddings}, {out});
    return std::vector<int32_t>{out};
}

Result<std::vector<int32_t>> lowerCropping(Lowerer& l, int32_t x)
{
    RF_RETURN_IF_ERROR(l.channelsLast());
    RF_RETURN_IF_ERROR(l.expectRank(x, 4));
    RF_ASSIGN_OR_RETURN(const auto c, paddingPairs(l, "cropping"));
    const Shape in = l.b.shape(x);
    for (int v : c)
        if (v < 0) return l.error("has a negative cropping");
    if (c[0] + c[1] >= in[1] || c[2] + c[3] >= in[2])
        return l.error("crops away the whole input of shape " + shapeToString(in));
    const Shape outShape{in[0], in[1] - c[0] - c[1], in[2] - c[2] - c[3], in[3]};
    const int32_t begin = l.b.intConstant(l.constName("begin"), {4}, {0, c[0], c[2], 0});
    const int32_t end = l.b.intConstant(l.constName("end"), {4}, {in[0], in[1] - c[1], in[2] - c[3], in[3]});
    const int32_t strides = l.b.intConstant(l.constName("strides"), {4}, {1, 1, 1, 1});
    const int32_t out = l.output(outShape);
    l.op(OpType::StridedSlice, {x, begin, end, strides}, {out});
    return std::vector<int32_t>{out};
}

Result<std::vector<int32_t>> lowerPool(Lowerer& l, int32_t x, OpType type)
{
    RF_RETURN_IF_ERROR(l.channelsLast());
    RF_RETURN_IF_ERROR(l.expectRank(x, 4));
    const Shape in = l.b.shape(x);
    const auto size = l.pair("pool_size", {2, 2});
    const auto strides = l.pair("strides", size);
    const std::string paddingName = l.str("padding", "valid");
    if (paddingName != "same" && paddingName != "valid") return l.error("padding '" + paddingName + "' is not supported");
    if (size[0] <= 0 || size[1] <= 0 || strides[0] <= 0 || strides[1] <= 0) return l.error("has a non-positive pool_size or strides");
    const Padding padding = paddingName == "same" ? Padding::Same : Padding::Valid;
    const int32_t out = l.output({in[0], convOutputSize(in[1], size[0], strides[0], 1, padding),
                                  convOutputSize(in[2], size[1], strides[1], 1, padding), in[3]});
    Op& op = l.op(type, {x}, {out});
    op.attrs.padding = padding;
    op.attrs.filterH = size[0];
    op.attrs.filterW = size[1];
    op.attrs.strideH = strides[0];
    op.attrs.strideW = strides[1];
    return std::vector<int32_t>{out};
}

Result<std::vector<int32_t>> lowerGlobalPool(Lowerer& l, int32_t x, bool average)
{
    RF_RETURN_IF_ERROR(l.channelsLast());
    RF_RETURN_IF_ERROR(l.expectRank(x, 4));
    const Shape in = l.b.shape(x);
    const bool keepDims = l.flag("keepdims", false);
    const Shape outShape = keepDims ? Shape{in[0], 1, 1, in[3]} : Shape{in[0], in[3]};
    if (average) {
        const int32_t out = l.output(outShape);
        l.op(OpType::Mean, {x, l.b.intConstant(l.constName("axes"), {2}, {1, 2})}, {out}).attrs.keepDims = keepDims;
        return std::vector<int32_t>{out};
    }
    // The maximum over H and W is a MAX_POOL_2D whose window is the whole image (exact).
    const int32_t pooled = keepDims ? l.output(outShape) : l.intermediate("max_pool", {in[0], 1, 1, in[3]});
    Op& op = l.op(OpType::MaxPool2D, {x}, {pooled});
    op.attrs.padding = Padding::Valid;
    op.attrs.filterH = in[1];
    op.attrs.filterW = in[2];
    op.attrs.strideH = 1;
    op.attrs.strideW = 1;
    if (keepDims) return std::vector<int32_t>{pooled};
    const int32_t out = l.output(outShape);
    l.op(OpType::Reshape, {pooled, l.b.intConstant(l.constName("shape"), {2}, outShape)}, {out}).attrs.newShape = outShape;
    return std::vector<int32_t>{out};
}

Result<std::vector<int32_t>> emitReshape(Lowerer& l, int32_t x, const Shape& outShape)
{
    if (elementCount(outShape) != elementCount(l.b.shape(x)))
        return l.error("cannot reshape " + shapeToString(l.b.shape(x)) + " to " + shapeToString(outShape));
    const int32_t out = l.output(outShape);
    l.op(OpType::Reshape, {x, l.b.intConstant(l.constName("shape"), {static_cast<int32_t>(outShape.size())}, outShape)}, {out})
        .attrs.newShape = outShape;
    return std::vector<int32_t>{out};
}

Result<std::vector<int32_t>> lowerReshape(Lowerer& l, int32_t x)
{
    const Shape in = l.b.shape(x);
    Shape outShape{in[0]};
    int inferred = -1;
    int64_t known = 1;
    for (const Json& d : l.cfg.at("target_shape")) {
        const int v = d.is_null() ? -1 : configInt(d);
        if (v == -1) {
            if (inferred >= 0) return l.error("target_shape has more than one unknown dimension");
            inferred = static_cast<int>(outShape.size());
        } else if (v <= 0) {
            return l.error("target_shape has a non-positive dimension");
        } else {
            known *= v;
            if (known > kMaxElements) return l.error("target_shape has more than " + std::to_string(kMaxElements) + " elements");
        }
        outShape.push_back(v);
    }
    const int64_t total = elementCount(in) / std::max<int64_t>(in[0], 1);
    if (inferred >= 0) {
        if (known == 0 || total % known != 0) return l.error("cannot infer target_shape for input " + shapeToString(in));
        outShape[static_cast<size_t>(inferred)] = static_cast<int32_t>(total / known);
    }
    return emitReshape(l, x, outShape);
}

Result<std::vector<int32_t>> lowerPermute(Lowerer& l, int32_t x)
{
    const Shape in = l.b.shape(x);
    std::vector<int32_t> perm{0};
    for (const Json& d : l.cfg.at("dims")) perm.push_back(configInt(d));
    if (perm.size() != in.size()) return l.error("dims do not match the input rank of shape " + shapeToString(in));
    std::vector<bool> seen(in.size(), false);
    Shape outShape;
    for (int32_t p : perm) {
        if (p < 0 || p >= static_cast<int32_t>(in.size()) || seen[static_cast<size_t>(p)]) return l.error("dims are not a permutation");
        seen[static_cast<size_t>(p)] = true;
        outShape.push_back(in[static_cast<size_t>(p)]);
    }
    const int32_t out = l.output(outShape);
    l.op(OpType::Transpose, {x, l.b.intConstant(l.constName("perm"), {static_cast<int32_t>(perm.size())}, perm)}, {out});
    return std::vector<int32_t>{out};
}

Result<std::vector<int32_t>> lowerUpSampling(Lowerer& l, int32_t x)
{
    RF_RETURN_IF_ERROR(l.channelsLast());
    RF_RETURN_IF_ERROR(l.expectRank(x, 4));
    const Shape in = l.b.shape(x);
    const auto size = l.pair("size", {2, 2});
    if (size[0] <= 0 || size[1] <= 0) return l.error("has a non-positive size");
    const std::string interpolation = l.str("interpolation", "nearest");
    if (interpolation != "nearest" && interpolation != "bilinear")
        return l.error("interpolation '" + interpolation + "' is not supported (only nearest and bilinear)");
    if (int64_t{in[1]} * size[0] > kMaxDimension || int64_t{in[2]} * size[1] > kMaxDimension)
        return l.error("upsamples to an output larger than " + std::to_string(kMaxDimension) + " pixels per side");
    const Shape outShape{in[0], in[1] * size[0], in[2] * size[1], in[3]};
    const int32_t out = l.output(outShape);
    const int32_t sizeTensor = l.b.intConstant(l.constName("size"), {2}, {outShape[1], outShape[2]});
    Op& op = l.op(interpolation == "nearest" ? OpType::ResizeNearestNeighbor : OpType::ResizeBilinear, {x, sizeTensor}, {out});
    // TF 2 (tf.image.resize) samples at half-pixel centers; Keras 2.0-2.3 and TF 1.x's
    // tf.keras called resize_{nearest_neighbor,bilinear} without them.
    op.attrs.alignCorners = false;
    op.attrs.halfPixelCenters = !l.b.flavour().legacyResize;
    return std::vector<int32_t>{out};
}

Result<std::vector<int32_t>> lowerRescaling(Lowerer& l, int32_t x)
{
    const Shape shape = l.b.shape(x);
    std::vector<float> scale = numbers(l.cfg.value("scale", Json(1.0)));
    std::vector<float> offset = numbers(l.cfg.value("offset", Json(0.0)));
    if (scale.empty() || offset.empty()) return l.error("has an unreadable scale or offset");
    auto constantShape = [&](const std::vector<float>& values) -> Result<Shape> {
        if (values.size() == 1) return Shape{1};
        if (static_cast<int32_t>(values.size()) == shape.back()) return Shape{shape.back()};
        return l.error("has " + std::to_string(values.size()) + " scale/offset values for " + std::to_string(shape.back()) + " channels");
    };
    RF_ASSIGN_OR_RETURN(const Shape scaleShape, constantShape(scale));
    RF_ASSIGN_OR_RETURN(const Shape offsetShape, constantShape(offset));
    const bool hasOffset = std::any_of(offset.begin(), offset.end(), [](float v) { return v != 0.0f; });
    const int32_t scaled = hasOffset ? l.intermediate("mul", shape) : l.output(shape);
    l.op(OpType::Mul, {x, l.sharedConstant("scale", scaleShape, scale)}, {scaled});
    if (!hasOffset) return std::vector<int32_t>{scaled};
    const int32_t out = l.output(shape);
    l.op(OpType::Add, {scaled, l.sharedConstant("offset", offsetShape, offset)}, {out});
    return std::vector<int32_t>{out};
}

// ---------------------------------------------------------------- merges

/// numpy-style broadcast of two shapes, or nullopt.
std::optional<Shape> broadcastShapes(const Shape& a, const Shape& b)
{
    Shape out(std::max(a.size(), b.size()));
    for (size_t i = 0; i < out.size(); ++i) {
        const int32_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
        const int32_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
        if (da != db && da != 1 && db != 1) return std::nullopt;
        out[i] = std::max(da, db);
    }
    return out;
}

Result<std::vector<int32_t>> lowerMerge(Lowerer& l, const std::vector<int32_t>& inputs, const std::string& kind)
{
    if (inputs.size() < 2) return l.error("merges " + std::to_string(inputs.size()) + " input(s); it needs at least 2");
    if (kind == "Subtract" && inputs.size() != 2) return l.error("needs exactly 2 inputs");
    const OpType type = kind == "Add" || kind == "Average" ? OpType::Add
                        : kind == "Subtract"                ? OpType::Sub
                        : kind == "Multiply"                ? OpType::Mul
                        : kind == "Maximum"                 ? OpType::Maximum
                                                            : OpType::Minimum;
    // Keras folds left: ((x0 op x1) op x2) ...
    int32_t accumulator = inputs[0];
    for (size_t i = 1; i < inputs.size(); ++i) {
        const auto shape = broadcastShapes(l.b.shape(accumulator), l.b.shape(inputs[i]));
        if (!shape) return l.error("cannot broadcast " + shapeToString(l.b.shape(accumulator)) + " with " + shapeToString(l.b.shape(inputs[i])));
        const bool last = i + 1 == inputs.size() && kind != "Average";
        const int32_t out = last ? l.output(*shape) : l.intermediate("step_" + std::to_string(i), *shape);
        l.op(type, {accumulator, inputs[i]}, {out});
        accumulator = out;
    }
    if (kind == "Average") {
        const int32_t out = l.output(l.b.shape(accumulator));
        l.op(OpType::Div, {accumulator, l.scalar("count", static_cast<float>(inputs.size()))}, {out});
        accumulator = out;
    }
    return std::vector<int32_t>{accumulator};
}

Result<std::vector<int32_t>> lowerConcatenate(Lowerer& l, const std::vector<int32_t>& inputs)
{
    if (inputs.empty()) return l.error("has no inputs");
    const Shape first = l.b.shape(inputs[0]);
    const int rank = static_cast<int>(first.size());
    int axis = l.integer("axis", -1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return l.error("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    Shape outShape = first;
    outShape[static_cast<size_t>(axis)] = 0;
    for (int32_t input : inputs) {
        const Shape& s = l.b.shape(input);
        if (s.size() != first.size()) return l.error("concatenates inputs of different ranks");
        for (int d = 0; d < rank; ++d)
            if (d != axis && s[static_cast<size_t>(d)] != first[static_cast<size_t>(d)])
                return l.error("concatenates mismatched shapes " + shapeToString(first) + " and " + shapeToString(s));
        outShape[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
        if (outShape[static_cast<size_t>(axis)] > kMaxDimension) return l.error("concatenates to a dimension larger than " + std::to_string(kMaxDimension));
    }
    const int32_t out = l.output(outShape);
    l.op(OpType::Concatenation, inputs, {out}).attrs.axis = axis;
    return std::vector<int32_t>{out};
}

bool isIdentityClass(const std::string& c)
{
    static const char* const names[] = {"Dropout",        "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                                        "GaussianNoise",  "GaussianDropout",  "AlphaDropout",     "ActivityRegularization"};
    return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return c == n; });
}

Result<std::vector<int32_t>> dispatch(Lowerer& l, const std::vector<int32_t>& inputs)
{
    const std::string& c = l.call.className;
    if (c == "Add" || c == "Subtract" || c == "Multiply" || c == "Average" || c == "Maximum" || c == "Minimum")
        return lowerMerge(l, inputs, c);
    if (c == "Concatenate") return lowerConcatenate(l, inputs);
    RF_RETURN_IF_ERROR(l.expectInputs(inputs, 1));
    const int32_t x = inputs[0];
    if (isIdentityClass(c)) return std::vector<int32_t>{x};
    if (c == "Conv2D" || c == "Convolution2D") return lowerConv2D(l, x);
    if (c == "DepthwiseConv2D") return lowerDepthwiseOrSeparable(l, x, false);
    if (c == "SeparableConv2D" || c == "SeparableConvolution2D") return lowerDepthwiseOrSeparable(l, x, true);
    if (c == "Conv2DTranspose" || c == "Convolution2DTranspose" || c == "Deconvolution2D") return lowerConv2DTranspose(l, x);
    if (c == "Dense") return lowerDense(l, x);
    if (c == "BatchNormalization") return lowerBatchNorm(l, x);
    if (c == "Normalization") return lowerNormalization(l, x);
    if (c == "Activation") {
        RF_ASSIGN_OR_RETURN(const std::string activation, activationName(l, l.cfg.value("activation", Json("linear"))));
        if (activation == "linear") return std::vector<int32_t>{x};
        const int32_t out = l.output(l.b.shape(x));
        RF_RETURN_IF_ERROR(emitActivation(l, activation, x, out));
        return std::vector<int32_t>{out};
    }
    if (c == "ReLU") return lowerReLU(l, x);
    if (c == "LeakyReLU") {
        const double alpha = l.cfg.contains("negative_slope") ? l.number("negative_slope", 0.3) : l.number("alpha", 0.3);
        const int32_t out = l.output(l.b.shape(x));
        l.op(OpType::LeakyRelu, {x}, {out}).attrs.alpha = static_cast<float>(alpha);
        return std::vector<int32_t>{out};
    }
    if (c == "PReLU") return lowerPReLU(l, x);
    if (c == "ELU") return lowerElu(l, x);
    if (c == "Softmax") return lowerSoftmax(l, x);
    if (c == "ZeroPadding2D") return lowerZeroPadding(l, x);
    if (c == "Cropping2D") return lowerCropping(l, x);
    if (c == "MaxPooling2D" || c == "MaxPool2D") return lowerPool(l, x, OpType::MaxPool2D);
    if (c == "AveragePooling2D" || c == "AvgPool2D") return lowerPool(l, x, OpType::AveragePool2D);
    if (c == "GlobalAveragePooling2D" || c == "GlobalAvgPool2D") return lowerGlobalPool(l, x, true);
    if (c == "GlobalMaxPooling2D" || c == "GlobalMaxPool2D") return lowerGlobalPool(l, x, false);
    if (c == "Flatten") {
        RF_RETURN_IF_ERROR(l.channelsLast());
        const Shape in = l.b.shape(x);
        return emitReshape(l, x, {in[0], static_cast<int32_t>(elementCount(in) / std::max<int32_t>(in[0], 1))});
    }
    if (c == "Reshape") return lowerReshape(l, x);
    if (c == "Permute") return lowerPermute(l, x);
    if (c == "UpSampling2D") return lowerUpSampling(l, x);
    if (c == "Rescaling") return lowerRescaling(l, x);
    if (c == "Lambda" || c == "TFOpLambda" || c == "SlicingOpLambda")
        return l.error("is a " + c + " layer, which holds Python code that cannot be loaded outside Python; "
                       "rewrite it with built-in layers to load the model");
    return l.error("layer class '" + c + "' is not supported");
}

} // namespace

Result<std::vector<int32_t>> lowerLayer(GraphBuilder& builder, const LayerCall& call, const std::vector<int32_t>& inputs)
{
    static const Json emptyConfig = Json::object();
    Lowerer lowerer{builder, call, call.config && call.config->is_object() ? *call.config : emptyConfig};
    const size_t firstNewTensor = builder.graph().tensors.size();
    try {
        RF_ASSIGN_OR_RETURN(std::vector<int32_t> outputs, dispatch(lowerer, inputs));
        // Every new tensor must be a sane size before later layers compute with its shape.
        for (size_t t = firstNewTensor; t < builder.graph().tensors.size(); ++t) {
            int64_t count = 1;
            for (int32_t d : builder.graph().tensors[t].shape) {
                if (d < 0 || d > kMaxDimension) return lowerer.error("produces a tensor with an invalid dimension " + std::to_string(d));
                count *= std::max<int64_t>(d, 1);
                if (count > kMaxElements) return lowerer.error("produces a tensor of more than " + std::to_string(kMaxElements) + " elements");
            }
        }
        return outputs;
    } catch (const nlohmann::json::exception& e) {
        return lowerer.error(std::string("has a malformed config (") + e.what() + ")");
    } catch (const ConfigValueError& e) {
        return lowerer.error(std::string("has an invalid config value (") + e.what() + ")");
    }
}

} // namespace rf::keras
