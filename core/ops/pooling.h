#pragma once
// AVERAGE_POOL_2D and MAX_POOL_2D (NHWC, SAME/VALID padding, fused activation) for
// float32, uint8, int8 and int16, bit-exact with TensorFlow Lite's builtin kernels.
// In KernelMode::Xnnpack a float average pool follows XNNPACK's avgpool kernels (window
// order, summation tree, reciprocal multiplier); quantized pools are not taken by the
// XNNPACK delegate of the reference runtime and run as builtin there too.

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one AVERAGE_POOL_2D node.
std::unique_ptr<OpKernel> makeAveragePool2DKernel();
/// Creates the kernel of one MAX_POOL_2D node.
std::unique_ptr<OpKernel> makeMaxPool2DKernel();

} // namespace rf
