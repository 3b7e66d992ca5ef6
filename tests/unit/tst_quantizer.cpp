// The quantizer: converter-exact parameter arithmetic (worked out by hand below),
// per-channel weights on the right axis, bias scales, fixed output parameters,
// shared scales, selective quantization edges, and that every mode yields a graph
// the core runs with outputs close to the float model's.
#include <QtTest>

#include <cstring>

#include "quant/graph_passes.h"
#include "quant/quantizer.h"
#include "quant/quantizer_math.h"
#include "quantizer_test_helpers.h"

using namespace rf;
using namespace rf::test;

namespace {

template <typename T> std::vector<T> values(const Tensor& t)
{
    std::vector<T> v(static_cast<size_t>(t.elementCount()));
    std::memcpy(v.data(), t.data.data(), v.size() * sizeof(T));
    return v;
}

/// smallCnn() after the converter passes, with min/max ranges from 8 inputs.
struct Prepared {
    Graph graph;
    RangeTable ranges;
};

Prepared preparedCnn()
{
    Prepared p;
    p.graph = smallCnn();
    if (!runConverterPasses(p.graph).isOk()) qFatal("passes failed");
    p.ranges = calibrate(p.graph, smallCnnInputs(8));
    return p;
}

const Op* opProducing(const Graph& g, const std::string& tensorName)
{
    for (const Op& op : g.ops)
        for (int32_t t : op.outputs)
            if (g.tensors[static_cast<size_t>(t)].name == tensorName) return &op;
    return nullptr;
}

const Tensor& named(const Graph& g, const std::string& name)
{
    const int32_t t = tensorByName(g, name);
    if (t < 0) qFatal("no tensor %s", name.c_str());
    return g.tensors[static_cast<size_t>(t)];
}

/// A single CONV_2D (or DEPTHWISE / FC) graph with given weights, for weight tests.
Graph oneAffineOp(OpType type, Shape inShape, Shape wShape, std::vector<float> w, std::vector<float> b, Shape outShape)
{
    Graph g;
    g.sourcePath = "affine";
    const int32_t in = addTensor(g, "in", DType::Float32, std::move(inShape));
    const int32_t wt = addConstant(g, "kernel", DType::Float32, std::move(wShape), w);
    const int32_t bt = addConstant(g, "bias", DType::Float32, {static_cast<int32_t>(b.size())}, b);
    const int32_t out = addTensor(g, "out", DType::Float32, std::move(outShape));
    Op& op = addOp(g, type, {in, wt, bt}, {out});
    op.attrs.padding = Padding::Valid;
    op.attrs.depthMultiplier = 1;
    g.inputs = {in};
    g.outputs = {out};
    return g;
}

} // namespace

class TestQuantizer : public QObject {
    Q_OBJECT

private slots:
    void asymmetricParamsFollowTheConverter()
    {
        // [-1, 3] on int8: scale 4/255; zero point from min: -128 + 63.75 = -64.25 (error
        // 128 + 63.75 = 191.75), from max: 127 - 191.25 = -64.25 (error 318.25) -> -64.
        AffineParams p = asymmetricParams(-1.0, 3.0, -128, 127);
        QCOMPARE(p.scale, 4.0 / 255.0);
        QCOMPARE(p.zeroPoint, int64_t(-64));
        // [0.5, 2] is widened to [0, 2]: zero point -128.
        p = asymmetricParams(0.5, 2.0, -128, 127);
        QCOMPARE(p.scale, 2.0 / 255.0);
        QCOMPARE(p.zeroPoint, int64_t(-128));
        // [-2, -1] widened to [-2, 0]: zero point 127.
        QCOMPARE(asymmetricParams(-2.0, -1.0, -128, 127).zeroPoint, int64_t(127));
        // All zero: scale 1, zero point qmin.
        p = asymmetricParams(0.0, 0.0, -128, 127);
        QCOMPARE(p.scale, 1.0);
        QCOMPARE(p.zeroPoint, int64_t(-128));
        // uint8 [-1, 1]: scale 2/255, zero point 127.5 -> from min 127.5 (error 127.5),
        // from max 255 - 127.5 = 127.5 (error 382.5): round half away -> 128.
        QCOMPARE(asymmetricParams(-1.0, 1.0, 0, 255).zeroPoint, int64_t(128));
        // Symmetric: 2 * 2.54 / 254 = 0.02.
        QCOMPARE(symmetricParams(2.54, 127).scale, 2 * 2.54 / 254.0);
        QCOMPARE(quantizeToInt(0.5f, 0.25, 0, -127, 127), int64_t(2));
        QCOMPARE(quantizeToInt(-0.375f, 0.25, 0, -127, 127), int64_t(-2)); // -1.5 -> away from zero
        QCOMPARE(quantizeToInt(100.0f, 0.25, 0, -127, 127), int64_t(127));
    }

