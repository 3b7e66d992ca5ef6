// CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV on small hand-built graphs. Expected
// values are worked out by hand (see the comments) or by a plain double-precision loop
// written from the definition in this file, never by the kernels under test.
#include <QtTest>

#include <cmath>
#include <cstring>

#include "io/npy.h"
#include "io/tflite_reader.h"
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

QuantParams perChannel(std::vector<float> scales, int32_t axis)
{
    QuantParams q;
    q.scales = std::move(scales);
    q.zeroPoints.assign(q.scales.size(), 0);
    q.axis = axis;
    return q;
}

/// Runs a one-op graph whose first graph input is fed `input`; returns output 0 as T.
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

/// The error message of creating an interpreter for `graph` (empty on success).
std::string prepareError(Graph graph)
{
    auto created = Interpreter::create(std::move(graph));
    return created.isOk() ? std::string() : created.message();
}

/// Float CONV_2D graph: input [1, h, w, c], filter OHWI, bias.
Graph floatConvGraph(Shape inputShape, Shape filterShape, const std::vector<float>& filter, const std::vector<float>& bias,
                     Padding padding, int stride, int dilation, FusedActivation activation = FusedActivation::None)
{
    Graph g;
    const int32_t in = addTensor(g, "input", DType::Float32, inputShape);
    const int32_t w = addConstant(g, "filter", DType::Float32, filterShape, filter);
    const int32_t b = addConstant(g, "bias", DType::Float32, {filterShape[0]}, bias);
    const int32_t out = addTensor(g, "output", DType::Float32, {});
    Op& op = addOp(g, OpType::Conv2D, {in, w, b}, {out});
    op.attrs.padding = padding;
    op.attrs.strideH = op.attrs.strideW = stride;
    op.attrs.dilationH = op.attrs.dilationW = dilation;
    op.attrs.activation = activation;
    g.inputs = {in};
    g.outputs = {out};
    return g;
}

/// A from-the-definition float convolution for one input channel and one output channel
/// (TensorFlow's SAME padding: total = max((out - 1) * stride + effective - in, 0),
/// before = total / 2).
std::vector<double> naiveConv1(const std::vector<float>& input, int h, int w, const std::vector<float>& filter, int kh,
                               int kw, int stride, int dilation, bool same)
{
    const int ekh = (kh - 1) * dilation + 1, ekw = (kw - 1) * dilation + 1;
    const int oh = same ? (h + stride - 1) / stride : (h - ekh) / stride + 1;
    const int ow = same ? (w + stride - 1) / stride : (w - ekw) / stride + 1;
    const int padTop = same ? std::max((oh - 1) * stride + ekh - h, 0) / 2 : 0;
    const int padLeft = same ? std::max((ow - 1) * stride + ekw - w, 0) / 2 : 0;
    std::vector<double> out;
    for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) {
            double sum = 0;
            for (int i = 0; i < kh; ++i)
                for (int j = 0; j < kw; ++j) {
                    const int iy = y * stride - padTop + i * dilation, ix = x * stride - padLeft + j * dilation;
                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) sum += double(input[iy * w + ix]) * filter[i * kw + j];
                }
            out.push_back(sum);
        }
    return out;
}

std::vector<float> iota(int count, float start = 1.0f)
{
    std::vector<float> values(count);
    for (int i = 0; i < count; ++i) values[i] = start + float(i);
    return values;
}

} // namespace

class TestConvOps : public QObject {
    Q_OBJECT
private slots:
    void floatValidConvByHand()
    {
        // Input 1..9 in a 3x3 grid, 2x2 filter [1 2; 3 4], bias 0.5:
        // (0,0) = 1*1 + 2*2 + 4*3 + 5*4 = 37, (0,1) = 2+6+15+24 = 47,
        // (1,0) = 4+10+21+32 = 67, (1,1) = 5+12+24+36 = 77.
        Shape shape;
        const auto out = runGraph<float>(
            floatConvGraph({1, 3, 3, 1}, {1, 2, 2, 1}, {1, 2, 3, 4}, {0.5f}, Padding::Valid, 1, 1), iota(9),
            KernelMode::Builtin, &shape);
        QCOMPARE(shape, (Shape{1, 2, 2, 1}));
        QCOMPARE(out, (std::vector<float>{37.5f, 47.5f, 67.5f, 77.5f}));
        // RELU6 clamps everything to 6.
        const auto clamped = runGraph<float>(floatConvGraph({1, 3, 3, 1}, {1, 2, 2, 1}, {1, 2, 3, 4}, {0.5f},
                                                            Padding::Valid, 1, 1, FusedActivation::Relu6),
                                             iota(9));
        QCOMPARE(clamped, (std::vector<float>{6, 6, 6, 6}));
    }

