#pragma once
// report.json: the machine-readable form of an AnalysisResult. The schema is
// docs/report.schema.json, described in docs/report.md.

#include <string>
#include <vector>

#include "analysis/analysis_result.h"

namespace rf {

/// A CI gate the batch command evaluated (--fail-below-sqnr, --fail-below-agreement).
struct GateResult {
    /// "sqnr_db" or "top1_agreement".
    std::string kind;
    double threshold = 0.0;
    /// Names of the tensors (or "model") below the threshold; empty when the gate passed.
    std::vector<std::string> failing;
};

/// Extra information the report carries besides the analysis itself.
struct ReportContext {
    /// The command line or API call that produced the report (free text).
    std::string command;
    std::vector<GateResult> gates;
};

/// Version of the report.json layout; bumped on incompatible changes.
inline constexpr int kReportSchemaVersion = 1;

/// Serialises `result` as report.json text (pretty-printed). Non-finite numbers
/// (an SQNR of +infinity for identical tensors) are written as null.
std::string reportToJson(const AnalysisResult& result, const ReportContext& context = {});

} // namespace rf
