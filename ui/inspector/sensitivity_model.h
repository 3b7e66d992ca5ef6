#pragma once
// The sensitivity ranking as a table: per layer, the output SQNR and top-1 agreement
// when only that layer is quantized, and when all but that layer are (core/analysis
// runSensitivity: fake quantization inside the float model).

#include "analysis/analysis_result.h"

#include <QAbstractTableModel>

#include <memory>

namespace rf::ui {

class SensitivityModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Rank, Layer, Op, OnlySqnr, OnlyAgreement, AllButSqnr, AllButAgreement, ColumnCount };
    explicit SensitivityModel(QObject* parent = nullptr);

    void setReport(std::shared_ptr<const SensitivityReport> report);
    const SensitivityReport* report() const { return report_.get(); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const SensitivityReport> report_;
};

} // namespace rf::ui
