#include "kernels/optimized/requantize_rows.h"

// GCC 12 reports its own AVX-512 intrinsics (which start from an undefined vector on
// purpose) as "may be used uninitialized" at -O3; the warning is about the header.
#if defined(__GNUC__) && !defined(__clang__) // clang has no -Wmaybe-uninitialized and -Werror rejects unknown warnings
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <limits>

namespace rf::optimized {

namespace {

template <typename Out, typename Requant>
void rowsScalar(const RowRequantizer& q, const Requant& requant, const int32_t* acc, int64_t accStride,
                const int32_t* bias, int64_t rows, Out* out, int64_t outStride)
{
    for (int64_t r = 0; r < rows; ++r)
        for (int32_t c = 0; c < q.channels; ++c) {
            const int32_t value = requant::addBias(acc[r * accStride + c], bias ? bias[c] : 0);
            out[r * outStride + c] =
                requant::finishQuantized<Out>(requant.apply(value, c), q.outputZeroPoint, q.activationMin, q.activationMax);
        }
}

template <typename Out>
void requantizeScalar(const RowRequantizer& q, const int32_t* acc, int64_t accStride, const int32_t* bias, int64_t rows,
                      Out* out, int64_t outStride)
{
    switch (q.flavour) {
    case requant::Flavour::DoubleRounding:
        rowsScalar(q, requant::DoubleRounding32{q.multipliers.data(), q.shifts.data()}, acc, accStride, bias, rows, out,
                   outStride);
        break;
    case requant::Flavour::SingleRounding:
        rowsScalar(q, requant::SingleRounding32{q.multipliers.data(), q.shifts.data()}, acc, accStride, bias, rows, out,
                   outStride);
        break;
    case requant::Flavour::DoubleRoundingTiesUp:
        rowsScalar(q, requant::DoubleRoundingTiesUp32{q.multipliers.data(), q.shifts.data()}, acc, accStride, bias, rows,
                   out, outStride);
        break;
    case requant::Flavour::Fp32:
        rowsScalar(q,
                   requant::Fp32{q.scales.data(), static_cast<float>(q.activationMin - q.outputZeroPoint),
                                 static_cast<float>(q.activationMax - q.outputZeroPoint)},
                   acc, accStride, bias, rows, out, outStride);
        break;
    }
}

// Low 32 bits of the even lanes' 64-bit results in even lanes, of the odd ones in odd lanes.
RF_TARGET_AVX512 inline __m512i interleaveLow32(__m512i even, __m512i odd)
{
    return _mm512_mask_blend_epi32(static_cast<__mmask16>(0xAAAA), even, _mm512_slli_epi64(odd, 32));
}

// gemmlowp SaturatingRoundingDoublingHighMul of (x << leftShift), 16 lanes.
// (a*b + nudge) / 2^31 truncated toward zero, with nudge = 2^30 or 1 - 2^30 by sign,
// equals floor((a*b + 2^30) / 2^31) for every product, hence the arithmetic shift.
RF_TARGET_AVX512 inline __m512i doublingHighMul(__m512i x, __m512i multiplier, __m512i leftShift)
{
    const __m512i shifted = _mm512_sllv_epi32(x, leftShift);
    const __m512i nudge = _mm512_set1_epi64(int64_t{1} << 30);
    const __m512i even = _mm512_srai_epi64(_mm512_add_epi64(_mm512_mul_epi32(shifted, multiplier), nudge), 31);
    const __m512i odd = _mm512_srai_epi64(
        _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(shifted, 32), _mm512_srli_epi64(multiplier, 32)), nudge), 31);
    __m512i high = interleaveLow32(even, odd);
    const __m512i minimum = _mm512_set1_epi32(std::numeric_limits<int32_t>::min());
    const __mmask16 overflow =
        _mm512_cmpeq_epi32_mask(shifted, minimum) & _mm512_cmpeq_epi32_mask(multiplier, minimum);
    return _mm512_mask_mov_epi32(high, overflow, _mm512_set1_epi32(std::numeric_limits<int32_t>::max()));
}

// ... then gemmlowp RoundingDivideByPOT (ties away from zero).
RF_TARGET_AVX512 inline __m512i doubleRounding(__m512i x, __m512i multiplier, __m512i leftShift, __m512i rightShift)
{
    const __m512i high = doublingHighMul(x, multiplier, leftShift);
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, rightShift), one);
    const __m512i remainder = _mm512_and_si512(high, mask);
    __m512i threshold = _mm512_srai_epi32(mask, 1);
    threshold = _mm512_mask_add_epi32(threshold, _mm512_cmplt_epi32_mask(high, _mm512_setzero_si512()), threshold, one);
    __m512i result = _mm512_srav_epi32(high, rightShift);
    return _mm512_mask_add_epi32(result, _mm512_cmpgt_epi32_mask(remainder, threshold), result, one);
}

