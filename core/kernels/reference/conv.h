#pragma once
// Reference CONV_2D math (NHWC activations, OHWI filters), float and quantized.
//
// The filter is repacked once per node into "HWIO" order (filter row, filter column,
// input channel of the group, output channel) with the weight offset already applied, so
// that the innermost loop runs over contiguous output channels: every output channel
// keeps its own accumulator and the taps are summed in TFLite's reference order
// (filter row, filter column, input channel). That order makes the float results match
// reference_ops::Conv exactly and lets the compiler vectorize the loop without
// reassociating anything. Integer accumulation is exact in any order.
//
// Padding follows TFLite: taps outside the input are skipped, which equals padding the
// input with its zero point (the optimized kernels' im2col does that).

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/requantize.h"

namespace rf::kernels {

/// The geometry of one CONV_2D (or DEPTHWISE_CONV_2D) node, padding already resolved.
struct ConvShape {
    int batches = 1;
    int inputHeight = 0, inputWidth = 0, inputChannels = 0;
    int outputHeight = 0, outputWidth = 0, outputChannels = 0;
    int filterHeight = 1, filterWidth = 1;
    /// Input channels seen by one filter (inputChannels / groups for grouped convolution).
    int filterInputChannels = 0;
    int strideHeight = 1, strideWidth = 1;
    int dilationHeight = 1, dilationWidth = 1;
    int padTop = 0, padLeft = 0;

