#include "inspector/main_window.h"

#include "inspector/calibration_dialog.h"
#include "inspector/export_dialog.h"
#include "inspector/image_model.h"
#include "inspector/quantize_flow.h"
#include "inspector/layer_detail_plots.h"
#include "inspector/layer_table_model.h"
#include "inspector/range_histogram_plot.h"
#include "inspector/sensitivity_model.h"
#include "inspector/sqnr_bar_plot.h"
#include "inspector/layer_ranges_plot.h"

#include "analysis/sensitivity.h"
#include "analysis/tensor_matching.h"
#include "plots/analysis_plots.h"

#include "io/model_loader.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QSvgGenerator>
#include <QTabWidget>
#include <QTableView>
#include <QThread>
#include <QVBoxLayout>

#include <cmath>

namespace rf::ui {

namespace {

constexpr int kMaxRecent = 10;

const QStringList kImageSuffixes = {"png", "jpg", "jpeg", "bmp"};

bool isImageFile(const QString& path) { return kImageSuffixes.contains(QFileInfo(path).suffix().toLower()); }

bool isSessionFile(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == "rfsession" || suffix == "json";
}

// Image files under the given files and folders, folders searched recursively, sorted.
QStringList expandImages(const QStringList& paths)
{
    QStringList images;
    for (const QString& path : paths) {
        const QFileInfo info(path);
        if (info.isDir()) {
            QStringList found;
            QDirIterator it(path, QDir::Files, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString file = it.next();
                if (isImageFile(file)) found << QFileInfo(file).absoluteFilePath();
            }
            found.sort();
            images << found;
        } else {
            images << info.absoluteFilePath();
        }
    }
    return images;
}

// True when the graph computes in integers (its first activations are quantized).
bool looksQuantized(const Graph& graph)
{
    for (const Op& op : graph.ops)
        for (int32_t t : op.outputs)
            if (t >= 0 && graph.tensors[size_t(t)].isQuantized() && isQuantizableIntType(graph.tensors[size_t(t)].dtype))
                return true;
    return false;
}

QString formatDb(double value)
{
    if (std::isnan(value)) return "—";
    if (std::isinf(value)) return value > 0 ? "∞" : "-∞";
    return QString::number(value, 'f', 2);
}

// Filters the layer table by name or op text, optionally keeping only flagged layers.
class LayerFilterProxy : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setBadOnly(bool badOnly)
    {
        badOnly_ = badOnly;
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override
    {
        const QModelIndex name = sourceModel()->index(row, LayerTableModel::Name, parent);
        const QModelIndex op = sourceModel()->index(row, LayerTableModel::Op, parent);
        if (badOnly_ && !sourceModel()->data(name, LayerTableModel::kBadRole).toBool()) return false;
        const QRegularExpression re = filterRegularExpression();
        return re.pattern().isEmpty() || sourceModel()->data(name).toString().contains(re) ||
               sourceModel()->data(op).toString().contains(re);
    }

private:
    bool badOnly_ = false;
};

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle("Rangefinder");
    setAcceptDrops(true);
    resize(1400, 900);
    buildCentralWidgets();
    buildActions();

    connect(&session_, &Session::dirtyChanged, this, &MainWindow::updateTitle);
    connect(&session_, &Session::resultChanged, this, &MainWindow::onResultChanged);
    connect(&session_, &Session::imagesChanged, this, [this] {
        imageModel_->setImages(session_.settings().imagePaths);
        const ImageInputOptions& p = session_.settings().preprocessing;
        for (int c = 0; c < 3; ++c) {
            mean_[c]->setValue(p.mean[size_t(c)]);
            stddev_[c]->setValue(p.stddev[size_t(c)]);
        }
        encoding_->setCurrentIndex(p.integerEncoding == ImageInputOptions::IntegerEncoding::RawPixels ? 1 : 0);
    });

    connect(&jobs_, &JobRunner::started, this, [this](const QString& title) {
        statusText_->setText(title + "…");
        progress_->setValue(0);
        progress_->setVisible(true);
        cancelButton_->setVisible(true);
    });
    connect(&jobs_, &JobRunner::progress, this, [this](double fraction, const QString& text) {
        progress_->setValue(static_cast<int>(fraction * 1000));
        if (!text.isEmpty()) statusText_->setText(text);
    });
    connect(&jobs_, &JobRunner::finished, this, [this](const QString& title, const QString& error, bool cancelled) {
        progress_->setVisible(false);
        cancelButton_->setVisible(false);
        if (cancelled) {
            statusText_->setText(title + ": cancelled");
            queue_.clear();
            analysisQueued_ = false;
        } else if (!error.isEmpty()) {
            statusText_->setText(title + ": failed");
            queue_.clear();
            analysisQueued_ = false;
            showError(title, error);
        } else {
            statusText_->setText(title + ": done");
        }
        startNextJob();
        // Opening a demo or a session ends when its queued jobs are done.
        if (!jobs_.isRunning() && queue_.empty()) restoring_ = false;
    });
    updateTitle();
}

MainWindow::~MainWindow()
{
    queue_.clear();
    jobs_.cancel();
    jobs_.waitForFinished();
}

void MainWindow::buildCentralWidgets()
{
    layerModel_ = new LayerTableModel(this);
    auto* proxy = new LayerFilterProxy(this);
    layerProxy_ = proxy;
    layerProxy_->setSourceModel(layerModel_);
    layerProxy_->setSortRole(LayerTableModel::kSortRole);
    layerProxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);