    void perChannelConvWeightsAndBias()
    {
        // CONV_2D 1x1, 2 output channels, 2 input channels; weights [O=2,1,1,I=2].
        Graph g = oneAffineOp(OpType::Conv2D, {1, 1, 1, 2}, {2, 1, 1, 2}, {0.5f, -1.27f, 0.1f, 0.2f}, {0.3f, -0.01f},
                              {1, 1, 1, 2});
        RangeTable ranges{{"in", {-1.0f, 1.0f, RangeOrigin::Calibrated}}, {"out", {-2.0f, 2.0f, RangeOrigin::Calibrated}}};
        auto result = quantizeGraph(g, ranges, {});
        QVERIFY2(result.isOk(), result.message().c_str());
        const Graph& q = result.value().graph;
        const Op& conv = *opProducing(q, "out");
        const Tensor& w = q.tensors[static_cast<size_t>(conv.inputs[1])];
        QCOMPARE(w.dtype, DType::Int8);
        QCOMPARE(w.quant.axis, 0);
        // Channel 0: max |w| = 1.27 -> scale 0.01: 0.5 -> 50, -1.27 -> -127.
        // Channel 1: max |w| = 0.2 -> scale 0.2/127: 0.1 -> 63.5 -> 64 (half away), 0.2 -> 127.
        QCOMPARE(w.quant.scales, (std::vector<float>{(1.27f + 1.27f) / 254.0f, (0.2f + 0.2f) / 254.0f}));
        QCOMPARE(values<int8_t>(w), (std::vector<int8_t>{50, -127, 64, 127}));
        // Input [-1, 1]: scale 2/255; both ends give zero point -0.5 (errors 255.5 from
        // min, 254.5 from max), rounded half away from zero: -1.
        const Tensor& in = q.tensors[static_cast<size_t>(conv.inputs[0])];
        QCOMPARE(in.quant.zeroPoint(), int64_t(-1));
        // The converter (legacy_float_scale) works in float: input scale 2/255, weight
        // scales 2 max|w| / 254, bias scale their float product.
        const float inScale = (1.0f - -1.0f) / 255.0f;
        QCOMPARE(in.quant.scales[0], inScale);
        const Tensor& bias = q.tensors[static_cast<size_t>(conv.inputs[2])];
        QCOMPARE(bias.dtype, DType::Int32);
        const float s0 = inScale * ((1.27f + 1.27f) / 254.0f), s1 = inScale * ((0.2f + 0.2f) / 254.0f);
        QCOMPARE(bias.quant.scales, (std::vector<float>{s0, s1}));
        QCOMPARE(values<int32_t>(bias),
                 (std::vector<int32_t>{static_cast<int32_t>(std::round(double(0.3f) / double(s0))),
                                       static_cast<int32_t>(std::round(double(-0.01f) / double(s1)))}));
        // Per tensor: one scale from max |w| = 1.27.
        QuantizeOptions perTensor;
        perTensor.perChannel = false;
        auto pt = quantizeGraph(g, ranges, perTensor);
        QVERIFY(pt.isOk());
        const Tensor& wt = pt.value().graph.tensors[static_cast<size_t>(opProducing(pt.value().graph, "out")->inputs[1])];
        QCOMPARE(wt.quant.scales.size(), size_t(1));
        QCOMPARE(values<int8_t>(wt), (std::vector<int8_t>{50, -127, 10, 20}));
    }

