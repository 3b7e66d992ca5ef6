#pragma once
// Requantization of convolution-family accumulators: the per-channel multipliers a node
// computes once in prepare(), and the ways TensorFlow Lite's execution paths turn an
// accumulator into an output step.
//
//  - Double rounding (TFLite's reference kernels and its own optimized depthwise and
//    transpose-conv kernels): SaturatingRoundingDoublingHighMul then RoundingDivideByPOT,
//    ties away from zero (kernels/fixed_point.h).
//  - Double rounding with the second rounding breaking ties upward: what the builtin
//    goldens (native x86 TFLite, XNNPACK off) show for every GEMM-based CONV_2D and
//    FULLY_CONNECTED, i.e. the ruy kernels cpu_backend_gemm runs on x86 ("optimized code
//    paths may use whatever tie-breaking behavior is more friendly to the target
//    instruction set, typically breaking ties upward", ruy/apply_multiplier.cc). Measured:
//    tf2_mobilenet_v2 op 3 has 305 of 200704 values at a negative tie where the two differ,
//    and the golden agrees with ties-up on all of them (likewise the ResNet-8 goldens).
//  - Single rounding (ruy's portable kernel, ruy/apply_multiplier.cc): one rounding of
//    acc * multiplier / 2^(31 - shift), ties upward. TFLite's 16x8 GEMMs (int32 bias)
//    run it in the WASM runtime, which has no ruy SIMD kernels (the XNNPACK-mode oracle;
//    see convolution::int16GemmFlavour).
//  - fp32 (XNNPACK qs8/qu8 microkernels): (float)acc * scale with the per-channel scale
//    computed in float as input_scale * filter_scale / output_scale, clamped in float,
//    rounded to nearest-even (the "magic bias" trick), plus the output zero point.
//
// Each flavour is a small functor with apply(acc, channel) returning the scaled value
// before the output zero point is added, so kernels are templates over the flavour.

#include <cmath>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "kernels/fixed_point.h"

