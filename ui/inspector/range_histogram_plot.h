#pragma once
// The selected layer's float activation histogram with its quantization grid, the clip
// points, and two draggable handles (min and max) that set a new range for the tensor.

#include "inspector/inspection.h"

#include <qcustomplot.h>

namespace rf::ui {

class RangeHistogramPlot : public QCustomPlot {
    Q_OBJECT
public:
    explicit RangeHistogramPlot(QWidget* parent = nullptr);

    /// Shows `layer` (null clears the plot). The handles start at the layer's override
    /// range, or else at its grid's representable range.
    void setLayer(const LayerRecord* layer);
    /// The range the handles currently mark.
    double handleMin() const { return handleMin_; }
    double handleMax() const { return handleMax_; }
    /// Moves the handles without emitting signals (e.g. after "reset range").
    void setHandles(double min, double max);
    /// Pixel x of a value on the horizontal axis (tests use it to aim mouse events).
    int pixelForValue(double value) const;

signals:
    /// Emitted continuously while a handle is dragged.
    void rangeDragged(double min, double max);
    /// Emitted once when the handle is released.
    void rangeReleased(double min, double max);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    enum class Handle { None, Min, Max };
    void drawHandles();
    void drawGrid(const QuantGrid& grid);

    QCPBars* bars_ = nullptr;
    QCPItemStraightLine* minLine_ = nullptr;
    QCPItemStraightLine* maxLine_ = nullptr;
    QCPItemRect* keptArea_ = nullptr;
    QCPLayer* gridLayer_ = nullptr;
    std::vector<QCPItemStraightLine*> gridLines_;
    QuantGrid grid_;
    DType gridDtype_ = DType::Int8;
    double handleMin_ = 0.0, handleMax_ = 0.0;
    Handle dragging_ = Handle::None;
    bool hasLayer_ = false;
};

} // namespace rf::ui
