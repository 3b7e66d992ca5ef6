#include "inspector/export_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace rf::ui {

ExportDialog::ExportDialog(const QString& defaultPath, const QString& description, bool hasSessionModel,
                           bool canRequantize, QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle("Export quantized model");
    setMinimumWidth(560);
    auto* form = new QFormLayout(this);
    mode_ = new QComboBox;
    if (hasSessionModel) mode_->addItem("The session's quantized model, as analysed", QString());
    if (canRequantize) {
        const std::pair<const char*, const char*> modes[] = {{"INT8", "Quantize now: full integer int8"},
                                                             {"QUANTIZED_UINT8", "Quantize now: legacy uint8"},
                                                             {"INT16X8", "Quantize now: 16x8"},
                                                             {"DYNAMIC_RANGE", "Quantize now: dynamic range"},
                                                             {"FLOAT16", "Quantize now: float16 weights"},
                                                             {"FLOAT", "Float32 after the converter passes"}};
        for (auto [key, text] : modes) mode_->addItem(text, QString(key));
    }
    form->addRow("Model", mode_);
    description_ = new QLabel(description);
    description_->setWordWrap(true);
    description_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow("What is written", description_);
    connect(mode_, &QComboBox::currentIndexChanged, this, [this, description] {
        description_->setText(mode_->currentData().toString().isEmpty()
                                  ? description
                                  : QString("The float model quantized now (%1) with the session's calibration "
                                            "choices and range overrides; written atomically, read back and run on "
                                            "the session's images to check it.")
                                        .arg(mode_->currentText()));
    });
    path_ = new QLineEdit(defaultPath);
    auto* browse = new QPushButton("Browse…");
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, "Export model", path_->text(), "TFLite models (*.tflite)");
        if (!path.isEmpty()) path_->setText(path);
    });
    auto* row = new QHBoxLayout;
    row->addWidget(path_, 1);
    row->addWidget(browse);
    form->addRow("File", row);
    overwrite_ = new QCheckBox("Replace the file if it exists");
    form->addRow(overwrite_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText("Export");
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

QString ExportDialog::path() const { return path_->text(); }
bool ExportDialog::overwrite() const { return overwrite_->isChecked(); }
QString ExportDialog::mode() const { return mode_->currentData().toString(); }

} // namespace rf::ui
