#pragma once
// The whole-model view: SQNR of every layer along the network as bars; clicking a bar
// selects that layer.

#include "inspector/inspection.h"

#include <qcustomplot.h>

namespace rf::ui {

class SqnrBarPlot : public QCustomPlot {
    Q_OBJECT
public:
    explicit SqnrBarPlot(QWidget* parent = nullptr);
    /// Shows the shown (tuned or measured) SQNR of every layer with a finite value.
    void setResult(const InspectionResult* result);
    /// Highlights the bar of layer `index` (-1: none).
    void setSelectedLayer(int index);
    /// Bar centre in pixels for layer `index` (tests click it).
    QPoint pixelForLayer(int index) const;

signals:
    /// The user clicked the bar of layer `index` (index into InspectionResult::layers).
    void layerClicked(int index);

private:
    QCPBars* bars_;
    QCPBars* selected_;
    std::vector<int> layerOfBar_;
    std::vector<double> values_;
};

} // namespace rf::ui
