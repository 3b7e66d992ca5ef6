#include "analysis/quant_grid.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>

namespace rf {

std::pair<int64_t, int64_t> dtypeCodeRange(DType dtype)
{
    switch (dtype) {
    case DType::UInt8: return {0, 255};
    case DType::Int16: return {-32768, 32767};
    case DType::Int32: return {INT32_MIN, INT32_MAX};
    default: return {-128, 127};
    }
}

QuantGrid QuantGrid::fromTensor(const Tensor& tensor, size_t channel)
{
    QuantGrid grid;
    grid.scale = tensor.quant.scale(channel);
    grid.zeroPoint = tensor.quant.zeroPoint(channel);
    std::tie(grid.qmin, grid.qmax) = dtypeCodeRange(tensor.dtype);
    return grid;
}

QuantGrid QuantGrid::fromRange(double min, double max, DType dtype)
{
    QuantGrid grid;
    std::tie(grid.qmin, grid.qmax) = dtypeCodeRange(dtype);
    // TFLite's ChooseQuantizationParams: the range must contain 0 so that zero
    // (padding, ReLU) is exactly representable.
    min = std::min(min, 0.0);
    max = std::max(max, 0.0);
    if (max == min) {
        grid.scale = 1.0;
        grid.zeroPoint = std::clamp<int64_t>(0, grid.qmin, grid.qmax);
        return grid;
    }
    const double qmin = static_cast<double>(grid.qmin);
    const double qmax = static_cast<double>(grid.qmax);
    grid.scale = (max - min) / (qmax - qmin);
    // Of the two candidate zero points (from min and from max) take the one with the
    // smaller rounding error, then nudge it to an integer inside the code range.
    const double zpFromMin = qmin - min / grid.scale;
    const double zpFromMax = qmax - max / grid.scale;
    const double errMin = std::abs(qmin) + std::abs(min / grid.scale);
    const double errMax = std::abs(qmax) + std::abs(max / grid.scale);
    const double zp = errMin < errMax ? zpFromMin : zpFromMax;
    grid.zeroPoint = zp < qmin ? grid.qmin : zp > qmax ? grid.qmax : static_cast<int64_t>(std::round(zp));
    return grid;
}

int64_t QuantGrid::quantize(double value) const
{
    const double code = std::round(value / scale) + static_cast<double>(zeroPoint);
    if (!(code >= static_cast<double>(qmin))) return qmin; // also maps NaN to qmin
    if (code > static_cast<double>(qmax)) return qmax;
    return static_cast<int64_t>(code);
}

bool QuantGrid::clips(double value) const
{
    const double half = 0.5 * scale;
    return value < representableMin() - half || value > representableMax() + half;
}

void CodeUsage::merge(const CodeUsage& other)
{
    if (counts.size() != other.counts.size()) return;
    for (size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
}

int64_t CodeUsage::codesUsed() const
{
    return std::count_if(counts.begin(), counts.end(), [](int64_t c) { return c > 0; });
}

double CodeUsage::utilization() const
{
    return counts.empty() ? 0.0 : static_cast<double>(codesUsed()) / static_cast<double>(counts.size());
}

void readCodes(DType dtype, const void* data, int64_t count, std::vector<int64_t>& out)
{
    out.resize(static_cast<size_t>(count));
    const auto n = static_cast<size_t>(count);
    switch (dtype) {
    case DType::Int8: {
        const auto* p = static_cast<const int8_t*>(data);
        for (size_t i = 0; i < n; ++i) out[i] = p[i];
        break;
    }
    case DType::UInt8: {
        const auto* p = static_cast<const uint8_t*>(data);
        for (size_t i = 0; i < n; ++i) out[i] = p[i];
        break;
    }
    case DType::Int16: {
        const auto* p = static_cast<const int16_t*>(data);
        for (size_t i = 0; i < n; ++i) out[i] = p[i];
        break;
    }
    case DType::Int32: {
        const auto* p = static_cast<const int32_t*>(data);
        for (size_t i = 0; i < n; ++i) out[i] = p[i];
        break;
    }
    default: std::fill(out.begin(), out.end(), 0); break;
    }
}

void dequantizeToFloat(DType dtype, const void* data, int64_t count, const QuantGrid& grid, std::vector<float>& out)
{
    out.resize(static_cast<size_t>(count));
    const auto n = static_cast<size_t>(count);
    const float scale = static_cast<float>(grid.scale);
    const auto zp = static_cast<int32_t>(grid.zeroPoint);
    switch (dtype) {
    case DType::Float32: std::memcpy(out.data(), data, n * sizeof(float)); break;
    case DType::Int8: {
        const auto* p = static_cast<const int8_t*>(data);
        for (size_t i = 0; i < n; ++i) out[i] = scale * static_cast<float>(p[i] - zp);
        break;
    }
    case DType::UInt8: {
        const auto* p = static_cast<const uint8_t*>(data);
        for (size_t i = 0; i < n; ++i) out[i] = scale * static_cast<float>(p[i] - zp);
        break;
    }
    case DType::Int16: {
        const auto* p = static_cast<const int16_t*>(data);
        for (size_t i = 0; i < n; ++i) out[i] = scale * static_cast<float>(p[i] - zp);
        break;
    }
    case DType::Int32: {
        const auto* p = static_cast<const int32_t*>(data);
        for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(grid.scale * (static_cast<double>(p[i]) - zp));
        break;
    }
    default: std::fill(out.begin(), out.end(), 0.0f); break;
    }
}

} // namespace rf
