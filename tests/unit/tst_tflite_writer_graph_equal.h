#pragma once
// Field-by-field comparison of two Graphs for the TFLite writer tests (unit and
// corpus): tensors (name, type, shape, quantization, constness, data), ops (type,
// name, version, operands, every attribute), graph inputs and outputs.

#include <cstring>
#include <sstream>
#include <string>

#include "ir/graph.h"

namespace rf::test {

/// Everything the TFLite format stores of an op's attributes, printed for messages.
inline std::string attributesToString(const OpAttributes& a)
{
    std::ostringstream out;
    const auto list = [&](const std::vector<int32_t>& values) {
        std::string text = "[";
        for (size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + std::to_string(values[i]);
        return text + "]";
    };
    out << "padding=" << (a.padding == Padding::Same ? "SAME" : "VALID") << " stride=" << a.strideH << "x" << a.strideW
        << " dilation=" << a.dilationH << "x" << a.dilationW << " filter=" << a.filterH << "x" << a.filterW
        << " depthMultiplier=" << a.depthMultiplier << " activation=" << fusedActivationName(a.activation)
        << " axis=" << a.axis << " keepDims=" << a.keepDims << " numSplits=" << a.numSplits << " beta=" << a.beta
        << " alpha=" << a.alpha << " newShape=" << list(a.newShape) << " squeezeDims=" << list(a.squeezeDims)
        << " masks=" << a.beginMask << "/" << a.endMask << "/" << a.ellipsisMask << "/" << a.newAxisMask << "/"
        << a.shrinkAxisMask << " offset=" << a.offset << " keepNumDims=" << a.keepNumDims
        << " asymmetric=" << a.asymmetricQuantizeInputs << " alignCorners=" << a.alignCorners
        << " halfPixelCenters=" << a.halfPixelCenters << " potScaleInt16=" << a.potScaleInt16
        << " approximate=" << a.approximate;
    return out.str();
}

inline bool attributesEqual(const OpAttributes& a, const OpAttributes& b)
{
    // Floats compare by bits: the writer must store exactly what it was given.
    const auto sameBits = [](float x, float y) { return std::memcmp(&x, &y, sizeof x) == 0; };
    return a.padding == b.padding && a.strideH == b.strideH && a.strideW == b.strideW && a.dilationH == b.dilationH &&
           a.dilationW == b.dilationW && a.filterH == b.filterH && a.filterW == b.filterW &&
           a.depthMultiplier == b.depthMultiplier && a.activation == b.activation && a.axis == b.axis &&
           a.keepDims == b.keepDims && a.numSplits == b.numSplits && sameBits(a.beta, b.beta) &&
           sameBits(a.alpha, b.alpha) && a.newShape == b.newShape && a.squeezeDims == b.squeezeDims &&
           a.beginMask == b.beginMask && a.endMask == b.endMask && a.ellipsisMask == b.ellipsisMask &&
           a.newAxisMask == b.newAxisMask && a.shrinkAxisMask == b.shrinkAxisMask && a.offset == b.offset &&
           a.keepNumDims == b.keepNumDims && a.asymmetricQuantizeInputs == b.asymmetricQuantizeInputs &&
           a.alignCorners == b.alignCorners && a.halfPixelCenters == b.halfPixelCenters &&
           a.potScaleInt16 == b.potScaleInt16 && a.approximate == b.approximate;
}

/// "" when `got` equals `expected` in everything a .tflite file stores (not the
/// description, the source path or layer names); otherwise the first difference.
/// Op versions are compared only when `compareVersions` is true.
inline std::string graphDifference(const Graph& expected, const Graph& got, bool compareVersions = true)
{
    if (expected.tensors.size() != got.tensors.size())
        return "tensor count " + std::to_string(got.tensors.size()) + ", expected " + std::to_string(expected.tensors.size());
    for (size_t t = 0; t < expected.tensors.size(); ++t) {
        const Tensor& e = expected.tensors[t];
        const Tensor& g = got.tensors[t];
        const std::string label = expected.tensorLabel(static_cast<int32_t>(t)) + ": ";
        if (e.name != g.name) return label + "name '" + g.name + "'";
        if (e.dtype != g.dtype) return label + "dtype " + std::string(dtypeName(g.dtype));
        if (e.shape != g.shape) return label + "shape " + shapeToString(g.shape);
        if (e.isConstant != g.isConstant) return label + "isConstant " + std::to_string(g.isConstant);
        if (e.isVariable != g.isVariable) return label + "isVariable " + std::to_string(g.isVariable);
        if (e.data != g.data) return label + "constant data differs";
        if (e.quant.scales.size() != g.quant.scales.size()) return label + "scale count differs";
        for (size_t i = 0; i < e.quant.scales.size(); ++i) {
            if (std::memcmp(&e.quant.scales[i], &g.quant.scales[i], sizeof(float)) != 0)
                return label + "scale " + std::to_string(i) + " differs";
            if (e.quant.zeroPoint(i) != g.quant.zeroPoint(i)) return label + "zero point " + std::to_string(i) + " differs";
        }
        if (e.quant.perAxis() && e.quant.axis != g.quant.axis) return label + "quantized axis " + std::to_string(g.quant.axis);
    }
    if (expected.inputs != got.inputs) return "graph inputs differ";
    if (expected.outputs != got.outputs) return "graph outputs differ";
    if (expected.ops.size() != got.ops.size())
        return "op count " + std::to_string(got.ops.size()) + ", expected " + std::to_string(expected.ops.size());
    for (size_t o = 0; o < expected.ops.size(); ++o) {
        const Op& e = expected.ops[o];
        const Op& g = got.ops[o];
        const std::string label = expected.opLabel(o) + ": ";
        if (e.type != g.type || e.typeName != g.typeName) return label + "type " + g.typeName;
        if (compareVersions && e.version != g.version)
            return label + "version " + std::to_string(g.version) + ", expected " + std::to_string(e.version);
        if (e.inputs != g.inputs) return label + "inputs differ";
        if (e.outputs != g.outputs) return label + "outputs differ";
        if (!attributesEqual(e.attrs, g.attrs))
            return label + "attributes differ:\n  got      " + attributesToString(g.attrs) + "\n  expected " +
                   attributesToString(e.attrs);
    }
    return {};
}

} // namespace rf::test
