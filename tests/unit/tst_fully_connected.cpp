// FULLY_CONNECTED on small hand-built graphs: float with input flattening and
// keep_num_dims, int8 in both kernel modes (ties that the two requantizations round
// differently), uint8 with a weight zero point, int16x8 (which kernel path the bias type
// selects, and its rounding per mode), and the hybrid (dynamic range)
// kernel with symmetric and asymmetric input quantization. Expected values are worked out
// by hand in the comments.
#include <QtTest>

#include <cmath>

#include "runtime/interpreter.h"
#include "test_support.h"

using namespace rf;
using namespace rf::test;

namespace {

QuantParams quant(float scale, int64_t zeroPoint)
{
    QuantParams q;
    q.scales = {scale};
    q.zeroPoints = {zeroPoint};
    return q;
}

template <typename T, typename In>
std::vector<T> runGraph(Graph graph, const std::vector<In>& input, KernelMode mode = KernelMode::Builtin,
                        Shape* outputShape = nullptr)
{
    InterpreterOptions options;
    options.mode = mode;
    auto created = Interpreter::create(std::move(graph), options);
    if (!created.isOk()) {
        qWarning("%s", created.message().c_str());
        return {};
    }
    auto& interpreter = created.value();
    if (!interpreter->setInput(0, input.data(), input.size() * sizeof(In)).isOk()) return {};
    if (!interpreter->invoke().isOk()) return {};
    const TensorValue& out = interpreter->output(0);
    if (outputShape) *outputShape = out.shape();
    const auto values = out.span<T>();
    return std::vector<T>(values.begin(), values.end());
}

/// FULLY_CONNECTED graph; `bias` may be empty (no bias input).
template <typename W, typename B>
Graph fcGraph(DType ioType, Shape inputShape, QuantParams inputQuant, DType weightType, Shape weightShape,
              const std::vector<W>& weights, QuantParams weightQuant, DType biasType, const std::vector<B>& bias,
              QuantParams outputQuant)
{
    Graph g;
    const int32_t in = addTensor(g, "input", ioType, std::move(inputShape), std::move(inputQuant));
    const int32_t w = addConstant(g, "weights", weightType, weightShape, weights, std::move(weightQuant));
    const int32_t b = bias.empty() ? kNoTensor : addConstant(g, "bias", biasType, {weightShape[0]}, bias);
    const int32_t out = addTensor(g, "output", ioType, {}, std::move(outputQuant));
    addOp(g, OpType::FullyConnected, {in, w, b}, {out});
    g.inputs = {in};
    g.outputs = {out};
    return g;
}

} // namespace

