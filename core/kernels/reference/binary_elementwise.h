#pragma once
// Per-element arithmetic of the quantized binary ops (ADD, SUB, MUL) in both kernel
// modes, with the parameter derivations they need. Each function reproduces one
// library's integer pipeline exactly:
//  - Builtin: TFLite's reference/optimized kernels (add.h AddElementwise, sub.h,
//    integer_ops/mul.h MulElementwise), double rounding through
//    MultiplyByQuantizedMultiplier with multipliers from QuantizeMultiplier.
//  - Xnnpack: XNNPACK's qs8/qu8-vadd and qs8/qu8-vmul microkernels (2022 era, the
//    version inside the oracle's TFLite): fixed-point add with a 20-bit multiplier
//    and one arithmetic right shift; multiply with an fp32 requantization
//    (float scale, round-to-nearest-even, zero point added after).

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "ir/op_type.h"
#include "kernels/activation_range.h"
#include "kernels/fixed_point.h"
#include "kernels/reference/broadcast.h"

namespace rf::kernels {

/// Clamp bounds of a quantized output after a fused activation.
using QuantizedRange = rf::activation::Range<int32_t>;

// ---------------------------------------------------------------------------
// Builtin ADD / SUB (8-bit and general-scale int16).

/// Parameters of TFLite's general quantized add/sub (add.cc / sub.cc Prepare): both
/// inputs are scaled up by 2^leftShift, rescaled to twice the larger input scale,
/// summed in int32 and rescaled to the output.
struct AddSubParamsBuiltin {
    int32_t input1Offset = 0, input2Offset = 0, outputOffset = 0;
    int leftShift = 20;
    int32_t input1Multiplier = 0, input2Multiplier = 0, outputMultiplier = 0;
    int input1Shift = 0, input2Shift = 0, outputShift = 0;
    QuantizedRange range;
};

/// Derives the add/sub parameters exactly as add.cc: the scales are floats, the ratios
/// are computed in double, and leftShift is 20 for 8-bit and 15 for int16.
inline AddSubParamsBuiltin makeAddSubParamsBuiltin(float scale1, int32_t zp1, float scale2, int32_t zp2,
                                                   float outScale, int32_t outZp, int leftShift, QuantizedRange range)
{
    AddSubParamsBuiltin p;
    p.input1Offset = -zp1;
    p.input2Offset = -zp2;
    p.outputOffset = outZp;
    p.leftShift = leftShift;
    const double twiceMaxInputScale = 2 * static_cast<double>(std::max(scale1, scale2));
    const double realInput1 = scale1 / twiceMaxInputScale;
    const double realInput2 = scale2 / twiceMaxInputScale;
    const double realOutput = twiceMaxInputScale / ((1 << leftShift) * static_cast<double>(outScale));
    fixed_point::quantizeMultiplierSmallerThanOneExp(realInput1, &p.input1Multiplier, &p.input1Shift);
    fixed_point::quantizeMultiplierSmallerThanOneExp(realInput2, &p.input2Multiplier, &p.input2Shift);
    fixed_point::quantizeMultiplierSmallerThanOneExp(realOutput, &p.outputMultiplier, &p.outputShift);
    p.range = range;
    return p;
}

/// The first stage of TFLite's add/sub for one input: (x + offset) << leftShift, rescaled
/// by that input's multiplier. It depends on x alone, so 8-bit kernels tabulate it.
inline int32_t addSubScaledInput(int32_t x, int32_t offset, int leftShift, int32_t multiplier, int shift)
{
    return fixed_point::multiplyByQuantizedMultiplierSmallerThanOneExp((offset + x) * (1 << leftShift), multiplier, shift);
}

/// The last stage: the int32 sum/difference rescaled to the output, offset and clamped.
inline int32_t addSubFinish(const AddSubParamsBuiltin& p, int32_t raw)
{
    const int32_t out =
        fixed_point::multiplyByQuantizedMultiplierSmallerThanOneExp(raw, p.outputMultiplier, p.outputShift) + p.outputOffset;
    return std::min(p.range.max, std::max(p.range.min, out));
}

/// One element of TFLite AddElementwise (sign = +1) or SubElementwise (sign = -1).
template <int Sign>
inline int32_t addSubBuiltin(const AddSubParamsBuiltin& p, int32_t a, int32_t b)
{
    const int32_t scaledA = addSubScaledInput(a, p.input1Offset, p.leftShift, p.input1Multiplier, p.input1Shift);
    const int32_t scaledB = addSubScaledInput(b, p.input2Offset, p.leftShift, p.input2Multiplier, p.input2Shift);
    return addSubFinish(p, Sign > 0 ? scaledA + scaledB : scaledA - scaledB);
}

/// Power-of-two int16 add/sub (TFLite's pot_scale_int16 path, LSTM style): the input
/// whose scale differs from the output's is divided by 2^rightShift (rounding half away
/// from zero), then a saturating int16 add/sub.
struct AddSubPotInt16Params {
    int input1RightShift = 0;
    int input2RightShift = 0;
    QuantizedRange range;
};

template <int Sign>
inline int32_t addSubPotInt16(const AddSubPotInt16Params& p, int32_t a, int32_t b)
{
    const int32_t sa = fixed_point::roundingDivideByPOT(a, p.input1RightShift);
    const int32_t sb = fixed_point::roundingDivideByPOT(b, p.input2RightShift);
    const int32_t raw = std::clamp(Sign > 0 ? sa + sb : sa - sb, -32768, 32767);
    return std::min(p.range.max, std::max(p.range.min, raw));
}

// ---------------------------------------------------------------------------
// Builtin MUL.

/// TFLite MulElementwise: (a - zpA) * (b - zpB) requantized by one multiplier
/// (scaleA * scaleB / scaleOut, computed in float as mul.cc does).
struct MulParamsBuiltin {
    int32_t input1Offset = 0, input2Offset = 0, outputOffset = 0;
    int32_t outputMultiplier = 0;
    int outputShift = 0;
    QuantizedRange range;
};

inline int32_t mulBuiltin(const MulParamsBuiltin& p, int32_t a, int32_t b)
{
    const int32_t product = (p.input1Offset + a) * (p.input2Offset + b);
    const int32_t out =
        fixed_point::multiplyByQuantizedMultiplier(product, p.outputMultiplier, p.outputShift) + p.outputOffset;
    return std::min(p.range.max, std::max(p.range.min, out));
}

// ---------------------------------------------------------------------------
// XNNPACK ADD / SUB (qs8-vadd, qu8-vadd; subtraction negates the second multiplier).

/// xnn_init_qs8_add_minmax_params: the per-input float scale ratios become integer
/// multipliers with 20 significant bits sharing one right shift; the zero points and
/// the rounding constant fold into a bias.
struct AddParamsXnnpack {
    int32_t bias = 0;
    int32_t aMultiplier = 0;
    int32_t bMultiplier = 0;
    uint32_t shift = 0;
    int32_t outputZeroPoint = 0;
    int32_t outputMinLessZeroPoint = 0;
    int32_t outputMaxLessZeroPoint = 0;
};

/// False when XNNPACK would refuse the scales (ratio outside [2^-10, 2^8)); the TFLite
/// delegate then leaves the node to the builtin kernel.
inline bool xnnpackAddScalesSupported(float aOutputScale, float bOutputScale)
{
    const auto ok = [](float s) { return s >= 0x1.0p-10f && s < 0x1.0p+8f; };
    return ok(aOutputScale) && ok(bOutputScale);
}

inline AddParamsXnnpack makeAddParamsXnnpack(int32_t aZeroPoint, int32_t bZeroPoint, int32_t outputZeroPoint,
                                             float aOutputScale, float bOutputScale, int32_t outputMin,
                                             int32_t outputMax)
{
    AddParamsXnnpack p;
    const float absA = std::fabs(aOutputScale);
    const float absB = std::fabs(bOutputScale);
    const float maxAbs = std::max(absA, absB);
    const int32_t maxExponent = static_cast<int32_t>(std::bit_cast<uint32_t>(maxAbs) >> 23) - 127;
    const uint32_t shift = static_cast<uint32_t>(20 - maxExponent);
    const auto scaled = [&](float s) {
        return static_cast<int32_t>(std::lrintf(std::bit_cast<float>(std::bit_cast<uint32_t>(s) + (shift << 23))));
    };
    const int32_t absAMultiplier = scaled(absA);
    const int32_t absBMultiplier = scaled(absB);
    p.aMultiplier = std::signbit(aOutputScale) ? -absAMultiplier : absAMultiplier;
    p.bMultiplier = std::signbit(bOutputScale) ? -absBMultiplier : absBMultiplier;
    const int32_t rounding = int32_t{1} << (shift - 1);
    p.bias = rounding - p.aMultiplier * aZeroPoint - p.bMultiplier * bZeroPoint;
    p.shift = shift;
    p.outputZeroPoint = outputZeroPoint;
    p.outputMinLessZeroPoint = outputMin - outputZeroPoint;
    p.outputMaxLessZeroPoint = outputMax - outputZeroPoint;
    return p;
}

/// One element of xnn_qs8_vadd_minmax_ukernel__scalar (and its SIMD twins).
inline int32_t addXnnpack(const AddParamsXnnpack& p, int32_t a, int32_t b)
{
    const int32_t acc = p.bias + a * p.aMultiplier + b * p.bMultiplier;
    int32_t out = acc >> p.shift; // Arithmetic shift (floor); the bias holds the rounding.
    out = std::max(out, p.outputMinLessZeroPoint);
    out = std::min(out, p.outputMaxLessZeroPoint);
    return out + p.outputZeroPoint;
}

// ---------------------------------------------------------------------------
// XNNPACK MUL (qs8-vmul / qu8-vmul, fp32 requantization).

struct MulParamsXnnpack {
    int32_t aZeroPoint = 0;
    int32_t bZeroPoint = 0;
    float scale = 0.0f;
    float outputMinLessZeroPoint = 0.0f;
    float outputMaxLessZeroPoint = 0.0f;
    int32_t outputZeroPoint = 0;
};

/// One element of xnn_qs8_vmul_minmax_fp32_ukernel__scalar: the int32 product is
/// scaled in float, clamped in float, rounded to nearest-even and shifted by the
/// output zero point.
inline int32_t mulXnnpack(const MulParamsXnnpack& p, int32_t a, int32_t b)
{
    const int32_t acc = (a - p.aZeroPoint) * (b - p.bZeroPoint);
    float f = static_cast<float>(acc) * p.scale;
    f = std::max(f, p.outputMinLessZeroPoint);
    f = std::min(f, p.outputMaxLessZeroPoint);
    return static_cast<int32_t>(std::lrintf(f)) + p.outputZeroPoint;
}

// ---------------------------------------------------------------------------
// 8-bit fast path shared by the binary ops.

/// For 8-bit operands an elementwise result depends on two bytes only, so prepare() can
/// evaluate the op's scalar function for all 65536 pairs; eval() then looks results up
/// (identical bits, one load per element). Indexed by (byte(a) << 8) | byte(b).
template <typename T, typename Fn>
inline void buildPairTable(Fn&& scalar, std::vector<uint8_t>& table)
{
    static_assert(sizeof(T) == 1);
    table.resize(65536);
    for (int a = 0; a < 256; ++a)
        for (int b = 0; b < 256; ++b)
            table[(a << 8) | b] = static_cast<uint8_t>(
                static_cast<T>(scalar(static_cast<T>(static_cast<uint8_t>(a)), static_cast<T>(static_cast<uint8_t>(b)))));
}

/// Applies a pair table over two broadcast 8-bit operands.
template <typename T>
inline void lookupPairTable(const BroadcastPlan& plan, const T* a, const T* b, T* out, const std::vector<uint8_t>& table)
{
    const uint8_t* t = table.data();
    broadcastBinary(plan, a, b, out, [t](T x, T y) {
        return static_cast<T>(t[(static_cast<unsigned>(static_cast<uint8_t>(x)) << 8) | static_cast<uint8_t>(y)]);
    });
}

} // namespace rf::kernels
