// Checks every optimized kernel against a straightforward loop written from the
// definition (TFLite's reference loops), on random data with awkward sizes, at every
// SIMD level this CPU supports (forced through setSimdLevelLimit), with and without a
// second thread. Integer results must be identical; float results too, because the
// kernels promise the reference's operation order.
#include <QtTest>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/optimized/depthwise.h"
#include "kernels/optimized/gemm_f32.h"
#include "kernels/optimized/gemm_s8.h"
#include "kernels/optimized/requantize_rows.h"
#include "kernels/optimized/simd_level.h"
#include "util/thread_pool.h"

using namespace rf;
using namespace rf::optimized;

namespace {

const int kAwkwardSizes[] = {1, 3, 13, 127, 255};

std::vector<SimdLevel> supportedLevels()
{
    std::vector<SimdLevel> levels{SimdLevel::Scalar};
    if (detectedSimdLevel() >= SimdLevel::Avx2) levels.push_back(SimdLevel::Avx2);
    if (detectedSimdLevel() >= SimdLevel::Avx512) levels.push_back(SimdLevel::Avx512);
    return levels;
}

// Restores the default level when a test ends, even on a failed QCOMPARE.
struct LevelGuard {
    ~LevelGuard() { setSimdLevelLimit(SimdLevel::Avx512); }
};

std::vector<uint8_t> randomBytes(std::mt19937& rng, size_t count)
{
    std::uniform_int_distribution<int> byte(0, 255);
    std::vector<uint8_t> values(count);
    for (auto& v : values) v = static_cast<uint8_t>(byte(rng));
    return values;
}

std::vector<float> randomFloats(std::mt19937& rng, size_t count)
{
    std::uniform_real_distribution<float> value(-2.0f, 2.0f);
    std::vector<float> values(count);
    for (auto& v : values) v = value(rng);
    return values;
}

int32_t byteValue(const std::vector<uint8_t>& bytes, size_t i, bool isSigned)
{
    return isSigned ? int32_t{static_cast<int8_t>(bytes[i])} : int32_t{bytes[i]};
}

// TFLite reference_ops::Conv / integer_ops::ConvPerChannel accumulation, taps outside
// the input skipped. Depthwise when `depthwise` (output channel = input channel).
std::vector<int32_t> referenceConvS8(const ConvGeometry& g, const std::vector<uint8_t>& input, bool inputSigned,
                                     int32_t inputOffset, const std::vector<uint8_t>& filter, bool filterSigned,
                                     int32_t filterOffset, const std::vector<int32_t>& bias, int32_t outChannels,
                                     bool depthwise)
{
    std::vector<int32_t> out(static_cast<size_t>(g.outputPixels()) * outChannels);
    for (int b = 0; b < g.batch; ++b)
        for (int y = 0; y < g.outputHeight; ++y)
            for (int x = 0; x < g.outputWidth; ++x)
                for (int oc = 0; oc < outChannels; ++oc) {
                    int32_t acc = 0;
                    for (int ky = 0; ky < g.filterHeight; ++ky)
                        for (int kx = 0; kx < g.filterWidth; ++kx) {
                            const int iy = y * g.strideHeight - g.padTop + ky * g.dilationHeight;
                            const int ix = x * g.strideWidth - g.padLeft + kx * g.dilationWidth;
                            if (iy < 0 || iy >= g.inputHeight || ix < 0 || ix >= g.inputWidth) continue;
                            const size_t pixel = ((size_t(b) * g.inputHeight + iy) * g.inputWidth + ix) * g.inputChannels;
                            if (depthwise) {
                                const int32_t xv = byteValue(input, pixel + oc, inputSigned);
                                const int32_t wv =
                                    byteValue(filter, (size_t(ky) * g.filterWidth + kx) * outChannels + oc, filterSigned);
                                acc += (xv + inputOffset) * (wv + filterOffset);
                            } else {
                                for (int ic = 0; ic < g.inputChannels; ++ic) {
                                    const int32_t xv = byteValue(input, pixel + ic, inputSigned);
                                    const int32_t wv = byteValue(
                                        filter, ((size_t(oc) * g.filterHeight + ky) * g.filterWidth + kx) * g.inputChannels + ic,
                                        filterSigned);
                                    acc += (xv + inputOffset) * (wv + filterOffset);
                                }
                            }
                        }
                    out[((size_t(b) * g.outputHeight + y) * g.outputWidth + x) * outChannels + oc] =
                        acc + (bias.empty() ? 0 : bias[oc]);
                }
    return out;
}

std::vector<float> referenceConvF32(const ConvGeometry& g, const std::vector<float>& input,
                                    const std::vector<float>& filter, const std::vector<float>& bias, int32_t outChannels,
                                    bool depthwise, float lo, float hi, bool xnnpackOrder = false)
{
    // XNNPACK's order: the sum starts from the bias; depthwise taps go column by column.
    std::vector<float> out(static_cast<size_t>(g.outputPixels()) * outChannels);
    for (int b = 0; b < g.batch; ++b)
        for (int y = 0; y < g.outputHeight; ++y)
            for (int x = 0; x < g.outputWidth; ++x)
                for (int oc = 0; oc < outChannels; ++oc) {
                    const float biasValue = bias.empty() ? 0.0f : bias[oc];
                    float total = xnnpackOrder ? biasValue : 0.0f;
                    for (int t = 0; t < g.filterHeight * g.filterWidth; ++t) {
                        const bool columnMajor = xnnpackOrder && depthwise;
                        const int ky = columnMajor ? t % g.filterHeight : t / g.filterWidth;
                        const int kx = columnMajor ? t / g.filterHeight : t % g.filterWidth;
                        {
                            const int iy = y * g.strideHeight - g.padTop + ky * g.dilationHeight;
                            const int ix = x * g.strideWidth - g.padLeft + kx * g.dilationWidth;
                            if (iy < 0 || iy >= g.inputHeight || ix < 0 || ix >= g.inputWidth) continue;
                            const size_t pixel = ((size_t(b) * g.inputHeight + iy) * g.inputWidth + ix) * g.inputChannels;
                            if (depthwise) {
                                total += input[pixel + oc] * filter[(size_t(ky) * g.filterWidth + kx) * outChannels + oc];
                            } else {
                                for (int ic = 0; ic < g.inputChannels; ++ic)
                                    total += input[pixel + ic] *
                                             filter[((size_t(oc) * g.filterHeight + ky) * g.filterWidth + kx) *
                                                        g.inputChannels + ic];
                            }
                        }
                    }
                    const float biased = xnnpackOrder ? total : total + biasValue;
                    out[((size_t(b) * g.outputHeight + y) * g.outputWidth + x) * outChannels + oc] =
                        std::min(std::max(biased, lo), hi);
                }
    return out;
}

// Collects sink output into a dense [rows][n] matrix.
struct Collector {
    std::vector<int32_t> values;
    int32_t n;
    Collector(int64_t rows, int32_t columns) : values(static_cast<size_t>(rows) * columns, 0x5eadbeef), n(columns) {}
    AccumulatorSink sink()
    {
        return [this](int64_t first, int64_t count, const int32_t* acc, int64_t stride) {
            for (int64_t r = 0; r < count; ++r)
                std::memcpy(values.data() + (first + r) * n, acc + r * stride, sizeof(int32_t) * n);
        };
    }
};

ConvGeometry makeGeometry(int batch, int h, int w, int c, int kh, int kw, int stride, int dilation, bool samePadding)
{
    ConvGeometry g;
    g.batch = batch;
    g.inputHeight = h;
    g.inputWidth = w;
    g.inputChannels = c;
    g.filterHeight = kh;
    g.filterWidth = kw;
    g.strideHeight = g.strideWidth = stride;
    g.dilationHeight = g.dilationWidth = dilation;
    const int effectiveH = (kh - 1) * dilation + 1;
    const int effectiveW = (kw - 1) * dilation + 1;
    if (samePadding) {
        g.outputHeight = (h + stride - 1) / stride;
        g.outputWidth = (w + stride - 1) / stride;
        g.padTop = std::max(0, ((g.outputHeight - 1) * stride + effectiveH - h) / 2);
        g.padLeft = std::max(0, ((g.outputWidth - 1) * stride + effectiveW - w) / 2);
    } else {
        g.outputHeight = (h - effectiveH) / stride + 1;
        g.outputWidth = (w - effectiveW) / stride + 1;
    }
    return g;
}

} // namespace