    void biasGuardRaisesDeadChannelScales()
    {
        // Channel 1 is dead (max |w| = 1e-30) but has bias 1.0: at scale 2e-30/254 the bias
        // would need ~1e32 in int32, so the converter raises the weight scale to
        // |bias| / 2^30 / input scale and the bias becomes 2^30.
        Graph g = oneAffineOp(OpType::Conv2D, {1, 1, 1, 1}, {2, 1, 1, 1}, {0.5f, 1e-30f}, {0.25f, 1.0f}, {1, 1, 1, 2});
        RangeTable ranges{{"in", {-1.0f, 1.0f, RangeOrigin::Calibrated}}, {"out", {-2.0f, 2.0f, RangeOrigin::Calibrated}}};
        auto result = quantizeGraph(g, ranges, {});
        QVERIFY2(result.isOk(), result.message().c_str());
        const Graph& q = result.value().graph;
        const Op& conv = *opProducing(q, "out");
        const Tensor& w = q.tensors[static_cast<size_t>(conv.inputs[1])];
        const float inScale = 2.0f / 255.0f;
        const float guarded = 1.0f / 1073741824.0f / inScale;
        QCOMPARE(w.quant.scales, (std::vector<float>{1.0f / 254.0f, guarded}));
        QCOMPARE(values<int8_t>(w), (std::vector<int8_t>{127, 0}));
        const std::vector<int32_t> bias = values<int32_t>(q.tensors[static_cast<size_t>(conv.inputs[2])]);
        QCOMPARE(bias[1], static_cast<int32_t>(std::round(1.0 / double(inScale * guarded))));
        QVERIFY(std::abs(bias[1] - (1 << 30)) <= 1);
        // The live channel is untouched: 0.25 / (in scale * 0.5/127).
        QCOMPARE(bias[0], static_cast<int32_t>(std::round(0.25 / double(inScale * (1.0f / 254.0f)))));
    }

    void depthwiseAndDenseAxes()
    {
        // DEPTHWISE [1,1,1,3]: axis 3.
        Graph dw = oneAffineOp(OpType::DepthwiseConv2D, {1, 1, 1, 3}, {1, 1, 1, 3}, {0.5f, -0.25f, 1.0f}, {0, 0, 0},
                               {1, 1, 1, 3});
        RangeTable ranges{{"in", {-1, 1, RangeOrigin::Calibrated}}, {"out", {-1, 1, RangeOrigin::Calibrated}}};
        auto q = quantizeGraph(dw, ranges, {});
        QVERIFY2(q.isOk(), q.message().c_str());
        const Tensor& w = q.value().graph.tensors[static_cast<size_t>(opProducing(q.value().graph, "out")->inputs[1])];
        QCOMPARE(w.quant.axis, 3);
        QCOMPARE(w.quant.scales.size(), size_t(3));
        QCOMPARE(values<int8_t>(w), (std::vector<int8_t>{127, -127, 127}));
        // FULLY_CONNECTED [2 out, 2 in]: per tensor by default, per channel on axis 0 on request.
        Graph fc = oneAffineOp(OpType::FullyConnected, {1, 2}, {2, 2}, {1.0f, 0.5f, 0.1f, -0.2f}, {0, 0}, {1, 2});
        auto f1 = quantizeGraph(fc, ranges, {});
        QVERIFY(f1.isOk());
        const Tensor& w1 = f1.value().graph.tensors[static_cast<size_t>(opProducing(f1.value().graph, "out")->inputs[1])];
        QCOMPARE(w1.quant.scales.size(), size_t(1));
        QCOMPARE(values<int8_t>(w1), (std::vector<int8_t>{127, 64, 13, -25})); // 63.5 -> 64, 12.7 -> 13, -25.4 -> -25
        QuantizeOptions options;
        options.perChannelFullyConnected = true;
        auto f2 = quantizeGraph(fc, ranges, options);
        QVERIFY(f2.isOk());
        const Tensor& w2 = f2.value().graph.tensors[static_cast<size_t>(opProducing(f2.value().graph, "out")->inputs[1])];
        QCOMPARE(w2.quant.scales.size(), size_t(2));
        QCOMPARE(values<int8_t>(w2), (std::vector<int8_t>{127, 64, 64, -127}));
    }

