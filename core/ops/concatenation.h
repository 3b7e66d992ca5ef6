#pragma once
// CONCATENATION along any axis for float32, float16, uint8, int8, int16, int32,
// int64, uint32 and bool, as TFLite's concatenation.cc: uint8 inputs whose scale or
// zero point differ from the output's are requantized (reference_ops::
// ConcatenationWithScaling: round_half_away(q * s_in/s_out - zp_in * s_in/s_out) +
// zp_out in float); int8 inputs must share the output's quantization and int16 ones
// need zero points of 0 (TFLite refuses the rest, and so do we); a fused activation
// is refused as TFLite does. In KernelMode::Xnnpack, 2-4 float32/int8/uint8 inputs are
// concatenated as stored bytes whatever their quantization: the XNNPACK delegate of the
// reference runtime does exactly that (checked against the oracle).

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one CONCATENATION node.
std::unique_ptr<OpKernel> makeConcatenationKernel();

} // namespace rf
