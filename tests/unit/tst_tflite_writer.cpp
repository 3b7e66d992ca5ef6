// The TFLite writer: hand-built graphs of every op type the core supports survive
// write -> read unchanged (types, shapes, quantization, data, attributes, names), op
// versions follow TFLite's op_version.cc, the file layout is what TFLite requires
// (schema 3, one subgraph, both op code fields, empty buffer 0, 16-byte aligned
// constants), and files are written atomically and never overwritten unasked.

#include <QtTest>

#include <filesystem>
#include <functional>
#include <limits>
#include <set>
#include <unistd.h>

#include "io/tflite_builtin_ops.h"
#include "io/tflite_reader.h"
#include "io/tflite_writer.h"
#include "io/tflite_writer_op_version.h"
#include "test_support.h"
#include "tflite_schema_generated.h"
#include "tst_tflite_writer_graph_equal.h"

using namespace rf;
using rf::test::addConstant;
using rf::test::addOp;
using rf::test::addTensor;

namespace {

QuantParams perTensor(float scale, int64_t zeroPoint) { return QuantParams{{scale}, {zeroPoint}, 0}; }

/// Per-channel parameters with `count` distinct scales on `axis` (zero points 0).
QuantParams perChannel(size_t count, int32_t axis, float base = 0.01f)
{
    QuantParams quant;
    quant.axis = axis;
    for (size_t i = 0; i < count; ++i) {
        quant.scales.push_back(base * static_cast<float>(i + 1) + 1e-4f * static_cast<float>(i * i));
        quant.zeroPoints.push_back(0);
    }
    return quant;
}

/// Small graphs built op by op.
struct GraphBuilder {
    Graph graph;

