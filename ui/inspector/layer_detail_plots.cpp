#include "inspector/layer_detail_plots.h"

#include <algorithm>
#include <cmath>

namespace rf::ui {

ChannelRangePlot::ChannelRangePlot(QWidget* parent) : QCustomPlot(parent)
{
    setMinimumHeight(160);
    auto makeGraph = [this](const QColor& color, QCPScatterStyle::ScatterShape shape, const QString& name) {
        QCPGraph* g = addGraph();
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(shape, color, 5));
        g->setName(name);
        return g;
    };
    floatMin_ = makeGraph(QColor(40, 90, 170), QCPScatterStyle::ssTriangleInverted, "float weight min");
    floatMax_ = makeGraph(QColor(40, 90, 170), QCPScatterStyle::ssTriangle, "float weight max");
    quantMin_ = addGraph();
    quantMax_ = addGraph();
    for (QCPGraph* g : {quantMin_, quantMax_}) {
        g->setLineStyle(QCPGraph::lsStepCenter);
        g->setPen(QPen(QColor(200, 60, 40), 1.2));
    }
    quantMin_->setName("quantized range");
    quantMax_->removeFromLegend();
    xAxis->setLabel("output channel");
    yAxis->setLabel("weight value");
    legend->setVisible(true);
    legend->setFont(QFont(font().family(), 7));
    setLayer(nullptr);
}

void ChannelRangePlot::setLayer(const LayerRecord* layer)
{
    for (QCPGraph* g : {floatMin_, floatMax_, quantMin_, quantMax_}) g->data()->clear();
    if (!layer || layer->weights.floatMin.empty()) {
        plotLayout()->setRowSpacing(0);
        xAxis->setLabel("output channel (this layer has no weights)");
        replot();
        return;
    }
    const ChannelRanges& w = layer->weights;
    QVector<double> channels(static_cast<int>(w.floatMin.size()));
    for (int i = 0; i < channels.size(); ++i) channels[i] = i;
    auto toVector = [](const std::vector<float>& v) { return QVector<double>(v.begin(), v.end()); };
    floatMin_->setData(channels, toVector(w.floatMin), true);
    floatMax_->setData(channels, toVector(w.floatMax), true);
    if (w.quantMin.size() == w.floatMin.size()) {
        quantMin_->setData(channels, toVector(w.quantMin), true);
        quantMax_->setData(channels, toVector(w.quantMax), true);
    }
    xAxis->setLabel(QString("output channel of %1").arg(QString::fromStdString(w.tensorName)));
    rescaleAxes();
    xAxis->setRange(-1, channels.size());
    yAxis->scaleRange(1.1, yAxis->range().center());
    replot();
}

ErrorScatterPlot::ErrorScatterPlot(QWidget* parent) : QCustomPlot(parent)
{
    setMinimumHeight(160);
    diagonal_ = addGraph();
    diagonal_->setPen(QPen(QColor(120, 120, 120), 1, Qt::DashLine));
    points_ = addGraph();
    points_->setLineStyle(QCPGraph::lsNone);
    points_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(40, 90, 170, 120), 3));
    xAxis->setLabel("float value");
    yAxis->setLabel("quantized value");
    setLayer(nullptr);
}

void ErrorScatterPlot::setLayer(const LayerRecord* layer, std::optional<TensorRange> range)
{
    points_->data()->clear();
    diagonal_->data()->clear();
    if (!layer || layer->floatSamples.empty()) {
        replot();
        return;
    }
    const auto& xs = layer->floatSamples;
    // At most a few thousand points: enough to see the shape, cheap to redraw while dragging.
    const size_t stride = std::max<size_t>(1, xs.size() / 4000);
    QVector<double> keys, values;
    const bool paired = !range && layer->quantSamples.size() == xs.size() && !layer->simulatedGrid;
    const QuantGrid grid =
        range ? QuantGrid::fromRange(range->min, range->max, layer->gridDtype) : layer->grid;
    for (size_t i = 0; i < xs.size(); i += stride) {
        keys.push_back(xs[i]);
        if (paired) {
            values.push_back(layer->quantSamples[i]);
        } else {
            const double q = double(grid.quantize(xs[i]));
            values.push_back(grid.scale * (q - double(grid.zeroPoint)));
        }
    }
    points_->setData(keys, values);
    yAxis->setLabel(paired ? "quantized model value" : "re-quantized value");
    const auto [lo, hi] = std::minmax_element(keys.begin(), keys.end());
    diagonal_->setData(QVector<double>{*lo, *hi}, QVector<double>{*lo, *hi});
    rescaleAxes();
    replot(QCustomPlot::rpQueuedReplot);
}

} // namespace rf::ui