    layerView_ = new QTableView;
    layerView_->setObjectName("layerTable");
    layerView_->setModel(layerProxy_);
    layerView_->setSortingEnabled(true);
    layerView_->sortByColumn(-1, Qt::AscendingOrder);
    layerView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    layerView_->setSelectionMode(QAbstractItemView::SingleSelection);
    layerView_->verticalHeader()->setVisible(false);
    layerView_->horizontalHeader()->setStretchLastSection(true);
    layerView_->setAlternatingRowColors(true);
    connect(layerView_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid()) onLayerSelected(layerProxy_->mapToSource(current).row());
            });

    filterEdit_ = new QLineEdit;
    filterEdit_->setPlaceholderText("Filter layers by name or op (Ctrl+F)");
    filterEdit_->setClearButtonEnabled(true);
    connect(filterEdit_, &QLineEdit::textChanged, this,
            [this](const QString& text) { layerProxy_->setFilterRegularExpression(QRegularExpression(QRegularExpression::escape(text), QRegularExpression::CaseInsensitiveOption)); });
    badOnly_ = new QCheckBox("Only flagged layers");
    connect(badOnly_, &QCheckBox::toggled, this, [proxy](bool on) { proxy->setBadOnly(on); });

    auto* left = new QWidget;
    auto* leftLayout = new QVBoxLayout(left);
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(filterEdit_, 1);
    filterRow->addWidget(badOnly_);
    leftLayout->addLayout(filterRow);
    leftLayout->addWidget(layerView_);

    // Layer tab: histogram with handles on top, stats, then weights and scatter.
    histogram_ = new RangeHistogramPlot;
    histogram_->setObjectName("rangeHistogram");
    connect(histogram_, &RangeHistogramPlot::rangeDragged, this, &MainWindow::onRangeDragged);
    connect(histogram_, &RangeHistogramPlot::rangeReleased, this, &MainWindow::onRangeReleased);
    layerStats_ = new QLabel("Open a model and images to see its layers.");
    layerStats_->setObjectName("layerStats");
    layerStats_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layerStats_->setWordWrap(true);
    auto* resetButton = new QPushButton("Reset range");
    resetButton->setToolTip("Drop your range override of this layer");
    connect(resetButton, &QPushButton::clicked, this, &MainWindow::resetSelectedRange);
    channelPlot_ = new ChannelRangePlot;
    scatter_ = new ErrorScatterPlot;
    auto* layerTab = new QWidget;
    auto* layerLayout = new QVBoxLayout(layerTab);
    layerLayout->addWidget(histogram_, 3);
    auto* statsRow = new QHBoxLayout;
    statsRow->addWidget(layerStats_, 1);
    statsRow->addWidget(resetButton, 0, Qt::AlignTop);
    layerLayout->addLayout(statsRow);
    auto* lower = new QSplitter(Qt::Horizontal);
    lower->addWidget(channelPlot_);
    lower->addWidget(scatter_);
    layerLayout->addWidget(lower, 2);

    // Model tab: summary and SQNR per layer.
    sqnrPlot_ = new SqnrBarPlot;
    sqnrPlot_->setObjectName("sqnrPlot");
    connect(sqnrPlot_, &SqnrBarPlot::layerClicked, this, [this](int index) {
        if (const InspectionResult* r = layerModel_->result())
            if (index >= 0 && index < int(r->layers.size())) selectLayer(QString::fromStdString(r->layers[size_t(index)].name));
    });
    modelSummary_ = new QLabel;
    modelSummary_->setObjectName("modelSummary");
    modelSummary_->setWordWrap(true);
    modelSummary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* modelTab = new QWidget;
    auto* modelLayout = new QVBoxLayout(modelTab);
    modelLayout->addWidget(modelSummary_);
    modelLayout->addWidget(sqnrPlot_, 1);
    rangesPlot_ = new LayerRangesPlot;
    rangesPlot_->setObjectName("rangesPlot");
    connect(rangesPlot_, &LayerRangesPlot::layerClicked, this, [this](int index) {
        if (const InspectionResult* r = layerModel_->result())
            if (index >= 0 && index < int(r->layers.size())) selectLayer(QString::fromStdString(r->layers[size_t(index)].name));
    });
    modelLayout->addWidget(rangesPlot_, 1);

    tabs_ = new QTabWidget;
    tabs_->addTab(layerTab, "Layer");
    tabs_->addTab(modelTab, "Model");
    tabs_->addTab(buildImagesTab(), "Images");
    tabs_->addTab(buildSensitivityTab(), "Sensitivity");

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(left);
    splitter->addWidget(tabs_);
    splitter->setStretchFactor(0, 5);
    splitter->setStretchFactor(1, 6);
    splitter->setSizes({640, 760});
    setCentralWidget(splitter);

    progress_ = new QProgressBar;
    progress_->setRange(0, 1000);
    progress_->setMaximumWidth(220);
    progress_->setVisible(false);
    cancelButton_ = new QPushButton("Cancel");
    cancelButton_->setObjectName("cancelJob");
    cancelButton_->setVisible(false);
    connect(cancelButton_, &QPushButton::clicked, this, [this] {
        queue_.clear();
        jobs_.cancel();
    });
    statusText_ = new QLabel;
    statusBar()->addWidget(statusText_, 1);
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(cancelButton_);
}

QWidget* MainWindow::buildImagesTab()
{
    imageModel_ = new ImageModel(this);
    imageView_ = new QTableView;
    imageView_->setModel(imageModel_);
    imageView_->setIconSize(QSize(48, 48));
    imageView_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    imageView_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    imageView_->setWordWrap(true);

    auto* group = new QGroupBox("Preprocessing: value = (pixel - mean) / std per RGB channel");
    auto* form = new QFormLayout(group);
    auto* meanRow = new QHBoxLayout;
    auto* stdRow = new QHBoxLayout;
    for (int c = 0; c < 3; ++c) {
        mean_[c] = new QDoubleSpinBox;
        mean_[c]->setRange(-1000, 1000);
        mean_[c]->setDecimals(3);
        stddev_[c] = new QDoubleSpinBox;
        stddev_[c]->setRange(0.001, 1000);
        stddev_[c]->setDecimals(3);
        meanRow->addWidget(mean_[c]);
        stdRow->addWidget(stddev_[c]);
    }
    form->addRow("Mean (R, G, B)", meanRow);
    form->addRow("Std (R, G, B)", stdRow);
    encoding_ = new QComboBox;
    encoding_->addItems({"Quantize normalized values", "Raw pixels (uint8 as is, int8 = pixel - 128)"});
    form->addRow("Integer inputs", encoding_);
    auto* apply = new QPushButton("Apply and re-analyze");
    connect(apply, &QPushButton::clicked, this, &MainWindow::applyPreprocessing);
    form->addRow(apply);
    for (int c = 0; c < 3; ++c) {
        mean_[c]->setValue(127.5);
        stddev_[c]->setValue(127.5);
    }

    auto* tab = new QWidget;
    auto* layout = new QVBoxLayout(tab);
    layout->addWidget(group);
    layout->addWidget(imageView_, 1);
    return tab;
}

