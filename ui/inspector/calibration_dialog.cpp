#include "inspector/calibration_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDirIterator>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>

namespace rf::ui {

QStringList imageFilesUnder(const QStringList& paths)
{
    static const QStringList suffixes = {"png", "jpg", "jpeg", "bmp"};
    QStringList images;
    for (const QString& path : paths) {
        const QFileInfo info(path);
        if (!info.isDir()) {
            images << info.absoluteFilePath();
            continue;
        }
        QStringList found;
        QDirIterator it(path, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString file = it.next();
            if (suffixes.contains(QFileInfo(file).suffix().toLower())) found << QFileInfo(file).absoluteFilePath();
        }
        found.sort();
        images << found;
    }
    return images;
}

CalibrationDialog::CalibrationDialog(const CalibrationChoice& initial, const QStringList& sessionImages, QWidget* parent)
    : QDialog(parent), sessionImages_(sessionImages)
{
    setWindowTitle("Calibrate and quantize");
    auto* form = new QFormLayout(this);

    set_ = new QComboBox;
    set_->addItem(QString("The session's images (%1)").arg(sessionImages.size()));
    set_->addItem("Another folder…");
    setInfo_ = new QLabel;
    connect(set_, &QComboBox::activated, this, [this](int index) {
        if (index == 1) {
            const QString dir = QFileDialog::getExistingDirectory(this, "Calibration images");
            folderImages_ = dir.isEmpty() ? QStringList() : imageFilesUnder({dir});
            if (folderImages_.isEmpty()) set_->setCurrentIndex(0);
        }
        setInfo_->setText(set_->currentIndex() == 1 ? QString("%1 images").arg(folderImages_.size()) : QString());
    });
    if (!initial.imagePaths.isEmpty() && initial.imagePaths != sessionImages) {
        folderImages_ = initial.imagePaths;
        set_->setCurrentIndex(1);
        setInfo_->setText(QString("%1 images").arg(folderImages_.size()));
    }
    form->addRow("Calibration set", set_);
    form->addRow("", setInfo_);

    method_ = new QComboBox;
    method_->setObjectName("calibrationMethod");
    const std::pair<const char*, const char*> methods[] = {{"minmax", "Min / max (TFLite converter)"},
                                                           {"moving_average", "Moving average of min / max (QAT)"},
                                                           {"percentile", "Percentile"},
                                                           {"kl", "KL divergence (TensorRT entropy)"},
                                                           {"mse", "Minimum squared error"}};
    for (auto [key, text] : methods) method_->addItem(text, QString(key));
    method_->setCurrentIndex(std::max(0, method_->findData(initial.method)));
    form->addRow("Range method", method_);
    percentile_ = new QDoubleSpinBox;
    percentile_->setRange(50.001, 100.0);
    percentile_->setDecimals(3);
    percentile_->setValue(initial.percentile);
    form->addRow("Percentile kept", percentile_);

    useDefault_ = new QCheckBox("Default range for tensors without statistics");
    defaultMin_ = new QDoubleSpinBox;
    defaultMax_ = new QDoubleSpinBox;
    for (QDoubleSpinBox* box : {defaultMin_, defaultMax_}) {
        box->setRange(-1e6, 1e6);
        box->setDecimals(4);
    }
    defaultMin_->setValue(initial.defaultRange ? initial.defaultRange->min : -6.0);
    defaultMax_->setValue(initial.defaultRange ? initial.defaultRange->max : 6.0);
    useDefault_->setChecked(initial.defaultRange.has_value());
    form->addRow(useDefault_);
    form->addRow("Default min", defaultMin_);
    form->addRow("Default max", defaultMax_);

    mode_ = new QComboBox;
    const std::pair<const char*, const char*> modes[] = {{"INT8", "Full integer int8"},
                                                         {"QUANTIZED_UINT8", "Legacy uint8 (per tensor)"},
                                                         {"INT16X8", "16x8 (int16 activations, int8 weights)"},
                                                         {"DYNAMIC_RANGE", "Dynamic range (int8 weights, float activations)"},
                                                         {"FLOAT16", "Float16 weights"}};
    for (auto [key, text] : modes) mode_->addItem(text, QString(key));
    mode_->setCurrentIndex(std::max(0, mode_->findData(initial.mode)));
    form->addRow("Quantization", mode_);
    perChannel_ = new QCheckBox("Per-channel convolution weights");
    perChannel_->setChecked(initial.perChannel);
    form->addRow(perChannel_);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText("Calibrate");
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
    connect(method_, &QComboBox::currentIndexChanged, this, &CalibrationDialog::updateEnabled);
    connect(useDefault_, &QCheckBox::toggled, this, &CalibrationDialog::updateEnabled);
    updateEnabled();
}

void CalibrationDialog::updateEnabled()
{
    percentile_->setEnabled(method_->currentData().toString() == "percentile");
    defaultMin_->setEnabled(useDefault_->isChecked());
    defaultMax_->setEnabled(useDefault_->isChecked());
}

CalibrationChoice CalibrationDialog::choice() const
{
    CalibrationChoice c;
    c.method = method_->currentData().toString();
    c.percentile = percentile_->value();
    c.mode = mode_->currentData().toString();
    c.perChannel = perChannel_->isChecked();
    if (useDefault_->isChecked())
        c.defaultRange = TensorRange{float(defaultMin_->value()), float(defaultMax_->value()), RangeOrigin::DefaultRanges};
    if (set_->currentIndex() == 1) c.imagePaths = folderImages_;
    return c;
}

} // namespace rf::ui
