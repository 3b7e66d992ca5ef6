#pragma once
// Kernel factories of the elementwise and activation ops. Each op family lives in its
// own file (add_sub.cpp, mul.cpp, activations.cpp, logistic_tanh.cpp, softmax.cpp,
// quantize.cpp, minmax_div.cpp, unary_math.cpp); elementwise_registration.cpp registers them.

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// ADD: float32, int32, int8/uint8 (general rescaling), int16 (power-of-two or general scales).
std::unique_ptr<OpKernel> makeAddKernel();
/// SUB: same types and paths as ADD.
std::unique_ptr<OpKernel> makeSubKernel();
/// MUL: float32, int32, int8/uint8/int16.
std::unique_ptr<OpKernel> makeMulKernel();

/// RELU, RELU6, RELU_N1_TO_1: float32 clamp; int8/uint8/int16 rescale-and-clamp.
std::unique_ptr<OpKernel> makeReluKernel();
std::unique_ptr<OpKernel> makeRelu6Kernel();
std::unique_ptr<OpKernel> makeReluN1To1Kernel();
/// LEAKY_RELU: float32; int8/uint8/int16 with separate identity and alpha multipliers.
std::unique_ptr<OpKernel> makeLeakyReluKernel();
/// HARD_SWISH: float32; int8/uint8 with TFLite's 16-bit fixed-point scheme.
std::unique_ptr<OpKernel> makeHardSwishKernel();

/// LOGISTIC and TANH: float32; int8/uint8 through a 256-entry table; int16 fixed point.
std::unique_ptr<OpKernel> makeLogisticKernel();
std::unique_ptr<OpKernel> makeTanhKernel();

/// SOFTMAX: float32; int8/uint8 through TFLite's float exp table; int16.
std::unique_ptr<OpKernel> makeSoftmaxKernel();

/// QUANTIZE: float32 -> int8/uint8/int16, and requantization between integer types.
std::unique_ptr<OpKernel> makeQuantizeKernel();
/// DEQUANTIZE: int8/uint8/int16 (per-tensor or per-axis) and float16 -> float32.
std::unique_ptr<OpKernel> makeDequantizeKernel();

/// MAXIMUM, MINIMUM: broadcasting comparison of stored values (float32, 8/16/32-bit ints).
std::unique_ptr<OpKernel> makeMaximumKernel();
std::unique_ptr<OpKernel> makeMinimumKernel();
/// DIV: float32 (and int32) with a fused activation.
std::unique_ptr<OpKernel> makeDivKernel();
/// EXP, ELU, GELU: float32; int8 (GELU also uint8) through TFLite's 256-entry table.
std::unique_ptr<OpKernel> makeExpKernel();
std::unique_ptr<OpKernel> makeEluKernel();
std::unique_ptr<OpKernel> makeGeluKernel();
/// PRELU: float32, int8, uint8 with a broadcast alpha tensor.
std::unique_ptr<OpKernel> makePreluKernel();

} // namespace rf
