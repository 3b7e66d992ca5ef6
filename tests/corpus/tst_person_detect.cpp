// Acceptance test (issue #2): TFLite Micro's person_detect.tflite scores
// person.bmp as a person and no_person.bmp as no person. In the XNNPACK mode the
// int8 outputs are exactly the TFLite oracle's ([no_person, person] = [-113, 113]
// and [60, -60], ../shared/oracle/README.md; the oracle runs TFLite with XNNPACK).
// The builtin kernels round differently (no_person.bmp gives [57, -57]); for them
// the golden test (tst_golden_builtin, person_detect folder) checks every tensor,
// and here the decision is checked. The BMP is turned into the int8 input exactly
// as oracle/tools/bmp_to_raw.js does.

#include <QDir>
#include <QProcess>
#include <QtTest>

#include "io/model_loader.h"
#include "oracle_runner.h"
#include "runtime/interpreter.h"
#include "tensor_compare.h"
#include "test_support.h"

using namespace rf;

namespace {

uint32_t le32(const std::vector<uint8_t>& b, size_t at)
{
    return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 | uint32_t{b[at + 3]} << 24;
}

/// oracle/tools/bmp_to_raw.js in C++: the palette indices of an uncompressed 8-bit
/// BMP in top-down row order, one byte per pixel (rows are padded to 4 bytes in the file).
std::vector<uint8_t> bmpToRaw(const std::vector<uint8_t>& bmp, QString& error)
{
    if (bmp.size() < 54 || bmp[0] != 'B' || bmp[1] != 'M') {
        error = "not a BMP file";
        return {};
    }
    const uint32_t offset = le32(bmp, 10);
    const int32_t width = static_cast<int32_t>(le32(bmp, 18));
    int32_t height = static_cast<int32_t>(le32(bmp, 22));
    const uint16_t bitsPerPixel = static_cast<uint16_t>(bmp[28] | bmp[29] << 8);
    const uint32_t compression = le32(bmp, 30);
    if (bitsPerPixel != 8 || compression != 0) {
        error = QString("only uncompressed 8-bit BMP supported (bpp=%1, compression=%2)").arg(bitsPerPixel).arg(compression);
        return {};
    }
    const bool topDown = height < 0;
    height = std::abs(height);
    const size_t stride = (static_cast<size_t>(width) + 3) & ~size_t{3};
    std::vector<uint8_t> out(static_cast<size_t>(width) * height);
    for (int32_t y = 0; y < height; ++y) {
        const size_t source = offset + static_cast<size_t>(topDown ? y : height - 1 - y) * stride;
        if (source + width > bmp.size()) {
            error = "BMP pixel data is truncated";
            return {};
        }
        std::copy_n(bmp.begin() + static_cast<std::ptrdiff_t>(source), width, out.begin() + static_cast<std::ptrdiff_t>(y) * width);
    }
    return out;
}

} // namespace

class TestPersonDetect : public QObject {
    Q_OBJECT

private:
    QString oracleDir_;
    QString model_;

private slots:
    void initTestCase()
    {
        if (!test::sharedDir()) QSKIP(test::sharedMissingMessage().c_str());
        oracleDir_ = QString::fromStdString(*test::sharedDir()) + "/oracle";
        model_ = oracleDir_ + "/testdata/models/person_detect.tflite";
        QVERIFY2(QFileInfo::exists(model_), qPrintable(model_ + " is missing"));
    }

    void scoresLikeTheOracle_data()
    {
        QTest::addColumn<QString>("image");
        QTest::addColumn<int>("mode");
        QTest::addColumn<int>("noPersonScore");
        QTest::addColumn<int>("personScore");
        for (KernelMode mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
            const QString tag = QString::fromUtf8(kernelModeName(mode).data());
            QTest::newRow(qPrintable("person.bmp|" + tag)) << "person.bmp" << static_cast<int>(mode) << -113 << 113;
            QTest::newRow(qPrintable("no_person.bmp|" + tag)) << "no_person.bmp" << static_cast<int>(mode) << 60 << -60;
        }
    }

