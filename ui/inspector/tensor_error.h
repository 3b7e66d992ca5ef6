#pragma once
// The error of putting float values on a quantization grid, accumulated over images.
// Built on core/analysis (ErrorStats, QuantGrid, CodeUsage), so the inspector's numbers
// follow the same definitions as the batch report. Also re-quantizes a bounded sample
// of one tensor while a range handle is dragged: a pass over at most a few ten thousand
// values, well inside one frame.

#include "analysis/error_stats.h"
#include "analysis/quant_grid.h"

#include <cstdint>
#include <span>

namespace rf::ui {

/// Error metrics of one tensor against its float values.
struct QuantError {
    /// 10 * log10(sum x^2 / sum (x - q)^2); +inf without error.
    double sqnrDb = 0.0;
    double mse = 0.0;
    double maxAbsError = 0.0;
    /// Mean of q - x (the bias quantization adds).
    double meanError = 0.0;
    double cosine = 1.0;
    /// Share of float values the grid clips (beyond half a step outside its range), 0..1.
    double clippingRate = 0.0;
    /// Share of the grid's integer codes used, 0..1.
    double utilization = 0.0;
    int64_t count = 0;
};

/// Accumulates the statistics behind QuantError over many value arrays (e.g. one per image).
class QuantErrorAccumulator {
public:
    explicit QuantErrorAccumulator(const QuantGrid& grid = {}) : grid_(grid), codes_(grid) {}
    /// Adds float values and their quantized stand-ins (already dequantized, on the grid).
    void addDequantized(std::span<const float> reference, std::span<const float> dequantized);
    /// Adds float values quantized onto the grid here (fake quantization).
    void addFakeQuantized(std::span<const float> values);
    /// Adds dequantized values with no float reference: only utilization means anything.
    void addCodesOnly(std::span<const float> dequantized);
    QuantError result() const;

private:
    QuantGrid grid_;
    CodeUsage codes_;
    ErrorStats stats_;
    int64_t clipped_ = 0;
};

/// Fake-quantizes `values` on `grid` and measures the error.
QuantError fakeQuantError(std::span<const float> values, const QuantGrid& grid);

} // namespace rf::ui
