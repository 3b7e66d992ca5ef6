#include "quant/quantizer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "quant/graph_passes.h"
#include "quant/quantizer_math.h"
#include "quant/tensor_range.h"

namespace rf {

std::string_view quantModeName(QuantMode mode)
{
    switch (mode) {
    case QuantMode::Float32: return "FLOAT";
    case QuantMode::Int8: return "INT8";
    case QuantMode::UInt8Legacy: return "QUANTIZED_UINT8";
    case QuantMode::Int16x8: return "INT16X8";
    case QuantMode::DynamicRange: return "DYNAMIC_RANGE";
    case QuantMode::Float16: return "FLOAT16";
    }
    return "?";
}

namespace {

std::string upper(std::string_view text)
{
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

} // namespace

std::optional<QuantMode> quantModeFromName(std::string_view name)
{
    const std::string u = upper(name);
    for (QuantMode mode : {QuantMode::Float32, QuantMode::Int8, QuantMode::UInt8Legacy, QuantMode::Int16x8,
                           QuantMode::DynamicRange, QuantMode::Float16})
        if (u == quantModeName(mode)) return mode;
    if (u == "FLOAT32") return QuantMode::Float32;
    if (u == "UINT8") return QuantMode::UInt8Legacy;
    return std::nullopt;
}

std::string_view edgeTypeName(EdgeType type)
{
    switch (type) {
    case EdgeType::Default: return "DEFAULT";
    case EdgeType::Float32: return "FLOAT";
    case EdgeType::Int8: return "INT8";
    case EdgeType::UInt8: return "UINT8";
    case EdgeType::Int16: return "INT16";
    }
    return "?";
}

std::optional<EdgeType> edgeTypeFromName(std::string_view name)
{
    const std::string u = upper(name);
    if (u == "DEFAULT") return EdgeType::Default;
    if (u == "FLOAT" || u == "FLOAT32") return EdgeType::Float32;
    if (u == "INT8") return EdgeType::Int8;
    if (u == "UINT8" || u == "QUANTIZED_UINT8") return EdgeType::UInt8;
    if (u == "INT16") return EdgeType::Int16;
    return std::nullopt;
}

namespace {

bool isIntegerMode(QuantMode mode)
{
    return mode == QuantMode::Int8 || mode == QuantMode::UInt8Legacy || mode == QuantMode::Int16x8;
}

/// Ops whose quantized kernels exist in TFLite (and the core) for the mode's activation type.
bool quantizableOp(OpType type, QuantMode mode)
{
    switch (type) {
    case OpType::Add:
    case OpType::Sub:
    case OpType::Mul:
    case OpType::AveragePool2D:
    case OpType::MaxPool2D:
    case OpType::Concatenation:
    case OpType::Conv2D:
    case OpType::DepthwiseConv2D:
    case OpType::FullyConnected:
    case OpType::Mean:
    case OpType::Pad:
    case OpType::Reshape:
    case OpType::Squeeze:
    case OpType::Softmax:
    case OpType::Relu:
    case OpType::Relu6:
    case OpType::ResizeBilinear:
    case OpType::ResizeNearestNeighbor:
    case OpType::StridedSlice:
    case OpType::Transpose:
    case OpType::Maximum:
    case OpType::Minimum:
    case OpType::TransposeConv: return true;
    // The core (like TFLite's reference kernels it follows) has no int16 LOGISTIC/TANH
    // here; in 16x8 mode they stay float with QUANTIZE/DEQUANTIZE around them.
    case OpType::Logistic:
    case OpType::Tanh:
    case OpType::PadV2:
    case OpType::Split:
    case OpType::SplitV:
    case OpType::ReluN1To1:
    case OpType::LeakyRelu:
    case OpType::HardSwish: return mode != QuantMode::Int16x8;
    default: return false;
    }
}

/// Ops whose quantized output must use their input's parameters (spec: "Input and
/// outputs must all have same scale/zero_point"); the converter propagates them.
bool sameScaleOp(OpType type)
{
    switch (type) {
    case OpType::AveragePool2D:
    case OpType::MaxPool2D:
    case OpType::Pad:
    case OpType::PadV2:
    case OpType::Reshape:
    case OpType::Squeeze:
    case OpType::StridedSlice:
    case OpType::Transpose:
    case OpType::Split:
    case OpType::SplitV:
    case OpType::ResizeBilinear:
    case OpType::ResizeNearestNeighbor: return true;
    default: return false;
    }
}

/// The activation input that same-scale ops take their parameters from.
int dataInputIndex(OpType type)
{
    return type == OpType::Split ? 1 : 0;
}

struct AffineOpLayout {
    int dataInput = 0;
    int weightInput = 1;
    int biasInput = 2;
    int channelAxis = 0;
};

bool affineOpLayout(OpType type, AffineOpLayout* layout)
{
    switch (type) {
    case OpType::Conv2D: *layout = {0, 1, 2, 0}; return true;
    case OpType::DepthwiseConv2D: *layout = {0, 1, 2, 3}; return true;
    case OpType::FullyConnected: *layout = {0, 1, 2, 0}; return true;
    case OpType::TransposeConv: *layout = {2, 1, 3, 0}; return true;
    default: return false;
    }
}

std::vector<float> floatValues(const Tensor& tensor)
{
    std::vector<float> values(static_cast<size_t>(tensor.elementCount()));
    if (!values.empty() && tensor.data.size() >= values.size() * sizeof(float))
        std::memcpy(values.data(), tensor.data.data(), values.size() * sizeof(float));
    return values;
}

template <typename T> void storeValues(Tensor& tensor, const std::vector<int64_t>& values)
{
    tensor.data.resize(values.size() * sizeof(T));
    for (size_t i = 0; i < values.size(); ++i) {
        const T v = static_cast<T>(values[i]);
        std::memcpy(tensor.data.data() + i * sizeof(T), &v, sizeof(T));
    }
}

void storeInts(Tensor& tensor, const std::vector<int64_t>& values)
{
    switch (tensor.dtype) {
    case DType::Int8: storeValues<int8_t>(tensor, values); break;
    case DType::UInt8: storeValues<uint8_t>(tensor, values); break;
    case DType::Int16: storeValues<int16_t>(tensor, values); break;
    case DType::Int32: storeValues<int32_t>(tensor, values); break;
    case DType::Int64: storeValues<int64_t>(tensor, values); break;
    default: break;
    }
}

/// The integer range of an activation type.
struct IntRange {
    int64_t min = 0, max = 0;
};

IntRange intRange(DType type)
{
    switch (type) {
    case DType::Int8: return {-128, 127};
    case DType::UInt8: return {0, 255};
    case DType::Int16: return {-32768, 32767};
    case DType::Int32: return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    default: return {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
    }
}

QuantParams toQuantParams(const AffineParams& p)
{
    QuantParams q;
    q.scales = {static_cast<float>(p.scale)};
    q.zeroPoints = {p.zeroPoint};
    return q;
}

class Converter {
public:
    Converter(const Graph& source, const RangeTable& ranges, const QuantizeOptions& options)
        : src_(source), ranges_(ranges), options_(options)
    {
        switch (options.mode) {
        case QuantMode::UInt8Legacy: actType_ = DType::UInt8; break;
        case QuantMode::Int16x8: actType_ = DType::Int16; break;
        default: actType_ = DType::Int8; break;
        }
    }

    Result<QuantizeResult> run()
    {
        RF_RETURN_IF_ERROR(checkSource());
        out_.tensors = src_.tensors;
        out_.inputs = src_.inputs;
        out_.outputs = src_.outputs;
        out_.sourcePath = src_.sourcePath;
        out_.description = options_.description.empty()
                               ? std::string("Rangefinder ") + RF_VERSION + " (" + std::string(quantModeName(options_.mode)) + ")"
                               : options_.description;
        decideOps();
        switch (options_.mode) {
        case QuantMode::Float32: out_.ops = src_.ops; break;
        case QuantMode::Float16: convertFloat16(); break;
        case QuantMode::DynamicRange: convertDynamicRange(); break;
        default: RF_RETURN_IF_ERROR(convertInteger()); break;
        }
        // Float originals of quantized constants are no longer referenced.
        removeUnusedTensors(out_);
        RF_RETURN_IF_ERROR(out_.validate().withContext(src_.sourcePath + ": quantized graph"));
        result_.graph = std::move(out_);
        if (!result_.defaultRangeTensors.empty()) {
            result_.warnings.push_back(
                "default ranges [" + std::to_string(options_.defaultRange->min) + ", " +
                std::to_string(options_.defaultRange->max) + "] were used for " +
                std::to_string(result_.defaultRangeTensors.size()) +
                " tensors without calibration data; this is for experiments only and usually costs accuracy");
        }
        return std::move(result_);
    }

    std::vector<std::string> neededRanges()
    {
        std::vector<std::string> names;
        if (!isIntegerMode(options_.mode)) return names;
        decideOps();
        std::set<int32_t> seen;
        for (size_t i = 0; i < src_.ops.size(); ++i) {
            if (!quantized_[i]) continue;
            const Op& op = src_.ops[i];
            // Inputs produced by quantized ops take their producer's parameters.
            for (int32_t t : op.inputs)
                if (isActivation(t) && !producedByQuantizedOp(t) && seen.insert(t).second)
                    names.push_back(src_.tensors[static_cast<size_t>(t)].name);
            if (sameScaleOp(op.type) || hasFixedOutput(op.type)) continue;
            for (int32_t t : op.outputs)
                if (isActivation(t) && seen.insert(t).second) names.push_back(src_.tensors[static_cast<size_t>(t)].name);
        }
        return names;
    }

private:
    // ---- analysis of the source graph -------------------------------------------------

    Status checkSource() const
    {
        RF_RETURN_IF_ERROR(src_.validate());
        for (size_t i = 0; i < src_.ops.size(); ++i) {
            const Op& op = src_.ops[i];
            if (op.type == OpType::Quantize || op.type == OpType::Dequantize)
                return Status::error(src_.opLabel(i) + ": the graph is already quantized; convert from a float model "
                                                       "(run the graph passes to expand float16 constants first)");
            for (int32_t t : op.outputs) {
                const Tensor& tensor = src_.tensors[static_cast<size_t>(t)];
                if (tensor.dtype != DType::Float32 && tensor.dtype != DType::Int32 && tensor.dtype != DType::Int64 &&
                    tensor.dtype != DType::Bool)
                    return Status::error(src_.opLabel(i) + ": output " + src_.tensorLabel(t) + " is " +
                                         std::string(dtypeName(tensor.dtype)) + "; the quantizer needs a float model");
            }
        }
        return Status::ok();
    }

    bool isActivation(int32_t t) const
    {
        if (t < 0) return false;
        const Tensor& tensor = src_.tensors[static_cast<size_t>(t)];
        return !tensor.isConstant && tensor.dtype == DType::Float32;
    }

    bool producedByQuantizedOp(int32_t t) const
    {
        for (size_t i = 0; i < src_.ops.size(); ++i)
            for (int32_t o : src_.ops[i].outputs)
                if (o == t) return quantized_[i];
        return false;
    }

    static bool hasFixedOutput(OpType type)
    {
        return type == OpType::Softmax || type == OpType::Logistic || type == OpType::Tanh;
    }

    bool userWantsFloat(const Op& op) const
    {
        for (const std::string& name : options_.floatLayers) {
            if (name == op.layerName || upper(name) == opTypeName(op.type)) return true;
            if (std::find(op.sourceLayers.begin(), op.sourceLayers.end(), name) != op.sourceLayers.end()) return true;
            for (int32_t t : op.outputs)
                if (src_.tensors[static_cast<size_t>(t)].name == name) return true;
        }
        return false;
    }

    std::string describe(size_t opIndex) const
    {
        const Op& op = src_.ops[opIndex];
        std::string text = "op #" + std::to_string(opIndex) + " (" + std::string(opTypeName(op.type));
        if (!op.layerName.empty()) text += ", layer '" + op.layerName + "'";
        return text + ")";
    }

    void decideOps()
    {
        if (!quantized_.empty()) return;
        quantized_.assign(src_.ops.size(), false);
        for (size_t i = 0; i < src_.ops.size(); ++i) {
            const Op& op = src_.ops[i];
            const bool wanted = options_.mode != QuantMode::Float32;
            if (!wanted) continue;
            if (userWantsFloat(op)) {
                result_.floatOps.push_back(describe(i) + " kept float as requested");
                continue;
            }
            if (!isIntegerMode(options_.mode)) {
                quantized_[i] = true;
                continue;
            }
            bool floatIo = false;
            for (int32_t t : op.outputs) floatIo = floatIo || isActivation(t);
            if (!floatIo) continue; // shape arithmetic on int32 tensors stays as it is
            if (!quantizableOp(op.type, options_.mode)) {
                result_.floatOps.push_back(describe(i) + " has no " + std::string(quantModeName(options_.mode)) +
                                           " kernel; kept float");
                result_.warnings.push_back(src_.sourcePath + ": " + result_.floatOps.back());
                continue;
            }
            quantized_[i] = true;
        }
    }

    // ---- ranges and parameters --------------------------------------------------------

    Result<AffineParams> paramsFromRange(int32_t t, const std::string& who)
    {
        const Tensor& tensor = src_.tensors[static_cast<size_t>(t)];
        TensorRange range;
        auto found = ranges_.find(tensor.name);
        if (found != ranges_.end()) {
            range = found->second;
        } else if (options_.defaultRange) {
            range = *options_.defaultRange;
            range.origin = RangeOrigin::DefaultRanges;
            result_.defaultRangeTensors.push_back(tensor.name);
        } else {
            return Status::error(src_.sourcePath + ": " + who + ": no range for " + src_.tensorLabel(t) +
                                 " (calibrate, give it in the ranges file, or set default ranges)");
        }
        if (!std::isfinite(range.min) || !std::isfinite(range.max) || range.min > range.max)
            return Status::error(src_.sourcePath + ": " + who + ": invalid range [" + std::to_string(range.min) + ", " +
                                 std::to_string(range.max) + "] for " + src_.tensorLabel(t));
        auto params = paramsForActivationRange(range.min, range.max);
        if (!params.isOk()) return params.status().withContext(src_.sourcePath + ": " + who + ": " + src_.tensorLabel(t));
        return params;
    }

    /// The converter's scale and zero point for a float range (converterQuantParams:
    /// the MLIR quantizer's arithmetic, TOCO's for the legacy uint8 scheme).
    Result<AffineParams> paramsForActivationRange(double lo, double hi) const
    {
        const ConverterFlavor flavor = options_.mode == QuantMode::UInt8Legacy ? ConverterFlavor::Toco : ConverterFlavor::Mlir;
        RF_ASSIGN_OR_RETURN(ActivationQuantParams p,
                            converterQuantParams(TensorRange{static_cast<float>(lo), static_cast<float>(hi), RangeOrigin::Calibrated},
                                                 actType_, flavor));
        return AffineParams{static_cast<double>(p.scale), p.zeroPoint};
    }

    /// Fixed output parameters of softmax/logistic/tanh (quantization spec).
    AffineParams fixedParams(OpType type) const
    {
        if (actType_ == DType::Int16) return {1.0 / 32768.0, 0};
        const bool isUint8 = actType_ == DType::UInt8;
        if (type == OpType::Tanh) return {1.0 / 128.0, isUint8 ? 128 : 0};
        return {1.0 / 256.0, isUint8 ? 0 : -128};
    }

    // ---- building the integer graph ---------------------------------------------------

    int32_t addTensor(Tensor tensor)
    {
        out_.tensors.push_back(std::move(tensor));
        return static_cast<int32_t>(out_.tensors.size() - 1);
    }

    void emit(OpType type, int32_t input, int32_t output, const std::string& layer)
    {
        Op op;
        op.type = type;
        op.typeName = std::string(opTypeName(type));
        op.inputs = {input};
        op.outputs = {output};
        op.layerName = layer;
        out_.ops.push_back(std::move(op));
    }

    /// The quantized version of source tensor t (an activation), creating a QUANTIZE
    /// from its float version when its producer stayed float.
    Result<int32_t> quantizedVersion(int32_t t, const std::string& who)
    {
        if (auto it = quantIndex_.find(t); it != quantIndex_.end()) return it->second;
        if (!params_.count(t)) {
            RF_ASSIGN_OR_RETURN(AffineParams p, paramsFromRange(t, who));
            params_[t] = p;
        }
        const int32_t floatT = floatIndex_.at(t);
        Tensor q = src_.tensors[static_cast<size_t>(t)];
        q.name += "/quantize";
        q.dtype = actType_;
        q.quant = toQuantParams(params_[t]);
        const int32_t qi = addTensor(std::move(q));
        emit(OpType::Quantize, floatT, qi, "");
        quantIndex_[t] = qi;
        return qi;
    }

    /// The float version of source tensor t, creating a DEQUANTIZE when needed.
    int32_t floatVersion(int32_t t)
    {
        if (auto it = floatIndex_.find(t); it != floatIndex_.end()) return it->second;
        Tensor f = src_.tensors[static_cast<size_t>(t)];
        f.name += "/dequantize";
        f.dtype = DType::Float32;
        f.quant = {};
        const int32_t fi = addTensor(std::move(f));
        emit(OpType::Dequantize, quantIndex_.at(t), fi, "");
        floatIndex_[t] = fi;
        return fi;
    }

    /// A quantized copy of activation `qi` re-expressed with `target` parameters
    /// (a requantizing QUANTIZE), for ops whose inputs must share the output's scale.
    int32_t requantized(int32_t qi, const AffineParams& target, const std::string& suffix)
    {
        Tensor r = out_.tensors[static_cast<size_t>(qi)];
        r.name += suffix;
        r.quant = toQuantParams(target);
        const int32_t ri = addTensor(std::move(r));
        emit(OpType::Quantize, qi, ri, "");
        return ri;
    }

    bool sameParams(int32_t qi, const AffineParams& p) const
    {
        const QuantParams& q = out_.tensors[static_cast<size_t>(qi)].quant;
        return q.scales.size() == 1 && q.scales[0] == static_cast<float>(p.scale) && q.zeroPoint() == p.zeroPoint;
    }

    /// A new constant in the output graph derived from source constant `t`.
    int32_t addConstant(int32_t t, DType dtype, const std::vector<int64_t>& values, QuantParams quant,
                        const std::string& suffix = "")
    {
        Tensor c = src_.tensors[static_cast<size_t>(t)];
        c.name += suffix;
        c.dtype = dtype;
        c.quant = std::move(quant);
        storeInts(c, values);
        return addTensor(std::move(c));
    }

    /// The converter's guard for int32 biases: when |bias| / (input scale * weight
    /// scale) exceeds 2^30 (half the int32 range) the weight scale of that channel
    /// grows to |bias| / 2^30 / input scale (in float), and the channel's weights are
    /// requantized with it. It matters for dead channels (all weights ~0) with a
    /// non-zero bias, which the model-zoo models have after BatchNorm folding.
    void adjustWeightScalesForBias(const Op& op, const AffineOpLayout& layout, const AffineParams& inputParams,
                                   const std::vector<float>& weights, const Shape& shape, bool perChannel,
                                   QuantizedWeights& qw) const
    {
        if (actType_ != DType::Int8 || static_cast<int>(op.inputs.size()) <= layout.biasInput) return;
        const int32_t b = op.inputs[static_cast<size_t>(layout.biasInput)];
        if (b < 0 || !src_.tensors[static_cast<size_t>(b)].isConstant) return;
        const std::vector<float> bias = floatValues(src_.tensors[static_cast<size_t>(b)]);
        const auto inputScale = static_cast<float>(inputParams.scale);
        const float limit = static_cast<float>(std::numeric_limits<int32_t>::max() / 2);
        int64_t inner = 1;
        for (size_t d = static_cast<size_t>(layout.channelAxis) + 1; d < shape.size(); ++d) inner *= shape[d];
        for (size_t c = 0; c < qw.scales.size(); ++c) {
            float halfRange = 0.0f;
            if (perChannel) {
                if (c < bias.size()) halfRange = std::fabs(bias[c]);
            } else {
                for (float v : bias) halfRange = std::max(halfRange, std::fabs(v));
            }
            const auto weightScale = static_cast<float>(qw.scales[c]);
            if (!(halfRange / (weightScale * inputScale) > limit)) continue;
            const float adjusted = halfRange / limit / inputScale;
            qw.scales[c] = static_cast<double>(adjusted);
            const auto channels = static_cast<int64_t>(qw.scales.size());
            for (size_t i = 0; i < weights.size(); ++i)
                if (!perChannel || static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels) == c)
                    qw.values[i] = quantizeToInt(weights[i], qw.scales[c], 0, -127, 127);
        }
    }

    /// Quantizes the weights (and bias) of an affine op in place in `op`.
    Status quantizeAffine(size_t opIndex, Op& op, const AffineOpLayout& layout, const AffineParams& inputParams)
    {
        const int32_t w = op.inputs[static_cast<size_t>(layout.weightInput)];
        const Tensor& weights = src_.tensors[static_cast<size_t>(w)];
        if (!weights.isConstant || weights.dtype != DType::Float32)
            return Status::error(src_.opLabel(opIndex) + ": weights " + src_.tensorLabel(w) +
                                 " must be a float constant to be quantized");
        const std::vector<float> wv = floatValues(weights);
        std::vector<double> weightScales;
        if (actType_ == DType::UInt8) {
            // QUANTIZED_UINT8: per-tensor asymmetric uint8 weights over [0, 255].
            QuantizedConstant qc = quantizeAsymmetric(wv, 0, 255);
            weightScales = {qc.params.scale};
            op.inputs[static_cast<size_t>(layout.weightInput)] =
                addConstant(w, DType::UInt8, qc.values, toQuantParams(qc.params));
        } else {
            bool perChannel = options_.perChannel;
            if (op.type == OpType::FullyConnected) perChannel = perChannel && options_.perChannelFullyConnected;
            QuantizedWeights qw = quantizeSymmetric(wv, weights.shape, layout.channelAxis, perChannel, 127);
            adjustWeightScalesForBias(op, layout, inputParams, wv, weights.shape, perChannel, qw);
            weightScales = qw.scales;
            QuantParams q;
            for (double s : qw.scales) q.scales.push_back(static_cast<float>(s));
            q.zeroPoints.assign(qw.scales.size(), 0);
            q.axis = perChannel ? layout.channelAxis : 0;
            op.inputs[static_cast<size_t>(layout.weightInput)] = addConstant(w, DType::Int8, qw.values, q);
        }
        if (static_cast<int>(op.inputs.size()) > layout.biasInput && op.inputs[static_cast<size_t>(layout.biasInput)] >= 0) {
            const int32_t b = op.inputs[static_cast<size_t>(layout.biasInput)];
            const Tensor& bias = src_.tensors[static_cast<size_t>(b)];
            if (!bias.isConstant || bias.dtype != DType::Float32)
                return Status::error(src_.opLabel(opIndex) + ": bias " + src_.tensorLabel(b) +
                                     " must be a float constant to be quantized");
            const std::vector<float> bv = floatValues(bias);
            const DType biasType = actType_ == DType::Int16 ? DType::Int64 : DType::Int32;
            const IntRange r = intRange(biasType);
            // Bias scale = input scale * weight scale (per channel), in double as the
            // converter's quantized types hold it; zero point 0.
            std::vector<int64_t> values(bv.size());
            QuantParams q;
            // With legacy_float_scale the converter multiplies the float scales in float.
            for (size_t c = 0; c < weightScales.size(); ++c)
                q.scales.push_back(static_cast<float>(inputParams.scale) * static_cast<float>(weightScales[c]));
            q.zeroPoints.assign(q.scales.size(), 0);
            for (size_t i = 0; i < bv.size(); ++i) {
                const double s = q.scales[q.scales.size() == 1 ? 0 : i];
                values[i] = quantizeToInt(bv[i], s, 0, r.min, r.max);
            }
            op.inputs[static_cast<size_t>(layout.biasInput)] = addConstant(b, biasType, values, q);
        }
        return Status::ok();
    }

    /// Quantizes another float constant operand of a quantized op with its own range.
    int32_t quantizeConstantOperand(int32_t t)
    {
        const std::vector<float> values = floatValues(src_.tensors[static_cast<size_t>(t)]);
        if (actType_ == DType::Int16) {
            double maxAbs = 0;
            for (float v : values) maxAbs = std::max(maxAbs, std::fabs(static_cast<double>(v)));
            const AffineParams p = symmetricParams(maxAbs, 32767);
            std::vector<int64_t> q(values.size());
            for (size_t i = 0; i < values.size(); ++i) q[i] = quantizeToInt(values[i], p.scale, 0, -32767, 32767);
            return addConstant(t, DType::Int16, q, toQuantParams(p));
        }
        float lo = 0.0f, hi = 0.0f;
        for (float v : values) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        auto params = paramsForActivationRange(lo, hi);
        const AffineParams p = params.isOk() ? params.value() : AffineParams{1.0, 0};
        return quantizeConstantWith(t, p);
    }

    /// Quantizes a constant with given parameters (PADV2's pad value).
    int32_t quantizeConstantWith(int32_t t, const AffineParams& p)
    {
        const std::vector<float> values = floatValues(src_.tensors[static_cast<size_t>(t)]);
        const IntRange r = intRange(actType_);
        std::vector<int64_t> q(values.size());
        for (size_t i = 0; i < values.size(); ++i) q[i] = quantizeToInt(values[i], p.scale, p.zeroPoint, r.min, r.max);
        return addConstant(t, actType_, q, toQuantParams(p));
    }

    EdgeType resolvedEdge(EdgeType requested) const
    {
        if (requested != EdgeType::Default) return requested;
        return options_.mode == QuantMode::UInt8Legacy ? EdgeType::UInt8 : EdgeType::Float32;
    }

    static DType edgeDType(EdgeType e)
    {
        switch (e) {
        case EdgeType::Int8: return DType::Int8;
        case EdgeType::UInt8: return DType::UInt8;
        case EdgeType::Int16: return DType::Int16;
        default: return DType::Float32;
        }
    }

    /// Parameters of graph input `position` in QUANTIZED_UINT8 mode from mean/std values.
    std::optional<AffineParams> meanStdParams(size_t position) const
    {
        if (options_.meanValues.empty() || options_.stdDevValues.empty()) return std::nullopt;
        const auto pick = [&](const std::vector<double>& v) { return v[v.size() == 1 ? 0 : std::min(position, v.size() - 1)]; };
        const double mean = pick(options_.meanValues);
        const double std = pick(options_.stdDevValues);
        return AffineParams{1.0 / std, static_cast<int64_t>(std::llround(mean))};
    }

    Status setupInputs()
    {
        const EdgeType edge = resolvedEdge(options_.inputType);
        for (size_t k = 0; k < src_.inputs.size(); ++k) {
            const int32_t t = src_.inputs[k];
            floatIndex_[t] = t;
            if (!isActivation(t) || edge == EdgeType::Float32) continue;
            // Integer graph input: its parameters come from the range (or mean/std).
            AffineParams p;
            if (auto ms = meanStdParams(k); ms && options_.mode == QuantMode::UInt8Legacy) {
                p = *ms;
            } else {
                if (options_.mode == QuantMode::UInt8Legacy && !options_.meanValues.empty())
                    return Status::error("mean_values/std_dev_values need as many entries as inputs, or one");
                RF_ASSIGN_OR_RETURN(p, paramsFromRange(t, "graph input"));
            }
            const DType edgeType = edgeDType(edge);
            if (edgeType == DType::Int16 && actType_ != DType::Int16)
                return Status::error("an INT16 input needs INT16X8 mode");
            if (edgeType != DType::Int16 && actType_ == DType::Int16)
                return Status::error("INT16X8 mode takes FLOAT or INT16 inputs, not " + std::string(edgeTypeName(edge)));
            params_[t] = p;
            Tensor& in = out_.tensors[static_cast<size_t>(t)];
            in.dtype = edgeType;
            floatIndex_.erase(t);
            if (edgeType == actType_) {
                in.quant = toQuantParams(p);
                quantIndex_[t] = t;
            } else {
                // uint8 <-> int8 edges differ by 128 in the zero point, same scale.
                const int64_t shift = edgeType == DType::UInt8 ? 128 : -128;
                in.quant = toQuantParams({p.scale, p.zeroPoint + shift});
                Tensor q = src_.tensors[static_cast<size_t>(t)];
                q.name += "/quantize";
                q.dtype = actType_;
                q.quant = toQuantParams(p);
                const int32_t qi = addTensor(std::move(q));
                emit(OpType::Quantize, t, qi, "");
                quantIndex_[t] = qi;
            }
        }
        return Status::ok();
    }

    Status finishOutputs()
    {
        const EdgeType edge = resolvedEdge(options_.outputType);
        for (int32_t& t : out_.outputs) {
            const int32_t source = t;
            if (!isActivation(source)) continue;
            const bool isQuantized = quantIndex_.count(source) && !floatIndex_.count(source);
            const DType want = edgeDType(edge);
            if (want == DType::Float32) {
                t = floatVersion(source);
                continue;
            }
            if (want == DType::Int16 && actType_ != DType::Int16) return Status::error("an INT16 output needs INT16X8 mode");
            if (want != DType::Int16 && actType_ == DType::Int16)
                return Status::error("INT16X8 mode gives FLOAT or INT16 outputs, not " + std::string(edgeTypeName(edge)));
            RF_ASSIGN_OR_RETURN(int32_t qi, quantizedVersion(source, "graph output"));
            (void)isQuantized;
            if (want == actType_) {
                t = qi;
            } else {
                const QuantParams& q = out_.tensors[static_cast<size_t>(qi)].quant;
                const int64_t shift = want == DType::UInt8 ? 128 : -128;
                Tensor e = out_.tensors[static_cast<size_t>(qi)];
                e.name += want == DType::UInt8 ? "/uint8" : "/int8";
                e.dtype = want;
                e.quant = toQuantParams({q.scales[0], q.zeroPoint() + shift});
                const int32_t ei = addTensor(std::move(e));
                emit(OpType::Quantize, qi, ei, "");
                t = ei;
            }
        }
        return Status::ok();
    }

    Status convertInteger()
    {
        RF_RETURN_IF_ERROR(setupInputs());
        for (size_t i = 0; i < src_.ops.size(); ++i) {
            const Op& sop = src_.ops[i];
            Op op = sop;
            if (!quantized_[i]) {
                for (int32_t& t : op.inputs)
                    if (isActivation(t)) t = floatVersion(t);
                for (int32_t t : op.outputs) floatIndex_[t] = t;
                out_.ops.push_back(std::move(op));
                continue;
            }
            const std::string who = src_.opLabel(i);
            AffineOpLayout layout;
            const bool affine = affineOpLayout(op.type, &layout);
            // Activation inputs -> quantized versions.
            std::vector<AffineParams> inputParams(op.inputs.size());
            for (size_t k = 0; k < op.inputs.size(); ++k) {
                const int32_t t = sop.inputs[k];
                if (!isActivation(t)) continue;
                RF_ASSIGN_OR_RETURN(op.inputs[k], quantizedVersion(t, who));
                inputParams[k] = params_.at(t);
            }
            // Output parameters.
            std::vector<AffineParams> outParams(op.outputs.size());
            for (size_t k = 0; k < op.outputs.size(); ++k) {
                const int32_t t = sop.outputs[k];
                if (!isActivation(t)) continue;
                if (hasFixedOutput(op.type)) {
                    outParams[k] = fixedParams(op.type);
                } else if (sameScaleOp(op.type)) {
                    outParams[k] = inputParams[static_cast<size_t>(dataInputIndex(op.type))];
                } else if (op.type == OpType::Concatenation || op.type == OpType::Maximum || op.type == OpType::Minimum) {
                    // Inputs and output share parameters: the output range covers every input's.
                    TensorRange unionRange{0.0f, 0.0f, RangeOrigin::Calibrated};
                    auto found = ranges_.find(src_.tensors[static_cast<size_t>(t)].name);
                    if (found != ranges_.end()) unionRange = found->second;
                    else if (options_.defaultRange) unionRange = *options_.defaultRange;
                    double lo = unionRange.min, hi = unionRange.max;
                    for (size_t j = 0; j < sop.inputs.size(); ++j) {
                        if (!isActivation(sop.inputs[j])) continue;
                        const AffineParams& p = inputParams[j];
                        const IntRange r = intRange(actType_);
                        lo = std::min(lo, p.scale * static_cast<double>(r.min - p.zeroPoint));
                        hi = std::max(hi, p.scale * static_cast<double>(r.max - p.zeroPoint));
                    }
                    RF_ASSIGN_OR_RETURN(outParams[k], paramsForActivationRange(lo, hi));
                } else {
                    RF_ASSIGN_OR_RETURN(outParams[k], paramsFromRange(t, who));
                }
            }
            if (op.type == OpType::Concatenation || op.type == OpType::Maximum || op.type == OpType::Minimum) {
                for (size_t k = 0; k < op.inputs.size(); ++k)
                    if (isActivation(sop.inputs[k]) && !sameParams(op.inputs[k], outParams[0]))
                        op.inputs[k] = requantized(op.inputs[k], outParams[0], "/requantize");
            }
            // Constants.
            if (affine) {
                RF_RETURN_IF_ERROR(quantizeAffine(i, op, layout, inputParams[static_cast<size_t>(layout.dataInput)]));
            } else {
                for (size_t k = 0; k < op.inputs.size(); ++k) {
                    const int32_t t = sop.inputs[k];
                    if (t < 0) continue;
                    const Tensor& tensor = src_.tensors[static_cast<size_t>(t)];
                    if (!tensor.isConstant || tensor.dtype != DType::Float32) continue;
                    if (op.type == OpType::PadV2) op.inputs[k] = quantizeConstantWith(t, inputParams[0]);
                    else op.inputs[k] = quantizeConstantOperand(t);
                }
            }
            if (actType_ == DType::Int16 && (op.type == OpType::Add || op.type == OpType::Sub))
                op.attrs.potScaleInt16 = false;
            for (size_t k = 0; k < op.outputs.size(); ++k) {
                const int32_t t = sop.outputs[k];
                if (!isActivation(t)) continue;
                Tensor& outTensor = out_.tensors[static_cast<size_t>(t)];
                outTensor.dtype = actType_;
                outTensor.quant = toQuantParams(outParams[k]);
                params_[t] = outParams[k];
                quantIndex_[t] = t;
            }
            out_.ops.push_back(std::move(op));
        }
        return finishOutputs();
    }

    // ---- dynamic range and float16 ----------------------------------------------------

    void convertDynamicRange()
    {
        for (size_t i = 0; i < src_.ops.size(); ++i) {
            Op op = src_.ops[i];
            AffineOpLayout layout;
            if (quantized_[i] && affineOpLayout(op.type, &layout) && op.type != OpType::TransposeConv) {
                const int32_t w = op.inputs[static_cast<size_t>(layout.weightInput)];
                const Tensor& weights = src_.tensors[static_cast<size_t>(w)];
                if (weights.isConstant && weights.dtype == DType::Float32 &&
                    weights.elementCount() >= options_.dynamicRangeMinElements) {
                    bool perChannel = options_.perChannel;
                    if (op.type == OpType::FullyConnected) perChannel = perChannel && options_.perChannelFullyConnected;
                    // The hybrid depthwise kernel only exists per channel.
                    if (op.type == OpType::DepthwiseConv2D) perChannel = true;
                    QuantizedWeights qw = quantizeSymmetric(floatValues(weights), weights.shape, layout.channelAxis, perChannel, 127);
                    QuantParams q;
                    for (double s : qw.scales) q.scales.push_back(static_cast<float>(s));
                    q.zeroPoints.assign(qw.scales.size(), 0);
                    q.axis = perChannel ? layout.channelAxis : 0;
                    op.inputs[static_cast<size_t>(layout.weightInput)] = addConstant(w, DType::Int8, qw.values, q);
                    op.attrs.asymmetricQuantizeInputs = true;
                }
            }
            out_.ops.push_back(std::move(op));
        }
    }

    void convertFloat16()
    {
        std::map<int32_t, int32_t> dequantized;
        for (size_t i = 0; i < src_.ops.size(); ++i) {
            Op op = src_.ops[i];
            if (quantized_[i]) {
                for (int32_t& t : op.inputs) {
                    if (t < 0) continue;
                    const Tensor& tensor = src_.tensors[static_cast<size_t>(t)];
                    if (!tensor.isConstant || tensor.dtype != DType::Float32) continue;
                    if (auto it = dequantized.find(t); it != dequantized.end()) {
                        t = it->second;
                        continue;
                    }
                    // float16 copy of the constant, DEQUANTIZE back into the original tensor.
                    Tensor half = tensor;
                    half.name += "/float16";
                    half.dtype = DType::Float16;
                    const std::vector<float> values = floatValues(tensor);
                    half.data.resize(values.size() * 2);
                    for (size_t k = 0; k < values.size(); ++k) {
                        const uint16_t h = floatToHalf(values[k]);
                        std::memcpy(half.data.data() + 2 * k, &h, 2);
                    }
                    const int32_t hi = addTensor(std::move(half));
                    Tensor& original = out_.tensors[static_cast<size_t>(t)];
                    original.isConstant = false;
                    original.data.clear();
                    emit(OpType::Dequantize, hi, t, op.layerName);
                    dequantized[t] = t;
                }
            }
            out_.ops.push_back(std::move(op));
        }
    }

    const Graph& src_;
    const RangeTable& ranges_;
    const QuantizeOptions& options_;
    DType actType_ = DType::Int8;
    Graph out_;
    QuantizeResult result_;
    std::vector<bool> quantized_;
    /// Source activation tensor -> index of its quantized / float version in out_.
    std::map<int32_t, int32_t> quantIndex_;
    std::map<int32_t, int32_t> floatIndex_;
    std::map<int32_t, AffineParams> params_;
};

} // namespace

Result<QuantizeResult> quantizeGraph(const Graph& floatGraph, const RangeTable& ranges, const QuantizeOptions& options)
{
    Converter converter(floatGraph, ranges, options);
    return converter.run();
}

std::vector<std::string> tensorsNeedingRanges(const Graph& floatGraph, const QuantizeOptions& options)
{
    const RangeTable none;
    Converter converter(floatGraph, none, options);
    return converter.neededRanges();
}

} // namespace rf
