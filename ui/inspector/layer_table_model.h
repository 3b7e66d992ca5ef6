#pragma once
// The layer table: one row per activation tensor of the inspected models with its
// ranges, grid and error. Sorting and filtering go through a QSortFilterProxyModel
// (numbers sort by value via kSortRole); layers that quantize badly are highlighted.

#include "inspector/inspection.h"

#include <QAbstractTableModel>

#include <memory>

namespace rf::ui {

class LayerTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    /// The error columns come first after the name so that bad layers show at a glance.
    enum Column { Name, Op, Sqnr, Clipping, Utilization, FloatRange, QuantRange, ScaleZeroPoint, Shape, ColumnCount };
    /// Role holding a sortable value (double for numbers, QString for text).
    static constexpr int kSortRole = Qt::UserRole + 1;
    /// Role holding true for a layer counted as bad (low SQNR or clipping).
    static constexpr int kBadRole = Qt::UserRole + 2;
    /// A layer is bad below this SQNR (dB) ...
    static constexpr double kBadSqnrDb = 15.0;
    /// ... or above this clipping rate.
    static constexpr double kBadClipping = 0.01;

    explicit LayerTableModel(QObject* parent = nullptr);

    /// Shows a new analysis (null: empty table).
    void setResult(std::shared_ptr<const InspectionResult> result);
    const InspectionResult* result() const { return result_.get(); }
    /// Overrides one row's shown error and range while a handle is dragged (no reset).
    void setLiveRange(int row, const TensorRange& range, const QuantError& error);
    /// Drops the live value of a row.
    void clearLive(int row);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    struct Live {
        TensorRange range;
        QuantError error;
    };
    std::shared_ptr<const InspectionResult> result_;
    std::map<int, Live> live_;
};

} // namespace rf::ui
