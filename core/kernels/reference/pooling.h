#pragma once
// AVERAGE_POOL_2D and MAX_POOL_2D on NHWC tensors, bit-exact with TensorFlow Lite:
//  - geometry (output size, SAME padding) as tflite::ComputePaddingHeightWidth;
//  - quantized average: int32 sum over the window cells that lie inside the input,
//    divided by their count rounding half away from zero,
//    (sum > 0 ? sum + count/2 : sum - count/2) / count, in C (truncating) division —
//    reference_integer_ops::AveragePool (int8, int16) and the optimized
//    uint8/int8 kernels (optimized_ops.h, optimized/integer_ops/pooling.h) all
//    compute exactly this; then clamped to the fused activation range;
//  - float average: sum in window order (fy, fx) divided by the count (builtin), or
//    XNNPACK's column-major window order, fixed summation tree and reciprocal multiplier;
//  - max: running maximum of the window cells inside the input, then clamped.
// Pools never read padding cells: they are excluded from sums, counts and maxima.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "util/thread_pool.h"

namespace rf::kernels {

/// Shape and window parameters of a 2-D pool over an NHWC tensor.
struct PoolGeometry {
    int batches = 0;
    int inputHeight = 0, inputWidth = 0, channels = 0;
    int outputHeight = 0, outputWidth = 0;
    int strideHeight = 1, strideWidth = 1;
    int filterHeight = 1, filterWidth = 1;
    /// Cells of implicit padding before the first row / column (TFLite padding_values).
    int padTop = 0, padLeft = 0;
};

/// tflite::ComputeOutSize: the output extent of a windowed op.
inline int windowedOutputSize(bool samePadding, int inputSize, int filterSize, int stride)
{
    if (stride <= 0) return 0;
    return samePadding ? (inputSize + stride - 1) / stride : (inputSize + stride - filterSize) / stride;
}

/// tflite::ComputePadding: cells padded before the first element (never negative).
inline int windowedPaddingBefore(int stride, int inputSize, int filterSize, int outputSize)
{
    const int padding = ((outputSize - 1) * stride + filterSize - inputSize) / 2;
    return padding > 0 ? padding : 0;
}

/// Calls fn(batch, outY, outX, yBegin, yEnd, xBegin, xEnd) for every output cell of rows
/// [rowBegin, rowEnd) (a row is one (batch, outY) pair), with the window clipped to the input.
template <typename Fn>
inline void forEachPoolWindow(const PoolGeometry& g, int64_t rowBegin, int64_t rowEnd, Fn&& fn)
{
    for (int64_t row = rowBegin; row < rowEnd; ++row) {
        const int batch = static_cast<int>(row / g.outputHeight);
        const int outY = static_cast<int>(row % g.outputHeight);
        const int inYOrigin = outY * g.strideHeight - g.padTop;
        const int yBegin = std::max(0, inYOrigin);
        const int yEnd = std::min(g.inputHeight, inYOrigin + g.filterHeight);
        for (int outX = 0; outX < g.outputWidth; ++outX) {
            const int inXOrigin = outX * g.strideWidth - g.padLeft;
            const int xBegin = std::max(0, inXOrigin);
            const int xEnd = std::min(g.inputWidth, inXOrigin + g.filterWidth);
            fn(batch, outY, outX, yBegin, yEnd, xBegin, xEnd);
        }
    }
}

/// Channels handled per pass, so the accumulators fit on the stack (TFLite's tranche size).
inline constexpr int kPoolChannelTranche = 256;

/// Quantized average pool (uint8, int8, int16) with TFLite's rounding; `activationMin/Max`
/// are the fused activation's bounds in the output's quantized domain.
template <typename T>
void averagePoolQuantized(const PoolGeometry& g, const T* input, T* output, int32_t activationMin,
                          int32_t activationMax, ThreadPool& pool)
{
    const int64_t rows = static_cast<int64_t>(g.batches) * g.outputHeight;
    pool.parallelFor(rows, [&](int64_t rowBegin, int64_t rowEnd) {
        int32_t acc[kPoolChannelTranche];
        forEachPoolWindow(g, rowBegin, rowEnd, [&](int b, int oy, int ox, int y0, int y1, int x0, int x1) {
            const int32_t count = (y1 - y0) * (x1 - x0);
            T* out = output + ((static_cast<int64_t>(b) * g.outputHeight + oy) * g.outputWidth + ox) * g.channels;
            for (int base = 0; base < g.channels; base += kPoolChannelTranche) {
                const int depth = std::min(g.channels - base, kPoolChannelTranche);
                std::fill(acc, acc + depth, 0);
                for (int y = y0; y < y1; ++y) {
                    const T* in = input + ((static_cast<int64_t>(b) * g.inputHeight + y) * g.inputWidth + x0) * g.channels + base;
                    for (int x = x0; x < x1; ++x, in += g.channels)
                        for (int c = 0; c < depth; ++c) acc[c] += in[c];
                }
                for (int c = 0; c < depth; ++c) {
                    // Half away from zero: C division truncates, so bias toward the sign first.
                    int32_t average = acc[c] > 0 ? (acc[c] + count / 2) / count : (acc[c] - count / 2) / count;
                    average = std::clamp(average, activationMin, activationMax);
                    out[base + c] = static_cast<T>(average);
                }
            }
        });
    }, 1);
}

/// Float average pool as TFLite's builtin kernel: the window sum divided by the cell count.
inline void averagePoolF32(const PoolGeometry& g, const float* input, float* output, float activationMin,
                           float activationMax, ThreadPool& pool)
{
    const int64_t rows = static_cast<int64_t>(g.batches) * g.outputHeight;
    pool.parallelFor(rows, [&](int64_t rowBegin, int64_t rowEnd) {
        float acc[kPoolChannelTranche];
        forEachPoolWindow(g, rowBegin, rowEnd, [&](int b, int oy, int ox, int y0, int y1, int x0, int x1) {
            const float count = static_cast<float>((y1 - y0) * (x1 - x0));
            float* out = output + ((static_cast<int64_t>(b) * g.outputHeight + oy) * g.outputWidth + ox) * g.channels;
            for (int base = 0; base < g.channels; base += kPoolChannelTranche) {
                const int depth = std::min(g.channels - base, kPoolChannelTranche);
                std::fill(acc, acc + depth, 0.0f);
                for (int y = y0; y < y1; ++y) {
                    const float* in =
                        input + ((static_cast<int64_t>(b) * g.inputHeight + y) * g.inputWidth + x0) * g.channels + base;
                    for (int x = x0; x < x1; ++x, in += g.channels)
                        for (int c = 0; c < depth; ++c) acc[c] += in[c];
                }
                for (int c = 0; c < depth; ++c) {
                    const float average = acc[c] / count;
                    out[base + c] = std::min(std::max(average, activationMin), activationMax);
                }
            }
        });
    }, 1);
}

/// XNNPACK's f32 average pooling (avgpool/pavgpool 9x and 9p8x microkernels): the window
/// is read column by column (the dwconv indirection order kx * filterHeight + ky), cells
/// in the padding and unused kernel slots are +0.0. Windows of up to 9 cells are summed in
/// the 9x tree ((i2+i3)+(i4+i5)) + (((i0+i1)+i8)+(i6+i7)); larger ones take the first 9
/// cells that way and then 8 at a time as ((i2+i3)+(i4+i5)) + (((i0+i1)+acc)+(i6+i7)).
/// The sum is multiplied by the float 1/(number of cells inside the input) and clamped.
inline void averagePoolF32Xnnpack(const PoolGeometry& g, const float* input, float* output, float activationMin,
                                  float activationMax, ThreadPool& pool)
{
    const int cellsPerWindow = g.filterHeight * g.filterWidth;
    const int64_t rows = static_cast<int64_t>(g.batches) * g.outputHeight;
    pool.parallelFor(rows, [&](int64_t rowBegin, int64_t rowEnd) {
        std::vector<const float*> cells(static_cast<size_t>(std::max(cellsPerWindow, 9)));
        for (int64_t row = rowBegin; row < rowEnd; ++row) {
            const int b = static_cast<int>(row / g.outputHeight);
            const int oy = static_cast<int>(row % g.outputHeight);
            for (int ox = 0; ox < g.outputWidth; ++ox) {
                int valid = 0;
                std::fill(cells.begin(), cells.end(), nullptr);
                for (int kx = 0; kx < g.filterWidth; ++kx)
                    for (int ky = 0; ky < g.filterHeight; ++ky) {
                        const int y = oy * g.strideHeight - g.padTop + ky;
                        const int x = ox * g.strideWidth - g.padLeft + kx;
                        if (y < 0 || y >= g.inputHeight || x < 0 || x >= g.inputWidth) continue;
                        cells[kx * g.filterHeight + ky] =
                            input + ((static_cast<int64_t>(b) * g.inputHeight + y) * g.inputWidth + x) * g.channels;
                        ++valid;
                    }
                const float multiplier = 1.0f / static_cast<float>(valid);
                float* out = output + ((static_cast<int64_t>(b) * g.outputHeight + oy) * g.outputWidth + ox) * g.channels;
                for (int c = 0; c < g.channels; ++c) {
                    const auto v = [&](int e) { return e < cellsPerWindow && cells[e] ? cells[e][c] : 0.0f; };
                    float sum = ((v(2) + v(3)) + (v(4) + v(5))) + (((v(0) + v(1)) + v(8)) + (v(6) + v(7)));
                    for (int first = 9; first < cellsPerWindow; first += 8) {
                        const auto w = [&](int e) { return v(first + e); };
                        sum = ((w(2) + w(3)) + (w(4) + w(5))) + (((w(0) + w(1)) + sum) + (w(6) + w(7)));
                    }
                    out[c] = std::min(std::max(sum * multiplier, activationMin), activationMax);
                }
            }
        }
    }, 1);
}

/// Max pool for any ordered element type; the result is clamped to [activationMin, activationMax].
template <typename T>
void maxPool(const PoolGeometry& g, const T* input, T* output, T activationMin, T activationMax, ThreadPool& pool)
{
    const int64_t rows = static_cast<int64_t>(g.batches) * g.outputHeight;
    pool.parallelFor(rows, [&](int64_t rowBegin, int64_t rowEnd) {
        T acc[kPoolChannelTranche];
        forEachPoolWindow(g, rowBegin, rowEnd, [&](int b, int oy, int ox, int y0, int y1, int x0, int x1) {
            T* out = output + ((static_cast<int64_t>(b) * g.outputHeight + oy) * g.outputWidth + ox) * g.channels;
            for (int base = 0; base < g.channels; base += kPoolChannelTranche) {
                const int depth = std::min(g.channels - base, kPoolChannelTranche);
                std::fill(acc, acc + depth, std::numeric_limits<T>::lowest());
                for (int y = y0; y < y1; ++y) {
                    const T* in = input + ((static_cast<int64_t>(b) * g.inputHeight + y) * g.inputWidth + x0) * g.channels + base;
                    for (int x = x0; x < x1; ++x, in += g.channels)
                        for (int c = 0; c < depth; ++c) acc[c] = std::max(acc[c], in[c]);
                }
                for (int c = 0; c < depth; ++c) out[base + c] = std::min(std::max(acc[c], activationMin), activationMax);
            }
        });
    }, 1);
}

} // namespace rf::kernels
