#pragma once
// The interface every op implements: prepare() validates everything taken from the
// model and precomputes what eval() needs; eval() computes and checks nothing.
// (TFLite Micro's error-handling rule: all validation in Prepare.)

#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/kernel_mode.h"
#include "runtime/tensor_value.h"
#include "util/status.h"
#include "util/thread_pool.h"

namespace rf {

/// What an op sees of the interpreter: its graph node, the tensor metadata and the
/// run-time values of its inputs and outputs.
class OpContext {
public:
    OpContext(const Graph& graph, size_t opIndex, std::vector<TensorValue>& values, KernelMode mode, ThreadPool& pool)
        : graph_(graph), opIndex_(opIndex), values_(values), mode_(mode), pool_(pool)
    {
    }

    const Graph& graph() const { return graph_; }
    const Op& op() const { return graph_.ops[opIndex_]; }
    size_t opIndex() const { return opIndex_; }
    KernelMode mode() const { return mode_; }
    ThreadPool& pool() { return pool_; }

    int inputCount() const { return static_cast<int>(op().inputs.size()); }
    int outputCount() const { return static_cast<int>(op().outputs.size()); }
    /// True when input i exists and is not the "absent optional input" marker.
    bool hasInput(int i) const { return i < inputCount() && op().inputs[i] != kNoTensor; }
    /// Model metadata (name, dtype, declared shape, quantization, constant data).
    const Tensor& inputTensor(int i) const { return graph_.tensors[op().inputs[i]]; }
    const Tensor& outputTensor(int i) const { return graph_.tensors[op().outputs[i]]; }
    /// Run-time values. Inputs are already shaped when prepare() runs (constants also hold data).
    const TensorValue& input(int i) const { return values_[op().inputs[i]]; }
    TensorValue& output(int i) { return values_[op().outputs[i]]; }

    /// Sets output i's run-time shape (allocating it). Prepare must call this for every
    /// output; it fails if the model declared a different, non-empty shape of another size.
    Status setOutputShape(int i, const Shape& shape);

    /// An error prefixed with "file: op #N (TYPE)".
    Status error(const std::string& message) const;
    /// Checks the number of inputs (between min and max) and outputs.
    Status expectArity(int minInputs, int maxInputs, int outputs) const;
    /// Fails unless input i has one of the given dtypes.
    Status expectInputType(int i, std::initializer_list<DType> allowed) const;

private:
    const Graph& graph_;
    size_t opIndex_;
    std::vector<TensorValue>& values_;
    KernelMode mode_;
    ThreadPool& pool_;
};

/// One op node's kernel. An instance is created per node, so it may keep the node's
/// precomputed state (multipliers, packed weights) between prepare() and eval().
class OpKernel {
public:
    virtual ~OpKernel() = default;
    /// Validates inputs (types, shapes, quantization, constant operands) and sets every
    /// output shape; returns a message naming the op and tensor on any problem.
    virtual Status prepare(OpContext& ctx) = 0;
    /// Checks run-time input values that prepare() could not see (a shape operand
    /// computed by another op or fed as a graph input); invoke() calls it right before
    /// eval() and stops with its error. Ops whose operands are all checked in prepare()
    /// keep the default, which accepts everything.
    virtual Status checkRuntimeInputs(const OpContext& ctx) const
    {
        (void)ctx;
        return Status::ok();
    }
    /// Computes the outputs. Must not fail: everything was checked in prepare() (and,
    /// for run-time operands, in checkRuntimeInputs()).
    virtual void eval(OpContext& ctx) = 0;
};

using KernelFactory = std::unique_ptr<OpKernel> (*)();

} // namespace rf
