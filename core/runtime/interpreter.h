#pragma once
// Runs a Graph: validates it and prepares every op once, then invokes it as often as
// wanted on new inputs, exposing every intermediate tensor.

#include <memory>
#include <vector>

#include "ir/graph.h"
#include "ops/op_kernel.h"
#include "runtime/kernel_mode.h"
#include "runtime/observer.h"
#include "runtime/tensor_value.h"
#include "util/status.h"
#include "util/thread_pool.h"

namespace rf {

struct InterpreterOptions {
    KernelMode mode = KernelMode::Builtin;
    /// Threads used inside kernels (>= 1).
    int threads = 1;
};

/// Owns a copy of the graph, the run-time value of every tensor and one kernel per op.
/// Not thread-safe: one invoke() at a time. Create several interpreters to run in parallel.
class Interpreter {
public:
    /// Validates the graph, refuses ops the core cannot run (naming op index, op type
    /// and file), and prepares every op. Fails with a message; never crashes on bad models.
    static Result<std::unique_ptr<Interpreter>> create(Graph graph, InterpreterOptions options = {});

    const Graph& graph() const { return graph_; }
    const InterpreterOptions& options() const { return options_; }

    /// The value of graph input i, to be filled before invoke().
    TensorValue& input(size_t i) { return values_[graph_.inputs[i]]; }
    /// Copies `bytes` into graph input i; the size must match exactly.
    Status setInput(size_t i, const void* bytes, size_t size);
    const TensorValue& output(size_t i) const { return values_[graph_.outputs[i]]; }
    /// The value of any tensor after a run (constants hold their data).
    /// Buffer contract (pipelined calibration reads op outputs in place, relying on it):
    /// every tensor has its own buffer, allocated in create() and never moved or shared;
    /// during invoke() a tensor's buffer is written only by the op producing it (graph
    /// inputs only by setInput() / input()), so an op's output stays unchanged until
    /// the next invoke() runs that op again.
    const TensorValue& tensorValue(int32_t tensorIndex) const { return values_[tensorIndex]; }

    /// Runs all ops in order. `observer` sees every input and op output; `control`
    /// reports progress and can cancel.
    Status invoke(TensorObserver* observer = nullptr, const RunControl* control = nullptr);

private:
    Interpreter(Graph graph, InterpreterOptions options);
    Status prepare();

    Graph graph_;
    InterpreterOptions options_;
    std::unique_ptr<ThreadPool> pool_;
    std::vector<TensorValue> values_;
    std::vector<std::unique_ptr<OpKernel>> kernels_;
};

} // namespace rf
