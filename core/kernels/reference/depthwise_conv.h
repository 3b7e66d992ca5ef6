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
/// acc[oc] = sum over taps of (input[oc / depthMultiplier] + inputOffset) * filter[oc].
/// `shape.filterInputChannels` is unused; `depthMultiplier` = outputChannels / inputChannels.
template <typename Acc, typename Input, typename Weight, typename Sink>
void depthwiseConv2dAccumulate(const ConvShape& s, int depthMultiplier, const Input* input, Acc inputOffset,
                               const Weight* filter, int64_t rowBegin, int64_t rowEnd, Sink&& sink)
{
    const int outC = s.outputChannels;
    const int inC = s.inputChannels;
    std::vector<Acc> acc(outC);
    for (int64_t row = rowBegin; row < rowEnd; ++row) {
        const int b = static_cast<int>(row / s.outputHeight);
        const int oy = static_cast<int>(row % s.outputHeight);
        const Input* inputBatch = input + static_cast<size_t>(b) * s.inputHeight * s.inputWidth * inC;
        for (int ox = 0; ox < s.outputWidth; ++ox) {
            std::fill(acc.begin(), acc.end(), Acc{0});
            const int inY0 = oy * s.strideHeight - s.padTop;
            const int inX0 = ox * s.strideWidth - s.padLeft;
            for (int fy = 0; fy < s.filterHeight; ++fy) {
                const int inY = inY0 + fy * s.dilationHeight;
                if (inY < 0 || inY >= s.inputHeight) continue;
                for (int fx = 0; fx < s.filterWidth; ++fx) {
                    const int inX = inX0 + fx * s.dilationWidth;
                    if (inX < 0 || inX >= s.inputWidth) continue;
                    const Input* pixel = inputBatch + (static_cast<size_t>(inY) * s.inputWidth + inX) * inC;
                    const Weight* taps = filter + (static_cast<size_t>(fy) * s.filterWidth + fx) * outC;
                    if (depthMultiplier == 1) {
                        for (int c = 0; c < outC; ++c)
                            acc[c] += (static_cast<Acc>(pixel[c]) + inputOffset) * static_cast<Acc>(taps[c]);
                    } else {
                        for (int ic = 0; ic < inC; ++ic) {
                            const Acc value = static_cast<Acc>(pixel[ic]) + inputOffset;
                            Acc* accChannel = acc.data() + ic * depthMultiplier;
                            const Weight* w = taps + ic * depthMultiplier;
                            for (int m = 0; m < depthMultiplier; ++m) accChannel[m] += value * static_cast<Acc>(w[m]);
                        }
                    }
                }
            }
            sink(static_cast<int64_t>(row) * s.outputWidth + ox, acc.data());
        }
    }
}

/// reference_ops::DepthwiseConv (float): output = clamp(sum + bias). `bias` may be null.
inline void depthwiseConv2dFloat(const ConvShape& s, int depthMultiplier, const float* input, const float* filter,
                                 const float* bias, float activationMin, float activationMax, float* output,
                                 int64_t rowBegin, int64_t rowEnd)
{
    const int outC = s.outputChannels;
    depthwiseConv2dAccumulate<float>(s, depthMultiplier, input, 0.0f, filter, rowBegin, rowEnd,
                                     [&](int64_t pixel, const float* acc) {
                                         float* out = output + pixel * outC;
                                         for (int oc = 0; oc < outC; ++oc) {
                                             const float value = acc[oc] + (bias ? bias[oc] : 0.0f);
                                             out[oc] = std::min(std::max(value, activationMin), activationMax);
                                         }
                                     });
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
                                               requant.apply(acc[oc] + bias[oc], oc), outputZeroPoint, activationMin,
                                               activationMax);
                                   });
}

} // namespace rf::kernels
