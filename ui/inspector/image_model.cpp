#include "inspector/image_model.h"

#include <QFileInfo>
#include <QImageReader>

namespace rf::ui {

namespace {
constexpr int kThumbnailSize = 48;
}

ImageModel::ImageModel(QObject* parent) : QAbstractTableModel(parent) {}

void ImageModel::setImages(const QStringList& paths)
{
    beginResetModel();
    paths_ = paths;
    thumbnails_.clear();
    endResetModel();
}

void ImageModel::setResult(std::shared_ptr<const InspectionResult> result, const QStringList& labels)
{
    beginResetModel();
    result_ = std::move(result);
    labels_ = labels;
    endResetModel();
}

int ImageModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(paths_.size()); }
int ImageModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ImageModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Image: return QString("Image");
    case FloatTop5: return QString("Float top-5");
    case QuantTop5: return QString("Quantized top-5");
    case Agrees: return QString("Top-1 agrees");
    default: return {};
    }
}

const ImagePrediction* ImageModel::predictionFor(int row) const
{
    if (!result_) return nullptr;
    const std::string path = paths_[row].toStdString();
    for (const ImagePrediction& p : result_->images)
        if (p.path == path) return &p;
    return nullptr;
}

QString ImageModel::className(int index) const
{
    return index >= 0 && index < labels_.size() ? labels_[index] : QString("class %1").arg(index);
}

QString ImageModel::top5Text(const std::vector<std::pair<int, float>>& top5) const
{
    QStringList parts;
    for (const auto& [cls, score] : top5) parts << QString("%1 %2").arg(className(cls)).arg(score, 0, 'f', 3);
    return parts.join("\n");
}

QVariant ImageModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const QString& path = paths_[index.row()];
    const ImagePrediction* prediction = predictionFor(index.row());
    switch (index.column()) {
    case Image:
        if (role == Qt::DisplayRole) return QFileInfo(path).fileName();
        if (role == Qt::ToolTipRole) return path;
        if (role == Qt::DecorationRole) {
            auto it = thumbnails_.find(index.row());
            if (it == thumbnails_.end()) {
                QImageReader reader(path);
                QImage image = reader.read();
                QPixmap pixmap = image.isNull() ? QPixmap()
                                                : QPixmap::fromImage(image.scaled(kThumbnailSize, kThumbnailSize,
                                                                                  Qt::KeepAspectRatio,
                                                                                  Qt::SmoothTransformation));
                it = thumbnails_.emplace(index.row(), pixmap).first;
            }
            return it->second;
        }
        return {};
    case FloatTop5:
        if (role == Qt::DisplayRole && prediction) return top5Text(prediction->floatTop5);
        return {};
    case QuantTop5:
        if (role == Qt::DisplayRole && prediction) return top5Text(prediction->quantTop5);
        return {};
    case Agrees:
        if (!prediction || prediction->floatTop5.empty() || prediction->quantTop5.empty()) return {};
        if (role == Qt::DisplayRole)
            return prediction->floatTop5[0].first == prediction->quantTop5[0].first ? QString("yes") : QString("NO");
        if (role == Qt::BackgroundRole && prediction->floatTop5[0].first != prediction->quantTop5[0].first)
            return QColor(255, 205, 200);
        return {};
    default: return {};
    }
}

} // namespace rf::ui
