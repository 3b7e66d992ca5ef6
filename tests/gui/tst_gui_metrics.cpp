// The inspector's Qt-free parts: the error of a quantization grid (closed form), the
// session project file (round trip, relative paths, error messages), and a float-only
// inspection of the bundled demo model checked against the values its README records
// from an independent numpy run.

#include "inspector/inspection.h"
#include "inspector/session.h"
#include "inspector/tensor_error.h"

#include "io/model_loader.h"
#include "test_support.h"

#include <QDir>
#include <QDirIterator>
#include <QJsonObject>
#include <QtTest>

#include <cmath>

using namespace rf;
using namespace rf::ui;

class TestGuiMetrics : public QObject {
    Q_OBJECT
private slots:
    void fakeQuantErrorClosedForm();
    void accumulatorMatchesOnePass();
    void sessionJsonRoundTrip();
    void sessionJsonErrors();
    void sessionSaveUnwritableKeepsDirty();
    void floatOnlyInspectionOfDemo();
    void requantizeLayerFollowsTheRange();
};

void TestGuiMetrics::fakeQuantErrorClosedForm()
{
    // Grid: scale 0.5, zero point 0, codes -4..3 -> representable [-2, 1.5].
    const QuantGrid grid{0.5, 0, -4, 3};
    const std::vector<float> values{0.2f, -0.7f, 1.6f, 3.0f, -2.5f};
    // By hand: codes 0, -1, 3, 3 (clamped from 6), -4 (clamped from -5);
    // errors -0.2, 0.2, -0.1, -1.5, 0.5.
    const QuantError e = fakeQuantError(values, grid);
    const double signal = 0.04 + 0.49 + 2.56 + 9.0 + 6.25;
    const double noise = 0.04 + 0.04 + 0.01 + 2.25 + 0.25;
    QCOMPARE(e.count, int64_t(5));
    QVERIFY(std::abs(e.sqnrDb - 10.0 * std::log10(signal / noise)) < 1e-5);
    QVERIFY(std::abs(e.mse - noise / 5) < 1e-6);
    QVERIFY(std::abs(e.maxAbsError - 1.5) < 1e-6);
    QVERIFY(std::abs(e.meanError - (-0.2 + 0.2 - 0.1 - 1.5 + 0.5) / 5) < 1e-6);
    // 3.0 and -2.5 lie more than half a step (0.25) outside [-2, 1.5]; 1.6 does not.
    QVERIFY(std::abs(e.clippingRate - 0.4) < 1e-12);
    // Codes used: -4, -1, 0, 3 of 8.
    QVERIFY(std::abs(e.utilization - 0.5) < 1e-12);
    const double dot = 0.2 * 0.0 + -0.7 * -0.5 + 1.6 * 1.5 + 3.0 * 1.5 + -2.5 * -2.0;
    const double q2 = 0.0 + 0.25 + 2.25 + 2.25 + 4.0;
    QVERIFY(std::abs(e.cosine - dot / std::sqrt(signal * q2)) < 1e-6);
}

void TestGuiMetrics::accumulatorMatchesOnePass()
{
    const QuantGrid grid = QuantGrid::fromRange(-1.0, 2.0, DType::Int8);
    std::vector<float> a, b;
    for (int i = 0; i < 500; ++i) (i % 2 ? a : b).push_back(std::sin(float(i) * 0.37f) * 2.3f);
    std::vector<float> all = a;
    all.insert(all.end(), b.begin(), b.end());
    QuantErrorAccumulator split(grid);
    split.addFakeQuantized(a);
    split.addFakeQuantized(b);
    const QuantError one = fakeQuantError(all, grid);
    const QuantError two = split.result();
    QCOMPARE(two.count, one.count);
    QVERIFY(std::abs(two.sqnrDb - one.sqnrDb) < 1e-9);
    QCOMPARE(two.utilization, one.utilization);
    QCOMPARE(two.clippingRate, one.clippingRate);
    // Dequantized stand-ins equal to the fake-quantized values give the same error.
    std::vector<float> dequantized;
    for (float v : all) dequantized.push_back(float(grid.fakeQuant(v)));
    QuantErrorAccumulator paired(grid);
    paired.addDequantized(all, dequantized);
    QVERIFY(std::abs(paired.result().sqnrDb - one.sqnrDb) < 1e-6);
    QCOMPARE(paired.result().utilization, one.utilization);
}