    void floatSameStride2OddSize()
    {
        // 5x5 input 1..25, 3x3 ones, stride 2, SAME: output 3x3, padding total 2 -> 1 before.
        // Corners by hand: (0,0) = 1+2+6+7 = 16, (0,1) = 2+3+4+7+8+9 = 33,
        // (1,1) = 7+8+9+12+13+14+17+18+19 = 117, (2,2) = 19+20+24+25 = 88.
        const std::vector<float> ones(9, 1.0f);
        Shape shape;
        const auto out = runGraph<float>(floatConvGraph({1, 5, 5, 1}, {1, 3, 3, 1}, ones, {0.0f}, Padding::Same, 2, 1),
                                         iota(25), KernelMode::Builtin, &shape);
        QCOMPARE(shape, (Shape{1, 3, 3, 1}));
        QCOMPARE(out[0], 16.0f);
        QCOMPARE(out[1], 33.0f);
        QCOMPARE(out[4], 117.0f);
        QCOMPARE(out[8], 88.0f);
        const auto expected = naiveConv1(iota(25), 5, 5, ones, 3, 3, 2, 1, true);
        for (size_t i = 0; i < out.size(); ++i) QCOMPARE(double(out[i]), expected[i]);
        // VALID with an even size: 6x6 input, 3x3 filter, stride 2 -> 2x2.
        const auto valid = runGraph<float>(floatConvGraph({1, 6, 6, 1}, {1, 3, 3, 1}, ones, {0.0f}, Padding::Valid, 2, 1),
                                           iota(36), KernelMode::Builtin, &shape);
        QCOMPARE(shape, (Shape{1, 2, 2, 1}));
        const auto expectedValid = naiveConv1(iota(36), 6, 6, ones, 3, 3, 2, 1, false);
        for (size_t i = 0; i < valid.size(); ++i) QCOMPARE(double(valid[i]), expectedValid[i]);
    }

    void floatDilation2()
    {
        // 2x2 filter [1 2; 3 4] with dilation 2 reads x(0,0), x(0,2), x(2,0), x(2,2):
        // output (0,0) = 1*1 + 2*3 + 3*11 + 4*13 = 92 on the 5x5 grid 1..25.
        Shape shape;
        const auto out = runGraph<float>(
            floatConvGraph({1, 5, 5, 1}, {1, 2, 2, 1}, {1, 2, 3, 4}, {0.0f}, Padding::Valid, 1, 2), iota(25),
            KernelMode::Builtin, &shape);
        QCOMPARE(shape, (Shape{1, 3, 3, 1}));
        QCOMPARE(out[0], 92.0f);
        const auto expected = naiveConv1(iota(25), 5, 5, {1, 2, 3, 4}, 2, 2, 1, 2, false);
        for (size_t i = 0; i < out.size(); ++i) QCOMPARE(double(out[i]), expected[i]);
        // SAME + dilation: effective 3x3, padding 1 on each side, output 5x5.
        const auto same = runGraph<float>(
            floatConvGraph({1, 5, 5, 1}, {1, 2, 2, 1}, {1, 2, 3, 4}, {0.0f}, Padding::Same, 1, 2), iota(25),
            KernelMode::Builtin, &shape);
        QCOMPARE(shape, (Shape{1, 5, 5, 1}));
        const auto expectedSame = naiveConv1(iota(25), 5, 5, {1, 2, 3, 4}, 2, 2, 1, 2, true);
        for (size_t i = 0; i < same.size(); ++i) QCOMPARE(double(same[i]), expectedSame[i]);
    }

    void floatMultiChannelAndGroups()
    {
        // Two input channels, two output channels, 1x1 filter:
        // out0 = 1*a + 2*b, out1 = -1*a + 3*b (+ bias 10, 20), pixel (a, b) = (1, 2) and (3, 4).
        Shape shape;
        const auto out = runGraph<float>(
            floatConvGraph({1, 1, 2, 2}, {2, 1, 1, 2}, {1, 2, -1, 3}, {10, 20}, Padding::Valid, 1, 1),
            std::vector<float>{1, 2, 3, 4},
            KernelMode::Builtin, &shape);
        QCOMPARE(out, (std::vector<float>{15, 25, 21, 29}));
        // Grouped convolution (filter has 1 input channel for a 2-channel input): out0 = 5*a,
        // out1 = 7*b.
        const auto grouped = runGraph<float>(
            floatConvGraph({1, 1, 2, 2}, {2, 1, 1, 1}, {5, 7}, {0, 0}, Padding::Valid, 1, 1), std::vector<float>{1, 2, 3, 4});
        QCOMPARE(grouped, (std::vector<float>{5, 14, 15, 28}));
    }

