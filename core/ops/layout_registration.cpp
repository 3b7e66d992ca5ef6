#include "ops/registry.h"

namespace rf {

void registerLayoutOps(OpRegistry& registry)
{
    (void)registry;
}

} // namespace rf