QWidget* MainWindow::buildSensitivityTab()
{
    sensitivityModel_ = new SensitivityModel(this);
    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(sensitivityModel_);
    proxy->setSortRole(Qt::UserRole);
    sensitivityView_ = new QTableView;
    sensitivityView_->setModel(proxy);
    sensitivityView_->setSortingEnabled(true);
    sensitivityView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    sensitivityView_->verticalHeader()->setVisible(false);
    sensitivityView_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    connect(sensitivityView_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this, proxy](const QModelIndex& current) {
                if (!current.isValid()) return;
                const QModelIndex name = sensitivityModel_->index(proxy->mapToSource(current).row(), SensitivityModel::Layer);
                selectLayer(sensitivityModel_->data(name, Qt::DisplayRole).toString());
            });
    sensitivityPlot_ = new QCustomPlot;
    sensitivityPlot_->setMinimumHeight(180);
    sensitivitySummary_ = new QLabel("Which layer causes the drop? Each layer is fake-quantized alone (and all but it) "
                                     "inside the float model and the output compared with the float output.");
    sensitivitySummary_->setWordWrap(true);
    auto* run = new QPushButton("Rank layers");
    run->setToolTip("Costs 2 x layers + 1 float runs per image; runs in the background");
    connect(run, &QPushButton::clicked, this, &MainWindow::rankSensitivity);
    auto* tab = new QWidget;
    auto* layout = new QVBoxLayout(tab);
    auto* top = new QHBoxLayout;
    top->addWidget(sensitivitySummary_, 1);
    top->addWidget(run, 0, Qt::AlignTop);
    layout->addLayout(top);
    layout->addWidget(sensitivityPlot_, 1);
    layout->addWidget(sensitivityView_, 1);
    return tab;
}

void MainWindow::rankSensitivity()
{
    enqueuePrepared("Sensitivity", [this]() -> std::function<JobOutcome(JobContext&)> {
        auto floatGraph = session_.floatGraph();
        auto quantGraph = session_.quantGraph();
        if (!floatGraph || !quantGraph || session_.settings().imagePaths.isEmpty()) {
            showError("Sensitivity", "the sensitivity ranking needs a float model, a quantized model and images");
            return {};
        }
        std::vector<std::string> images;
        for (const QString& path : session_.settings().imagePaths) images.push_back(path.toStdString());
        const ImageInputOptions preprocessing = session_.settings().preprocessing;
        return [this, floatGraph, quantGraph, images, preprocessing](JobContext& context) -> JobOutcome {
            auto matching = matchTensors(*floatGraph, *quantGraph);
            if (!matching.isOk()) return {QString::fromStdString(matching.message()), {}};
            AnalysisInputs inputs;
            for (const std::string& path : images) inputs.names.push_back(QFileInfo(QString::fromStdString(path)).fileName().toStdString());
            inputs.provider = [images, preprocessing](size_t index, const Tensor& tensor) {
                return imageToInputTensor(images[index], tensor, preprocessing);
            };
            AnalysisControl control;
            control.cancel = &context.cancelFlag();
            control.onProgress = [&context](size_t done, size_t total, const std::string& what) {
                context.report(double(done) / double(std::max<size_t>(total, 1)),
                               QString("Sensitivity: %1").arg(QString::fromStdString(what)));
            };
            auto report = runSensitivity(*floatGraph, *quantGraph, matching.value(), inputs,
                                         std::max(1, QThread::idealThreadCount()), &control);
            if (!report.isOk()) return {QString::fromStdString(report.message()), {}};
            auto shared = std::make_shared<const SensitivityReport>(std::move(report).value());
            return {QString(), [this, shared] {
                        sensitivityModel_->setReport(shared);
                        plots::plotSensitivity(*sensitivityPlot_, *shared);
                        sensitivityPlot_->replot();
                        sensitivitySummary_->setText(
                            QString("All matched layers fake-quantized: output SQNR %1 dB, top-1 agreement %2% over %3 "
                                    "images. Rank 1 costs the most on its own.")
                                .arg(formatDb(shared->allQuantSqnrDb))
                                .arg(shared->allQuantAgreement * 100, 0, 'f', 1)
                                .arg(shared->images));
                        emit sensitivityFinished();
                    }};
        };
    });
}

void MainWindow::buildActions()
{
    QMenu* file = menuBar()->addMenu("&File");
    auto add = [this](QMenu* menu, const QString& text, const QKeySequence& key, auto slot) {
        QAction* action = menu->addAction(text);
        if (!key.isEmpty()) action->setShortcut(key);
        connect(action, &QAction::triggered, this, slot);
        return action;
    };
    const QString modelFilter = "Models (*.tflite *.h5 *.keras *.hdf5);;All files (*)";
    add(file, "Open &float model…", QKeySequence::Open, [this, modelFilter] {
        const QString path = QFileDialog::getOpenFileName(this, "Open float model", {}, modelFilter);
        if (!path.isEmpty()) openFloatModel(path);
    });
    add(file, "Open &quantized model…", QKeySequence("Ctrl+Shift+O"), [this, modelFilter] {
        const QString path = QFileDialog::getOpenFileName(this, "Open quantized model", {}, modelFilter);
        if (!path.isEmpty()) openQuantModel(path);
    });
    add(file, "Open &images…", QKeySequence("Ctrl+I"), [this] {
        const QStringList paths =
            QFileDialog::getOpenFileNames(this, "Open images", {}, "Images (*.png *.jpg *.jpeg *.bmp)");
        if (!paths.isEmpty()) openImages(paths);
    });
    add(file, "Open image &folder…", QKeySequence("Ctrl+Shift+I"), [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, "Open image folder");
        if (!dir.isEmpty()) openImages({dir});
    });
    add(file, "Open &demo", QKeySequence("Ctrl+D"), [this] {
        if (maybeDiscardChanges()) openDemo();
    });
    recentMenu_ = file->addMenu("Open &recent");
    rebuildRecentMenu();
    file->addSeparator();
    add(file, "Open &session…", QKeySequence("Ctrl+Alt+O"), [this] {
        if (!maybeDiscardChanges()) return;
        const QString path = QFileDialog::getOpenFileName(this, "Open session", {}, "Rangefinder sessions (*.rfsession *.json)");
        if (!path.isEmpty()) openSession(path);
    });
    add(file, "&Save session", QKeySequence::Save, [this] {
        QString path = session_.projectPath();
        if (path.isEmpty())
            path = QFileDialog::getSaveFileName(this, "Save session", "session.rfsession", "Rangefinder sessions (*.rfsession)");
        if (!path.isEmpty()) saveSession(path);
    });
    add(file, "Save session &as…", QKeySequence::SaveAs, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, "Save session", "session.rfsession", "Rangefinder sessions (*.rfsession)");
        if (!path.isEmpty()) saveSession(path);
    });
    file->addSeparator();
    add(file, "Export &plot…", QKeySequence("Ctrl+P"), [this] {
        const QString path = QFileDialog::getSaveFileName(this, "Export plot", "plot.png", "PNG (*.png);;SVG (*.svg);;PDF (*.pdf)");
        if (!path.isEmpty()) exportPlot(path);
    });
    file->addSeparator();
    add(file, "&Quit", QKeySequence::Quit, [this] { close(); });

    QMenu* analysis = menuBar()->addMenu("&Analysis");
    add(analysis, "&Analyze", QKeySequence("F5"), [this] { analyze(); });
    add(analysis, "Rank layers by &sensitivity", QKeySequence("Ctrl+Shift+R"), [this] { rankSensitivity(); });
    add(analysis, "Cali&brate and quantize…", QKeySequence("Ctrl+K"), [this] { calibrate(); });
    add(analysis, "&Export quantized model…", QKeySequence("Ctrl+E"), [this] { exportModelDialog(); });
    analysis->addSeparator();
    add(analysis, "&Cancel running job", QKeySequence("Esc"), [this] {
        queue_.clear();
        jobs_.cancel();
    });
    add(analysis, "&Reset range of selected layer", QKeySequence("Ctrl+R"), [this] { resetSelectedRange(); });
    add(analysis, "&Filter layers", QKeySequence::Find, [this] { filterEdit_->setFocus(); });
    add(analysis, "&Preprocessing…", QKeySequence(), [this] { showPreprocessing(); });
}

