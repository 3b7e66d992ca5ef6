// `rangefinder-batch convert` end to end on a small float .tflite written here:
// help, each mode writes a model the core loads, default ranges warn, ranges files
// round-trip, the output is never overwritten without --force, and bad options or
// missing ranges fail with exit code 2 and a message naming the problem.
#include <QProcess>
#include <QtTest>

#include <filesystem>

#include "io/npy.h"
#include "io/tflite_reader.h"
#include "io/tflite_writer.h"
#include "quantizer_test_helpers.h"

using namespace rf;
using namespace rf::test;

namespace {

struct Run {
    int exitCode = -1;
    QString out, err;
};

Run convert(const QStringList& args)
{
    QProcess process;
    process.start(RF_BATCH_EXE, QStringList{"convert"} + args);
    Run run;
    if (!process.waitForFinished(120000)) return run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

} // namespace

class TestConvert : public QObject {
    Q_OBJECT

    std::string dir_;
    QString model_;
    QString calibration_;

private slots:
    void initTestCase()
    {
        dir_ = makeTempDir("rf_convert");
        model_ = QString::fromStdString(dir_ + "/small_cnn.tflite");
        const Status written = writeTfliteFile(smallCnn(), model_.toStdString());
        QVERIFY2(written.isOk(), written.message().c_str());
        // Four calibration samples as one .npy each.
        QStringList specs;
        const auto inputs = smallCnnInputs(4);
        for (size_t i = 0; i < inputs.size(); ++i) {
            const std::string path = dir_ + "/sample" + std::to_string(i) + ".npy";
            const Status s = writeNpyFile(path, DType::Float32, {1, 8, 8, 3},
                                          {reinterpret_cast<const uint8_t*>(inputs[i].data()), inputs[i].size() * 4},
                                          OverwritePolicy::Replace);
            QVERIFY2(s.isOk(), s.message().c_str());
            specs << QString::fromStdString(path);
        }
        const std::string list = dir_ + "/calibration.txt";
        const std::string text = specs.join('\n').toStdString() + "\n";
        QVERIFY(writeFileBytes(list, std::vector<uint8_t>(text.begin(), text.end())));
        calibration_ = QString::fromStdString(list);
    }

    void helpDescribesOptions()
    {
        const Run run = convert({"--help"});
        QCOMPARE(run.exitCode, 0);
        for (const char* option : {"--keras_model_file", "--float_model", "--inference_type", "--default_ranges_min",
                                   "--calibration_method", "--float_layers", "--ranges_out", "--resize", "--central-crop",
                                   "--color"})
            QVERIFY2(run.out.contains(option), option);
    }

    void everyModeWritesALoadableModel()
    {
        const std::vector<std::pair<QString, QStringList>> modes{
            {"FLOAT", {}},
            {"FLOAT16", {}},
            {"DYNAMIC_RANGE", {}},
            {"INT8", {"--calibration_images", calibration_}},
            {"INT16X8", {"--calibration_images", calibration_}},
            {"QUANTIZED_UINT8", {"--calibration_images", calibration_, "--mean_values", "127.5", "--std_dev_values", "127.5"}},
        };
        for (const auto& [mode, extra] : modes) {
            const QString out = QString::fromStdString(dir_) + "/out_" + mode + ".tflite";
            const Run run = convert(QStringList{"--float_model", model_, "--output_file", out, "--inference_type", mode} + extra);
            QVERIFY2(run.exitCode == 0, qPrintable(mode + ": " + run.err));
            QVERIFY2(run.err.contains("wrote"), qPrintable(run.err));
            auto loaded = readTfliteFile(out.toStdString());
            QVERIFY2(loaded.isOk(), loaded.message().c_str());
            const RunOutcome outcome = runFloatIo(loaded.value(), {smallCnnInputs(1, 77)[0]});
            QVERIFY2(outcome.ok, qPrintable(mode + ": " + QString::fromStdString(outcome.error)));
            QCOMPARE(outcome.outputs[0].size(), size_t(5));
        }
    }

    void refusesToOverwriteWithoutForce()
    {
        const QString out = QString::fromStdString(dir_) + "/existing.tflite";
        QVERIFY(writeFileBytes(out.toStdString(), {1, 2, 3}));
        const Run refused = convert({"--float_model", model_, "--output_file", out, "--inference_type", "FLOAT"});
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains("existing.tflite: exists (use --force"), qPrintable(refused.err));
        QCOMPARE(readFileBytes(out.toStdString()), (std::vector<uint8_t>{1, 2, 3}));
        const Run forced = convert({"--float_model", model_, "--output_file", out, "--inference_type", "FLOAT", "--force"});
        QCOMPARE(forced.exitCode, 0);
        QVERIFY(readFileBytes(out.toStdString()).size() > 100);
    }

