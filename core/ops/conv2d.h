#pragma once
// CONV_2D, plus the pieces the whole convolution family (CONV_2D, DEPTHWISE_CONV_2D,
// FULLY_CONNECTED, TRANSPOSE_CONV) shares: validation of quantization parameters, the
// choice of requantization flavour per kernel mode, and the dispatch from a flavour to
// the kernel's requantization functor.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernels/activation_range.h"
#include "kernels/requantize.h"
#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one CONV_2D node.
std::unique_ptr<OpKernel> makeConv2DKernel();

namespace convolution {

/// The arithmetic class of a convolution-family node, chosen in prepare() from the dtypes.
enum class Arithmetic {
    Float,       ///< float32 activations and weights.
    Hybrid,      ///< float32 activations, int8 weights quantized on the fly (dynamic range).
    Int8,        ///< int8 activations, int8 (per-channel or per-tensor) symmetric weights.
    UInt8,       ///< uint8 activations, uint8 per-tensor asymmetric weights (legacy).
    Int16x8,     ///< int16 activations, int8 weights, 64-bit accumulation.
};

/// Everything a quantized node needs at eval time besides the data.
struct QuantizedSetup {
    requant::Flavour flavour = requant::Flavour::DoubleRounding;
    requant::ChannelParams channel;
    int32_t inputOffset = 0;  ///< -input zero point.
    int32_t filterOffset = 0; ///< -filter zero point (uint8 weights only).
    int32_t outputZeroPoint = 0;
    int32_t activationMin = 0;
    int32_t activationMax = 0;
};

/// Fails unless `activation` is a clamp (None, RELU, RELU_N1_TO_1, RELU6).
Status checkClampActivation(const OpContext& ctx, FusedActivation activation);

/// Fails unless input `inputIndex` has exactly one finite positive scale and a zero point
/// within the range of its dtype.
Status checkPerTensorQuantization(const OpContext& ctx, int inputIndex, bool isOutput = false);

/// Validates the filter's quantization: scale count 1 or `channels`, all scales finite and
/// positive, the per-axis dimension equal to `channelAxis`, and zero points all zero
/// when `symmetric` (else a single zero point within the dtype's range).
Status checkFilterQuantization(const OpContext& ctx, int filterInput, int channels, int channelAxis, bool symmetric);

/// Validates an optional bias input (dtype one of `allowed`, `channels` elements).
Status checkBias(const OpContext& ctx, int biasInput, int channels, std::initializer_list<DType> allowed);

/// Fills `setup` for a quantized node: offsets, clamp range (TFLite's or XNNPACK's
/// formula depending on the flavour) and per-channel multipliers or float scales.
/// Validation must have been done already.
QuantizedSetup makeQuantizedSetup(const OpContext& ctx, int inputIndex, int filterIndex, int channels,
                                  FusedActivation activation, requant::Flavour flavour);

/// The bias of a quantized node widened to Acc (zeros when absent), read at eval time so
/// a bias produced by another op works too.
template <typename Acc> std::vector<Acc> biasValues(const OpContext& ctx, int biasInput, int channels)
{
    std::vector<Acc> bias(channels, Acc{0});
    if (!ctx.hasInput(biasInput)) return bias;
    const TensorValue& value = ctx.input(biasInput);
    if (value.dtype() == DType::Int64) {
        const int64_t* data = value.data<int64_t>();
        for (int c = 0; c < channels; ++c) bias[c] = static_cast<Acc>(data[c]);
    } else {
        const int32_t* data = value.data<int32_t>();
        for (int c = 0; c < channels; ++c) bias[c] = static_cast<Acc>(data[c]);
    }
    return bias;
}

/// Calls fn(requantizer) with the functor of `setup.flavour` for accumulator type Acc
/// (64-bit accumulators only exist with double rounding: XNNPACK has no int16 kernels).
template <typename Acc, typename Fn> void withRequantizer(const QuantizedSetup& setup, Fn&& fn)
{
    const auto& ch = setup.channel;
    if constexpr (sizeof(Acc) == 8) {
        fn(requant::DoubleRounding64{ch.multipliers.data(), ch.shifts.data()});
    } else {
        switch (setup.flavour) {
        case requant::Flavour::DoubleRounding:
            fn(requant::DoubleRounding32{ch.multipliers.data(), ch.shifts.data()});
            break;
        case requant::Flavour::DoubleRoundingTiesUp:
            fn(requant::DoubleRoundingTiesUp32{ch.multipliers.data(), ch.shifts.data()});
            break;
        case requant::Flavour::SingleRounding:
            fn(requant::SingleRounding32{ch.multipliers.data(), ch.shifts.data()});
            break;
        case requant::Flavour::Fp32:
            fn(requant::Fp32{ch.scales.data(), static_cast<float>(setup.activationMin - setup.outputZeroPoint),
                             static_cast<float>(setup.activationMax - setup.outputZeroPoint)});
            break;
        }
    }
}

/// The requantization of TFLite's 16x8 GEMM path (int32 accumulators: CONV_2D and
/// FULLY_CONNECTED with an int32 bias, FULLY_CONNECTED without one). It is ruy with an
/// int16 right-hand side. The WASM runtime, which the XNNPACK-mode oracle is, has no ruy
/// SIMD kernels and runs ruy's portable kernel: one rounding of acc * multiplier, ties
/// upward (ruy::detail::MultiplyByQuantizedMultiplier), measured on one-op oracle cases
/// (tests/data/conv_oracle). Builtin mode keeps the x86 GEMM rounding of the other
/// quantized GEMMs (double rounding, ties upward); no x86 golden has a 16x8 GEMM.
requant::Flavour int16GemmFlavour(KernelMode mode);

/// True when the XNNPACK delegate would take a quantized or float node whose filter (and
/// bias) are `filterConstant`: XNNPACK only handles float32/int8/uint8 with static weights.
bool xnnpackTakesNode(const OpContext& ctx, Arithmetic arithmetic, int filterInput, int biasInput);

/// Rows [0, count) split over the context's thread pool in chunks of at least minChunk.
void parallelRows(OpContext& ctx, int64_t count, int64_t minChunk, const std::function<void(int64_t, int64_t)>& fn);

} // namespace convolution
} // namespace rf
