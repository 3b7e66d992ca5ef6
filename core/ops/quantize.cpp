// QUANTIZE and DEQUANTIZE (tensorflow/lite/kernels/quantize.cc, dequantize.cc).
//
// QUANTIZE float32 -> int8/uint8/int16, builtin: optimized_ops::AffineQuantize,
//   q = clamp(round_half_away(x / (double)scale) + zero_point).
// QUANTIZE float32 -> int8/uint8, Xnnpack (f32-qs8-vcvt / f32-qu8-vcvt):
//   q = clamp(round_half_even(x * (1.0f / scale)) + zero_point), all in float.
// QUANTIZE between integer types (requantize), builtin: reference_ops::Requantize,
//   q = clamp(zpOut + MultiplyByQuantizedMultiplier(x - zpIn, M, s)) with M from the
//   double ratio inputScale / outputScale. The XNNPACK delegate takes same-type 8-bit
//   requantization (qs8-vcvt / qu8-vcvt: Q8 multiplier lrintf(256 * ratio), one
//   arithmetic shift by 8 with a +128 rounding bias).
// DEQUANTIZE int8/uint8/int16 -> float32: (float)(scale * (x - zp)) (per tensor) or
//   (x - zp[c]) * scale[c] (per axis); float16 -> float32 is the exact widening. Both
//   modes give the same bits (a correctly rounded product either way).

#include <bit>
#include <cmath>
#include <cstring>

#include "kernels/fixed_point.h"
#include "ops/elementwise_common.h"
#include "ops/elementwise_ops.h"

namespace rf {
namespace {

using namespace rf::elementwise;

/// IEEE binary16 -> binary32, exact (normals, subnormals, infinities, NaN payloads).
inline float halfToFloat(uint16_t h)
{
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1Fu;
    uint32_t mantissa = h & 0x3FFu;
    uint32_t bits = 0;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {
            // Subnormal: normalise.
            int e = -1;
            do {
                ++e;
                mantissa <<= 1;
            } while ((mantissa & 0x400u) == 0);
            bits = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mantissa & 0x3FFu) << 13);
        }
    } else if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    return std::bit_cast<float>(bits);
}

/// dispatchQuantized plus int32 (the int32 <-> int16 requantization of 16x8 models).
template <typename Fn>
inline void dispatchWithInt32(DType dtype, Fn&& fn)
{
    if (dtype == DType::Int32)
        fn(int32_t{});
    else
        dispatchQuantized(dtype, fn);
}