    void defaultRangesWarnAndRangesRoundTrip()
    {
        const QString out = QString::fromStdString(dir_) + "/default.tflite";
        const Run run = convert({"--float_model", model_, "--output_file", out, "--default_ranges_min", "-6",
                                 "--default_ranges_max", "6"});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.err.contains("WARNING") && run.err.contains("experiments only"), qPrintable(run.err));
        auto loaded = readTfliteFile(out.toStdString());
        QVERIFY(loaded.isOk());
        // relu2 (a fused DEPTHWISE_CONV_2D output) got [-6, 6]: scale 12/255.
        const int32_t t = tensorByName(loaded.value(), "relu2");
        QVERIFY(t >= 0);
        QCOMPARE(loaded.value().tensors[static_cast<size_t>(t)].quant.scales[0], 12.0f / 255.0f);

        // Calibrate once, save the ranges, convert again from the file alone: same model.
        const QString ranges = QString::fromStdString(dir_) + "/ranges.json";
        const QString first = QString::fromStdString(dir_) + "/calibrated.tflite";
        const QString second = QString::fromStdString(dir_) + "/from_ranges.tflite";
        QCOMPARE(convert({"--float_model", model_, "--output_file", first, "--calibration_images", calibration_,
                          "--ranges_out", ranges}).exitCode, 0);
        const Run again = convert({"--float_model", model_, "--output_file", second, "--ranges_in", ranges});
        QVERIFY2(again.exitCode == 0, qPrintable(again.err));
        // Same tensors, parameters and constants (the descriptions say how ranges were found).
        auto a = readTfliteFile(first.toStdString());
        auto b = readTfliteFile(second.toStdString());
        QVERIFY(a.isOk() && b.isOk());
        QCOMPARE(a.value().tensors.size(), b.value().tensors.size());
        for (size_t i = 0; i < a.value().tensors.size(); ++i) {
            const Tensor& x = a.value().tensors[i];
            const Tensor& y = b.value().tensors[i];
            QCOMPARE(x.name, y.name);
            QCOMPARE(x.quant.scales, y.quant.scales);
            QCOMPARE(x.quant.zeroPoints, y.quant.zeroPoints);
            QCOMPARE(x.data, y.data);
        }
        QVERIFY(a.value().description != b.value().description);
    }

    void badInputsFailWithExitCode2()
    {
        const QString out = QString::fromStdString(dir_) + "/never.tflite";
        struct Case {
            QStringList args;
            const char* message;
        };
        const std::vector<Case> cases{
            {{"--output_file", out}, "exactly one of --keras_model_file and --float_model"},
            {{"--float_model", model_}, "--output_file is required"},
            {{"--float_model", model_, "--output_file", out, "--inference_type", "INT4"}, "unknown type 'INT4'"},
            {{"--float_model", model_, "--output_file", out}, "needs activation ranges"},
            {{"--float_model", model_, "--output_file", out, "--default_ranges_min", "-1"}, "go together"},
            {{"--float_model", model_, "--output_file", out, "--calibration_method", "magic"}, "unknown method 'magic'"},
            {{"--float_model", model_, "--output_file", out, "--resize", "cubic"}, "--resize must be bilinear or area, got 'cubic'"},
            {{"--float_model", model_, "--output_file", out, "--central-crop", "0"}, "--central-crop needs a fraction in (0, 1]"},
            {{"--float_model", model_, "--output_file", out, "--color", "cmyk"}, "--color must be auto, rgb, bgr or gray"},
            {{"--float_model", QString::fromStdString(dir_) + "/missing.tflite", "--output_file", out, "--inference_type", "FLOAT"},
             "missing.tflite"},
        };
        for (const Case& c : cases) {
            const Run run = convert(c.args);
            QVERIFY2(run.exitCode == 2, qPrintable(c.args.join(' ') + " -> " + QString::number(run.exitCode) + " " + run.err));
            QVERIFY2(run.err.contains(c.message), qPrintable(run.err));
            QVERIFY(!std::filesystem::exists(out.toStdString()));
        }
    }
};

QTEST_APPLESS_MAIN(TestConvert)
#include "tst_convert.moc"
