// Acceptance test (issue #2): in the default (builtin) kernel mode, every tensor of
// every model in ../shared/golden equals what TensorFlow Lite's builtin kernels
// produced: integer tensors bit for bit, float tensors within 1e-5 relative
// (1e-6 absolute). One data row per golden folder. A second run with 2 threads
// must give the same bits.

#include <QDir>
#include <QtTest>
#include <cstring>
#include <filesystem>

#include "corpus_models.h"
#include "io/model_loader.h"
#include "io/tensor_files.h"
#include "tensor_compare.h"
#include "test_support.h"

using namespace rf;

class TestGoldenBuiltin : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!test::sharedDir()) QSKIP(test::sharedMissingMessage().c_str());
    }

    void everyGoldenFolderHasItsModel()
    {
        // Guards against the data rows silently shrinking: each golden folder must map to a model.
        const QString golden = QString::fromStdString(*test::sharedDir()) + "/golden";
        const QStringList folders = QDir(golden).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
        QVERIFY2(folders.size() >= 10, qPrintable("expected at least 10 golden folders in " + golden));
        for (const QString& folder : folders)
            QVERIFY2(!test::modelForGoldenFolder(*test::sharedDir(), folder.toStdString()).empty(),
                     qPrintable("no model file found for golden folder " + folder));
    }

    void matchesBuiltinGolden_data()
    {
        QTest::addColumn<QString>("folder");
        QTest::addColumn<QString>("model");
        const std::string shared = *test::sharedDir();
        const QString golden = QString::fromStdString(shared) + "/golden";
        for (const QString& folder : QDir(golden).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
            QTest::newRow(qPrintable(folder)) << golden + "/" + folder
                                              << QString::fromStdString(test::modelForGoldenFolder(shared, folder.toStdString()));
    }

    void matchesBuiltinGolden()
    {
        QFETCH(QString, folder);
        QFETCH(QString, model);
        QVERIFY2(!model.isEmpty(), qPrintable("no model file for " + folder));

        // golden.json (when present) names the model file; it must be the one we mapped.
        QFile manifest(folder + "/golden.json");
        if (manifest.open(QIODevice::ReadOnly)) {
            const QJsonObject json = QJsonDocument::fromJson(manifest.readAll()).object();
            QCOMPARE(json.value("model").toString(), QFileInfo(model).fileName());
        }

        Result<Graph> graph = loadModelFile(model.toStdString());
        QVERIFY2(graph.isOk(), graph.message().c_str());

        std::vector<std::vector<uint8_t>> inputs;
        for (size_t j = 0; j < graph.value().inputs.size(); ++j) {
            const Tensor& input = graph.value().tensors[graph.value().inputs[j]];
            const std::string file = (folder + "/input_" + QString::number(j) + ".npy").toStdString();
            Result<std::vector<uint8_t>> bytes = loadInputFile(file, input.dtype, input.elementCount());
            QVERIFY2(bytes.isOk(), bytes.message().c_str());
            inputs.push_back(std::move(bytes).value());
        }

        Result<std::map<int32_t, TensorValue>> values = test::runAndCapture(graph.value(), KernelMode::Builtin, inputs);
        QVERIFY2(values.isOk(), values.message().c_str());

        const test::DumpComparison comparison = test::compareWithDump(graph.value(), values.value(), folder.toStdString());
        QVERIFY2(comparison.compared > 0, qPrintable("no reference tensors found in " + folder));
        qInfo("%s: %d reference tensors compared", qPrintable(QFileInfo(folder).fileName()), comparison.compared);
        QVERIFY2(comparison.mismatched == 0,
                 qPrintable(QFileInfo(model).fileName() + " (builtin kernels) vs " + folder + ":\n" +
                            QString::fromStdString(comparison.report())));

        // Threads must not change a single bit.
        Result<std::map<int32_t, TensorValue>> twoThreads =
            test::runAndCapture(graph.value(), KernelMode::Builtin, inputs, 2);
        QVERIFY2(twoThreads.isOk(), twoThreads.message().c_str());
        for (const auto& [index, value] : values.value()) {
            const TensorValue& other = twoThreads.value().at(index);
            QVERIFY2(other.byteSize() == value.byteSize() && std::memcmp(other.bytes(), value.bytes(), value.byteSize()) == 0,
                     qPrintable("2 threads give different bits than 1 thread for " +
                                QString::fromStdString(graph.value().tensorLabel(index))));
        }
    }
};

QTEST_APPLESS_MAIN(TestGoldenBuiltin)
#include "tst_golden_builtin.moc"
