#pragma once
// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR on NHWC tensors, reproducing the
// kernels TFLite's builtin op runs on x86:
//  - float bilinear: optimized_ops::ResizeBilinear — the exact-2x upsample kernel
//    (corner copy, pairwise means) when neither align_corners nor half_pixel_centers
//    is set, otherwise the generic kernel: four products (input * weight, weights
//    from ComputeInterpolationValues in float) summed in a fixed order;
//  - uint8 bilinear: optimized ResizeBilinearGenericSmallChannel, the same four
//    products plus 0.5, truncated;
//  - int8/int16 bilinear: reference_ops::ResizeBilinearInteger, 10-bit fixed point
//    weights and a 20-bit rounding (half away from zero) division;
//  - nearest neighbour: reference GetNearestNeighbor (float scale, floor or round),
//    and for uint8 without align_corners/half_pixel_centers the optimized kernel's
//    16.16 fixed-point scale.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace rf::kernels {

/// Shapes and options of a resize.
struct ResizeGeometry {
    int batches = 0, inputHeight = 0, inputWidth = 0, channels = 0;
    int outputHeight = 0, outputWidth = 0;
    bool alignCorners = false;
    bool halfPixelCenters = false;
};

/// reference_ops::ComputeInterpolationValues.
inline void interpolationValues(int value, float scale, bool halfPixelCenters, int inputSize, float* scaled, int* lower,
                                int* upper)
{
    *scaled = halfPixelCenters ? (static_cast<float>(value) + 0.5f) * scale - 0.5f : static_cast<float>(value) * scale;
    *lower = std::max(static_cast<int>(std::floor(*scaled)), 0);
    *upper = std::min(static_cast<int>(std::ceil(*scaled)), inputSize - 1);
}

/// The float scale of one axis (input / output, or (input-1)/(output-1) with align_corners).
inline float resizeScale(int inputSize, int outputSize, bool alignCorners)
{
    if (alignCorners && outputSize > 1) return static_cast<float>(inputSize - 1) / static_cast<float>(outputSize - 1);
    return static_cast<float>(inputSize) / static_cast<float>(outputSize);
}

/// optimized_ops::ResizeBilinear2x2 (scalar path): exact 2x upsampling.
inline void resizeBilinear2x2F32(const ResizeGeometry& g, const float* input, float* output)
{
    const int depth = g.channels;
    const auto in = [&](int b, int y, int x) { return input + ((static_cast<int64_t>(b) * g.inputHeight + y) * g.inputWidth + x) * depth; };
    const auto out = [&](int b, int y, int x) {
        return output + ((static_cast<int64_t>(b) * g.outputHeight + y) * g.outputWidth + x) * depth;
    };
    for (int b = 0; b < g.batches; ++b)
        for (int y0 = 0, y = 0; y <= g.outputHeight - 2; y += 2, ++y0)
            for (int x0 = 0, x = 0; x <= g.outputWidth - 2; x += 2, ++x0) {
                const int x1 = std::min(x0 + 1, g.inputWidth - 1);
                const int y1 = std::min(y0 + 1, g.inputHeight - 1);
                const float* p00 = in(b, y0, x0);
                const float* p01 = in(b, y0, x1);
                const float* p10 = in(b, y1, x0);
                const float* p11 = in(b, y1, x1);
                float* topLeft = out(b, y, x);
                float* topRight = out(b, y, x + 1);
                float* bottomLeft = out(b, y + 1, x);
                float* bottomRight = out(b, y + 1, x + 1);
                for (int c = 0; c < depth; ++c) {
                    topLeft[c] = p00[c];
                    topRight[c] = (p00[c] + p01[c]) / 2;
                    const float left = (p00[c] + p10[c]) / 2;
                    bottomLeft[c] = left;
                    bottomRight[c] = (left + ((p01[c] + p11[c]) / 2)) / 2;
                }
            }
}