    int32_t input(const std::string& name, DType dtype, Shape shape, QuantParams quant = {})
    {
        const int32_t index = addTensor(graph, name, dtype, std::move(shape), std::move(quant));
        graph.inputs.push_back(index);
        return index;
    }
    int32_t tensor(const std::string& name, DType dtype, Shape shape, QuantParams quant = {})
    {
        return addTensor(graph, name, dtype, std::move(shape), std::move(quant));
    }
    int32_t output(const std::string& name, DType dtype, Shape shape, QuantParams quant = {})
    {
        const int32_t index = addTensor(graph, name, dtype, std::move(shape), std::move(quant));
        graph.outputs.push_back(index);
        return index;
    }
    /// A constant filled with a deterministic byte pattern (weights, biases).
    int32_t weights(const std::string& name, DType dtype, Shape shape, QuantParams quant = {}, uint32_t seed = 1)
    {
        const int32_t index = addTensor(graph, name, dtype, std::move(shape), std::move(quant));
        Tensor& t = graph.tensors[index];
        t.isConstant = true;
        t.data.resize(t.byteSize());
        uint32_t state = seed * 2654435761u + 12345u;
        for (uint8_t& byte : t.data) {
            state = state * 1664525u + 1013904223u;
            byte = static_cast<uint8_t>(state >> 24);
        }
        return index;
    }
    int32_t ints(const std::string& name, Shape shape, std::vector<int32_t> values)
    {
        return addConstant(graph, name, DType::Int32, std::move(shape), values);
    }
    Op& op(OpType type, std::vector<int32_t> inputs, std::vector<int32_t> outputs)
    {
        return addOp(graph, type, std::move(inputs), std::move(outputs));
    }
};

/// One round-trip case: a graph and the version TFLite's rules give its first op
/// (worked out by hand from op_version.cc, independently of the writer's code).
struct WriterCase {
    std::string name;
    Graph graph;
    int32_t expectedVersion = 1;
};

using CaseList = std::vector<WriterCase>;

/// Cases for `type`; empty when the test has none (which fails the test, so a new
/// op type cannot go unwritten).
CaseList casesFor(OpType type)
{
    CaseList cases;
    const auto add = [&](const std::string& name, GraphBuilder& b, int32_t version) {
        cases.push_back({name, std::move(b.graph), version});
    };
    const QuantParams q8 = perTensor(0.05f, -3);
    const QuantParams q16 = perTensor(0.0005f, 0);
    switch (type) {
    case OpType::Add: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Int16, {1, 4, 4, 3}, q16);
        const int32_t y = b.input("y", DType::Int16, {1, 4, 4, 3}, perTensor(0.0007f, 0));
        Op& op = b.op(OpType::Add, {x, y}, {b.output("sum", DType::Int16, {1, 4, 4, 3}, perTensor(0.001f, 0))});
        op.attrs.activation = FusedActivation::Relu6;
        op.attrs.potScaleInt16 = false;
        add("int16 general scale", b, 3);
        GraphBuilder f;
        const int32_t a = f.input("a", DType::Float32, {2, 3});
        const int32_t state = f.tensor("state", DType::Float32, {2, 3});
        f.graph.tensors[state].isVariable = true;
        f.op(OpType::Add, {a, state}, {f.output("next", DType::Float32, {2, 3})});
        add("float with a variable tensor", f, 1);
        break;
    }
    case OpType::AveragePool2D:
    case OpType::MaxPool2D: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Int8, {1, 8, 8, 4}, q8);
        Op& op = b.op(type, {x}, {b.output("pooled", DType::Int8, {1, 3, 7, 4}, q8)});
        op.attrs.padding = Padding::Valid;
        op.attrs.strideH = 2;
        op.attrs.strideW = 1;
        op.attrs.filterH = 3;
        op.attrs.filterW = 2;
        op.attrs.activation = FusedActivation::Relu;
        add("int8", b, 2);
        GraphBuilder u;
        const int32_t ux = u.input("x", DType::UInt8, {1, 4, 4, 1}, perTensor(0.1f, 128));
        Op& uop = u.op(type, {ux}, {u.output("pooled", DType::UInt8, {1, 2, 2, 1}, perTensor(0.1f, 128))});
        uop.attrs.strideH = uop.attrs.strideW = 2;
        uop.attrs.filterH = uop.attrs.filterW = 2;
        add("uint8", u, 1);
        break;
    }
    case OpType::Concatenation: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Int8, {1, 4, 4, 2}, q8);
        const int32_t y = b.input("y", DType::Int8, {1, 4, 4, 3}, q8);
        Op& op = b.op(OpType::Concatenation, {x, y}, {b.output("joined", DType::Int8, {1, 4, 4, 5}, q8)});
        op.attrs.axis = -1;
        op.attrs.activation = FusedActivation::ReluN1To1;
        add("int8 negative axis", b, 2);
        break;
    }
    case OpType::Conv2D: {
        GraphBuilder b;
        const int32_t x = b.input("image", DType::Int8, {1, 8, 8, 3}, perTensor(0.0078125f, -1));
        const int32_t w = b.weights("conv/kernel", DType::Int8, {4, 3, 3, 3}, perChannel(4, 0));
        const int32_t bias = b.weights("conv/bias", DType::Int32, {4}, perChannel(4, 0, 0.00008f));
        Op& op = b.op(OpType::Conv2D, {x, w, bias}, {b.output("conv/Relu6", DType::Int8, {1, 3, 2, 4}, q8)});
        op.attrs.padding = Padding::Valid;
        op.attrs.strideH = 2;
        op.attrs.strideW = 3;
        op.attrs.dilationH = 1;
        op.attrs.dilationW = 2;
        op.attrs.activation = FusedActivation::Relu6;
        add("int8 per-channel", b, 3);
        GraphBuilder s;
        const int32_t sx = s.input("x", DType::Int16, {1, 4, 4, 2}, q16);
        const int32_t sw = s.weights("w", DType::Int8, {3, 1, 1, 2}, perChannel(3, 0));
        const int32_t sb = s.weights("b", DType::Int64, {3}, perChannel(3, 0, 1e-6f));
        s.op(OpType::Conv2D, {sx, sw, sb}, {s.output("y", DType::Int16, {1, 4, 4, 3}, q16)});
        add("int16x8", s, 4);
        GraphBuilder h;
        const int32_t hx = h.input("x", DType::Float32, {1, 4, 4, 2});
        const int32_t hw = h.weights("w", DType::Int8, {3, 1, 1, 2}, perChannel(3, 0));
        h.op(OpType::Conv2D, {hx, hw, kNoTensor}, {h.output("y", DType::Float32, {1, 4, 4, 3})});
        add("hybrid per-channel without bias", h, 5);
        GraphBuilder g;
        const int32_t gx = g.input("x", DType::Float32, {1, 4, 4, 4});
        const int32_t gw = g.weights("w", DType::Float32, {4, 1, 1, 2});
        g.op(OpType::Conv2D, {gx, gw, kNoTensor}, {g.output("y", DType::Float32, {1, 4, 4, 4})});
        add("float grouped", g, 6);
        break;
    }
    case OpType::DepthwiseConv2D: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Float32, {1, 8, 8, 2});
        const int32_t w = b.weights("dw/kernel", DType::Float32, {1, 3, 3, 4});
        const int32_t bias = b.weights("dw/bias", DType::Float32, {4});
        Op& op = b.op(OpType::DepthwiseConv2D, {x, w, bias}, {b.output("dw", DType::Float32, {1, 8, 8, 4})});
        op.attrs.depthMultiplier = 2;
        op.attrs.dilationH = 2;
        op.attrs.dilationW = 3;
        op.attrs.activation = FusedActivation::ReluN1To1;
        add("float dilated multiplier 2", b, 2);
        GraphBuilder i;
        const int32_t ix = i.input("x", DType::Int8, {1, 5, 5, 3}, q8);
        const int32_t iw = i.weights("w", DType::Int8, {1, 3, 3, 3}, perChannel(3, 3));
        const int32_t ib = i.weights("b", DType::Int32, {3}, perChannel(3, 0, 0.0005f));
        Op& iop = i.op(OpType::DepthwiseConv2D, {ix, iw, ib}, {i.output("y", DType::Int8, {1, 3, 3, 3}, q8)});
        iop.attrs.padding = Padding::Valid;
        iop.attrs.depthMultiplier = 1;
        add("int8 per-channel", i, 3);
        break;
    }
    case OpType::Dequantize: {
        GraphBuilder b;
        const int32_t half = b.weights("w_fp16", DType::Float16, {8});
        b.op(OpType::Dequantize, {half}, {b.output("w", DType::Float32, {8})});
        add("float16 constant", b, 3);
        GraphBuilder i;
        const int32_t ix = i.input("q", DType::Int8, {1, 10}, perTensor(0.00390625f, -128));
        i.op(OpType::Dequantize, {ix}, {i.output("probabilities", DType::Float32, {1, 10})});
        add("int8", i, 2);
        break;
    }
    case OpType::Div:
    case OpType::Maximum:
    case OpType::Minimum:
    case OpType::Mul:
    case OpType::Sub: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Float32, {1, 2, 2, 3});
        const int32_t y = b.weights("y", DType::Float32, {1, 1, 1, 3});
        Op& op = b.op(type, {x, y}, {b.output("z", DType::Float32, {1, 2, 2, 3})});
        const bool hasActivation = type == OpType::Div || type == OpType::Mul || type == OpType::Sub;
        if (hasActivation) op.attrs.activation = FusedActivation::Relu;
        add("float broadcast", b, 1);
        GraphBuilder i;
        const int32_t ix = i.input("x", DType::Int8, {1, 2, 2, 3}, perTensor(0.5f, 1));
        const int32_t iy = i.input("y", DType::Int8, {1, 2, 2, 3}, perTensor(0.25f, -2));
        i.op(type, {ix, iy}, {i.output("z", DType::Int8, {1, 2, 2, 3}, perTensor(0.1f, 0))});
        // MUL: 0.5 * 0.25 / 0.1 >= 1 -> version 3; DIV has no int8 version.
        add("int8", i, type == OpType::Mul ? 3 : type == OpType::Div ? 1 : 2);
        if (type == OpType::Sub) {
            GraphBuilder s;
            const int32_t sx = s.input("x", DType::Int16, {4}, q16);
            const int32_t sy = s.input("y", DType::Int16, {4}, q16);
            Op& sop = s.op(OpType::Sub, {sx, sy}, {s.output("z", DType::Int16, {4}, q16)});
            sop.attrs.potScaleInt16 = false;
            add("int16 general scale", s, 5);
        }
        break;
    }
    case OpType::Elu:
    case OpType::Exp:
    case OpType::HardSwish:
    case OpType::Logistic:
    case OpType::Relu:
    case OpType::Relu6:
    case OpType::ReluN1To1:
    case OpType::Tanh: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Float32, {1, 7});
        b.op(type, {x}, {b.output("y", DType::Float32, {1, 7})});
        add("float", b, 1);
        if (type == OpType::Logistic || type == OpType::Tanh || type == OpType::Relu) {
            GraphBuilder s;
            const int32_t sx = s.input("x", DType::Int16, {1, 7}, perTensor(0.001f, 0));
            s.op(type, {sx}, {s.output("y", DType::Int16, {1, 7}, perTensor(1.0f / 32768, 0))});
            add("int16", s, 3);
        }
        if (type == OpType::Relu6 || type == OpType::Exp || type == OpType::HardSwish) {
            GraphBuilder i;
            const int32_t ix = i.input("x", DType::Int8, {1, 7}, q8);
            i.op(type, {ix}, {i.output("y", DType::Int8, {1, 7}, q8)});
            add("int8", i, type == OpType::HardSwish ? 1 : 2);
        }
        break;
    }
    case OpType::FullyConnected: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Int16, {2, 8}, q16);
        const int32_t w = b.weights("dense/kernel", DType::Int8, {5, 8}, perChannel(5, 0));
        const int32_t bias = b.weights("dense/bias", DType::Int64, {5}, perChannel(5, 0, 1e-6f));
        Op& op = b.op(OpType::FullyConnected, {x, w, bias}, {b.output("dense", DType::Int16, {2, 5}, q16)});
        op.attrs.activation = FusedActivation::Relu;
        add("int16x8", b, 7);
        GraphBuilder k;
        const int32_t kx = k.input("x", DType::Float32, {1, 3, 8});
        const int32_t kw = k.weights("w", DType::Float32, {4, 8});
        const int32_t kb = k.weights("b", DType::Float32, {4});
        Op& kop = k.op(OpType::FullyConnected, {kx, kw, kb}, {k.output("y", DType::Float32, {1, 3, 4})});
        kop.attrs.keepNumDims = true;
        add("float keep_num_dims", k, 5);
        GraphBuilder n;
        const int32_t nx = n.input("x", DType::Float32, {1, 8});
        const int32_t nw = n.weights("w", DType::Float32, {4, 8});
        n.op(OpType::FullyConnected, {nx, nw}, {n.output("y", DType::Float32, {1, 4})});
        add("float two inputs", n, 6);
        GraphBuilder h;
        const int32_t hx = h.input("x", DType::Float32, {1, 8});
        const int32_t hw = h.weights("w", DType::Int8, {4, 8}, perTensor(0.02f, 0));
        const int32_t hb = h.weights("b", DType::Float32, {4});
        Op& hop = h.op(OpType::FullyConnected, {hx, hw, hb}, {h.output("y", DType::Float32, {1, 4})});
        hop.attrs.asymmetricQuantizeInputs = true;
        add("hybrid asymmetric", h, 9);
        GraphBuilder i;
        const int32_t ix = i.input("x", DType::Int8, {1, 8}, q8);
        const int32_t iw = i.weights("w", DType::Int8, {4, 8}, perTensor(0.02f, 0));
        const int32_t ib = i.weights("b", DType::Int32, {4}, perTensor(0.001f, 0));
        Op& iop = i.op(OpType::FullyConnected, {ix, iw, ib}, {i.output("y", DType::Int8, {1, 4}, q8)});
        iop.attrs.activation = FusedActivation::Relu6;
        add("int8", i, 4);
        break;
    }
    case OpType::Gelu: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Int8, {1, 16}, q8);
        Op& op = b.op(OpType::Gelu, {x}, {b.output("y", DType::Int8, {1, 16}, q8)});
        op.attrs.approximate = true;
        add("int8 approximate", b, 2);
        break;
    }
    case OpType::LeakyRelu: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Int16, {1, 16}, q16);
        Op& op = b.op(OpType::LeakyRelu, {x}, {b.output("y", DType::Int16, {1, 16}, q16)});
        op.attrs.alpha = 0.2f;
        add("int16", b, 2);
        break;
    }
    case OpType::Mean: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Int8, {1, 4, 4, 8}, q8);
        const int32_t axes = b.ints("axes", {2}, {1, 2});
        Op& op = b.op(OpType::Mean, {x, axes}, {b.output("mean", DType::Int8, {1, 1, 1, 8}, q8)});
        op.attrs.keepDims = true;
        add("int8 keep_dims", b, 2);
        break;
    }
    case OpType::Pad:
    case OpType::PadV2: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Int16, {1, 3, 3, 2}, q16);
        const int32_t paddings = b.ints("paddings", {4, 2}, {0, 0, 1, 1, 2, 0, 0, 0});
        std::vector<int32_t> inputs{x, paddings};
        if (type == OpType::PadV2) inputs.push_back(addConstant(b.graph, "pad_value", DType::Int16, {}, std::vector<int16_t>{7}, q16));
        b.op(type, inputs, {b.output("padded", DType::Int16, {1, 5, 5, 2}, q16)});
        add("int16 (scalar constant)", b, 3);
        break;
    }
    case OpType::Prelu: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Float32, {1, 3, 3, 2});
        const int32_t alpha = b.weights("alpha", DType::Float32, {1, 1, 2});
        b.op(OpType::Prelu, {x, alpha}, {b.output("y", DType::Float32, {1, 3, 3, 2})});
        add("float", b, 1);
        break;
    }
    case OpType::Quantize: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Float32, {1, 6});
        b.op(OpType::Quantize, {x}, {b.output("q", DType::Int16, {1, 6}, q16)});
        add("float to int16", b, 2);
        GraphBuilder r;
        const int32_t rx = r.input("x", DType::UInt8, {1, 6}, perTensor(0.1f, 128));
        r.op(OpType::Quantize, {rx}, {r.output("q", DType::Int8, {1, 6}, perTensor(0.1f, 0))});
        add("uint8 to int8 requantize", r, 1);
        break;
    }
    case OpType::Reshape: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Int8, {1, 1, 1, 10}, q8);
        const int32_t shape = b.ints("shape", {2}, {1, 10});
        b.op(OpType::Reshape, {x, shape}, {b.output("flat", DType::Int8, {1, 10}, q8)});
        add("shape tensor", b, 1);
        GraphBuilder o;
        const int32_t ox = o.input("x", DType::Float32, {2, 3, 4});
        Op& op = o.op(OpType::Reshape, {ox}, {o.output("y", DType::Float32, {6, 4})});
        op.attrs.newShape = {-1, 4};
        add("new_shape option", o, 1);
        break;
    }
    case OpType::ResizeBilinear:
    case OpType::ResizeNearestNeighbor: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Int8, {1, 4, 4, 3}, q8);
        const int32_t size = b.ints("size", {2}, {8, 6});
        Op& op = b.op(type, {x, size}, {b.output("resized", DType::Int8, {1, 8, 6, 3}, q8)});
        op.attrs.halfPixelCenters = true;
        add("int8 half pixel centers", b, 3);
        GraphBuilder a;
        const int32_t ax = a.input("x", DType::Float32, {1, 4, 4, 3});
        const int32_t asize = a.ints("size", {2}, {7, 7});
        Op& aop = a.op(type, {ax, asize}, {a.output("resized", DType::Float32, {1, 7, 7, 3})});
        aop.attrs.alignCorners = true;
        add("float align corners", a, type == OpType::ResizeNearestNeighbor ? 3 : 1);
        break;
    }
    case OpType::Softmax: {
        GraphBuilder b;
        const int32_t x = b.input("logits", DType::Int8, {1, 10}, q8);
        Op& op = b.op(OpType::Softmax, {x}, {b.output("probs", DType::Int8, {1, 10}, perTensor(1.0f / 256, -128))});
        op.attrs.beta = 0.5f;
        add("int8 beta 0.5", b, 2);
        break;
    }
    case OpType::Split: {
        GraphBuilder b;
        const int32_t axis = addConstant(b.graph, "axis", DType::Int32, {}, std::vector<int32_t>{3});
        const int32_t x = b.input("x", DType::Int8, {1, 4, 4, 6}, q8);
        std::vector<int32_t> outs;
        for (int i = 0; i < 3; ++i) outs.push_back(b.output("part" + std::to_string(i), DType::Int8, {1, 4, 4, 2}, q8));
        Op& op = b.op(OpType::Split, {axis, x}, outs);
        op.attrs.numSplits = 3;
        add("int8 in three", b, 2);
        break;
    }
    case OpType::SplitV: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Float32, {2, 6});
        const int32_t sizes = b.ints("sizes", {3}, {1, 2, 3});
        const int32_t axis = addConstant(b.graph, "axis", DType::Int32, {}, std::vector<int32_t>{1});
        Op& op = b.op(OpType::SplitV, {x, sizes, axis},
                      {b.output("a", DType::Float32, {2, 1}), b.output("b", DType::Float32, {2, 2}),
                       b.output("c", DType::Float32, {2, 3})});
        op.attrs.numSplits = 3;
        add("float", b, 1);
        break;
    }
    case OpType::Squeeze: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Float32, {1, 5, 1, 2});
        Op& op = b.op(OpType::Squeeze, {x}, {b.output("y", DType::Float32, {5, 2})});
        op.attrs.squeezeDims = {0, 2};
        add("float", b, 1);
        break;
    }
    case OpType::StridedSlice: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Int16, {1, 8, 6}, q16);
        const int32_t begin = b.ints("begin", {3}, {0, 1, 0});
        const int32_t end = b.ints("end", {3}, {1, 3, 6});
        const int32_t strides = b.ints("strides", {3}, {1, 1, 2});
        Op& op = b.op(OpType::StridedSlice, {x, begin, end, strides}, {b.output("y", DType::Int16, {2, 3}, q16)});
        op.attrs.beginMask = 4;
        op.attrs.endMask = 4;
        op.attrs.shrinkAxisMask = 1;
        op.attrs.offset = true;
        add("int16 offset", b, 8);
        GraphBuilder e;
        const int32_t ex = e.input("x", DType::Int8, {2, 3, 4}, q8);
        const int32_t eb = e.ints("begin", {2}, {0, 0});
        const int32_t ee = e.ints("end", {2}, {1, 2});
        const int32_t es = e.ints("strides", {2}, {1, 1});
        Op& eop = e.op(OpType::StridedSlice, {ex, eb, ee, es}, {e.output("y", DType::Int8, {2, 3, 2}, q8)});
        eop.attrs.ellipsisMask = 1;
        eop.attrs.newAxisMask = 0;
        add("int8 ellipsis", e, 6);
        break;
    }
    case OpType::Transpose: {
        GraphBuilder b;
        const int32_t x = b.input("x", DType::Int8, {1, 2, 3, 4}, q8);
        const int32_t perm = b.ints("perm", {4}, {0, 3, 1, 2});
        b.op(OpType::Transpose, {x, perm}, {b.output("y", DType::Int8, {1, 4, 2, 3}, q8)});
        add("int8", b, 2);
        break;
    }
    case OpType::TransposeConv: {
        GraphBuilder b;
        const int32_t outShape = b.ints("output_shape", {4}, {1, 9, 9, 4});
        const int32_t w = b.weights("deconv/kernel", DType::Int8, {4, 3, 3, 2}, perChannel(4, 0));
        const int32_t x = b.input("x", DType::Int16, {1, 4, 4, 2}, q16);
        const int32_t bias = b.weights("deconv/bias", DType::Int64, {4}, perChannel(4, 0, 1e-6f));
        Op& op = b.op(OpType::TransposeConv, {outShape, w, x, bias}, {b.output("y", DType::Int16, {1, 9, 9, 4}, q16)});
        op.attrs.padding = Padding::Valid;
        op.attrs.strideH = op.attrs.strideW = 2;
        add("int16x8 with bias", b, 3);
        GraphBuilder f;
        const int32_t fShape = f.ints("output_shape", {4}, {1, 8, 8, 1});
        const int32_t fw = f.weights("w", DType::Float32, {1, 2, 2, 3});
        const int32_t fx = f.input("x", DType::Float32, {1, 4, 4, 3});
        Op& fop = f.op(OpType::TransposeConv, {fShape, fw, fx}, {f.output("y", DType::Float32, {1, 8, 8, 1})});
        fop.attrs.strideH = fop.attrs.strideW = 2;
        fop.attrs.activation = FusedActivation::Relu;
        add("float fused relu", f, 4);
        break;
    }
    case OpType::Unsupported:
    case OpType::Count: break;
    }
    return cases;
}