class QuantizeKernel final : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(1, 1, 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::Int8, DType::UInt8, DType::Int16, DType::Int32}));
        inType_ = ctx.inputTensor(0).dtype;
        outType_ = ctx.outputTensor(0).dtype;
        const std::string outLabel = ctx.graph().tensorLabel(ctx.op().outputs[0]);
        if (outType_ != DType::Int8 && outType_ != DType::UInt8 && outType_ != DType::Int16 && outType_ != DType::Int32)
            return ctx.error("output " + outLabel + " has type " + std::string(dtypeName(outType_)) +
                             "; supported: int8, uint8, int16, int32");
        if (inType_ != DType::Float32) {
            // quantize.cc: int16 -> int8/int16/int32, int32 -> int8/int16, 8-bit -> 8-bit.
            bool ok = false;
            if (inType_ == DType::Int16) ok = outType_ != DType::UInt8;
            else if (inType_ == DType::Int32) ok = outType_ == DType::Int8 || outType_ == DType::Int16;
            else ok = outType_ == DType::Int8 || outType_ == DType::UInt8;
            if (!ok)
                return ctx.error("requantizing " + std::string(dtypeName(inType_)) + " to " +
                                 std::string(dtypeName(outType_)) + " is not supported");
        }
        RF_RETURN_IF_ERROR(ctx.setOutputShape(0, ctx.input(0).shape()));
        RF_ASSIGN_OR_RETURN(const TensorQuant qo, perTensorQuant(ctx, ctx.op().outputs[0], "output"));
        outZeroPoint_ = qo.zeroPoint;
        outMin_ = quantizedMin(outType_);
        outMax_ = quantizedMax(outType_);

        if (inType_ == DType::Float32) {
            if (outType_ == DType::Int32)
                return ctx.error("output " + outLabel + ": float32 -> int32 quantization is not supported");
            outScale_ = qo.scale;
            xnnpack_ = ctx.mode() == KernelMode::Xnnpack && outType_ != DType::Int16;
            reciprocalScale_ = 1.0f / qo.scale;
            return Status::ok();
        }
        RF_ASSIGN_OR_RETURN(const TensorQuant qi, perTensorQuant(ctx, ctx.op().inputs[0], "input"));
        inZeroPoint_ = qi.zeroPoint;
        if (inType_ == DType::Int16 && outType_ == DType::Int16 && (qi.zeroPoint != 0 || qo.zeroPoint != 0))
            return ctx.error("int16 -> int16 requantization needs zero points 0");
        const double effectiveScale = static_cast<double>(qi.scale) / static_cast<double>(qo.scale);
        fixed_point::quantizeMultiplier(effectiveScale, &multiplier_, &shift_);
        // The delegate takes 8-bit requantization of one type with a ratio in [2^-8, 2^7].
        const float ratio = qi.scale / qo.scale;
        xnnpack_ = ctx.mode() == KernelMode::Xnnpack && inType_ == outType_ && inType_ != DType::Int16 &&
                   ratio >= 1.0f / 256.0f && ratio <= 128.0f;
        if (xnnpack_) {
            const long m = std::lrintf(256.0f * ratio);
            xnnMultiplier_ = static_cast<int32_t>(m);
            xnnBias_ = (outZeroPoint_ << 8) - xnnMultiplier_ * inZeroPoint_ + 0x80;
        }
        if (dtypeSize(inType_) == 1 && dtypeSize(outType_) == 1)
            for (int b = 0; b < 256; ++b) {
                const int32_t x = inType_ == DType::Int8 ? static_cast<int8_t>(b) : b;
                byteTable_[b] = static_cast<uint8_t>(requantizeOne(x));
            }
        return Status::ok();
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& in = ctx.input(0);
        TensorValue& out = ctx.output(0);
        dispatchWithInt32(outType_, [&](auto outTag) {
            using TOut = decltype(outTag);
            TOut* y = out.data<TOut>();
            const int64_t n = in.elementCount();
            if (inType_ == DType::Float32) {
                const float* x = in.data<float>();
                if (xnnpack_) {
                    const float lo = static_cast<float>(outMin_ - outZeroPoint_);
                    const float hi = static_cast<float>(outMax_ - outZeroPoint_);
                    const float s = reciprocalScale_;
                    for (int64_t i = 0; i < n; ++i) {
                        float v = x[i] * s;
                        v = std::min(std::max(v, lo), hi);
                        y[i] = static_cast<TOut>(static_cast<int32_t>(std::lrintf(v)) + outZeroPoint_);
                    }
                } else {
                    const double scale = outScale_;
                    for (int64_t i = 0; i < n; ++i) {
                        const double r = std::round(static_cast<double>(x[i]) / scale);
                        // Saturate before converting so that huge inputs cannot overflow int32.
                        const double c = std::min(std::max(r, -2147483648.0), 2147483647.0);
                        const int32_t q = static_cast<int32_t>(c) + outZeroPoint_;
                        y[i] = static_cast<TOut>(std::min(outMax_, std::max(outMin_, q)));
                    }
                }
                return;
            }
            if (dtypeSize(inType_) == 1 && dtypeSize(outType_) == 1) {
                // 8-bit -> 8-bit: the byte table built in prepare() (same bits).
                const auto* x = reinterpret_cast<const uint8_t*>(in.bytes());
                auto* yb = reinterpret_cast<uint8_t*>(out.bytes());
                for (int64_t i = 0; i < n; ++i) yb[i] = byteTable_[x[i]];
                return;
            }
            dispatchWithInt32(inType_, [&](auto inTag) {
                using TIn = decltype(inTag);
                const TIn* x = in.data<TIn>();
                for (int64_t i = 0; i < n; ++i) y[i] = static_cast<TOut>(requantizeOne(static_cast<int32_t>(x[i])));
            });
        });
    }

private:
    /// One requantized element, clamped to the output type.
    int32_t requantizeOne(int32_t x) const
    {
        if (xnnpack_) {
            // qs8-vcvt: (zpOut * 256 + 128 + (x - zpIn) * M) >> 8, M = lrintf(256 * ratio).
            const int32_t acc = xnnBias_ + x * xnnMultiplier_;
            return std::min(outMax_, std::max(outMin_, acc >> 8));
        }
        // Wrapping int32 arithmetic, as TFLite's int32 code computes it.
        const auto centered = static_cast<int32_t>(static_cast<uint32_t>(x) - static_cast<uint32_t>(inZeroPoint_));
        const int32_t scaled = fixed_point::multiplyByQuantizedMultiplier(centered, multiplier_, shift_);
        const auto v = static_cast<int32_t>(static_cast<uint32_t>(scaled) + static_cast<uint32_t>(outZeroPoint_));
        return std::min(outMax_, std::max(outMin_, v));
    }

    DType inType_ = DType::Unknown, outType_ = DType::Unknown;
    float outScale_ = 1.0f, reciprocalScale_ = 1.0f;
    int32_t outZeroPoint_ = 0, inZeroPoint_ = 0, outMin_ = 0, outMax_ = 0;
    int32_t multiplier_ = 0;
    int shift_ = 0;
    bool xnnpack_ = false;
    int32_t xnnMultiplier_ = 0, xnnBias_ = 0;
    uint8_t byteTable_[256] = {};
};

