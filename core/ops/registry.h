#pragma once
// Maps op types to kernel factories. Each op family registers its ops in its own
// registration function (one line per op), called from registry.cpp.

#include "ops/op_kernel.h"

namespace rf {

/// The kernel factory for `type`, or nullptr when the core cannot run that op.
KernelFactory findKernelFactory(OpType type);

class OpRegistry {
public:
    void add(OpType type, KernelFactory factory) { factories_[static_cast<size_t>(type)] = factory; }
    KernelFactory find(OpType type) const { return factories_[static_cast<size_t>(type)]; }

private:
    KernelFactory factories_[static_cast<size_t>(OpType::Count)] = {};
};

// Registration functions of the op families (each in its own file under ops/).
void registerConvolutionOps(OpRegistry& registry);
void registerElementwiseOps(OpRegistry& registry);
void registerLayoutOps(OpRegistry& registry);

} // namespace rf
