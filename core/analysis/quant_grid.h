#pragma once
// The integer grid of a quantized tensor: which float values it can represent,
// how values outside are clipped, and which codes a set of values uses.

#include <cstdint>
#include <span>
#include <vector>

#include "ir/dtype.h"
#include "ir/tensor.h"

namespace rf {

/// real = scale * (code - zeroPoint), codes in [qmin, qmax].
struct QuantGrid {
    double scale = 1.0;
    int64_t zeroPoint = 0;
    int64_t qmin = -128;
    int64_t qmax = 127;

    /// The grid of a per-tensor quantized tensor (channel 0 of per-axis params).
    /// Precondition: tensor.isQuantized() and an integer dtype.
    static QuantGrid fromTensor(const Tensor& tensor, size_t channel = 0);
    /// The grid that [min, max] gets under TFLite's asymmetric scheme for `dtype`
    /// (range widened to include 0; the zero point nudged to an integer).
    static QuantGrid fromRange(double min, double max, DType dtype);

    /// Smallest and largest representable values.
    double representableMin() const { return scale * static_cast<double>(qmin - zeroPoint); }
    double representableMax() const { return scale * static_cast<double>(qmax - zeroPoint); }
    /// Number of codes (qmax - qmin + 1).
    int64_t codeCount() const { return qmax - qmin + 1; }
    /// The code a float rounds to (round half away from zero, clamped).
    int64_t quantize(double value) const;
    /// quantize then dequantize.
    double fakeQuant(double value) const { return scale * static_cast<double>(quantize(value) - zeroPoint); }
    /// True when `value` lies beyond half a step outside the representable range,
    /// i.e. quantization clips it rather than rounds it.
    bool clips(double value) const;
};

/// Counts how often each code of a grid is used. `counts[code - qmin]`.
struct CodeUsage {
    int64_t qmin = 0;
    std::vector<int64_t> counts;

    explicit CodeUsage(const QuantGrid& grid = {}) : qmin(grid.qmin), counts(static_cast<size_t>(grid.codeCount()), 0) {}
    /// Adds codes (must lie in the grid).
    void addCode(int64_t code) { ++counts[static_cast<size_t>(code - qmin)]; }
    void merge(const CodeUsage& other);
    /// Number of distinct codes seen.
    int64_t codesUsed() const;
    /// codesUsed / number of codes (range utilization).
    double utilization() const;
};

/// Reads the integer codes of a raw tensor buffer (int8, uint8, int16, int32) as int64.
void readCodes(DType dtype, const void* data, int64_t count, std::vector<int64_t>& out);
/// Dequantizes a raw tensor buffer with per-tensor params (float32 buffers are copied).
void dequantizeToFloat(DType dtype, const void* data, int64_t count, const QuantGrid& grid, std::vector<float>& out);
/// The integer code range of a dtype: int8 [-128,127], uint8 [0,255], int16 [-32768,32767].
std::pair<int64_t, int64_t> dtypeCodeRange(DType dtype);

} // namespace rf