/// The float bilinear kernels: four weighted corners summed in the order
/// (y0,x0), (y0,x1), (y1,x0), (y1,x1), plus `roundingOffset` (0.5 for uint8), then
/// converted to T (truncation for integers).
template <typename T>
void resizeBilinearFloatWeights(const ResizeGeometry& g, const T* input, T* output, float roundingOffset)
{
    const float heightScale = resizeScale(g.inputHeight, g.outputHeight, g.alignCorners);
    const float widthScale = resizeScale(g.inputWidth, g.outputWidth, g.alignCorners);
    const int depth = g.channels;
    T* out = output;
    for (int b = 0; b < g.batches; ++b)
        for (int y = 0; y < g.outputHeight; ++y) {
            float inputY;
            int y0, y1;
            interpolationValues(y, heightScale, g.halfPixelCenters, g.inputHeight, &inputY, &y0, &y1);
            for (int x = 0; x < g.outputWidth; ++x) {
                float inputX;
                int x0, x1;
                interpolationValues(x, widthScale, g.halfPixelCenters, g.inputWidth, &inputX, &x0, &x1);
                const auto at = [&](int yy, int xx) {
                    return input + ((static_cast<int64_t>(b) * g.inputHeight + yy) * g.inputWidth + xx) * depth;
                };
                const T* p00 = at(y0, x0);
                const T* p01 = at(y0, x1);
                const T* p10 = at(y1, x0);
                const T* p11 = at(y1, x1);
                const float w00 = (1 - (inputY - static_cast<float>(y0))) * (1 - (inputX - static_cast<float>(x0)));
                const float w01 = (1 - (inputY - static_cast<float>(y0))) * (inputX - static_cast<float>(x0));
                const float w10 = (inputY - static_cast<float>(y0)) * (1 - (inputX - static_cast<float>(x0)));
                const float w11 = (inputY - static_cast<float>(y0)) * (inputX - static_cast<float>(x0));
                for (int c = 0; c < depth; ++c) {
                    const float sum = static_cast<float>(p00[c]) * w00 + static_cast<float>(p01[c]) * w01 +
                                      static_cast<float>(p10[c]) * w10 + static_cast<float>(p11[c]) * w11;
                    *out++ = static_cast<T>(sum + roundingOffset);
                }
            }
        }
}

/// reference_ops::ComputeInterpolationValuesInteger (10-bit fixed point).
inline void interpolationValuesInteger(int value, int32_t scale10, bool halfPixelCenters, int inputSize, int32_t* scaled,
                                       int* lower, int* upper)
{
    *scaled = halfPixelCenters ? value * scale10 + scale10 / 2 - (1 << 9) : value * scale10;
    *lower = std::max(*scaled / (1 << 10), 0);
    *upper = std::min((*scaled + (1 << 10) - 1) / (1 << 10), inputSize - 1);
}

