#include "analysis/range_what_if.h"

#include <cmath>
#include <limits>
#include <vector>

namespace rf {

RangeWhatIf simulateRange(const Histogram& floatValues, double min, double max, DType dtype)
{
    RangeWhatIf result;
    result.grid = QuantGrid::fromRange(min, max, dtype);
    const QuantGrid& grid = result.grid;
    double signal = 0.0, noise = 0.0;
    int64_t clipped = 0, total = 0;
    std::vector<bool> used(static_cast<size_t>(grid.codeCount()), false);
    for (size_t i = 0; i < floatValues.counts.size(); ++i) {
        const int64_t count = floatValues.counts[i];
        if (count == 0) continue;
        const double value = floatValues.binCenter(i);
        const int64_t code = grid.quantize(value);
        const double error = grid.scale * static_cast<double>(code - grid.zeroPoint) - value;
        const auto c = static_cast<double>(count);
        signal += c * value * value;
        noise += c * error * error;
        if (grid.clips(value)) clipped += count;
        total += count;
        used[static_cast<size_t>(code - grid.qmin)] = true;
    }
    if (total == 0) return result;
    result.clippingRate = static_cast<double>(clipped) / static_cast<double>(total);
    int64_t usedCount = 0;
    for (bool u : used) usedCount += u ? 1 : 0;
    result.utilization = static_cast<double>(usedCount) / static_cast<double>(grid.codeCount());
    result.mse = noise / static_cast<double>(total);
    result.sqnrDb = noise == 0.0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(signal / noise);
    return result;
}

} // namespace rf