class TestOptimizedKernels : public QObject {
    Q_OBJECT
private slots:
    void levelLimitIsHonoured()
    {
        LevelGuard guard;
        setSimdLevelLimit(SimdLevel::Scalar);
        QCOMPARE(activeSimdLevel(), SimdLevel::Scalar);
        setSimdLevelLimit(SimdLevel::Avx512);
        QCOMPARE(activeSimdLevel(), detectedSimdLevel());
    }

    void gemmS8MatchesDefinition_data()
    {
        QTest::addColumn<bool>("activationsSigned");
        QTest::addColumn<bool>("weightsSigned");
        QTest::newRow("int8 x int8 (per-channel models)") << true << true;
        QTest::newRow("uint8 x uint8 (legacy models)") << false << false;
        QTest::newRow("int8 x uint8") << true << false;
        QTest::newRow("uint8 x int8") << false << true;
    }

    void gemmS8MatchesDefinition()
    {
        QFETCH(bool, activationsSigned);
        QFETCH(bool, weightsSigned);
        LevelGuard guard;
        ThreadPool pool(2);
        std::mt19937 rng(1234);
        std::uniform_int_distribution<int> zeroPoint(activationsSigned ? -128 : 0, activationsSigned ? 127 : 255);
        std::uniform_int_distribution<int> weightZeroPoint(weightsSigned ? -128 : 0, weightsSigned ? 127 : 255);
        std::uniform_int_distribution<int32_t> biasValue(-100000, 100000);
        for (SimdLevel level : supportedLevels()) {
            setSimdLevelLimit(level);
            for (int n : kAwkwardSizes)
                for (int k : kAwkwardSizes) {
                    const int rows = (n + k) % 2 ? 7 : 50;
                    const auto a = randomBytes(rng, size_t(rows) * (k + 5));
                    const auto w = randomBytes(rng, size_t(n) * k);
                    std::vector<int32_t> bias(static_cast<size_t>(n));
                    for (auto& b : bias) b = biasValue(rng);
                    GemmS8Spec spec;
                    spec.weights = w.data();
                    spec.weightsSigned = weightsSigned;
                    spec.n = n;
                    spec.k = k;
                    // Per-channel int8 weights have zero point 0 (FULLY_CONNECTED's may not); legacy uint8 ones do not.
                    spec.weightOffset = weightsSigned && activationsSigned && n % 3 != 0 ? 0 : -weightZeroPoint(rng);
                    spec.activationsSigned = activationsSigned;
                    spec.activationOffset = -zeroPoint(rng);
                    spec.bias = n % 2 ? bias.data() : nullptr;
                    const GemmS8Weights packed = packGemmS8Weights(spec);
                    QCOMPARE(packed.level, level);

                    // The A rows are k wide inside a (k + 5)-wide matrix.
                    for (ThreadPool* usedPool : {static_cast<ThreadPool*>(nullptr), &pool}) {
                        Collector got(rows, n);
                        gemmS8(packed, a.data(), k + 5, rows, usedPool, got.sink());
                        for (int r = 0; r < rows; ++r)
                            for (int o = 0; o < n; ++o) {
                                int32_t expected = spec.bias ? bias[o] : 0;
                                for (int kk = 0; kk < k; ++kk)
                                    expected += (byteValue(a, size_t(r) * (k + 5) + kk, activationsSigned) +
                                                 spec.activationOffset) *
                                                (byteValue(w, size_t(o) * k + kk, weightsSigned) + spec.weightOffset);
                                if (got.values[size_t(r) * n + o] != expected)
                                    QFAIL(qPrintable(QString("level %1 n=%2 k=%3 row %4 col %5: got %6, expected %7")
                                                         .arg(simdLevelName(level))
                                                         .arg(n)
                                                         .arg(k)
                                                         .arg(r)
                                                         .arg(o)
                                                         .arg(got.values[size_t(r) * n + o])
                                                         .arg(expected)));
                            }
                    }
                }
        }
    }

