#include "runtime/interpreter.h"

#include <algorithm>
#include <cstring>

#include "ops/registry.h"

namespace rf {

Interpreter::Interpreter(Graph graph, InterpreterOptions options)
    : graph_(std::move(graph)), options_(options), pool_(std::make_unique<ThreadPool>(std::max(1, options.threads)))
{
}

Result<std::unique_ptr<Interpreter>> Interpreter::create(Graph graph, InterpreterOptions options)
{
    RF_RETURN_IF_ERROR(graph.validate());
    // Refuse unsupported ops before preparing anything, so the message names the first one.
    for (size_t o = 0; o < graph.ops.size(); ++o) {
        const Op& op = graph.ops[o];
        if (op.type == OpType::Unsupported || findKernelFactory(op.type) == nullptr)
            return Status::error(graph.opLabel(o) + ": operator " + op.typeName +
                                 " is not supported by Rangefinder's inference core");
    }
    std::unique_ptr<Interpreter> interpreter(new Interpreter(std::move(graph), options));
    RF_RETURN_IF_ERROR(interpreter->prepare());
    return interpreter;
}

Status Interpreter::prepare()
{
    values_.resize(graph_.tensors.size());
    for (size_t t = 0; t < graph_.tensors.size(); ++t) {
        const Tensor& tensor = graph_.tensors[t];
        values_[t].reset(tensor.dtype, tensor.shape);
        if (tensor.isConstant && !tensor.data.empty()) std::memcpy(values_[t].bytes(), tensor.data.data(), tensor.data.size());
    }
    kernels_.clear();
    for (size_t o = 0; o < graph_.ops.size(); ++o) {
        auto kernel = findKernelFactory(graph_.ops[o].type)();
        OpContext ctx(graph_, o, values_, options_.mode, *pool_);
        RF_RETURN_IF_ERROR(kernel->prepare(ctx));
        kernels_.push_back(std::move(kernel));
    }
    return Status::ok();
}

Status Interpreter::setInput(size_t i, const void* bytes, size_t size)
{
    if (i >= graph_.inputs.size())
        return Status::error(graph_.sourcePath + ": the model has " + std::to_string(graph_.inputs.size()) +
                             " inputs; input " + std::to_string(i) + " does not exist");
    TensorValue& value = input(i);
    if (size != value.byteSize())
        return Status::error(graph_.sourcePath + ": input " + std::to_string(i) + " " +
                             graph_.tensorLabel(graph_.inputs[i]) + " needs " + std::to_string(value.byteSize()) +
                             " bytes (" + std::string(dtypeName(value.dtype())) + " " + shapeToString(value.shape()) +
                             ") but " + std::to_string(size) + " were given");
    if (size) std::memcpy(value.bytes(), bytes, size);
    return Status::ok();
}

Status Interpreter::invoke(TensorObserver* observer, const RunControl* control)
{
    if (observer)
        for (int32_t input : graph_.inputs) observer->onTensor(-1, input, graph_.tensors[input], values_[input]);
    const size_t total = graph_.ops.size();
    for (size_t o = 0; o < total; ++o) {
        if (control && control->cancel && control->cancel->load(std::memory_order_relaxed))
            return Status::error(graph_.sourcePath + ": cancelled before " + graph_.opLabel(o));
        OpContext ctx(graph_, o, values_, options_.mode, *pool_);
        RF_RETURN_IF_ERROR(kernels_[o]->checkRuntimeInputs(ctx));
        kernels_[o]->eval(ctx);
        if (observer)
            for (int32_t output : graph_.ops[o].outputs)
                observer->onTensor(static_cast<int>(o), output, graph_.tensors[output], values_[output]);
        if (control && control->onProgress) control->onProgress(o + 1, total);
    }
    return Status::ok();
}

} // namespace rf