// ---------------------------------------------------------------- jobs

void MainWindow::enqueue(const QString& title, std::function<JobOutcome(JobContext&)> work)
{
    enqueuePrepared(title, [work = std::move(work)]() mutable { return std::move(work); });
}

void MainWindow::enqueuePrepared(const QString& title, std::function<std::function<JobOutcome(JobContext&)>()> prepare)
{
    queue_.emplace_back(title, std::move(prepare));
    if (!jobs_.isRunning()) startNextJob();
}

void MainWindow::startNextJob()
{
    while (!jobs_.isRunning() && !queue_.empty()) {
        auto [title, prepare] = std::move(queue_.front());
        queue_.pop_front();
        // Prepared on the UI thread when the job starts: it sees what earlier jobs installed,
        // and the worker only reads its own copies.
        auto work = prepare();
        if (work) jobs_.start(title, std::move(work));
    }
}

void MainWindow::waitUntilIdle()
{
    while (jobs_.isRunning() || !queue_.empty()) {
        jobs_.waitForFinished();
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
}

void MainWindow::showError(const QString& title, const QString& message)
{
    lastError_ = message;
    emit errorShown(message);
    QMessageBox box(QMessageBox::Critical, title, message, QMessageBox::Ok, this);
    box.setObjectName("errorDialog");
    box.setTextInteractionFlags(Qt::TextSelectableByMouse);
    box.exec();
}

// ---------------------------------------------------------------- opening

void MainWindow::loadModel(const QString& path, std::optional<bool> quantizedHint)
{
    const QString title = !quantizedHint ? "Open model" : *quantizedHint ? "Open quantized model" : "Open float model";
    enqueue(title, [this, path, quantizedHint, title](JobContext& context) -> JobOutcome {
        context.report(0.1, QString("Reading %1").arg(QFileInfo(path).fileName()));
        auto graph = loadModelFile(path.toStdString());
        if (!graph.isOk()) return {QString::fromStdString(graph.message()), {}};
        // Dropped files say nothing about their role: the content decides.
        const bool quantized = quantizedHint.value_or(looksQuantized(graph.value()));
        auto shared = std::make_shared<const Graph>(std::move(graph).value());
        return {QString(), [this, path, quantized, shared, title] {
                    // Runs on the UI thread: compare with the other model as it is now.
                    auto other = quantized ? session_.floatGraph() : session_.quantGraph();
                    if (other) {
                        const Status comparable =
                            quantized ? checkModelsComparable(*other, *shared) : checkModelsComparable(*shared, *other);
                        if (!comparable.isOk()) {
                            showError(title, QString::fromStdString(comparable.message()));
                            return;
                        }
                    }
                    if (quantized) session_.setQuantModel(path, shared);
                    else session_.setFloatModel(path, shared);
                    if (restoring_) session_.markClean();
                    addRecent(quantized ? "quant" : "float", path);
                    scheduleAnalysis();
                }};
    });
}

void MainWindow::openFloatModel(const QString& path) { loadModel(path, false); }
void MainWindow::openQuantModel(const QString& path) { loadModel(path, true); }

void MainWindow::openImages(const QStringList& paths)
{
    const QStringList images = expandImages(paths);
    if (images.isEmpty()) {
        showError("Open images", QString("no images (.png, .jpg, .jpeg, .bmp) in %1").arg(paths.join(", ")));
        return;
    }
    for (const QString& path : images)
        if (!QFileInfo(path).isFile()) {
            showError("Open images", QString("%1: no such image file").arg(path));
            return;
        }
    session_.setImages(images);
    // A labels.txt beside (or one level above) the image folder names the classes.
    for (const QString& path : paths) {
        QFileInfo info(path);
        for (const QString& candidate : {info.absoluteFilePath() + "/labels.txt", info.absolutePath() + "/labels.txt"})
            if (QFileInfo(candidate).isFile() && session_.settings().labelsPath.isEmpty())
                session_.setLabelsPath(candidate);
    }
    if (paths.size() == 1) addRecent("images", paths.front());
    scheduleAnalysis();
}

void MainWindow::openSession(const QString& path)
{
    auto settings = Session::readProject(path);
    if (!settings.isOk()) {
        showError("Open session", QString::fromStdString(settings.message()));
        return;
    }
    const SessionSettings s = std::move(settings).value();
    session_.restore(s, path);
    restoring_ = true;
    addRecent("session", path);
    // Load the models in the background; the session stays clean (nothing the user changed).
    auto loadInto = [this](const QString& modelPath, bool quantized) {
        enqueue(quantized ? "Open quantized model" : "Open float model", [this, modelPath, quantized](JobContext&) -> JobOutcome {
            auto graph = loadModelFile(modelPath.toStdString());
            if (!graph.isOk()) return {QString::fromStdString(graph.message()), {}};
            auto shared = std::make_shared<const Graph>(std::move(graph).value());
            return {QString(), [this, modelPath, quantized, shared] {
                        // Restoring is not an edit: a clean session stays clean.
                        const bool wasDirty = session_.isDirty();
                        if (quantized) session_.setQuantModel(modelPath, shared);
                        else session_.setFloatModel(modelPath, shared);
                        if (!wasDirty) session_.markClean();
                    }};
        });
    };
    if (!s.floatModelPath.isEmpty()) loadInto(s.floatModelPath, false);
    if (!s.quantModelPath.isEmpty()) loadInto(s.quantModelPath, true);
    // A quantized model made in the session is made again the same way.
    if (s.quantModelPath.isEmpty() && s.calibration) runCalibration(*s.calibration, true);
    scheduleAnalysis();
}

bool MainWindow::saveSession(const QString& path)
{
    const Status saved = session_.save(path);
    if (!saved.isOk()) {
        showError("Save session", QString::fromStdString(saved.message()));
        return false;
    }
    addRecent("session", path);
    statusText_->setText(QString("Saved %1").arg(path));
    return true;
}

QString MainWindow::demoDirectory()
{
    QStringList candidates;
    const QByteArray env = qgetenv("RF_DEMO_DIR");
    if (!env.isEmpty()) candidates << QString::fromLocal8Bit(env);
    const QString appDir = QCoreApplication::applicationDirPath();
    candidates << appDir + "/../share/rangefinder/demo" << appDir + "/resources/demo";
#ifdef RF_DEMO_DIR
    candidates << QString(RF_DEMO_DIR);
#endif
    for (const QString& dir : candidates)
        if (QFileInfo(dir + "/fashion_cnn.tflite").isFile() || QFileInfo(dir + "/fashion_cnn.h5").isFile())
            return QDir::cleanPath(dir);
    return {};
}

bool MainWindow::openDemo()
{
    const QString dir = demoDirectory();
    if (dir.isEmpty()) {
        showError("Open demo", "the demo folder (resources/demo) was not found; set RF_DEMO_DIR to it");
        return false;
    }
    session_.clear();
    restoring_ = true;
    // The Keras file is the float model; the int8 TFLite twin (produced by our own
    // quantizer, see resources/demo/README.md) the quantized one when present.
    const QString h5 = dir + "/fashion_cnn.h5";
    const QString floatModel = QFileInfo(h5).isFile() ? h5 : dir + "/fashion_cnn.tflite";
    ImageInputOptions pre;
    pre.mean = {0.0f, 0.0f, 0.0f};
    pre.stddev = {255.0f, 255.0f, 255.0f};
    session_.setPreprocessing(pre);
    session_.setLabelsPath(dir + "/labels.txt");
    openFloatModel(floatModel);
    bool quantFound = false;
    for (const char* name : {"fashion_cnn_int8.tflite", "fashion_cnn_quant.tflite"})
        if (QFileInfo(dir + "/" + name).isFile()) {
            openQuantModel(dir + "/" + name);
            quantFound = true;
            break;
        }
    // Without a committed quantized twin the demo quantizes the float model here, with
    // the converter's min/max calibration on the demo images. Queued before the images
    // are opened so that the one analysis they schedule sees both models.
    if (!quantFound) runCalibration(CalibrationChoice{}, true);
    openImages({dir + "/images"});
    session_.markClean();
    return true;
}

void MainWindow::dropPaths(const QStringList& paths)
{
    QStringList images;
    for (const QString& path : paths) {
        const QFileInfo info(path);
        if (info.isDir() || isImageFile(path)) {
            images << path;
        } else if (isSessionFile(path)) {
            if (maybeDiscardChanges()) openSession(path);
        } else {
            loadModel(path, std::nullopt);
        }
    }
    if (!images.isEmpty()) openImages(images);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    QStringList paths;
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile()) paths << url.toLocalFile();
    dropPaths(paths);
    event->acceptProposedAction();
}

