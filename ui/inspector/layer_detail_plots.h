#pragma once
// Plots of the selected layer beside its histogram: the per-channel weight ranges and
// the float-vs-quantized scatter of its activation values.

#include "inspector/inspection.h"

#include <qcustomplot.h>

namespace rf::ui {

/// Per-output-channel min/max of the layer's float weights, with the quantized model's
/// representable range per channel when there is one.
class ChannelRangePlot : public QCustomPlot {
    Q_OBJECT
public:
    explicit ChannelRangePlot(QWidget* parent = nullptr);
    void setLayer(const LayerRecord* layer);

private:
    QCPGraph* floatMin_;
    QCPGraph* floatMax_;
    QCPGraph* quantMin_;
    QCPGraph* quantMax_;
};

/// Quantized (dequantized) value against the float value for the sampled positions;
/// the diagonal is perfect agreement. A float-only layer shows its simulated grid.
class ErrorScatterPlot : public QCustomPlot {
    Q_OBJECT
public:
    explicit ErrorScatterPlot(QWidget* parent = nullptr);
    /// `range`, when set, is the user's (possibly live) range: the scatter then shows
    /// the tensor re-quantized with it.
    void setLayer(const LayerRecord* layer, std::optional<TensorRange> range = std::nullopt);

private:
    QCPGraph* points_;
    QCPGraph* diagonal_;
};

} // namespace rf::ui
