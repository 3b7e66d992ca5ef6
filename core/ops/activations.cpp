// RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU and HARD_SWISH (tensorflow/lite/kernels/
// activations.cc). Float32 computes the plain formulas; quantized types rescale from
// the input to the output scale with TFLite's multipliers. The XNNPACK delegate of the
// oracle's era only takes the float32 forms of these ops (a clamp is exact, and
// LEAKY_RELU / HARD_SWISH float differ by at most rounding), so both kernel modes share
// these kernels.

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/fixed_point.h"
#include "ops/elementwise_common.h"
#include "ops/elementwise_ops.h"

namespace rf {
namespace {

using namespace rf::elementwise;

/// Checks one input / one output of the same type among `allowed`, and shapes the output
/// like the input.
Status prepareUnary(OpContext& ctx, std::initializer_list<DType> allowed)
{
    RF_RETURN_IF_ERROR(ctx.expectArity(1, 1, 1));
    RF_RETURN_IF_ERROR(ctx.expectInputType(0, allowed));
    RF_RETURN_IF_ERROR(expectOutputType(ctx, 0, ctx.inputTensor(0).dtype));
    return ctx.setOutputShape(0, ctx.input(0).shape());
}

/// For 8-bit types the output depends on one byte, so a kernel's scalar loop is run once
/// over all 256 values in prepare() and eval() becomes a table lookup (the same bits).
template <typename Fn>
void tabulateBytes(DType dtype, Fn&& runSpan, uint8_t table[256])
{
    dispatchQuantized(dtype, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (sizeof(T) == 1) {
            T inputs[256], outputs[256];
            for (int b = 0; b < 256; ++b) inputs[b] = static_cast<T>(static_cast<uint8_t>(b));
            runSpan(inputs, outputs, int64_t{256});
            for (int b = 0; b < 256; ++b) table[b] = static_cast<uint8_t>(outputs[b]);
        }
    });
}

/// Runs `runSpan` over the op's input, or the byte table when the type is 8-bit.
template <typename Fn>
void evalQuantizedUnary(OpContext& ctx, DType dtype, const uint8_t table[256], Fn&& runSpan)
{
    const TensorValue& in = ctx.input(0);
    TensorValue& out = ctx.output(0);
    const int64_t n = in.elementCount();
    if (dtype == DType::Int8 || dtype == DType::UInt8) {
        const auto* x = reinterpret_cast<const uint8_t*>(in.bytes());
        auto* y = reinterpret_cast<uint8_t*>(out.bytes());
        for (int64_t i = 0; i < n; ++i) y[i] = table[x[i]];
        return;
    }
    dispatchQuantized(dtype, [&](auto tag) {
        using T = decltype(tag);
        runSpan(in.data<T>(), out.data<T>(), n);
    });
}

// ---------------------------------------------------------------------------
// RELU / RELU6 / RELU_N1_TO_1.

/// QuantizedReluX: out = clamp(zpOut + MultiplyByQuantizedMultiplier(x - zpIn, M, s)),
/// with M from the float ratio inputScale / outputScale and the clamp bounds
/// zpOut + roundf(bound / outputScale).
class ReluKernel final : public OpKernel {
public:
    ReluKernel(float lower, float upper) : lower_(lower), upper_(upper) {}