void TestGuiMetrics::sessionJsonRoundTrip()
{
    SessionSettings s;
    s.floatModelPath = "/projects/demo/models/float.h5";
    s.quantModelPath = "/elsewhere/q.tflite";
    s.imagePaths = {"/projects/demo/images/a.png", "/projects/demo/images/b/c.jpg"};
    s.labelsPath = "/projects/demo/labels.txt";
    s.preprocessing.mean = {0.0f, 1.0f, 2.0f};
    s.preprocessing.stddev = {255.0f, 128.0f, 64.0f};
    s.preprocessing.integerEncoding = ImageInputOptions::IntegerEncoding::RawPixels;
    s.overrides["conv2d"] = TensorRange{-0.5f, 3.25f, RangeOrigin::Override};
    s.selectedLayer = "conv2d";
    CalibrationChoice c;
    c.method = "percentile";
    c.percentile = 99.9;
    c.mode = "INT16X8";
    c.perChannel = false;
    c.defaultRange = TensorRange{-6.0f, 6.0f, RangeOrigin::DefaultRanges};
    s.calibration = c;

    const QJsonObject json = s.toJson("/projects/demo");
    // Paths below the project folder are stored relative to it, others absolute.
    QCOMPARE(json["float_model"].toString(), QString("models/float.h5"));
    QCOMPARE(json["quant_model"].toString(), QString("/elsewhere/q.tflite"));
    QCOMPARE(json["format"].toString(), QString("rangefinder-session"));
    auto back = SessionSettings::fromJson(json, "/projects/demo");
    QVERIFY2(back.isOk(), back.message().c_str());
    QVERIFY(back.value() == s);
}

void TestGuiMetrics::sessionJsonErrors()
{
    auto expectError = [](QJsonObject json, const std::string& text) {
        auto r = SessionSettings::fromJson(json, "/tmp");
        QVERIFY(!r.isOk());
        QVERIFY2(r.message().find(text) != std::string::npos, r.message().c_str());
    };
    QJsonObject base{{"format", "rangefinder-session"}, {"version", 1}};
    expectError(QJsonObject{{"format", "something"}}, "not a Rangefinder session");
    QJsonObject v2 = base;
    v2["version"] = 2;
    expectError(v2, "unsupported session version 2");
    QJsonObject badRange = base;
    badRange["overrides"] = QJsonObject{{"conv", QJsonObject{{"min", 2.0}, {"max", 1.0}}}};
    expectError(badRange, "override of \"conv\" has min > max");
    QJsonObject badStd = base;
    badStd["preprocessing"] = QJsonObject{{"stddev", QJsonArray{1.0, 0.0, 1.0}}};
    expectError(badStd, "\"preprocessing.stddev\" must not contain 0");
    QJsonObject badMethod = base;
    badMethod["calibration"] = QJsonObject{{"method", "median"}};
    expectError(badMethod, "\"calibration.method\" \"median\" is not a range method");

    const std::string dir = rf::test::makeTempDir("rf_session_errors");
    const QString path = QString::fromStdString(dir) + "/broken.rfsession";
    QVERIFY(rf::test::writeFileBytes(path.toStdString(), {'{', '"', 'a'}));
    auto r = Session::readProject(path);
    QVERIFY(!r.isOk());
    QVERIFY2(r.message().find(path.toStdString() + ": not valid JSON") == 0, r.message().c_str());
}

void TestGuiMetrics::sessionSaveUnwritableKeepsDirty()
{
    Session session;
    session.setImages({"/x/a.png"});
    QVERIFY(session.isDirty());
    const Status st = session.save("/nonexistent-dir-rf/sub/s.rfsession");
    QVERIFY(!st.isOk());
    QVERIFY2(st.message().find("/nonexistent-dir-rf/sub/s.rfsession") != std::string::npos, st.message().c_str());
    QVERIFY(session.isDirty());
    QCOMPARE(session.settings().imagePaths, QStringList{"/x/a.png"});
}

namespace {

std::vector<std::string> demoImages()
{
    QStringList found;
    QDirIterator it(QString(RF_SOURCE_DIR) + "/resources/demo/images", {"*.png"}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) found << it.next();
    found.sort();
    std::vector<std::string> out;
    for (const QString& f : found) out.push_back(f.toStdString());
    return out;
}

ImageInputOptions demoPreprocessing()
{
    ImageInputOptions p;
    p.mean = {0, 0, 0};
    p.stddev = {255, 255, 255};
    return p;
}

} // namespace

