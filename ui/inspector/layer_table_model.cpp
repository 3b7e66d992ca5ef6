#include "inspector/layer_table_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>

#include <cmath>

namespace rf::ui {

namespace {

QString number(double value, int precision = 4)
{
    if (std::isnan(value)) return "—";
    if (std::isinf(value)) return value > 0 ? "∞" : "-∞";
    return QString::number(value, 'g', precision);
}

QString rangeText(double lo, double hi) { return QString("[%1, %2]").arg(number(lo), number(hi)); }

} // namespace

LayerTableModel::LayerTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void LayerTableModel::setResult(std::shared_ptr<const InspectionResult> result)
{
    beginResetModel();
    result_ = std::move(result);
    live_.clear();
    endResetModel();
}

void LayerTableModel::setLiveRange(int row, const TensorRange& range, const QuantError& error)
{
    if (row < 0 || row >= rowCount()) return;
    live_[row] = Live{range, error};
    emit dataChanged(index(row, Sqnr), index(row, ScaleZeroPoint));
}

void LayerTableModel::clearLive(int row)
{
    if (live_.erase(row)) emit dataChanged(index(row, Sqnr), index(row, ScaleZeroPoint));
}

int LayerTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !result_ ? 0 : static_cast<int>(result_->layers.size());
}

int LayerTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant LayerTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
    static const char* const names[] = {"Layer", "Op", "SQNR (dB)", "Clipping %", "Utilization %", "Float range",
                                        "Quantized range", "Scale / zero point", "Output shape"};
    static const char* const tips[] = {
        "Tensor (Keras layer) name",
        "Operator producing the tensor in the quantized model",
        "Signal-to-quantization-noise ratio of the quantized tensor vs the float one over all images",
        "Share of float values outside the quantized range",
        "Share of the integer codes the values use",
        "Smallest and largest float value seen over the images",
        "Range the quantized tensor can represent (your override when you set one)",
        "Quantization parameters of the tensor",
        "Shape of the tensor"};
    if (role == Qt::DisplayRole) return QString(names[section]);
    if (role == Qt::ToolTipRole) return QString(tips[section]);
    return {};
}

QVariant LayerTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || !result_ || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const LayerRecord& layer = result_->layers[size_t(index.row())];
    auto live = live_.find(index.row());
    const bool isLive = live != live_.end();
    const std::optional<TensorRange> range = isLive ? std::optional(live->second.range) : layer.override;
    const QuantError& error = isLive ? live->second.error : layer.shownError();
    const QuantGrid grid = range ? QuantGrid::fromRange(range->min, range->max, layer.gridDtype) : layer.grid;
    const bool hasError = layer.hasMeasured || range.has_value();
    const bool bad = hasError && result_->hasFloat &&
                     (error.sqnrDb < kBadSqnrDb || error.clippingRate > kBadClipping);

    if (role == kBadRole) return bad;
    if (role == Qt::BackgroundRole && bad) return QBrush(QColor(255, 205, 200));
    const bool rangeDependent = index.column() >= Sqnr && index.column() <= ScaleZeroPoint && index.column() != FloatRange;
    if (role == Qt::FontRole && range && rangeDependent) {
        QFont font;
        font.setItalic(true);
        return font;
    }
    if (role == Qt::ToolTipRole) {
        QString tip = QString::fromStdString(layer.name);
        if (!layer.matchMethod.empty()) tip += QString("\npaired by %1").arg(QString::fromStdString(layer.matchMethod));
        if (layer.simulatedGrid && result_->hasFloat) tip += "\nsimulated int8 grid (no quantized twin)";
        if (range)
            tip += QString("\nyour range %1 (this tensor re-quantized; model value SQNR %2 dB)")
                       .arg(rangeText(range->min, range->max), number(layer.measured.sqnrDb));
        if (bad) tip += QString("\nflagged: SQNR below %1 dB or clipping above %2%").arg(kBadSqnrDb).arg(kBadClipping * 100);
        return tip;
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Sqnr && index.column() <= Utilization)
        return int(Qt::AlignRight | Qt::AlignVCenter);

    const bool display = role == Qt::DisplayRole;
    const bool sort = role == kSortRole;
    if (!display && !sort) return {};
    switch (index.column()) {
    case Name: return QString::fromStdString(layer.name);
    case Op: return QString::fromStdString(layer.opType);
    case Shape:
        if (sort) return double(elementCount(layer.shape));
        return QString::fromStdString(shapeToString(layer.shape));
    case FloatRange:
        if (sort) return double(layer.seenMax - layer.seenMin);
        return rangeText(layer.seenMin, layer.seenMax);
    case QuantRange:
        if (sort) return grid.representableMax() - grid.representableMin();
        if (layer.simulatedGrid && !range && !result_->hasFloat) return QString("—");
        return rangeText(grid.representableMin(), grid.representableMax()) + (layer.simulatedGrid && !range ? " (sim.)" : "");
    case ScaleZeroPoint:
        if (sort) return grid.scale;
        return QString("%1 / %2").arg(number(grid.scale, 5)).arg(grid.zeroPoint);
    case Sqnr:
        if (sort) return hasError ? error.sqnrDb : std::nan("");
        return hasError ? number(error.sqnrDb, 3) : QString("—");
    case Clipping:
        if (sort) return hasError ? error.clippingRate : std::nan("");
        return hasError && !std::isnan(error.clippingRate) ? QString::number(error.clippingRate * 100, 'f', 2) : QString("—");
    case Utilization:
        if (sort) return error.utilization;
        return layer.simulatedGrid && !range && !layer.hasMeasured ? QString("—")
                                                                    : QString::number(error.utilization * 100, 'f', 1);
    default: return {};
    }
}

} // namespace rf::ui
