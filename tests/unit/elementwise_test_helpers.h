#pragma once
// Builds and runs one-op graphs for the elementwise / activation / quantize op tests.

#include <cstring>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "test_support.h"

namespace rf::test {

/// Per-tensor quantization parameters.
inline QuantParams quant(float scale, int64_t zeroPoint) { return QuantParams{{scale}, {zeroPoint}, 0}; }

/// One operand of a one-op graph: its type, shape, quantization and values (given as
/// the element type T of the dtype). Constant operands are stored in the graph.
template <typename T>
struct Operand {
    DType dtype;
    Shape shape;
    std::vector<T> values;
    QuantParams q = {};
    bool constant = false;
};

/// The outcome of a one-op run: the error message (empty on success) and the output bytes.
struct RunResult {
    std::string error;
    TensorValue output;

    template <typename T>
    std::vector<T> values() const
    {
        std::vector<T> v(static_cast<size_t>(output.elementCount()));
        if (!v.empty()) std::memcpy(v.data(), output.bytes(), v.size() * sizeof(T));
        return v;
    }
};

/// Runs `type` on the given operands (all of element type TIn) producing one output of
/// `outType` / `outShape` / `outQuant`, with `attrs`, in `mode`.
template <typename TIn>
RunResult runOp(OpType type, const std::vector<Operand<TIn>>& inputs, DType outType, Shape outShape, QuantParams outQuant,
                OpAttributes attrs = {}, KernelMode mode = KernelMode::Builtin)
{
    Graph graph;
    graph.sourcePath = "test.tflite";
    std::vector<int32_t> ids;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const auto& in = inputs[i];
        const std::string name = "in" + std::to_string(i);
        if (in.constant) {
            ids.push_back(addConstant<TIn>(graph, name, in.dtype, in.shape, in.values, in.q));
        } else {
            ids.push_back(addTensor(graph, name, in.dtype, in.shape, in.q));
            graph.inputs.push_back(ids.back());
        }
    }
    const int32_t out = addTensor(graph, "out", outType, std::move(outShape), std::move(outQuant));
    Op& op = addOp(graph, type, ids, {out});
    op.attrs = attrs;
    graph.outputs = {out};
    RunResult result;
    auto interpreter = Interpreter::create(std::move(graph), InterpreterOptions{mode, 1});
    if (!interpreter.isOk()) {
        result.error = interpreter.message();
        return result;
    }
    size_t inputIndex = 0;
    for (const auto& in : inputs) {
        if (in.constant) continue;
        Status status = interpreter.value()->setInput(inputIndex++, in.values.data(), in.values.size() * sizeof(TIn));
        if (!status.isOk()) {
            result.error = status.message();
            return result;
        }
    }
    Status status = interpreter.value()->invoke();
    if (!status.isOk()) {
        result.error = status.message();
        return result;
    }
    result.output = interpreter.value()->output(0);
    return result;
}

} // namespace rf::test
