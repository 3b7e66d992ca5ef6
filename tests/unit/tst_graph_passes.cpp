// Graph passes: BatchNormalization (MUL+ADD) folding into CONV_2D / DEPTHWISE_CONV_2D /
// FULLY_CONNECTED, activation fusion, identity removal, float16 constant expansion.
// Folded graphs are compared with the unfused float graph run by the core, and the
// folded constants with values computed here by hand.
#include <QtTest>

#include <cstring>

#include "quant/graph_passes.h"
#include "quant/quantizer.h"
#include "quant/quantizer_math.h"
#include "quantizer_test_helpers.h"

using namespace rf;
using namespace rf::test;

namespace {

std::vector<float> constantValues(const Graph& g, int32_t t)
{
    const Tensor& tensor = g.tensors[static_cast<size_t>(t)];
    std::vector<float> v(static_cast<size_t>(tensor.elementCount()));
    std::memcpy(v.data(), tensor.data.data(), v.size() * sizeof(float));
    return v;
}

float maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b)
{
    if (a.size() != b.size()) return 1e30f;
    float m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
    return m;
}

} // namespace

class TestGraphPasses : public QObject {
    Q_OBJECT

private slots:
    void foldsBatchNormAndReluIntoConv()
    {
        const Graph original = smallCnn();
        Graph g = original;
        PassLog log;
        QVERIFY2(runConverterPasses(g, &log).isOk(), "passes failed");
        // conv1 + bn1 (MUL, ADD) + relu1 -> one CONV_2D; dw + relu2 -> one DEPTHWISE_CONV_2D.
        QCOMPARE(g.ops.size(), original.ops.size() - 4);
        QCOMPARE(g.ops[0].type, OpType::Conv2D);
        QCOMPARE(g.ops[0].attrs.activation, FusedActivation::Relu6);
        QCOMPARE(g.tensors[static_cast<size_t>(g.ops[0].outputs[0])].name, std::string("relu1"));
        QCOMPARE(g.ops[0].sourceLayers, (std::vector<std::string>{"conv1", "bn1", "relu1"}));
        QCOMPARE(g.ops[1].type, OpType::DepthwiseConv2D);
        QCOMPARE(g.ops[1].attrs.activation, FusedActivation::Relu);
        QCOMPARE(g.tensors[static_cast<size_t>(g.ops[1].outputs[0])].name, std::string("relu2"));
        QVERIFY(tensorByName(g, "bn1/mul_out") < 0); // intermediate tensors are gone
        QCOMPARE(log.lines.size(), size_t(4));

        // Folded constants, worked out here: w' = w * m[oc] (oc is axis 0), b' = b * m + a.
        const std::vector<float> m{1.5f, 0.75f, -0.5f, 2.0f}, a{0.1f, -0.3f, 0.2f, 0.05f};
        const std::vector<float> w = pseudoRandom(108, 1, -0.5f, 0.5f), b = pseudoRandom(4, 2, -0.2f, 0.2f);
        const std::vector<float> wf = constantValues(g, g.ops[0].inputs[1]);
        const std::vector<float> bf = constantValues(g, g.ops[0].inputs[2]);
        for (size_t i = 0; i < w.size(); ++i) QCOMPARE(wf[i], w[i] * m[i / 27]);
        for (size_t c = 0; c < 4; ++c) QCOMPARE(bf[c], b[c] * m[c] + a[c]);

        // Same function as the unfused graph.
        for (const auto& input : smallCnnInputs(4)) {
            const RunOutcome before = runFloatIo(original, {input});
            const RunOutcome after = runFloatIo(g, {input});
            QVERIFY2(before.ok && after.ok, (before.error + after.error).c_str());
            QVERIFY(maxAbsDiff(before.outputs[0], after.outputs[0]) < 1e-5f);
        }
    }