    void scoresLikeTheOracle()
    {
        QFETCH(QString, image);
        QFETCH(int, mode);
        QFETCH(int, noPersonScore);
        QFETCH(int, personScore);

        QString error;
        const std::vector<uint8_t> raw = bmpToRaw(test::readFileBytes((oracleDir_ + "/testdata/images/" + image).toStdString()), error);
        QVERIFY2(error.isEmpty(), qPrintable(image + ": " + error));
        QCOMPARE(raw.size(), size_t{96 * 96});

        Result<Graph> graph = loadModelFile(model_.toStdString());
        QVERIFY2(graph.isOk(), graph.message().c_str());
        InterpreterOptions options;
        options.mode = static_cast<KernelMode>(mode);
        Result<std::unique_ptr<Interpreter>> created = Interpreter::create(std::move(graph).value(), options);
        QVERIFY2(created.isOk(), created.message().c_str());
        Interpreter& interpreter = *created.value();
        QCOMPARE(interpreter.input(0).dtype(), DType::Int8);
        // The TFLM test copies the palette bytes into the int8 tensor unchanged.
        QVERIFY2(interpreter.setInput(0, raw.data(), raw.size()).isOk(), "setInput failed");
        const Status ran = interpreter.invoke();
        QVERIFY2(ran.isOk(), ran.message().c_str());

        const TensorValue& output = interpreter.output(0);
        QCOMPARE(output.dtype(), DType::Int8);
        QCOMPARE(output.elementCount(), int64_t{2});
        const int8_t* scores = output.data<int8_t>();
        qInfo("%s, %s kernels: [no_person, person] = [%d, %d]", qPrintable(image), kernelModeName(options.mode).data(),
              scores[0], scores[1]);
        if (options.mode == KernelMode::Xnnpack) {
            QCOMPARE(int(scores[0]), noPersonScore);
            QCOMPARE(int(scores[1]), personScore);
        }
        // And the decision the example makes: index 1 is "person".
        QCOMPARE(scores[1] > scores[0], image == "person.bmp");
    }

    void conversionAndIntermediatesMatchTheOracle()
    {
        // With Node available, also check our BMP conversion against bmp_to_raw.js
        // itself, and every intermediate of the XNNPACK mode against the oracle.
        const test::OracleInstall oracle = test::installedOracle();
        if (!oracle.skipReason.isEmpty()) {
            // Not QSKIP: ctest would then report the whole executable as skipped,
            // hiding the checks above, which do not need Node.
            qWarning("not checked against the oracle: %s", qPrintable(oracle.skipReason));
            return;
        }
        QVERIFY2(oracle.error.isEmpty(), qPrintable(oracle.error));
        const QString tools = QFileInfo(oracle.script).absolutePath() + "/tools/bmp_to_raw.js";
        const QString work = QString::fromStdString(test::makeTempDir("rf-person"));
        for (const QString image : {"person.bmp", "no_person.bmp"}) {
            const QString rawFile = work + "/" + QFileInfo(image).completeBaseName() + ".raw";
            QProcess node;
            node.start(oracle.node, {tools, oracleDir_ + "/testdata/images/" + image, rawFile});
            QVERIFY(node.waitForFinished(60000));
            QVERIFY2(node.exitCode() == 0, node.readAllStandardError().constData());
            QString error;
            const std::vector<uint8_t> ours = bmpToRaw(test::readFileBytes((oracleDir_ + "/testdata/images/" + image).toStdString()), error);
            QVERIFY2(ours == test::readFileBytes(rawFile.toStdString()), qPrintable(image + ": our BMP conversion differs from bmp_to_raw.js"));

            const test::OracleRun run = test::runOracleCached(oracle, model_, {rawFile}, {"--dump-intermediates"});
            QVERIFY2(run.ok, qPrintable(run.log));
            Result<Graph> graph = loadModelFile(model_.toStdString());
            QVERIFY2(graph.isOk(), graph.message().c_str());
            Result<std::map<int32_t, TensorValue>> values = test::runAndCapture(graph.value(), KernelMode::Xnnpack, {ours});
            QVERIFY2(values.isOk(), values.message().c_str());
            const test::DumpComparison comparison = test::compareWithDump(graph.value(), values.value(), run.outDir.toStdString());
            QVERIFY(comparison.compared >= 31);
            QVERIFY2(comparison.mismatched == 0, qPrintable(image + ":\n" + QString::fromStdString(comparison.report())));
        }
        QDir(work).removeRecursively();
    }
};

QTEST_APPLESS_MAIN(TestPersonDetect)
#include "tst_person_detect.moc"
