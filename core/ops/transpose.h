#pragma once
// TRANSPOSE: output dimension d is input dimension perm[d]; perm is a constant
// int32/int64 permutation. Pure data movement for every element type.

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one TRANSPOSE node.
std::unique_ptr<OpKernel> makeTransposeKernel();

} // namespace rf
