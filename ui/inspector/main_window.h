#pragma once
// The inspector's main window: menus and shortcuts, the layer table, the selected
// layer's plots (histogram with draggable range handles, per-channel weight ranges,
// float-vs-quantized scatter), the whole-model view, the image list, and a status bar
// with the running job's progress and Cancel. Every slow step (loading, analysis) runs
// on a worker thread through JobRunner; errors end in a dialog carrying the core's
// message and leave the session as it was.

#include "inspector/job.h"
#include "inspector/session.h"

#include "quant/calibration_statistics.h"

#include <QMainWindow>

#include <array>
#include <deque>
#include <optional>

class QLabel;
class QLineEdit;
class QCheckBox;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;
class QDoubleSpinBox;
class QComboBox;
class QMenu;
class QCustomPlot;

namespace rf::ui {

class LayerTableModel;
class ImageModel;
class RangeHistogramPlot;
class ChannelRangePlot;
class ErrorScatterPlot;
class SqnrBarPlot;
class LayerRangesPlot;
class SensitivityModel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    Session& session() { return session_; }
    JobRunner& jobs() { return jobs_; }

    // Entry points of the menus, drag and drop and the command line. They queue
    // background jobs; errors are reported in a dialog.
    void openFloatModel(const QString& path);
    void openQuantModel(const QString& path);
    /// Image files and folders (searched recursively for .png/.jpg/.jpeg/.bmp).
    void openImages(const QStringList& paths);
    void openSession(const QString& path);
    /// Saves to `path`; false (after an error dialog) when it cannot be written.
    bool saveSession(const QString& path);
    /// Re-runs the analysis of the current models and images in the background.
    void analyze();
    /// Opens the calibration dialog, then calibrates and quantizes in the background.
    void calibrate();
    /// Calibrates the float model and quantizes it as `choice` says; the result becomes
    /// the session's quantized model. `restoring`: part of opening a session (not an edit).
    void runCalibration(const CalibrationChoice& choice, bool restoring = false);
    /// Ranks the layers by the output error each one causes (core/analysis
    /// runSensitivity) in the background; needs both models and images.
    void rankSensitivity();
    /// Opens the export dialog.
    void exportModelDialog();
    /// Writes the session's quantized model (or, with a quantModeName() `mode`, the float
    /// model quantized now in that mode) to `path`, reads it back and checks it on the images.
    void exportModel(const QString& path, bool overwrite, const QString& mode = {});
    /// What the last calibration / export reported.
    QString lastCalibrationSummary() const { return lastCalibrationSummary_; }
    QString lastExportSummary() const { return lastExportSummary_; }
    /// Opens the bundled demo (resources/demo): model(s), images, labels, preprocessing.
    /// False when the demo folder cannot be found.
    bool openDemo();
    /// Selects a layer by name in the table and the plots.
    void selectLayer(const QString& name);
    /// Writes the plot of the current tab; format by suffix (.png, .svg, .pdf).
    bool exportPlot(const QString& path);
    /// Asks whether unsaved changes may be discarded (Save / Discard / Cancel).
    bool maybeDiscardChanges();
    /// Processes events until no job runs and none is queued (tests, scripted use).
    void waitUntilIdle();
    /// Where the demo lives, or empty.
    static QString demoDirectory();