    int groups() const { return filterInputChannels > 0 ? inputChannels / filterInputChannels : 1; }
    /// Output rows over the whole batch (the unit of work split across threads).
    int64_t outputRows() const { return int64_t{batches} * outputHeight; }
};

/// TFLite's padding arithmetic (kernels/padding.h ComputePaddingHeightWidth) for one
/// spatial dimension: the output size and the padding before the first element.
struct PaddedDim {
    int outputSize = 0;
    int padBefore = 0;
};
inline PaddedDim computePaddedDim(bool samePadding, int inputSize, int filterSize, int stride, int dilation)
{
    const int effectiveFilter = (filterSize - 1) * dilation + 1;
    PaddedDim result;
    result.outputSize = samePadding ? (inputSize + stride - 1) / stride : (inputSize + stride - effectiveFilter) / stride;
    const int totalPadding = (result.outputSize - 1) * stride + effectiveFilter - inputSize;
    result.padBefore = totalPadding > 0 ? totalPadding / 2 : 0;
    return result;
}

/// Repacks an OHWI filter ([outputChannels][filterHeight][filterWidth][filterInputChannels])
/// into HWIO order, adding `offset` (TFLite's weights_offset = -zero_point) to every value.
template <typename Packed, typename Source>
std::vector<Packed> packFilterOhwiToHwio(const Source* ohwi, const ConvShape& s, int32_t offset = 0)
{
    const int o = s.outputChannels, kh = s.filterHeight, kw = s.filterWidth, ci = s.filterInputChannels;
    std::vector<Packed> packed(static_cast<size_t>(o) * kh * kw * ci);
    for (int oc = 0; oc < o; ++oc)
        for (int y = 0; y < kh; ++y)
            for (int x = 0; x < kw; ++x)
                for (int c = 0; c < ci; ++c) {
                    const auto value = ohwi[((static_cast<size_t>(oc) * kh + y) * kw + x) * ci + c];
                    packed[((static_cast<size_t>(y) * kw + x) * ci + c) * o + oc] =
                        static_cast<Packed>(static_cast<Packed>(value) + static_cast<Packed>(offset));
                }
    return packed;
}

/// Visits every output pixel of output rows [rowBegin, rowEnd) (row = batch * outputHeight
/// + y) with its accumulators acc[outputChannels] = initial + sum over taps of
/// (input + inputOffset) * packedFilter. `sink(pixelIndex, acc)` receives the flat pixel
/// index (batch, y, x) and the accumulators. Acc is float for float convolutions;
/// `initial` (outputChannels values, or null for zeros) lets float kernels start from the
/// bias as XNNPACK does, which changes the float rounding.
template <typename Acc, typename Input, typename Weight, typename Sink>
void conv2dAccumulate(const ConvShape& s, const Input* input, Acc inputOffset, const Weight* filterHwio,
                      int64_t rowBegin, int64_t rowEnd, Sink&& sink, const Acc* initial = nullptr)
{
    const int outC = s.outputChannels;
    const int groups = s.groups();
    const int groupOutC = outC / groups;
    const int ci = s.filterInputChannels;
    std::vector<Acc> acc(outC);
    for (int64_t row = rowBegin; row < rowEnd; ++row) {
        const int b = static_cast<int>(row / s.outputHeight);
        const int oy = static_cast<int>(row % s.outputHeight);
        const Input* inputBatch = input + static_cast<size_t>(b) * s.inputHeight * s.inputWidth * s.inputChannels;
        for (int ox = 0; ox < s.outputWidth; ++ox) {
            if (initial) std::copy(initial, initial + outC, acc.begin());
            else std::fill(acc.begin(), acc.end(), Acc{0});
            const int inY0 = oy * s.strideHeight - s.padTop;
            const int inX0 = ox * s.strideWidth - s.padLeft;
            for (int fy = 0; fy < s.filterHeight; ++fy) {
                const int inY = inY0 + fy * s.dilationHeight;
                if (inY < 0 || inY >= s.inputHeight) continue;
                for (int fx = 0; fx < s.filterWidth; ++fx) {
                    const int inX = inX0 + fx * s.dilationWidth;
                    if (inX < 0 || inX >= s.inputWidth) continue;
                    const Input* pixel = inputBatch + (static_cast<size_t>(inY) * s.inputWidth + inX) * s.inputChannels;
                    const Weight* taps = filterHwio + (static_cast<size_t>(fy) * s.filterWidth + fx) * ci * outC;
                    for (int g = 0; g < groups; ++g) {
                        Acc* accGroup = acc.data() + g * groupOutC;
                        for (int c = 0; c < ci; ++c) {
                            const Acc value = static_cast<Acc>(pixel[g * ci + c]) + inputOffset;
                            const Weight* w = taps + static_cast<size_t>(c) * outC + g * groupOutC;
                            if constexpr (std::is_same_v<Acc, int32_t> && std::is_same_v<Weight, int16_t>) {
                                // Offset 8-bit inputs and zero-point-free int16 inputs fit in 16
                                // bits; a 16x16->32 product lets the compiler use widening multiplies.
                                const auto narrow = static_cast<int16_t>(value);
                                for (int oc = 0; oc < groupOutC; ++oc)
                                    accGroup[oc] += static_cast<int32_t>(narrow) * static_cast<int32_t>(w[oc]);
                            } else {
                                for (int oc = 0; oc < groupOutC; ++oc) accGroup[oc] += value * static_cast<Acc>(w[oc]);
                            }
                        }
                    }
                }
            }
            sink((static_cast<int64_t>(row)) * s.outputWidth + ox, acc.data());
        }
    }
}

/// Float convolution: output = clamp(sum + bias) with the sum in TFLite's reference order
/// (reference_ops::Conv). With `biasFirst` the sum starts from the bias instead, as
/// XNNPACK's GEMM/IGEMM microkernels do (same tap order, bias as the initial
/// accumulator). `bias` may be null.
inline void conv2dFloat(const ConvShape& s, const float* input, const float* filterHwio, const float* bias,
                        float activationMin, float activationMax, float* output, int64_t rowBegin, int64_t rowEnd,
                        bool biasFirst = false)
{
    const int outC = s.outputChannels;
    const bool addBias = bias && !biasFirst;
    conv2dAccumulate<float>(
        s, input, 0.0f, filterHwio, rowBegin, rowEnd,
        [&](int64_t pixel, const float* acc) {
            float* out = output + pixel * outC;
            for (int oc = 0; oc < outC; ++oc) {
                const float value = addBias ? acc[oc] + bias[oc] : acc[oc];
                out[oc] = std::min(std::max(value, activationMin), activationMax);
            }
        },
        biasFirst ? bias : nullptr);
}

/// Quantized convolution (int8, uint8, int16x8): acc = bias + sum (input + inputOffset) *
/// (filter + filterOffset) in Acc (int32, or int64 for 16x8), then `requant.apply(acc, oc)`,
/// plus the output zero point, clamped to the activation range. `bias` has outputChannels
/// entries (zeros when the model has none).
template <typename Acc, typename Input, typename Output, typename Requant>
void conv2dQuantized(const ConvShape& s, const Input* input, int32_t inputOffset, const int16_t* filterHwio,
                     const Acc* bias, const Requant& requant, int32_t outputZeroPoint, int32_t activationMin,
                     int32_t activationMax, Output* output, int64_t rowBegin, int64_t rowEnd)
{
    const int outC = s.outputChannels;
    conv2dAccumulate<Acc>(s, input, static_cast<Acc>(inputOffset), filterHwio, rowBegin, rowEnd,
                          [&](int64_t pixel, const Acc* acc) {
                              Output* out = output + pixel * outC;
                              for (int oc = 0; oc < outC; ++oc)
                                  out[oc] = requant::finishQuantized<Output>(requant.apply(requant::addBias(acc[oc], bias[oc]), oc),
                                                                             outputZeroPoint, activationMin,
                                                                             activationMax);
                          });
}

} // namespace rf::kernels
