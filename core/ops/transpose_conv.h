#pragma once
// TRANSPOSE_CONV: the kernel factory (the implementation lives in transpose_conv.cpp).

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one TRANSPOSE_CONV node.
std::unique_ptr<OpKernel> makeTransposeConvKernel();

} // namespace rf
