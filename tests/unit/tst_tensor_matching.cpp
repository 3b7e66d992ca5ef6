// Float <-> quantized tensor matching on hand-built graphs shaped like what the Keras
// loader and the TFLite converter produce.
#include <QtTest>

#include "analysis/dequantized_twin.h"
#include "analysis/tensor_matching.h"
#include "test_support.h"

using namespace rf;
using test::addConstant;
using test::addOp;
using test::addTensor;

namespace {

QuantParams q8(float scale = 0.05f, int64_t zp = 0) { return QuantParams{{scale}, {zp}, 0}; }

/// Keras-like float graph: conv1 -> conv1_bn (MUL, ADD with constants) -> conv1_relu (RELU6)
/// -> flatten (RESHAPE) -> dense (FC) -> dense_softmax (SOFTMAX). Tensors are named after layers.
Graph kerasLike()
{
    Graph g;
    g.sourcePath = "model.h5";
    const int32_t in = addTensor(g, "input_1", DType::Float32, {1, 4, 4, 3});
    const int32_t w = addConstant<float>(g, "conv1/kernel", DType::Float32, {2, 1, 1, 3}, std::vector<float>(6, 0.5f));
    const int32_t conv = addTensor(g, "conv1", DType::Float32, {1, 4, 4, 2});
    addOp(g, OpType::Conv2D, {in, w, kNoTensor}, {conv}).layerName = "conv1";
    const int32_t gamma = addConstant<float>(g, "conv1_bn/scale", DType::Float32, {2}, {2.0f, 3.0f});
    const int32_t mul = addTensor(g, "conv1_bn/mul", DType::Float32, {1, 4, 4, 2});
    addOp(g, OpType::Mul, {conv, gamma}, {mul}).layerName = "conv1_bn";
    const int32_t beta = addConstant<float>(g, "conv1_bn/offset", DType::Float32, {2}, {0.1f, 0.2f});
    const int32_t bn = addTensor(g, "conv1_bn", DType::Float32, {1, 4, 4, 2});
    addOp(g, OpType::Add, {mul, beta}, {bn}).layerName = "conv1_bn";
    const int32_t relu = addTensor(g, "conv1_relu", DType::Float32, {1, 4, 4, 2});
    addOp(g, OpType::Relu6, {bn}, {relu}).layerName = "conv1_relu";
    const int32_t shape = addConstant<int32_t>(g, "flatten/shape", DType::Int32, {2}, {1, 32});
    const int32_t flat = addTensor(g, "flatten", DType::Float32, {1, 32});
    addOp(g, OpType::Reshape, {relu, shape}, {flat}).layerName = "flatten";
    const int32_t fw = addConstant<float>(g, "dense/kernel", DType::Float32, {5, 32}, std::vector<float>(160, 0.1f));
    const int32_t fc = addTensor(g, "dense", DType::Float32, {1, 5});
    addOp(g, OpType::FullyConnected, {flat, fw, kNoTensor}, {fc}).layerName = "dense";
    const int32_t sm = addTensor(g, "dense_softmax", DType::Float32, {1, 5});
    addOp(g, OpType::Softmax, {fc}, {sm}).layerName = "dense_softmax";
    g.inputs = {in};
    g.outputs = {sm};
    return g;
}

/// What the converter makes of it: QUANTIZE -> CONV_2D (BN folded, RELU6 fused) -> FC on the
/// 4-D tensor -> SOFTMAX -> DEQUANTIZE. `names` false gives every tensor a meaningless name.
Graph tfliteLike(bool names = true)
{
    Graph g;
    g.sourcePath = "model_int8.tflite";
    const auto n = [&](const std::string& real, const std::string& anonymous) { return names ? real : anonymous; };
    const int32_t in = addTensor(g, n("serving_default_input_1:0", "t0"), DType::Float32, {1, 4, 4, 3});
    const int32_t inq = addTensor(g, n("tfl.quantize", "t1"), DType::Int8, {1, 4, 4, 3}, q8(0.01f));
    addOp(g, OpType::Quantize, {in}, {inq});
    const int32_t w = addConstant<int8_t>(g, "w", DType::Int8, {2, 1, 1, 3}, std::vector<int8_t>(6, 127),
                                          QuantParams{{0.01f, 0.02f}, {0, 0}, 0});
    const int32_t conv = addTensor(g, n("model/conv1_relu/Relu6;model/conv1_bn/FusedBatchNormV3;model/conv1/Conv2D", "t2"),
                                   DType::Int8, {1, 4, 4, 2}, q8(0.03f, -128));
    addOp(g, OpType::Conv2D, {inq, w, kNoTensor}, {conv}).attrs.activation = FusedActivation::Relu6;
    const int32_t fw = addConstant<int8_t>(g, "fw", DType::Int8, {5, 32}, std::vector<int8_t>(160, 1), q8(0.001f));
    const int32_t fc = addTensor(g, n("model/dense/MatMul;model/dense/BiasAdd", "t3"), DType::Int8, {1, 5}, q8(0.1f));
    addOp(g, OpType::FullyConnected, {conv, fw, kNoTensor}, {fc});
    const int32_t sm = addTensor(g, n("model/dense_softmax/Softmax", "t4"), DType::Int8, {1, 5}, q8(1.0f / 256, -128));
    addOp(g, OpType::Softmax, {fc}, {sm});
    const int32_t out = addTensor(g, n("StatefulPartitionedCall:0", "t5"), DType::Float32, {1, 5});
    addOp(g, OpType::Dequantize, {sm}, {out});
    g.inputs = {in};
    g.outputs = {out};
    return g;
}

const TensorMatch* byQuantName(const TensorMatching& m, const Graph& q, const std::string& name)
{
    for (const TensorMatch& match : m.matches) {
        if (q.tensors[match.quantTensor].name == name) return &match;
    }
    return nullptr;
}

std::string floatName(const Graph& f, const TensorMatch* m) { return m ? f.tensors[m->floatTensor].name : "<none>"; }

} // namespace

