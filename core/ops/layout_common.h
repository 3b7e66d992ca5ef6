#pragma once
// Helpers shared by the pooling, reduction and layout ops (pooling, mean, pad,
// reshape, strided_slice, ...): reading constant shape operands, comparing
// quantization parameters and naming tensors in error messages.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "ops/op_kernel.h"

namespace rf::layout {

/// "input 1 tensor #7 'shape'" — how error messages name an op input.
inline std::string inputLabel(const OpContext& ctx, int i)
{
    return "input " + std::to_string(i) + " " + ctx.graph().tensorLabel(ctx.op().inputs[i]);
}

/// "output 0 tensor #9 'y'" — how error messages name an op output.
inline std::string outputLabel(const OpContext& ctx, int i)
{
    return "output " + std::to_string(i) + " " + ctx.graph().tensorLabel(ctx.op().outputs[i]);
}

/// Reads the values of a constant integer operand (RESHAPE shape, PAD paddings, MEAN
/// axes, ...). Fails unless input `i` is a constant int32 or int64 tensor; `role`
/// describes the operand in the message ("the paddings").
inline Result<std::vector<int64_t>> constantIntegers(const OpContext& ctx, int i, const std::string& role)
{
    const Tensor& tensor = ctx.inputTensor(i);
    if (!tensor.isConstant)
        return ctx.error(role + " " + inputLabel(ctx, i) +
                         " must be a constant tensor (Rangefinder does not support shapes computed at run time)");
    const TensorValue& value = ctx.input(i);
    std::vector<int64_t> values(static_cast<size_t>(value.elementCount()));
    if (tensor.dtype == DType::Int32) {
        for (size_t k = 0; k < values.size(); ++k) values[k] = value.data<int32_t>()[k];
    } else if (tensor.dtype == DType::Int64) {
        for (size_t k = 0; k < values.size(); ++k) values[k] = value.data<int64_t>()[k];
    } else {
        return ctx.error(role + " " + inputLabel(ctx, i) + " has type " + std::string(dtypeName(tensor.dtype)) +
                         "; it must be int32 or int64");
    }
    return values;
}

/// True when two tensors carry the same per-tensor scale and zero point (both
/// unquantized counts as equal).
inline bool sameQuantization(const Tensor& a, const Tensor& b)
{
    if (a.quant.empty() || b.quant.empty()) return a.quant.empty() == b.quant.empty();
    return a.quant.scale() == b.quant.scale() && a.quant.zeroPoint() == b.quant.zeroPoint();
}

/// Fails unless the output has the input's element type (every layout op keeps it).
inline Status expectOutputTypeMatchesInput(const OpContext& ctx, int input = 0, int output = 0)
{
    if (ctx.outputTensor(output).dtype != ctx.inputTensor(input).dtype)
        return ctx.error(outputLabel(ctx, output) + " has type " + std::string(dtypeName(ctx.outputTensor(output).dtype)) +
                         " but " + inputLabel(ctx, input) + " has type " +
                         std::string(dtypeName(ctx.inputTensor(input).dtype)));
    return Status::ok();
}

/// Fails unless a quantized tensor has exactly one scale (per-tensor quantization),
/// a positive finite scale and a zero point inside the storage type's range.
inline Status expectPerTensorQuantization(const OpContext& ctx, const Tensor& tensor, const std::string& label,
                                          int64_t qmin, int64_t qmax)
{
    if (tensor.quant.empty()) return ctx.error(label + " of type " + std::string(dtypeName(tensor.dtype)) +
                                               " has no quantization parameters");
    if (tensor.quant.perAxis()) return ctx.error(label + " has per-channel quantization, which this op does not accept");
    const float scale = tensor.quant.scale();
    if (!(scale > 0.0f) || !std::isfinite(scale))
        return ctx.error(label + " has an invalid quantization scale " + std::to_string(scale));
    const int64_t zeroPoint = tensor.quant.zeroPoint();
    if (zeroPoint < qmin || zeroPoint > qmax)
        return ctx.error(label + " has zero point " + std::to_string(zeroPoint) + " outside the range of " +
                         std::string(dtypeName(tensor.dtype)));
    return Status::ok();
}

/// The storage range [min, max] of a quantized integer type.
inline void quantizedTypeRange(DType dtype, int32_t* qmin, int32_t* qmax)
{
    switch (dtype) {
    case DType::Int8: *qmin = -128; *qmax = 127; return;
    case DType::UInt8: *qmin = 0; *qmax = 255; return;
    case DType::Int16: *qmin = -32768; *qmax = 32767; return;
    default: *qmin = std::numeric_limits<int32_t>::min(); *qmax = std::numeric_limits<int32_t>::max(); return;
    }
}

/// Normalizes a possibly negative axis against `rank`; -1 when out of range.
inline int normalizeAxis(int64_t axis, int rank)
{
    if (axis < 0) axis += rank;
    return (axis < 0 || axis >= rank) ? -1 : static_cast<int>(axis);
}

} // namespace rf::layout
