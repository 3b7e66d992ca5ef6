#include "inspector/layer_ranges_plot.h"

#include <algorithm>
#include <cmath>

namespace rf::ui {

namespace {

/// A range drawn as a vertical bar: a centre point with symmetric error bars, which
/// QCustomPlot draws without the baseline a QCPBars would force.
QCPErrorBars* addRangeBars(QCustomPlot& plot, QCPGraph* centres, const QColor& color, double width)
{
    centres->setLineStyle(QCPGraph::lsNone);
    centres->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssNone));
    auto* bars = new QCPErrorBars(plot.xAxis, plot.yAxis);
    bars->setDataPlottable(centres);
    bars->setErrorType(QCPErrorBars::etValueError);
    bars->setWhiskerWidth(width);
    bars->setPen(QPen(color, width));
    return bars;
}

} // namespace

LayerRangesPlot::LayerRangesPlot(QWidget* parent) : QCustomPlot(parent)
{
    setMinimumHeight(160);
    representable_ = addGraph();
    representable_->setName("quantized grid (representable)");
    seen_ = addGraph();
    seen_->setName("float values seen");
    representableBars_ = addRangeBars(*this, representable_, QColor(200, 210, 230), 9);
    seenBars_ = addRangeBars(*this, seen_, QColor(40, 80, 160), 3);
    // The legend names the bars; the invisible centre graphs stay out of it.
    legend->setVisible(true);
    legend->clearItems();
    legend->addItem(new QCPPlottableLegendItem(legend, representableBars_));
    legend->addItem(new QCPPlottableLegendItem(legend, seenBars_));
    representableBars_->setName("quantized grid (representable)");
    seenBars_->setName("float values seen");
    yAxis->setLabel("value range");
    xAxis->setTickLabelRotation(60);
    connect(this, &QCustomPlot::mousePress, this, [this](QMouseEvent* event) {
        const long key = std::lround(xAxis->pixelToCoord(event->position().x()));
        if (key >= 0 && key < static_cast<long>(layerOfKey_.size())) emit layerClicked(layerOfKey_[size_t(key)]);
    });
}

void LayerRangesPlot::setResult(const InspectionResult* result)
{
    layerOfKey_.clear();
    QVector<double> keys, seenCentre, seenHalf, gridCentre, gridHalf;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    if (result) {
        for (size_t i = 0; i < result->layers.size(); ++i) {
            const LayerRecord& layer = result->layers[i];
            const double lo = layer.grid.representableMin(), hi = layer.grid.representableMax();
            if (!std::isfinite(lo) || !std::isfinite(hi) || !std::isfinite(layer.seenMin) || !std::isfinite(layer.seenMax))
                continue;
            const double key = double(layerOfKey_.size());
            keys.push_back(key);
            gridCentre.push_back((lo + hi) / 2);
            gridHalf.push_back((hi - lo) / 2);
            seenCentre.push_back((double(layer.seenMin) + layer.seenMax) / 2);
            seenHalf.push_back((double(layer.seenMax) - layer.seenMin) / 2);
            ticker->addTick(key, QString::fromStdString(layer.name).left(24));
            layerOfKey_.push_back(static_cast<int>(i));
        }
    }
    representable_->setData(keys, gridCentre, true);
    representableBars_->setData(gridHalf);
    seen_->setData(keys, seenCentre, true);
    seenBars_->setData(seenHalf);
    xAxis->setTicker(ticker);
    xAxis->setRange(-0.7, std::max<double>(1.0, double(keys.size()) - 0.3));
    if (!keys.isEmpty()) {
        double lower = 0.0, upper = 0.0;
        for (qsizetype i = 0; i < keys.size(); ++i) {
            lower = std::min({lower, gridCentre[i] - gridHalf[i], seenCentre[i] - seenHalf[i]});
            upper = std::max({upper, gridCentre[i] + gridHalf[i], seenCentre[i] + seenHalf[i]});
        }
        const double margin = std::max(1e-6, (upper - lower) * 0.05);
        yAxis->setRange(lower - margin, upper + margin);
    }
    replot();
}

} // namespace rf::ui
