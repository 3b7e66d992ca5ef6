// The desktop inspector end to end, offscreen: open a float and a quantized model with
// images, select a layer, drag a range handle and see its SQNR change, click the SQNR
// chart, calibrate and cancel a calibration, export and reload, save and restore a
// session, export plots; every item model under QAbstractItemModelTester; error paths
// (bad file, mismatched models, unwritable export path) show a dialog with the reason
// and leave the session intact.

#include "inspector/image_model.h"
#include "inspector/inspection.h"
#include "inspector/layer_table_model.h"
#include "inspector/main_window.h"
#include "inspector/quantize_flow.h"
#include "inspector/range_histogram_plot.h"
#include "inspector/sensitivity_model.h"
#include "inspector/sqnr_bar_plot.h"
#include "inspector/layer_ranges_plot.h"

#include "io/model_loader.h"
#include "runtime/interpreter.h"
#include "test_support.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDirIterator>
#include <QLabel>
#include <QMimeData>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTableView>
#include <QtTest>

#include <cmath>

using namespace rf;
using namespace rf::ui;

namespace {

const QString kDemo = QString(RF_SOURCE_DIR) + "/resources/demo";

// Closes every modal message box that appears (answering `answer`) and keeps its text.
class DialogCatcher : public QObject {
public:
    explicit DialogCatcher(QMessageBox::StandardButton answer = QMessageBox::Ok) : answer_(answer)
    {
        connect(&timer_, &QTimer::timeout, this, [this] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (!box) return;
            texts << box->text();
            titles << box->windowTitle();
            if (QAbstractButton* button = box->button(answer_)) button->click();
            else box->reject();
        });
        timer_.start(10);
    }
    QStringList texts;
    QStringList titles;

private:
    QTimer timer_;
    QMessageBox::StandardButton answer_;
};

ImageInputOptions demoPreprocessing()
{
    ImageInputOptions p;
    p.mean = {0, 0, 0};
    p.stddev = {255, 255, 255};
    return p;
}

QString sqnrText(MainWindow& window, const QString& layer)
{
    LayerTableModel* model = window.layerModel();
    const int row = model->result()->indexOf(layer.toStdString());
    return model->data(model->index(row, LayerTableModel::Sqnr), Qt::DisplayRole).toString();
}

// 10*log10(sum x^2 / sum (x - q)^2) for int8 fake quantization with TFLite's grid of
// [lo, hi] (lo <= 0 <= hi), written out independently of the inspector's code.
double independentSqnr(const std::vector<float>& xs, double lo, double hi)
{
    const double scale = (hi - lo) / 255.0;
    const double zeroPoint = std::round(-128.0 - lo / scale);
    double signal = 0, noise = 0;
    for (float x : xs) {
        const double q = std::clamp(std::round(x / scale) + zeroPoint, -128.0, 127.0);
        const double back = (q - zeroPoint) * scale;
        signal += double(x) * x;
        noise += (back - x) * (back - x);
    }
    return 10 * std::log10(signal / noise);
}

} // namespace

class TestGuiInspector : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void openTwoModelsSelectLayer();
    void dragRangeHandleChangesSqnr();
    void sqnrBarClickSelectsLayer();
    void rangesPlotShowsEveryLayerAndSelects();
    void calibrateAndCancel();
    void exportAndReload();
    void saveAndRestoreSession();
    void unsavedChangesAreAskedFor();
    void exportPlots();
    void sensitivityRanking();
    void dropOpensModelsAndImages();
    void badModelFileShowsDialog();
    void mismatchedModelsShowDialog();
    void unwritableExportShowsDialog();

private:
    void openDemoPair(MainWindow& window);

    QString tempDir_;
    QString quantPath_;
};

