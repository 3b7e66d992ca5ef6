#pragma once
// MEAN in the variants TensorFlow Lite and XNNPACK compute, each bit-exact:
//  - reduceSum: the generic sum over any set of axes. Every output element receives
//    its inputs in input (row-major) order, starting from the first one, which is the
//    accumulation order of TFLite's optimized_ops::Reduce / reference_ops::Reduce.
//  - quantizedMeanGeneral: reference_ops::QuantizedMeanOrSum (reduce.h): int32 sum
//    (wrapping), the input/output multiplier rescaled by 1/count with an integer
//    division, then MultiplyByQuantizedMultiplier (double rounding) + zero point.
//  - quantizedMeanHW: optimized_integer_ops::Mean / optimized_ops::Mean ("Mean4D"),
//    TFLite's path for int8/uint8 means over H and W with keep_dims: a float-derived
//    bias and multiplier (QuantizeMultiplier of scale_in / (count * scale_out)).
//  - xnnpackQuantizedMeanHW: XNNPACK's qs8/qu8 global average pooling (the delegate's
//    lowering of MEAN over H and W): sum - count*zp, times a float scale, rounded to
//    nearest-even, plus the output zero point.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/fixed_point.h"

namespace rf::kernels {

/// An input shape with its dimensions classified as reduced or kept. Adjacent
/// dimensions of the same class are merged and size-1 dimensions dropped, so the
/// traversal loops stay few and long.
struct ReductionPlan {
    std::vector<int64_t> dims;
    std::vector<bool> reduced;
    /// Output elements, and input elements folded into each.
    int64_t outputCount = 1;
    int64_t reducedCount = 1;
};

/// Builds the plan for reducing `shape` over the dimensions flagged in `reducedAxes`.
inline ReductionPlan planReduction(const std::vector<int32_t>& shape, const std::vector<bool>& reducedAxes)
{
    ReductionPlan plan;
    for (size_t d = 0; d < shape.size(); ++d) {
        const int64_t size = shape[d];
        if (reducedAxes[d]) plan.reducedCount *= size;
        else plan.outputCount *= size;
        if (size == 1) continue;
        if (!plan.dims.empty() && plan.reduced.back() == reducedAxes[d]) {
            plan.dims.back() *= size;
        } else {
            plan.dims.push_back(size);
            plan.reduced.push_back(reducedAxes[d]);
        }
    }
    return plan;
}

namespace detail {
template <typename In, typename Acc, typename Add>
void reduceVisit(const ReductionPlan& plan, const std::vector<int64_t>& inStride, const std::vector<int64_t>& outStride,
                 size_t dim, const In* in, Acc* out, const Add& add)
{
    const int64_t n = plan.dims[dim];
    if (dim + 1 == plan.dims.size()) {
        if (plan.reduced[dim]) {
            Acc acc = *out;
            for (int64_t i = 0; i < n; ++i) acc = add(acc, in[i]);
            *out = acc;
        } else {
            for (int64_t i = 0; i < n; ++i) out[i] = add(out[i], in[i]);
        }
        return;
    }
    for (int64_t i = 0; i < n; ++i)
        reduceVisit(plan, inStride, outStride, dim + 1, in + i * inStride[dim], out + i * outStride[dim], add);
}
} // namespace detail

/// Folds every input element into its output accumulator with `add(acc, value)`, in input
/// order. `acc` (outputCount elements) must hold the initial values.
template <typename In, typename Acc, typename Add>
void reduceSum(const ReductionPlan& plan, const In* input, Acc* acc, const Add& add)
{
    if (plan.dims.empty()) {
        // Everything has size 1: one input element per output element.
        for (int64_t i = 0; i < plan.outputCount * plan.reducedCount; ++i) acc[i] = add(acc[i], input[i]);
        return;
    }
    const size_t rank = plan.dims.size();
    std::vector<int64_t> inStride(rank), outStride(rank);
    int64_t in = 1, out = 1;
    for (size_t d = rank; d-- > 0;) {
        inStride[d] = in;
        in *= plan.dims[d];
        outStride[d] = plan.reduced[d] ? 0 : out;
        if (!plan.reduced[d]) out *= plan.dims[d];
    }
    detail::reduceVisit(plan, inStride, outStride, 0, input, acc, add);
}

/// Float mean: sum in input order (starting from the first element, as TFLite's
/// optimized reducer does; -0.0 is the neutral start that reproduces that exactly),
/// then divided by the count.
inline void meanF32(const ReductionPlan& plan, const float* input, float* output)
{
    std::fill(output, output + plan.outputCount, -0.0f);
    reduceSum(plan, input, output, [](float a, float b) { return a + b; });
    if (plan.reducedCount == 0) return;
    const auto count = static_cast<float>(plan.reducedCount);
    for (int64_t i = 0; i < plan.outputCount; ++i) output[i] = output[i] / count;
}

/// Integer (unquantized int32/int64) mean: int64 sum, C division (truncation toward zero).
template <typename T>
void meanInteger(const ReductionPlan& plan, const T* input, T* output)
{
    std::vector<int64_t> sums(static_cast<size_t>(plan.outputCount), 0);
    reduceSum(plan, input, sums.data(), [](int64_t a, T b) {
        return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(static_cast<int64_t>(b)));
    });
    if (plan.reducedCount == 0) return;
    for (int64_t i = 0; i < plan.outputCount; ++i) output[i] = static_cast<T>(sums[i] / plan.reducedCount);
}

