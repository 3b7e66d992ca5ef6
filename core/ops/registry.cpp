#include "ops/registry.h"

namespace rf {

namespace {
OpRegistry buildRegistry()
{
    OpRegistry registry;
    registerConvolutionOps(registry);
    registerElementwiseOps(registry);
    registerLayoutOps(registry);
    return registry;
}
} // namespace

KernelFactory findKernelFactory(OpType type)
{
    static const OpRegistry registry = buildRegistry();
    return registry.find(type);
}

} // namespace rf