/// Writes `graph` and reads it back.
Result<Graph> roundTrip(const Graph& graph, const TfliteWriteOptions& options = {})
{
    RF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, writeTfliteBuffer(graph, options));
    return readTfliteBuffer(bytes.data(), bytes.size(), "written.tflite");
}

/// A small valid int8 conv graph for file-level tests.
Graph convGraph()
{
    return casesFor(OpType::Conv2D).front().graph;
}

std::vector<std::string> directoryEntries(const std::string& dir)
{
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace

class TestTfliteWriter : public QObject {
    Q_OBJECT

private slots:
    void roundTripsEveryOpType_data()
    {
        QTest::addColumn<int>("opType");
        QTest::addColumn<int>("caseIndex");
        for (int t = 1; t < static_cast<int>(OpType::Count); ++t) {
            const CaseList cases = casesFor(static_cast<OpType>(t));
            const std::string name(opTypeName(static_cast<OpType>(t)));
            if (cases.empty()) QTest::newRow((name + "|no test case").c_str()) << t << -1;
            for (size_t c = 0; c < cases.size(); ++c)
                QTest::newRow((name + "|" + cases[c].name).c_str()) << t << static_cast<int>(c);
        }
    }

    void roundTripsEveryOpType()
    {
        QFETCH(int, opType);
        QFETCH(int, caseIndex);
        QVERIFY2(caseIndex >= 0, "this op type has no writer test case: add one to casesFor()");
        WriterCase c = casesFor(static_cast<OpType>(opType)).at(static_cast<size_t>(caseIndex));
        QVERIFY2(c.graph.validate().isOk(), c.graph.validate().message().c_str());

        const Result<Graph> back = roundTrip(c.graph);
        QVERIFY2(back.isOk(), back.message().c_str());
        QCOMPARE(back.value().ops.at(0).version, c.expectedVersion);
        QCOMPARE(requiredTfliteOpVersion(c.graph, 0), c.expectedVersion);

        Graph expected = c.graph;
        for (size_t o = 0; o < expected.ops.size(); ++o) expected.ops[o].version = requiredTfliteOpVersion(c.graph, o);
        const std::string difference = test::graphDifference(expected, back.value());
        QVERIFY2(difference.empty(), difference.c_str());

        // Written again from what was read, the file is the same byte for byte.
        const auto first = writeTfliteBuffer(c.graph);
        const auto second = writeTfliteBuffer(back.value());
        QVERIFY(first.isOk() && second.isOk());
        QVERIFY(first.value() == second.value());
    }

    void sourceVersionsAreKeptWhenHigher()
    {
        Graph graph = convGraph();
        graph.ops[0].version = 5; // As if read from a model of a newer converter.
        Result<Graph> back = roundTrip(graph);
        QVERIFY2(back.isOk(), back.message().c_str());
        QCOMPARE(back.value().ops[0].version, 5);

        graph.ops[0].version = 1; // Stale: a float op turned into int8 keeps version 1.
        back = roundTrip(graph);
        QVERIFY2(back.isOk(), back.message().c_str());
        QCOMPARE(back.value().ops[0].version, 3);

        TfliteWriteOptions computed;
        computed.opVersions = TfliteOpVersionPolicy::Computed;
        graph.ops[0].version = 5;
        back = roundTrip(graph, computed);
        QVERIFY2(back.isOk(), back.message().c_str());
        QCOMPARE(back.value().ops[0].version, 3);
    }

    void fileLayoutIsWhatTfliteRequires()
    {
        // A conv (code 3) followed by GELU (code 150, beyond the byte-sized field).
        Graph graph = convGraph();
        const int32_t convOut = graph.outputs[0];
        graph.outputs.clear();
        const int32_t gelu = addTensor(graph, "gelu", DType::Int8, graph.tensors[convOut].shape, graph.tensors[convOut].quant);
        addOp(graph, OpType::Gelu, {convOut}, {gelu});
        graph.outputs.push_back(gelu);

        const auto written = writeTfliteBuffer(graph);
        QVERIFY2(written.isOk(), written.message().c_str());
        const std::vector<uint8_t>& bytes = written.value();
        flatbuffers::Verifier verifier(bytes.data(), bytes.size());
        QVERIFY(tflite::VerifyModelBuffer(verifier));
        QVERIFY(tflite::ModelBufferHasIdentifier(bytes.data()));
        const tflite::Model* model = tflite::GetModel(bytes.data());
        QCOMPARE(model->version(), 3u);
        QCOMPARE(model->subgraphs()->size(), 1u);

        const auto* codes = model->operator_codes();
        QCOMPARE(codes->size(), 2u);
        QCOMPARE(static_cast<int>(codes->Get(0)->builtin_code()), 3);
        QCOMPARE(static_cast<int>(codes->Get(0)->deprecated_builtin_code()), 3);
        QCOMPARE(codes->Get(0)->version(), 3);
        QCOMPARE(static_cast<int>(codes->Get(1)->builtin_code()), 150);
        QCOMPARE(static_cast<int>(codes->Get(1)->deprecated_builtin_code()), 127);
        QCOMPARE(codes->Get(1)->version(), 2);

        // Buffer 0 is empty; each constant has a buffer of its own, 16-byte aligned;
        // activations use buffer 0.
        const auto* buffers = model->buffers();
        QVERIFY(buffers->Get(0)->data() == nullptr || buffers->Get(0)->data()->size() == 0);
        const auto* tensors = model->subgraphs()->Get(0)->tensors();
        std::set<uint32_t> used;
        for (uint32_t t = 0; t < tensors->size(); ++t) {
            const tflite::Tensor* tensor = tensors->Get(t);
            QCOMPARE(tensor->name()->str(), graph.tensors[t].name);
            QVERIFY(tensor->has_rank());
            if (!graph.tensors[t].isConstant) {
                QCOMPARE(tensor->buffer(), 0u);
                continue;
            }
            QVERIFY(tensor->buffer() != 0);
            QVERIFY2(used.insert(tensor->buffer()).second, "two constants share a buffer");
            const auto* data = buffers->Get(tensor->buffer())->data();
            QCOMPARE(static_cast<size_t>(data->size()), graph.tensors[t].data.size());
            QCOMPARE(static_cast<size_t>(data->data() - bytes.data()) % 16, size_t{0});
            QVERIFY(std::equal(data->begin(), data->end(), graph.tensors[t].data.begin()));
        }
        // Per-channel quantization with one zero point per scale and the axis.
        const auto* kernelQuant = tensors->Get(1)->quantization();
        QCOMPARE(kernelQuant->scale()->size(), 4u);
        QCOMPARE(kernelQuant->zero_point()->size(), 4u);
        QCOMPARE(kernelQuant->quantized_dimension(), 0);

        // Metadata: the oldest runtime with CONV_2D v3 and GELU v2 is 2.9.0.
        const auto* metadata = model->metadata();
        QVERIFY(metadata != nullptr);
        QCOMPARE(metadata->size(), 1u);
        QCOMPARE(metadata->Get(0)->name()->str(), std::string("min_runtime_version"));
        const auto* version = buffers->Get(metadata->Get(0)->buffer())->data();
        QCOMPARE(version->size(), 16u);
        QCOMPARE(std::string(reinterpret_cast<const char*>(version->data())), std::string("2.9.0"));

        // The serving signature names the graph's inputs and outputs.
        const auto* signatures = model->signature_defs();
        QVERIFY(signatures != nullptr && signatures->size() == 1);
        QCOMPARE(signatures->Get(0)->signature_key()->str(), std::string("serving_default"));
        QCOMPARE(signatures->Get(0)->inputs()->Get(0)->name()->str(), std::string("image"));
        QCOMPARE(signatures->Get(0)->outputs()->Get(0)->tensor_index(), static_cast<uint32_t>(gelu));
    }

    void minRuntimeVersionMatchesTflitesTable()
    {
        // Values from TFLite's runtime_version.cc, as the converter writes them in
        // ../shared models: uint8 MobileNet "1.5.0", int8 "1.14.0", float MEAN "1.6.0".
        QCOMPARE(tfliteMinRuntimeForOp(3, 1), std::string("1.5.0"));
        QCOMPARE(tfliteMinRuntimeForOp(3, 3), std::string("1.14.0"));
        QCOMPARE(tfliteMinRuntimeForOp(40, 1), std::string("1.6.0"));
        QCOMPARE(tfliteMinRuntimeForOp(9, 12), std::string("2.17.0"));
        QCOMPARE(tfliteMinRuntimeForOp(3, 99), std::string());
        QVERIFY(tfliteRuntimeVersionLess("1.5.0", "1.14.0"));
        QVERIFY(tfliteRuntimeVersionLess("2.9.0", "2.11.0"));
        QVERIFY(!tfliteRuntimeVersionLess("2.11.0", "2.9.0"));
        QVERIFY(tfliteRuntimeVersionLess("", "1.5.0"));
        QVERIFY(!tfliteRuntimeVersionLess("1.14.0", "1.14.0"));
    }

    void descriptionAndMetadata()
    {
        const Graph graph = convGraph();
        TfliteWriteOptions options;
        options.producedBy = "int8 quantization of model.h5";
        options.conversionJson = R"({"mode":"int8","calibration":{"images":3}})";
        options.extraMetadata.push_back({"note", {1, 2, 3}});
        options.writeMinRuntimeVersion = false;
        const auto written = writeTfliteBuffer(graph, options);
        QVERIFY2(written.isOk(), written.message().c_str());
        const Result<Graph> back = readTfliteBuffer(written.value().data(), written.value().size(), "x.tflite");
        QVERIFY2(back.isOk(), back.message().c_str());
        QCOMPARE(back.value().description, std::string("Rangefinder ") + RF_VERSION + ": int8 quantization of model.h5");
        QCOMPARE(defaultTfliteDescription(), std::string("Rangefinder ") + RF_VERSION);

        const tflite::Model* model = tflite::GetModel(written.value().data());
        QCOMPARE(model->metadata()->size(), 2u);
        QCOMPARE(model->metadata()->Get(0)->name()->str(), std::string(kRangefinderMetadataName));
        const auto* json = model->buffers()->Get(model->metadata()->Get(0)->buffer())->data();
        QCOMPARE(std::string(json->begin(), json->end()), options.conversionJson);
        QCOMPARE(model->metadata()->Get(1)->name()->str(), std::string("note"));
        QCOMPARE(model->buffers()->Get(model->metadata()->Get(1)->buffer())->data()->size(), 3u);

        options.description = "custom text";
        const Result<Graph> custom = roundTrip(graph, options);
        QVERIFY2(custom.isOk(), custom.message().c_str());
        QCOMPARE(custom.value().description, std::string("custom text"));
    }

    void dynamicBatchWritesShapeSignatures()
    {
        const Graph graph = convGraph();
        TfliteWriteOptions options;
        options.dynamicBatch = true;
        const auto written = writeTfliteBuffer(graph, options);
        QVERIFY2(written.isOk(), written.message().c_str());
        const auto* tensors = tflite::GetModel(written.value().data())->subgraphs()->Get(0)->tensors();
        const auto* input = tensors->Get(graph.inputs[0]);
        QVERIFY(input->shape_signature() != nullptr);
        QCOMPARE(input->shape_signature()->Get(0), -1);
        QCOMPARE(input->shape()->Get(0), 1);
        QVERIFY(tensors->Get(1)->shape_signature() == nullptr); // Weights keep a fixed shape.
        const Result<Graph> back = readTfliteBuffer(written.value().data(), written.value().size(), "x.tflite");
        QVERIFY2(back.isOk(), back.message().c_str());
        QCOMPARE(back.value().tensors[graph.inputs[0]].shape, graph.tensors[graph.inputs[0]].shape);
    }

    void sharedZeroPointIsExpandedPerChannel()
    {
        Graph graph = convGraph();
        graph.tensors[1].quant.zeroPoints = {0}; // The IR allows one zero point for all channels.
        const Result<Graph> back = roundTrip(graph);
        QVERIFY2(back.isOk(), back.message().c_str());
        QCOMPARE(back.value().tensors[1].quant.zeroPoints, (std::vector<int64_t>{0, 0, 0, 0}));
    }

    void refusesWhatTfliteCannotExpress()
    {
        Graph graph = convGraph();
        graph.sourcePath = "model.h5";
        // An op the core does not run (a reader keeps it as Unsupported with its name).
        const int32_t convOut = graph.outputs[0];
        const int32_t lstmOut = addTensor(graph, "lstm", DType::Int8, {1, 4});
        Op& lstm = addOp(graph, OpType::Unsupported, {convOut}, {lstmOut});
        lstm.typeName = "UNIDIRECTIONAL_SEQUENCE_LSTM";
        auto result = writeTfliteBuffer(graph);
        QVERIFY(!result.isOk());
        QVERIFY2(result.message().find("model.h5: op #1 (UNIDIRECTIONAL_SEQUENCE_LSTM)") != std::string::npos,
                 result.message().c_str());
        QVERIFY2(result.message().find("cannot express") != std::string::npos, result.message().c_str());

        // A tensor without an element type.
        Graph untyped = convGraph();
        untyped.tensors[0].dtype = DType::Unknown;
        result = writeTfliteBuffer(untyped);
        QVERIFY(!result.isOk());
        QVERIFY2(result.message().find("tensor #0 'image'") != std::string::npos, result.message().c_str());

        // A graph that is not valid (an op reading a tensor nothing produces).
        Graph invalid = convGraph();
        invalid.inputs.clear();
        result = writeTfliteBuffer(invalid);
        QVERIFY(!result.isOk());
        QVERIFY2(result.message().find("op #0 (CONV_2D)") != std::string::npos, result.message().c_str());
        QVERIFY2(result.message().find("not produced by any earlier op") != std::string::npos, result.message().c_str());

        // A NaN softmax beta has no meaning in a model file.
        CaseList softmax = casesFor(OpType::Softmax);
        softmax[0].graph.ops[0].attrs.beta = std::numeric_limits<float>::quiet_NaN();
        result = writeTfliteBuffer(softmax[0].graph);
        QVERIFY(!result.isOk());
        QVERIFY2(result.message().find("op #0 (SOFTMAX)") != std::string::npos, result.message().c_str());
    }

    void refusesToOverwriteUnlessAllowed()
    {
        const std::string dir = test::makeTempDir("rf-writer");
        const std::string path = dir + "/model.tflite";
        const std::vector<uint8_t> original{'o', 'l', 'd'};
        QVERIFY(test::writeFileBytes(path, original));

        const Graph graph = convGraph();
        Status status = writeTfliteFile(graph, path);
        QVERIFY(!status.isOk());
        QVERIFY2(status.message().find(path + ": file exists (refusing to overwrite it") != std::string::npos,
                 status.message().c_str());
        QCOMPARE(test::readFileBytes(path), original);
        QCOMPARE(directoryEntries(dir), std::vector<std::string>{"model.tflite"});

        TfliteWriteOptions replace;
        replace.overwrite = OverwritePolicy::Replace;
        status = writeTfliteFile(graph, path, replace);
        QVERIFY2(status.isOk(), status.message().c_str());
        const std::vector<uint8_t> written = test::readFileBytes(path);
        QCOMPARE(written, writeTfliteBuffer(graph, replace).value());
        const Result<Graph> back = readTfliteFile(path);
        QVERIFY2(back.isOk(), back.message().c_str());
        QCOMPARE(back.value().sourcePath, path);
        QCOMPARE(directoryEntries(dir), std::vector<std::string>{"model.tflite"});

        // A new file needs no permission.
        status = writeTfliteFile(graph, dir + "/new.tflite");
        QVERIFY2(status.isOk(), status.message().c_str());
        std::filesystem::remove_all(dir);
    }

    void failedWriteLeavesNothingBehind()
    {
        const std::string dir = test::makeTempDir("rf-writer");
        const std::string path = dir + "/model.tflite";
        const std::vector<uint8_t> original{'o', 'l', 'd'};
        QVERIFY(test::writeFileBytes(path, original));

        // A graph the writer refuses: even with permission to replace, the existing file stays.
        Graph bad = convGraph();
        bad.ops[0].type = OpType::Unsupported;
        bad.ops[0].typeName = "CUSTOM:MyOp";
        TfliteWriteOptions replace;
        replace.overwrite = OverwritePolicy::Replace;
        Status status = writeTfliteFile(bad, path, replace);
        QVERIFY(!status.isOk());
        QVERIFY2(status.message().find("op #0 (CUSTOM:MyOp)") != std::string::npos, status.message().c_str());
        QCOMPARE(test::readFileBytes(path), original);
        QCOMPARE(directoryEntries(dir), std::vector<std::string>{"model.tflite"});

        // A directory that does not exist: an error naming the path, no file anywhere.
        const std::string missing = dir + "/no/such/dir/model.tflite";
        status = writeTfliteFile(convGraph(), missing);
        QVERIFY(!status.isOk());
        QVERIFY2(status.message().find(missing) != std::string::npos, status.message().c_str());
        QCOMPARE(directoryEntries(dir), std::vector<std::string>{"model.tflite"});

        // A read-only directory (skipped as root, who may write anywhere).
        if (::geteuid() != 0) {
            const std::string locked = dir + "/locked";
            std::filesystem::create_directory(locked);
            std::filesystem::permissions(locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
            status = writeTfliteFile(convGraph(), locked + "/model.tflite");
            QVERIFY(!status.isOk());
            QVERIFY(std::filesystem::is_empty(locked));
            std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
        }
        std::filesystem::remove_all(dir);
    }
};

QTEST_APPLESS_MAIN(TestTfliteWriter)
#include "tst_tflite_writer.moc"