// ---------------------------------------------------------------- recent files

void MainWindow::addRecent(const QString& kind, const QString& path)
{
    QSettings settings;
    QStringList recent = settings.value("recentFiles").toStringList();
    const QString entry = kind + ":" + QFileInfo(path).absoluteFilePath();
    recent.removeAll(entry);
    recent.prepend(entry);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue("recentFiles", recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    recentMenu_->clear();
    const QStringList recent = QSettings().value("recentFiles").toStringList();
    for (const QString& entry : recent) {
        const int colon = entry.indexOf(':');
        const QString kind = entry.left(colon), path = entry.mid(colon + 1);
        static const QMap<QString, QString> names{
            {"float", "Float model"}, {"quant", "Quantized model"}, {"images", "Images"}, {"session", "Session"}};
        QAction* action = recentMenu_->addAction(QString("%1: %2").arg(names.value(kind, kind), path));
        connect(action, &QAction::triggered, this, [this, kind, path] {
            if (kind == "float") openFloatModel(path);
            else if (kind == "quant") openQuantModel(path);
            else if (kind == "images") openImages({path});
            else if (kind == "session" && maybeDiscardChanges()) openSession(path);
        });
    }
    recentMenu_->setEnabled(!recent.isEmpty());
}

// ---------------------------------------------------------------- analysis

void MainWindow::scheduleAnalysis()
{
    // One analysis waiting at the end of the queue is enough: it reads the session when it starts.
    if (analysisQueued_) return;
    analyze();
}

void MainWindow::analyze()
{
    analysisQueued_ = true;
    enqueuePrepared("Analysis", [this]() -> std::function<JobOutcome(JobContext&)> {
        analysisQueued_ = false;
        InspectionRequest request;
        request.floatGraph = session_.floatGraph();
        request.quantGraph = session_.quantGraph();
        for (const QString& path : session_.settings().imagePaths) request.imagePaths.push_back(path.toStdString());
        request.preprocessing = session_.settings().preprocessing;
        request.overrides = session_.settings().overrides;
        request.threads = std::max(1, QThread::idealThreadCount());
        if (!request.floatGraph && !request.quantGraph) return {};
        if (request.imagePaths.empty()) return {};
        return [this, request](JobContext& context) -> JobOutcome {
        const RunControl control = runControlFor(context);
        auto result = runInspection(request, &control, [&context](size_t done, size_t total) {
            context.report(double(done) / double(total), QString("Analysis: image %1 of %2").arg(done).arg(total));
        });
        if (!result.isOk()) {
            return {QString::fromStdString(result.message()), {}};
        }
        auto shared = std::make_shared<const InspectionResult>(std::move(result).value());
        return {QString(), [this, shared] {
                    session_.setResult(shared);
                    emit analysisFinished();
                }};
        };
    });
}

void MainWindow::onResultChanged()
{
    auto result = session_.result();
    const QString keep = session_.settings().selectedLayer;
    layerModel_->setResult(result);
    imageModel_->setResult(result, session_.labels());
    sqnrPlot_->setResult(result.get());
    rangesPlot_->setResult(result.get());
    layerView_->resizeColumnsToContents();
    updateModelSummary();
    selectedRow_ = -1;
    if (result && !result->layers.empty()) {
        int index = result->indexOf(keep.toStdString());
        if (index < 0) {
            // Nothing chosen yet: show the layer that quantizes worst.
            double worst = INFINITY;
            for (size_t i = 0; i < result->layers.size(); ++i) {
                const LayerRecord& layer = result->layers[i];
                if (layer.hasMeasured && std::isfinite(layer.measured.sqnrDb) && layer.measured.sqnrDb < worst &&
                    !layer.floatSamples.empty()) {
                    worst = layer.measured.sqnrDb;
                    index = static_cast<int>(i);
                }
            }
        }
        selectLayer(QString::fromStdString(result->layers[size_t(index >= 0 ? index : 0)].name));
    } else {
        histogram_->setLayer(nullptr);
        channelPlot_->setLayer(nullptr);
        scatter_->setLayer(nullptr);
        updateLayerStats(nullptr, std::nullopt, nullptr);
    }
}

void MainWindow::updateModelSummary()
{
    auto result = session_.result();
    const SessionSettings& s = session_.settings();
    QStringList lines;
    lines << QString("<b>Float model:</b> %1").arg(s.floatModelPath.isEmpty() ? "—" : s.floatModelPath.toHtmlEscaped());
    lines << QString("<b>Quantized model:</b> %1").arg(s.quantModelPath.isEmpty() ? "— (float layers measured on a simulated int8 grid)" : s.quantModelPath.toHtmlEscaped());
    lines << QString("<b>Images:</b> %1").arg(s.imagePaths.size());
    if (result) {
        if (!std::isnan(result->top1Agreement))
            lines << QString("<b>Top-1 agreement</b> float vs quantized: %1% &nbsp; <b>float top-1 in quantized top-5:</b> %2%")
                         .arg(result->top1Agreement * 100, 0, 'f', 1)
                         .arg(result->top5Overlap * 100, 0, 'f', 1);
        int bad = 0;
        for (int row = 0; row < layerModel_->rowCount(); ++row)
            bad += layerModel_->data(layerModel_->index(row, 0), LayerTableModel::kBadRole).toBool() ? 1 : 0;
        lines << QString("<b>Layers:</b> %1, flagged: %2 (SQNR &lt; %3 dB or clipping &gt; %4%)")
                     .arg(result->layers.size())
                     .arg(bad)
                     .arg(LayerTableModel::kBadSqnrDb)
                     .arg(LayerTableModel::kBadClipping * 100);
        if (!result->unmatched.empty())
            lines << QString("<b>Unpaired:</b> %1").arg(QString::fromStdString(result->unmatched.front()).toHtmlEscaped()) +
                         (result->unmatched.size() > 1 ? QString(" and %1 more").arg(result->unmatched.size() - 1) : QString());
    }
    modelSummary_->setText(lines.join("<br>"));
}

void MainWindow::selectLayer(const QString& name)
{
    const InspectionResult* result = layerModel_->result();
    if (!result) return;
    const int row = result->indexOf(name.toStdString());
    if (row < 0) return;
    const QModelIndex proxyIndex = layerProxy_->mapFromSource(layerModel_->index(row, 0));
    if (proxyIndex.isValid()) {
        layerView_->selectionModel()->setCurrentIndex(
            proxyIndex, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        layerView_->scrollTo(proxyIndex);
    }
    if (selectedRow_ != row) onLayerSelected(row);
}

void MainWindow::onLayerSelected(int sourceRow)
{
    const InspectionResult* result = layerModel_->result();
    if (!result || sourceRow < 0 || sourceRow >= int(result->layers.size())) return;
    if (selectedRow_ >= 0 && selectedRow_ != sourceRow) layerModel_->clearLive(selectedRow_);
    selectedRow_ = sourceRow;
    const LayerRecord& layer = result->layers[size_t(sourceRow)];
    session_.setSelectedLayer(QString::fromStdString(layer.name));
    histogram_->setLayer(&layer);
    channelPlot_->setLayer(&layer);
    scatter_->setLayer(&layer, layer.override);
    sqnrPlot_->setSelectedLayer(sourceRow);
    updateLayerStats(&layer, layer.override, nullptr);
}

void MainWindow::updateLayerStats(const LayerRecord* layer, const std::optional<TensorRange>& range, const QuantError* live)
{
    if (!layer) {
        layerStats_->setText(session_.result() ? "No layer selected." : "Open a model and images to see its layers.");
        return;
    }
    const auto result = session_.result();
    QStringList lines;
    lines << QString("<b>%1</b> (%2, %3)")
                 .arg(QString::fromStdString(layer->name).toHtmlEscaped(), QString::fromStdString(layer->opType),
                      QString::fromStdString(shapeToString(layer->shape)));
    lines << QString("float values seen: [%1, %2]; %3 grid [%4, %5], scale %6, zero point %7")
                 .arg(layer->seenMin)
                 .arg(layer->seenMax)
                 .arg(layer->simulatedGrid ? "simulated int8" : QString::fromStdString(std::string(dtypeName(layer->gridDtype))))
                 .arg(layer->grid.representableMin(), 0, 'g', 5)
                 .arg(layer->grid.representableMax(), 0, 'g', 5)
                 .arg(layer->grid.scale, 0, 'g', 5)
                 .arg(layer->grid.zeroPoint);
    if (layer->hasMeasured) {
        const QuantError& m = layer->measured;
        lines << QString("%1: SQNR %2 dB, MSE %3, max |error| %4, bias %5, cosine %6, clipping %7%, utilization %8%")
                     .arg(layer->simulatedGrid ? "simulated int8 over the seen range" : "quantized model vs float")
                     .arg(formatDb(m.sqnrDb))
                     .arg(m.mse, 0, 'g', 4)
                     .arg(m.maxAbsError, 0, 'g', 4)
                     .arg(m.meanError, 0, 'g', 3)
                     .arg(m.cosine, 0, 'f', 5)
                     .arg(m.clippingRate * 100, 0, 'f', 2)
                     .arg(m.utilization * 100, 0, 'f', 1);
    } else if (result && !result->hasFloat) {
        lines << QString("quantized model alone: utilization %1% of the codes").arg(layer->measured.utilization * 100, 0, 'f', 1);
    }
    if (range) {
        const QuantError& t = live ? *live : layer->tuned;
        lines << QString("<b>your range [%1, %2]</b> (this tensor re-quantized from its float values): SQNR %3 dB, "
                         "clipping %4%, utilization %5%%6")
                     .arg(range->min, 0, 'g', 5)
                     .arg(range->max, 0, 'g', 5)
                     .arg(formatDb(t.sqnrDb))
                     .arg(t.clippingRate * 100, 0, 'f', 2)
                     .arg(t.utilization * 100, 0, 'f', 1)
                     .arg(live ? QString(" — %1 ms").arg(lastDragMs_, 0, 'f', 1) : QString());
    } else if (!layer->floatSamples.empty()) {
        lines << "Drag the red handles on the histogram to try another range for this tensor.";
    }
    layerStats_->setText(lines.join("<br>"));
}

void MainWindow::onRangeDragged(double min, double max)
{
    const InspectionResult* result = layerModel_->result();
    if (!result || selectedRow_ < 0) return;
    QElapsedTimer timer;
    timer.start();
    const LayerRecord& layer = result->layers[size_t(selectedRow_)];
    const TensorRange range{float(min), float(max), RangeOrigin::Override};
    const QuantError error = requantizeLayer(layer, range);
    layerModel_->setLiveRange(selectedRow_, range, error);
    scatter_->setLayer(&layer, range);
    lastDragMs_ = double(timer.nsecsElapsed()) / 1e6;
    updateLayerStats(&layer, range, &error);
}

void MainWindow::onRangeReleased(double min, double max)
{
    auto result = session_.result();
    if (!result || selectedRow_ < 0) return;
    const LayerRecord& layer = result->layers[size_t(selectedRow_)];
    const TensorRange range{float(min), float(max), RangeOrigin::Override};
    // A new snapshot with the override applied; the old one may still be read elsewhere.
    auto updated = std::make_shared<InspectionResult>(*result);
    LayerRecord& target = updated->layers[size_t(selectedRow_)];
    target.override = range;
    target.tuned = requantizeLayer(layer, range);
    session_.setOverride(layer.rangeKey, range);
    session_.setResult(updated);
    requantizeWithOverrides();
}

void MainWindow::requantizeWithOverrides()
{
    // A quantized model made here is made again with the new ranges (reusing the
    // calibration statistics), and the analysis re-run: the whole-model numbers follow.
    // A model from a file keeps its own ranges; only the tensor's local numbers change.
    if (session_.settings().calibration && session_.floatGraph()) runCalibration(*session_.settings().calibration);
}

void MainWindow::resetSelectedRange()
{
    auto result = session_.result();
    if (!result || selectedRow_ < 0) return;
    const LayerRecord& layer = result->layers[size_t(selectedRow_)];
    if (!layer.override) return;
    auto updated = std::make_shared<InspectionResult>(*result);
    updated->layers[size_t(selectedRow_)].override.reset();
    session_.setOverride(layer.rangeKey, std::nullopt);
    session_.setResult(updated);
    requantizeWithOverrides();
}

void MainWindow::applyPreprocessing()
{
    ImageInputOptions options;
    for (int c = 0; c < 3; ++c) {
        options.mean[size_t(c)] = float(mean_[c]->value());
        options.stddev[size_t(c)] = float(stddev_[c]->value());
    }
    options.integerEncoding = encoding_->currentIndex() == 1 ? ImageInputOptions::IntegerEncoding::RawPixels
                                                             : ImageInputOptions::IntegerEncoding::Quantize;
    session_.setPreprocessing(options);
    scheduleAnalysis();
}

void MainWindow::showPreprocessing() { tabs_->setCurrentIndex(2); }

// ---------------------------------------------------------------- calibration and export

void MainWindow::calibrate()
{
    if (!session_.floatGraph()) {
        showError("Calibrate", "open a float model first (File > Open float model)");
        return;
    }
    CalibrationDialog dialog(session_.settings().calibration.value_or(CalibrationChoice{}), session_.settings().imagePaths, this);
    if (dialog.exec() == QDialog::Accepted) runCalibration(dialog.choice());
}

void MainWindow::runCalibration(const CalibrationChoice& choice, bool restoring)
{
    enqueuePrepared("Calibration", [this, choice, restoring]() -> std::function<JobOutcome(JobContext&)> {
        CalibrationRequest request;
        request.floatGraph = session_.floatGraph();
        const QStringList images = choice.imagePaths.isEmpty() ? session_.settings().imagePaths : choice.imagePaths;
        for (const QString& path : images) request.imagePaths.push_back(path.toStdString());
        request.preprocessing = session_.settings().preprocessing;
        request.overrides = session_.settings().overrides;
        request.policy.method = rangeMethodFromName(choice.method.toStdString()).value_or(RangeMethod::MinMax);
        request.policy.percentile = choice.percentile;
        request.policy.defaultRange = choice.defaultRange;
        request.options.mode = quantModeFromName(choice.mode.toStdString()).value_or(QuantMode::Int8);
        request.options.perChannel = choice.perChannel;
        // The same graph, images and preprocessing as last time: the statistics still hold.
        const StatisticsKey key{request.floatGraph, images, request.preprocessing.mean, request.preprocessing.stddev,
                                request.preprocessing.integerEncoding};
        if (lastStatistics_ && key == lastStatisticsKey_) request.reuseStatistics = lastStatistics_;
        return [this, request, choice, restoring, key](JobContext& context) -> JobOutcome {
            const RunControl control = runControlFor(context);
            auto outcome = calibrateAndQuantize(request, &control, [&context](size_t done, size_t total) {
                context.report(double(done) / double(std::max<size_t>(total, 1)),
                               QString("Calibration: image %1 of %2").arg(done).arg(total));
            });
            if (!outcome.isOk()) return {QString::fromStdString(outcome.message()), {}};
            auto shared = std::make_shared<CalibrationOutcome>(std::move(outcome).value());
            return {QString(), [this, shared, choice, restoring, key] {
                        lastStatistics_ = shared->statistics;
                        lastStatisticsKey_ = key;
                        const bool wasDirty = session_.isDirty();
                        session_.setCalibratedModel(choice, shared->quantGraph);
                        if ((restoring && !wasDirty) || restoring_) session_.markClean();
                        lastCalibrationSummary_ = QString::fromStdString(shared->summary);
                        for (const std::string& w : shared->warnings)
                            lastCalibrationSummary_ += "\n" + QString::fromStdString(w);
                        statusText_->setText(QString::fromStdString(shared->summary));
                        emit calibrationFinished();
                        scheduleAnalysis();
                    }};
        };
    });
}

void MainWindow::exportModelDialog()
{
    auto quant = session_.quantGraph();
    const bool canRequantize = session_.floatGraph() && !session_.settings().imagePaths.isEmpty();
    if (!quant && !canRequantize) {
        showError("Export", "nothing to export: open or make a quantized model (Analysis > Calibrate), or open a "
                            "float model and images to quantize now");
        return;
    }
    const QString base = session_.settings().floatModelPath.isEmpty()
                             ? QString("model")
                             : QFileInfo(session_.settings().floatModelPath).completeBaseName();
    const QString defaultPath = QDir::current().filePath(base + "_quant.tflite");
    const QString description =
        quant ? QString::fromStdString(describeExport(*quant, defaultPath.toStdString())) : QString();
    ExportDialog dialog(defaultPath, description, quant != nullptr, canRequantize, this);
    if (dialog.exec() == QDialog::Accepted) exportModel(dialog.path(), dialog.overwrite(), dialog.mode());
}

void MainWindow::exportModel(const QString& path, bool overwrite, const QString& mode)
{
    if (path.isEmpty()) {
        showError("Export", "no file name given");
        return;
    }
    if (!mode.isEmpty()) {
        // Quantize now in the chosen mode, then export that model.
        CalibrationChoice choice = session_.settings().calibration.value_or(CalibrationChoice{});
        choice.mode = mode == "FLOAT" ? QString("FLOAT") : mode;
        runCalibration(choice);
    }
    enqueuePrepared("Export", [this, path, overwrite]() -> std::function<JobOutcome(JobContext&)> {
        auto quant = session_.quantGraph();
        if (!quant) {
            showError("Export", "there is no quantized model to export");
            return {};
        }
        std::vector<std::string> images;
        for (const QString& image : session_.settings().imagePaths) images.push_back(image.toStdString());
        const ImageInputOptions preprocessing = session_.settings().preprocessing;
        const std::string producedBy = quant->description;
        return [this, quant, path, overwrite, images, preprocessing, producedBy](JobContext& context) -> JobOutcome {
            const RunControl control = runControlFor(context);
            context.report(0.2, QString("Writing %1").arg(path));
            auto outcome = rf::ui::exportModel(*quant, path.toStdString(), overwrite, images, preprocessing, producedBy, &control);
            if (!outcome.isOk()) return {QString::fromStdString(outcome.message()), {}};
            const QString summary = QString::fromStdString(outcome.value().summary);
            return {QString(), [this, summary] {
                        lastExportSummary_ = summary;
                        statusText_->setText(summary);
                        emit exportFinished(summary);
                    }};
        };
    });
}

// ---------------------------------------------------------------- plots export

QCustomPlot* MainWindow::currentPlot() const
{
    switch (tabs_->currentIndex()) {
    case 1: return sqnrPlot_;
    default: return histogram_;
    }
}

bool MainWindow::exportPlot(const QString& path)
{
    QCustomPlot* plot = currentPlot();
    const QString suffix = QFileInfo(path).suffix().toLower();
    const int width = std::max(plot->width(), 800), height = std::max(plot->height(), 450);
    bool ok = false;
    if (suffix == "png") {
        ok = plot->savePng(path, width, height);
    } else if (suffix == "pdf") {
        ok = plot->savePdf(path, width, height);
    } else if (suffix == "svg") {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(QSize(width, height));
        generator.setViewBox(QRect(0, 0, width, height));
        generator.setTitle("Rangefinder plot");
        QCPPainter painter;
        ok = painter.begin(&generator);
        if (ok) {
            plot->toPainter(&painter, width, height);
            painter.end();
            ok = QFileInfo(path).isFile() && QFileInfo(path).size() > 0;
        }
    } else {
        showError("Export plot", QString("%1: unknown plot format \"%2\" (use .png, .svg or .pdf)").arg(path, suffix));
        return false;
    }
    if (!ok) {
        showError("Export plot", QString("%1: cannot write the plot (is the folder writable?)").arg(path));
        return false;
    }
    statusText_->setText(QString("Plot written to %1").arg(path));
    return true;
}

// ---------------------------------------------------------------- closing

void MainWindow::updateTitle()
{
    const QString project = session_.projectPath().isEmpty() ? QString("untitled") : QFileInfo(session_.projectPath()).fileName();
    // "[*]" is where Qt shows the modified marker.
    setWindowTitle(QString("%1[*] — Rangefinder").arg(project));
    setWindowModified(session_.isDirty());
}

bool MainWindow::maybeDiscardChanges()
{
    if (!session_.isDirty()) return true;
    QMessageBox box(QMessageBox::Warning, "Unsaved changes",
                    "The session has unsaved changes (models, images, preprocessing or range overrides).",
                    QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    box.setObjectName("unsavedChangesDialog");
    box.setInformativeText("Save them first?");
    box.setDefaultButton(QMessageBox::Save);
    const int answer = box.exec();
    if (answer == QMessageBox::Discard) return true;
    if (answer != QMessageBox::Save) return false;
    QString path = session_.projectPath();
    if (path.isEmpty())
        path = QFileDialog::getSaveFileName(this, "Save session", "session.rfsession", "Rangefinder sessions (*.rfsession)");
    return !path.isEmpty() && saveSession(path);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!maybeDiscardChanges()) {
        event->ignore();
        return;
    }
    queue_.clear();
    jobs_.cancel();
    jobs_.waitForFinished();
    event->accept();
}

} // namespace rf::ui