    Status prepare(OpContext& ctx) override
    {
        const bool int16Allowed = std::isinf(upper_) || upper_ == 6.0f; // RELU and RELU6 only.
        if (int16Allowed)
            RF_RETURN_IF_ERROR(prepareUnary(ctx, {DType::Float32, DType::Int8, DType::UInt8, DType::Int16}));
        else
            RF_RETURN_IF_ERROR(prepareUnary(ctx, {DType::Float32, DType::Int8, DType::UInt8}));
        dtype_ = ctx.inputTensor(0).dtype;
        if (dtype_ == DType::Float32) return Status::ok();

        RF_ASSIGN_OR_RETURN(const TensorQuant qi, perTensorQuant(ctx, ctx.op().inputs[0], "input"));
        RF_ASSIGN_OR_RETURN(const TensorQuant qo, perTensorQuant(ctx, ctx.op().outputs[0], "output"));
        if (dtype_ == DType::Int16 && (qi.zeroPoint != 0 || qo.zeroPoint != 0))
            return ctx.error("int16 input and output must have zero point 0");
        // activations.cc: `double real_multiplier = input->params.scale / output->params.scale;`
        // divides in float before widening.
        const double realMultiplier = static_cast<double>(qi.scale / qo.scale);
        fixed_point::quantizeMultiplier(realMultiplier, &multiplier_, &shift_);
        inputOffset_ = qi.zeroPoint;
        outputOffset_ = qo.zeroPoint;
        const int32_t qmin = quantizedMin(dtype_), qmax = quantizedMax(dtype_);
        min_ = std::max(qmin, qo.zeroPoint + static_cast<int32_t>(std::roundf(lower_ / qo.scale)));
        max_ = std::isinf(upper_) ? qmax : std::min(qmax, qo.zeroPoint + static_cast<int32_t>(std::roundf(upper_ / qo.scale)));
        tabulateBytes(dtype_, [this](const auto* x, auto* y, int64_t n) { runQuantized(x, y, n); }, table_);
        return Status::ok();
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& in = ctx.input(0);
        TensorValue& out = ctx.output(0);
        if (dtype_ == DType::Float32) {
            const float* x = in.data<float>();
            float* y = out.data<float>();
            const int64_t n = in.elementCount();
            for (int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(x[i], lower_), upper_);
            return;
        }
        evalQuantizedUnary(ctx, dtype_, table_, [this](const auto* x, auto* y, int64_t n) { runQuantized(x, y, n); });
    }

private:
    template <typename T>
    void runQuantized(const T* x, T* y, int64_t n) const
    {
        for (int64_t i = 0; i < n; ++i) {
            int32_t v = outputOffset_ + fixed_point::multiplyByQuantizedMultiplier(static_cast<int32_t>(x[i]) - inputOffset_,
                                                                                   multiplier_, shift_);
            v = std::min(max_, std::max(min_, v));
            y[i] = static_cast<T>(v);
        }
    }

    float lower_, upper_;
    DType dtype_ = DType::Unknown;
    int32_t multiplier_ = 0;
    int shift_ = 0;
    int32_t inputOffset_ = 0, outputOffset_ = 0, min_ = 0, max_ = 0;
    uint8_t table_[256] = {};
};

// ---------------------------------------------------------------------------
// LEAKY_RELU.

/// reference_ops::QuantizeLeakyRelu (and the int16 optimized kernel, same bits):
/// x - zpIn >= 0 uses the identity multiplier (inputScale / outputScale), otherwise the
/// alpha multiplier (inputScale * alpha / outputScale), both computed in float as
/// activations.cc does, then zpOut is added and the result clamped to the type.
class LeakyReluKernel final : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(prepareUnary(ctx, {DType::Float32, DType::Int8, DType::UInt8, DType::Int16}));
        dtype_ = ctx.inputTensor(0).dtype;
        alpha_ = ctx.op().attrs.alpha;
        if (!std::isfinite(alpha_)) return ctx.error("alpha " + std::to_string(alpha_) + " is not finite");
        if (dtype_ == DType::Float32) return Status::ok();

        RF_ASSIGN_OR_RETURN(const TensorQuant qi, perTensorQuant(ctx, ctx.op().inputs[0], "input"));
        RF_ASSIGN_OR_RETURN(const TensorQuant qo, perTensorQuant(ctx, ctx.op().outputs[0], "output"));
        if (dtype_ == DType::Int16 && (qi.zeroPoint != 0 || qo.zeroPoint != 0))
            return ctx.error("int16 input and output must have zero point 0");
        const double alphaMultiplier = static_cast<double>(qi.scale * alpha_ / qo.scale);
        const double identityMultiplier = static_cast<double>(qi.scale / qo.scale);
        fixed_point::quantizeMultiplier(alphaMultiplier, &alphaMultiplier_, &alphaShift_);
        fixed_point::quantizeMultiplier(identityMultiplier, &identityMultiplier_, &identityShift_);
        inputOffset_ = qi.zeroPoint;
        outputOffset_ = qo.zeroPoint;

