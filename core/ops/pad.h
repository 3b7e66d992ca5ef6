#pragma once
// PAD and PADV2 for every element type TFLite pads (float32, float16, uint8, int8,
// int16, int32, int64, bool). Quantized tensors are padded with the output zero point
// (PAD) or with the stored value of the constant_values operand (PADV2), exactly as
// TFLite's pad.cc; values are moved, never requantized.

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one PAD or PADV2 node (they differ only by the optional
/// third input, the pad value).
std::unique_ptr<OpKernel> makePadKernel();

} // namespace rf
