// `rangefinder-batch report` end to end on small models written to a temp folder:
// exit codes, messages, CI gates, atomic report folders, quantized-only mode, no DISPLAY.
#include <QtTest>

#include <QProcess>
#include <filesystem>

#include "io/npy.h"
#include "io/tflite_writer.h"
#include "report/json_schema_check.h"
#include "test_support.h"

using namespace rf;
namespace fs = std::filesystem;

namespace {

QuantParams q8(float scale, int64_t zp) { return QuantParams{{scale}, {zp}, 0}; }

/// Float: x -> RELU. Quantized: x -> QUANTIZE (int8, scale 1/8) -> RELU -> DEQUANTIZE.
Graph floatRelu(int width = 8)
{
    Graph g;
    const int32_t x = test::addTensor(g, "x", DType::Float32, {1, width});
    const int32_t y = test::addTensor(g, "relu", DType::Float32, {1, width});
    test::addOp(g, OpType::Relu, {x}, {y});
    g.inputs = {x};
    g.outputs = {y};
    return g;
}

Graph quantRelu()
{
    Graph g;
    const int32_t x = test::addTensor(g, "x", DType::Float32, {1, 8});
    const int32_t xq = test::addTensor(g, "x_int8", DType::Int8, {1, 8}, q8(0.125f, 0));
    const int32_t r = test::addTensor(g, "model/relu/Relu", DType::Int8, {1, 8}, q8(0.125f, 0));
    const int32_t y = test::addTensor(g, "Identity", DType::Float32, {1, 8});
    test::addOp(g, OpType::Quantize, {x}, {xq});
    test::addOp(g, OpType::Relu, {xq}, {r});
    test::addOp(g, OpType::Dequantize, {r}, {y});
    g.inputs = {x};
    g.outputs = {y};
    return g;
}

struct Run {
    int exitCode = -1;
    QString out, err;
};

Run runReport(const QStringList& args, bool withDisplay = false)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (!withDisplay) {
        env.remove("DISPLAY");
        env.remove("WAYLAND_DISPLAY");
        env.remove("QT_QPA_PLATFORM");
    }
    process.setProcessEnvironment(env);
    process.start(RF_BATCH_EXE, QStringList{"report"} + args);
    process.waitForFinished(120000);
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

} // namespace

class TestReportCli : public QObject {
    Q_OBJECT
    std::string dir_;
    QString floatModel_, quantModel_, images_, wrongImage_;

private slots:
    void initTestCase()
    {
        dir_ = test::makeTempDir("rf_report_cli");
        floatModel_ = QString::fromStdString(dir_ + "/float.tflite");
        quantModel_ = QString::fromStdString(dir_ + "/quant.tflite");
        QVERIFY(writeTfliteFile(floatRelu(), floatModel_.toStdString()).isOk());
        QVERIFY(writeTfliteFile(quantRelu(), quantModel_.toStdString()).isOk());
        images_ = QString::fromStdString(dir_ + "/images");
        fs::create_directory(images_.toStdString());
        const std::vector<std::vector<float>> samples = {{0.53125f, -1.0625f, 2.046875f, 0, 20, 1, -0.265625f, 3},
                                                         {1, 2, 3, 4, 5, 6, 7, -8}};
        for (size_t i = 0; i < samples.size(); ++i) {
            const auto* bytes = reinterpret_cast<const uint8_t*>(samples[i].data());
            QVERIFY(writeNpyFile(images_.toStdString() + "/s" + std::to_string(i) + ".npy", DType::Float32, {1, 8},
                                 {bytes, 32}, OverwritePolicy::Refuse)
                        .isOk());
        }
        wrongImage_ = QString::fromStdString(dir_ + "/wrong.npy");
        const std::vector<float> five(5, 1.0f);
        QVERIFY(writeNpyFile(wrongImage_.toStdString(), DType::Float32, {1, 5},
                             {reinterpret_cast<const uint8_t*>(five.data()), 20}, OverwritePolicy::Refuse)
                    .isOk());
    }