class TestTensorMatching : public QObject {
    Q_OBJECT
private slots:
    void nameReferences()
    {
        QVERIFY(quantNameRefersTo("model/conv1_relu/Relu6", "conv1_relu"));
        QVERIFY(quantNameRefersTo("sequential/conv2d/Relu;sequential/conv2d/BiasAdd", "conv2d"));
        QVERIFY(quantNameRefersTo("serving_default_input_1:0", "serving_default_input_1"));
        QVERIFY(quantNameRefersTo("a;b/c", "b/c"));
        QVERIFY(!quantNameRefersTo("model/conv1_relu/Relu6", "conv1"));
        QVERIFY(!quantNameRefersTo("model/conv10/Conv2D", "conv1"));
        QVERIFY(!quantNameRefersTo("x", ""));
    }

    void kerasChainFoldsIntoOneConv()
    {
        const Graph f = kerasLike();
        const Graph q = tfliteLike();
        auto result = matchTensors(f, q);
        QVERIFY2(result.isOk(), result.message().c_str());
        const TensorMatching& m = result.value();
        // The conv matches the end of conv -> BN -> ReLU6, anchored at the conv (weights).
        const TensorMatch* conv = byQuantName(m, q, q.tensors[3].name);
        QCOMPARE(floatName(f, conv), std::string("conv1_relu"));
        QCOMPARE(conv->floatAnchorOp, 0);
        QCOMPARE(conv->quantOp, 1);
        QVERIFY(conv->method == MatchMethod::StructureAndName);
        QCOMPARE(conv->name, std::string("conv1_relu"));
        // The FC found its float twin past the Flatten the converter dropped.
        QCOMPARE(floatName(f, byQuantName(m, q, "model/dense/MatMul;model/dense/BiasAdd")), std::string("dense"));
        QCOMPARE(floatName(f, byQuantName(m, q, "model/dense_softmax/Softmax")), std::string("dense_softmax"));
        // The input quantization pairs with the float input.
        QCOMPARE(floatName(f, byQuantName(m, q, "tfl.quantize")), std::string("input_1"));
        // BN intermediates are absorbed, not unmatched; the dropped Flatten is reported.
        std::vector<std::string> unmatched;
        for (int32_t t : m.unmatchedFloat) unmatched.push_back(f.tensors[t].name);
        QCOMPARE(unmatched, std::vector<std::string>{"flatten"});
        QVERIFY(m.unmatchedQuant.empty());
    }

    void structureAloneWhenNamesAreLost()
    {
        const Graph f = kerasLike();
        const Graph q = tfliteLike(false);
        auto result = matchTensors(f, q);
        QVERIFY2(result.isOk(), result.message().c_str());
        const TensorMatch* conv = byQuantName(result.value(), q, "t2");
        QCOMPARE(floatName(f, conv), std::string("conv1_relu"));
        QVERIFY(conv->method == MatchMethod::Structure);
        QCOMPARE(floatName(f, byQuantName(result.value(), q, "t4")), std::string("dense_softmax"));
    }