    void foldsIntoDepthwiseAndDenseWithoutBias()
    {
        Graph g;
        g.sourcePath = "dw_dense";
        const int32_t in = addTensor(g, "in", DType::Float32, {1, 4, 4, 2});
        const int32_t w = addConstant(g, "dw/kernel", DType::Float32, {1, 3, 3, 4}, pseudoRandom(36, 9, -1, 1));
        const int32_t d = addTensor(g, "dw", DType::Float32, {1, 4, 4, 4});
        Op& dw = addOp(g, OpType::DepthwiseConv2D, {in, w, kNoTensor}, {d});
        dw.attrs.depthMultiplier = 2;
        dw.layerName = "dw";
        const int32_t mul = addConstant(g, "bn/mul", DType::Float32, {1, 1, 1, 4}, std::vector<float>{2, 3, 4, 5});
        const int32_t m = addTensor(g, "bn", DType::Float32, {1, 4, 4, 4});
        addOp(g, OpType::Mul, {mul, d}, {m}).layerName = "bn"; // constant first: still folded
        const int32_t shape = addConstant(g, "shape", DType::Int32, {2}, std::vector<int32_t>{1, 64});
        const int32_t flat = addTensor(g, "flat", DType::Float32, {1, 64});
        addOp(g, OpType::Reshape, {m, shape}, {flat}).attrs.newShape = {1, 64};
        const int32_t fw = addConstant(g, "fc/kernel", DType::Float32, {3, 64}, pseudoRandom(192, 10, -1, 1));
        const int32_t f = addTensor(g, "fc", DType::Float32, {1, 3});
        addOp(g, OpType::FullyConnected, {flat, fw, kNoTensor}, {f}).layerName = "fc";
        const int32_t add = addConstant(g, "fc_bn/add", DType::Float32, {3}, std::vector<float>{0.5f, -1, 2});
        const int32_t out = addTensor(g, "fc_bn", DType::Float32, {1, 3});
        addOp(g, OpType::Add, {f, add}, {out}).layerName = "fc_bn";
        g.inputs = {in};
        g.outputs = {out};
        const Graph original = g;
        QVERIFY(runConverterPasses(g).isOk());
        QCOMPARE(g.ops.size(), size_t(3));
        // Depthwise: channel axis 3, a bias of 0 * m = 0 created.
        const std::vector<float> wf = constantValues(g, g.ops[0].inputs[1]);
        const std::vector<float> w0 = pseudoRandom(36, 9, -1, 1);
        const std::vector<float> mm{2, 3, 4, 5};
        for (size_t i = 0; i < 36; ++i) QCOMPARE(wf[i], w0[i] * mm[i % 4]);
        QCOMPARE(constantValues(g, g.ops[0].inputs[2]), std::vector<float>(4, 0.0f));
        // Dense: bias = 0 + add.
        QCOMPARE(constantValues(g, g.ops[2].inputs[2]), (std::vector<float>{0.5f, -1, 2}));
        QCOMPARE(g.tensors[static_cast<size_t>(g.outputs[0])].name, std::string("fc_bn"));
        const auto input = pseudoRandom(32, 11, -1, 1);
        const RunOutcome a = runFloatIo(original, {input}), b = runFloatIo(g, {input});
        QVERIFY2(a.ok && b.ok, (a.error + b.error).c_str());
        QVERIFY(maxAbsDiff(a.outputs[0], b.outputs[0]) < 1e-5f);
    }

    void leavesSharedOrNonConstantOperandsAlone()
    {
        Graph g;
        g.sourcePath = "shared";
        const int32_t in = addTensor(g, "in", DType::Float32, {1, 2});
        const int32_t w = addConstant(g, "k", DType::Float32, {2, 2}, std::vector<float>{1, 2, 3, 4});
        const int32_t f = addTensor(g, "fc", DType::Float32, {1, 2});
        addOp(g, OpType::FullyConnected, {in, w, kNoTensor}, {f});
        // MUL by a non-constant: no folding.
        const int32_t m = addTensor(g, "mul", DType::Float32, {1, 2});
        addOp(g, OpType::Mul, {f, in}, {m});
        // The FC output also read by a RELU: two consumers, so nothing fuses into the FC.
        const int32_t r = addTensor(g, "relu", DType::Float32, {1, 2});
        addOp(g, OpType::Relu, {f}, {r});
        g.inputs = {in};
        g.outputs = {m, r};
        QVERIFY(runConverterPasses(g).isOk());
        QCOMPARE(g.ops.size(), size_t(3));
        QCOMPARE(g.ops[0].attrs.activation, FusedActivation::None);
    }