        // The XNNPACK delegate takes 8-bit LEAKY_RELU when both slopes are representable
        // as Q8 multipliers (xnnpack_delegate.cc VisitLeakyReluNode).
        const float positiveScale = qi.scale / qo.scale;
        const float negativeScale = positiveScale * alpha_;
        xnnpack_ = ctx.mode() == KernelMode::Xnnpack && dtype_ != DType::Int16 && positiveScale >= 1.0f / 256.0f &&
                   positiveScale <= 128.0f && negativeScale > -127.99609375f && negativeScale <= 128.0f &&
                   std::fabs(negativeScale) >= 1.0f / 256.0f;
        if (xnnpack_) {
            xnnPositiveMultiplier_ = static_cast<int32_t>(std::lrintf(256.0f * positiveScale));
            xnnNegativeMultiplier_ = static_cast<int32_t>(std::lrintf(256.0f * negativeScale));
            xnnBias_ = (outputOffset_ << 8) + 0x80;
        }
        tabulateBytes(dtype_, [this](const auto* x, auto* y, int64_t n) { runQuantized(x, y, n); }, table_);
        return Status::ok();
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& in = ctx.input(0);
        TensorValue& out = ctx.output(0);
        const int64_t n = in.elementCount();
        if (dtype_ == DType::Float32) {
            const float* x = in.data<float>();
            float* y = out.data<float>();
            const float alpha = alpha_;
            for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : x[i] * alpha;
            return;
        }
        evalQuantizedUnary(ctx, dtype_, table_, [this](const auto* x, auto* y, int64_t count) { runQuantized(x, y, count); });
    }

private:
    template <typename T>
    void runQuantized(const T* x, T* y, int64_t n) const
    {
        const int32_t qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
        if (xnnpack_) {
            // qs8/qu8-vlrelu: Q8 multiplier per sign, +128 rounding bias, arithmetic shift by 8.
            for (int64_t i = 0; i < n; ++i) {
                const int32_t v = static_cast<int32_t>(x[i]) - inputOffset_;
                const int32_t acc = xnnBias_ + v * (v >= 0 ? xnnPositiveMultiplier_ : xnnNegativeMultiplier_);
                y[i] = static_cast<T>(std::min(qmax, std::max(qmin, acc >> 8)));
            }
            return;
        }
        for (int64_t i = 0; i < n; ++i) {
            const int32_t v = static_cast<int32_t>(x[i]) - inputOffset_;
            const int32_t scaled = v >= 0 ? fixed_point::multiplyByQuantizedMultiplier(v, identityMultiplier_, identityShift_)
                                          : fixed_point::multiplyByQuantizedMultiplier(v, alphaMultiplier_, alphaShift_);
            y[i] = static_cast<T>(std::min(qmax, std::max(qmin, outputOffset_ + scaled)));
        }
    }

    DType dtype_ = DType::Unknown;
    float alpha_ = 0.0f;
    int32_t alphaMultiplier_ = 0, identityMultiplier_ = 0;
    int alphaShift_ = 0, identityShift_ = 0;
    int32_t inputOffset_ = 0, outputOffset_ = 0;
    bool xnnpack_ = false;
    int32_t xnnPositiveMultiplier_ = 0, xnnNegativeMultiplier_ = 0, xnnBias_ = 0;
    uint8_t table_[256] = {};
};

// ---------------------------------------------------------------------------
// HARD_SWISH.

