// MEAN against values derived by hand (and with a few lines of exact integer
// arithmetic, shown in the comments) from the three quantized paths that differ:
// TFLite's optimized Mean4D kernel (int8/uint8 over H,W with keep_dims), TFLite's
// reference QuantizedMeanOrSum (every other quantized mean) and XNNPACK's global
// average pooling (KernelMode::Xnnpack), plus float, int16, int32 and the errors.
#include <QtTest>

#include "layout_test_helpers.h"

using namespace rf;
using namespace rf::test;

namespace {

Graph meanGraph(DType dtype, Shape input, std::vector<int32_t> axes, bool keepDims, QuantParams inQuant = {},
                QuantParams outQuant = {}, bool constantAxes = true)
{
    Graph graph;
    const int32_t in = addTensor(graph, "mean_in", dtype, std::move(input), std::move(inQuant));
    const Shape axesShape{static_cast<int32_t>(axes.size())};
    const int32_t axesTensor =
        constantAxes ? addConstant(graph, "mean_axes", DType::Int32, axesShape, axes) : addTensor(graph, "mean_axes", DType::Int32, axesShape);
    const int32_t out = addTensor(graph, "mean_out", dtype, {}, std::move(outQuant));
    Op& op = addOp(graph, OpType::Mean, {in, axesTensor}, {out});
    op.attrs.keepDims = keepDims;
    graph.inputs = constantAxes ? std::vector<int32_t>{in} : std::vector<int32_t>{in, axesTensor};
    graph.outputs = {out};
    return graph;
}

// int8 1x2x2x3, input scale 0.3 zero point -3, output scale 0.2 zero point 2. Per channel:
// c0 = {10, 11, 13, 17} (sum 51), c1 = {-128, -100, 5, 127} (sum -96), c2 = {10, 11, 13, 14} (sum 48).
const std::vector<int8_t> kMeanInput{10, -128, 10, 11, -100, 11, 13, 5, 13, 17, 127, 14};

} // namespace