    void doesNotFuseIntoGraphOutputs()
    {
        Graph g;
        g.sourcePath = "out";
        const int32_t in = addTensor(g, "in", DType::Float32, {1, 2});
        const int32_t k = addConstant(g, "k", DType::Float32, {1, 2}, std::vector<float>{1, -1});
        const int32_t s = addTensor(g, "add", DType::Float32, {1, 2});
        addOp(g, OpType::Add, {in, k}, {s});
        const int32_t r = addTensor(g, "relu", DType::Float32, {1, 2});
        addOp(g, OpType::Relu, {s}, {r});
        g.inputs = {in};
        g.outputs = {s, r}; // the pre-activation value is itself an output
        QVERIFY(runConverterPasses(g).isOk());
        QCOMPARE(g.ops.size(), size_t(2));
    }

    void biaslessConvolutionsGetZeroBiases()
    {
        // Conv2D(use_bias=False) and DepthwiseConv2D(use_bias=False) with no BatchNorm
        // after them: the passes give both a zero bias, so that the 16x8 and int8 exports
        // have the bias TFLite's kernels require (a bias-less 16x8 CONV_2D is refused).
        Graph g;
        g.sourcePath = "biasless";
        const int32_t in = addTensor(g, "in", DType::Float32, {1, 4, 4, 2});
        const int32_t w = addConstant(g, "conv/kernel", DType::Float32, {3, 1, 1, 2}, pseudoRandom(6, 3, -1, 1));
        const int32_t c = addTensor(g, "conv", DType::Float32, {1, 4, 4, 3});
        addOp(g, OpType::Conv2D, {in, w}, {c}).layerName = "conv";
        const int32_t dw = addConstant(g, "dw/kernel", DType::Float32, {1, 3, 3, 3}, pseudoRandom(27, 4, -1, 1));
        const int32_t d = addTensor(g, "dw", DType::Float32, {1, 4, 4, 3});
        Op& depthwise = addOp(g, OpType::DepthwiseConv2D, {c, dw, kNoTensor}, {d});
        depthwise.layerName = "dw";
        depthwise.attrs.depthMultiplier = 1;
        g.inputs = {in};
        g.outputs = {d};
        const auto inputs = smallCnnInputs(4);
        std::vector<std::vector<float>> images;
        for (const auto& x : inputs) images.emplace_back(x.begin(), x.begin() + 32);
        const auto before = runFloatIo(g, {images[0]});
        QVERIFY2(before.ok, before.error.c_str());
        PassLog log;
        QVERIFY(runConverterPasses(g, &log).isOk());
        QCOMPARE(log.lines.size(), size_t(2));
        QVERIFY2(log.lines[0].find("zero bias (3 channels)") != std::string::npos, log.lines[0].c_str());
        for (const Op& op : g.ops) {
            QCOMPARE(op.inputs.size(), size_t(3));
            QVERIFY(op.inputs[2] != kNoTensor);
            QCOMPARE(constantValues(g, op.inputs[2]), std::vector<float>(3, 0.0f));
        }
        // Same float results, and every quantized mode now builds in the core (whose
        // prepare() refuses what TFLite refuses).
        QCOMPARE(runFloatIo(g, {images[0]}).outputs, before.outputs);
        const RangeTable ranges = calibrate(g, images);
        for (QuantMode mode : {QuantMode::Int8, QuantMode::Int16x8, QuantMode::UInt8Legacy, QuantMode::DynamicRange}) {
            QuantizeOptions options;
            options.mode = mode;
            auto quantized = quantizeGraph(g, ranges, options);
            QVERIFY2(quantized.isOk(), quantized.message().c_str());
            auto interpreter = Interpreter::create(quantized.value().graph);
            QVERIFY2(interpreter.isOk(), interpreter.message().c_str());
        }
    }

