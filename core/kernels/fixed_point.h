#pragma once
// Fixed-point arithmetic exactly as TensorFlow Lite computes it
// (tensorflow/lite/kernels/internal/common.h, quantization_util.cc and gemmlowp's
// fixedpoint.h). These functions define the bits of every quantized kernel in the
// default ("builtin") kernel mode, so they must not be "improved".

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace rf::fixed_point {

/// Splits a real multiplier into a Q31 fixed-point multiplier and a power-of-two
/// shift: real ~= quantized * 2^(shift - 31). Same as tflite::QuantizeMultiplier,
/// including the handling of a mantissa that rounds up to 1.0 and of tiny values.
inline void quantizeMultiplier(double realMultiplier, int32_t* quantizedMultiplier, int* shift)
{
    if (realMultiplier == 0.0) {
        *quantizedMultiplier = 0;
        *shift = 0;
        return;
    }
    const double q = std::frexp(realMultiplier, shift);
    auto qFixed = static_cast<int64_t>(std::round(q * (int64_t{1} << 31)));
    if (qFixed == (int64_t{1} << 31)) {
        qFixed /= 2;
        ++*shift;
    }
    if (*shift < -31) {
        *shift = 0;
        qFixed = 0;
    }
    // TFLite (without TFLITE_SINGLE_ROUNDING) keeps shifts above 30 as they are.
    *quantizedMultiplier = static_cast<int32_t>(qFixed);
}

/// tflite::QuantizeMultiplierSmallerThanOneExp: shift is <= 0 on return.
inline void quantizeMultiplierSmallerThanOneExp(double realMultiplier, int32_t* quantizedMultiplier, int* leftShift)
{
    quantizeMultiplier(realMultiplier, quantizedMultiplier, leftShift);
}

/// gemmlowp::SaturatingRoundingDoublingHighMul: (a * b * 2) >> 32 rounded to nearest
/// (ties toward +infinity, as the nudge-then-truncate formula gives), saturating the single overflow case INT32_MIN * INT32_MIN.
inline int32_t saturatingRoundingDoublingHighMul(int32_t a, int32_t b)
{
    const bool overflow = a == b && a == std::numeric_limits<int32_t>::min();
    const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
    const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    const auto high = static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
    return overflow ? std::numeric_limits<int32_t>::max() : high;
}

/// gemmlowp::RoundingDivideByPOT: x / 2^exponent rounded half away from zero.
inline int32_t roundingDivideByPOT(int32_t x, int exponent)
{
    const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + ((x < 0) ? 1 : 0);
    return (x >> exponent) + ((remainder > threshold) ? 1 : 0);
}

/// tflite::MultiplyByQuantizedMultiplier (double rounding): the requantization
/// step of every builtin quantized kernel.
inline int32_t multiplyByQuantizedMultiplier(int32_t x, int32_t quantizedMultiplier, int shift)
{
    const int leftShift = shift > 0 ? shift : 0;
    const int rightShift = shift > 0 ? 0 : -shift;
    return roundingDivideByPOT(
        saturatingRoundingDoublingHighMul(static_cast<int32_t>(static_cast<uint32_t>(x) << leftShift), quantizedMultiplier),
        rightShift);
}

/// tflite::MultiplyByQuantizedMultiplier for 64-bit accumulators (int16x8 kernels), as
/// TFLite's default (double-rounding) build computes it: one rounding of x times the
/// multiplier reduced to 16 bits, and the 64-bit result truncated to int32 (no clamp).
/// TFLite's contract is |x| < 2^47 and shift in [-31, 7]; outside it TFLite's product
/// overflows. Here the product and rounding term are taken modulo 2^64 (what TFLite's
/// compiled code yields, e.g. the WASM runtime on an int64 bias near 2^62) and the shift
/// is held in the range a 64-bit shift allows, so no input is undefined behaviour.
inline int32_t multiplyByQuantizedMultiplier(int64_t x, int32_t quantizedMultiplier, int shift)
{
    const int16_t reducedMultiplier =
        quantizedMultiplier < 0x7FFF0000 ? static_cast<int16_t>((quantizedMultiplier + (1 << 15)) >> 16) : 0x7FFF;
    const int totalShift = std::clamp(15 - shift, 1, 63);
    const uint64_t round = uint64_t{1} << (totalShift - 1);
    const uint64_t wrapped =
        static_cast<uint64_t>(x) * static_cast<uint64_t>(static_cast<int64_t>(reducedMultiplier)) + round;
    // Arithmetic shift of the two's-complement value, then int64 -> int32 modulo 2^32 (C++20).
    return static_cast<int32_t>(static_cast<int64_t>(wrapped) >> totalShift);
}

/// tflite::MultiplyByQuantizedMultiplierSmallerThanOneExp.
inline int32_t multiplyByQuantizedMultiplierSmallerThanOneExp(int32_t x, int32_t quantizedMultiplier, int leftShift)
{
    return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, quantizedMultiplier), -leftShift);
}

/// tflite::MultiplyByQuantizedMultiplierGreaterThanOne.
inline int32_t multiplyByQuantizedMultiplierGreaterThanOne(int32_t x, int32_t quantizedMultiplier, int leftShift)
{
    return saturatingRoundingDoublingHighMul(static_cast<int32_t>(static_cast<uint32_t>(x) << leftShift),
                                             quantizedMultiplier);
}

} // namespace rf::fixed_point
