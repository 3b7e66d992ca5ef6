#pragma once
// SPLIT (equal parts; inputs: axis, tensor) and SPLIT_V (given sizes, one may be -1;
// inputs: tensor, sizes, axis) for every element type: pure data movement.

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one SPLIT node.
std::unique_ptr<OpKernel> makeSplitKernel();
/// Creates the kernel of one SPLIT_V node.
std::unique_ptr<OpKernel> makeSplitVKernel();

} // namespace rf