    void quantizedReluAfterConvIsNotAbsorbed()
    {
        // If the quantized graph keeps a separate RELU6 after an unfused conv, the float
        // RELU6 must match it, and the conv must match the BN output.
        const Graph f = kerasLike();
        Graph q = tfliteLike();
        q.ops[1].attrs.activation = FusedActivation::None;
        const int32_t relu = addTensor(q, "model/conv1_relu/Relu6", DType::Int8, {1, 4, 4, 2}, q8(0.03f, -128));
        Op reluOp;
        reluOp.type = OpType::Relu6;
        reluOp.typeName = "RELU6";
        reluOp.inputs = {3};
        reluOp.outputs = {relu};
        q.ops[2].inputs[0] = relu; // FC now reads the RELU6
        q.ops.insert(q.ops.begin() + 2, reluOp);
        q.tensors[3].name = "model/conv1_bn/FusedBatchNormV3;model/conv1/Conv2D";
        auto result = matchTensors(f, q);
        QVERIFY2(result.isOk(), result.message().c_str());
        QCOMPARE(floatName(f, byQuantName(result.value(), q, "model/conv1_bn/FusedBatchNormV3;model/conv1/Conv2D")),
                 std::string("conv1_bn"));
        QCOMPARE(floatName(f, byQuantName(result.value(), q, "model/conv1_relu/Relu6")), std::string("conv1_relu"));
    }

    void residualBranchesMatch()
    {
        // x -> conv_a -> relu_a ; add(relu_a, x) -> out, in both models.
        Graph f;
        f.sourcePath = "res.h5";
        const int32_t x = addTensor(f, "in", DType::Float32, {1, 2, 2, 2});
        const int32_t w = addConstant<float>(f, "k", DType::Float32, {2, 1, 1, 2}, std::vector<float>(4, 1.0f));
        const int32_t a = addTensor(f, "conv_a", DType::Float32, {1, 2, 2, 2});
        addOp(f, OpType::Conv2D, {x, w, kNoTensor}, {a});
        const int32_t r = addTensor(f, "relu_a", DType::Float32, {1, 2, 2, 2});
        addOp(f, OpType::Relu, {a}, {r});
        const int32_t s = addTensor(f, "add", DType::Float32, {1, 2, 2, 2});
        addOp(f, OpType::Add, {r, x}, {s});
        f.inputs = {x};
        f.outputs = {s};
        Graph q;
        q.sourcePath = "res.tflite";
        const int32_t qx = addTensor(q, "x", DType::Int8, {1, 2, 2, 2}, q8());
        const int32_t qw = addConstant<int8_t>(q, "w", DType::Int8, {2, 1, 1, 2}, std::vector<int8_t>(4, 1), q8());
        const int32_t qa = addTensor(q, "c", DType::Int8, {1, 2, 2, 2}, q8());
        addOp(q, OpType::Conv2D, {qx, qw, kNoTensor}, {qa}).attrs.activation = FusedActivation::Relu;
        const int32_t qs = addTensor(q, "s", DType::Int8, {1, 2, 2, 2}, q8());
        addOp(q, OpType::Add, {qx, qa}, {qs}); // operands in the other order
        q.inputs = {qx};
        q.outputs = {qs};
        auto result = matchTensors(f, q);
        QVERIFY2(result.isOk(), result.message().c_str());
        QCOMPARE(floatName(f, byQuantName(result.value(), q, "c")), std::string("relu_a"));
        QCOMPARE(floatName(f, byQuantName(result.value(), q, "s")), std::string("add"));
        QVERIFY(result.value().unmatchedFloat.empty());
    }

