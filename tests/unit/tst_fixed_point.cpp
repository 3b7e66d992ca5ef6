// Checks the fixed-point helpers against values worked out by hand from the
// definitions in TFLite's common.h and gemmlowp's fixedpoint.h.
#include <QtTest>

#include "kernels/fixed_point.h"

using namespace rf::fixed_point;

class TestFixedPoint : public QObject {
    Q_OBJECT
private slots:
    void quantizeMultiplierSplitsMantissaAndExponent()
    {
        int32_t multiplier = 0;
        int shift = 0;
        quantizeMultiplier(0.5, &multiplier, &shift);
        QCOMPARE(multiplier, int32_t{1} << 30);
        QCOMPARE(shift, 0);
        quantizeMultiplier(0.75, &multiplier, &shift);
        QCOMPARE(multiplier, int32_t{3} << 29);
        QCOMPARE(shift, 0);
        quantizeMultiplier(3.0, &multiplier, &shift);
        QCOMPARE(multiplier, int32_t{3} << 29);
        QCOMPARE(shift, 2);
        quantizeMultiplier(0.0, &multiplier, &shift);
        QCOMPARE(multiplier, 0);
        QCOMPARE(shift, 0);
        // A mantissa that rounds up to 1.0 moves into the exponent.
        quantizeMultiplier(std::nextafter(1.0, 0.0), &multiplier, &shift);
        QCOMPARE(multiplier, int32_t{1} << 30);
        QCOMPARE(shift, 1);
        // Below 2^-31 the multiplier flushes to zero.
        quantizeMultiplier(1e-12, &multiplier, &shift);
        QCOMPARE(multiplier, 0);
        QCOMPARE(shift, 0);
    }

    void roundingDivideRoundsHalfAwayFromZero()
    {
        QCOMPARE(roundingDivideByPOT(5, 1), 3);   // 2.5 -> 3
        QCOMPARE(roundingDivideByPOT(-5, 1), -3); // -2.5 -> -3
        QCOMPARE(roundingDivideByPOT(4, 1), 2);
        QCOMPARE(roundingDivideByPOT(-7, 2), -2); // -1.75 -> -2
        QCOMPARE(roundingDivideByPOT(6, 2), 2);   // 1.5 -> 2
        QCOMPARE(roundingDivideByPOT(7, 0), 7);
    }

    void highMulSaturatesTheOneOverflowCase()
    {
        constexpr int32_t minValue = std::numeric_limits<int32_t>::min();
        QCOMPARE(saturatingRoundingDoublingHighMul(minValue, minValue), std::numeric_limits<int32_t>::max());
        QCOMPARE(saturatingRoundingDoublingHighMul(1 << 30, 1 << 30), 1 << 29);
        QCOMPARE(saturatingRoundingDoublingHighMul(3, 1 << 30), 2); // 1.5 -> 2
        QCOMPARE(saturatingRoundingDoublingHighMul(-3, 1 << 30), -1); // ties go up: -1.5 -> -1
    }

    void doubleRoundingDiffersFromSingleRounding()
    {
        // x * 0.5 with multiplier 2^30 and shift -1 (real multiplier 0.25):
        // 5 -> high-mul gives round(2.5) = 3, then 3 / 2 rounds to 2;
        // a single rounding of 5 * 0.25 = 1.25 would give 1.
        QCOMPARE(multiplyByQuantizedMultiplier(int32_t{5}, int32_t{1} << 30, -1), 2);
        QCOMPARE(multiplyByQuantizedMultiplier(int32_t{100}, int32_t{1} << 30, 1), 100);
    }

    void wideMultiplierTruncatesAndWrapsLikeTflite()
    {
        // Multiplier 2^30 reduces to (2^30 + 2^15) >> 16 = 2^14; shift 7 -> total shift 8.
        // In contract: 1000 * 2^14 / 2^8 = 64000 exactly; -1001 * 64 = -64064.
        QCOMPARE(multiplyByQuantizedMultiplier(int64_t{1000}, int32_t{1} << 30, 7), 64000);
        QCOMPARE(multiplyByQuantizedMultiplier(int64_t{-1001}, int32_t{1} << 30, 7), -64064);
        // A result beyond int32 is truncated modulo 2^32 (TFLite's `int32_t result = x >> s`),
        // not clamped: (2^41 + 3 * 2^20) * 2^6 = 2^47 + 3 * 2^26 -> 3 * 2^26.
        QCOMPARE(multiplyByQuantizedMultiplier((int64_t{1} << 41) + 3 * (int64_t{1} << 20), int32_t{1} << 30, 7),
                 3 * (1 << 26));
        // Out of TFLite's |x| < 2^47 contract the product wraps modulo 2^64 as TFLite's
        // compiled code does: 2^62 * 2^14 = 2^76 = 0 (mod 2^64), plus the rounding term 2^7,
        // >> 8 -> 0; (2^62 + 5) * 2^14 wraps to 5 * 2^14 -> (81920 + 128) >> 8 = 320.
        QCOMPARE(multiplyByQuantizedMultiplier(int64_t{1} << 62, int32_t{1} << 30, 7), 0);
        QCOMPARE(multiplyByQuantizedMultiplier((int64_t{1} << 62) + 5, int32_t{1} << 30, 7), 320);
    }
};

QTEST_APPLESS_MAIN(TestFixedPoint)
#include "tst_fixed_point.moc"