void TestGuiInspector::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // recent files go to a test QSettings
    tempDir_ = QString::fromStdString(rf::test::makeTempDir("rf_gui_inspector"));
    // The quantized twin of the demo: the float Keras model calibrated (min/max) on the
    // demo images and quantized to int8 by the core, written as a .tflite file.
    auto floatGraph = loadModelFile((kDemo + "/fashion_cnn.h5").toStdString());
    QVERIFY2(floatGraph.isOk(), floatGraph.message().c_str());
    CalibrationRequest request;
    request.floatGraph = std::make_shared<const Graph>(std::move(floatGraph).value());
    QDirIterator it(kDemo + "/images", {"*.png"}, QDir::Files, QDirIterator::Subdirectories);
    QStringList images;
    while (it.hasNext()) images << it.next();
    images.sort();
    for (const QString& image : images) request.imagePaths.push_back(image.toStdString());
    request.preprocessing = demoPreprocessing();
    auto quantized = calibrateAndQuantize(request, nullptr);
    QVERIFY2(quantized.isOk(), quantized.message().c_str());
    quantPath_ = tempDir_ + "/fashion_cnn_int8.tflite";
    auto written = exportModel(*quantized.value().quantGraph, quantPath_.toStdString(), false, request.imagePaths,
                               request.preprocessing, "test");
    QVERIFY2(written.isOk(), written.message().c_str());
    QCOMPARE(written.value().identicalImages, size_t(12));
}

void TestGuiInspector::openDemoPair(MainWindow& window)
{
    window.session().setPreprocessing(demoPreprocessing());
    window.openFloatModel(kDemo + "/fashion_cnn.h5");
    window.openQuantModel(quantPath_);
    window.openImages({kDemo + "/images"});
    window.waitUntilIdle();
    QVERIFY2(window.lastError().isEmpty(), qPrintable(window.lastError()));
    QVERIFY(window.session().result() != nullptr);
}