    void int8PerChannelDifferentScales()
    {
        // input scale 0.5 zp -1, filter scales {0.25, 0.125}, output scale 1 zp 3:
        // multipliers 0.125 and 0.0625. Pixels (q + 1): (10, -4), (31, 21); filter rows
        // (3, -2), (7, 5); bias (4, -8).
        //   p0: 30 + 8 + 4 = 42 -> 5.25 -> 5 (+3 = 8);   70 - 20 - 8 = 42 -> 2.625 -> 3 (6)
        //   p1: 93 - 42 + 4 = 55 -> 6.875 -> 7 (10);    217 + 105 - 8 = 314 -> 19.625 -> 20 (23)
        for (const auto activation : {FusedActivation::None, FusedActivation::Relu6}) {
            for (const auto mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
                Graph g;
                const int32_t in = addTensor(g, "input", DType::Int8, {1, 1, 2, 2}, quant(0.5f, -1));
                const int32_t w = addConstant(g, "filter", DType::Int8, {2, 1, 1, 2}, std::vector<int8_t>{3, -2, 7, 5},
                                              perChannel({0.25f, 0.125f}, 0));
                const int32_t b = addConstant(g, "bias", DType::Int32, {2}, std::vector<int32_t>{4, -8});
                const int32_t out = addTensor(g, "output", DType::Int8, {1, 1, 2, 2}, quant(1.0f, 3));
                Op& op = addOp(g, OpType::Conv2D, {in, w, b}, {out});
                op.attrs.padding = Padding::Valid;
                op.attrs.activation = activation;
                g.inputs = {in};
                g.outputs = {out};
                const auto result = runGraph<int8_t>(g, std::vector<int8_t>{9, -5, 30, 20}, mode);
                // RELU6 clamps at zero point + round(6 / 1) = 9.
                const std::vector<int8_t> expected = activation == FusedActivation::None ? std::vector<int8_t>{8, 6, 10, 23}
                                                                                         : std::vector<int8_t>{8, 6, 9, 9};
                QCOMPARE(result, expected);
            }
        }
    }

    void int8RoundingDiffersBetweenModes()
    {
        // 1x1 conv, multiplier 0.5: accumulators 5, -5, 1, -3 are exact ties.
        // Builtin (SaturatingRoundingDoublingHighMul rounds ties up, RoundingDivideByPOT
        // is not reached with shift 0): 3, -2, 1, -1. XNNPACK (nearest even): 2, -2, 0, -2.
        Graph g;
        const int32_t in = addTensor(g, "input", DType::Int8, {1, 1, 4, 1}, quant(1.0f, 0));
        const int32_t w = addConstant(g, "filter", DType::Int8, {1, 1, 1, 1}, std::vector<int8_t>{1},
                                      perChannel({0.5f}, 0));
        const int32_t b = addConstant(g, "bias", DType::Int32, {1}, std::vector<int32_t>{0});
        const int32_t out = addTensor(g, "output", DType::Int8, {1, 1, 4, 1}, quant(1.0f, 0));
        addOp(g, OpType::Conv2D, {in, w, b}, {out}).attrs.padding = Padding::Valid;
        g.inputs = {in};
        g.outputs = {out};
        const std::vector<int8_t> input{5, -5, 1, -3};
        QCOMPARE(runGraph<int8_t>(g, input, KernelMode::Builtin), (std::vector<int8_t>{3, -2, 1, -1}));
        QCOMPARE(runGraph<int8_t>(g, input, KernelMode::Xnnpack), (std::vector<int8_t>{2, -2, 0, -2}));
    }

    void uint8WithWeightZeroPoint()
    {
        // uint8 conv 1x1: input scale 0.5 zp 128, filter scale 0.25 zp 120, output scale 0.5
        // zp 100 -> multiplier 0.25. Input (130, 126) -> (2, -2); filter rows (124, 118) and
        // (120, 140) -> (4, -2) and (0, 20); bias (10, -3).
        //   oc0: 8 + 4 + 10 = 22 -> 5.5 -> 6 (every rounding) -> 106
        //   oc1: 0 - 40 - 3 = -43 -> -10.75: XNNPACK -11 -> 89; builtin (ruy GEMM, both
        //   roundings break ties upward) round(-21.5) = -21, then -10.5 -> -10 -> 90.
        for (const auto mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
            Graph g;
            const int32_t in = addTensor(g, "input", DType::UInt8, {1, 1, 1, 2}, quant(0.5f, 128));
            const int32_t w = addConstant(g, "filter", DType::UInt8, {2, 1, 1, 2}, std::vector<uint8_t>{124, 118, 120, 140},
                                          quant(0.25f, 120));
            const int32_t b = addConstant(g, "bias", DType::Int32, {2}, std::vector<int32_t>{10, -3});
            const int32_t out = addTensor(g, "output", DType::UInt8, {1, 1, 1, 2}, quant(0.5f, 100));
            addOp(g, OpType::Conv2D, {in, w, b}, {out}).attrs.padding = Padding::Valid;
            g.inputs = {in};
            g.outputs = {out};
            const uint8_t expected1 = mode == KernelMode::Builtin ? 90 : 89;
            QCOMPARE(runGraph<uint8_t>(g, std::vector<uint8_t>{130, 126}, mode), (std::vector<uint8_t>{106, expected1}));
        }
    }