    void fixedOutputParameters()
    {
        for (QuantMode mode : {QuantMode::Int8, QuantMode::Int16x8, QuantMode::UInt8Legacy}) {
            for (OpType type : {OpType::Softmax, OpType::Logistic, OpType::Tanh}) {
                Graph g;
                g.sourcePath = "fixed";
                const int32_t in = addTensor(g, "in", DType::Float32, {1, 4});
                const int32_t out = addTensor(g, "out", DType::Float32, {1, 4});
                addOp(g, type, {in}, {out});
                g.inputs = {in};
                g.outputs = {out};
                // A deliberately odd calibrated output range: the spec's fixed values win.
                RangeTable ranges{{"in", {-3, 5, RangeOrigin::Calibrated}}, {"out", {-7, 9, RangeOrigin::Calibrated}}};
                QuantizeOptions options;
                options.mode = mode;
                auto q = quantizeGraph(g, ranges, options);
                QVERIFY2(q.isOk(), q.message().c_str());
                const Tensor& o = named(q.value().graph, "out");
                if (mode == QuantMode::Int16x8 && type != OpType::Softmax) {
                    // No int16 kernel in the core: kept float, and the user is told.
                    QCOMPARE(o.dtype, DType::Float32);
                    QCOMPARE(q.value().floatOps.size(), size_t(1));
                    QVERIFY(q.value().warnings.front().find("no INT16X8 kernel") != std::string::npos);
                    continue;
                }
                float scale = 1.0f / 256;
                int64_t zp = -128;
                if (mode == QuantMode::Int16x8) {
                    scale = 1.0f / 32768;
                    zp = 0;
                } else if (type == OpType::Tanh) {
                    scale = 1.0f / 128;
                    zp = mode == QuantMode::UInt8Legacy ? 128 : 0;
                } else if (mode == QuantMode::UInt8Legacy) {
                    zp = 0;
                }
                QCOMPARE(o.quant.scales[0], scale);
                QCOMPARE(o.quant.zeroPoint(), zp);
                const RunOutcome run = runFloatIo(q.value().graph, {{-2.0f, -0.5f, 0.5f, 3.0f}});
                QVERIFY2(run.ok, run.error.c_str());
            }
        }
    }

    void sharedScalesAndConcatenation()
    {
        const Prepared p = preparedCnn();
        auto q = quantizeGraph(p.graph, p.ranges, {});
        QVERIFY2(q.isOk(), q.message().c_str());
        const Graph& g = q.value().graph;
        // MAX_POOL and AVERAGE_POOL outputs carry their inputs' parameters; so does RESHAPE.
        auto sameQuant = [](const Tensor& a, const Tensor& b) {
            return a.quant.scales == b.quant.scales && a.quant.zeroPoints == b.quant.zeroPoints;
        };
        QVERIFY(sameQuant(named(g, "pool"), named(g, "relu2")));
        QVERIFY(sameQuant(named(g, "avg"), named(g, "relu1")));
        QVERIFY(sameQuant(named(g, "flatten"), named(g, "concat")));
        // CONCATENATION inputs all have the output's parameters (requantized where needed),
        // and the output range covers both inputs.
        const Op& concat = *opProducing(g, "concat");
        for (int32_t in : concat.inputs) QVERIFY(sameQuant(g.tensors[static_cast<size_t>(in)], named(g, "concat")));
        const Tensor& c = named(g, "concat");
        const double hi = c.quant.scale() * (127 - c.quant.zeroPoint());
        QVERIFY(hi >= p.ranges.at("relu1").max - 1e-6 && hi >= p.ranges.at("pool").max - 1e-6);
        // Edges: float input QUANTIZEd, float output DEQUANTIZEd, names kept.
        QCOMPARE(g.ops.front().type, OpType::Quantize);
        QCOMPARE(g.tensors[static_cast<size_t>(g.inputs[0])].dtype, DType::Float32);
        QCOMPARE(g.tensors[static_cast<size_t>(g.outputs[0])].name, std::string("softmax/dequantize"));
        QCOMPARE(g.ops.back().type, OpType::Dequantize);
        QCOMPARE(named(g, "softmax").dtype, DType::Int8);
    }

    void selectiveQuantizationInsertsEdges()
    {
        const Prepared p = preparedCnn();
        QuantizeOptions options;
        options.floatLayers = {"dense"};
        auto q = quantizeGraph(p.graph, p.ranges, options);
        QVERIFY2(q.isOk(), q.message().c_str());
        const Graph& g = q.value().graph;
        const Op& dense = *opProducing(g, "dense");
        QCOMPARE(g.tensors[static_cast<size_t>(dense.inputs[0])].name, std::string("flatten/dequantize"));
        QCOMPARE(g.tensors[static_cast<size_t>(dense.inputs[1])].dtype, DType::Float32);
        QCOMPARE(named(g, "dense").dtype, DType::Float32);
        const Op& softmax = *opProducing(g, "softmax");
        QCOMPARE(g.tensors[static_cast<size_t>(softmax.inputs[0])].name, std::string("dense/quantize"));
        QCOMPARE(q.value().floatOps.size(), size_t(1));
        QVERIFY(q.value().floatOps[0].find("layer 'dense'") != std::string::npos);
        // By op type: SOFTMAX float, the graph output is the float softmax itself.
        options.floatLayers = {"softmax"};
        auto q2 = quantizeGraph(p.graph, p.ranges, options);
        QVERIFY(q2.isOk());
        QCOMPARE(q2.value().graph.tensors[static_cast<size_t>(q2.value().graph.outputs[0])].name, std::string("softmax"));
        QCOMPARE(named(q2.value().graph, "softmax").dtype, DType::Float32);
        for (const Graph* graph : std::vector<const Graph*>{&g, &q2.value().graph}) {
            const RunOutcome run = runFloatIo(*graph, {smallCnnInputs(1, 7)[0]});
            QVERIFY2(run.ok, run.error.c_str());
        }
    }

