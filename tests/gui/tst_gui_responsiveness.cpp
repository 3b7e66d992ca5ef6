// UI-thread responsiveness while the inspector analyses a corpus MobileNet pair (the
// ST model zoo's Keras MobileNet v1 0.25 224 and its int8 TFLite) over 20 images: a
// 5 ms heartbeat timer on the UI thread records the longest gap between its ticks.
// The figures are printed (tests never assert wall-clock); the test asserts that the
// analysis completed on all 20 images while the UI thread kept ticking.

#include "inspector/inspection.h"
#include "inspector/main_window.h"

#include "io/model_loader.h"
#include "test_support.h"

#include <QDir>
#include <QElapsedTimer>
#include <QtTest>

using namespace rf;
using namespace rf::ui;

class TestGuiResponsiveness : public QObject {
    Q_OBJECT
private slots:
    void analysisOfMobileNetPairKeepsTheUiResponsive();
};

void TestGuiResponsiveness::analysisOfMobileNetPairKeepsTheUiResponsive()
{
    const auto shared = rf::test::sharedDir();
    if (!shared) QSKIP(rf::test::sharedMissingMessage().c_str());
    const QString pair = QString::fromStdString(*shared) + "/corpus/pairs/st_mobilenet_v1_0.25_224_flowers";
    QDir imageDir(QString::fromStdString(*shared) + "/corpus/images/imagenet");
    QStringList images;
    for (const QString& name : imageDir.entryList({"*.JPEG", "*.jpg", "*.png"}, QDir::Files, QDir::Name))
        images << imageDir.filePath(name);
    images = images.mid(0, 20);
    QCOMPARE(images.size(), 20);

    MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // Load first (not measured), then measure the analysis alone.
    window.openFloatModel(pair + "/keras_model.h5");
    window.openQuantModel(pair + "/model.tflite");
    window.waitUntilIdle();
    QVERIFY2(window.lastError().isEmpty(), qPrintable(window.lastError()));

    QElapsedTimer sinceTick, total;
    qint64 maxGapNs = 0;
    int ticks = 0;
    QTimer heartbeat;
    heartbeat.setInterval(5);
    connect(&heartbeat, &QTimer::timeout, [&] {
        if (sinceTick.isValid()) maxGapNs = std::max(maxGapNs, sinceTick.nsecsElapsed());
        sinceTick.restart();
        ++ticks;
    });
    QSignalSpy finished(&window, &MainWindow::analysisFinished);
    total.start();
    heartbeat.start();
    window.openImages(images); // schedules the analysis
    QVERIFY(finished.wait(600000));
    const double guiSeconds = total.nsecsElapsed() / 1e9;
    heartbeat.stop();
    QVERIFY2(window.lastError().isEmpty(), qPrintable(window.lastError()));
    auto result = window.session().result();
    QVERIFY(result && result->hasFloat && result->hasQuant);
    QCOMPARE(result->images.size(), size_t(20));
    QVERIFY(ticks > 10);

    // The same work without a window, for comparison.
    InspectionRequest request;
    request.floatGraph = window.session().floatGraph();
    request.quantGraph = window.session().quantGraph();
    for (const QString& image : images) request.imagePaths.push_back(image.toStdString());
    request.threads = std::max(1, QThread::idealThreadCount());
    QElapsedTimer direct;
    direct.start();
    auto headless = runInspection(request);
    const double directSeconds = direct.nsecsElapsed() / 1e9;
    QVERIFY2(headless.isOk(), headless.message().c_str());
    qInfo("MobileNet v1 0.25 224 pair, 20 images: longest UI-thread gap %.1f ms over %d heartbeats; "
          "GUI analysis %.2f s, same analysis headless %.2f s (ratio %.2f)",
          maxGapNs / 1e6, ticks, guiSeconds, directSeconds, guiSeconds / directSeconds);
    window.session().markClean();
}

QTEST_MAIN(TestGuiResponsiveness)
#include "tst_gui_responsiveness.moc"
