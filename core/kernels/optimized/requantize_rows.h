#pragma once
// Vectorized requantization of int32 accumulator rows into int8/uint8 outputs, bit for
// bit the same as the scalar functors of kernels/requantize.h (double rounding with ties
// away from zero or upward, ruy's single rounding, XNNPACK's fp32) followed by requant::finishQuantized.

#include <cstdint>

#include "kernels/optimized/simd_level.h"
#include "kernels/requantize.h"

namespace rf::optimized {

/// Per-channel constants of one node laid out for the vector code (padded to 16 channels).
struct RowRequantizer {
    SimdLevel level = SimdLevel::Scalar;
    requant::Flavour flavour = requant::Flavour::DoubleRounding;
    int32_t channels = 0;
    bool outputSigned = true;
    int32_t outputZeroPoint = 0;
    int32_t activationMin = 0;
    int32_t activationMax = 0;
    AlignedBuffer<int32_t> multipliers; ///< Fixed-point flavours.
    AlignedBuffer<int> shifts;          ///< TFLite convention (positive = left), for the scalar path.
    AlignedBuffer<int32_t> leftShifts;  ///< Double rounding: max(shift, 0).
    AlignedBuffer<int32_t> rightShifts; ///< Double rounding: max(-shift, 0).
    AlignedBuffer<int32_t> totalShifts; ///< Single rounding: 31 - shift.
    AlignedBuffer<float> scales;        ///< Fp32 flavour.
};

/// Builds the requantizer of a node from the values its prepare() computed.
RowRequantizer makeRowRequantizer(requant::Flavour flavour, const requant::ChannelParams& params, int32_t channels,
                                  bool outputSigned, int32_t outputZeroPoint, int32_t activationMin,
                                  int32_t activationMax);

/// For each of `rows` rows: out[c] = finish(requantize(acc[c] + bias[c], c)) for c <
/// channels; `bias` may be null (no bias). Rows are at acc + r * accStride and
/// out + r * outStride (elements).
void requantizeRows(const RowRequantizer& requantizer, const int32_t* acc, int64_t accStride, const int32_t* bias,
                    int64_t rows, void* out, int64_t outStride);

} // namespace rf::optimized