/// Parameters of reference_ops::QuantizedMeanOrSum after folding 1/count into the multiplier.
struct QuantizedMeanParams {
    int32_t multiplier = 0;
    int shift = 0;
    int32_t inputZeroPoint = 0;
    int32_t outputZeroPoint = 0;
    int64_t count = 1;
};

/// The reference kernel's rescaling: multiplier (from QuantizeMultiplier(scale_in /
/// scale_out)) times 2^s / count, shift reduced by s, with s = floor(log2(count)) capped
/// at 32 and at 31 + shift.
inline QuantizedMeanParams quantizedMeanParams(int32_t multiplier, int shift, int32_t inputZeroPoint,
                                               int32_t outputZeroPoint, int64_t count)
{
    QuantizedMeanParams p;
    p.inputZeroPoint = inputZeroPoint;
    p.outputZeroPoint = outputZeroPoint;
    p.count = count;
    p.multiplier = multiplier;
    p.shift = shift;
    if (count <= 0) return p;
    int extra = 63 - std::countl_zero(static_cast<uint64_t>(count));
    extra = std::min(extra, 32);
    extra = std::min(extra, 31 + shift);
    p.multiplier = static_cast<int32_t>((static_cast<int64_t>(multiplier) << extra) / count);
    p.shift = shift - extra;
    return p;
}

/// reference_ops::QuantizedMeanOrSum (mean): int32 wrapping sums, then requantized.
template <typename T>
void quantizedMeanGeneral(const ReductionPlan& plan, const T* input, T* output, const QuantizedMeanParams& p)
{
    std::vector<int32_t> sums(static_cast<size_t>(plan.outputCount), 0);
    reduceSum(plan, input, sums.data(), [](int32_t a, T b) {
        return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(static_cast<int32_t>(b)));
    });
    if (plan.reducedCount == 0) {
        std::fill(output, output + plan.outputCount, T{});
        return;
    }
    const int32_t qmin = std::numeric_limits<T>::min();
    const int32_t qmax = std::numeric_limits<T>::max();
    for (int64_t i = 0; i < plan.outputCount; ++i) {
        const auto shifted = static_cast<int32_t>(static_cast<int64_t>(sums[i]) -
                                                  static_cast<int64_t>(p.inputZeroPoint) * p.count);
        int32_t value = fixed_point::multiplyByQuantizedMultiplier(shifted, p.multiplier, p.shift) + p.outputZeroPoint;
        output[i] = static_cast<T>(std::clamp(value, qmin, qmax));
    }
}

