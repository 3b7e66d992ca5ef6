#pragma once
// Small float graphs, a min/max range recorder and run helpers shared by the
// quantizer and graph-pass tests.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "quant/tensor_range.h"
#include "runtime/interpreter.h"
#include "runtime/observer.h"
#include "test_support.h"

namespace rf::test {

/// Deterministic values in [lo, hi) (a 32-bit LCG), so fixtures never change.
inline std::vector<float> pseudoRandom(size_t count, uint32_t seed, float lo, float hi)
{
    std::vector<float> values(count);
    uint32_t state = seed * 2654435761u + 12345u;
    for (float& v : values) {
        state = state * 1664525u + 1013904223u;
        v = lo + (hi - lo) * static_cast<float>(state >> 8) / static_cast<float>(1u << 24);
    }
    return values;
}

/// Records the global min/max of every float tensor over several runs (the
/// converter's min/max calibration, without its range widening, which the
/// quantizer's parameter function applies).
class MinMaxRecorder : public TensorObserver {
public:
    void onTensor(int, int32_t, const Tensor& tensor, const TensorValue& value) override
    {
        if (value.dtype() != DType::Float32 || value.elementCount() == 0) return;
        const auto span = value.span<float>();
        const auto [lo, hi] = std::minmax_element(span.begin(), span.end());
        auto [it, inserted] = ranges.try_emplace(tensor.name, TensorRange{*lo, *hi, RangeOrigin::Calibrated});
        if (!inserted) {
            it->second.min = std::min(it->second.min, *lo);
            it->second.max = std::max(it->second.max, *hi);
        }
    }
    RangeTable ranges;
};

/// Runs `graph` on float inputs (one per graph input) and returns every output as
/// float (dequantized when quantized). Empty on failure (with a qWarning).
struct RunOutcome {
    bool ok = false;
    std::string error;
    std::vector<std::vector<float>> outputs;
};

inline std::vector<float> toFloat(const TensorValue& value, const QuantParams& quant)
{
    std::vector<float> out(static_cast<size_t>(value.elementCount()));
    for (size_t i = 0; i < out.size(); ++i) {
        double stored = 0;
        switch (value.dtype()) {
        case DType::Float32: out[i] = value.data<float>()[i]; continue;
        case DType::Int8: stored = value.data<int8_t>()[i]; break;
        case DType::UInt8: stored = value.data<uint8_t>()[i]; break;
        case DType::Int16: stored = value.data<int16_t>()[i]; break;
        default: stored = 0; break;
        }
        out[i] = static_cast<float>(quant.scale(0) * (stored - static_cast<double>(quant.zeroPoint(0))));
    }
    return out;
}

/// Fills graph input i from float values, quantizing them when the input is quantized.
inline Status setFloatInput(Interpreter& interpreter, size_t i, const std::vector<float>& values)
{
    const Graph& g = interpreter.graph();
    const Tensor& t = g.tensors[static_cast<size_t>(g.inputs[i])];
    if (t.dtype == DType::Float32) return interpreter.setInput(i, values.data(), values.size() * sizeof(float));
    std::vector<uint8_t> bytes(values.size() * dtypeSize(t.dtype));
    for (size_t k = 0; k < values.size(); ++k) {
        const double q = std::round(values[k] / t.quant.scale(0)) + static_cast<double>(t.quant.zeroPoint(0));
        if (t.dtype == DType::Int8) reinterpret_cast<int8_t*>(bytes.data())[k] = static_cast<int8_t>(std::clamp(q, -128.0, 127.0));
        else if (t.dtype == DType::UInt8) bytes[k] = static_cast<uint8_t>(std::clamp(q, 0.0, 255.0));
        else reinterpret_cast<int16_t*>(bytes.data())[k] = static_cast<int16_t>(std::clamp(q, -32768.0, 32767.0));
    }
    return interpreter.setInput(i, bytes.data(), bytes.size());
}

inline RunOutcome runFloatIo(const Graph& graph, const std::vector<std::vector<float>>& inputs,
                             TensorObserver* observer = nullptr, KernelMode mode = KernelMode::Builtin)
{
    RunOutcome outcome;
    InterpreterOptions options;
    options.mode = mode;
    auto created = Interpreter::create(graph, options);
    if (!created.isOk()) {
        outcome.error = created.message();
        return outcome;
    }
    Interpreter& interpreter = *created.value();
    for (size_t i = 0; i < inputs.size(); ++i) {
        Status s = setFloatInput(interpreter, i, inputs[i]);
        if (!s.isOk()) {
            outcome.error = s.message();
            return outcome;
        }
    }
    Status s = interpreter.invoke(observer);
    if (!s.isOk()) {
        outcome.error = s.message();
        return outcome;
    }
    for (size_t i = 0; i < graph.outputs.size(); ++i)
        outcome.outputs.push_back(toFloat(interpreter.output(i), graph.tensors[static_cast<size_t>(graph.outputs[i])].quant));
    outcome.ok = true;
    return outcome;
}

/// A small CNN with every op family the quantizer treats differently:
/// input [1,8,8,3] -> CONV_2D 3x3 (4 ch, bias) -> MUL/ADD per channel (BatchNorm) -> RELU6
/// -> DEPTHWISE_CONV_2D 3x3 -> RELU -> MAX_POOL 2x2 -> CONCATENATION with an AVERAGE_POOL
/// branch -> RESHAPE [1, 128] -> FULLY_CONNECTED (5) -> SOFTMAX.
/// Tensor names follow Keras layer names; ops carry layerName.
inline Graph smallCnn()
{
    Graph g;
    g.sourcePath = "small_cnn";
    const int32_t in = addTensor(g, "input_1", DType::Float32, {1, 8, 8, 3});
    const int32_t w1 = addConstant(g, "conv1/kernel", DType::Float32, {4, 3, 3, 3}, pseudoRandom(108, 1, -0.5f, 0.5f));
    const int32_t b1 = addConstant(g, "conv1/bias", DType::Float32, {4}, pseudoRandom(4, 2, -0.2f, 0.2f));
    const int32_t c1 = addTensor(g, "conv1", DType::Float32, {1, 8, 8, 4});
    Op& conv = addOp(g, OpType::Conv2D, {in, w1, b1}, {c1});
    conv.layerName = "conv1";
    const int32_t bnMul = addConstant(g, "bn1/mul", DType::Float32, {4}, std::vector<float>{1.5f, 0.75f, -0.5f, 2.0f});
    const int32_t m1 = addTensor(g, "bn1/mul_out", DType::Float32, {1, 8, 8, 4});
    addOp(g, OpType::Mul, {c1, bnMul}, {m1}).layerName = "bn1";
    const int32_t bnAdd = addConstant(g, "bn1/add", DType::Float32, {4}, std::vector<float>{0.1f, -0.3f, 0.2f, 0.05f});
    const int32_t a1 = addTensor(g, "bn1", DType::Float32, {1, 8, 8, 4});
    addOp(g, OpType::Add, {m1, bnAdd}, {a1}).layerName = "bn1";
    const int32_t r1 = addTensor(g, "relu1", DType::Float32, {1, 8, 8, 4});
    addOp(g, OpType::Relu6, {a1}, {r1}).layerName = "relu1";
    const int32_t w2 = addConstant(g, "dw/kernel", DType::Float32, {1, 3, 3, 4}, pseudoRandom(36, 3, -0.6f, 0.6f));
    const int32_t b2 = addConstant(g, "dw/bias", DType::Float32, {4}, pseudoRandom(4, 4, -0.1f, 0.1f));
    const int32_t d1 = addTensor(g, "dw", DType::Float32, {1, 8, 8, 4});
    Op& dw = addOp(g, OpType::DepthwiseConv2D, {r1, w2, b2}, {d1});
    dw.attrs.depthMultiplier = 1;
    dw.layerName = "dw";
    const int32_t r2 = addTensor(g, "relu2", DType::Float32, {1, 8, 8, 4});
    addOp(g, OpType::Relu, {d1}, {r2}).layerName = "relu2";
    const int32_t p1 = addTensor(g, "pool", DType::Float32, {1, 4, 4, 4});
    Op& pool = addOp(g, OpType::MaxPool2D, {r2}, {p1});
    pool.attrs.filterH = pool.attrs.filterW = 2;
    pool.attrs.strideH = pool.attrs.strideW = 2;
    pool.attrs.padding = Padding::Valid;
    pool.layerName = "pool";
    const int32_t p2 = addTensor(g, "avg", DType::Float32, {1, 4, 4, 4});
    Op& avg = addOp(g, OpType::AveragePool2D, {r1}, {p2});
    avg.attrs.filterH = avg.attrs.filterW = 2;
    avg.attrs.strideH = avg.attrs.strideW = 2;
    avg.attrs.padding = Padding::Valid;
    avg.layerName = "avg";
    const int32_t cat = addTensor(g, "concat", DType::Float32, {1, 4, 4, 8});
    Op& concat = addOp(g, OpType::Concatenation, {p1, p2}, {cat});
    concat.attrs.axis = 3;
    concat.layerName = "concat";
    const int32_t shape = addConstant(g, "flatten/shape", DType::Int32, {2}, std::vector<int32_t>{1, 128});
    const int32_t flat = addTensor(g, "flatten", DType::Float32, {1, 128});
    Op& reshape = addOp(g, OpType::Reshape, {cat, shape}, {flat});
    reshape.attrs.newShape = {1, 128};
    reshape.layerName = "flatten";
    const int32_t w3 = addConstant(g, "dense/kernel", DType::Float32, {5, 128}, pseudoRandom(640, 5, -0.3f, 0.3f));
    const int32_t b3 = addConstant(g, "dense/bias", DType::Float32, {5}, pseudoRandom(5, 6, -0.1f, 0.1f));
    const int32_t fc = addTensor(g, "dense", DType::Float32, {1, 5});
    addOp(g, OpType::FullyConnected, {flat, w3, b3}, {fc}).layerName = "dense";
    const int32_t sm = addTensor(g, "softmax", DType::Float32, {1, 5});
    addOp(g, OpType::Softmax, {fc}, {sm}).layerName = "softmax";
    g.inputs = {in};
    g.outputs = {sm};
    return g;
}

/// Calibration inputs for smallCnn(): `count` pseudo-random images in [-1, 1).
inline std::vector<std::vector<float>> smallCnnInputs(int count, uint32_t seed = 100)
{
    std::vector<std::vector<float>> inputs;
    for (int i = 0; i < count; ++i) inputs.push_back(pseudoRandom(192, seed + static_cast<uint32_t>(i), -1.0f, 1.0f));
    return inputs;
}

/// Min/max ranges of every float tensor of `graph` over `inputs`.
inline RangeTable calibrate(const Graph& graph, const std::vector<std::vector<float>>& inputs)
{
    MinMaxRecorder recorder;
    for (const auto& input : inputs) runFloatIo(graph, {input}, &recorder);
    return recorder.ranges;
}

inline int32_t tensorByName(const Graph& graph, const std::string& name)
{
    for (size_t i = 0; i < graph.tensors.size(); ++i)
        if (graph.tensors[i].name == name) return static_cast<int32_t>(i);
    return -1;
}

} // namespace rf::test
