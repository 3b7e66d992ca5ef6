#pragma once
// layers.csv: one row per analysed activation tensor, for spreadsheets and scripts.

#include <string>
#include <vector>

#include "analysis/analysis_result.h"

namespace rf {

/// The CSV text (RFC 4180 quoting, header row first, '.' decimal separator).
/// Empty cells for values that do not apply (error metrics in quantized-only mode).
std::string layersToCsv(const AnalysisResult& result);

/// The header row's column names, in order.
const std::vector<std::string>& layersCsvColumns();

} // namespace rf