/// The quantized MEAN of the TFLite version inside the reference (XNNPACK) runtime, for
/// the means its delegate does not take. Same input and output parameters: the int32 sum
/// divided by the count in C (truncating) division. Otherwise the float-based
/// QuantizedMeanOrSum of that era: round_half_away(sum / count * s + b) + zp_out with
/// s = scale_in / scale_out and b = -zp_in * s (float), clamped to the storage range.
/// (Both checked against the oracle on int8 and int16 means over other axes.)
template <typename T>
void legacyQuantizedMean(const ReductionPlan& plan, const T* input, T* output, int32_t inputZeroPoint, float inputScale,
                         int32_t outputZeroPoint, float outputScale)
{
    std::vector<int32_t> sums(static_cast<size_t>(plan.outputCount), 0);
    reduceSum(plan, input, sums.data(), [](int32_t a, T b) {
        return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(static_cast<int32_t>(b)));
    });
    if (plan.reducedCount == 0) {
        std::fill(output, output + plan.outputCount, T{});
        return;
    }
    const auto count = static_cast<int32_t>(plan.reducedCount);
    if (inputZeroPoint == outputZeroPoint && inputScale == outputScale) {
        for (int64_t i = 0; i < plan.outputCount; ++i) output[i] = static_cast<T>(sums[i] / count);
        return;
    }
    const float scale = inputScale / outputScale;
    const float bias = static_cast<float>(-inputZeroPoint) * scale;
    const auto qmax = static_cast<float>(std::numeric_limits<T>::max());
    const auto qmin = static_cast<float>(std::numeric_limits<T>::min());
    for (int64_t i = 0; i < plan.outputCount; ++i) {
        const float mean = static_cast<float>(sums[i]) / static_cast<float>(count);
        float result = std::min(std::round(mean * scale + bias) + static_cast<float>(outputZeroPoint), qmax);
        result = std::max(result, qmin);
        output[i] = static_cast<T>(result);
    }
}

/// Parameters of TFLite's optimized Mean4D kernel (int8 / uint8, mean over H and W).
struct QuantizedMeanHWParams {
    int32_t multiplier = 0;
    int shift = 0;
    int32_t bias = 0;
};

/// optimized_integer_ops::Mean / optimized_ops::Mean parameter derivation, in float as
/// TFLite does it: bias = zp_out - round_half_away(zp_in * scale_in / scale_out),
/// multiplier from scale_in / (count * scale_out).
inline QuantizedMeanHWParams quantizedMeanHWParams(int32_t inputZeroPoint, float inputScale, int32_t outputZeroPoint,
                                                   float outputScale, int64_t count)
{
    QuantizedMeanHWParams p;
    const auto countF = static_cast<float>(static_cast<int>(count));
    float temp = static_cast<float>(inputZeroPoint) * inputScale / outputScale;
    temp = temp > 0 ? temp + 0.5f : temp - 0.5f;
    p.bias = outputZeroPoint - static_cast<int32_t>(temp);
    const float realScale = inputScale / (countF * outputScale);
    fixed_point::quantizeMultiplier(static_cast<double>(realScale), &p.multiplier, &p.shift);
    return p;
}

/// Sums an NHWC tensor over H*W = `pixels` per (batch, channel) into `sums`.
template <typename T>
void sumOverPixels(const T* input, int64_t batches, int64_t pixels, int64_t channels, int32_t* sums)
{
    for (int64_t b = 0; b < batches; ++b) {
        int32_t* acc = sums + b * channels;
        std::fill(acc, acc + channels, 0);
        const T* in = input + b * pixels * channels;
        for (int64_t p = 0; p < pixels; ++p, in += channels)
            for (int64_t c = 0; c < channels; ++c) acc[c] += in[c];
    }
}

/// TFLite Mean4D: (sum * multiplier >> shift) + bias, clamped to the storage range.
template <typename T>
void quantizedMeanHW(const T* input, T* output, int64_t batches, int64_t pixels, int64_t channels,
                     const QuantizedMeanHWParams& p)
{
    std::vector<int32_t> sums(static_cast<size_t>(batches * channels));
    sumOverPixels(input, batches, pixels, channels, sums.data());
    const int32_t qmin = std::numeric_limits<T>::min();
    const int32_t qmax = std::numeric_limits<T>::max();
    for (size_t i = 0; i < sums.size(); ++i) {
        int32_t value = fixed_point::multiplyByQuantizedMultiplier(sums[i], p.multiplier, p.shift) + p.bias;
        output[i] = static_cast<T>(std::clamp(value, qmin, qmax));
    }
}