    void everyModeRunsCloseToFloat()
    {
        const Prepared p = preparedCnn();
        const auto tests = smallCnnInputs(6, 500);
        struct Case {
            QuantMode mode;
            EdgeType in, out;
            float tolerance;
        };
        const std::vector<Case> cases{
            {QuantMode::Float32, EdgeType::Default, EdgeType::Default, 1e-6f},
            {QuantMode::Float16, EdgeType::Default, EdgeType::Default, 2e-3f},
            {QuantMode::DynamicRange, EdgeType::Default, EdgeType::Default, 0.03f},
            {QuantMode::Int8, EdgeType::Default, EdgeType::Default, 0.05f},
            {QuantMode::Int8, EdgeType::Int8, EdgeType::Int8, 0.05f},
            {QuantMode::Int8, EdgeType::UInt8, EdgeType::UInt8, 0.05f},
            {QuantMode::Int8, EdgeType::UInt8, EdgeType::Float32, 0.05f},
            {QuantMode::Int16x8, EdgeType::Default, EdgeType::Default, 0.02f},
            {QuantMode::Int16x8, EdgeType::Int16, EdgeType::Int16, 0.02f},
            {QuantMode::UInt8Legacy, EdgeType::Default, EdgeType::Default, 0.06f},
            {QuantMode::UInt8Legacy, EdgeType::Float32, EdgeType::Float32, 0.06f},
        };
        for (const Case& c : cases) {
            QuantizeOptions options;
            options.mode = c.mode;
            options.inputType = c.in;
            options.outputType = c.out;
            const std::string label = std::string(quantModeName(c.mode)) + " in " + std::string(edgeTypeName(c.in)) +
                                      " out " + std::string(edgeTypeName(c.out));
            auto q = quantizeGraph(p.graph, p.ranges, options);
            QVERIFY2(q.isOk(), (label + ": " + q.message()).c_str());
            for (KernelMode mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
                float worst = 0;
                for (const auto& input : tests) {
                    const RunOutcome f = runFloatIo(p.graph, {input});
                    const RunOutcome r = runFloatIo(q.value().graph, {input}, nullptr, mode);
                    QVERIFY2(r.ok, (label + ": " + r.error).c_str());
                    QCOMPARE(r.outputs[0].size(), f.outputs[0].size());
                    for (size_t i = 0; i < f.outputs[0].size(); ++i)
                        worst = std::max(worst, std::fabs(f.outputs[0][i] - r.outputs[0][i]));
                }
                QVERIFY2(worst <= c.tolerance, (label + ": max |diff| " + std::to_string(worst)).c_str());
            }
        }
    }