void TestGuiInspector::openTwoModelsSelectLayer()
{
    MainWindow window;
    window.show();
    QAbstractItemModelTester layerTester(window.layerModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(window.layerProxy(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester imageTester(window.imageModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    openDemoPair(window);
    auto result = window.session().result();
    QVERIFY(result->hasFloat && result->hasQuant);
    QCOMPARE(result->images.size(), size_t(12));
    QCOMPARE(window.imageModel()->rowCount(), 12);
    QVERIFY(window.layerModel()->rowCount() >= 6);

    // The table's output-layer SQNR equals a direct computation from two interpreters.
    const int denseRow = result->indexOf("dense");
    QVERIFY2(denseRow >= 0, "the softmax output 'dense' is paired");
    const LayerRecord& dense = result->layers[size_t(denseRow)];
    auto floatRun = Interpreter::create(*window.session().floatGraph());
    auto quantRun = Interpreter::create(*window.session().quantGraph());
    QVERIFY(floatRun.isOk() && quantRun.isOk());
    double signal = 0, noise = 0;
    for (const ImagePrediction& p : result->images) {
        for (auto* run : {floatRun.value().get(), quantRun.value().get()}) {
            auto input = imageToInputTensor(p.path, run->graph().tensors[size_t(run->graph().inputs[0])], demoPreprocessing());
            QVERIFY(input.isOk());
            QVERIFY(run->setInput(0, input.value().bytes(), input.value().byteSize()).isOk());
            QVERIFY(run->invoke().isOk());
        }
        const TensorValue& f = floatRun.value()->output(0);
        const TensorValue& q = quantRun.value()->output(0);
        const Tensor& qt = quantRun.value()->graph().tensors[size_t(quantRun.value()->graph().outputs[0])];
        for (int64_t i = 0; i < f.elementCount(); ++i) {
            const double x = f.data<float>()[i];
            const double y = q.dtype() == DType::Float32 ? q.data<float>()[i]
                                                         : qt.quant.scale() * (double(q.data<int8_t>()[i]) - double(qt.quant.zeroPoint()));
            signal += x * x;
            noise += (y - x) * (y - x);
        }
    }
    QVERIFY(std::abs(dense.measured.sqnrDb - 10 * std::log10(signal / noise)) < 1e-3);

    window.selectLayer("conv2d_1");
    QVERIFY(window.layerStats()->text().contains("conv2d_1"));
    QCOMPARE(window.session().settings().selectedLayer, QString("conv2d_1"));
    const QModelIndex current = window.layerProxy()->mapToSource(window.layerView()->currentIndex());
    QCOMPARE(window.layerModel()->data(window.layerModel()->index(current.row(), 0), Qt::DisplayRole).toString(),
             QString("conv2d_1"));

    // Sorting by SQNR puts the lowest first; filtering keeps matching rows only.
    window.layerView()->sortByColumn(LayerTableModel::Sqnr, Qt::AscendingOrder);
    double previous = -INFINITY;
    for (int row = 0; row < window.layerProxy()->rowCount(); ++row) {
        const QVariant v = window.layerProxy()->data(window.layerProxy()->index(row, LayerTableModel::Sqnr), LayerTableModel::kSortRole);
        if (std::isnan(v.toDouble())) continue;
        QVERIFY(v.toDouble() >= previous);
        previous = v.toDouble();
    }
    window.layerProxy()->setFilterRegularExpression(QRegularExpression("conv2d_1"));
    QVERIFY(window.layerProxy()->rowCount() >= 1);
    for (int row = 0; row < window.layerProxy()->rowCount(); ++row)
        QVERIFY(window.layerProxy()->data(window.layerProxy()->index(row, 0)).toString().contains("conv2d_1"));
    window.session().markClean();
}

void TestGuiInspector::dragRangeHandleChangesSqnr()
{
    MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    openDemoPair(window);
    window.selectLayer("conv2d_1");
    const QString before = sqnrText(window, "conv2d_1");
    RangeHistogramPlot* plot = window.histogramPlot();
    plot->replot();
    const int y = plot->height() / 2;
    const double oldMax = plot->handleMax();
    const QPoint grab(plot->pixelForValue(oldMax), y);
    const double target = oldMax * 0.25;
    const QPoint drop(plot->pixelForValue(target), y);
    QVERIFY(drop.x() < grab.x() - 20);

    QTest::mousePress(plot, Qt::LeftButton, Qt::NoModifier, grab);
    QMouseEvent move(QEvent::MouseMove, QPointF(drop), plot->mapToGlobal(QPointF(drop)), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(plot, &move);
    // While dragging the row shows the live value already.
    const QString live = sqnrText(window, "conv2d_1");
    QVERIFY2(live != before, qPrintable(before + " -> " + live));
    qInfo("handle move: re-quantize + redraw took %.2f ms", window.lastDragMilliseconds());
    QTest::mouseRelease(plot, Qt::LeftButton, Qt::NoModifier, drop);

    const std::string key = window.session().result()->layers[size_t(window.session().result()->indexOf("conv2d_1"))].rangeKey;
    QVERIFY(window.session().settings().overrides.count(key));
    const TensorRange range = window.session().settings().overrides.at(key);
    QVERIFY(std::abs(range.max - target) < 0.02 * oldMax); // within a few pixels
    QVERIFY(window.session().isDirty());
    const QString after = sqnrText(window, "conv2d_1");
    QVERIFY(after != before);
    const LayerRecord& layer = window.session().result()->layers[size_t(window.session().result()->indexOf("conv2d_1"))];
    QVERIFY(layer.override.has_value());
    // Clipping three quarters of the range off a ReLU output costs SQNR; check the value
    // against an independent fake quantization of the same samples.
    QVERIFY(std::abs(layer.tuned.sqnrDb - independentSqnr(layer.floatSamples, std::min(0.0f, range.min), range.max)) < 0.05);
    QCOMPARE(after, QString::number(layer.tuned.sqnrDb, 'g', 3));
    QVERIFY(layer.tuned.clippingRate > 0.0);
    window.session().markClean();
}

void TestGuiInspector::sqnrBarClickSelectsLayer()
{
    MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    openDemoPair(window);
    window.tabs()->setCurrentIndex(1);
    SqnrBarPlot* plot = window.sqnrPlot();
    plot->replot();
    const int target = window.session().result()->indexOf("re_lu");
    QVERIFY(target >= 0);
    const QPoint at = plot->pixelForLayer(target);
    QVERIFY(at.x() >= 0);
    QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier, at);
    QCOMPARE(window.session().settings().selectedLayer, QString("re_lu"));
    window.session().markClean();
}

void TestGuiInspector::rangesPlotShowsEveryLayerAndSelects()
{
    MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    openDemoPair(window);
    window.tabs()->setCurrentIndex(1);
    LayerRangesPlot* plot = window.rangesPlot();
    plot->replot();
    // Every demo layer has a finite grid and seen range, so each gets a bar.
    QCOMPARE(plot->layerCount(), int(window.session().result()->layers.size()));
    const int target = window.session().result()->indexOf("re_lu");
    QVERIFY(target >= 0);
    const QPoint at(int(plot->xAxis->coordToPixel(double(target))), plot->height() / 2);
    QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier, at);
    QCOMPARE(window.session().settings().selectedLayer, QString("re_lu"));
    window.session().markClean();
}

void TestGuiInspector::calibrateAndCancel()
{
    MainWindow window;
    window.session().setPreprocessing(demoPreprocessing());
    window.openFloatModel(kDemo + "/fashion_cnn.h5");
    window.openImages({kDemo + "/images"});
    window.waitUntilIdle();
    QVERIFY(!window.session().quantGraph());

    // A calibration cancelled as it starts leaves the session without a quantized model.
    QSignalSpy finished(&window.jobs(), &JobRunner::finished);
    CalibrationChoice choice;
    choice.method = "percentile";
    choice.percentile = 99.9;
    window.runCalibration(choice);
    QVERIFY(window.jobs().isRunning());
    window.jobs().cancel();
    window.waitUntilIdle();
    QVERIFY(!finished.isEmpty());
    QCOMPARE(finished.first().at(0).toString(), QString("Calibration"));
    QCOMPARE(finished.first().at(2).toBool(), true);
    QVERIFY(!window.session().quantGraph());
    QVERIFY(window.lastError().isEmpty()); // cancelling is not an error

    // A full calibration installs a quantized model and re-analyses.
    QSignalSpy analysed(&window, &MainWindow::analysisFinished);
    window.runCalibration(choice);
    window.waitUntilIdle();
    QVERIFY2(window.lastError().isEmpty(), qPrintable(window.lastError()));
    QVERIFY(window.session().quantGraph());
    QVERIFY(window.session().settings().calibration.has_value());
    QCOMPARE(window.session().settings().calibration->method, QString("percentile"));
    QVERIFY(window.lastCalibrationSummary().contains("percentile calibration on 12 images"));
    QVERIFY(!analysed.isEmpty());
    QVERIFY(window.session().result()->hasQuant);
    window.session().markClean();
}

void TestGuiInspector::exportAndReload()
{
    MainWindow window;
    openDemoPair(window);
    const QString out = tempDir_ + "/exported.tflite";
    QSignalSpy exported(&window, &MainWindow::exportFinished);
    window.exportModel(out, false);
    window.waitUntilIdle();
    QVERIFY2(window.lastError().isEmpty(), qPrintable(window.lastError()));
    QCOMPARE(exported.size(), 1);
    QVERIFY2(window.lastExportSummary().contains("bit for bit on 12 of 12 images"), qPrintable(window.lastExportSummary()));
    auto reloaded = loadModelFile(out.toStdString());
    QVERIFY2(reloaded.isOk(), reloaded.message().c_str());
    QCOMPARE(reloaded.value().ops.size(), window.session().quantGraph()->ops.size());
    // The written file opens as the session's quantized model and analyses the same.
    const double before = window.session().result()->top1Agreement;
    window.openQuantModel(out);
    window.waitUntilIdle();
    QCOMPARE(window.session().settings().quantModelPath, out);
    QCOMPARE(window.session().result()->top1Agreement, before);
    window.session().markClean();
}

void TestGuiInspector::saveAndRestoreSession()
{
    const QString path = tempDir_ + "/saved.rfsession";
    SessionSettings saved;
    {
        MainWindow window;
        openDemoPair(window);
        const LayerRecord& layer = window.session().result()->layers[size_t(window.session().result()->indexOf("conv2d"))];
        window.session().setOverride(layer.rangeKey, TensorRange{0.0f, 0.5f, RangeOrigin::Override});
        window.session().setSelectedLayer("conv2d");
        QVERIFY(window.session().isDirty());
        QVERIFY(window.saveSession(path));
        QVERIFY(!window.session().isDirty());
        saved = window.session().settings();
    }
    MainWindow restored;
    restored.openSession(path);
    restored.waitUntilIdle();
    QVERIFY2(restored.lastError().isEmpty(), qPrintable(restored.lastError()));
    QVERIFY(restored.session().settings() == saved);
    QVERIFY(!restored.session().isDirty());
    QVERIFY(restored.session().floatGraph() && restored.session().quantGraph());
    auto result = restored.session().result();
    QVERIFY(result);
    const LayerRecord& layer = result->layers[size_t(result->indexOf("conv2d"))];
    QVERIFY(layer.override.has_value());
    QCOMPARE(layer.override->max, 0.5f);
    QCOMPARE(restored.session().settings().selectedLayer, QString("conv2d"));
}

void TestGuiInspector::unsavedChangesAreAskedFor()
{
    MainWindow window;
    QVERIFY(window.maybeDiscardChanges()); // clean: nothing to ask
    window.session().setImages({kDemo + "/images/bag/0018.png"});
    {
        DialogCatcher cancel(QMessageBox::Cancel);
        QVERIFY(!window.maybeDiscardChanges());
        QCOMPARE(cancel.titles, QStringList{"Unsaved changes"});
    }
    QVERIFY(window.session().isDirty());
    {
        DialogCatcher discard(QMessageBox::Discard);
        QVERIFY(window.maybeDiscardChanges());
        QCOMPARE(discard.texts.size(), 1);
    }
    window.session().markClean();
}

void TestGuiInspector::exportPlots()
{
    MainWindow window;
    window.resize(1200, 800);
    window.show();
    openDemoPair(window);
    for (const char* suffix : {"png", "svg", "pdf"}) {
        const QString path = tempDir_ + "/histogram." + suffix;
        QVERIFY(window.exportPlot(path));
        QVERIFY(QFileInfo(path).size() > 1000);
    }
    QFile png(tempDir_ + "/histogram.png");
    QVERIFY(png.open(QIODevice::ReadOnly));
    QCOMPARE(png.read(4), QByteArray("\x89PNG"));
    QFile svg(tempDir_ + "/histogram.svg");
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains("<svg"));
    DialogCatcher catcher;
    QVERIFY(!window.exportPlot("/nonexistent-dir-rf/plot.png"));
    QCOMPARE(catcher.texts.size(), 1);
    QVERIFY(catcher.texts[0].contains("/nonexistent-dir-rf/plot.png"));
    window.session().markClean();
}

void TestGuiInspector::sensitivityRanking()
{
    MainWindow window;
    QAbstractItemModelTester tester(window.sensitivityModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    openDemoPair(window);
    QSignalSpy done(&window, &MainWindow::sensitivityFinished);
    window.rankSensitivity();
    window.waitUntilIdle();
    QVERIFY2(window.lastError().isEmpty(), qPrintable(window.lastError()));
    QCOMPARE(done.size(), 1);
    const SensitivityReport* report = window.sensitivityModel()->report();
    QVERIFY(report && !report->layers.empty());
    QCOMPARE(report->images, int64_t(12));
    QCOMPARE(window.sensitivityModel()->rowCount(), int(report->layers.size()));
    // Rows in rank order; rank 1 costs the most SQNR on its own.
    for (int row = 0; row < window.sensitivityModel()->rowCount(); ++row)
        QCOMPARE(window.sensitivityModel()->data(window.sensitivityModel()->index(row, 0), Qt::DisplayRole).toInt(), row + 1);
    for (size_t i = 1; i < report->layers.size(); ++i)
        QVERIFY(report->layers[i - 1].onlyThisSqnrDb <= report->layers[i].onlyThisSqnrDb);
    window.session().markClean();
}

void TestGuiInspector::dropOpensModelsAndImages()
{
    MainWindow window;
    window.session().setPreprocessing(demoPreprocessing());
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(kDemo + "/fashion_cnn.h5"), QUrl::fromLocalFile(quantPath_),
                  QUrl::fromLocalFile(kDemo + "/images")});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);
    window.waitUntilIdle();
    QVERIFY2(window.lastError().isEmpty(), qPrintable(window.lastError()));
    // The float model is recognised as float, the int8 one as quantized, by content.
    QCOMPARE(window.session().settings().floatModelPath, kDemo + "/fashion_cnn.h5");
    QCOMPARE(window.session().settings().quantModelPath, quantPath_);
    QCOMPARE(window.session().settings().imagePaths.size(), 12);
    QVERIFY(window.session().result() && window.session().result()->hasQuant);
    window.session().markClean();
}