class DequantizeKernel final : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(1, 1, 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Int8, DType::UInt8, DType::Int16, DType::Float16}));
        RF_RETURN_IF_ERROR(expectOutputType(ctx, 0, DType::Float32));
        inType_ = ctx.inputTensor(0).dtype;
        const Shape& shape = ctx.input(0).shape();
        RF_RETURN_IF_ERROR(ctx.setOutputShape(0, shape));
        if (inType_ == DType::Float16) return Status::ok();

        const Tensor& input = ctx.inputTensor(0);
        const std::string label = "input " + ctx.graph().tensorLabel(ctx.op().inputs[0]);
        if (input.quant.empty()) return ctx.error(label + " has no quantization parameters");
        if (!input.quant.perAxis()) {
            RF_ASSIGN_OR_RETURN(const TensorQuant qi, perTensorQuant(ctx, ctx.op().inputs[0], "input"));
            scales_ = {qi.scale};
            zeroPoints_ = {qi.zeroPoint};
            // 8-bit: tabulate the 256 possible results (same formula, same bits).
            if (dtypeSize(inType_) == 1)
                for (int b = 0; b < 256; ++b) {
                    const int32_t x = inType_ == DType::Int8 ? static_cast<int8_t>(b) : b;
                    floatTable_[b] = static_cast<float>(static_cast<double>(qi.scale) * (x - qi.zeroPoint));
                }
            return Status::ok();
        }
        // Per-axis: one scale and zero point per slice of the quantized dimension.
        const int32_t axis = input.quant.axis;
        if (axis < 0 || axis >= static_cast<int32_t>(shape.size()))
            return ctx.error(label + " has quantized dimension " + std::to_string(axis) + " outside its rank " +
                             std::to_string(shape.size()));
        const size_t channels = static_cast<size_t>(shape[axis]);
        if (input.quant.scales.size() != channels ||
            (input.quant.zeroPoints.size() != channels && input.quant.zeroPoints.size() > 1))
            return ctx.error(label + " has " + std::to_string(input.quant.scales.size()) + " scales and " +
                             std::to_string(input.quant.zeroPoints.size()) + " zero points for " +
                             std::to_string(channels) + " channels");
        scales_.resize(channels);
        zeroPoints_.resize(channels);
        for (size_t c = 0; c < channels; ++c) {
            scales_[c] = input.quant.scales[c];
            const int64_t zp = input.quant.zeroPoint(c);
            if (!std::isfinite(scales_[c]) || zp < quantizedMin(inType_) || zp > quantizedMax(inType_))
                return ctx.error(label + " has an invalid scale or zero point in channel " + std::to_string(c));
            zeroPoints_[c] = static_cast<int32_t>(zp);
        }
        inner_ = 1;
        for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner_ *= shape[d];
        perAxis_ = true;
        return Status::ok();
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& in = ctx.input(0);
        float* y = ctx.output(0).data<float>();
        const int64_t n = in.elementCount();
        if (inType_ == DType::Float16) {
            const uint16_t* x = in.data<uint16_t>();
            for (int64_t i = 0; i < n; ++i) y[i] = halfToFloat(x[i]);
            return;
        }
        dispatchQuantized(inType_, [&](auto tag) {
            using T = decltype(tag);
            const T* x = in.data<T>();
            if (!perAxis_ && sizeof(T) == 1) {
                const auto* bytes = reinterpret_cast<const uint8_t*>(in.bytes());
                for (int64_t i = 0; i < n; ++i) y[i] = floatTable_[bytes[i]];
                return;
            }
            if (!perAxis_) {
                const double scale = scales_[0];
                const int32_t zp = zeroPoints_[0];
                for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(scale * (static_cast<int32_t>(x[i]) - zp));
                return;
            }
            const int64_t channels = static_cast<int64_t>(scales_.size());
            for (int64_t i = 0; i < n; ++i) {
                const int64_t c = (i / inner_) % channels;
                y[i] = static_cast<float>(static_cast<int32_t>(x[i]) - zeroPoints_[c]) * scales_[c];
            }
        });
    }

private:
    DType inType_ = DType::Unknown;
    std::vector<float> scales_;
    std::vector<int32_t> zeroPoints_;
    int64_t inner_ = 1;
    bool perAxis_ = false;
    float floatTable_[256] = {};
};

} // namespace

std::unique_ptr<OpKernel> makeQuantizeKernel() { return std::make_unique<QuantizeKernel>(); }
std::unique_ptr<OpKernel> makeDequantizeKernel() { return std::make_unique<DequantizeKernel>(); }

} // namespace rf