    void helpExitsZero()
    {
        const Run r = runReport({"--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("--fail-below-sqnr DB"));
    }

    void usageErrorsExitTwo()
    {
        Run r = runReport({"--images", images_, "--out", QString::fromStdString(dir_ + "/x")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--quant MODEL.tflite is required"), qPrintable(r.err));
        r = runReport({"--quant", quantModel_, "--images", images_, "--out", QString::fromStdString(dir_ + "/x"), "--bogus"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("unknown option '--bogus'"), qPrintable(r.err));
        r = runReport({"--quant", quantModel_, "--images", images_, "--out", QString::fromStdString(dir_ + "/x"),
                       "--sensitivity"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--sensitivity needs --float"), qPrintable(r.err));
        r = runReport({"--quant", quantModel_, "--float", floatModel_, "--images", images_, "--out",
                       QString::fromStdString(dir_ + "/x"), "--fail-below-agreement", "120%"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--fail-below-agreement must be in 0..1"), qPrintable(r.err));
        QVERIFY(!fs::exists(dir_ + "/x"));
    }

    void missingModelNamesTheFile()
    {
        const Run r = runReport({"--quant", QString::fromStdString(dir_ + "/nope.tflite"), "--images", images_, "--out",
                                 QString::fromStdString(dir_ + "/x")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("nope.tflite"), qPrintable(r.err));
        QVERIFY(!fs::exists(dir_ + "/x"));
    }

    void differentNetworksAreRefused()
    {
        const QString other = QString::fromStdString(dir_ + "/other.tflite");
        QVERIFY(writeTfliteFile(floatRelu(5), other.toStdString(), {}).isOk());
        const Run r = runReport({"--float", other, "--quant", quantModel_, "--preset", "raw", "--images", images_, "--out",
                                 QString::fromStdString(dir_ + "/x")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("are not the same network: input tensor #0 'x' has shape [1, 5]"), qPrintable(r.err));
        QVERIFY(!fs::exists(dir_ + "/x"));
    }

    void inputThatDoesNotFitLeavesNoReport()
    {
        const std::string out = dir_ + "/badinput";
        const Run r = runReport({"--float", floatModel_, "--quant", quantModel_, "--preset", "raw", "--images", images_,
                                 wrongImage_, "--out", QString::fromStdString(out)});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("wrong.npy"), qPrintable(r.err));
        QVERIFY(!fs::exists(out));
        for (const auto& entry : fs::directory_iterator(dir_)) {
            QVERIFY2(entry.path().filename().string().find("badinput") == std::string::npos, entry.path().c_str());
        }
    }

    void fullReportWithoutDisplay()
    {
        const std::string out = dir_ + "/report";
        const Run r = runReport({"--float", floatModel_, "--quant", quantModel_, "--preset", "raw", "--images", images_,
                                 "--out", QString::fromStdString(out), "--drift", "--sensitivity", "--jobs", "2"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.err.contains("analysing images 2/2"));
        for (const char* name : {"report.json", "layers.csv", "report.html"}) QVERIFY(fs::exists(out + "/" + name));
        const std::vector<uint8_t> json = test::readFileBytes(out + "/report.json");
        const std::vector<uint8_t> schema = test::readFileBytes(std::string(RF_SOURCE_DIR) + "/docs/report.schema.json");
        const Status valid = validateJsonSchema(std::string(json.begin(), json.end()), std::string(schema.begin(), schema.end()));
        QVERIFY2(valid.isOk(), valid.message().c_str());
        const std::vector<uint8_t> html = test::readFileBytes(out + "/report.html");
        const std::string page(html.begin(), html.end());
        QVERIFY(page.find("data:image/png;base64,iVBORw0KGgo") != std::string::npos); // PNG magic in base64
        QVERIFY(page.find("Kernel drift") != std::string::npos);
        // An existing report is not overwritten without --force...
        const Run again = runReport({"--float", floatModel_, "--quant", quantModel_, "--preset", "raw", "--images", images_,
                                     "--out", QString::fromStdString(out)});
        QCOMPARE(again.exitCode, 2);
        QVERIFY2(again.err.contains("already exists (use --force to replace it)"), qPrintable(again.err));
        // ...and is replaced with it.
        const Run forced = runReport({"--float", floatModel_, "--quant", quantModel_, "--preset", "raw", "--images", images_,
                                      "--out", QString::fromStdString(out), "--force", "--no-html"});
        QCOMPARE(forced.exitCode, 0);
        QVERIFY(!fs::exists(out + "/report.html"));
    }

    void sqnrGateFailsAndListsLayers()
    {
        // Sample 0 clips 20 -> 15.875, so the RELU output SQNR is about 12 dB; sample 1 clips nothing... 
        const std::string out = dir_ + "/gate";
        Run r = runReport({"--float", floatModel_, "--quant", quantModel_, "--preset", "raw", "--images", images_, "--out",
                           QString::fromStdString(out), "--fail-below-sqnr", "60", "--no-html"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("FAILED gate sqnr_db < 60:") && r.err.contains("\n  relu: "), qPrintable(r.err));
        QVERIFY(fs::exists(out + "/report.json")); // the report is complete; the gate result is in it
        const std::vector<uint8_t> json = test::readFileBytes(out + "/report.json");
        QVERIFY(std::string(json.begin(), json.end()).find("\"passed\": false") != std::string::npos);
        r = runReport({"--float", floatModel_, "--quant", quantModel_, "--preset", "raw", "--images", images_, "--out",
                       QString::fromStdString(dir_ + "/gate2"), "--fail-below-sqnr", "5", "--fail-below-agreement", "100%",
                       "--no-html"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }

    void quantizedOnlyMode()
    {
        const std::string out = dir_ + "/qonly";
        const Run r = runReport({"--quant", quantModel_, "--images", images_, "--out", QString::fromStdString(out), "--no-html"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const std::vector<uint8_t> json = test::readFileBytes(out + "/report.json");
        const std::string text(json.begin(), json.end());
        QVERIFY(text.find("\"mode\": \"quantized_only\"") != std::string::npos);
        QVERIFY(text.find("\"name\": \"model/relu/Relu\"") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestReportCli)
#include "tst_report_cli.moc"