    void int16x8WithInt64Bias()
    {
        // input scale 0.01, filter scale 0.02, output scale 0.05 -> multiplier 0.004.
        // acc = 1000*50 + (-3000)*(-20) + 12345 = 122345 -> 489.38 -> 489.
        // Second pixel (-2000, 100): -100000 - 2000 + 12345 = -89655 -> -358.62 -> -359.
        Graph g;
        const int32_t in = addTensor(g, "input", DType::Int16, {1, 1, 2, 2}, quant(0.01f, 0));
        const int32_t w = addConstant(g, "filter", DType::Int8, {1, 1, 1, 2}, std::vector<int8_t>{50, -20},
                                      perChannel({0.02f}, 0));
        const int32_t b = addConstant(g, "bias", DType::Int64, {1}, std::vector<int64_t>{12345});
        const int32_t out = addTensor(g, "output", DType::Int16, {1, 1, 2, 1}, quant(0.05f, 0));
        addOp(g, OpType::Conv2D, {in, w, b}, {out}).attrs.padding = Padding::Valid;
        g.inputs = {in};
        g.outputs = {out};
        QCOMPARE(runGraph<int16_t>(g, std::vector<int16_t>{1000, -3000, -2000, 100}), (std::vector<int16_t>{489, -359}));
    }

    void depthwiseMultiplier2()
    {
        // Input 2x2 with channels (a, b); depth multiplier 2 -> output channels
        // (a*w0, a*w1, b*w2, b*w3) summed over the four taps. Filter taps (per output channel):
        //   tap0 (1, 2, 3, 4), tap1 (0, 1, 0, 1), tap2 (1, 0, 1, 0), tap3 (2, 2, 2, 2).
        // Pixels (a, b): (1, 10), (2, 20), (3, 30), (4, 40).
        //   oc0 = 1*1 + 2*0 + 3*1 + 4*2 = 12       oc1 = 1*2 + 2*1 + 3*0 + 4*2 = 12
        //   oc2 = 10*3 + 20*0 + 30*1 + 40*2 = 140  oc3 = 10*4 + 20*1 + 30*0 + 40*2 = 140
        // plus bias (0, 1, 2, 3).
        Graph g;
        const int32_t in = addTensor(g, "input", DType::Float32, {1, 2, 2, 2});
        const int32_t w = addConstant(g, "filter", DType::Float32, {1, 2, 2, 4},
                                      std::vector<float>{1, 2, 3, 4, 0, 1, 0, 1, 1, 0, 1, 0, 2, 2, 2, 2});
        const int32_t b = addConstant(g, "bias", DType::Float32, {4}, std::vector<float>{0, 1, 2, 3});
        const int32_t out = addTensor(g, "output", DType::Float32, {});
        Op& op = addOp(g, OpType::DepthwiseConv2D, {in, w, b}, {out});
        op.attrs.padding = Padding::Valid;
        op.attrs.depthMultiplier = 2;
        g.inputs = {in};
        g.outputs = {out};
        Shape shape;
        const auto result = runGraph<float>(g, std::vector<float>{1, 10, 2, 20, 3, 30, 4, 40}, KernelMode::Builtin, &shape);
        QCOMPARE(shape, (Shape{1, 1, 1, 4}));
        QCOMPARE(result, (std::vector<float>{12, 13, 142, 143}));
    }

    void depthwiseInt8SameStride2()
    {
        // 3x3 input (one channel, values 1..9 stored, zp 0, scale 1), 3x3 filter of ones,
        // stride 2, SAME: output 2x2, padding total (2-1)*2+3-3 = 2 -> 1 before.
        // (0,0) = 1+2+4+5 = 12, (0,1) = 2+3+5+6 = 16, (1,0) = 4+5+7+8 = 24, (1,1) = 5+6+8+9 = 28;
        // output scale 2: 6, 8, 12, 14.
        Graph g;
        const int32_t in = addTensor(g, "input", DType::Int8, {1, 3, 3, 1}, quant(1.0f, 0));
        const int32_t w = addConstant(g, "filter", DType::Int8, {1, 3, 3, 1}, std::vector<int8_t>(9, 1),
                                      perChannel({1.0f}, 3));
        const int32_t b = addConstant(g, "bias", DType::Int32, {1}, std::vector<int32_t>{0});
        const int32_t out = addTensor(g, "output", DType::Int8, {}, quant(2.0f, 0));
        Op& op = addOp(g, OpType::DepthwiseConv2D, {in, w, b}, {out});
        op.attrs.padding = Padding::Same;
        op.attrs.strideH = op.attrs.strideW = 2;
        op.attrs.depthMultiplier = 1;
        g.inputs = {in};
        g.outputs = {out};
        std::vector<int8_t> input(9);
        for (int i = 0; i < 9; ++i) input[i] = int8_t(i + 1);
        QCOMPARE(runGraph<int8_t>(g, input), (std::vector<int8_t>{6, 8, 12, 14}));
    }