namespace rf::requant {

/// The flavour of requantization a node uses.
enum class Flavour {
    DoubleRounding, ///< TFLite builtin kernels (MultiplyByQuantizedMultiplier).
    DoubleRoundingTiesUp, ///< SRDHM, then a rounding right shift breaking ties upward (ruy on x86).
    SingleRounding, ///< ruy's portable multiplier (16x8 GEMMs in the WASM oracle).
    Fp32,           ///< XNNPACK fp32 requantization.
};

/// Per-output-channel requantization constants of one node. Every vector has one entry
/// per output channel (a per-tensor scale is broadcast), so kernels never branch on it.
struct ChannelParams {
    std::vector<int32_t> multipliers; ///< Q31 fixed-point multipliers (fixed-point flavours).
    std::vector<int> shifts;          ///< Exponents, positive = left shift (TFLite's convention).
    std::vector<float> scales;        ///< Float scales (Fp32 flavour).
};

/// TFLite's PopulateConvolutionQuantizationParams / FULLY_CONNECTED prepare: for each
/// output channel, effective = double(input_scale) * double(filter_scale) /
/// double(output_scale), split by QuantizeMultiplier. `filterScales` holds one scale
/// (per tensor) or `channels` scales.
inline ChannelParams tfliteMultipliers(float inputScale, std::span<const float> filterScales, float outputScale,
                                       int channels)
{
    ChannelParams params;
    params.multipliers.resize(channels);
    params.shifts.resize(channels);
    for (int c = 0; c < channels; ++c) {
        const float filterScale = filterScales[filterScales.size() == 1 ? 0 : c];
        const double effective =
            static_cast<double>(inputScale) * static_cast<double>(filterScale) / static_cast<double>(outputScale);
        fixed_point::quantizeMultiplier(effective, &params.multipliers[c], &params.shifts[c]);
    }
    return params;
}

/// XNNPACK's requantization scales: input_scale * kernel_scale[c] / output_scale, in
/// float (xnn_create_convolution2d_nhwc_qs8_qc8w and friends).
inline ChannelParams xnnpackScales(float inputScale, std::span<const float> filterScales, float outputScale,
                                   int channels)
{
    ChannelParams params;
    params.scales.resize(channels);
    for (int c = 0; c < channels; ++c) {
        const float filterScale = filterScales[filterScales.size() == 1 ? 0 : c];
        params.scales[c] = inputScale * filterScale / outputScale;
    }
    return params;
}

/// acc + bias in two's complement (modulo 2^32 or 2^64): TFLite's kernels add the bias
/// with plain integer additions, which wrap on every target it runs on; this gives the
/// same value without C++'s undefined behaviour when a model's bias is near the type's limit.
template <typename Acc> Acc addBias(Acc acc, Acc bias)
{
    using Unsigned = std::make_unsigned_t<Acc>;
    return static_cast<Acc>(static_cast<Unsigned>(acc) + static_cast<Unsigned>(bias));
}

/// MultiplyByQuantizedMultiplier with a 32-bit accumulator (double rounding).
struct DoubleRounding32 {
    const int32_t* multipliers;
    const int* shifts;
    int32_t apply(int32_t acc, int channel) const
    {
        return fixed_point::multiplyByQuantizedMultiplier(acc, multipliers[channel], shifts[channel]);
    }
};

/// MultiplyByQuantizedMultiplier with a 64-bit accumulator (int16 x int8 kernels).
struct DoubleRounding64 {
    const int32_t* multipliers;
    const int* shifts;
    int32_t apply(int64_t acc, int channel) const
    {
        return fixed_point::multiplyByQuantizedMultiplier(acc, multipliers[channel], shifts[channel]);
    }
};

/// SaturatingRoundingDoublingHighMul followed by a right shift that rounds to nearest with
/// ties toward +infinity (ARM's rounding shift, which ruy's x86 kernels imitate).
inline int32_t doubleRoundingTiesUpMultiply(int32_t acc, int32_t multiplier, int shift)
{
    const int leftShift = shift > 0 ? shift : 0;
    const int rightShift = shift > 0 ? 0 : -shift;
    const int32_t high = fixed_point::saturatingRoundingDoublingHighMul(
        static_cast<int32_t>(static_cast<uint32_t>(acc) << leftShift), multiplier);
    if (rightShift == 0) return high;
    return static_cast<int32_t>((static_cast<int64_t>(high) + (int64_t{1} << (rightShift - 1))) >> rightShift);
}

/// Double rounding with upward ties of a 32-bit accumulator (builtin GEMM convolutions).
struct DoubleRoundingTiesUp32 {
    const int32_t* multipliers;
    const int* shifts;
    int32_t apply(int32_t acc, int channel) const
    {
        return doubleRoundingTiesUpMultiply(acc, multipliers[channel], shifts[channel]);
    }
};

/// ruy's single-rounding multiplier (ruy::detail::MultiplyByQuantizedMultiplier): one
/// rounding of acc * multiplier / 2^(31 - shift), ties toward +infinity.
inline int32_t singleRoundingMultiply(int32_t acc, int32_t multiplier, int shift)
{
    const int totalShift = 31 - shift;
    const int64_t round = int64_t{1} << (totalShift - 1);
    return static_cast<int32_t>((static_cast<int64_t>(acc) * multiplier + round) >> totalShift);
}

/// ruy requantization of a 32-bit accumulator.
struct SingleRounding32 {
    const int32_t* multipliers;
    const int* shifts;
    int32_t apply(int32_t acc, int channel) const
    {
        return singleRoundingMultiply(acc, multipliers[channel], shifts[channel]);
    }
};

/// XNNPACK fp32 requantization. The result is clamped to [low, high] (the output range
/// minus the zero point) in float before rounding, as the microkernels do, so huge
/// accumulators cannot overflow the conversion.
struct Fp32 {
    const float* scales;
    float low;  ///< output_min - output_zero_point
    float high; ///< output_max - output_zero_point
    int32_t apply(int32_t acc, int channel) const
    {
        float scaled = static_cast<float>(acc) * scales[channel];
        scaled = scaled < low ? low : scaled;
        scaled = scaled > high ? high : scaled;
        return static_cast<int32_t>(std::nearbyint(scaled));
    }
};

/// Adds the output zero point and clamps to the activation range: the common tail of
/// every quantized kernel.
template <typename T> inline T finishQuantized(int32_t scaled, int32_t zeroPoint, int32_t activationMin, int32_t activationMax)
{
    int32_t value = scaled + zeroPoint;
    value = value < activationMin ? activationMin : value;
    value = value > activationMax ? activationMax : value;
    return static_cast<T>(value);
}

} // namespace rf::requant