/// reference_ops::ResizeBilinearInteger (int8, int16): integer weights, rounding half
/// away from zero at the 20-bit division (TFLite's default, double-rounding build).
template <typename T>
void resizeBilinearInteger(const ResizeGeometry& g, const T* input, T* output)
{
    const auto scale10 = [&](int in, int out) {
        if (g.alignCorners && out > 1) return ((1 << 10) * (in - 1) + (out - 1) / 2) / (out - 1);
        return ((1 << 10) * in + out / 2) / out;
    };
    const int32_t heightScale = scale10(g.inputHeight, g.outputHeight);
    const int32_t widthScale = scale10(g.inputWidth, g.outputWidth);
    const int depth = g.channels;
    T* out = output;
    for (int b = 0; b < g.batches; ++b)
        for (int y = 0; y < g.outputHeight; ++y) {
            int32_t inputY;
            int y0, y1;
            interpolationValuesInteger(y, heightScale, g.halfPixelCenters, g.inputHeight, &inputY, &y0, &y1);
            for (int x = 0; x < g.outputWidth; ++x) {
                int32_t inputX;
                int x0, x1;
                interpolationValuesInteger(x, widthScale, g.halfPixelCenters, g.inputWidth, &inputX, &x0, &x1);
                const auto at = [&](int yy, int xx) {
                    return input + ((static_cast<int64_t>(b) * g.inputHeight + yy) * g.inputWidth + xx) * depth;
                };
                const int64_t dy = inputY - (1 << 10) * y0;
                const int64_t dx = inputX - (1 << 10) * x0;
                const T* p00 = at(y0, x0);
                const T* p10 = at(y1, x0);
                const T* p01 = at(y0, x1);
                const T* p11 = at(y1, x1);
                for (int c = 0; c < depth; ++c) {
                    const int64_t sum = static_cast<int64_t>(p00[c]) * ((1 << 10) - dy) * ((1 << 10) - dx) +
                                        static_cast<int64_t>(p10[c]) * dy * ((1 << 10) - dx) +
                                        static_cast<int64_t>(p01[c]) * ((1 << 10) - dy) * dx +
                                        static_cast<int64_t>(p11[c]) * dy * dx;
                    const int64_t round = sum > 0 ? (1 << 19) : -(1 << 19);
                    *out++ = static_cast<T>((sum + round) / (1 << 20));
                }
            }
        }
}

/// XNNPACK resize-bilinear (the delegate's lowering of RESIZE_BILINEAR for float32, int8
/// and uint8): source coordinates from xnn_indirection_init_resize_bilinear2d_hwc_*
/// (align_corners and the TensorFlow "legacy" mode scale out*scale; half-pixel centres
/// add 0.5*scale - 0.5 and clamp to the input), then the ibilinear microkernels:
/// float lerps t = tl + (tr-tl)*ax, b = bl + (br-bl)*ax, o = t + (b-t)*ay, and for
/// 8-bit values the same in fixed point with 11-bit weights (lrintf(alpha * 2048))
/// and a final (acc + 2^21) >> 22.
template <typename T>
void xnnpackResizeBilinear(const ResizeGeometry& g, const T* input, T* output)
{
    const int widthAdjust = g.alignCorners && g.outputWidth != 1 ? 1 : 0;
    const int heightAdjust = g.alignCorners && g.outputHeight != 1 ? 1 : 0;
    const float widthScale = static_cast<float>(g.inputWidth - widthAdjust) / static_cast<float>(g.outputWidth - widthAdjust);
    const float heightScale =
        static_cast<float>(g.inputHeight - heightAdjust) / static_cast<float>(g.outputHeight - heightAdjust);
    const bool legacy = g.alignCorners || !g.halfPixelCenters;
    const float heightOffset = 0.5f * heightScale - 0.5f;
    const float widthOffset = 0.5f * widthScale - 0.5f;
    const int yMax = g.inputHeight - 1, xMax = g.inputWidth - 1;
    // Source index and fractional weight of one output coordinate.
    const auto source = [&](int out, float scale, float offset, int max, int* low, int* high, float* alpha) {
        float position = static_cast<float>(out) * scale;
        if (!legacy) position = std::min(std::max(position + offset, 0.0f), static_cast<float>(max));
        *low = static_cast<int>(position);
        *high = std::min(*low + 1, max);
        *alpha = position - static_cast<float>(*low);
    };
    const int depth = g.channels;
    T* out = output;
    for (int b = 0; b < g.batches; ++b)
        for (int y = 0; y < g.outputHeight; ++y) {
            int top, bottom;
            float alphaY;
            source(y, heightScale, heightOffset, yMax, &top, &bottom, &alphaY);
            for (int x = 0; x < g.outputWidth; ++x) {
                int left, right;
                float alphaX;
                source(x, widthScale, widthOffset, xMax, &left, &right, &alphaX);
                const auto at = [&](int yy, int xx) {
                    return input + ((static_cast<int64_t>(b) * g.inputHeight + yy) * g.inputWidth + xx) * depth;
                };
                const T* tl = at(top, left);
                const T* tr = at(top, right);
                const T* bl = at(bottom, left);
                const T* br = at(bottom, right);
                if constexpr (std::is_same_v<T, float>) {
                    for (int c = 0; c < depth; ++c) {
                        const float t = tl[c] + (tr[c] - tl[c]) * alphaX;
                        const float bottomValue = bl[c] + (br[c] - bl[c]) * alphaX;
                        *out++ = t + (bottomValue - t) * alphaY;
                    }
                } else {
                    const auto ah = static_cast<int32_t>(static_cast<uint16_t>(static_cast<int16_t>(std::lrint(alphaX * 2048.0f))));
                    const auto av = static_cast<int32_t>(static_cast<uint16_t>(static_cast<int16_t>(std::lrint(alphaY * 2048.0f))));
                    for (int c = 0; c < depth; ++c) {
                        const int32_t t = static_cast<int32_t>(static_cast<uint32_t>(tl[c]) << 11) + (tr[c] - tl[c]) * ah;
                        const int32_t bt = static_cast<int32_t>(static_cast<uint32_t>(bl[c]) << 11) + (br[c] - bl[c]) * ah;
                        const int32_t acc = static_cast<int32_t>(static_cast<uint32_t>(t) << 11) + (bt - t) * av;
                        *out++ = static_cast<T>((acc + 0x00200000) >> 22);
                    }
                }
            }
        }
}