    void transposeConvFloat()
    {
        // Input [1 2; 3 4], 2x2 filter of ones.
        // Stride 2, VALID, output 4x4: every input value fills its own 2x2 block.
        // Stride 1, VALID, output 3x3: overlapping sums [1 3 2; 4 10 6; 3 7 4].
        const auto build = [](int stride, int outSize) {
            Graph g;
            const int32_t shape = addConstant(g, "output_shape", DType::Int32, {4},
                                              std::vector<int32_t>{1, outSize, outSize, 1});
            const int32_t w = addConstant(g, "weights", DType::Float32, {1, 2, 2, 1}, std::vector<float>(4, 1.0f));
            const int32_t in = addTensor(g, "input", DType::Float32, {1, 2, 2, 1});
            const int32_t out = addTensor(g, "output", DType::Float32, {});
            Op& op = addOp(g, OpType::TransposeConv, {shape, w, in}, {out});
            op.attrs.padding = Padding::Valid;
            op.attrs.strideH = op.attrs.strideW = stride;
            g.inputs = {in};
            g.outputs = {out};
            return g;
        };
        const std::vector<float> input{1, 2, 3, 4};
        QCOMPARE(runGraph<float>(build(2, 4), input),
                 (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
        QCOMPARE(runGraph<float>(build(1, 3), input), (std::vector<float>{1, 3, 2, 4, 10, 6, 3, 7, 4}));
    }

    void transposeConvRunTimeOutputShapeIsChecked()
    {
        // output_shape fed as a graph input (as in the seanet models): prepared from the
        // output's declared shape [1, 3, 3, 1]; that value at run time computes (the
        // overlapping sums of transposeConvFloat), any other one makes invoke() fail
        // naming the op and tensor instead of silently writing zeros.
        Graph g;
        const int32_t in = addTensor(g, "input", DType::Float32, {1, 2, 2, 1});
        const int32_t shape = addTensor(g, "runtime_output_shape", DType::Int32, {4});
        const int32_t w = addConstant(g, "weights", DType::Float32, {1, 2, 2, 1}, std::vector<float>(4, 1.0f));
        const int32_t out = addTensor(g, "output", DType::Float32, {1, 3, 3, 1});
        Op& op = addOp(g, OpType::TransposeConv, {shape, w, in}, {out});
        op.attrs.padding = Padding::Valid;
        op.attrs.strideH = op.attrs.strideW = 1;
        g.inputs = {in, shape};
        g.outputs = {out};
        auto created = Interpreter::create(std::move(g));
        QVERIFY2(created.isOk(), created.message().c_str());
        Interpreter& run = *created.value();
        const std::vector<float> input{1, 2, 3, 4};
        QVERIFY(run.setInput(0, input.data(), input.size() * sizeof(float)).isOk());
        std::vector<int32_t> declared{1, 3, 3, 1};
        QVERIFY(run.setInput(1, declared.data(), declared.size() * sizeof(int32_t)).isOk());
        Status status = run.invoke();
        QVERIFY2(status.isOk(), status.message().c_str());
        const auto values = run.output(0).span<float>();
        QCOMPARE(std::vector<float>(values.begin(), values.end()), (std::vector<float>{1, 3, 2, 4, 10, 6, 3, 7, 4}));

        std::vector<int32_t> other{1, 4, 4, 1};
        QVERIFY(run.setInput(1, other.data(), other.size() * sizeof(int32_t)).isOk());
        status = run.invoke();
        QVERIFY(!status.isOk());
        const std::string message = status.message();
        QVERIFY2(message.find("op #0 (TRANSPOSE_CONV)") != std::string::npos &&
                     message.find("tensor #1 'runtime_output_shape' holds [1, 4, 4, 1] at run time") !=
                         std::string::npos &&
                     message.find("declared shape [1, 3, 3, 1]") != std::string::npos &&
                     message.find("not supported") != std::string::npos,
                 message.c_str());
        // The declared value works again afterwards.
        QVERIFY(run.setInput(1, declared.data(), declared.size() * sizeof(int32_t)).isOk());
        QVERIFY(run.invoke().isOk());
    }

    void transposeConvInt16WithBias()
    {
        // Same overlapping case in 16x8 with scales 1 except the output (scale 0.5): values
        // double, plus int64 bias 7 (in accumulator units, so +14 after scaling).
        Graph g;
        const int32_t shape = addConstant(g, "output_shape", DType::Int32, {4}, std::vector<int32_t>{1, 3, 3, 1});
        const int32_t w = addConstant(g, "weights", DType::Int8, {1, 2, 2, 1}, std::vector<int8_t>(4, 1),
                                      perChannel({1.0f}, 0));
        const int32_t in = addTensor(g, "input", DType::Int16, {1, 2, 2, 1}, quant(1.0f, 0));
        const int32_t b = addConstant(g, "bias", DType::Int64, {1}, std::vector<int64_t>{7});
        const int32_t out = addTensor(g, "output", DType::Int16, {}, quant(0.5f, 0));
        Op& op = addOp(g, OpType::TransposeConv, {shape, w, in, b}, {out});
        op.attrs.padding = Padding::Valid;
        g.inputs = {in};
        g.outputs = {out};
        QCOMPARE(runGraph<int16_t>(g, std::vector<int16_t>{1, 2, 3, 4}),
                 (std::vector<int16_t>{16, 20, 18, 22, 34, 26, 20, 28, 22}));
    }

    void hybridConvPerTensor()
    {
        // Float input (1, -0.5) at one pixel, int8 1x1 filter (127, 64) scale 0.01 per tensor.
        // Symmetric input quantization: max |x| = 1 -> q = (127, round(-63.5) = -64),
        // input scale 1/127; acc = 127*127 - 64*64 = 12033; output = 12033 * (0.01/127) + 0.5.
        Graph g;
        const int32_t in = addTensor(g, "input", DType::Float32, {1, 1, 1, 2});
        const int32_t w = addConstant(g, "filter", DType::Int8, {1, 1, 1, 2}, std::vector<int8_t>{127, 64},
                                      perChannel({0.01f}, 0));
        const int32_t b = addConstant(g, "bias", DType::Float32, {1}, std::vector<float>{0.5f});
        const int32_t out = addTensor(g, "output", DType::Float32, {});
        addOp(g, OpType::Conv2D, {in, w, b}, {out}).attrs.padding = Padding::Valid;
        g.inputs = {in};
        g.outputs = {out};
        const auto result = runGraph<float>(g, std::vector<float>{1.0f, -0.5f});
        QCOMPARE(result.size(), size_t{1});
        const double expected = 12033.0 * (0.01 / 127.0) + 0.5;
        QVERIFY2(std::abs(result[0] - expected) <= 1e-5 * expected, qPrintable(QString::number(result[0])));
    }

    void floatSummationOrderFollowsTheMode()
    {
        // 1x1 conv over (1e8, 1) with weights (1, 1) and bias -1e8. TFLite sums the taps
        // first: 1e8 + 1 rounds to 1e8 in float, plus the bias gives 0. XNNPACK starts from
        // the bias: -1e8 + 1e8 = 0, + 1 = 1.
        const Graph conv = floatConvGraph({1, 1, 1, 2}, {1, 1, 1, 2}, {1, 1}, {-1e8f}, Padding::Valid, 1, 1);
        QCOMPARE(runGraph<float>(conv, std::vector<float>{1e8f, 1.0f}, KernelMode::Builtin), (std::vector<float>{0.0f}));
        QCOMPARE(runGraph<float>(conv, std::vector<float>{1e8f, 1.0f}, KernelMode::Xnnpack), (std::vector<float>{1.0f}));
        // Depthwise 2x2 taps of ones over [1e8 1; -1e8 0]: TFLite goes row by row
        // (1e8 + 1 = 1e8, - 1e8 = 0, + 0 = 0); XNNPACK column by column (1e8 - 1e8 = 0,
        // + 1 = 1, + 0 = 1).
        Graph g;
        const int32_t in = addTensor(g, "input", DType::Float32, {1, 2, 2, 1});
        const int32_t w = addConstant(g, "filter", DType::Float32, {1, 2, 2, 1}, std::vector<float>(4, 1.0f));
        const int32_t b = addConstant(g, "bias", DType::Float32, {1}, std::vector<float>{0.0f});
        const int32_t out = addTensor(g, "output", DType::Float32, {});
        Op& op = addOp(g, OpType::DepthwiseConv2D, {in, w, b}, {out});
        op.attrs.padding = Padding::Valid;
        op.attrs.depthMultiplier = 1;
        g.inputs = {in};
        g.outputs = {out};
        const std::vector<float> input{1e8f, 1.0f, -1e8f, 0.0f};
        QCOMPARE(runGraph<float>(g, input, KernelMode::Builtin), (std::vector<float>{0.0f}));
        QCOMPARE(runGraph<float>(g, input, KernelMode::Xnnpack), (std::vector<float>{1.0f}));
    }

    void hybridConvPerChannelQuantizesAsymmetrically()
    {
        // Per-channel scales that differ select TFLite's EvalHybridPerChannel, which always
        // quantizes the input asymmetrically: (0, 1, 2, 3) -> scale 3/255, zero point -128,
        // q + 128 = (0, 85, 170, 255). Filter rows (0, 1, 0, 0) scale 0.5 and (2, 0, 0, -1)
        // scale 0.25, bias (1, 0):
        //   oc0: 85 * (3/255) * 0.5 + 1 = 1.5;   oc1: -255 * (3/255) * 0.25 = -0.75.
        // (Symmetric quantization would give q(1) = round(127/3) = 42 and oc0 = 1.49606.)
        Graph g;
        const int32_t in = addTensor(g, "input", DType::Float32, {1, 1, 1, 4});
        const int32_t w = addConstant(g, "filter", DType::Int8, {2, 1, 1, 4}, std::vector<int8_t>{0, 1, 0, 0, 2, 0, 0, -1},
                                      perChannel({0.5f, 0.25f}, 0));
        const int32_t b = addConstant(g, "bias", DType::Float32, {2}, std::vector<float>{1.0f, 0.0f});
        const int32_t out = addTensor(g, "output", DType::Float32, {});
        addOp(g, OpType::Conv2D, {in, w, b}, {out}).attrs.padding = Padding::Valid;
        g.inputs = {in};
        g.outputs = {out};
        const auto result = runGraph<float>(g, std::vector<float>{0, 1, 2, 3});
        QCOMPARE(result.size(), size_t{2});
        QVERIFY2(std::abs(result[0] - 1.5f) <= 1.5e-5f, qPrintable(QString::number(result[0], 'g', 9)));
        QVERIFY2(std::abs(result[1] + 0.75f) <= 1e-5f, qPrintable(QString::number(result[1], 'g', 9)));
    }

    void prepareRejectsBadQuantization()
    {
        const auto build = [](QuantParams filterQuant) {
            Graph g;
            const int32_t in = addTensor(g, "input", DType::Int8, {1, 1, 1, 2}, quant(0.5f, 0));
            const int32_t w = addConstant(g, "conv_weights", DType::Int8, {2, 1, 1, 2}, std::vector<int8_t>{1, 2, 3, 4},
                                          std::move(filterQuant));
            const int32_t b = addConstant(g, "bias", DType::Int32, {2}, std::vector<int32_t>{0, 0});
            const int32_t out = addTensor(g, "output", DType::Int8, {}, quant(1.0f, 0));
            addOp(g, OpType::Conv2D, {in, w, b}, {out}).attrs.padding = Padding::Valid;
            g.inputs = {in};
            g.outputs = {out};
            return g;
        };
        // Per-channel scales along the input-channel dimension (3) instead of the output
        // channels (0): the graph is consistent, but CONV_2D cannot use it.
        std::string message = prepareError(build(perChannel({0.1f, 0.2f}, 3)));
        QVERIFY2(message.find("conv_weights") != std::string::npos && message.find("dimension 3") != std::string::npos,
                 message.c_str());
        // int8 weights must be symmetric.
        QuantParams asymmetric = quant(0.1f, 5);
        message = prepareError(build(asymmetric));
        QVERIFY2(message.find("conv_weights") != std::string::npos && message.find("symmetric") != std::string::npos,
                 message.c_str());
        // A zero scale.
        message = prepareError(build(perChannel({0.1f, 0.0f}, 0)));
        QVERIFY2(message.find("invalid scale") != std::string::npos, message.c_str());
        // Missing output quantization.
        Graph g = build(perChannel({0.1f, 0.2f}, 0));
        g.tensors[g.outputs[0]].quant = {};
        message = prepareError(g);
        QVERIFY2(message.find("output") != std::string::npos && message.find("no quantization") != std::string::npos,
                 message.c_str());
        // Valid parameters are accepted.
        QVERIFY(prepareError(build(perChannel({0.1f, 0.2f}, 0))).empty());
    }

    void int16x8BiasOverflowIsDefinedAndMatchesTflite()
    {
        // The fuzz reproducer: a 16x8 CONV_2D whose channel-7 int64 bias (4683743612465317748,
        // about 2^62) makes acc * multiplier overflow int64 (undefined behaviour before).
        // Both kernel modes must give the real TFLite runtime's output byte for byte
        // (tests/data/conv_bias_overflow/README.md), channel 7's wrap-around included.
        const std::string dir = std::string(RF_SOURCE_DIR) + "/tests/data/conv_bias_overflow";
        const std::vector<uint8_t> expected = readFileBytes(dir + "/expected.bin");
        QCOMPARE(expected.size(), size_t{5 * 32 * 2});
        const auto input = readNpyFile(dir + "/input_0.npy");
        QVERIFY2(input.isOk(), input.message().c_str());
        for (KernelMode mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
            auto graph = readTfliteFile(std::string(RF_SOURCE_DIR) +
                                        "/tests/fuzz/regressions/conv2d_int16x8_eval_bias_overflow.tflite");
            QVERIFY2(graph.isOk(), graph.message().c_str());
            const Tensor& bias = graph.value().tensors[2];
            QCOMPARE(bias.dtype, DType::Int64);
            int64_t channel7 = 0;
            std::memcpy(&channel7, bias.data.data() + 7 * sizeof(int64_t), sizeof(int64_t));
            QCOMPARE(channel7, int64_t{4683743612465317748});
            auto created = Interpreter::create(std::move(graph).value(), InterpreterOptions{mode, 1});
            QVERIFY2(created.isOk(), created.message().c_str());
            Interpreter& run = *created.value();
            QVERIFY(run.setInput(0, input.value().data.data(), input.value().data.size()).isOk());
            QVERIFY(run.invoke().isOk());
            const TensorValue& out = run.output(0);
            QCOMPARE(static_cast<size_t>(out.byteSize()), expected.size());
            std::vector<int16_t> got(expected.size() / 2), want(expected.size() / 2);
            std::memcpy(got.data(), out.bytes(), expected.size());
            std::memcpy(want.data(), expected.data(), expected.size());
            QCOMPARE(got, want);
            // Channel 7 of the five output pixels: TFLite's wrapped values, not a saturated 32767.
            QCOMPARE((std::vector<int16_t>{got[7], got[39], got[71], got[103], got[135]}),
                     (std::vector<int16_t>{-32768, 15747, 3727, 32767, 32767}));
        }
    }

    void int16x8BiasRulesOfTflite()
    {
        // What TFLite's Prepare refuses for 16x8 convolutions (XNNPACK never takes them, so
        // every TFLite runtime does; the WASM oracle says "conv.cc has_bias was not true" and
        // "depthwise_conv.cc bias->type != kTfLiteInt64 (INT32 != INT64)"): a CONV_2D without
        // a bias, a DEPTHWISE_CONV_2D whose bias is not int64. CONV_2D takes an int32 bias and
        // DEPTHWISE_CONV_2D no bias at all.
        const auto build = [](OpType type, DType biasType) {
            Graph g;
            const int32_t in = addTensor(g, "input16", DType::Int16, {1, 1, 1, 2}, quant(0.5f, 0));
            const Shape filterShape = type == OpType::Conv2D ? Shape{2, 1, 1, 2} : Shape{1, 1, 1, 2};
            const std::vector<int8_t> weights =
                type == OpType::Conv2D ? std::vector<int8_t>{1, 2, 3, 4} : std::vector<int8_t>{1, 2};
            const int32_t w = addConstant(g, "weights", DType::Int8, filterShape, weights, perChannel({0.1f}, 0));
            int32_t b = kNoTensor;
            if (biasType == DType::Int32)
                b = addConstant(g, "bias32", DType::Int32, {2}, std::vector<int32_t>{5, -5}, quant(0.05f, 0));
            else if (biasType == DType::Int64)
                b = addConstant(g, "bias64", DType::Int64, {2}, std::vector<int64_t>{5, -5}, quant(0.05f, 0));
            const int32_t out = addTensor(g, "output16", DType::Int16, {}, quant(1.0f, 0));
            Op& op = addOp(g, type, b == kNoTensor ? std::vector<int32_t>{in, w} : std::vector<int32_t>{in, w, b}, {out});
            op.attrs.padding = Padding::Valid;
            op.attrs.depthMultiplier = 1;
            g.inputs = {in};
            g.outputs = {out};
            return g;
        };
        std::string message = prepareError(build(OpType::Conv2D, DType::Unknown));
        QVERIFY2(message.find("op #0 (CONV_2D)") != std::string::npos &&
                     message.find("'input16'") != std::string::npos &&
                     message.find("needs a bias input") != std::string::npos,
                 message.c_str());
        message = prepareError(build(OpType::DepthwiseConv2D, DType::Int32));
        QVERIFY2(message.find("op #0 (DEPTHWISE_CONV_2D)") != std::string::npos &&
                     message.find("bias tensor #2 'bias32' has type int32") != std::string::npos &&
                     message.find("needs an int64 bias") != std::string::npos,
                 message.c_str());
        QVERIFY2(prepareError(build(OpType::Conv2D, DType::Int32)).empty(), "CONV_2D 16x8 with an int32 bias");
        QVERIFY2(prepareError(build(OpType::Conv2D, DType::Int64)).empty(), "CONV_2D 16x8 with an int64 bias");
        QVERIFY2(prepareError(build(OpType::DepthwiseConv2D, DType::Int64)).empty(), "DEPTHWISE_CONV_2D 16x8, int64 bias");
        QVERIFY2(prepareError(build(OpType::DepthwiseConv2D, DType::Unknown)).empty(), "DEPTHWISE_CONV_2D 16x8, no bias");
    }
};

QTEST_APPLESS_MAIN(TestConvOps)
#include "tst_conv_ops.moc"
