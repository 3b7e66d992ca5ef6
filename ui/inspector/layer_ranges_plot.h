#pragma once
// The whole-model range view: for every layer, the float range its values took over
// the images next to the range its quantized grid can represent, so that layers whose
// grid is much wider than their values (wasted codes) or narrower (clipping) stand out.

#include <qcustomplot.h>

#include <vector>

#include "inspector/inspection.h"

namespace rf::ui {

class LayerRangesPlot : public QCustomPlot {
    Q_OBJECT
public:
    explicit LayerRangesPlot(QWidget* parent = nullptr);
    /// Shows the ranges of every layer of `result` (nothing for null).
    void setResult(const InspectionResult* result);
    /// Number of layers shown (tests).
    int layerCount() const { return static_cast<int>(layerOfKey_.size()); }

signals:
    /// The user clicked layer `index` (index into InspectionResult::layers).
    void layerClicked(int index);

private:
    QCPGraph* representable_ = nullptr;
    QCPGraph* seen_ = nullptr;
    QCPErrorBars* representableBars_ = nullptr;
    QCPErrorBars* seenBars_ = nullptr;
    std::vector<int> layerOfKey_;
};

} // namespace rf::ui
