#pragma once
// A tensor of the format-neutral graph: its name, type, shape, quantization
// parameters and, for constants, its data.

#include <cstdint>
#include <string>
#include <vector>

#include "ir/dtype.h"

namespace rf {

/// A tensor shape; dimensions are >= 0. An empty shape is a scalar.
using Shape = std::vector<int32_t>;

/// Number of elements of a shape (1 for a scalar).
int64_t elementCount(const Shape& shape);
/// "[1, 224, 224, 3]".
std::string shapeToString(const Shape& shape);

/// Affine quantization: real = scale * (stored - zeroPoint).
/// One scale/zero point for the whole tensor, or one per slice along `axis`
/// (per-channel quantization, TFLite quantization spec "Per-axis").
struct QuantParams {
    std::vector<float> scales;
    std::vector<int64_t> zeroPoints;
    /// The quantized dimension for per-axis parameters.
    int32_t axis = 0;

    /// True when no quantization parameters are present.
    bool empty() const { return scales.empty(); }
    /// True when there is more than one scale.
    bool perAxis() const { return scales.size() > 1; }
    float scale(size_t channel = 0) const { return scales[scales.size() == 1 ? 0 : channel]; }
    int64_t zeroPoint(size_t channel = 0) const
    {
        return zeroPoints.empty() ? 0 : zeroPoints[zeroPoints.size() == 1 ? 0 : channel];
    }
};

/// One tensor of a Graph. Constant tensors (weights, biases, shape operands)
/// hold their little-endian bytes in `data`; activations have `isConstant == false`.
struct Tensor {
    std::string name;
    DType dtype = DType::Unknown;
    Shape shape;
    QuantParams quant;
    bool isConstant = false;
    /// True for TFLite variable tensors (state that persists across invocations).
    bool isVariable = false;
    /// Raw little-endian bytes of a constant; size == elementCount(shape) * dtypeSize(dtype).
    std::vector<uint8_t> data;

    int64_t elementCount() const { return rf::elementCount(shape); }
    size_t byteSize() const { return static_cast<size_t>(elementCount()) * dtypeSize(dtype); }
    bool isQuantized() const { return !quant.empty(); }
};

} // namespace rf