class TestReduceOps : public QObject {
    Q_OBJECT
private slots:
    void floatMeanOverHeightWidth()
    {
        const RunResult r = runGraph(meanGraph(DType::Float32, {1, 2, 2, 2}, {1, 2}, true),
                                     {bytesOf(std::vector<float>{1, 10, 2, 20, 3, 30, 4, 50})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 1, 1, 2}));
        QCOMPARE(r.output<float>(), (std::vector<float>{2.5f, 27.5f}));
    }

    void floatMeanLastAxisDropsDimension()
    {
        const RunResult r =
            runGraph(meanGraph(DType::Float32, {2, 3}, {-1}, false), {bytesOf(std::vector<float>{1, 2, 3, 4, 5, 7})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{2}));
        QCOMPARE(r.output<float>(), (std::vector<float>{2.0f, 16.0f / 3.0f}));
    }

    void duplicateAxesCountOnce()
    {
        const RunResult r = runGraph(meanGraph(DType::Float32, {2, 2, 1}, {1, -2}, false),
                                     {bytesOf(std::vector<float>{1, 3, 5, 9})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{2, 1}));
        QCOMPARE(r.output<float>(), (std::vector<float>{2.0f, 7.0f}));
    }

    void int8Mean4DPathKeepDims()
    {
        // TFLite optimized Mean4D: bias = 2 - (int)(-3*0.3/0.2 - 0.5) = 2 - (-5) = 7 (float math),
        // multiplier = QuantizeMultiplier(0.3 / (4 * 0.2) = 0.375) = 0.75 * 2^31 with shift -1.
        // sum * 0.375 rounded by the fixed point steps: 51 -> 19 (19.125), -96 -> -36, 48 -> 18;
        // plus 7: 26, -29, 25.
        const RunResult r = runGraph(meanGraph(DType::Int8, {1, 2, 2, 3}, {1, 2}, true, quant(0.3f, -3), quant(0.2f, 2)),
                                     {bytesOf(kMeanInput)});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 1, 1, 3}));
        QCOMPARE(r.output<int8_t>(), (std::vector<int8_t>{26, -29, 25}));
    }

    void int8GeneralPathWithoutKeepDims()
    {
        // Reference QuantizedMeanOrSum: QuantizeMultiplier(0.3f/0.2f = 1.50000004 in double) with
        // 1/4 folded in (multiplier * 2^2 / 4, shift - 2) is 1610612776 * 2^-32, i.e. 0.37500001.
        // (sum + 3*4) * 0.37500001: 63 -> 23.625 -> 24, -84 -> -31.5000008 -> -32,
        // 60 -> 22.5000006 -> 23; plus the zero point 2.
        const RunResult r = runGraph(meanGraph(DType::Int8, {1, 2, 2, 3}, {1, 2}, false, quant(0.3f, -3), quant(0.2f, 2)),
                                     {bytesOf(kMeanInput)});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 3}));
        QCOMPARE(r.output<int8_t>(), (std::vector<int8_t>{26, -30, 25}));
    }

    void int8XnnpackGlobalAveragePooling()
    {
        // XNNPACK: scale = 0.3f / (0.2f * 4) = 0.375f, acc = sum + 4*3: 63*0.375 = 23.625 -> 24,
        // -84*0.375 = -31.5 -> -32 (ties to even), 60*0.375 = 22.5 -> 22 (ties to even); plus 2.
        // Both keep_dims settings are lowered to the same operator.
        for (bool keepDims : {true, false}) {
            const RunResult r =
                runGraph(meanGraph(DType::Int8, {1, 2, 2, 3}, {2, 1}, keepDims, quant(0.3f, -3), quant(0.2f, 2)),
                         {bytesOf(kMeanInput)}, KernelMode::Xnnpack);
            QVERIFY2(r.interpreter, r.error.c_str());
            QCOMPARE(r.output<int8_t>(), (std::vector<int8_t>{26, -30, 24}));
        }
        // Negative axes are not delegated (the delegate compares the raw values): builtin Mean4D.
        const RunResult r = runGraph(meanGraph(DType::Int8, {1, 2, 2, 3}, {-3, -2}, true, quant(0.3f, -3), quant(0.2f, 2)),
                                     {bytesOf(kMeanInput)}, KernelMode::Xnnpack);
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.output<int8_t>(), (std::vector<int8_t>{26, -29, 25}));
    }

    void uint8MeanOverChannels()
    {
        // Same scale in and out (multiplier 2^30, shift 1); 1/3 folded in: (2^31)/3 = 715827882, shift 0.
        // (392 - 3*128) = 8 -> 8/3 = 2.67 -> 3 -> 131; (256 - 384) = -128 -> -42.67 -> -43 -> 85.
        const RunResult r = runGraph(meanGraph(DType::UInt8, {1, 1, 2, 3}, {3}, false, quant(0.5f, 128), quant(0.5f, 128)),
                                     {bytesOf(std::vector<uint8_t>{130, 131, 131, 0, 1, 255})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 1, 2}));
        QCOMPARE(r.output<uint8_t>(), (std::vector<uint8_t>{131, 85}));
    }

    void int16MeanShowsDoubleRounding()
    {
        // 0.002/0.003: multiplier 1431655821 (0.6667 * 2^31), shift 0; 1/2 folded in: shift -1.
        // Sums 202 and -17: SaturatingRoundingDoublingHighMul gives 134.67 -> 135 and -11.33 -> -11,
        // then RoundingDivideByPOT by 2: 67.5 -> 68 and -5.5 -> -6 (the exact means are 67.33, -5.67).
        const RunResult r = runGraph(meanGraph(DType::Int16, {1, 2, 2}, {1}, false, quant(0.002f, 0), quant(0.003f, 0)),
                                     {bytesOf(std::vector<int16_t>{100, -7, 102, -10})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.output<int16_t>(), (std::vector<int16_t>{68, -6}));
    }

    void int16GlobalMeanWithoutKeepDimsByKernelMode()
    {
        // The configuration of the int16x8 Teachable Machine export's MEAN (7x7 pixels over
        // axes {1, 2}, keep_dims false, scales 1.8311e-4 -> 1.3281e-4), on two channels whose
        // sums (15796 and 692) were seen in that model. Current TFLite (EvalQuantizedMean ->
        // reference QuantizedMeanOrSum): ratio 1.37879 gives multiplier 1480464897, shift 1;
        // 1/49 folded in: (1480464897 << 5) / 49 = 966834218, shift -4. SRDHM:
        // 15796 * 966834218 / 2^31 = 7111.63 -> 7112, 692 -> 311.55 -> 312; RoundingDivideByPOT
        // by 4: 444.5 -> 445 and 19.5 -> 20. The WASM oracle's older kernel rounds the float
        // mean once: 15796 / 49 * 1.37879 = 444.48 -> 444, 19.47 -> 19 (KernelMode::Xnnpack).
        std::vector<int16_t> input;
        for (int pixel = 0; pixel < 49; ++pixel) {
            input.push_back(pixel == 0 ? 340 : 322); // 340 + 48 * 322 = 15796
            input.push_back(pixel == 0 ? 20 : 14);   // 20 + 48 * 14 = 692
        }
        const auto graph = [] {
            return meanGraph(DType::Int16, {1, 7, 7, 2}, {1, 2}, false, quant(0.0001831110566854477f, 0),
                             quant(0.00013280558050610125f, 0));
        };
        const RunResult builtin = runGraph(graph(), {bytesOf(input)});
        QVERIFY2(builtin.interpreter, builtin.error.c_str());
        QCOMPARE(builtin.shape(), (Shape{1, 2}));
        QCOMPARE(builtin.output<int16_t>(), (std::vector<int16_t>{445, 20}));
        const RunResult xnnpack = runGraph(graph(), {bytesOf(input)}, KernelMode::Xnnpack);
        QVERIFY2(xnnpack.interpreter, xnnpack.error.c_str());
        QCOMPARE(xnnpack.output<int16_t>(), (std::vector<int16_t>{444, 19}));
    }

    void int32MeanTruncates()
    {
        const RunResult r =
            runGraph(meanGraph(DType::Int32, {2, 2}, {1}, true), {bytesOf(std::vector<int32_t>{-3, -4, 5, 6})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{2, 1}));
        QCOMPARE(r.output<int32_t>(), (std::vector<int32_t>{-3, 5}));
    }

    void xnnpackModeUsesTheReferenceRuntimesOwnKernelWhenNotDelegated()
    {
        // Mean over the last axis with equal parameters: the current builtin kernel requantizes
        // (sum * 2^30 * 2^-31 with rounding: -7 -> -3.5 -> -3, 11 -> 5.5 -> 6); the reference
        // runtime's older kernel divides the sum by the count in C: -7/2 = -3, 11/2 = 5.
        const std::vector<int8_t> input{-3, -4, 5, 6};
        const RunResult builtin =
            runGraph(meanGraph(DType::Int8, {1, 2, 2}, {2}, false, quant(0.5f, 0), quant(0.5f, 0)), {bytesOf(input)});
        QVERIFY2(builtin.interpreter, builtin.error.c_str());
        QCOMPARE(builtin.output<int8_t>(), (std::vector<int8_t>{-3, 6}));
        const RunResult xnnpack = runGraph(meanGraph(DType::Int8, {1, 2, 2}, {2}, false, quant(0.5f, 0), quant(0.5f, 0)),
                                           {bytesOf(input)}, KernelMode::Xnnpack);
        QVERIFY2(xnnpack.interpreter, xnnpack.error.c_str());
        QCOMPARE(xnnpack.output<int8_t>(), (std::vector<int8_t>{-3, 5}));
    }

    void floatXnnpackMultipliesByReciprocal()
    {
        // Nine pixels take XNNPACK's multipass kernel; integer sums are exact in any order,
        // so the result is 45 * (1/9) in float, against 45 / 9 = 5 for the builtin kernel.
        std::vector<float> input{1, 2, 3, 4, 5, 6, 7, 8, 9};
        const RunResult x = runGraph(meanGraph(DType::Float32, {1, 3, 3, 1}, {1, 2}, true), {bytesOf(input)},
                                     KernelMode::Xnnpack);
        QVERIFY2(x.interpreter, x.error.c_str());
        QCOMPARE(x.output<float>()[0], 45.0f * (1.0f / 9.0f));
        const RunResult b = runGraph(meanGraph(DType::Float32, {1, 3, 3, 1}, {1, 2}, true), {bytesOf(input)});
        QCOMPARE(b.output<float>()[0], 5.0f);
    }

    void rejectsInvalidMeans()
    {
        std::string error = prepareError(meanGraph(DType::Float32, {1, 2, 2, 1}, {4}, false));
        QVERIFY2(error.find("MEAN") != std::string::npos && error.find("out of range") != std::string::npos, error.c_str());
        error = prepareError(meanGraph(DType::Float32, {1, 2, 2, 1}, {1}, false, {}, {}, false));
        QVERIFY2(error.find("'mean_axes'") != std::string::npos && error.find("constant") != std::string::npos,
                 error.c_str());
        error = prepareError(meanGraph(DType::Int16, {1, 2}, {1}, false, quant(0.1f, 3), quant(0.1f, 0)));
        QVERIFY2(error.find("zero points of 0") != std::string::npos, error.c_str());
        error = prepareError(meanGraph(DType::Int8, {1, 2}, {1}, false));
        QVERIFY2(error.find("quantization") != std::string::npos, error.c_str());
    }
};

QTEST_APPLESS_MAIN(TestReduceOps)
#include "tst_reduce_ops.moc"
