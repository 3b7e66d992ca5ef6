// AVERAGE_POOL_2D and MAX_POOL_2D against values worked out by hand from TFLite's
// definitions (window clipped to the input, padding cells excluded, quantized averages
// rounded half away from zero, fused activation clamps), plus a brute-force check on
// odd sizes and the validation errors.
#include <QtTest>

#include <cmath>

#include "layout_test_helpers.h"

using namespace rf;
using namespace rf::test;

namespace {

struct PoolSpec {
    OpType type = OpType::AveragePool2D;
    DType dtype = DType::Float32;
    Shape input;
    QuantParams inputQuant;
    QuantParams outputQuant;
    int filterH = 1, filterW = 1, strideH = 1, strideW = 1;
    Padding padding = Padding::Valid;
    FusedActivation activation = FusedActivation::None;
};

Graph poolGraph(const PoolSpec& spec)
{
    Graph graph;
    const int32_t in = addTensor(graph, "pool_in", spec.dtype, spec.input, spec.inputQuant);
    const int32_t out = addTensor(graph, "pool_out", spec.dtype, {}, spec.outputQuant);
    Op& op = addOp(graph, spec.type, {in}, {out});
    op.attrs.filterH = spec.filterH;
    op.attrs.filterW = spec.filterW;
    op.attrs.strideH = spec.strideH;
    op.attrs.strideW = spec.strideW;
    op.attrs.padding = spec.padding;
    op.attrs.activation = spec.activation;
    graph.inputs = {in};
    graph.outputs = {out};
    return graph;
}

template <typename T>
RunResult runPool(const PoolSpec& spec, const std::vector<T>& input, KernelMode mode = KernelMode::Builtin, int threads = 1)
{
    return runGraph(poolGraph(spec), {bytesOf(input)}, mode, threads);
}

} // namespace