    void modeSpecificTensorTypes()
    {
        const Prepared p = preparedCnn();
        QuantizeOptions options;
        options.mode = QuantMode::Int16x8;
        auto q16 = quantizeGraph(p.graph, p.ranges, options);
        QVERIFY(q16.isOk());
        const Op& conv16 = *opProducing(q16.value().graph, "relu1");
        QCOMPARE(q16.value().graph.tensors[static_cast<size_t>(conv16.outputs[0])].dtype, DType::Int16);
        QCOMPARE(q16.value().graph.tensors[static_cast<size_t>(conv16.outputs[0])].quant.zeroPoint(), int64_t(0));
        QCOMPARE(q16.value().graph.tensors[static_cast<size_t>(conv16.inputs[1])].dtype, DType::Int8);
        QCOMPARE(q16.value().graph.tensors[static_cast<size_t>(conv16.inputs[2])].dtype, DType::Int64);

        options.mode = QuantMode::DynamicRange;
        auto dr = quantizeGraph(p.graph, p.ranges, options);
        QVERIFY(dr.isOk());
        // dense/kernel has 640 < 1024 elements: stays float like the converter leaves it.
        const Op& dense = *opProducing(dr.value().graph, "dense");
        QCOMPARE(dr.value().graph.tensors[static_cast<size_t>(dense.inputs[1])].dtype, DType::Float32);
        options.dynamicRangeMinElements = 1;
        auto dr1 = quantizeGraph(p.graph, p.ranges, options);
        QVERIFY(dr1.isOk());
        const Op& dense1 = *opProducing(dr1.value().graph, "dense");
        QCOMPARE(dr1.value().graph.tensors[static_cast<size_t>(dense1.inputs[1])].dtype, DType::Int8);
        QVERIFY(dense1.attrs.asymmetricQuantizeInputs);

        options.mode = QuantMode::Float16;
        auto f16 = quantizeGraph(p.graph, p.ranges, options);
        QVERIFY(f16.isOk());
        const Graph& g16 = f16.value().graph;
        QCOMPARE(named(g16, "dense/kernel/float16").dtype, DType::Float16);
        QCOMPARE(opProducing(g16, "dense/kernel")->type, OpType::Dequantize);

        options.mode = QuantMode::UInt8Legacy;
        options.meanValues = {127.5};
        options.stdDevValues = {127.5};
        auto u8 = quantizeGraph(p.graph, p.ranges, options);
        QVERIFY2(u8.isOk(), u8.message().c_str());
        const Tensor& in = u8.value().graph.tensors[static_cast<size_t>(u8.value().graph.inputs[0])];
        QCOMPARE(in.dtype, DType::UInt8);
        QCOMPARE(in.quant.scales[0], static_cast<float>(1.0 / 127.5));
        QCOMPARE(in.quant.zeroPoint(), int64_t(128));
        const Op& conv8 = *opProducing(u8.value().graph, "relu1");
        QCOMPARE(u8.value().graph.tensors[static_cast<size_t>(conv8.inputs[1])].dtype, DType::UInt8);
    }

    void missingRangeNamesTheTensor()
    {
        Prepared p = preparedCnn();
        p.ranges.erase("relu2");
        auto q = quantizeGraph(p.graph, p.ranges, {});
        QVERIFY(!q.isOk());
        QVERIFY2(q.message().find("no range for tensor") != std::string::npos &&
                     q.message().find("'relu2'") != std::string::npos && q.message().find("DEPTHWISE_CONV_2D") != std::string::npos,
                 q.message().c_str());
        // With default ranges it converts and says so.
        QuantizeOptions options;
        options.defaultRange = TensorRange{-6.0f, 6.0f, RangeOrigin::DefaultRanges};
        auto d = quantizeGraph(p.graph, p.ranges, options);
        QVERIFY2(d.isOk(), d.message().c_str());
        QCOMPARE(d.value().defaultRangeTensors, std::vector<std::string>{"relu2"});
        QVERIFY(!d.value().warnings.empty());
        QVERIFY(d.value().warnings.back().find("experiments") != std::string::npos);
        QCOMPARE(named(d.value().graph, "relu2").quant.scales[0], static_cast<float>(12.0 / 255.0));
    }

    void refusesQuantizedInput()
    {
        Graph g;
        g.sourcePath = "q.tflite";
        QuantParams qp;
        qp.scales = {0.1f};
        qp.zeroPoints = {0};
        const int32_t in = addTensor(g, "in", DType::Float32, {1, 2});
        const int32_t q = addTensor(g, "q", DType::Int8, {1, 2}, qp);
        addOp(g, OpType::Quantize, {in}, {q});
        g.inputs = {in};
        g.outputs = {q};
        auto r = quantizeGraph(g, {}, {});
        QVERIFY(!r.isOk());
        QVERIFY2(r.message().find("q.tflite: op #0 (QUANTIZE)") != std::string::npos &&
                     r.message().find("already quantized") != std::string::npos,
                 r.message().c_str());
    }

    void tensorsNeedingRangesListsActivations()
    {
        const Prepared p = preparedCnn();
        const std::vector<std::string> names = tensorsNeedingRanges(p.graph, {});
        // Inputs and outputs of quantized ops, except outputs of same-scale and fixed ops.
        for (const char* expected : {"input_1", "relu1", "relu2", "concat", "dense"})
            QVERIFY2(std::find(names.begin(), names.end(), expected) != names.end(), expected);
        for (const char* notExpected : {"pool", "flatten", "softmax"})
            QVERIFY2(std::find(names.begin(), names.end(), notExpected) == names.end(), notExpected);
        QuantizeOptions float16;
        float16.mode = QuantMode::Float16;
        QVERIFY(tensorsNeedingRanges(p.graph, float16).empty());
    }
};

QTEST_APPLESS_MAIN(TestQuantizer)
#include "tst_quantizer.moc"
