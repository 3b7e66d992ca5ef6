#include "report/html_report.h"

#include <QApplication>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <qcustomplot.h>
#include <sstream>

#include "plots/analysis_plots.h"

namespace rf {
namespace {

std::string escape(const std::string& text)
{
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string num(double value, const char* format = "%.4g")
{
    if (std::isnan(value)) return "&ndash;";
    if (std::isinf(value)) return value > 0 ? "&infin;" : "&minus;&infin;";
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), format, value);
    return buffer;
}

std::string percent(double share) { return num(100.0 * share, "%.2f") + "%"; }

std::string shapeText(const std::vector<int32_t>& shape)
{
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

/// One plot rendered to an <img> with its PNG inline.
template <typename Draw>
std::string image(Draw draw, int width, int height, const std::string& alt)
{
    // One plot widget reused for every figure: creating a QCustomPlot (layouts,
    // axes, fonts) costs more than drawing a small figure.
    static QCustomPlot* shared = nullptr;
    if (!shared) shared = new QCustomPlot;
    QCustomPlot& plot = *shared;
    draw(plot);
    const QByteArray png = plots::renderPng(plot, width, height);
    return "<img alt=\"" + escape(alt) + "\" width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height) +
           "\" src=\"data:image/png;base64," + png.toBase64().toStdString() + "\">";
}

const char* kStyle = R"(<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#eef}
td.l{text-align:left}
tr.bad td{background:#fdd}
.warn{color:#a00}
h2{margin-top:32px;border-bottom:1px solid #ccc}
.hist{display:inline-block;margin:6px;vertical-align:top;font-size:12px}
code{background:#f4f4f4}
</style>)";

} // namespace

void ensureGuiApplication()
{
    if (QCoreApplication::instance()) return;
    if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY") && !std::getenv("QT_QPA_PLATFORM")) {
        setenv("QT_QPA_PLATFORM", "offscreen", 1);
    }
    static int argc = 1;
    static char name[] = "rangefinder-batch";
    static char* argv[] = {name, nullptr};
    static std::unique_ptr<QApplication> app = std::make_unique<QApplication>(argc, argv);
}

std::string renderHtmlReport(const AnalysisResult& result, const ReportContext& context)
{
    const bool compared = !result.floatModelPath.empty();
    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Rangefinder report</title>" << kStyle
      << "</head><body>\n<h1>Quantization report</h1>\n<table>";
    if (compared) h << "<tr><th>float model</th><td class=l>" << escape(result.floatModelPath) << "</td></tr>";
    h << "<tr><th>quantized model</th><td class=l>" << escape(result.quantModelPath) << "</td></tr>"
      << "<tr><th>kernels</th><td class=l>" << escape(result.kernels) << "</td></tr>"
      << "<tr><th>images</th><td class=l>" << result.imageNames.size() << "</td></tr>";
    if (!context.command.empty()) h << "<tr><th>command</th><td class=l><code>" << escape(context.command) << "</code></td></tr>";
    h << "</table>\n";

    for (const GateResult& gate : context.gates) {
        h << "<p class=" << (gate.failing.empty() ? "ok" : "warn") << "><b>Gate " << escape(gate.kind) << " &ge; "
          << num(gate.threshold) << ": " << (gate.failing.empty() ? "passed" : "FAILED") << "</b>";
        for (const std::string& name : gate.failing) h << " " << escape(name);
        h << "</p>\n";
    }

    const ModelMetrics& m = result.model;
    h << "<h2>Model</h2>\n<table><tr><th>images</th><td>" << m.images << "</td></tr>";
    if (compared) {
        h << "<tr><th>top-1 agreement float vs quantized</th><td>" << percent(m.top1Agreement) << "</td></tr>"
          << "<tr><th>float top-1 in quantized top-5</th><td>" << percent(m.top5Agreement) << "</td></tr>";
        if (m.outputError) {
            h << "<tr><th>output SQNR</th><td>" << num(m.outputError->sqnrDb, "%.2f") << " dB</td></tr>"
              << "<tr><th>output cosine</th><td>" << num(m.outputError->cosine, "%.6f") << "</td></tr>";
        }
    }
    if (m.labelledImages) {
        h << "<tr><th>labelled images</th><td>" << m.labelledImages << "</td></tr>";
        if (m.floatTop1Accuracy) h << "<tr><th>float top-1 / top-5 accuracy</th><td>" << percent(*m.floatTop1Accuracy) << " / " << percent(m.floatTop5Accuracy.value_or(NAN)) << "</td></tr>";
        if (m.quantTop1Accuracy) h << "<tr><th>quantized top-1 / top-5 accuracy</th><td>" << percent(*m.quantTop1Accuracy) << " / " << percent(m.quantTop5Accuracy.value_or(NAN)) << "</td></tr>";
    }
    h << "</table>\n";

    h << "<h2>Layers</h2>\n";
    if (compared) {
        h << "<p>Signal-to-quantization-noise ratio of every matched tensor (float vs dequantized quantized values, all images).</p>"
          << image([&](QCustomPlot& p) { plots::plotLayerSqnr(p, result.tensors); }, 900, 280, "SQNR per layer");
    }
    h << "<p>Share of the integer codes each tensor uses, and share of float values outside its representable range.</p>"
      << image([&](QCustomPlot& p) { plots::plotRangeUsage(p, result.tensors); }, 900, 280, "range usage per layer");
    h << "<table><tr><th>#</th><th>name</th><th>op</th><th>dtype</th><th>shape</th><th>scale</th><th>zero point</th>"
         "<th>float range seen</th><th>representable range</th><th>clipped</th><th>codes used</th>";
    if (compared) h << "<th>SQNR dB</th><th>MSE</th><th>max |err|</th><th>mean err</th><th>err std</th><th>cosine</th><th>match</th>";
    h << "</tr>\n";
    for (size_t i = 0; i < result.tensors.size(); ++i) {
        const TensorReport& t = result.tensors[i];
        const bool bad = (t.error && t.error->sqnrDb < 20.0) || t.clippingRate > 0.01;
        h << "<tr" << (bad ? " class=bad" : "") << "><td>" << i << "</td><td class=l title=\"" << escape(t.quantTensorName)
          << "\">" << escape(t.name) << "</td><td class=l>" << escape(t.opType) << "</td><td>" << escape(t.dtype) << "</td><td>"
          << shapeText(t.shape) << "</td><td>" << num(t.scale) << "</td><td>" << t.zeroPoint << "</td><td>" << num(t.floatMin)
          << " .. " << num(t.floatMax) << "</td><td>" << num(t.representableMin) << " .. " << num(t.representableMax)
          << "</td><td>" << percent(t.clippingRate) << "</td><td>" << t.codesUsed << "/" << t.codeCount << " ("
          << percent(t.utilization) << ")</td>";
        if (compared) {
            if (t.error) {
                h << "<td>" << num(t.error->sqnrDb, "%.2f") << "</td><td>" << num(t.error->mse) << "</td><td>"
                  << num(t.error->maxAbsError) << "</td><td>" << num(t.error->meanError) << "</td><td>"
                  << num(t.error->errorStd) << "</td><td>" << num(t.error->cosine, "%.5f") << "</td>";
            } else {
                h << "<td colspan=6></td>";
            }
            h << "<td class=l>" << (t.matchMethod ? matchMethodName(*t.matchMethod) : "") << "</td>";
        }
        h << "</tr>\n";
    }
    h << "</table>\n";

    h << "<h2>Activation histograms</h2>\n<p>Float values over all images (blue), the quantized tensor's representable range "
         "(green) and clip points (red).</p>\n";
    const size_t maxHistograms = 120;
    for (size_t i = 0; i < result.tensors.size() && i < maxHistograms; ++i) {
        const TensorReport& t = result.tensors[i];
        if (t.histogram.values.total == 0) continue;
        h << "<div class=hist><b>#" << i << " " << escape(t.name) << "</b><br>"
          << image([&](QCustomPlot& p) { plots::plotActivationHistogram(p, t); }, 440, 220, "histogram of " + t.name)
          << "</div>\n";
    }

    if (!result.weights.empty()) {
        h << "<h2>Weights</h2>\n<table><tr><th>layer</th><th>tensor</th><th>op</th><th>shape</th><th>per channel</th>"
             "<th>channels</th><th>SQNR dB</th><th>worst channel SQNR dB</th><th>max |err|</th><th>range min..max</th></tr>\n";
        for (const WeightReport& w : result.weights) {
            double worst = INFINITY, lo = INFINITY, hi = -INFINITY;
            for (const WeightChannel& c : w.channels) {
                if (!std::isnan(c.sqnrDb)) worst = std::min(worst, c.sqnrDb);
                lo = std::min(lo, c.quantMin);
                hi = std::max(hi, c.quantMax);
            }
            h << "<tr><td class=l>" << escape(w.layer) << "</td><td class=l>" << escape(w.name) << "</td><td class=l>"
              << escape(w.opType) << "</td><td>" << shapeText(w.shape) << "</td><td>" << (w.perChannel ? "yes" : "no")
              << "</td><td>" << w.channels.size() << "</td><td>" << (w.error ? num(w.error->sqnrDb, "%.2f") : "&ndash;")
              << "</td><td>" << (w.error ? num(worst, "%.2f") : "&ndash;") << "</td><td>"
              << (w.error ? num(w.error->maxAbsError) : "&ndash;") << "</td><td>" << num(lo) << " .. " << num(hi) << "</td></tr>\n";
        }
        h << "</table>\n";
        for (size_t i = 0; i < result.weights.size() && i < 60; ++i) {
            const WeightReport& w = result.weights[i];
            h << "<div class=hist><b>" << escape(w.layer) << "</b> weight range per channel<br>"
              << image([&](QCustomPlot& p) { plots::plotWeightChannels(p, w); }, 440, 200, "weights of " + w.layer) << "</div>\n";
        }
    }

    if (result.drift) {
        h << "<h2>Kernel drift: builtin vs XNNPACK</h2>\n<p>The same quantized model run with TFLite's builtin kernels "
             "(microcontrollers, XNNPACK off) and with XNNPACK (phones, desktop): share of elements that differ and the "
             "largest difference in integer steps, per tensor.</p>"
          << image([&](QCustomPlot& p) { plots::plotDrift(p, *result.drift); }, 900, 280, "kernel drift")
          << "<table><tr><th>#</th><th>tensor</th><th>op</th><th>elements</th><th>differing</th><th>max steps</th></tr>\n";
        for (size_t i = 0; i < result.drift->tensors.size(); ++i) {
            const DriftTensor& d = result.drift->tensors[i];
            h << "<tr><td>" << i << "</td><td class=l>" << escape(d.name) << "</td><td class=l>" << escape(d.opType)
              << "</td><td>" << d.elements << "</td><td>" << percent(d.differingShare) << "</td><td>" << d.maxStepDiff
              << "</td></tr>\n";
        }
        h << "</table>\n";
    }

    if (result.sensitivity) {
        const SensitivityReport& s = *result.sensitivity;
        h << "<h2>Sensitivity</h2>\n<p>Quantization simulated in the float model (fake quantization with the quantized "
             "model's scales) one layer at a time, and for all layers but one, over "
          << s.images << " images. All layers: output SQNR " << num(s.allQuantSqnrDb, "%.2f") << " dB, top-1 agreement "
          << percent(s.allQuantAgreement) << ".</p>"
          << image([&](QCustomPlot& p) { plots::plotSensitivity(p, s); }, 900, 300, "sensitivity")
          << "<table><tr><th>rank</th><th>layer</th><th>op</th><th>only this: SQNR dB</th><th>agreement</th>"
             "<th>all but this: SQNR dB</th><th>agreement</th></tr>\n";
        for (const LayerSensitivity& l : s.layers) {
            h << "<tr><td>" << l.rank << "</td><td class=l>" << escape(l.name) << "</td><td class=l>" << escape(l.opType)
              << "</td><td>" << num(l.onlyThisSqnrDb, "%.2f") << "</td><td>" << percent(l.onlyThisAgreement) << "</td><td>"
              << num(l.allButThisSqnrDb, "%.2f") << "</td><td>" << percent(l.allButThisAgreement) << "</td></tr>\n";
        }
        h << "</table>\n";
    }

    if (!result.unmatchedFloat.empty() || !result.unmatchedQuant.empty() || !result.notes.empty()) {
        h << "<h2>Matching</h2>\n";
        if (!result.unmatchedFloat.empty()) {
            h << "<p>Float tensors without a quantized counterpart:";
            for (const std::string& n : result.unmatchedFloat) h << " <code>" << escape(n) << "</code>";
            h << "</p>\n";
        }
        if (!result.unmatchedQuant.empty()) {
            h << "<p>Quantized tensors without a float counterpart:";
            for (const std::string& n : result.unmatchedQuant) h << " <code>" << escape(n) << "</code>";
            h << "</p>\n";
        }
        for (const std::string& note : result.notes) h << "<p>" << escape(note) << "</p>\n";
    }
    h << "<p style=\"color:#888\">rangefinder " << RF_VERSION << "</p></body></html>\n";
    return h.str();
}

} // namespace rf