class TestPoolOps : public QObject {
    Q_OBJECT
private slots:
    void floatAverageValid()
    {
        PoolSpec spec;
        spec.input = {1, 4, 4, 1};
        spec.filterH = spec.filterW = 2;
        spec.strideH = spec.strideW = 2;
        std::vector<float> input(16);
        for (int i = 0; i < 16; ++i) input[i] = static_cast<float>(i + 1);
        const RunResult r = runPool(spec, input);
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 2, 2, 1}));
        // (1+2+5+6)/4, (3+4+7+8)/4, (9+10+13+14)/4, (11+12+15+16)/4
        QCOMPARE(r.output<float>(), (std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f}));
    }

    void floatAverageSamePaddingExcludesBorderCells()
    {
        // 3x3 window, stride 1, SAME on 3x3: one cell of padding all round; corners
        // average 4 cells, edges 6, the centre 9.
        PoolSpec spec;
        spec.input = {1, 3, 3, 1};
        spec.filterH = spec.filterW = 3;
        spec.padding = Padding::Same;
        const std::vector<float> input{1, 2, 3, 4, 5, 6, 7, 8, 9};
        const RunResult r = runPool(spec, input);
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 3, 3, 1}));
        QCOMPARE(r.output<float>(), (std::vector<float>{12.0f / 4, 21.0f / 6, 16.0f / 4, 27.0f / 6, 45.0f / 9, 33.0f / 6,
                                                        24.0f / 4, 39.0f / 6, 28.0f / 4}));
    }

    void floatAverageSameStrideTwoClipsBottomRight()
    {
        // 2x2 window, stride 2, SAME on 3x3: output 2x2, padding ((2-1)*2+2-3)/2 = 0 before,
        // so the last row/column windows hang over the end and keep 2 or 1 cells.
        PoolSpec spec;
        spec.input = {1, 3, 3, 1};
        spec.filterH = spec.filterW = 2;
        spec.strideH = spec.strideW = 2;
        spec.padding = Padding::Same;
        const std::vector<float> input{1, 2, 3, 4, 5, 6, 7, 8, 9};
        const RunResult r = runPool(spec, input);
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 2, 2, 1}));
        QCOMPARE(r.output<float>(), (std::vector<float>{3.0f, 4.5f, 7.5f, 9.0f}));
    }

    void int8AverageRoundsHalfAwayFromZero()
    {
        // 1x2 window over 2 pixels, 6 channels: pairs (-3,-2) (3,2) (1,2) (-1,-2) (-1,0) (127,127)
        // average -2.5 2.5 1.5 -1.5 -0.5 127 -> -3 3 2 -2 -1 127.
        PoolSpec spec;
        spec.dtype = DType::Int8;
        spec.input = {1, 1, 2, 6};
        spec.inputQuant = spec.outputQuant = quant(1.0f, 0);
        spec.filterW = 2;
        const std::vector<int8_t> input{-3, 3, 1, -1, -1, 127, -2, 2, 2, -2, 0, 127};
        const RunResult r = runPool(spec, input);
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 1, 1, 6}));
        QCOMPARE(r.output<int8_t>(), (std::vector<int8_t>{-3, 3, 2, -2, -1, 127}));
    }

    void int8AverageOfThreeTruncatesAfterBias()
    {
        // Sums 4, 5, -5, -4 over 3 cells: (4+1)/3=1, (5+1)/3=2, (-5-1)/3=-2, (-4-1)/3=-1.
        PoolSpec spec;
        spec.dtype = DType::Int8;
        spec.input = {1, 1, 3, 4};
        spec.inputQuant = spec.outputQuant = quant(0.5f, -3);
        spec.filterW = 3;
        const std::vector<int8_t> input{1, 1, -1, -1, 1, 2, -2, -1, 2, 2, -2, -2};
        const RunResult r = runPool(spec, input);
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.output<int8_t>(), (std::vector<int8_t>{1, 2, -2, -1}));
    }

    void uint8AverageWithRelu6Clamp()
    {
        // scale 0.1, zero point 10: RELU6 keeps [10 + round(0/0.1), 10 + round(6/0.1)] = [10, 70].
        // Pairs (100,101) -> 101 -> 70; (3,4) -> 4 -> 10; (30,33) -> 32.
        PoolSpec spec;
        spec.dtype = DType::UInt8;
        spec.input = {1, 1, 2, 3};
        spec.inputQuant = spec.outputQuant = quant(0.1f, 10);
        spec.filterW = 2;
        spec.activation = FusedActivation::Relu6;
        const std::vector<uint8_t> input{100, 3, 30, 101, 4, 33};
        const RunResult r = runPool(spec, input);
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.output<uint8_t>(), (std::vector<uint8_t>{70, 10, 32}));
    }

    void int16Average()
    {
        PoolSpec spec;
        spec.dtype = DType::Int16;
        spec.input = {2, 2, 2, 1};
        spec.inputQuant = spec.outputQuant = quant(0.001f, 0);
        spec.filterH = spec.filterW = 2;
        // 1006/4 = 251.5 -> 252 and -1006/4 -> -252.
        const std::vector<int16_t> input{1000, -3, 7, 2, -1000, 3, -7, -2};
        const RunResult r = runPool(spec, input);
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{2, 1, 1, 1}));
        QCOMPARE(r.output<int16_t>(), (std::vector<int16_t>{252, -252}));
    }

    void int8MaxWithReluAndSamePadding()
    {
        // zero point -5: RELU clamps below at -5. 2x2 windows, stride 2, SAME on 3x3.
        PoolSpec spec;
        spec.type = OpType::MaxPool2D;
        spec.dtype = DType::Int8;
        spec.input = {1, 3, 3, 1};
        spec.inputQuant = spec.outputQuant = quant(0.5f, -5);
        spec.filterH = spec.filterW = 2;
        spec.strideH = spec.strideW = 2;
        spec.padding = Padding::Same;
        spec.activation = FusedActivation::Relu;
        const std::vector<int8_t> input{-10, -7, 3, -6, -20, -9, 4, -8, -30};
        const RunResult r = runPool(spec, input);
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.output<int8_t>(), (std::vector<int8_t>{-5, 3, 4, -5}));
    }

    void floatMaxWithRelu6()
    {
        PoolSpec spec;
        spec.type = OpType::MaxPool2D;
        spec.input = {1, 2, 3, 1};
        spec.filterH = 2;
        spec.filterW = 2;
        spec.activation = FusedActivation::Relu6;
        // Windows over columns (0,1) and (1,2): max(-1,3,-4,-2)=3, max(3,7.5,-2,0.5)=7.5 -> 6.
        const std::vector<float> input{-1, 3, 7.5f, -4, -2, 0.5f};
        const RunResult r = runPool(spec, input);
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 1, 2, 1}));
        QCOMPARE(r.output<float>(), (std::vector<float>{3.0f, 6.0f}));
    }

    void oddSizesMatchBruteForceAndThreadCount()
    {
        // 2x5x7x3 input, 3x2 window, strides 2x3, SAME: output ceil(5/2)=3 x ceil(7/3)=3,
        // padding top ((3-1)*2+3-5)/2 = 1, left ((3-1)*3+2-7)/2 = 0.
        const int n = 2, h = 5, w = 7, c = 3, fh = 3, fw = 2, sh = 2, sw = 3, oh = 3, ow = 3, padTop = 1, padLeft = 0;
        std::vector<int8_t> input(n * h * w * c);
        for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<int8_t>((static_cast<int>(i) * 37 + 11) % 255 - 127);
        std::vector<int8_t> expectedAvg, expectedMax;
        for (int b = 0; b < n; ++b)
            for (int oy = 0; oy < oh; ++oy)
                for (int ox = 0; ox < ow; ++ox)
                    for (int ch = 0; ch < c; ++ch) {
                        int sum = 0, count = 0, best = -128;
                        for (int y = oy * sh - padTop; y < oy * sh - padTop + fh; ++y)
                            for (int x = ox * sw - padLeft; x < ox * sw - padLeft + fw; ++x) {
                                if (y < 0 || y >= h || x < 0 || x >= w) continue;
                                const int v = input[((b * h + y) * w + x) * c + ch];
                                sum += v;
                                ++count;
                                best = std::max(best, v);
                            }
                        // round(sum / count), halves away from zero, in exact arithmetic
                        const double exact = static_cast<double>(sum) / count;
                        expectedAvg.push_back(static_cast<int8_t>(exact < 0 ? -std::floor(-exact + 0.5) : std::floor(exact + 0.5)));
                        expectedMax.push_back(static_cast<int8_t>(best));
                    }
        PoolSpec spec;
        spec.dtype = DType::Int8;
        spec.input = {n, h, w, c};
        spec.inputQuant = spec.outputQuant = quant(0.25f, 0);
        spec.filterH = fh;
        spec.filterW = fw;
        spec.strideH = sh;
        spec.strideW = sw;
        spec.padding = Padding::Same;
        for (int threads : {1, 2}) {
            const RunResult avg = runPool(spec, input, KernelMode::Builtin, threads);
            QVERIFY2(avg.interpreter, avg.error.c_str());
            QCOMPARE(avg.shape(), (Shape{n, oh, ow, c}));
            QCOMPARE(avg.output<int8_t>(), expectedAvg);
            PoolSpec maxSpec = spec;
            maxSpec.type = OpType::MaxPool2D;
            const RunResult max = runPool(maxSpec, input, KernelMode::Builtin, threads);
            QVERIFY2(max.interpreter, max.error.c_str());
            QCOMPARE(max.output<int8_t>(), expectedMax);
        }
    }

    void xnnpackModeKeepsQuantizedPoolsAndScalesFloat()
    {
        // Quantized pools are not delegated: same bits in both modes.
        PoolSpec spec;
        spec.dtype = DType::Int8;
        spec.input = {1, 1, 2, 6};
        spec.inputQuant = spec.outputQuant = quant(1.0f, 0);
        spec.filterW = 2;
        const std::vector<int8_t> input{-3, 3, 1, -1, -1, 127, -2, 2, 2, -2, 0, 127};
        QCOMPARE(runPool(spec, input, KernelMode::Xnnpack).output<int8_t>(),
                 (std::vector<int8_t>{-3, 3, 2, -2, -1, 127}));
        // Float: XNNPACK multiplies by 1/count; 0.1+0.2+0.4 = 0.7 (float) times 1/3.
        PoolSpec floatSpec;
        floatSpec.input = {1, 1, 3, 1};
        floatSpec.filterW = 3;
        const RunResult r = runPool(floatSpec, std::vector<float>{0.1f, 0.2f, 0.4f}, KernelMode::Xnnpack);
        QVERIFY2(r.interpreter, r.error.c_str());
        const float sum = (0.1f + 0.2f) + 0.4f;
        QCOMPARE(r.output<float>()[0], sum * (1.0f / 3.0f));
        QVERIFY(std::fabs(r.output<float>()[0] - 0.7f / 3.0f) < 1e-7f);
    }

    void rejectsInvalidPools()
    {
        PoolSpec rank3;
        rank3.input = {4, 4, 1};
        std::string error = prepareError(poolGraph(rank3));
        QVERIFY2(error.find("AVERAGE_POOL_2D") != std::string::npos, error.c_str());
        QVERIFY2(error.find("'pool_in'") != std::string::npos && error.find("4-D") != std::string::npos, error.c_str());

        PoolSpec zeroStride;
        zeroStride.input = {1, 4, 4, 1};
        zeroStride.strideH = 0;
        error = prepareError(poolGraph(zeroStride));
        QVERIFY2(error.find("strides") != std::string::npos, error.c_str());

        PoolSpec rescaled;
        rescaled.type = OpType::MaxPool2D;
        rescaled.dtype = DType::Int8;
        rescaled.input = {1, 2, 2, 1};
        rescaled.inputQuant = quant(0.5f, 0);
        rescaled.outputQuant = quant(0.25f, 0);
        error = prepareError(poolGraph(rescaled));
        QVERIFY2(error.find("MAX_POOL_2D") != std::string::npos && error.find("same scale") != std::string::npos,
                 error.c_str());

        PoolSpec tanh;
        tanh.input = {1, 2, 2, 1};
        tanh.activation = FusedActivation::Tanh;
        error = prepareError(poolGraph(tanh));
        QVERIFY2(error.find("TANH") != std::string::npos || error.find("Tanh") != std::string::npos ||
                     error.find("activation") != std::string::npos,
                 error.c_str());

        PoolSpec tooBig;
        tooBig.input = {1, 2, 2, 1};
        tooBig.filterH = tooBig.filterW = 3;
        error = prepareError(poolGraph(tooBig));
        QVERIFY2(error.find("does not fit") != std::string::npos, error.c_str());

        PoolSpec noQuant;
        noQuant.dtype = DType::UInt8;
        noQuant.input = {1, 2, 2, 1};
        error = prepareError(poolGraph(noQuant));
        QVERIFY2(error.find("quantization") != std::string::npos, error.c_str());
    }
};

QTEST_APPLESS_MAIN(TestPoolOps)
#include "tst_pool_ops.moc"
