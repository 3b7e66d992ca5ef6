// PAD/PADV2, RESHAPE, SQUEEZE, STRIDED_SLICE, TRANSPOSE, CONCATENATION and
// SPLIT/SPLIT_V against hand-written expected tensors (shapes and values follow from
// the op definitions in TFLite's kernels), including the masks and negative strides
// of STRIDED_SLICE, -1 inference, requantizing uint8 concatenation, and the errors
// prepare() must give.
#include <QtTest>

#include <numeric>

#include "layout_test_helpers.h"

using namespace rf;
using namespace rf::test;

namespace {

template <typename T>
std::vector<T> iota(size_t n)
{
    std::vector<T> values(n);
    std::iota(values.begin(), values.end(), T{0});
    return values;
}

/// A one-op graph on input `in`; extra constant operands come from `operands`.
struct OneOp {
    Graph graph;
    int32_t input = -1;
    Op* op = nullptr;
};

OneOp oneOp(OpType type, DType dtype, Shape inputShape, QuantParams inQuant = {}, QuantParams outQuant = {},
            int outputs = 1)
{
    OneOp g;
    g.input = addTensor(g.graph, "x", dtype, std::move(inputShape), std::move(inQuant));
    std::vector<int32_t> outs;
    for (int o = 0; o < outputs; ++o) outs.push_back(addTensor(g.graph, "y" + std::to_string(o), dtype, {}, outQuant));
    g.op = &addOp(g.graph, type, {g.input}, outs);
    g.graph.inputs = {g.input};
    g.graph.outputs = outs;
    return g;
}

template <typename T>
void addOperand(OneOp& g, const std::string& name, DType dtype, Shape shape, const std::vector<T>& values,
                QuantParams q = {})
{
    const int32_t index = addConstant(g.graph, name, dtype, std::move(shape), values, std::move(q));
    g.graph.ops.back().inputs.push_back(index);
}

Graph stridedSlice(Shape input, std::vector<int32_t> begin, std::vector<int32_t> end, std::vector<int32_t> strides,
                   int beginMask = 0, int endMask = 0, int shrinkMask = 0, int newAxisMask = 0, int ellipsisMask = 0,
                   bool offset = false)
{
    OneOp g = oneOp(OpType::StridedSlice, DType::Int32, std::move(input));
    const Shape n{static_cast<int32_t>(begin.size())};
    addOperand(g, "begin", DType::Int32, n, begin);
    addOperand(g, "end", DType::Int32, n, end);
    addOperand(g, "strides", DType::Int32, n, strides);
    OpAttributes& a = g.graph.ops.back().attrs;
    a.beginMask = beginMask;
    a.endMask = endMask;
    a.shrinkAxisMask = shrinkMask;
    a.newAxisMask = newAxisMask;
    a.ellipsisMask = ellipsisMask;
    a.offset = offset;
    return g.graph;
}

Graph resizeGraph(OpType type, DType dtype, Shape input, int height, int width, bool alignCorners, bool halfPixel,
                  QuantParams q = {})
{
    OneOp g = oneOp(type, dtype, std::move(input), q, q);
    addOperand(g, "size", DType::Int32, {2}, std::vector<int32_t>{height, width});
    g.graph.ops.back().attrs.alignCorners = alignCorners;
    g.graph.ops.back().attrs.halfPixelCenters = halfPixel;
    return g.graph;
}

} // namespace

