#pragma once
// Fused activation -> clamp range, for float and quantized outputs, computed exactly as
// TensorFlow Lite does it (kernel_util.cc CalculateActivationRange and
// CalculateActivationRangeQuantized) and as the XNNPACK delegate does it
// (xnn_qs8_quantize / xnn_qu8_quantize of the delegate's float output range).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "ir/op_type.h"

namespace rf::activation {

/// A clamp range [min, max] applied to an op's output.
template <typename T> struct Range {
    T min;
    T max;
};

/// True for the fused activations that are a plain clamp (the only ones TFLite's
/// convolution-family kernels and the XNNPACK delegate implement).
inline bool isClampActivation(FusedActivation activation)
{
    return activation == FusedActivation::None || activation == FusedActivation::Relu ||
           activation == FusedActivation::Relu6 || activation == FusedActivation::ReluN1To1;
}

/// tflite::CalculateActivationRange<float>: the float clamp of a fused activation.
/// Non-clamp activations (Tanh, SignBit) give the full range, as in TFLite; callers
/// refuse them beforehand.
inline Range<float> floatRange(FusedActivation activation)
{
    constexpr float lowest = std::numeric_limits<float>::lowest();
    constexpr float highest = std::numeric_limits<float>::max();
    switch (activation) {
    case FusedActivation::Relu: return {0.0f, highest};
    case FusedActivation::Relu6: return {0.0f, 6.0f};
    case FusedActivation::ReluN1To1: return {-1.0f, 1.0f};
    default: return {lowest, highest};
    }
}

/// tflite::CalculateActivationRangeQuantized for an output with the given scale and
/// zero point whose stored type spans [qmin, qmax]: zero_point + round(f / scale),
/// with the float division and std::round (half away from zero) of TfLiteRound.
inline Range<int32_t> quantizedRange(FusedActivation activation, float scale, int32_t zeroPoint, int32_t qmin,
                                     int32_t qmax)
{
    const auto quantize = [&](float f) { return zeroPoint + static_cast<int32_t>(std::round(f / scale)); };
    switch (activation) {
    case FusedActivation::Relu: return {std::max(qmin, quantize(0.0f)), qmax};
    case FusedActivation::Relu6: return {std::max(qmin, quantize(0.0f)), std::min(qmax, quantize(6.0f))};
    case FusedActivation::ReluN1To1: return {std::max(qmin, quantize(-1.0f)), std::min(qmax, quantize(1.0f))};
    default: return {qmin, qmax};
    }
}

/// The quantized clamp the XNNPACK delegate gives a qs8/qu8 operator: the delegate turns
/// the fused activation into a float range (None: -inf..+inf, Relu: 0..+inf, Relu6: 0..6,
/// ReluN1To1: -1..1) and XNNPACK quantizes each bound with
/// lrintf(clamp(bound / scale + zero_point, qmin, qmax)) — float arithmetic, ties to even.
inline Range<int32_t> xnnpackQuantizedRange(FusedActivation activation, float scale, int32_t zeroPoint, int32_t qmin,
                                            int32_t qmax)
{
    constexpr float inf = std::numeric_limits<float>::infinity();
    float low = -inf, high = inf;
    switch (activation) {
    case FusedActivation::Relu: low = 0.0f; break;
    case FusedActivation::Relu6: low = 0.0f; high = 6.0f; break;
    case FusedActivation::ReluN1To1: low = -1.0f; high = 1.0f; break;
    default: break;
    }
    const auto quantize = [&](float bound) {
        const float value = std::min(std::max(bound / scale + static_cast<float>(zeroPoint), static_cast<float>(qmin)),
                                     static_cast<float>(qmax));
        return static_cast<int32_t>(std::nearbyint(value));
    };
    return {quantize(low), quantize(high)};
}

} // namespace rf::activation