// ... or a rounding right shift with ties toward +infinity: floor(h / 2^r + 1/2) is
// (h >> r) plus bit r - 1 of h (no increment when r = 0).
RF_TARGET_AVX512 inline __m512i doubleRoundingTiesUp(__m512i x, __m512i multiplier, __m512i leftShift,
                                                    __m512i rightShift)
{
    const __m512i high = doublingHighMul(x, multiplier, leftShift);
    const __m512i one = _mm512_set1_epi32(1);
    const __mmask16 shifting = _mm512_cmpgt_epi32_mask(rightShift, _mm512_setzero_si512());
    const __m512i halfBit =
        _mm512_and_si512(_mm512_srav_epi32(high, _mm512_max_epi32(_mm512_sub_epi32(rightShift, one), _mm512_setzero_si512())), one);
    return _mm512_mask_add_epi32(_mm512_srav_epi32(high, rightShift), shifting, _mm512_srav_epi32(high, rightShift),
                                 halfBit);
}

// ruy: (acc * multiplier + 2^(totalShift - 1)) >> totalShift in 64 bits.
RF_TARGET_AVX512 inline __m512i singleRounding(__m512i x, __m512i multiplier, __m512i totalShift)
{
    const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFFll);
    const __m512i one64 = _mm512_set1_epi64(1);
    const __m512i shiftEven = _mm512_and_si512(totalShift, low32);
    const __m512i shiftOdd = _mm512_srli_epi64(totalShift, 32);
    __m512i even = _mm512_mul_epi32(x, multiplier);
    __m512i odd = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(multiplier, 32));
    even = _mm512_srav_epi64(_mm512_add_epi64(even, _mm512_sllv_epi64(one64, _mm512_sub_epi64(shiftEven, one64))),
                             shiftEven);
    odd = _mm512_srav_epi64(_mm512_add_epi64(odd, _mm512_sllv_epi64(one64, _mm512_sub_epi64(shiftOdd, one64))),
                            shiftOdd);
    return interleaveLow32(even, odd);
}

template <requant::Flavour F>
RF_TARGET_AVX512 void requantizeAvx512(const RowRequantizer& q, const int32_t* acc, int64_t accStride,
                                       const int32_t* bias, int64_t rows, uint8_t* out, int64_t outStride)
{
    const __m512i zeroPoint = _mm512_set1_epi32(q.outputZeroPoint);
    const __m512i lowest = _mm512_set1_epi32(q.activationMin);
    const __m512i highest = _mm512_set1_epi32(q.activationMax);
    const __m512 lowFloat = _mm512_set1_ps(static_cast<float>(q.activationMin - q.outputZeroPoint));
    const __m512 highFloat = _mm512_set1_ps(static_cast<float>(q.activationMax - q.outputZeroPoint));
    for (int64_t r = 0; r < rows; ++r) {
        const int32_t* row = acc + r * accStride;
        uint8_t* target = out + r * outStride;
        for (int32_t c = 0; c < q.channels; c += 16) {
            const int32_t valid = std::min(16, q.channels - c);
            const __mmask16 mask = static_cast<__mmask16>((1u << valid) - 1u);
            __m512i value = _mm512_maskz_loadu_epi32(mask, row + c);
            if (bias) value = _mm512_add_epi32(value, _mm512_maskz_loadu_epi32(mask, bias + c));
            __m512i scaled;
            if constexpr (F == requant::Flavour::DoubleRounding) {
                scaled = doubleRounding(value, _mm512_load_si512(q.multipliers.data() + c),
                                        _mm512_load_si512(q.leftShifts.data() + c),
                                        _mm512_load_si512(q.rightShifts.data() + c));
            } else if constexpr (F == requant::Flavour::DoubleRoundingTiesUp) {
                scaled = doubleRoundingTiesUp(value, _mm512_load_si512(q.multipliers.data() + c),
                                              _mm512_load_si512(q.leftShifts.data() + c),
                                              _mm512_load_si512(q.rightShifts.data() + c));
            } else if constexpr (F == requant::Flavour::SingleRounding) {
                scaled = singleRounding(value, _mm512_load_si512(q.multipliers.data() + c),
                                        _mm512_load_si512(q.totalShifts.data() + c));
            } else {
                // (float)acc * scale, clamped as "x < low ? low : x" / "x > high ? high : x"
                // (max_ps/min_ps return their second operand on ties), rounded to nearest even.
                __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(value), _mm512_load_ps(q.scales.data() + c));
                f = _mm512_min_ps(highFloat, _mm512_max_ps(lowFloat, f));
                scaled = _mm512_cvtps_epi32(f);
            }
            __m512i result = _mm512_add_epi32(scaled, zeroPoint);
            result = _mm512_min_epi32(_mm512_max_epi32(result, lowest), highest);
            // The truncating byte store gives the right bits for int8 and uint8 alike
            // once the value is clamped to the output range.
            _mm512_mask_cvtepi32_storeu_epi8(target + c, mask, result);
        }
    }
}

