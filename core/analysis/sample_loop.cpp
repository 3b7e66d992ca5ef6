#include "analysis/sample_loop.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace rf {

/// Distributes samples over `jobs` threads; `work(worker, sample)` returns an error
/// to stop everything. Progress is reported serialised.
Status forEachSample(size_t samples, int jobs, const AnalysisControl* control, const std::string& what,
                     const std::function<Status(size_t worker, size_t sample)>& work)
{
    std::atomic<size_t> next{0};
    std::atomic<size_t> done{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    Status firstError = Status::ok();
    const auto workers = static_cast<size_t>(std::max(1, std::min<int>(jobs, static_cast<int>(std::max<size_t>(samples, 1)))));
    auto body = [&](size_t worker) {
        for (;;) {
            if (failed.load()) return;
            if (control && control->cancel && control->cancel->load()) {
                std::lock_guard lock(mutex);
                if (!failed.exchange(true)) firstError = Status::error("cancelled");
                return;
            }
            const size_t sample = next.fetch_add(1);
            if (sample >= samples) return;
            Status status = work(worker, sample);
            std::lock_guard lock(mutex);
            if (!status.isOk()) {
                if (!failed.exchange(true)) firstError = std::move(status);
                return;
            }
            const size_t count = ++done;
            if (control && control->onProgress) control->onProgress(count, samples, what);
        }
    };
    std::vector<std::thread> threads;
    for (size_t w = 1; w < workers; ++w) threads.emplace_back(body, w);
    body(0);
    for (auto& t : threads) t.join();
    return firstError;
}

Status setInputs(Interpreter& interpreter, const AnalysisInputs& inputs, size_t sample)
{
    const Graph& graph = interpreter.graph();
    for (size_t k = 0; k < graph.inputs.size(); ++k) {
        const Tensor& tensor = graph.tensors[static_cast<size_t>(graph.inputs[k])];
        Result<TensorValue> value = inputs.provider(sample, tensor);
        if (!value.isOk()) return value.status();
        Status status = interpreter.setInput(k, value.value().bytes(), value.value().byteSize());
        if (!status.isOk()) {
            return Status::error(graph.sourcePath + ": input '" + tensor.name + "' " + shapeToString(tensor.shape) +
                                 " does not fit sample '" + (sample < inputs.names.size() ? inputs.names[sample] : "") +
                                 "' (" + shapeToString(value.value().shape()) + "): " + status.message());
        }
    }
    return Status::ok();
}

Status invokeNamed(Interpreter& interpreter, const AnalysisControl* control, const std::string& sampleName)
{
    RunControl run;
    if (control) run.cancel = control->cancel;
    Status status = interpreter.invoke(nullptr, &run);
    if (!status.isOk()) {
        return Status::error(interpreter.graph().sourcePath + ": running sample '" + sampleName + "' failed: " +
                             status.message());
    }
    return Status::ok();
}

/// The float values of output 0 of a run (dequantized when integer).
void outputAsFloat(const Interpreter& interpreter, std::vector<float>& out)
{
    const Graph& graph = interpreter.graph();
    const int32_t t = graph.outputs[0];
    const TensorValue& value = interpreter.tensorValue(t);
    const Tensor& tensor = graph.tensors[static_cast<size_t>(t)];
    QuantGrid grid = tensor.isQuantized() ? QuantGrid::fromTensor(tensor) : QuantGrid{};
    dequantizeToFloat(value.dtype(), value.bytes(), value.elementCount(), grid, out);
}

} // namespace rf