class TestLayoutOps : public QObject {
    Q_OBJECT
private slots:
    void padFloat()
    {
        OneOp g = oneOp(OpType::Pad, DType::Float32, {1, 2, 2, 1});
        addOperand(g, "paddings", DType::Int32, {4, 2}, std::vector<int32_t>{0, 0, 1, 0, 0, 2, 0, 0});
        const RunResult r = runGraph(g.graph, {bytesOf(std::vector<float>{1, 2, 3, 4})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 3, 4, 1}));
        QCOMPARE(r.output<float>(), (std::vector<float>{0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0}));
    }

    void padQuantizedUsesZeroPointOrPadValue()
    {
        const std::vector<int32_t> paddings{0, 0, 0, 0, 1, 1, 0, 0};
        OneOp pad = oneOp(OpType::Pad, DType::Int8, {1, 1, 2, 1}, quant(0.5f, -5), quant(0.5f, -5));
        addOperand(pad, "paddings", DType::Int32, {4, 2}, paddings);
        RunResult r = runGraph(pad.graph, {bytesOf(std::vector<int8_t>{7, 8})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.output<int8_t>(), (std::vector<int8_t>{-5, 7, 8, -5}));

        OneOp padV2 = oneOp(OpType::PadV2, DType::Int8, {1, 1, 2, 1}, quant(0.5f, -5), quant(0.5f, -5));
        addOperand(padV2, "paddings", DType::Int64, {4, 2}, std::vector<int64_t>(paddings.begin(), paddings.end()));
        addOperand(padV2, "value", DType::Int8, {}, std::vector<int8_t>{-7}, quant(0.5f, -5));
        r = runGraph(padV2.graph, {bytesOf(std::vector<int8_t>{7, 8})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.output<int8_t>(), (std::vector<int8_t>{-7, 7, 8, -7}));

        // Unquantized int8 pads with 0; uint8 is always quantized (zero point 128 here).
        OneOp plain = oneOp(OpType::Pad, DType::Int8, {1, 1, 2, 1});
        addOperand(plain, "paddings", DType::Int32, {4, 2}, paddings);
        QCOMPARE(runGraph(plain.graph, {bytesOf(std::vector<int8_t>{7, 8})}).output<int8_t>(),
                 (std::vector<int8_t>{0, 7, 8, 0}));
        OneOp u8 = oneOp(OpType::Pad, DType::UInt8, {1, 1, 2, 1}, quant(0.1f, 128), quant(0.1f, 128));
        addOperand(u8, "paddings", DType::Int32, {4, 2}, paddings);
        QCOMPARE(runGraph(u8.graph, {bytesOf(std::vector<uint8_t>{7, 8})}).output<uint8_t>(),
                 (std::vector<uint8_t>{128, 7, 8, 128}));
    }

    void padInt64AndBool()
    {
        OneOp g = oneOp(OpType::Pad, DType::Int64, {2});
        addOperand(g, "paddings", DType::Int32, {1, 2}, std::vector<int32_t>{2, 1});
        RunResult r = runGraph(g.graph, {bytesOf(std::vector<int64_t>{int64_t{1} << 40, -6})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.output<int64_t>(), (std::vector<int64_t>{0, 0, int64_t{1} << 40, -6, 0}));

        OneOp b = oneOp(OpType::PadV2, DType::Bool, {1, 2});
        addOperand(b, "paddings", DType::Int32, {2, 2}, std::vector<int32_t>{1, 0, 0, 1});
        addOperand(b, "value", DType::Bool, {1}, std::vector<uint8_t>{1});
        r = runGraph(b.graph, {bytesOf(std::vector<uint8_t>{0, 1})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{2, 3}));
        QCOMPARE(r.output<uint8_t>(), (std::vector<uint8_t>{1, 1, 1, 0, 1, 1}));
    }

    void padRejectsBadPaddings()
    {
        OneOp negative = oneOp(OpType::Pad, DType::Float32, {1, 2});
        addOperand(negative, "paddings", DType::Int32, {2, 2}, std::vector<int32_t>{0, 0, -1, 0});
        std::string error = prepareError(negative.graph);
        QVERIFY2(error.find("PAD") != std::string::npos && error.find("negative") != std::string::npos, error.c_str());

        OneOp shape = oneOp(OpType::Pad, DType::Float32, {1, 2, 2, 1});
        addOperand(shape, "paddings", DType::Int32, {3, 2}, std::vector<int32_t>(6, 0));
        error = prepareError(shape.graph);
        QVERIFY2(error.find("'paddings'") != std::string::npos && error.find("[4, 2]") != std::string::npos, error.c_str());

        OneOp value = oneOp(OpType::PadV2, DType::Int8, {2}, quant(0.5f, 0), quant(0.5f, 0));
        addOperand(value, "paddings", DType::Int32, {1, 2}, std::vector<int32_t>{1, 1});
        addOperand(value, "value", DType::Int8, {1}, std::vector<int8_t>{3}, quant(0.25f, 0));
        error = prepareError(value.graph);
        QVERIFY2(error.find("'value'") != std::string::npos && error.find("scale") != std::string::npos, error.c_str());
    }

    void reshapeFromTensorOptionsAndLegacyScalar()
    {
        OneOp fromTensor = oneOp(OpType::Reshape, DType::Float32, {2, 3});
        addOperand(fromTensor, "shape", DType::Int32, {2}, std::vector<int32_t>{3, -1});
        RunResult r = runGraph(fromTensor.graph, {bytesOf(iota<float>(6))});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{3, 2}));
        QCOMPARE(r.output<float>(), iota<float>(6));

        OneOp fromOptions = oneOp(OpType::Reshape, DType::Int8, {2, 3}, quant(1.0f, 0), quant(1.0f, 0));
        fromOptions.graph.ops.back().attrs.newShape = {-1};
        r = runGraph(fromOptions.graph, {bytesOf(iota<int8_t>(6))});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{6}));

        OneOp scalar = oneOp(OpType::Reshape, DType::Float32, {1, 1});
        scalar.graph.ops.back().attrs.newShape = {0};
        r = runGraph(scalar.graph, {bytesOf(std::vector<float>{4.5f})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), Shape{});
        QCOMPARE(r.output<float>(), std::vector<float>{4.5f});
    }

    void reshapeRejectsImpossibleShapes()
    {
        OneOp twoStretch = oneOp(OpType::Reshape, DType::Float32, {2, 3});
        addOperand(twoStretch, "shape", DType::Int32, {2}, std::vector<int32_t>{-1, -1});
        std::string error = prepareError(twoStretch.graph);
        QVERIFY2(error.find("RESHAPE") != std::string::npos && error.find("more than one -1") != std::string::npos,
                 error.c_str());
        OneOp mismatch = oneOp(OpType::Reshape, DType::Float32, {2, 3});
        addOperand(mismatch, "shape", DType::Int32, {2}, std::vector<int32_t>{4, 2});
        error = prepareError(mismatch.graph);
        QVERIFY2(error.find("cannot reshape") != std::string::npos && error.find("'x'") != std::string::npos, error.c_str());
    }

    void squeezeAllOrListed()
    {
        OneOp all = oneOp(OpType::Squeeze, DType::Float32, {1, 2, 1, 3});
        RunResult r = runGraph(all.graph, {bytesOf(iota<float>(6))});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{2, 3}));
        OneOp listed = oneOp(OpType::Squeeze, DType::Float32, {1, 2, 1, 3});
        listed.graph.ops.back().attrs.squeezeDims = {-2};
        r = runGraph(listed.graph, {bytesOf(iota<float>(6))});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 2, 3}));
        QCOMPARE(r.output<float>(), iota<float>(6));
        OneOp bad = oneOp(OpType::Squeeze, DType::Float32, {1, 2, 1, 3});
        bad.graph.ops.back().attrs.squeezeDims = {1};
        const std::string error = prepareError(bad.graph);
        QVERIFY2(error.find("SQUEEZE") != std::string::npos && error.find("not 1") != std::string::npos, error.c_str());
    }

    void stridedSliceBasicAndNegativeStrides()
    {
        // x[r][c] = 4r + c on a 3x4 input.
        const auto input = bytesOf(iota<int32_t>(12));
        RunResult r = runGraph(stridedSlice({3, 4}, {0, 1}, {3, 4}, {2, 2}), {input});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{2, 2}));
        QCOMPARE(r.output<int32_t>(), (std::vector<int32_t>{1, 3, 9, 11}));

        // x[::-1, ::-1] via begin/end masks.
        r = runGraph(stridedSlice({3, 4}, {0, 0}, {0, 0}, {-1, -1}, 3, 3), {input});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{3, 4}));
        QCOMPARE(r.output<int32_t>(), (std::vector<int32_t>{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));

        // x[2:0:-1, 3:0:-2] -> rows 2,1 and columns 3,1.
        r = runGraph(stridedSlice({3, 4}, {2, 3}, {0, 0}, {-1, -2}), {input});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{2, 2}));
        QCOMPARE(r.output<int32_t>(), (std::vector<int32_t>{11, 9, 7, 5}));

        // x[-1:-4:-1, -2:] -> rows 2,1,0 (end -4 + 3 = -1 clamps to "before the first"), columns 2,3.
        r = runGraph(stridedSlice({3, 4}, {-1, -2}, {-4, 4}, {-1, 1}), {input});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{3, 2}));
        QCOMPARE(r.output<int32_t>(), (std::vector<int32_t>{10, 11, 6, 7, 2, 3}));

        // A begin past the end gives an empty slice.
        r = runGraph(stridedSlice({3, 4}, {5, 0}, {6, 4}, {1, 1}), {input});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{0, 4}));
    }

    void stridedSliceShrinkNewAxisEllipsisOffset()
    {
        const auto input = bytesOf(iota<int32_t>(12));
        // x[1] and x[-1] (shrink axis 0; the end is ignored).
        RunResult r = runGraph(stridedSlice({3, 4}, {1, 0}, {2, 4}, {1, 1}, 0, 0, 1), {input});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{4}));
        QCOMPARE(r.output<int32_t>(), (std::vector<int32_t>{4, 5, 6, 7}));
        r = runGraph(stridedSlice({3, 4}, {-1, 0}, {0, 4}, {1, 1}, 0, 0, 1), {input});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.output<int32_t>(), (std::vector<int32_t>{8, 9, 10, 11}));

        // x[tf.newaxis, 0:3, 1:3] -> shape [1, 3, 2].
        r = runGraph(stridedSlice({3, 4}, {0, 0, 1}, {1, 3, 3}, {1, 1, 1}, 0, 0, 0, 1), {input});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 3, 2}));
        QCOMPARE(r.output<int32_t>(), (std::vector<int32_t>{1, 2, 5, 6, 9, 10}));

        // y[..., 1] on a 2x3x4 input y[a][b][c] = 12a + 4b + c.
        r = runGraph(stridedSlice({2, 3, 4}, {0, 1}, {0, 2}, {1, 1}, 0, 0, 2, 0, 1), {bytesOf(iota<int32_t>(24))});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{2, 3}));
        QCOMPARE(r.output<int32_t>(), (std::vector<int32_t>{1, 5, 9, 13, 17, 21}));

        // offset: end holds sizes -> x[1:3, 1:3].
        r = runGraph(stridedSlice({3, 4}, {1, 1}, {2, 2}, {1, 1}, 0, 0, 0, 0, 0, true), {input});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{2, 2}));
        QCOMPARE(r.output<int32_t>(), (std::vector<int32_t>{5, 6, 9, 10}));
    }

    void stridedSliceRejectsInvalidSpecs()
    {
        std::string error = prepareError(stridedSlice({3, 4}, {0, 0}, {3, 4}, {1, 0}));
        QVERIFY2(error.find("STRIDED_SLICE") != std::string::npos && error.find("zero") != std::string::npos, error.c_str());
        error = prepareError(stridedSlice({3, 4}, {3, 0}, {4, 4}, {1, 1}, 0, 0, 1));
        QVERIFY2(error.find("shrink_axis") != std::string::npos, error.c_str());
        error = prepareError(stridedSlice({3, 4}, {0, 0, 0}, {1, 1, 1}, {1, 1, 1}));
        QVERIFY2(error.find("does not fit") != std::string::npos, error.c_str());
    }

    void transposeThreeD()
    {
        OneOp g = oneOp(OpType::Transpose, DType::Int16, {2, 3, 4});
        addOperand(g, "perm", DType::Int32, {3}, std::vector<int32_t>{2, 0, 1});
        const RunResult r = runGraph(g.graph, {bytesOf(iota<int16_t>(24))});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{4, 2, 3}));
        // out[c][a][b] = in[a][b][c] = 12a + 4b + c
        QCOMPARE(r.output<int16_t>(), (std::vector<int16_t>{0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18,
                                                             22, 3, 7, 11, 15, 19, 23}));
        OneOp bad = oneOp(OpType::Transpose, DType::Int16, {2, 3, 4});
        addOperand(bad, "perm", DType::Int32, {3}, std::vector<int32_t>{0, 0, 1});
        const std::string error = prepareError(bad.graph);
        QVERIFY2(error.find("TRANSPOSE") != std::string::npos && error.find("permutation") != std::string::npos,
                 error.c_str());
    }

    void concatenateFloatAndScalars()
    {
        Graph graph;
        const int32_t a = addTensor(graph, "a", DType::Float32, {1, 2});
        const int32_t b = addTensor(graph, "b", DType::Float32, {1, 3});
        const int32_t out = addTensor(graph, "out", DType::Float32, {});
        addOp(graph, OpType::Concatenation, {a, b}, {out}).attrs.axis = -1;
        graph.inputs = {a, b};
        graph.outputs = {out};
        RunResult r = runGraph(graph, {bytesOf(std::vector<float>{1, 2}), bytesOf(std::vector<float>{3, 4, 5})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 5}));
        QCOMPARE(r.output<float>(), (std::vector<float>{1, 2, 3, 4, 5}));

        Graph scalars;
        const int32_t s0 = addTensor(scalars, "s0", DType::Int32, {});
        const int32_t s1 = addTensor(scalars, "s1", DType::Int32, {});
        const int32_t vec = addTensor(scalars, "vec", DType::Int32, {});
        addOp(scalars, OpType::Concatenation, {s0, s1}, {vec});
        scalars.inputs = {s0, s1};
        scalars.outputs = {vec};
        r = runGraph(scalars, {bytesOf(std::vector<int32_t>{7}), bytesOf(std::vector<int32_t>{-9})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{2}));
        QCOMPARE(r.output<int32_t>(), (std::vector<int32_t>{7, -9}));
    }

    void concatenateUint8RequantizesDifferingInputs()
    {
        // Input a (scale 0.5, zero point 10) into the output's (1.0, 0): q*0.5 - 5 rounded half away
        // from zero: 10 -> 0, 21 -> 5.5 -> 6, 255 -> 122.5 -> 123, 0 -> -5 -> clamped to 0.
        // Input b already has the output's parameters and is copied.
        Graph graph;
        const int32_t a = addTensor(graph, "a", DType::UInt8, {1, 4}, quant(0.5f, 10));
        const int32_t b = addTensor(graph, "b", DType::UInt8, {1, 1}, quant(1.0f, 0));
        const int32_t out = addTensor(graph, "out", DType::UInt8, {}, quant(1.0f, 0));
        addOp(graph, OpType::Concatenation, {a, b}, {out}).attrs.axis = 1;
        graph.inputs = {a, b};
        graph.outputs = {out};
        const RunResult r = runGraph(graph, {bytesOf(std::vector<uint8_t>{10, 21, 255, 0}), bytesOf(std::vector<uint8_t>{7})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.output<uint8_t>(), (std::vector<uint8_t>{0, 6, 123, 0, 7}));
    }

    void concatenateRejectsWhatTfliteRejects()
    {
        // int8 inputs with different scales are refused by TFLite's int8 kernel.
        Graph graph;
        const int32_t a = addTensor(graph, "a", DType::Int8, {1, 2}, quant(0.5f, 0));
        const int32_t b = addTensor(graph, "b", DType::Int8, {1, 2}, quant(0.25f, 0));
        const int32_t out = addTensor(graph, "out", DType::Int8, {}, quant(0.5f, 0));
        addOp(graph, OpType::Concatenation, {a, b}, {out}).attrs.axis = 1;
        graph.inputs = {a, b};
        graph.outputs = {out};
        std::string error = prepareError(graph);
        QVERIFY2(error.find("CONCATENATION") != std::string::npos && error.find("'b'") != std::string::npos &&
                     error.find("does not rescale") != std::string::npos,
                 error.c_str());

        Graph activated;
        const int32_t c = addTensor(activated, "c", DType::Float32, {2});
        const int32_t d = addTensor(activated, "d", DType::Float32, {2});
        const int32_t e = addTensor(activated, "e", DType::Float32, {});
        Op& op = addOp(activated, OpType::Concatenation, {c, d}, {e});
        op.attrs.activation = FusedActivation::Relu;
        activated.inputs = {c, d};
        activated.outputs = {e};
        error = prepareError(activated);
        QVERIFY2(error.find("fused activation") != std::string::npos, error.c_str());

        Graph mismatch;
        const int32_t f = addTensor(mismatch, "f", DType::Float32, {2, 2});
        const int32_t h = addTensor(mismatch, "h", DType::Float32, {3, 3});
        const int32_t i = addTensor(mismatch, "i", DType::Float32, {});
        addOp(mismatch, OpType::Concatenation, {f, h}, {i});
        mismatch.inputs = {f, h};
        mismatch.outputs = {i};
        error = prepareError(mismatch);
        QVERIFY2(error.find("does not match") != std::string::npos, error.c_str());
    }

    void splitAndSplitV()
    {
        Graph split;
        const int32_t axis = addConstant(split, "axis", DType::Int32, {}, std::vector<int32_t>{-1});
        const int32_t x = addTensor(split, "x", DType::Float32, {2, 4});
        const int32_t y0 = addTensor(split, "y0", DType::Float32, {});
        const int32_t y1 = addTensor(split, "y1", DType::Float32, {});
        addOp(split, OpType::Split, {axis, x}, {y0, y1}).attrs.numSplits = 2;
        split.inputs = {x};
        split.outputs = {y0, y1};
        RunResult r = runGraph(split, {bytesOf(iota<float>(8))});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(0), (Shape{2, 2}));
        QCOMPARE(r.output<float>(0), (std::vector<float>{0, 1, 4, 5}));
        QCOMPARE(r.output<float>(1), (std::vector<float>{2, 3, 6, 7}));

        Graph splitV;
        const int32_t v = addTensor(splitV, "v", DType::UInt8, {2, 5}, quant(1.0f, 0));
        const int32_t sizes = addConstant(splitV, "sizes", DType::Int32, {3}, std::vector<int32_t>{1, -1, 2});
        const int32_t vAxis = addConstant(splitV, "axis", DType::Int32, {1}, std::vector<int32_t>{1});
        std::vector<int32_t> outs;
        for (int o = 0; o < 3; ++o) outs.push_back(addTensor(splitV, "part" + std::to_string(o), DType::UInt8, {}, quant(1.0f, 0)));
        addOp(splitV, OpType::SplitV, {v, sizes, vAxis}, outs).attrs.numSplits = 3;
        splitV.inputs = {v};
        splitV.outputs = outs;
        r = runGraph(splitV, {bytesOf(iota<uint8_t>(10))});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(1), (Shape{2, 2}));
        QCOMPARE(r.output<uint8_t>(0), (std::vector<uint8_t>{0, 5}));
        QCOMPARE(r.output<uint8_t>(1), (std::vector<uint8_t>{1, 2, 6, 7}));
        QCOMPARE(r.output<uint8_t>(2), (std::vector<uint8_t>{3, 4, 8, 9}));

        Graph uneven = split;
        uneven.ops.back().attrs.numSplits = 3;
        uneven.ops.back().outputs.push_back(addTensor(uneven, "y2", DType::Float32, {}));
        const std::string error = prepareError(uneven);
        QVERIFY2(error.find("SPLIT") != std::string::npos && error.find("equal parts") != std::string::npos, error.c_str());
    }
    void resizeBilinear()
    {
        // Exact 2x upsampling of [0, 4]: corners copied, neighbours averaged, the last
        // column/row clamped to the edge: [0, 2, 4, 4] on both output rows.
        RunResult r = runGraph(resizeGraph(OpType::ResizeBilinear, DType::Float32, {1, 1, 2, 1}, 2, 4, false, false),
                               {bytesOf(std::vector<float>{0, 4})});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.shape(), (Shape{1, 2, 4, 1}));
        QCOMPARE(r.output<float>(), (std::vector<float>{0, 2, 4, 4, 0, 2, 4, 4}));
        // Half-pixel centres, 2 -> 4: source x = (x + 0.5) * 0.5 - 0.5 = -0.25, 0.25, 0.75, 1.25,
        // clipped to the input: 0, 1, 3, 4 (float, and the same in XNNPACK's lerp form).
        for (KernelMode mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
            r = runGraph(resizeGraph(OpType::ResizeBilinear, DType::Float32, {1, 1, 2, 1}, 1, 4, false, true),
                         {bytesOf(std::vector<float>{0, 4})}, mode);
            QVERIFY2(r.interpreter, r.error.c_str());
            QCOMPARE(r.output<float>(), (std::vector<float>{0, 1, 3, 4}));
        }
        // int8, 10-bit fixed point: weights 256/1024 and 768/1024 of 100 give 25.5 and 75.5 before
        // the 2^20 division; TFLite's (sum + 2^19) / 2^20 truncates them to 25 and 75.
        for (KernelMode mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
            r = runGraph(resizeGraph(OpType::ResizeBilinear, DType::Int8, {1, 1, 2, 1}, 1, 4, false, true, quant(0.1f, 0)),
                         {bytesOf(std::vector<int8_t>{0, 100})}, mode);
            QVERIFY2(r.interpreter, r.error.c_str());
            QCOMPARE(r.output<int8_t>(), (std::vector<int8_t>{0, 25, 75, 100}));
        }
        const std::string error =
            prepareError(resizeGraph(OpType::ResizeBilinear, DType::Float32, {1, 1, 2, 1}, 1, 4, true, true));
        QVERIFY2(error.find("RESIZE_BILINEAR") != std::string::npos && error.find("align_corners") != std::string::npos,
                 error.c_str());
    }

    void resizeNearestNeighbor()
    {
        const auto input = bytesOf(std::vector<uint8_t>{10, 20, 30});
        // 3 -> 5: floor(x * 0.6) = 0, 0, 1, 1, 2 (the uint8 kernel's 16.16 scale agrees).
        RunResult r = runGraph(resizeGraph(OpType::ResizeNearestNeighbor, DType::UInt8, {1, 1, 3, 1}, 1, 5, false, false,
                                           quant(1.0f, 0)),
                               {input});
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.output<uint8_t>(), (std::vector<uint8_t>{10, 10, 20, 20, 30}));
        // Half-pixel: floor((x + 0.5) * 0.6) = 0, 0, 1, 2, 2.
        r = runGraph(resizeGraph(OpType::ResizeNearestNeighbor, DType::UInt8, {1, 1, 3, 1}, 1, 5, false, true,
                                 quant(1.0f, 0)),
                     {input});
        QCOMPARE(r.output<uint8_t>(), (std::vector<uint8_t>{10, 10, 20, 30, 30}));
        // align_corners: round(x * 2/4) with halves away from zero = 0, 1, 1, 2, 2.
        r = runGraph(resizeGraph(OpType::ResizeNearestNeighbor, DType::UInt8, {1, 1, 3, 1}, 1, 5, true, false,
                                 quant(1.0f, 0)),
                     {input});
        QCOMPARE(r.output<uint8_t>(), (std::vector<uint8_t>{10, 20, 20, 30, 30}));
    }

    void concatenateXnnpackCopiesStoredBytes()
    {
        // The reference runtime's XNNPACK delegate ignores the scales: bytes are copied.
        Graph graph;
        const int32_t a = addTensor(graph, "a", DType::UInt8, {1, 2}, quant(0.5f, 10));
        const int32_t b = addTensor(graph, "b", DType::UInt8, {1, 1}, quant(1.0f, 0));
        const int32_t out = addTensor(graph, "out", DType::UInt8, {}, quant(1.0f, 0));
        addOp(graph, OpType::Concatenation, {a, b}, {out}).attrs.axis = 1;
        graph.inputs = {a, b};
        graph.outputs = {out};
        const RunResult r = runGraph(graph, {bytesOf(std::vector<uint8_t>{10, 21}), bytesOf(std::vector<uint8_t>{7})},
                                     KernelMode::Xnnpack);
        QVERIFY2(r.interpreter, r.error.c_str());
        QCOMPARE(r.output<uint8_t>(), (std::vector<uint8_t>{10, 21, 7}));
    }
};

QTEST_APPLESS_MAIN(TestLayoutOps)
#include "tst_layout_ops.moc"