    void gemmS8ExtremeValuesStayExact()
    {
        // All weights -128 and all activations at the far end from the zero point: the
        // largest products, where a saturating 16-bit path would go wrong.
        LevelGuard guard;
        for (SimdLevel level : supportedLevels()) {
            setSimdLevelLimit(level);
            const int n = 19, k = 1000, rows = 3;
            const std::vector<uint8_t> w(size_t(n) * k, 0x80);   // int8 -128
            const std::vector<uint8_t> a(size_t(rows) * k, 0x7f); // int8 127
            GemmS8Spec spec{w.data(), true, n, k, 0, true, 128, nullptr};
            const GemmS8Weights packed = packGemmS8Weights(spec);
            Collector got(rows, n);
            gemmS8(packed, a.data(), k, rows, nullptr, got.sink());
            for (int32_t v : got.values) QCOMPARE(v, int32_t{(127 + 128) * -128 * k});
        }
    }

    void conv2dS8MatchesReference_data()
    {
        QTest::addColumn<int>("inChannels");
        QTest::addColumn<int>("outChannels");
        QTest::addColumn<int>("kernel");
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("dilation");
        QTest::addColumn<bool>("same");
        QTest::addColumn<bool>("legacyUint8");
        QTest::newRow("first layer 3x3/2 same, 3->13") << 3 << 13 << 3 << 2 << 1 << true << false;
        QTest::newRow("1x1/1, 127->255") << 127 << 255 << 1 << 1 << 1 << false << false;
        QTest::newRow("1x1/2, 13->3") << 13 << 3 << 1 << 2 << 1 << false << false;
        QTest::newRow("3x3/1 same dilation 2, 13->127") << 13 << 127 << 3 << 1 << 2 << true << false;
        QTest::newRow("5x5/1 valid uint8, 3->1") << 3 << 1 << 5 << 1 << 1 << false << true;
        QTest::newRow("3x3/2 same uint8, 1->255") << 1 << 255 << 3 << 2 << 1 << true << true;
    }