void TestGuiInspector::badModelFileShowsDialog()
{
    MainWindow window;
    openDemoPair(window);
    auto floatBefore = window.session().floatGraph();
    auto resultBefore = window.session().result();
    const QString bad = tempDir_ + "/not_a_model.tflite";
    QVERIFY(rf::test::writeFileBytes(bad.toStdString(), std::vector<uint8_t>(64, 0x42)));
    DialogCatcher catcher;
    window.openFloatModel(bad);
    window.waitUntilIdle();
    QCOMPARE(catcher.texts.size(), 1);
    QVERIFY2(catcher.texts[0].contains(bad), qPrintable(catcher.texts[0]));
    QCOMPARE(window.lastError(), catcher.texts[0]);
    // The session is as it was.
    QCOMPARE(window.session().floatGraph(), floatBefore);
    QCOMPARE(window.session().result(), resultBefore);
    QCOMPARE(window.session().settings().floatModelPath, kDemo + "/fashion_cnn.h5");
    window.session().markClean();
}

void TestGuiInspector::mismatchedModelsShowDialog()
{
    MainWindow window;
    openDemoPair(window);
    auto quantBefore = window.session().quantGraph();
    // A one-op model from the test data: not the demo network.
    const QString other = QString(RF_SOURCE_DIR) + "/tests/data/elementwise_oracle/relu_s8/model.tflite";
    QVERIFY(QFileInfo(other).isFile());
    DialogCatcher catcher;
    window.openQuantModel(other);
    window.waitUntilIdle();
    QCOMPARE(catcher.texts.size(), 1);
    QVERIFY2(catcher.texts[0].contains(other) && catcher.texts[0].contains("fashion_cnn.h5"), qPrintable(catcher.texts[0]));
    QCOMPARE(window.session().quantGraph(), quantBefore);
    QCOMPARE(window.session().settings().quantModelPath, quantPath_);
    window.session().markClean();
}

void TestGuiInspector::unwritableExportShowsDialog()
{
    MainWindow window;
    openDemoPair(window);
    auto quantBefore = window.session().quantGraph();
    const QString path = "/nonexistent-dir-rf/out.tflite";
    DialogCatcher catcher;
    window.exportModel(path, false);
    window.waitUntilIdle();
    QCOMPARE(catcher.texts.size(), 1);
    QVERIFY2(catcher.texts[0].contains(path), qPrintable(catcher.texts[0]));
    QCOMPARE(window.session().quantGraph(), quantBefore);
    QVERIFY(window.session().result());
    QVERIFY(!QFileInfo::exists(path));
    window.session().markClean();
}

QTEST_MAIN(TestGuiInspector)
#include "tst_gui_inspector.moc"
