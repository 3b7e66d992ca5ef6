#pragma once
// RESHAPE: a byte copy under a new shape, taken from the second input (a constant
// 1-D int32/int64 tensor) or, without one, from the op's options; one dimension may
// be -1 and is inferred. Like TFLite, stored values are copied as they are
// (quantization parameters are not consulted).

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one RESHAPE node.
std::unique_ptr<OpKernel> makeReshapeKernel();

} // namespace rf
