#pragma once
// Chooses how to calibrate and quantize the float model: the calibration images, the
// range method (min/max, moving average, percentile, KL, MSE), default ranges, and the
// quantization mode. The work itself runs as a background job of the main window.

#include "inspector/session.h"

#include <QDialog>

class QComboBox;
class QDoubleSpinBox;
class QCheckBox;
class QLabel;

namespace rf::ui {

class CalibrationDialog : public QDialog {
    Q_OBJECT
public:
    /// `sessionImages` is the default calibration set.
    CalibrationDialog(const CalibrationChoice& initial, const QStringList& sessionImages, QWidget* parent = nullptr);
    /// The user's choice (valid after accept()).
    CalibrationChoice choice() const;

private:
    void updateEnabled();

    QStringList sessionImages_;
    QStringList folderImages_;
    QComboBox* set_;
    QLabel* setInfo_;
    QComboBox* method_;
    QDoubleSpinBox* percentile_;
    QCheckBox* useDefault_;
    QDoubleSpinBox* defaultMin_;
    QDoubleSpinBox* defaultMax_;
    QComboBox* mode_;
    QCheckBox* perChannel_;
};

/// Image files under the given files and folders (folders recursively), sorted.
QStringList imageFilesUnder(const QStringList& paths);

} // namespace rf::ui
