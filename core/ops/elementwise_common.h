#pragma once
// Validation and typed-dispatch helpers shared by the elementwise and activation ops
// (ADD, SUB, MUL, RELU..., SOFTMAX, QUANTIZE, ...). Everything here runs in prepare().

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "ops/op_kernel.h"

namespace rf::elementwise {

/// Storage range of a quantized integer type ([-128, 127] for int8, ...).
inline int32_t quantizedMin(DType dtype)
{
    switch (dtype) {
    case DType::Int8: return -128;
    case DType::UInt8: return 0;
    case DType::Int16: return -32768;
    default: return std::numeric_limits<int32_t>::min();
    }
}
inline int32_t quantizedMax(DType dtype)
{
    switch (dtype) {
    case DType::Int8: return 127;
    case DType::UInt8: return 255;
    case DType::Int16: return 32767;
    default: return std::numeric_limits<int32_t>::max();
    }
}

/// Per-tensor quantization of one operand, validated.
struct TensorQuant {
    float scale = 1.0f;
    int32_t zeroPoint = 0;
};

/// Checks that `tensor` (input or output `role` of the op) carries one finite positive
/// scale and a zero point inside its type's range, and returns them.
inline Result<TensorQuant> perTensorQuant(const OpContext& ctx, int32_t tensorIndex, const std::string& role)
{
    const Tensor& tensor = ctx.graph().tensors[tensorIndex];
    const std::string label = role + " " + ctx.graph().tensorLabel(tensorIndex);
    if (tensor.quant.empty()) return ctx.error(label + " of type " + std::string(dtypeName(tensor.dtype)) + " has no quantization parameters");
    if (tensor.quant.scales.size() != 1)
        return ctx.error(label + " has " + std::to_string(tensor.quant.scales.size()) +
                         " scales; this op needs per-tensor quantization");
    const float scale = tensor.quant.scales[0];
    if (!(scale > 0.0f) || !std::isfinite(scale))
        return ctx.error(label + " has an invalid scale " + std::to_string(scale));
    const int64_t zp = tensor.quant.zeroPoint();
    if (zp < quantizedMin(tensor.dtype) || zp > quantizedMax(tensor.dtype))
        return ctx.error(label + " has zero point " + std::to_string(zp) + " outside the range of " +
                         std::string(dtypeName(tensor.dtype)));
    return TensorQuant{scale, static_cast<int32_t>(zp)};
}

/// Fails unless the output's declared type is `dtype`.
inline Status expectOutputType(const OpContext& ctx, int i, DType dtype)
{
    const Tensor& out = ctx.outputTensor(i);
    if (out.dtype == dtype) return Status::ok();
    return ctx.error("output " + ctx.graph().tensorLabel(ctx.op().outputs[i]) + " has type " +
                     std::string(dtypeName(out.dtype)) + " but the op produces " + std::string(dtypeName(dtype)));
}

/// Fails when the two tensors' types differ.
inline Status expectSameInputTypes(const OpContext& ctx, int i, int j)
{
    if (ctx.inputTensor(i).dtype == ctx.inputTensor(j).dtype) return Status::ok();
    return ctx.error("inputs " + ctx.graph().tensorLabel(ctx.op().inputs[i]) + " (" +
                     std::string(dtypeName(ctx.inputTensor(i).dtype)) + ") and " +
                     ctx.graph().tensorLabel(ctx.op().inputs[j]) + " (" +
                     std::string(dtypeName(ctx.inputTensor(j).dtype)) + ") must have the same type");
}

/// TFLite CheckedLog2: true when `scale` is (within 1e-3 in log2) a power of two,
/// with the rounded exponent in *log2.
inline bool checkedLog2(float scale, int* log2)
{
    const float scaleLog2 = std::log2(scale);
    const float rounded = std::round(scaleLog2);
    *log2 = static_cast<int>(rounded);
    return std::abs(scaleLog2 - rounded) < 1e-3f;
}

/// Calls fn(T{}) with T the C++ type of an 8/16-bit quantized dtype.
template <typename Fn>
inline void dispatchQuantized(DType dtype, Fn&& fn)
{
    switch (dtype) {
    case DType::Int8: fn(int8_t{}); break;
    case DType::UInt8: fn(uint8_t{}); break;
    case DType::Int16: fn(int16_t{}); break;
    default: break;
    }
}

} // namespace rf::elementwise
