#include "inspector/sqnr_bar_plot.h"

#include <cmath>

namespace rf::ui {

SqnrBarPlot::SqnrBarPlot(QWidget* parent) : QCustomPlot(parent)
{
    setMinimumHeight(160);
    bars_ = new QCPBars(xAxis, yAxis);
    bars_->setBrush(QColor(70, 110, 180));
    bars_->setPen(Qt::NoPen);
    selected_ = new QCPBars(xAxis, yAxis);
    selected_->setBrush(QColor(230, 140, 30));
    selected_->setPen(Qt::NoPen);
    yAxis->setLabel("SQNR (dB)");
    xAxis->setTickLabelRotation(60);
    setInteraction(QCP::iSelectPlottables, false);
    connect(this, &QCustomPlot::plottableClick, this, [this](QCPAbstractPlottable* plottable, int dataIndex, QMouseEvent*) {
        if ((plottable == bars_ || plottable == selected_) && dataIndex >= 0) {
            const int bar = static_cast<int>(std::lround(plottable == bars_ ? bars_->data()->at(dataIndex)->key
                                                                            : selected_->data()->at(dataIndex)->key));
            if (bar >= 0 && bar < static_cast<int>(layerOfBar_.size())) emit layerClicked(layerOfBar_[size_t(bar)]);
        }
    });
}

void SqnrBarPlot::setResult(const InspectionResult* result)
{
    layerOfBar_.clear();
    values_.clear();
    QVector<double> keys, values;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    if (result) {
        for (size_t i = 0; i < result->layers.size(); ++i) {
            const LayerRecord& layer = result->layers[i];
            const double sqnr = layer.shownError().sqnrDb;
            if (!layer.hasMeasured || !std::isfinite(sqnr)) continue;
            keys.push_back(double(layerOfBar_.size()));
            values.push_back(sqnr);
            ticker->addTick(double(layerOfBar_.size()), QString::fromStdString(layer.name).left(24));
            layerOfBar_.push_back(static_cast<int>(i));
            values_.push_back(sqnr);
        }
    }
    bars_->setData(keys, values, true);
    selected_->data()->clear();
    xAxis->setTicker(ticker);
    xAxis->setRange(-0.7, std::max<double>(1.0, double(keys.size()) - 0.3));
    yAxis->rescale();
    yAxis->setRangeLower(std::min(0.0, yAxis->range().lower));
    yAxis->setRangeUpper(yAxis->range().upper * 1.1 + 1);
    replot();
}

void SqnrBarPlot::setSelectedLayer(int index)
{
    selected_->data()->clear();
    for (size_t bar = 0; bar < layerOfBar_.size(); ++bar)
        if (layerOfBar_[bar] == index) selected_->addData(double(bar), values_[bar]);
    replot(QCustomPlot::rpQueuedReplot);
}

QPoint SqnrBarPlot::pixelForLayer(int index) const
{
    for (size_t bar = 0; bar < layerOfBar_.size(); ++bar)
        if (layerOfBar_[bar] == index)
            return QPoint(static_cast<int>(xAxis->coordToPixel(double(bar))),
                          static_cast<int>(yAxis->coordToPixel(values_[bar] / 2)));
    return QPoint(-1, -1);
}

} // namespace rf::ui
