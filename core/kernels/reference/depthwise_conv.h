#pragma once
// Reference DEPTHWISE_CONV_2D math (NHWC activations, [1, H, W, inputChannels *
// depthMultiplier] filters), float and quantized.
//
// Output channel oc reads input channel oc / depthMultiplier. The filter's last
// dimension already is the output channel, so the innermost loop runs over contiguous
// output channels without repacking; taps are summed in TFLite's reference order
// (filter row, filter column). Taps outside the input are skipped (TFLite reference).

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/reference/conv.h"
#include "kernels/requantize.h"

namespace rf::kernels {

/// Copies a [1, H, W, C] depthwise filter, adding `offset` (weights_offset = -zero_point).
template <typename Packed, typename Source>
std::vector<Packed> packDepthwiseFilter(const Source* filter, size_t count, int32_t offset = 0)
{
    std::vector<Packed> packed(count);
    for (size_t i = 0; i < count; ++i)
        packed[i] = static_cast<Packed>(static_cast<Packed>(filter[i]) + static_cast<Packed>(offset));
    return packed;
}

/// Visits every output pixel of output rows [rowBegin, rowEnd) with
/// acc[oc] = initial[oc] + sum over taps of (input[oc / depthMultiplier] + inputOffset) *
/// filter[oc] (`initial` null means zeros). Taps are visited row by row (TFLite's order)
/// or, with `columnMajorTaps`, column by column (XNNPACK's dwconv indirection order).
/// `shape.filterInputChannels` is unused; `depthMultiplier` = outputChannels / inputChannels.
template <typename Acc, typename Input, typename Weight, typename Sink>
void depthwiseConv2dAccumulate(const ConvShape& s, int depthMultiplier, const Input* input, Acc inputOffset,
                               const Weight* filter, int64_t rowBegin, int64_t rowEnd, Sink&& sink,
                               const Acc* initial = nullptr, bool columnMajorTaps = false)
{
    const int outC = s.outputChannels;
    const int inC = s.inputChannels;
    std::vector<Acc> acc(outC);
    const int taps = s.filterHeight * s.filterWidth;
    for (int64_t row = rowBegin; row < rowEnd; ++row) {
        const int b = static_cast<int>(row / s.outputHeight);
        const int oy = static_cast<int>(row % s.outputHeight);
        const Input* inputBatch = input + static_cast<size_t>(b) * s.inputHeight * s.inputWidth * inC;
        for (int ox = 0; ox < s.outputWidth; ++ox) {
            if (initial) std::copy(initial, initial + outC, acc.begin());
            else std::fill(acc.begin(), acc.end(), Acc{0});
            const int inY0 = oy * s.strideHeight - s.padTop;
            const int inX0 = ox * s.strideWidth - s.padLeft;
            for (int t = 0; t < taps; ++t) {
                const int fy = columnMajorTaps ? t % s.filterHeight : t / s.filterWidth;
                const int fx = columnMajorTaps ? t / s.filterHeight : t % s.filterWidth;
                const int inY = inY0 + fy * s.dilationHeight;
                const int inX = inX0 + fx * s.dilationWidth;
                if (inY < 0 || inY >= s.inputHeight || inX < 0 || inX >= s.inputWidth) continue;
                const Input* pixel = inputBatch + (static_cast<size_t>(inY) * s.inputWidth + inX) * inC;
                const Weight* w = filter + (static_cast<size_t>(fy) * s.filterWidth + fx) * outC;
                if (depthMultiplier == 1) {
                    if constexpr (std::is_same_v<Acc, int32_t> && std::is_same_v<Weight, int16_t>) {
                        // Offset 8-bit (and zero-point-free int16) inputs fit in 16 bits, so a
                        // 16x16->32 product lets the compiler use widening multiplies.
                        for (int c = 0; c < outC; ++c)
                            acc[c] += static_cast<int32_t>(static_cast<int16_t>(pixel[c] + inputOffset)) *
                                      static_cast<int32_t>(w[c]);
                    } else {
                        for (int c = 0; c < outC; ++c)
                            acc[c] += (static_cast<Acc>(pixel[c]) + inputOffset) * static_cast<Acc>(w[c]);
                    }
                } else {
                    for (int ic = 0; ic < inC; ++ic) {
                        const Acc value = static_cast<Acc>(pixel[ic]) + inputOffset;
                        Acc* accChannel = acc.data() + ic * depthMultiplier;
                        const Weight* wChannel = w + ic * depthMultiplier;
                        for (int m = 0; m < depthMultiplier; ++m) accChannel[m] += value * static_cast<Acc>(wChannel[m]);
                    }
                }
            }
            sink(static_cast<int64_t>(row) * s.outputWidth + ox, acc.data());
        }
    }
}

/// Float depthwise convolution: output = clamp(sum + bias), summed in TFLite's reference
/// order (reference_ops::DepthwiseConv), or with `xnnpackOrder` as XNNPACK's dwconv
/// microkernels do: starting from the bias, taps column by column. `bias` may be null.
inline void depthwiseConv2dFloat(const ConvShape& s, int depthMultiplier, const float* input, const float* filter,
                                 const float* bias, float activationMin, float activationMax, float* output,
                                 int64_t rowBegin, int64_t rowEnd, bool xnnpackOrder = false)
{
    const int outC = s.outputChannels;
    const bool addBias = bias && !xnnpackOrder;
    depthwiseConv2dAccumulate<float>(
        s, depthMultiplier, input, 0.0f, filter, rowBegin, rowEnd,
        [&](int64_t pixel, const float* acc) {
            float* out = output + pixel * outC;
            for (int oc = 0; oc < outC; ++oc) {
                const float value = addBias ? acc[oc] + bias[oc] : acc[oc];
                out[oc] = std::min(std::max(value, activationMin), activationMax);
            }
        },
        xnnpackOrder ? bias : nullptr, xnnpackOrder);
}

/// Quantized depthwise convolution (int8, uint8, int16x8); see conv2dQuantized.
template <typename Acc, typename Input, typename Output, typename Requant>
void depthwiseConv2dQuantized(const ConvShape& s, int depthMultiplier, const Input* input, int32_t inputOffset,
                              const int16_t* filter, const Acc* bias, const Requant& requant, int32_t outputZeroPoint,
                              int32_t activationMin, int32_t activationMax, Output* output, int64_t rowBegin,
                              int64_t rowEnd)
{
    const int outC = s.outputChannels;
    depthwiseConv2dAccumulate<Acc>(s, depthMultiplier, input, static_cast<Acc>(inputOffset), filter, rowBegin, rowEnd,
                                   [&](int64_t pixel, const Acc* acc) {
                                       Output* out = output + pixel * outC;
                                       for (int oc = 0; oc < outC; ++oc)
                                           out[oc] = requant::finishQuantized<Output>(
                                               requant.apply(requant::addBias(acc[oc], bias[oc]), oc), outputZeroPoint, activationMin,
                                               activationMax);
                                   });
}

} // namespace rf::kernels