int32_t roundUp16(int32_t value) { return (value + 15) / 16 * 16; }

} // namespace

RowRequantizer makeRowRequantizer(requant::Flavour flavour, const requant::ChannelParams& params, int32_t channels,
                                  bool outputSigned, int32_t outputZeroPoint, int32_t activationMin,
                                  int32_t activationMax)
{
    RowRequantizer q;
    q.level = activeSimdLevel();
    q.flavour = flavour;
    q.channels = channels;
    q.outputSigned = outputSigned;
    q.outputZeroPoint = outputZeroPoint;
    q.activationMin = activationMin;
    q.activationMax = activationMax;
    const auto padded = static_cast<size_t>(roundUp16(channels));
    q.multipliers.resize(padded);
    q.shifts.resize(padded);
    q.leftShifts.resize(padded);
    q.rightShifts.resize(padded);
    q.totalShifts.resize(padded);
    q.scales.resize(padded);
    bool vectorSafe = true;
    for (int32_t c = 0; c < channels; ++c) {
        const auto i = static_cast<size_t>(c);
        if (flavour == requant::Flavour::Fp32) {
            q.scales[i] = params.scales[i];
        } else {
            q.multipliers[i] = params.multipliers[i];
            q.shifts[i] = params.shifts[i];
            q.leftShifts[i] = std::max(params.shifts[i], 0);
            q.rightShifts[i] = std::max(-params.shifts[i], 0);
            q.totalShifts[i] = 31 - params.shifts[i];
            // The vector shifts need left shifts below 31, right shifts up to 31 and
            // 1 <= 31 - shift <= 62; QuantizeMultiplier never gives anything else for
            // real scales, but an odd model keeps the scalar functors.
            if (params.shifts[i] > 30 || params.shifts[i] < -31) vectorSafe = false;
        }
    }
    if (!vectorSafe) q.level = SimdLevel::Scalar;
    // Padding lanes get harmless shifts so the vector code never shifts by nonsense.
    for (size_t i = static_cast<size_t>(channels); i < padded; ++i) q.totalShifts[i] = 31;
    return q;
}

void requantizeRows(const RowRequantizer& q, const int32_t* acc, int64_t accStride, const int32_t* bias, int64_t rows,
                    void* out, int64_t outStride)
{
    if (q.level == SimdLevel::Avx512) {
        switch (q.flavour) {
        case requant::Flavour::DoubleRounding:
            requantizeAvx512<requant::Flavour::DoubleRounding>(q, acc, accStride, bias, rows, static_cast<uint8_t*>(out), outStride);
            return;
        case requant::Flavour::SingleRounding:
            requantizeAvx512<requant::Flavour::SingleRounding>(q, acc, accStride, bias, rows, static_cast<uint8_t*>(out), outStride);
            return;
        case requant::Flavour::Fp32:
            requantizeAvx512<requant::Flavour::Fp32>(q, acc, accStride, bias, rows, static_cast<uint8_t*>(out), outStride);
            return;
        case requant::Flavour::DoubleRoundingTiesUp:
            requantizeAvx512<requant::Flavour::DoubleRoundingTiesUp>(q, acc, accStride, bias, rows,
                                                                     static_cast<uint8_t*>(out), outStride);
            return;
        }
    }
    if (q.outputSigned)
        requantizeScalar(q, acc, accStride, bias, rows, static_cast<int8_t*>(out), outStride);
    else
        requantizeScalar(q, acc, accStride, bias, rows, static_cast<uint8_t*>(out), outStride);
}

} // namespace rf::optimized