    void conv2dS8MatchesReference()
    {
        QFETCH(int, inChannels);
        QFETCH(int, outChannels);
        QFETCH(int, kernel);
        QFETCH(int, stride);
        QFETCH(int, dilation);
        QFETCH(bool, same);
        QFETCH(bool, legacyUint8);
        LevelGuard guard;
        ThreadPool pool(2);
        std::mt19937 rng(99);
        const ConvGeometry g = makeGeometry(2, 11, 9, inChannels, kernel, kernel, stride, dilation, same);
        const auto input = randomBytes(rng, size_t(2) * 11 * 9 * inChannels);
        const auto filter = randomBytes(rng, size_t(outChannels) * kernel * kernel * inChannels);
        std::vector<int32_t> bias(static_cast<size_t>(outChannels));
        for (auto& b : bias) b = int32_t(rng() % 20001) - 10000;
        const bool isSigned = !legacyUint8;
        const int32_t inputOffset = legacyUint8 ? -131 : 17;
        const int32_t filterOffset = legacyUint8 ? -120 : 0;
        const auto expected = referenceConvS8(g, input, isSigned, inputOffset, filter, isSigned, filterOffset, bias,
                                              outChannels, false);
        for (SimdLevel level : supportedLevels()) {
            setSimdLevelLimit(level);
            GemmS8Spec spec{filter.data(),    isSigned,    outChannels, int32_t(g.patchSize()), filterOffset,
                            isSigned,         inputOffset, bias.data()};
            const GemmS8Weights packed = packGemmS8Weights(spec);
            for (ThreadPool* usedPool : {static_cast<ThreadPool*>(nullptr), &pool}) {
                Collector got(g.outputPixels(), outChannels);
                conv2dS8(packed, g, input.data(), usedPool, got.sink());
                QVERIFY2(got.values == expected, simdLevelName(level));
            }
        }
    }

    void depthwiseS8MatchesReference_data()
    {
        QTest::addColumn<int>("kernel");
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("dilation");
        QTest::addColumn<bool>("same");
        QTest::addColumn<bool>("legacyUint8");
        QTest::newRow("3x3/1 same") << 3 << 1 << 1 << true << false;
        QTest::newRow("3x3/2 same") << 3 << 2 << 1 << true << false;
        QTest::newRow("3x3/1 same uint8") << 3 << 1 << 1 << true << true;
        QTest::newRow("5x5/2 valid dilation 2 uint8") << 5 << 2 << 2 << false << true;
        QTest::newRow("1x1/1") << 1 << 1 << 1 << false << false;
    }

