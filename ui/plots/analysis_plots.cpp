#include "plots/analysis_plots.h"

#include <QBuffer>
#include <cmath>
#include <qcustomplot.h>

namespace rf::plots {
namespace {

void reset(QCustomPlot& plot)
{
    plot.clearPlottables();
    plot.clearItems();
    plot.clearGraphs();
    plot.xAxis->setLabel({});
    plot.yAxis->setLabel({});
    plot.yAxis2->setLabel({});
    plot.legend->setVisible(false);
    plot.yAxis2->setVisible(false);
    plot.xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    plot.yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    plot.yAxis->setScaleType(QCPAxis::stLinear);
    plot.setBackground(Qt::white);
}

/// Ticks labelled with layer indices (names are too long for an axis).
void indexAxis(QCustomPlot& plot, int count, const QString& label)
{
    plot.xAxis->setLabel(label);
    plot.xAxis->setRange(-0.8, std::max(1, count) - 0.2);
}

QCPBars* bars(QCustomPlot& plot, QCPAxis* valueAxis, const QColor& color, const QString& name)
{
    auto* b = new QCPBars(plot.xAxis, valueAxis);
    b->setName(name);
    b->setPen(Qt::NoPen);
    b->setBrush(color);
    return b;
}

} // namespace

void plotActivationHistogram(QCustomPlot& plot, const TensorReport& tensor)
{
    reset(plot);
    const Histogram& h = tensor.histogram.values;
    QVector<double> keys, values;
    double peak = 0;
    for (size_t i = 0; i < h.counts.size(); ++i) {
        if (h.counts[i] == 0) continue;
        keys.push_back(h.binCenter(i));
        values.push_back(static_cast<double>(h.counts[i]));
        peak = std::max(peak, values.back());
    }
    // The shaded representable range first, so the bars draw on top.
    const bool hasGrid = tensor.histogram.step > 0 && std::isfinite(tensor.histogram.clipLow) &&
                         std::isfinite(tensor.histogram.clipHigh);
    double lo = h.total ? h.minSeen : 0.0, hi = h.total ? h.maxSeen : 1.0;
    if (hasGrid) {
        lo = std::min(lo, tensor.histogram.clipLow);
        hi = std::max(hi, tensor.histogram.clipHigh);
        auto* range = new QCPItemRect(&plot);
        range->topLeft->setCoords(tensor.histogram.clipLow, std::max(10.0, peak * 2.0));
        range->bottomRight->setCoords(tensor.histogram.clipHigh, 0.5);
        range->setPen(Qt::NoPen);
        range->setBrush(QColor(80, 160, 80, 40));
        for (double clip : {tensor.histogram.clipLow, tensor.histogram.clipHigh}) {
            auto* line = new QCPItemStraightLine(&plot);
            line->point1->setCoords(clip, 0);
            line->point2->setCoords(clip, 1);
            line->setPen(QPen(QColor(200, 30, 30), 2));
        }
        // One tick per code when codes are at least ~4 pixels apart at 800 px.
        const double codes = (tensor.histogram.clipHigh - tensor.histogram.clipLow) / tensor.histogram.step;
        if (codes <= 200) {
            auto ticker = QSharedPointer<QCPAxisTickerFixed>(new QCPAxisTickerFixed);
            ticker->setTickStep(tensor.histogram.step);
            ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
            plot.xAxis->setTicker(ticker);
        }
    }
    // A filled step line rather than bars: thousands of bins narrower than a pixel
    // would not show as bars. Log counts, because ReLU outputs pile up at zero.
    QVector<double> stepKeys, stepValues;
    for (size_t i = 0; i < h.counts.size(); ++i) {
        stepKeys.push_back(h.binCenter(i));
        stepValues.push_back(h.counts[i] > 0 ? static_cast<double>(h.counts[i]) : 0.5);
    }
    QCPGraph* graph = plot.addGraph(plot.xAxis, plot.yAxis);
    graph->setName("float values");
    graph->setLineStyle(QCPGraph::lsStepCenter);
    graph->setPen(QPen(QColor(40, 90, 170), 1));
    graph->setBrush(QColor(40, 90, 170, 110));
    graph->setData(stepKeys, stepValues, true);
    plot.yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot.yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    const double margin = 0.03 * std::max(hi - lo, 1e-9);
    plot.xAxis->setRange(lo - margin, hi + margin);
    plot.yAxis->setRange(0.5, std::max(10.0, peak * 2.0));
    plot.xAxis->setLabel("value (red lines: clip points of scale " + QString::number(tensor.scale, 'g', 4) +
                         ", zero point " + QString::number(tensor.zeroPoint) + ")");
    plot.yAxis->setLabel("count (log)");
}

void plotLayerSqnr(QCustomPlot& plot, const std::vector<TensorReport>& tensors)
{
    reset(plot);
    QVector<double> keys, values;
    double top = 1;
    for (size_t i = 0; i < tensors.size(); ++i) {
        if (!tensors[i].error || !std::isfinite(tensors[i].error->sqnrDb)) continue;
        keys.push_back(static_cast<double>(i));
        values.push_back(tensors[i].error->sqnrDb);
        top = std::max(top, values.back());
    }
    auto* b = bars(plot, plot.yAxis, QColor(40, 90, 170), "SQNR");
    b->setWidth(0.7);
    b->setData(keys, values, true);
    indexAxis(plot, static_cast<int>(tensors.size()), "tensor # (execution order, see table)");
    double bottom = 0;
    for (double v : values) bottom = std::min(bottom, v);
    plot.yAxis->setRange(bottom, top * 1.1);
    plot.yAxis->setLabel("SQNR (dB)");
}

void plotRangeUsage(QCustomPlot& plot, const std::vector<TensorReport>& tensors)
{
    reset(plot);
    QVector<double> keys, utilization, clipping;
    for (size_t i = 0; i < tensors.size(); ++i) {
        keys.push_back(static_cast<double>(i));
        utilization.push_back(100.0 * tensors[i].utilization);
        clipping.push_back(100.0 * tensors[i].clippingRate);
    }
    auto* u = bars(plot, plot.yAxis, QColor(40, 90, 170), "codes used (%)");
    u->setWidth(0.4);
    u->setData(keys, utilization, true);
    QVector<double> shifted = keys;
    for (double& k : shifted) k += 0.4;
    auto* c = bars(plot, plot.yAxis, QColor(200, 60, 40), "values clipped (%)");
    c->setWidth(0.4);
    c->setData(shifted, clipping, true);
    indexAxis(plot, static_cast<int>(tensors.size()), "tensor # (execution order)");
    plot.yAxis->setRange(0, 105);
    plot.yAxis->setLabel("%");
    plot.legend->setVisible(true);
}

void plotWeightChannels(QCustomPlot& plot, const WeightReport& weights)
{
    reset(plot);
    QVector<double> keys, qmin, qmax;
    double lo = 0, hi = 0;
    for (size_t c = 0; c < weights.channels.size(); ++c) {
        keys.push_back(static_cast<double>(c));
        qmin.push_back(weights.channels[c].quantMin);
        qmax.push_back(weights.channels[c].quantMax);
        lo = std::min(lo, qmin.back());
        hi = std::max(hi, qmax.back());
    }
    auto* positive = bars(plot, plot.yAxis, QColor(40, 90, 170), "max");
    positive->setWidth(0.8);
    positive->setData(keys, qmax, true);
    auto* negative = bars(plot, plot.yAxis, QColor(120, 150, 210), "min");
    negative->setWidth(0.8);
    negative->setData(keys, qmin, true);
    indexAxis(plot, static_cast<int>(keys.size()), "output channel");
    const double margin = 0.05 * std::max(hi - lo, 1e-9);
    plot.yAxis->setRange(lo - margin, hi + margin);
    plot.yAxis->setLabel("dequantized weight range");
}

void plotDrift(QCustomPlot& plot, const DriftReport& drift)
{
    reset(plot);
    QVector<double> keys, share, steps;
    double maxSteps = 1;
    for (size_t i = 0; i < drift.tensors.size(); ++i) {
        keys.push_back(static_cast<double>(i));
        share.push_back(100.0 * drift.tensors[i].differingShare);
        steps.push_back(static_cast<double>(drift.tensors[i].maxStepDiff));
        maxSteps = std::max(maxSteps, steps.back());
    }
    auto* b = bars(plot, plot.yAxis, QColor(40, 90, 170), "elements differing (%)");
    b->setWidth(0.7);
    b->setData(keys, share, true);
    double maxShare = 1;
    for (double s : share) maxShare = std::max(maxShare, s);
    plot.yAxis->setRange(0, maxShare * 1.1);
    plot.yAxis->setLabel("elements differing (%)");
    plot.yAxis2->setVisible(true);
    plot.yAxis2->setLabel("max |difference| (integer steps)");
    plot.yAxis2->setRange(0, maxSteps * 1.1);
    QCPGraph* g = plot.addGraph(plot.xAxis, plot.yAxis2);
    g->setName("max |difference| (steps)");
    g->setPen(QPen(QColor(200, 60, 40), 2));
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    g->setData(keys, steps, true);
    indexAxis(plot, static_cast<int>(keys.size()), "tensor # (execution order)");
    plot.legend->setVisible(true);
}

void plotSensitivity(QCustomPlot& plot, const SensitivityReport& sensitivity)
{
    reset(plot);
    QVector<double> keys, only, allBut;
    double lo = 0, hi = 1;
    for (size_t i = 0; i < sensitivity.layers.size(); ++i) {
        const LayerSensitivity& l = sensitivity.layers[i];
        keys.push_back(static_cast<double>(i));
        only.push_back(std::isfinite(l.onlyThisSqnrDb) ? l.onlyThisSqnrDb : 0.0);
        allBut.push_back(std::isfinite(l.allButThisSqnrDb) ? l.allButThisSqnrDb : 0.0);
        lo = std::min({lo, only.back(), allBut.back()});
        hi = std::max({hi, only.back(), allBut.back()});
    }
    auto* a = bars(plot, plot.yAxis, QColor(200, 60, 40), "only this layer quantized");
    a->setWidth(0.4);
    a->setData(keys, only, true);
    QVector<double> shifted = keys;
    for (double& k : shifted) k += 0.4;
    auto* b = bars(plot, plot.yAxis, QColor(40, 90, 170), "all but this layer quantized");
    b->setWidth(0.4);
    b->setData(shifted, allBut, true);
    if (std::isfinite(sensitivity.allQuantSqnrDb)) {
        auto* line = new QCPItemStraightLine(&plot);
        line->point1->setCoords(0, sensitivity.allQuantSqnrDb);
        line->point2->setCoords(1, sensitivity.allQuantSqnrDb);
        line->setPen(QPen(Qt::black, 1, Qt::DashLine));
    }
    indexAxis(plot, static_cast<int>(keys.size()), "layer by sensitivity (0 = rank 1, most sensitive)");
    plot.yAxis->setRange(lo, hi * 1.1);
    plot.yAxis->setLabel("output SQNR vs float (dB)");
    plot.legend->setVisible(true);
}

QByteArray renderPng(QCustomPlot& plot, int width, int height)
{
    plot.resize(width, height);
    plot.replot(QCustomPlot::rpImmediateRefresh);
    const QPixmap pixmap = plot.toPixmap(width, height, 1.0);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    // Light zlib compression: the reports embed dozens of plots, and the default level
    // spends more time compressing than QCustomPlot spends drawing.
    pixmap.save(&buffer, "PNG", 80);
    return bytes;
}

} // namespace rf::plots
