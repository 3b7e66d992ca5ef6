#pragma once
// SQUEEZE: removes size-1 dimensions (those listed in squeeze_dims, or all of them
// when the list is empty); a byte copy under the new shape.

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one SQUEEZE node.
std::unique_ptr<OpKernel> makeSqueezeKernel();

} // namespace rf
