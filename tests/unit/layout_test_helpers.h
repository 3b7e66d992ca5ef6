#pragma once
// Small helpers for the pooling / reduction / layout op tests: build a one-op graph,
// run it in a kernel mode and read its outputs, or get the message prepare() fails with.

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "test_support.h"

namespace rf::test {

/// Per-tensor quantization parameters.
inline QuantParams quant(float scale, int64_t zeroPoint)
{
    QuantParams q;
    q.scales = {scale};
    q.zeroPoints = {zeroPoint};
    return q;
}

/// The raw bytes of a vector of values.
template <typename T>
std::vector<uint8_t> bytesOf(const std::vector<T>& values)
{
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
}

/// The outcome of running a graph: the interpreter (null on failure) and the error message.
struct RunResult {
    std::unique_ptr<Interpreter> interpreter;
    std::string error;

    /// Output `i` as typed values.
    template <typename T>
    std::vector<T> output(size_t i = 0) const
    {
        const TensorValue& value = interpreter->output(i);
        return std::vector<T>(value.data<T>(), value.data<T>() + value.elementCount());
    }
    const Shape& shape(size_t i = 0) const { return interpreter->output(i).shape(); }
};

/// Creates an interpreter for `graph` (whose inputs/outputs must be set), feeds the graph
/// inputs with `inputs` (raw bytes, in order) and runs it once.
inline RunResult runGraph(Graph graph, const std::vector<std::vector<uint8_t>>& inputs,
                          KernelMode mode = KernelMode::Builtin, int threads = 1)
{
    RunResult result;
    graph.sourcePath = "test.tflite";
    InterpreterOptions options;
    options.mode = mode;
    options.threads = threads;
    auto created = Interpreter::create(std::move(graph), options);
    if (!created.isOk()) {
        result.error = created.message();
        return result;
    }
    result.interpreter = std::move(created).value();
    for (size_t i = 0; i < inputs.size(); ++i) {
        Status status = result.interpreter->setInput(i, inputs[i].data(), inputs[i].size());
        if (!status.isOk()) {
            result.error = status.message();
            result.interpreter.reset();
            return result;
        }
    }
    Status status = result.interpreter->invoke();
    if (!status.isOk()) {
        result.error = status.message();
        result.interpreter.reset();
    }
    return result;
}

/// The message Interpreter::create fails with for `graph` (empty if it succeeds).
inline std::string prepareError(Graph graph)
{
    graph.sourcePath = "test.tflite";
    auto created = Interpreter::create(std::move(graph));
    return created.isOk() ? std::string() : created.message();
}

} // namespace rf::test
