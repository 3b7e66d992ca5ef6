#include "inspector/range_histogram_plot.h"

#include <algorithm>
#include <cmath>

namespace rf::ui {

namespace {
constexpr int kBins = 120;
constexpr int kHandleGrabPixels = 8;
constexpr int kMaxGridLines = 64;
} // namespace

RangeHistogramPlot::RangeHistogramPlot(QWidget* parent) : QCustomPlot(parent)
{
    setMinimumHeight(220);
    bars_ = new QCPBars(xAxis, yAxis);
    bars_->setPen(Qt::NoPen);
    bars_->setBrush(QColor(70, 110, 180, 200));
    bars_->setName("float values");
    xAxis->setLabel("activation value (float)");
    yAxis->setLabel("count (sampled)");
    addLayer("quantGrid", layer("background"), QCustomPlot::limAbove);
    gridLayer_ = layer("quantGrid");
    keptArea_ = new QCPItemRect(this);
    keptArea_->setLayer("background");
    keptArea_->setPen(Qt::NoPen);
    keptArea_->setBrush(QColor(120, 200, 120, 40));
    auto makeHandle = [this](const QColor& color) {
        auto* line = new QCPItemStraightLine(this);
        line->setPen(QPen(color, 2.5));
        return line;
    };
    minLine_ = makeHandle(QColor(200, 40, 40));
    maxLine_ = makeHandle(QColor(200, 40, 40));
    setLayer(nullptr);
}

int RangeHistogramPlot::pixelForValue(double value) const
{
    return static_cast<int>(std::lround(xAxis->coordToPixel(value)));
}

void RangeHistogramPlot::setLayer(const LayerRecord* layer)
{
    hasLayer_ = layer != nullptr && !layer->floatSamples.empty();
    for (auto* line : gridLines_) removeItem(line);
    gridLines_.clear();
    if (!hasLayer_) {
        bars_->data()->clear();
        minLine_->setVisible(false);
        maxLine_->setVisible(false);
        keptArea_->setVisible(false);
        replot();
        return;
    }
    grid_ = layer->grid;
    gridDtype_ = layer->gridDtype;
    handleMin_ = layer->override ? layer->override->min : grid_.representableMin();
    handleMax_ = layer->override ? layer->override->max : grid_.representableMax();
    // The histogram spans the values seen and the representable range, so clip points
    // and unused grid space are both visible.
    const auto [lo, hi] = std::minmax_element(layer->floatSamples.begin(), layer->floatSamples.end());
    double left = std::min<double>({*lo, grid_.representableMin(), handleMin_});
    double right = std::max<double>({*hi, grid_.representableMax(), handleMax_});
    if (right - left <= 0.0) right = left + 1.0;
    const double width = (right - left) / kBins;
    QVector<double> keys(kBins), counts(kBins, 0.0);
    for (int i = 0; i < kBins; ++i) keys[i] = left + (i + 0.5) * width;
    for (float v : layer->floatSamples) {
        const int bin = std::clamp(static_cast<int>((v - left) / width), 0, kBins - 1);
        counts[bin] += 1.0;
    }
    bars_->setWidth(width);
    bars_->setData(keys, counts, true);
    const double margin = (right - left) * 0.05;
    xAxis->setRange(left - margin, right + margin);
    const double top = *std::max_element(counts.begin(), counts.end());
    yAxis->setScaleType(QCPAxis::stLinear);
    yAxis->setRange(0, top * 1.1 + 1);
    drawGrid(grid_);
    drawHandles();
    replot();
}

void RangeHistogramPlot::drawGrid(const QuantGrid& grid)
{
    for (auto* line : gridLines_) removeItem(line);
    gridLines_.clear();
    // One line per integer code would be a solid block for 256 codes: draw every k-th.
    const int64_t step = std::max<int64_t>(1, grid.codeCount() / kMaxGridLines);
    for (int64_t q = grid.qmin; q <= grid.qmax; q += step) {
        auto* line = new QCPItemStraightLine(this);
        line->setLayer(gridLayer_);
        line->setPen(QPen(QColor(150, 150, 150, 90), 0));
        const double x = grid.scale * double(q - grid.zeroPoint);
        line->point1->setCoords(x, 0);
        line->point2->setCoords(x, 1);
        gridLines_.push_back(line);
    }
}

void RangeHistogramPlot::drawHandles()
{
    minLine_->setVisible(hasLayer_);
    maxLine_->setVisible(hasLayer_);
    keptArea_->setVisible(hasLayer_);
    minLine_->point1->setCoords(handleMin_, 0);
    minLine_->point2->setCoords(handleMin_, 1);
    maxLine_->point1->setCoords(handleMax_, 0);
    maxLine_->point2->setCoords(handleMax_, 1);
    keptArea_->topLeft->setCoords(handleMin_, yAxis->range().upper);
    keptArea_->bottomRight->setCoords(handleMax_, 0);
}

void RangeHistogramPlot::setHandles(double min, double max)
{
    handleMin_ = min;
    handleMax_ = max;
    if (hasLayer_) {
        drawGrid(QuantGrid::fromRange(min, max, gridDtype_));
        drawHandles();
        replot();
    }
}

void RangeHistogramPlot::mousePressEvent(QMouseEvent* event)
{
    if (hasLayer_ && event->button() == Qt::LeftButton) {
        const double x = event->position().x();
        const double toMin = std::abs(x - xAxis->coordToPixel(handleMin_));
        const double toMax = std::abs(x - xAxis->coordToPixel(handleMax_));
        if (std::min(toMin, toMax) <= kHandleGrabPixels) {
            dragging_ = toMin <= toMax ? Handle::Min : Handle::Max;
            event->accept();
            return;
        }
    }
    QCustomPlot::mousePressEvent(event);
}

void RangeHistogramPlot::mouseMoveEvent(QMouseEvent* event)
{
    if (dragging_ == Handle::None) {
        // Show that the handles can be grabbed.
        if (hasLayer_) {
            const double x = event->position().x();
            const bool near = std::abs(x - xAxis->coordToPixel(handleMin_)) <= kHandleGrabPixels ||
                              std::abs(x - xAxis->coordToPixel(handleMax_)) <= kHandleGrabPixels;
            setCursor(near ? Qt::SizeHorCursor : Qt::ArrowCursor);
        }
        QCustomPlot::mouseMoveEvent(event);
        return;
    }
    const double value = xAxis->pixelToCoord(event->position().x());
    // A range keeps min <= 0 <= max (zero must stay exact) and a non-empty width.
    if (dragging_ == Handle::Min) handleMin_ = std::min(value, std::min(0.0, handleMax_ - 1e-6));
    else handleMax_ = std::max(value, std::max(0.0, handleMin_ + 1e-6));
    drawGrid(QuantGrid::fromRange(handleMin_, handleMax_, gridDtype_));
    drawHandles();
    replot(QCustomPlot::rpQueuedReplot);
    emit rangeDragged(handleMin_, handleMax_);
    event->accept();
}

void RangeHistogramPlot::mouseReleaseEvent(QMouseEvent* event)
{
    if (dragging_ != Handle::None && event->button() == Qt::LeftButton) {
        dragging_ = Handle::None;
        emit rangeReleased(handleMin_, handleMax_);
        event->accept();
        return;
    }
    QCustomPlot::mouseReleaseEvent(event);
}

} // namespace rf::ui