    void depthwiseS8MatchesReference()
    {
        QFETCH(int, kernel);
        QFETCH(int, stride);
        QFETCH(int, dilation);
        QFETCH(bool, same);
        QFETCH(bool, legacyUint8);
        LevelGuard guard;
        ThreadPool pool(2);
        std::mt19937 rng(7);
        for (int channels : kAwkwardSizes) {
            const ConvGeometry g = makeGeometry(2, 13, 12, channels, kernel, kernel, stride, dilation, same);
            const auto input = randomBytes(rng, size_t(2) * 13 * 12 * channels);
            const auto filter = randomBytes(rng, size_t(kernel) * kernel * channels);
            std::vector<int32_t> bias(static_cast<size_t>(channels));
            for (auto& b : bias) b = int32_t(rng() % 20001) - 10000;
            const bool isSigned = !legacyUint8;
            const int32_t inputOffset = legacyUint8 ? -3 : 128;
            const int32_t filterOffset = legacyUint8 ? -255 : 0;
            const auto expected = referenceConvS8(g, input, isSigned, inputOffset, filter, isSigned, filterOffset, bias,
                                                  channels, true);
            for (SimdLevel level : supportedLevels()) {
                setSimdLevelLimit(level);
                const DepthwiseS8Weights packed = packDepthwiseS8Weights(
                    filter.data(), isSigned, channels, kernel, kernel, filterOffset, isSigned, inputOffset, bias.data());
                for (ThreadPool* usedPool : {static_cast<ThreadPool*>(nullptr), &pool}) {
                    Collector got(g.outputPixels(), channels);
                    depthwiseConv2dS8(packed, g, input.data(), usedPool, got.sink());
                    QVERIFY2(got.values == expected,
                             qPrintable(QString("%1, %2 channels").arg(simdLevelName(level)).arg(channels)));
                }
            }
        }
    }

    void requantizeRowsMatchesScalarFunctors_data()
    {
        QTest::addColumn<int>("flavour");
        QTest::addColumn<bool>("outputSigned");
        QTest::newRow("double rounding int8") << int(requant::Flavour::DoubleRounding) << true;
        QTest::newRow("single rounding int8") << int(requant::Flavour::SingleRounding) << true;
        QTest::newRow("double rounding ties up int8") << int(requant::Flavour::DoubleRoundingTiesUp) << true;
        QTest::newRow("double rounding ties up uint8") << int(requant::Flavour::DoubleRoundingTiesUp) << false;
        QTest::newRow("fp32 int8") << int(requant::Flavour::Fp32) << true;
        QTest::newRow("double rounding uint8") << int(requant::Flavour::DoubleRounding) << false;
        QTest::newRow("single rounding uint8") << int(requant::Flavour::SingleRounding) << false;
        QTest::newRow("fp32 uint8") << int(requant::Flavour::Fp32) << false;
    }

