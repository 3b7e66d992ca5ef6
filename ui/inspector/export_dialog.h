#pragma once
// Export: shows what will be written (the session's quantized model, or the float
// model quantized now in another mode), where, and whether an existing file may be
// replaced. The main window writes, reloads and verifies in the background.

#include "inspector/session.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;

namespace rf::ui {

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    /// `description` tells what the session's quantized model is; `canRequantize` offers
    /// the other modes (needs a float model and images).
    ExportDialog(const QString& defaultPath, const QString& description, bool hasSessionModel, bool canRequantize,
                 QWidget* parent = nullptr);
    QString path() const;
    bool overwrite() const;
    /// Empty: export the session's quantized model as analysed; else a quantModeName().
    QString mode() const;

private:
    QLineEdit* path_;
    QCheckBox* overwrite_;
    QComboBox* mode_;
    QLabel* description_;
};

} // namespace rf::ui
