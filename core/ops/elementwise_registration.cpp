#include "ops/registry.h"

namespace rf {

void registerElementwiseOps(OpRegistry& registry)
{
    (void)registry;
}

} // namespace rf
