#include "ops/registry.h"

namespace rf {

void registerConvolutionOps(OpRegistry& registry)
{
    (void)registry;
}

} // namespace rf