    void requantizeRowsMatchesScalarFunctors()
    {
        QFETCH(int, flavour);
        QFETCH(bool, outputSigned);
        const auto f = static_cast<requant::Flavour>(flavour);
        LevelGuard guard;
        std::mt19937 rng(2024);
        std::uniform_real_distribution<double> logScale(-14.0, 2.0);
        for (int channels : kAwkwardSizes) {
            // Real-looking multipliers plus exact powers of two (many rounding ties).
            std::vector<float> filterScales(static_cast<size_t>(channels));
            for (int c = 0; c < channels; ++c)
                filterScales[size_t(c)] = c % 4 == 3 ? std::ldexp(1.0f, -(c % 13)) : float(std::exp2(logScale(rng)));
            const auto params = f == requant::Flavour::Fp32
                                    ? requant::xnnpackScales(0.5f, filterScales, 1.0f, channels)
                                    : requant::tfliteMultipliers(0.5f, filterScales, 1.0f, channels);
            const int32_t zeroPoint = outputSigned ? -7 : 131;
            const int32_t lo = outputSigned ? -128 : 0, hi = outputSigned ? 100 : 255;
            const int rows = 9;
            std::vector<int32_t> acc(size_t(rows) * (channels + 2));
            std::uniform_int_distribution<int32_t> small(-70000, 70000);
            std::uniform_int_distribution<int32_t> any(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
            for (size_t i = 0; i < acc.size(); ++i) acc[i] = i % 5 == 0 ? any(rng) : (i % 7 == 0 ? int32_t(i) - 300 : small(rng));
            acc[0] = std::numeric_limits<int32_t>::min();
            acc[1] = std::numeric_limits<int32_t>::max();
            std::vector<int32_t> bias(static_cast<size_t>(channels));
            for (auto& b : bias) b = small(rng);
            // Expected: the scalar functors from kernels/requantize.h.
            std::vector<int32_t> expected(size_t(rows) * channels);
            for (int r = 0; r < rows; ++r)
                for (int c = 0; c < channels; ++c) {
                    const int32_t value = acc[size_t(r) * (channels + 2) + c] + bias[size_t(c)];
                    int32_t scaled = 0;
                    if (f == requant::Flavour::DoubleRounding)
                        scaled = requant::DoubleRounding32{params.multipliers.data(), params.shifts.data()}.apply(value, c);
                    else if (f == requant::Flavour::SingleRounding)
                        scaled = requant::SingleRounding32{params.multipliers.data(), params.shifts.data()}.apply(value, c);
                    else if (f == requant::Flavour::DoubleRoundingTiesUp)
                        scaled = requant::DoubleRoundingTiesUp32{params.multipliers.data(), params.shifts.data()}.apply(value, c);
                    else
                        scaled = requant::Fp32{params.scales.data(), float(lo - zeroPoint), float(hi - zeroPoint)}.apply(value, c);
                    expected[size_t(r) * channels + c] = outputSigned
                                                             ? requant::finishQuantized<int8_t>(scaled, zeroPoint, lo, hi)
                                                             : requant::finishQuantized<uint8_t>(scaled, zeroPoint, lo, hi);
                }
            for (SimdLevel level : supportedLevels()) {
                setSimdLevelLimit(level);
                const RowRequantizer q = makeRowRequantizer(f, params, channels, outputSigned, zeroPoint, lo, hi);
                std::vector<uint8_t> out(size_t(rows) * (channels + 1), 0xAB);
                requantizeRows(q, acc.data(), channels + 2, bias.data(), rows, out.data(), channels + 1);
                for (int r = 0; r < rows; ++r) {
                    for (int c = 0; c < channels; ++c) {
                        const uint8_t byte = out[size_t(r) * (channels + 1) + c];
                        const int32_t got = outputSigned ? int32_t{static_cast<int8_t>(byte)} : int32_t{byte};
                        if (got != expected[size_t(r) * channels + c])
                            QFAIL(qPrintable(QString("%1, %2 channels, row %3 channel %4 (acc %5): got %6, expected %7")
                                                 .arg(simdLevelName(level)).arg(channels).arg(r).arg(c)
                                                 .arg(acc[size_t(r) * (channels + 2) + c]).arg(got)
                                                 .arg(expected[size_t(r) * channels + c])));
                    }
                    QCOMPARE(out[size_t(r) * (channels + 1) + channels], uint8_t{0xAB});
                }
            }
        }
    }

    void gemmF32MatchesReferenceBits()
    {
        LevelGuard guard;
        ThreadPool pool(2);
        std::mt19937 rng(42);
        for (bool biasFirst : {false, true})
        for (int n : kAwkwardSizes)
            for (int k : kAwkwardSizes) {
                const int rows = (n + k) % 2 ? 7 : 50;
                const auto a = randomFloats(rng, size_t(rows) * (k + 3));
                const auto w = randomFloats(rng, size_t(n) * k);
                const auto bias = randomFloats(rng, size_t(n));
                const float lo = n % 2 ? 0.0f : -INFINITY;
                const float hi = n % 2 ? 6.0f : INFINITY;
                std::vector<float> expected(size_t(rows) * n);
                for (int r = 0; r < rows; ++r)
                    for (int o = 0; o < n; ++o) {
                        float total = biasFirst ? bias[o] : 0.0f;
                        for (int kk = 0; kk < k; ++kk) total += a[size_t(r) * (k + 3) + kk] * w[size_t(o) * k + kk];
                        expected[size_t(r) * n + o] = std::min(std::max(biasFirst ? total : total + bias[o], lo), hi);
                    }
                for (SimdLevel level : supportedLevels()) {
                    setSimdLevelLimit(level);
                    const GemmF32Weights packed = packGemmF32Weights(w.data(), n, k, bias.data(), biasFirst);
                    for (ThreadPool* usedPool : {static_cast<ThreadPool*>(nullptr), &pool}) {
                        // One spare column per row checks that the kernel writes only n values.
                        std::vector<float> got(size_t(rows) * (n + 1), -1234.5f);
                        gemmF32(packed, a.data(), k + 3, rows, lo, hi, got.data(), n + 1, usedPool);
                        for (int r = 0; r < rows; ++r) {
                            QVERIFY2(std::memcmp(got.data() + size_t(r) * (n + 1), expected.data() + size_t(r) * n,
                                                 sizeof(float) * n) == 0,
                                     qPrintable(QString("%1 n=%2 k=%3 row %4").arg(simdLevelName(level)).arg(n).arg(k).arg(r)));
                            QCOMPARE(got[size_t(r) * (n + 1) + n], -1234.5f);
                        }
                    }
                }
            }
    }

    void conv2dF32MatchesReferenceBits()
    {
        LevelGuard guard;
        ThreadPool pool(2);
        std::mt19937 rng(5);
        struct Case {
            int inC, outC, kernel, stride, dilation;
            bool same;
        };
        const Case cases[] = {{3, 13, 3, 2, 1, true}, {127, 255, 1, 1, 1, false}, {13, 3, 1, 2, 1, false},
                              {13, 127, 3, 1, 2, true}, {1, 1, 5, 1, 1, false}};
        for (bool biasFirst : {false, true})
        for (const Case& c : cases) {
            const ConvGeometry g = makeGeometry(2, 10, 11, c.inC, c.kernel, c.kernel, c.stride, c.dilation, c.same);
            const auto input = randomFloats(rng, size_t(2) * 10 * 11 * c.inC);
            const auto filter = randomFloats(rng, size_t(c.outC) * c.kernel * c.kernel * c.inC);
            const auto bias = randomFloats(rng, size_t(c.outC));
            const auto expected = referenceConvF32(g, input, filter, bias, c.outC, false, -1.0f, 1.0f, biasFirst);
            for (SimdLevel level : supportedLevels()) {
                setSimdLevelLimit(level);
                const GemmF32Weights packed = packGemmF32Weights(filter.data(), c.outC, int32_t(g.patchSize()), bias.data(), biasFirst);
                for (ThreadPool* usedPool : {static_cast<ThreadPool*>(nullptr), &pool}) {
                    std::vector<float> got(expected.size(), NAN);
                    conv2dF32(packed, g, input.data(), -1.0f, 1.0f, got.data(), usedPool);
                    QVERIFY2(std::memcmp(got.data(), expected.data(), sizeof(float) * got.size()) == 0,
                             qPrintable(QString("%1 %2->%3 k%4").arg(simdLevelName(level)).arg(c.inC).arg(c.outC).arg(c.kernel)));
                }
            }
        }
    }

    void depthwiseF32MatchesReferenceBits()
    {
        LevelGuard guard;
        ThreadPool pool(2);
        std::mt19937 rng(11);
        for (bool xnnpackOrder : {false, true})
        for (int channels : kAwkwardSizes)
            for (int stride : {1, 2}) {
                // 3x2 filter: column-major and row-major tap orders differ.
                const ConvGeometry g = makeGeometry(1, 14, 13, channels, 3, 2, stride, 1, true);
                const auto input = randomFloats(rng, size_t(14) * 13 * channels);
                const auto filter = randomFloats(rng, size_t(6) * channels);
                const auto bias = randomFloats(rng, size_t(channels));
                const auto expected = referenceConvF32(g, input, filter, bias, channels, true, 0.0f, 6.0f, xnnpackOrder);
                for (SimdLevel level : supportedLevels()) {
                    setSimdLevelLimit(level);
                    const DepthwiseF32Weights packed = packDepthwiseF32Weights(filter.data(), channels, 3, 2, bias.data(), xnnpackOrder);
                    for (ThreadPool* usedPool : {static_cast<ThreadPool*>(nullptr), &pool}) {
                        std::vector<float> got(expected.size(), NAN);
                        depthwiseConv2dF32(packed, g, input.data(), 0.0f, 6.0f, got.data(), usedPool);
                        QVERIFY2(std::memcmp(got.data(), expected.data(), sizeof(float) * got.size()) == 0,
                                 qPrintable(QString("%1, %2 channels, stride %3").arg(simdLevelName(level)).arg(channels).arg(stride)));
                    }
                }
            }
    }
};

QTEST_APPLESS_MAIN(TestOptimizedKernels)
#include "tst_optimized_kernels.moc"