    void nameFallbackAfterAnUnknownOp()
    {
        // The quantized graph has an op the float graph lacks (a PAD before the FC
        // input chain breaks the structural walk); the FC is still found by name.
        const Graph f = kerasLike();
        Graph q = tfliteLike();
        const int32_t padded = addTensor(q, "pad_out", DType::Int8, {1, 32}, q8(0.03f, -128));
        const int32_t paddings = addConstant<int32_t>(q, "paddings", DType::Int32, {4, 2}, std::vector<int32_t>(8, 0));
        Op pad;
        pad.type = OpType::Pad;
        pad.typeName = "PAD";
        pad.inputs = {3, paddings};
        pad.outputs = {padded};
        q.ops[2].inputs[0] = padded;
        q.ops.insert(q.ops.begin() + 2, pad);
        auto result = matchTensors(f, q);
        QVERIFY2(result.isOk(), result.message().c_str());
        const TensorMatch* fc = byQuantName(result.value(), q, "model/dense/MatMul;model/dense/BiasAdd");
        QCOMPARE(floatName(f, fc), std::string("dense"));
        QVERIFY(fc->method == MatchMethod::Name);
        QCOMPARE(result.value().unmatchedQuant.size(), size_t{1});
        QCOMPARE(q.tensors[result.value().unmatchedQuant[0]].name, std::string("pad_out"));
        QVERIFY(!result.value().notes.empty());
        QVERIFY2(result.value().notes[0].find("op #2 (PAD)") != std::string::npos, result.value().notes[0].c_str());
    }

    void refusesDifferentInputShapes()
    {
        const Graph f = kerasLike();
        Graph q = tfliteLike();
        q.tensors[0].shape = {1, 8, 8, 3};
        auto result = matchTensors(f, q);
        QVERIFY(!result.isOk());
        QCOMPARE(result.message(), std::string("model.h5 and model_int8.tflite are not the same network: input "
                                               "tensor #0 'input_1' has shape [1, 4, 4, 3], input tensor #0 "
                                               "'serving_default_input_1:0' has shape [1, 8, 8, 3]"));
    }

    void refusesWhenNothingMatches()
    {
        // Same interface, different network: a single MAX_POOL vs a single AVERAGE_POOL... of other names.
        Graph f;
        f.sourcePath = "a.h5";
        const int32_t x = addTensor(f, "x", DType::Float32, {1, 4});
        const int32_t y = addTensor(f, "y", DType::Float32, {1, 4});
        addOp(f, OpType::Tanh, {x}, {y});
        f.inputs = {x};
        f.outputs = {y};
        Graph q;
        q.sourcePath = "b.tflite";
        const int32_t qx = addTensor(q, "in", DType::Int8, {1, 4}, q8());
        const int32_t qy = addTensor(q, "out", DType::Int8, {1, 4}, q8());
        addOp(q, OpType::Logistic, {qx}, {qy});
        q.inputs = {qx};
        q.outputs = {qy};
        auto result = matchTensors(f, q);
        QVERIFY(!result.isOk());
        QVERIFY2(result.message().find("a.h5 and b.tflite are not the same network: no layer of the quantized model "
                                       "matches") != std::string::npos,
                 result.message().c_str());
        // And different output counts.
        Graph q2 = q;
        q2.outputs.push_back(qx);
        auto counts = matchTensors(f, q2);
        QVERIFY(!counts.isOk());
        QVERIFY2(counts.message().find("the float model has 1 input(s) and 1 output(s), the quantized model 1 and 2") !=
                     std::string::npos,
                 counts.message().c_str());
    }

    void dequantizedTwinMatchesEverythingByName()
    {
        const Graph q = tfliteLike();
        auto twin = buildDequantizedTwin(q);
        QVERIFY2(twin.isOk(), twin.message().c_str());
        const Graph& f = twin.value();
        for (const Op& op : f.ops) QVERIFY(op.type != OpType::Quantize && op.type != OpType::Dequantize);
        QCOMPARE(f.tensors[3].dtype, DType::Float32);
        // Per-channel weights dequantized per channel: 127 * 0.01 and 127 * 0.02.
        std::vector<float> w(6);
        std::memcpy(w.data(), f.tensors[2].data.data(), 24);
        QCOMPARE(w[0], 1.27f);
        QCOMPARE(w[5], 2.54f);
        auto result = matchTensors(f, q);
        QVERIFY2(result.isOk(), result.message().c_str());
        for (const TensorMatch& m : result.value().matches) {
            if (m.method == MatchMethod::GraphIo) continue;
            QVERIFY(m.method == MatchMethod::StructureAndName || q.ops[m.quantOp].type == OpType::Quantize);
        }
        QVERIFY(result.value().unmatchedFloat.empty());
        QVERIFY(result.value().unmatchedQuant.empty());
    }
};

QTEST_APPLESS_MAIN(TestTensorMatching)
#include "tst_tensor_matching.moc"