/// gemmlowp::SaturatingRoundingDoublingHighMul on int16.
inline int16_t roundingDoublingHighMul16(int16_t a, int16_t b)
{
    if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
    const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

/// reference_ops::SaturatingDoublingHighMul: like the above but truncating toward zero.
inline int16_t doublingHighMul16(int16_t a, int16_t b)
{
    if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
    const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
    return static_cast<int16_t>(ab / (1 << 15));
}

inline int16_t saturatingLeftShift16(int16_t value, int amount)
{
    const int64_t result = static_cast<int64_t>(value) * (int64_t{1} << amount);
    return static_cast<int16_t>(std::clamp<int64_t>(result, -32768, 32767));
}

/// activations.cc DownScaleInt32ToInt16Multiplier.
inline int16_t downScaleMultiplierToInt16(int32_t multiplier)
{
    constexpr int32_t kRoundingOffset = 1 << 15;
    if (multiplier >= std::numeric_limits<int32_t>::max() - kRoundingOffset) return std::numeric_limits<int16_t>::max();
    return static_cast<int16_t>((multiplier + kRoundingOffset) >> 16);
}

/// reference_ops::HardSwish<T>(HardSwishParams...): x * relu6(x + 3) / 6 in 16-bit fixed
/// point. The input is moved to a "hires" scale (x 2^7); the "reluish" factor maps
/// [-3, 3] to [0, 1] in Q15; their product is shifted to the output scale.
class HardSwishKernel final : public OpKernel {
public:
    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(prepareUnary(ctx, {DType::Float32, DType::Int8, DType::UInt8}));
        dtype_ = ctx.inputTensor(0).dtype;
        if (dtype_ == DType::Float32) return Status::ok();
        RF_ASSIGN_OR_RETURN(const TensorQuant qi, perTensorQuant(ctx, ctx.op().inputs[0], "input"));
        RF_ASSIGN_OR_RETURN(const TensorQuant qo, perTensorQuant(ctx, ctx.op().outputs[0], "output"));
        inputZeroPoint_ = qi.zeroPoint;
        outputZeroPoint_ = qo.zeroPoint;
        // All in float, as HardSwishPrepare computes them.
        const float hiresInputScale = (1.0f / 128.0f) * qi.scale;
        const float reluishScale = 3.0f / 32768.0f;
        const float outputMultiplier = hiresInputScale / qo.scale;
        int32_t fixedpoint = 0;
        fixed_point::quantizeMultiplier(outputMultiplier, &fixedpoint, &outputExponent_);
        outputMultiplier16_ = downScaleMultiplierToInt16(fixedpoint);
        if (outputExponent_ > 0)
            return ctx.error("input scale " + std::to_string(qi.scale) + " is too large for output scale " +
                             std::to_string(qo.scale) + " (TFLite requires output_multiplier_exponent <= 0)");
        const float reluishMultiplier = hiresInputScale / reluishScale;
        fixed_point::quantizeMultiplier(reluishMultiplier, &fixedpoint, &reluishExponent_);
        reluishMultiplier16_ = downScaleMultiplierToInt16(fixedpoint);
        tabulateBytes(dtype_, [this](const auto* x, auto* y, int64_t n) { runQuantized(x, y, n); }, table_);
        return Status::ok();
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& in = ctx.input(0);
        TensorValue& out = ctx.output(0);
        const int64_t n = in.elementCount();
        if (dtype_ == DType::Float32) {
            const float* x = in.data<float>();
            float* y = out.data<float>();
            for (int64_t i = 0; i < n; ++i) y[i] = x[i] * std::min(6.0f, std::max(0.0f, x[i] + 3.0f)) / 6.0f;
            return;
        }
        evalQuantizedUnary(ctx, dtype_, table_, [this](const auto* x, auto* y, int64_t count) { runQuantized(x, y, count); });
    }

private:
    template <typename T>
    void runQuantized(const T* x, T* y, int64_t n) const
    {
        for (int64_t i = 0; i < n; ++i)
            y[i] = static_cast<T>(quantizedHardSwish(x[i], std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    }

    int32_t quantizedHardSwish(int32_t x, int32_t qmin, int32_t qmax) const
    {
        const auto inputValue = static_cast<int16_t>(x - inputZeroPoint_);
        const auto hires = static_cast<int16_t>(inputValue * (1 << 7));
        const int16_t preshiftOutput = roundingDoublingHighMul16(hires, outputMultiplier16_);
        int16_t reluish = hires;
        if (reluishExponent_ > 0) reluish = saturatingLeftShift16(reluish, reluishExponent_ - 1);
        reluish = roundingDoublingHighMul16(reluish, reluishMultiplier16_);
        if (reluishExponent_ > 0) reluish = saturatingLeftShift16(reluish, 1);
        if (reluishExponent_ < 0) reluish = static_cast<int16_t>(fixed_point::roundingDivideByPOT(reluish, -reluishExponent_));
        reluish = static_cast<int16_t>((reluish + (1 << 15)) >> 1);
        const int16_t preshift = doublingHighMul16(reluish, preshiftOutput);
        int16_t output = static_cast<int16_t>(fixed_point::roundingDivideByPOT(preshift, -outputExponent_));
        output = static_cast<int16_t>(output + outputZeroPoint_);
        return std::max<int32_t>(qmin, std::min<int32_t>(qmax, output));
    }

    DType dtype_ = DType::Unknown;
    int32_t inputZeroPoint_ = 0, outputZeroPoint_ = 0;
    int16_t outputMultiplier16_ = 0, reluishMultiplier16_ = 0;
    int outputExponent_ = 0, reluishExponent_ = 0;
    uint8_t table_[256] = {};
};

} // namespace

std::unique_ptr<OpKernel> makeReluKernel()
{
    return std::make_unique<ReluKernel>(0.0f, std::numeric_limits<float>::infinity());
}
std::unique_ptr<OpKernel> makeRelu6Kernel() { return std::make_unique<ReluKernel>(0.0f, 6.0f); }
std::unique_ptr<OpKernel> makeReluN1To1Kernel() { return std::make_unique<ReluKernel>(-1.0f, 1.0f); }
std::unique_ptr<OpKernel> makeLeakyReluKernel() { return std::make_unique<LeakyReluKernel>(); }
std::unique_ptr<OpKernel> makeHardSwishKernel() { return std::make_unique<HardSwishKernel>(); }

} // namespace rf