    void dropsIdentityReshape()
    {
        Graph g;
        g.sourcePath = "identity";
        const int32_t in = addTensor(g, "in", DType::Float32, {1, 4});
        const int32_t shape = addConstant(g, "shape", DType::Int32, {2}, std::vector<int32_t>{1, 4});
        const int32_t same = addTensor(g, "same", DType::Float32, {1, 4});
        addOp(g, OpType::Reshape, {in, shape}, {same}).attrs.newShape = {1, 4};
        const int32_t r = addTensor(g, "relu", DType::Float32, {1, 4});
        addOp(g, OpType::Relu, {same}, {r});
        g.inputs = {in};
        g.outputs = {r};
        QVERIFY(runConverterPasses(g).isOk());
        QCOMPARE(g.ops.size(), size_t(1));
        QCOMPARE(g.ops[0].type, OpType::Relu);
        QCOMPARE(g.tensors[static_cast<size_t>(g.ops[0].inputs[0])].name, std::string("in"));
    }

    void expandsFloat16Constants()
    {
        Graph g;
        g.sourcePath = "fp16";
        const int32_t in = addTensor(g, "in", DType::Float32, {1, 2});
        // 1.0 = 0x3c00, -2.5 = 0xc100, 65504 = 0x7bff, 2^-24 = 0x0001.
        const int32_t h = addConstant(g, "k16", DType::Float16, {1, 4}, std::vector<uint16_t>{0x3c00, 0xc100, 0x7bff, 0x0001});
        const int32_t k = addTensor(g, "k", DType::Float32, {1, 4});
        addOp(g, OpType::Dequantize, {h}, {k});
        const int32_t shape = addConstant(g, "shape", DType::Int32, {2}, std::vector<int32_t>{2, 2});
        const int32_t rk = addTensor(g, "k2", DType::Float32, {2, 2});
        addOp(g, OpType::Reshape, {k, shape}, {rk}).attrs.newShape = {2, 2};
        const int32_t out = addTensor(g, "fc", DType::Float32, {1, 2});
        addOp(g, OpType::FullyConnected, {in, rk, kNoTensor}, {out});
        g.inputs = {in};
        g.outputs = {out};
        QVERIFY(expandDequantizedConstants(g).isOk());
        QCOMPARE(g.ops.size(), size_t(2));
        QCOMPARE(constantValues(g, k), (std::vector<float>{1.0f, -2.5f, 65504.0f, std::ldexp(1.0f, -24)}));
    }

    void halfConversionRoundsToNearestEven()
    {
        QCOMPARE(floatToHalf(1.0f), uint16_t(0x3c00));
        QCOMPARE(floatToHalf(-2.5f), uint16_t(0xc100));
        QCOMPARE(floatToHalf(65504.0f), uint16_t(0x7bff));
        QCOMPARE(floatToHalf(65520.0f), uint16_t(0x7c00)); // rounds up past the largest half
        QCOMPARE(floatToHalf(1.0f + std::ldexp(1.0f, -11)), uint16_t(0x3c00)); // tie -> even
        QCOMPARE(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), uint16_t(0x3c02)); // tie -> even (up)
        QCOMPARE(floatToHalf(std::ldexp(1.0f, -25)), uint16_t(0x0000)); // tie between 0 and 2^-24
        QCOMPARE(floatToHalf(std::ldexp(3.0f, -25)), uint16_t(0x0002));
        for (uint16_t bits : {uint16_t(0x0001), uint16_t(0x03ff), uint16_t(0x0400), uint16_t(0x3555), uint16_t(0xfbff)})
            QCOMPARE(floatToHalf(halfToFloat(bits)), bits);
    }
};

QTEST_APPLESS_MAIN(TestGraphPasses)
#include "tst_graph_passes.moc"