/// XNNPACK qs8/qu8 global average pooling: float scale = scale_in / (scale_out * count)
/// (float arithmetic), acc = sum - count * zp_in, out = rint(acc * scale) + zp_out with
/// the bounds applied before rounding (magic-bias rounding = round half to even).
template <typename T>
void xnnpackQuantizedMeanHW(const T* input, T* output, int64_t batches, int64_t pixels, int64_t channels,
                            int32_t inputZeroPoint, float inputScale, int32_t outputZeroPoint, float outputScale)
{
    std::vector<int32_t> sums(static_cast<size_t>(batches * channels));
    sumOverPixels(input, batches, pixels, channels, sums.data());
    const int32_t bias = -static_cast<int32_t>(pixels) * inputZeroPoint;
    const float scale = inputScale / (outputScale * static_cast<float>(pixels));
    const auto minLessZero = static_cast<float>(static_cast<int32_t>(std::numeric_limits<T>::min()) - outputZeroPoint);
    const auto maxLessZero = static_cast<float>(static_cast<int32_t>(std::numeric_limits<T>::max()) - outputZeroPoint);
    for (size_t i = 0; i < sums.size(); ++i) {
        float scaled = static_cast<float>(sums[i] + bias) * scale;
        scaled = std::min(std::max(scaled, minLessZero), maxLessZero);
        output[i] = static_cast<T>(static_cast<int32_t>(std::nearbyint(scaled)) + outputZeroPoint);
    }
}

/// XNNPACK f32 global average pooling (gavgpool 7x / 7p7x microkernels, the delegate's
/// lowering of a float MEAN over H and W): rows are summed seven at a time in the
/// kernels' fixed tree order — first pass ((r0+r1)+r6) + ((r2+r3)+(r4+r5)), later passes
/// ((r0+r1)+(r2+r3)) + ((r4+r5)+(r6+acc)), with +0 rows filling the last pass — and the
/// sum is multiplied by the float 1/pixels.
inline void xnnpackMeanHWF32(const float* input, float* output, int64_t batches, int64_t pixels, int64_t channels)
{
    const float scale = 1.0f / static_cast<float>(pixels);
    std::vector<float> acc(static_cast<size_t>(channels));
    for (int64_t b = 0; b < batches; ++b) {
        const float* in = input + b * pixels * channels;
        float* out = output + b * channels;
        // Row r of the current pass, or a zero row past the end.
        const auto row = [&](int64_t r, int64_t c) { return r < pixels ? in[r * channels + c] : 0.0f; };
        if (pixels <= 7) {
            for (int64_t c = 0; c < channels; ++c) {
                const float sum01 = row(0, c) + row(1, c);
                const float sum23 = row(2, c) + row(3, c);
                const float sum45 = row(4, c) + row(5, c);
                out[c] = ((sum01 + row(6, c)) + (sum23 + sum45)) * scale;
            }
            continue;
        }
        for (int64_t c = 0; c < channels; ++c)
            acc[c] = ((row(0, c) + row(1, c)) + row(6, c)) + ((row(2, c) + row(3, c)) + (row(4, c) + row(5, c)));
        int64_t first = 7;
        for (int64_t remaining = pixels - 7;; remaining -= 7, first += 7) {
            const bool last = remaining <= 7;
            for (int64_t c = 0; c < channels; ++c) {
                const float sum01 = row(first, c) + row(first + 1, c);
                const float sum23 = row(first + 2, c) + row(first + 3, c);
                const float sum45 = row(first + 4, c) + row(first + 5, c);
                const float sum6a = row(first + 6, c) + acc[c];
                acc[c] = (sum01 + sum23) + (sum45 + sum6a);
            }
            if (last) break;
        }
        for (int64_t c = 0; c < channels; ++c) out[c] = acc[c] * scale;
    }
}

} // namespace rf::kernels
