#pragma once
// Reference TRANSPOSE_CONV math (reference_ops::TransposeConv and
// reference_integer_ops::TransposeConv): every input pixel scatters
// input * filter[oc][fy][fx][ic] into output position (y * stride - padTop + fy,
// x * stride - padLeft + fx); then bias, requantization and clamping per output element.
//
// The OHWI filter is repacked to HWIO so the innermost loop runs over contiguous output
// channels. Float sums keep TFLite's reference order per output element (input row,
// input column, filter row, filter column, input channel), integer sums are exact.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/reference/conv.h"
#include "kernels/requantize.h"

namespace rf::kernels {

/// The geometry of one TRANSPOSE_CONV node (padding already resolved).
struct TransposeConvShape {
    int batches = 1;
    int inputHeight = 0, inputWidth = 0, inputChannels = 0;
    int outputHeight = 0, outputWidth = 0, outputChannels = 0;
    int filterHeight = 1, filterWidth = 1;
    int strideHeight = 1, strideWidth = 1;
    int padTop = 0, padLeft = 0;
};

/// OHWI -> HWIO repacking with a weight offset (see packFilterOhwiToHwio).
template <typename Packed, typename Source>
std::vector<Packed> packTransposeConvFilter(const Source* ohwi, const TransposeConvShape& s, int32_t offset = 0)
{
    ConvShape conv;
    conv.outputChannels = s.outputChannels;
    conv.filterHeight = s.filterHeight;
    conv.filterWidth = s.filterWidth;
    conv.filterInputChannels = s.inputChannels;
    return packFilterOhwiToHwio<Packed>(ohwi, conv, offset);
}

/// Scatters batch `b` into `accumulators` (outputHeight * outputWidth * outputChannels
/// values, zeroed by the caller): acc += (input + inputOffset) * filter.
template <typename Acc, typename Input, typename Weight>
void transposeConvScatter(const TransposeConvShape& s, int b, const Input* input, Acc inputOffset,
                          const Weight* filterHwio, Acc* accumulators)
{
    const int inC = s.inputChannels, outC = s.outputChannels;
    const Input* inputBatch = input + static_cast<size_t>(b) * s.inputHeight * s.inputWidth * inC;
    for (int iy = 0; iy < s.inputHeight; ++iy)
        for (int ix = 0; ix < s.inputWidth; ++ix) {
            const Input* pixel = inputBatch + (static_cast<size_t>(iy) * s.inputWidth + ix) * inC;
            const int outY0 = iy * s.strideHeight - s.padTop;
            const int outX0 = ix * s.strideWidth - s.padLeft;
            for (int fy = 0; fy < s.filterHeight; ++fy) {
                const int oy = outY0 + fy;
                if (oy < 0 || oy >= s.outputHeight) continue;
                for (int fx = 0; fx < s.filterWidth; ++fx) {
                    const int ox = outX0 + fx;
                    if (ox < 0 || ox >= s.outputWidth) continue;
                    Acc* acc = accumulators + (static_cast<size_t>(oy) * s.outputWidth + ox) * outC;
                    const Weight* taps = filterHwio + (static_cast<size_t>(fy) * s.filterWidth + fx) * inC * outC;
                    for (int ic = 0; ic < inC; ++ic) {
                        const Acc value = static_cast<Acc>(pixel[ic]) + inputOffset;
                        const Weight* w = taps + static_cast<size_t>(ic) * outC;
                        for (int oc = 0; oc < outC; ++oc) acc[oc] += value * static_cast<Acc>(w[oc]);
                    }
                }
            }
        }
}

/// Float TRANSPOSE_CONV for batches [batchBegin, batchEnd); `bias` may be null.
inline void transposeConvFloat(const TransposeConvShape& s, const float* input, const float* filterHwio,
                               const float* bias, float activationMin, float activationMax, float* output,
                               int64_t batchBegin, int64_t batchEnd)
{
    const size_t image = static_cast<size_t>(s.outputHeight) * s.outputWidth * s.outputChannels;
    for (int64_t b = batchBegin; b < batchEnd; ++b) {
        float* out = output + b * image;
        std::fill(out, out + image, 0.0f);
        transposeConvScatter<float>(s, static_cast<int>(b), input, 0.0f, filterHwio, out);
        for (size_t i = 0; i < image; ++i) {
            const float value = out[i] + (bias ? bias[i % s.outputChannels] : 0.0f);
            out[i] = std::min(std::max(value, activationMin), activationMax);
        }
    }
}

/// Quantized TRANSPOSE_CONV (int8, uint8, int16x8) for batches [batchBegin, batchEnd):
/// acc = scatter sum + bias, requantized per output channel. `bias` has outputChannels
/// entries (zeros when absent).
template <typename Acc, typename Input, typename Output, typename Requant>
void transposeConvQuantized(const TransposeConvShape& s, const Input* input, int32_t inputOffset,
                            const int16_t* filterHwio, const Acc* bias, const Requant& requant,
                            int32_t outputZeroPoint, int32_t activationMin, int32_t activationMax, Output* output,
                            int64_t batchBegin, int64_t batchEnd)
{
    const size_t image = static_cast<size_t>(s.outputHeight) * s.outputWidth * s.outputChannels;
    std::vector<Acc> acc(image);
    for (int64_t b = batchBegin; b < batchEnd; ++b) {
        std::fill(acc.begin(), acc.end(), Acc{0});
        transposeConvScatter<Acc>(s, static_cast<int>(b), input, static_cast<Acc>(inputOffset), filterHwio, acc.data());
        Output* out = output + b * image;
        for (size_t i = 0; i < image; ++i) {
            const int oc = static_cast<int>(i % s.outputChannels);
            out[i] = requant::finishQuantized<Output>(requant.apply(requant::addBias(acc[i], bias[oc]), oc), outputZeroPoint,
                                                      activationMin, activationMax);
        }
    }
}

} // namespace rf::kernels