void TestGuiMetrics::floatOnlyInspectionOfDemo()
{
    auto graph = loadModelFile(std::string(RF_SOURCE_DIR) + "/resources/demo/fashion_cnn.tflite");
    QVERIFY2(graph.isOk(), graph.message().c_str());
    InspectionRequest request;
    request.floatGraph = std::make_shared<const Graph>(std::move(graph).value());
    request.imagePaths = demoImages();
    QCOMPARE(request.imagePaths.size(), size_t(12));
    request.preprocessing = demoPreprocessing();
    size_t progressCalls = 0;
    auto result = runInspection(request, nullptr, [&](size_t done, size_t total) {
        ++progressCalls;
        QCOMPARE(total, size_t(12));
        QCOMPARE(done, progressCalls);
    });
    QVERIFY2(result.isOk(), result.message().c_str());
    const InspectionResult& r = result.value();
    QCOMPARE(progressCalls, size_t(12));
    QVERIFY(r.hasFloat && !r.hasQuant);
    QVERIFY(std::isnan(r.top1Agreement));
    // resources/demo/README.md: max |value| per tensor over the 12 samples (numpy run).
    const std::pair<const char*, double> maxima[] = {{"conv2d", 1.09}, {"re_lu", 7.04}, {"conv2d_1", 5.31},
                                                     {"dense/BiasAdd", 22.2}, {"dense", 1.0}};
    for (auto [name, expected] : maxima) {
        const int index = r.indexOf(name);
        QVERIFY2(index >= 0, name);
        const LayerRecord& layer = r.layers[size_t(index)];
        const double seen = std::max(std::abs(layer.seenMin), std::abs(layer.seenMax));
        QVERIFY2(std::abs(seen - expected) <= 0.006 * expected + 0.005,
                 qPrintable(QString("%1: %2 vs %3").arg(name).arg(seen).arg(expected)));
        // No quantized twin: a simulated int8 grid over the seen range, measured.
        QVERIFY(layer.simulatedGrid && layer.hasMeasured);
        QVERIFY(std::abs(layer.grid.representableMax() - std::max(0.0f, layer.seenMax)) < 2 * layer.grid.scale);
        QCOMPARE(layer.measured.clippingRate, 0.0);
    }
    // Float top-1 per image, from the README's table (labels.txt order).
    const std::map<std::string, int> top1{{"t-shirt_top/0019", 0}, {"trouser/0002", 1}, {"pullover/0001", 2},
                                          {"dress/0013", 3},       {"coat/0006", 4},    {"sandal/0008", 5},
                                          {"shirt/0004", 6},       {"sneaker/0009", 7}, {"bag/0018", 8},
                                          {"ankle_boot/0000", 9},  {"sneaker/0012", 8}, {"ankle_boot/0023", 5}};
    QCOMPARE(r.images.size(), size_t(12));
    for (const ImagePrediction& p : r.images) {
        const QString path = QString::fromStdString(p.path);
        const QString key = path.section('/', -2).chopped(4);
        QVERIFY2(top1.count(key.toStdString()), qPrintable(key));
        QCOMPARE(p.floatTop5.size(), size_t(5));
        QCOMPARE(p.floatTop5[0].first, top1.at(key.toStdString()));
        QVERIFY(p.quantTop5.empty());
    }
}

void TestGuiMetrics::requantizeLayerFollowsTheRange()
{
    // A layer of values 0..9.9: a range cutting at 5 clips half of them.
    LayerRecord layer;
    for (int i = 0; i < 100; ++i) layer.floatSamples.push_back(float(i) * 0.1f);
    layer.gridDtype = DType::Int8;
    const QuantError full = requantizeLayer(layer, TensorRange{0.0f, 9.9f, RangeOrigin::Override});
    const QuantError cut = requantizeLayer(layer, TensorRange{0.0f, 5.0f, RangeOrigin::Override});
    QCOMPARE(full.clippingRate, 0.0);
    // 5.0 + half a step (5/255/2) keeps 5.0 itself; 5.1 .. 9.9 are clipped: 49 values.
    QVERIFY(std::abs(cut.clippingRate - 0.49) < 1e-12);
    QVERIFY(cut.sqnrDb < full.sqnrDb);
    // Independent: step 9.9/255, every value within half a step -> noise <= step^2/4.
    QVERIFY(full.maxAbsError <= 9.9 / 255 / 2 + 1e-6);
}

QTEST_APPLESS_MAIN(TestGuiMetrics)
#include "tst_gui_metrics.moc"