class TestFullyConnected : public QObject {
    Q_OBJECT
private slots:
    void floatFlattensAndKeepsDims()
    {
        // Input [2, 3, 2] with depth 2 -> 6 batch rows; weights [[1, 2], [3, -1]], bias (0.5, 0).
        // Row (x, y) -> (x + 2y + 0.5, 3x - y). Rows: (1,2),(3,4),(5,6),(7,8),(9,10),(11,12).
        std::vector<float> input{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        const std::vector<float> expected{5.5f, 1, 11.5f, 5, 17.5f, 9, 23.5f, 13, 29.5f, 17, 35.5f, 21};
        Graph g = fcGraph<float, float>(DType::Float32, {2, 3, 2}, {}, DType::Float32, {2, 2}, {1, 2, 3, -1}, {},
                                        DType::Float32, {0.5f, 0.0f}, {});
        Shape shape;
        QCOMPARE(runGraph<float>(g, input, KernelMode::Builtin, &shape), expected);
        QCOMPARE(shape, (Shape{6, 2}));
        g.ops[0].attrs.keepNumDims = true;
        QCOMPARE(runGraph<float>(g, input, KernelMode::Builtin, &shape), expected);
        QCOMPARE(shape, (Shape{2, 3, 2}));
        // Without a bias and with RELU: (x + 2y, max(3x - y, 0)) on row (1, 5) -> (11, 0).
        Graph noBias = fcGraph<float, float>(DType::Float32, {1, 2}, {}, DType::Float32, {2, 2}, {1, 2, 3, -1}, {},
                                             DType::Float32, {}, {});
        noBias.ops[0].attrs.activation = FusedActivation::Relu;
        QCOMPARE(runGraph<float>(noBias, std::vector<float>{1, 5}), (std::vector<float>{11, 0}));
    }

    void int8TiesRoundDifferentlyPerMode()
    {
        // Weight 1 with scale 0.5, input and output scale 1: multiplier 0.5, so inputs
        // 5, -5, 1, -3 give exact ties 2.5, -2.5, 0.5, -1.5.
        // Builtin (double rounding, ties toward +infinity in the high multiply): 3, -2, 1, -1.
        // XNNPACK (fp32, ties to even): 2, -2, 0, -2.
        const Graph g = fcGraph<int8_t, int32_t>(DType::Int8, {4, 1}, quant(1.0f, 0), DType::Int8, {1, 1}, {1},
                                                 quant(0.5f, 0), DType::Int32, {0}, quant(1.0f, 0));
        const std::vector<int8_t> input{5, -5, 1, -3};
        QCOMPARE(runGraph<int8_t>(g, input, KernelMode::Builtin), (std::vector<int8_t>{3, -2, 1, -1}));
        QCOMPARE(runGraph<int8_t>(g, input, KernelMode::Xnnpack), (std::vector<int8_t>{2, -2, 0, -2}));
    }

    void int8PerChannelAndRelu()
    {
        // Input scale 0.5 zp 10; per-channel weight scales (0.5, 0.25); output scale 0.25 zp -5.
        // Multipliers 1.0 and 0.5. Input (14, 6) -> (4, -4). Rows (3, 1) and (-2, 7), bias (1, 3).
        //   u0: 12 - 4 + 1 = 9 -> 9 -> 4;   u1: -8 - 28 + 3 = -33 -> -16.5 -> -16 (builtin), -16 (even)
        //   -> -21. With RELU the floor is the zero point -5.
        Graph g = fcGraph<int8_t, int32_t>(DType::Int8, {1, 2}, quant(0.5f, 10), DType::Int8, {2, 2}, {3, 1, -2, 7}, {},
                                           DType::Int32, {1, 3}, quant(0.25f, -5));
        QuantParams perChannel;
        perChannel.scales = {0.5f, 0.25f};
        perChannel.zeroPoints = {0, 0};
        g.tensors[g.ops[0].inputs[1]].quant = perChannel;
        for (const auto mode : {KernelMode::Builtin, KernelMode::Xnnpack})
            QCOMPARE(runGraph<int8_t>(g, std::vector<int8_t>{14, 6}, mode), (std::vector<int8_t>{4, -21}));
        g.ops[0].attrs.activation = FusedActivation::Relu;
        for (const auto mode : {KernelMode::Builtin, KernelMode::Xnnpack})
            QCOMPARE(runGraph<int8_t>(g, std::vector<int8_t>{14, 6}, mode), (std::vector<int8_t>{4, -5}));
    }

    void relu6ClampPerMode()
    {
        // Output scale 4, zero point 1, RELU6: the upper bound is 6 / 4 = 1.5 steps above the
        // zero point. TFLite: 1 + round(1.5) = 3 (half away from zero). XNNPACK:
        // lrintf(1.5 + 1) = 2 (half to even). An input of 100 (real 100) saturates.
        Graph g = fcGraph<int8_t, int32_t>(DType::Int8, {1, 1}, quant(1.0f, 0), DType::Int8, {1, 1}, {1}, quant(1.0f, 0),
                                           DType::Int32, {0}, quant(4.0f, 1));
        g.ops[0].attrs.activation = FusedActivation::Relu6;
        QCOMPARE(runGraph<int8_t>(g, std::vector<int8_t>{100}, KernelMode::Builtin), (std::vector<int8_t>{3}));
        QCOMPARE(runGraph<int8_t>(g, std::vector<int8_t>{100}, KernelMode::Xnnpack), (std::vector<int8_t>{2}));
    }

    void uint8WithWeightZeroPoint()
    {
        // Input scale 0.5 zp 128, weights scale 0.25 zp 120, output scale 0.5 zp 100:
        // multiplier 0.25. Input (130, 126) -> (2, -2); rows (124, 118), (120, 140) -> (4, -2),
        // (0, 20); bias (10, -3).
        //   u0: 8 + 4 + 10 = 22 -> 5.5 -> 6 -> 106 in both modes.
        //   u1: -40 - 3 = -43 -> -10.75. XNNPACK: -11 -> 89. Builtin (ruy GEMM): the high
        //   multiply gives round(-21.5) = -21 (ties up), the shift by 1 gives -10.5 -> -10
        //   (ties up again) -> 90; the reference kernel's away-from-zero shift would give 89.
        const Graph g = fcGraph<uint8_t, int32_t>(DType::UInt8, {1, 2}, quant(0.5f, 128), DType::UInt8, {2, 2},
                                                  {124, 118, 120, 140}, quant(0.25f, 120), DType::Int32, {10, -3},
                                                  quant(0.5f, 100));
        QCOMPARE(runGraph<uint8_t>(g, std::vector<uint8_t>{130, 126}, KernelMode::Builtin), (std::vector<uint8_t>{106, 90}));
        QCOMPARE(runGraph<uint8_t>(g, std::vector<uint8_t>{130, 126}, KernelMode::Xnnpack), (std::vector<uint8_t>{106, 89}));
    }

    void int16x8()
    {
        // Input scale 1/64, weights scale 1/32, output scale 1/16: multiplier 1/128.
        // Input (1000, -2000), rows (100, 50) and (-7, 3), int64 bias (64, -64).
        //   u0: 100000 - 100000 + 64 = 64 -> 0.5 -> 1 (the 64-bit multiplier rounds half up).
        //   u1: -7000 - 6000 - 64 = -13064 -> -102.0625 -> -102.
        const Graph g = fcGraph<int8_t, int64_t>(DType::Int16, {1, 2}, quant(1.0f / 64, 0), DType::Int8, {2, 2},
                                                 {100, 50, -7, 3}, quant(1.0f / 32, 0), DType::Int64, {64, -64},
                                                 quant(1.0f / 16, 0));
        QCOMPARE(runGraph<int16_t>(g, std::vector<int16_t>{1000, -2000}), (std::vector<int16_t>{1, -102}));
    }

    void int16x8KernelPathByBias()
    {
        // Weights (1, 1) and (-1, -1), per-tensor scale 0.3 (float 0.300000012), input and
        // output scale 1: multiplier 0.300000012 = 1288490240 * 2^-31 * 2^-1. Input
        // (32767, 3901): accumulators +-36668 -> +-11000.4004.
        //  - int64 bias: the reference kernel's 64-bit multiplier (rounded to 16 bits,
        //    19661 / 2^16 = 0.3000031) gives +-11000.512 -> (11001, -11001);
        //  - int32 bias or none: TFLite's 32-bit GEMM path. Xnnpack mode (the WASM runtime:
        //    ruy's portable kernel, one rounding) gives (11000, -11000); Builtin mode
        //    (x86 GEMM: SRDHM to round(22000.8) = 22001, then a shift with ties upward)
        //    gives (11001, -11000).
        const std::vector<int16_t> input{32767, 3901};
        const auto graph = [](DType biasType, bool withBias) {
            if (biasType == DType::Int64)
                return fcGraph<int8_t, int64_t>(DType::Int16, {1, 2}, quant(1.0f, 0), DType::Int8, {2, 2}, {1, 1, -1, -1},
                                                 quant(0.3f, 0), DType::Int64, {0, 0}, quant(1.0f, 0));
            return fcGraph<int8_t, int32_t>(DType::Int16, {1, 2}, quant(1.0f, 0), DType::Int8, {2, 2}, {1, 1, -1, -1},
                                             quant(0.3f, 0), DType::Int32, withBias ? std::vector<int32_t>{0, 0}
                                                                                    : std::vector<int32_t>{},
                                             quant(1.0f, 0));
        };
        for (const KernelMode mode : {KernelMode::Builtin, KernelMode::Xnnpack})
            QCOMPARE(runGraph<int16_t>(graph(DType::Int64, true), input, mode), (std::vector<int16_t>{11001, -11001}));
        for (const bool withBias : {true, false}) {
            QCOMPARE(runGraph<int16_t>(graph(DType::Int32, withBias), input, KernelMode::Xnnpack),
                     (std::vector<int16_t>{11000, -11000}));
            QCOMPARE(runGraph<int16_t>(graph(DType::Int32, withBias), input, KernelMode::Builtin),
                     (std::vector<int16_t>{11001, -11000}));
        }
    }

    void hybridSymmetric()
    {
        // Input (1, -0.5, 0.25): max |x| = 1, so q = round(x * 127) = (127, -64 (from -63.5), 32),
        // batch scale 1/127. Weights [[127, -64, 10], [0, 1, 2]], per-tensor scale 0.01, bias
        // (0.1, -0.2).
        //   u0: 16129 + 4096 + 320 = 20545 -> 0.1 + 20545 * 0.01 / 127
        //   u1: -64 + 64 = 0 -> -0.2
        const Graph g = fcGraph<int8_t, float>(DType::Float32, {1, 3}, {}, DType::Int8, {2, 3}, {127, -64, 10, 0, 1, 2},
                                               quant(0.01f, 0), DType::Float32, {0.1f, -0.2f}, {});
        const auto out = runGraph<float>(g, std::vector<float>{1.0f, -0.5f, 0.25f});
        QCOMPARE(out.size(), size_t{2});
        const double expected0 = 0.1 + 20545.0 * 0.01 / 127.0;
        QVERIFY2(std::abs(out[0] - expected0) <= 1e-6 * expected0, qPrintable(QString::number(out[0], 'g', 9)));
        QCOMPARE(out[1], -0.2f);
    }

    void hybridAsymmetricPerChannel()
    {
        // asymmetric_quantize_inputs: input (0, 1, 2, 3) -> range [0, 3], scale 3/255,
        // zero point -128 (from min 0); q = round(-128 + x * 85) = (-128, -43, 42, 127).
        // Dot products subtract the zero point: (x_q + 128) = (0, 85, 170, 255).
        // Weights rows (1, 1, 1, 1) scale 0.5 and (2, 0, 0, -1) scale 0.25:
        //   u0: 510 * (3/255) * 0.5 = 3.0;   u1: (0 - 255) * (3/255) * 0.25 = -0.75.
        Graph g = fcGraph<int8_t, float>(DType::Float32, {1, 4}, {}, DType::Int8, {2, 4}, {1, 1, 1, 1, 2, 0, 0, -1}, {},
                                         DType::Float32, {}, {});
        QuantParams perChannel;
        perChannel.scales = {0.5f, 0.25f};
        perChannel.zeroPoints = {0, 0};
        g.tensors[g.ops[0].inputs[1]].quant = perChannel;
        g.ops[0].attrs.asymmetricQuantizeInputs = true;
        const auto out = runGraph<float>(g, std::vector<float>{0, 1, 2, 3});
        QCOMPARE(out.size(), size_t{2});
        QVERIFY2(std::abs(out[0] - 3.0f) <= 1e-5f, qPrintable(QString::number(out[0], 'g', 9)));
        QVERIFY2(std::abs(out[1] + 0.75f) <= 1e-5f, qPrintable(QString::number(out[1], 'g', 9)));
    }

    void rejectsMismatchedShapesAndTypes()
    {
        // Seven input elements cannot be split into rows of depth 2.
        Graph g = fcGraph<float, float>(DType::Float32, {1, 7}, {}, DType::Float32, {2, 2}, {1, 2, 3, 4}, {},
                                        DType::Float32, {0, 0}, {});
        auto created = Interpreter::create(g);
        QVERIFY(!created.isOk());
        QVERIFY2(created.message().find("input") != std::string::npos &&
                     created.message().find("not a multiple") != std::string::npos,
                 created.message().c_str());
        // Bias with the wrong length.
        g = fcGraph<float, float>(DType::Float32, {1, 2}, {}, DType::Float32, {2, 2}, {1, 2, 3, 4}, {}, DType::Float32,
                                  {0, 0, 0}, {});
        g.tensors[g.ops[0].inputs[2]].shape = {3};
        created = Interpreter::create(g);
        QVERIFY(!created.isOk());
        QVERIFY2(created.message().find("bias") != std::string::npos, created.message().c_str());
        // Per-channel uint8 weights.
        Graph u8 = fcGraph<uint8_t, int32_t>(DType::UInt8, {1, 2}, quant(0.5f, 128), DType::UInt8, {2, 2},
                                             {1, 2, 3, 4}, quant(0.25f, 120), DType::Int32, {0, 0}, quant(0.5f, 100));
        QuantParams perChannel;
        perChannel.scales = {0.5f, 0.25f};
        perChannel.zeroPoints = {120, 120};
        u8.tensors[u8.ops[0].inputs[1]].quant = perChannel;
        created = Interpreter::create(u8);
        QVERIFY(!created.isOk());
        QVERIFY2(created.message().find("weights") != std::string::npos, created.message().c_str());
    }
};

QTEST_APPLESS_MAIN(TestFullyConnected)
#include "tst_fully_connected.moc"
