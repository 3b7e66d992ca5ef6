#pragma once
// The image list: one row per image with a thumbnail, and after an analysis the top-5
// classes of the float and the quantized model side by side.

#include "inspector/inspection.h"

#include <QAbstractTableModel>
#include <QPixmap>
#include <QStringList>

#include <memory>

namespace rf::ui {

class ImageModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Image, FloatTop5, QuantTop5, Agrees, ColumnCount };
    explicit ImageModel(QObject* parent = nullptr);

    /// The images (thumbnails are loaded lazily and cached).
    void setImages(const QStringList& paths);
    /// Predictions of an analysis (matched to the images by path); labels name classes.
    void setResult(std::shared_ptr<const InspectionResult> result, const QStringList& labels);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    const ImagePrediction* predictionFor(int row) const;
    QString className(int index) const;
    QString top5Text(const std::vector<std::pair<int, float>>& top5) const;

    QStringList paths_;
    std::shared_ptr<const InspectionResult> result_;
    QStringList labels_;
    mutable std::map<int, QPixmap> thumbnails_;
};

} // namespace rf::ui
