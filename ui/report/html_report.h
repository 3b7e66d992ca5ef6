#pragma once
// report.html: a self-contained page (plots embedded as base64 PNG) over an
// AnalysisResult, drawn with the same QCustomPlot code the GUI uses (ui/plots),
// rendered offscreen. Needs a QApplication; ensureGuiApplication() makes one
// (offscreen when there is no display) for command-line tools.

#include <string>

#include "analysis/analysis_result.h"
#include "report/report_json.h"
#include "util/status.h"

namespace rf {

/// Creates a QApplication when none exists, selecting the "offscreen" platform
/// when neither DISPLAY nor WAYLAND_DISPLAY is set. Safe to call repeatedly.
void ensureGuiApplication();

/// The HTML text of the report.
std::string renderHtmlReport(const AnalysisResult& result, const ReportContext& context);

} // namespace rf
