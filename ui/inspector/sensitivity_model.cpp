#include "inspector/sensitivity_model.h"

#include <cmath>

namespace rf::ui {

SensitivityModel::SensitivityModel(QObject* parent) : QAbstractTableModel(parent) {}

void SensitivityModel::setReport(std::shared_ptr<const SensitivityReport> report)
{
    beginResetModel();
    report_ = std::move(report);
    endResetModel();
}

int SensitivityModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !report_ ? 0 : static_cast<int>(report_->layers.size());
}

int SensitivityModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant SensitivityModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
    static const char* const names[] = {"Rank", "Layer", "Op", "Only this: output SQNR (dB)", "Only this: top-1 agreement %",
                                        "All but this: output SQNR (dB)", "All but this: top-1 agreement %"};
    if (role == Qt::DisplayRole) return QString(names[section]);
    if (role == Qt::ToolTipRole)
        return section >= OnlySqnr && section <= OnlyAgreement
                   ? QString("Only this layer fake-quantized in the float model: what it costs on its own")
                   : section >= AllButSqnr ? QString("Every layer but this one fake-quantized: what keeping it float repairs")
                                           : QVariant();
    return {};
}

QVariant SensitivityModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || !report_ || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const LayerSensitivity& s = report_->layers[size_t(index.row())];
    auto db = [](double v) { return std::isinf(v) ? QString(v > 0 ? "∞" : "-∞") : QString::number(v, 'f', 2); };
    if (role == Qt::UserRole) {
        switch (index.column()) {
        case Rank: return s.rank;
        case OnlySqnr: return s.onlyThisSqnrDb;
        case OnlyAgreement: return s.onlyThisAgreement;
        case AllButSqnr: return s.allButThisSqnrDb;
        case AllButAgreement: return s.allButThisAgreement;
        default: break;
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() != Layer && index.column() != Op)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case Rank: return s.rank;
    case Layer: return QString::fromStdString(s.name);
    case Op: return QString::fromStdString(s.opType);
    case OnlySqnr: return db(s.onlyThisSqnrDb);
    case OnlyAgreement: return QString::number(s.onlyThisAgreement * 100, 'f', 1);
    case AllButSqnr: return db(s.allButThisSqnrDb);
    case AllButAgreement: return QString::number(s.allButThisAgreement * 100, 'f', 1);
    default: return {};
    }
}

} // namespace rf::ui