    // Widgets, for tests.
    RangeHistogramPlot* histogramPlot() const { return histogram_; }
    SqnrBarPlot* sqnrPlot() const { return sqnrPlot_; }
    LayerRangesPlot* rangesPlot() const { return rangesPlot_; }
    LayerTableModel* layerModel() const { return layerModel_; }
    QSortFilterProxyModel* layerProxy() const { return layerProxy_; }
    QTableView* layerView() const { return layerView_; }
    ImageModel* imageModel() const { return imageModel_; }
    SensitivityModel* sensitivityModel() const { return sensitivityModel_; }
    QTabWidget* tabs() const { return tabs_; }
    QLabel* layerStats() const { return layerStats_; }
    /// The message of the last error dialog.
    QString lastError() const { return lastError_; }
    /// Milliseconds the last handle move took to re-quantize and redraw.
    double lastDragMilliseconds() const { return lastDragMs_; }

signals:
    /// An error dialog is about to be shown with `message`.
    void errorShown(const QString& message);
    /// A background analysis finished and its result is installed.
    void analysisFinished();
    /// A calibration finished and its quantized model is installed.
    void calibrationFinished();
    /// A sensitivity ranking finished and is shown.
    void sensitivityFinished();
    /// An export was written and verified.
    void exportFinished(const QString& summary);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildActions();
    void buildCentralWidgets();
    QWidget* buildImagesTab();
    QWidget* buildSensitivityTab();
    void enqueue(const QString& title, std::function<JobOutcome(JobContext&)> work);
    /// Queues a job whose work is built by `prepare` on the UI thread when the job
    /// starts (so it sees what earlier jobs installed); an empty work skips the job.
    void enqueuePrepared(const QString& title, std::function<std::function<JobOutcome(JobContext&)>()> prepare);
    void startNextJob();
    void showError(const QString& title, const QString& message);
    /// Loads a model in the background; `quantizedHint` says its role (nullopt: decided
    /// by its content, for dropped files).
    void loadModel(const QString& path, std::optional<bool> quantizedHint);
    void addRecent(const QString& kind, const QString& path);
    void rebuildRecentMenu();
    void updateTitle();
    void onResultChanged();
    void onLayerSelected(int sourceRow);
    void onRangeDragged(double min, double max);
    void onRangeReleased(double min, double max);
    void resetSelectedRange();
    void updateLayerStats(const LayerRecord* layer, const std::optional<TensorRange>& range, const QuantError* live);
    void updateModelSummary();
    void applyPreprocessing();
    void showPreprocessing();
    QCustomPlot* currentPlot() const;
    int selectedRow() const { return selectedRow_; }
    void scheduleAnalysis();
    void requantizeWithOverrides();
    void dropPaths(const QStringList& paths);

    Session session_;
    JobRunner jobs_;
    std::deque<std::pair<QString, std::function<std::function<JobOutcome(JobContext&)>()>>> queue_;
    bool analysisQueued_ = false;
    /// True while the jobs of opening a demo or session run: what they install is not an edit.
    bool restoring_ = false;

    LayerTableModel* layerModel_ = nullptr;
    QSortFilterProxyModel* layerProxy_ = nullptr;
    QTableView* layerView_ = nullptr;
    QLineEdit* filterEdit_ = nullptr;
    QCheckBox* badOnly_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    RangeHistogramPlot* histogram_ = nullptr;
    ChannelRangePlot* channelPlot_ = nullptr;
    ErrorScatterPlot* scatter_ = nullptr;
    SqnrBarPlot* sqnrPlot_ = nullptr;
    LayerRangesPlot* rangesPlot_ = nullptr;
    QLabel* layerStats_ = nullptr;
    QLabel* modelSummary_ = nullptr;
    ImageModel* imageModel_ = nullptr;
    SensitivityModel* sensitivityModel_ = nullptr;
    QTableView* sensitivityView_ = nullptr;
    QCustomPlot* sensitivityPlot_ = nullptr;
    QLabel* sensitivitySummary_ = nullptr;
    QTableView* imageView_ = nullptr;
    QDoubleSpinBox* mean_[3] = {};
    QDoubleSpinBox* stddev_[3] = {};
    QComboBox* encoding_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QLabel* statusText_ = nullptr;
    QMenu* recentMenu_ = nullptr;

    /// What calibration statistics were computed from (to reuse them).
    struct StatisticsKey {
        std::shared_ptr<const Graph> graph;
        QStringList images;
        std::array<float, 3> mean{}, stddev{};
        ImageInputOptions::IntegerEncoding encoding{};
        bool operator==(const StatisticsKey&) const = default;
    };
    std::shared_ptr<const CalibrationStatistics> lastStatistics_;
    StatisticsKey lastStatisticsKey_;

    int selectedRow_ = -1;
    QString lastError_;
    QString lastCalibrationSummary_;
    QString lastExportSummary_;
    double lastDragMs_ = 0.0;
};

} // namespace rf::ui
