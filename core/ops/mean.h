#pragma once
// MEAN (reduce mean over any axes, keep_dims or not) for float32, int32, int64 and
// quantized uint8, int8 and int16, bit-exact with TensorFlow Lite in both kernel modes.
// Builtin follows reduce.cc's dispatch: the optimized "Mean4D" kernel for int8/uint8
// means over H and W with keep_dims, QuantizedMeanOrSum otherwise. In
// KernelMode::Xnnpack, means over H and W of 4-D float32/int8/uint8 tensors (what the
// XNNPACK delegate lowers to global average pooling) use XNNPACK's arithmetic, and the
// other quantized means use the older TFLite kernel that the reference (XNNPACK)
// runtime runs for them (truncating integer mean for equal parameters, float
// QuantizedMeanOrSum otherwise).

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one MEAN node.
std::unique_ptr<OpKernel> makeMeanKernel();

} // namespace rf
