#include "inspector/tensor_error.h"

#include <vector>

namespace rf::ui {

void QuantErrorAccumulator::addDequantized(std::span<const float> reference, std::span<const float> dequantized)
{
    const size_t n = std::min(reference.size(), dequantized.size());
    for (size_t i = 0; i < n; ++i) {
        codes_.addCode(grid_.quantize(dequantized[i]));
        clipped_ += grid_.clips(reference[i]) ? 1 : 0;
    }
    stats_.add(reference.first(n), dequantized.first(n));
}

void QuantErrorAccumulator::addFakeQuantized(std::span<const float> values)
{
    std::vector<float> quantized(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        const int64_t code = grid_.quantize(values[i]);
        codes_.addCode(code);
        quantized[i] = static_cast<float>(grid_.scale * static_cast<double>(code - grid_.zeroPoint));
        clipped_ += grid_.clips(values[i]) ? 1 : 0;
    }
    stats_.add(values, quantized);
}

void QuantErrorAccumulator::addCodesOnly(std::span<const float> dequantized)
{
    for (float v : dequantized) codes_.addCode(grid_.quantize(v));
}

QuantError QuantErrorAccumulator::result() const
{
    QuantError error;
    error.count = stats_.count;
    error.utilization = codes_.utilization();
    if (stats_.count == 0) return error;
    error.sqnrDb = stats_.sqnrDb();
    error.mse = stats_.mse();
    error.maxAbsError = stats_.maxAbsErr;
    error.meanError = stats_.meanError();
    error.cosine = stats_.cosine();
    error.clippingRate = static_cast<double>(clipped_) / static_cast<double>(stats_.count);
    return error;
}

QuantError fakeQuantError(std::span<const float> values, const QuantGrid& grid)
{
    QuantErrorAccumulator accumulator(grid);
    accumulator.addFakeQuantized(values);
    return accumulator.result();
}

} // namespace rf::ui