/// reference_ops::GetNearestNeighbor.
inline int nearestNeighbor(int value, int inputSize, int outputSize, bool alignCorners, bool halfPixelCenters)
{
    const float scale = resizeScale(inputSize, outputSize, alignCorners);
    const float offset = halfPixelCenters ? 0.5f : 0.0f;
    const float position = (static_cast<float>(value) + offset) * scale;
    int result = std::min(alignCorners ? static_cast<int>(std::round(position)) : static_cast<int>(std::floor(position)),
                          inputSize - 1);
    if (halfPixelCenters) result = std::max(0, result);
    return result;
}

/// RESIZE_NEAREST_NEIGHBOR: copies whole pixels (`elementSize`-byte channels); `fixedPoint`
/// selects the uint8 optimized kernel's 16.16 index computation.
inline void resizeNearestNeighbor(const ResizeGeometry& g, const std::byte* input, std::byte* output, size_t elementSize,
                                  bool fixedPoint)
{
    const size_t pixelBytes = static_cast<size_t>(g.channels) * elementSize;
    const int32_t heightScale16 = (g.inputHeight << 16) / g.outputHeight + 1;
    const int32_t widthScale16 = (g.inputWidth << 16) / g.outputWidth + 1;
    const auto sourceY = [&](int y) {
        return fixedPoint ? std::min((y * heightScale16) >> 16, g.inputHeight - 1)
                          : nearestNeighbor(y, g.inputHeight, g.outputHeight, g.alignCorners, g.halfPixelCenters);
    };
    const auto sourceX = [&](int x) {
        return fixedPoint ? std::min((x * widthScale16) >> 16, g.inputWidth - 1)
                          : nearestNeighbor(x, g.inputWidth, g.outputWidth, g.alignCorners, g.halfPixelCenters);
    };
    std::byte* out = output;
    for (int b = 0; b < g.batches; ++b)
        for (int y = 0; y < g.outputHeight; ++y) {
            const std::byte* row =
                input + (static_cast<int64_t>(b) * g.inputHeight + sourceY(y)) * g.inputWidth * static_cast<int64_t>(pixelBytes);
            for (int x = 0; x < g.outputWidth; ++x, out += pixelBytes)
                std::memcpy(out, row + static_cast<int64_t>(sourceX(x)) * static_cast<int64_t>(pixelBytes), pixelBytes);
        }
}

} // namespace rf::kernels
