// The TFLite writer against every real .tflite of ../shared (corpus, oracle test
// models, seanet cases): read -> write -> read gives the same graph; the op versions
// the writer computes are the ones Google's converter wrote; and the rewritten file
// runs in the real TensorFlow Lite runtime (../shared/oracle) with every output and
// every intermediate tensor bit-identical to the original file's, on the same inputs.
// That last check is what proves TFLite accepts and understands what we write.

#include <QDir>
#include <QFile>
#include <QtTest>

#include <filesystem>
#include <map>

#include "corpus_models.h"
#include "io/npy.h"
#include "io/tensor_files.h"
#include "io/tflite_builtin_ops.h"
#include "io/tflite_reader.h"
#include "io/tflite_writer.h"
#include "io/tflite_writer_op_version.h"
#include "oracle_runner.h"
#include "test_support.h"
#include "tflite_schema_generated.h"
#include "../unit/tst_tflite_writer_graph_equal.h"

using namespace rf;

namespace {

/// Models with an op the core does not run: the writer must refuse them, naming the op.
struct ExpectedRefusal {
    const char* modelSuffix;
    const char* opLabel;
};
constexpr ExpectedRefusal kRefusals[] = {
    {"corpus/tflite/keras_lstm_mnist_ptq_int8.tflite", "op #1 (UNIDIRECTIONAL_SEQUENCE_LSTM)"},
    {"oracle/testdata/models/keyword_scrambled.tflite", "op #1 (SVDF)"},
    {"oracle/testdata/models/keyword_scrambled_8bit.tflite", "op #1 (SVDF)"},
};

/// Models the oracle's TFLite build cannot load (hybrid ops of a newer op version),
/// with the text of its refusal: the rewritten file must be refused the same way.
struct OracleRefusal {
    const char* model;
    const char* message;
};
constexpr OracleRefusal kRefusedByOracle[] = {
    {"corpus/pairs/k3_mnist_edge_cnn/model_dynamic_range.tflite", "Didn't find op for builtin opcode 'FULLY_CONNECTED' version '12'"},
};

/// Every .tflite model of ../shared, sorted: corpus, oracle test models, seanet cases.
std::vector<std::string> allModels(const std::string& shared)
{
    std::vector<std::string> models = test::corpusTfliteModels(shared);
    std::error_code ec;
    for (const char* dir : {"/oracle/testdata/models", "/oracle/testdata/seanet"})
        for (auto it = std::filesystem::recursive_directory_iterator(shared + dir, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
            if (it->is_regular_file() && it->path().extension() == ".tflite") models.push_back(it->path().string());
    std::sort(models.begin(), models.end());
    return models;
}

std::string shortName(const std::string& shared, const std::string& model)
{
    return std::filesystem::path(model).lexically_relative(shared).generic_string();
}

/// Whether the real-runtime comparison runs this model. Each oracle run starts a Node
/// process (~2 s), so by default the 127 seanet cases are sampled (the first
/// kSeanetCasesPerOp of each op folder; they all share the writer code paths of their
/// op) to keep CI inside its time budget; RF_FULL_CORPUS=1 runs every case.
bool runsInOracle(const std::string& name, std::map<std::string, int>& seanetCasesPerOp)
{
    constexpr int kSeanetCasesPerOp = 2;
    const std::string seanet = "oracle/testdata/seanet/";
    if (name.rfind(seanet, 0) != 0 || qEnvironmentVariableIntValue("RF_FULL_CORPUS") == 1) return true;
    const std::string op = name.substr(seanet.size(), name.find('/', seanet.size()) - seanet.size());
    return ++seanetCasesPerOp[op] <= kSeanetCasesPerOp;
}

const ExpectedRefusal* expectedRefusal(const std::string& name)
{
    for (const ExpectedRefusal& refusal : kRefusals)
        if (name == refusal.modelSuffix) return &refusal;
    return nullptr;
}

/// The metadata entry `name` of a .tflite buffer, or nullopt.
std::optional<std::string> metadataEntry(const std::vector<uint8_t>& bytes, const std::string& name)
{
    const tflite::Model* model = tflite::GetModel(bytes.data());
    if (model->metadata() == nullptr) return std::nullopt;
    for (const tflite::Metadata* entry : *model->metadata()) {
        if (entry->name() == nullptr || entry->name()->str() != name) continue;
        const auto* data = model->buffers()->Get(entry->buffer())->data();
        std::string text(data->begin(), data->end());
        return text.substr(0, text.find('\0'));
    }
    return std::nullopt;
}

/// Tensors TFLite never materializes: XNNPACK folds DEQUANTIZE of float16 constants
/// into its packed weights, so the oracle's dump of their outputs holds whatever the
/// buffer happened to contain (../shared/oracle/README.md). Returns the reason, or "".
std::string notMaterialized(const Graph& graph, const QString& dumpFile)
{
    if (!dumpFile.startsWith("intermediates/t")) return {};
    const int32_t tensor = dumpFile.mid(15, 4).toInt();
    for (const Op& op : graph.ops)
        if (op.type == OpType::Dequantize && !op.outputs.empty() && op.outputs[0] == tensor && !op.inputs.empty() &&
            graph.tensors[op.inputs[0]].isConstant && graph.tensors[op.inputs[0]].dtype == DType::Float16)
            return "DEQUANTIZE of a float16 constant, folded into XNNPACK's weights";
    return {};
}

QString safeName(const std::string& name) { return QString::fromStdString(name).replace('/', '_'); }

/// Input files for the oracle: the model's own (seanet cases come with
/// <stem>_input<j>_<type>.csv, which also hold shape operands such as a transpose
/// conv's output shape); otherwise integer inputs get the oracle's pseudo-random
/// bytes and float inputs values in [-1, 1) from the same generator (random float
/// bits would be NaNs and infinities).
Result<QStringList> writeInputs(const Graph& graph, const QString& model, const QString& stem)
{
    QStringList files;
    const QFileInfo modelInfo(model);
    for (size_t j = 0; j < graph.inputs.size(); ++j) {
        const QStringList given = modelInfo.dir().entryList(
            {modelInfo.completeBaseName() + "_input" + QString::number(j) + "_*.csv"}, QDir::Files);
        if (given.size() == 1) {
            files << modelInfo.dir().filePath(given.front());
            continue;
        }
        const Tensor& tensor = graph.tensors[graph.inputs[j]];
        std::vector<uint8_t> bytes = fillInputBytes(InputFill::Random, tensor.byteSize(), 777u + static_cast<uint32_t>(j));
        if (tensor.dtype == DType::Float32) {
            const std::vector<uint8_t> noise = bytes;
            for (size_t i = 0; i + 3 < bytes.size(); i += 4) {
                const float value = (static_cast<float>(noise[i]) - 128.0f) / 128.0f;
                std::memcpy(bytes.data() + i, &value, sizeof value);
            }
        }
        const QString file = stem + "_input" + QString::number(j) + ".npy";
        RF_RETURN_IF_ERROR(writeNpyFile(file.toStdString(), tensor.dtype, tensor.shape, bytes, OverwritePolicy::Replace));
        files << file;
    }
    return files;
}

/// The .bin files of an oracle output folder (outputs and intermediates), relative path -> bytes.
std::map<QString, QByteArray> dumpedTensors(const QString& outDir)
{
    std::map<QString, QByteArray> tensors;
    for (const QString& sub : {QString(), QString("intermediates/")}) {
        QDir dir(outDir + "/" + sub);
        for (const QString& name : dir.entryList({"*.bin"}, QDir::Files)) {
            QFile file(dir.filePath(name));
            if (file.open(QIODevice::ReadOnly)) tensors[sub + name] = file.readAll();
        }
    }
    return tensors;
}

} // namespace

class TestTfliteWriterCorpus : public QObject {
    Q_OBJECT

private:
    test::OracleInstall oracle_;

private slots:
    void initTestCase()
    {
        if (!test::sharedDir()) QSKIP(test::sharedMissingMessage().c_str());
        // At the time of writing: 13 corpus models, 5 oracle models, 127 seanet cases.
        QVERIFY2(allModels(*test::sharedDir()).size() >= 140, "fewer .tflite models in ../shared than expected");
    }

    void rewrittenModelsReadBackEqual_data()
    {
        QTest::addColumn<QString>("model");
        const std::string shared = *test::sharedDir();
        for (const std::string& model : allModels(shared))
            QTest::newRow(shortName(shared, model).c_str()) << QString::fromStdString(model);
    }

    void rewrittenModelsReadBackEqual()
    {
        QFETCH(QString, model);
        const std::string shared = *test::sharedDir();
        const std::string name = shortName(shared, model.toStdString());
        const Result<Graph> original = readTfliteFile(model.toStdString());
        QVERIFY2(original.isOk(), original.message().c_str());

        const Result<std::vector<uint8_t>> written = writeTfliteBuffer(original.value());
        if (const ExpectedRefusal* refusal = expectedRefusal(name)) {
            QVERIFY2(!written.isOk(), "the writer accepted a model with an op the core does not run");
            QVERIFY2(written.message().find(refusal->opLabel) != std::string::npos, written.message().c_str());
            QVERIFY2(written.message().find(model.toStdString()) != std::string::npos, written.message().c_str());
            return;
        }
        QVERIFY2(written.isOk(), written.message().c_str());
        const Result<Graph> back = readTfliteBuffer(written.value().data(), written.value().size(), "rewritten.tflite");
        QVERIFY2(back.isOk(), back.message().c_str());
        const std::string difference = test::graphDifference(original.value(), back.value(), false);
        QVERIFY2(difference.empty(), (name + ": " + difference).c_str());
        QCOMPARE(back.value().description, defaultTfliteDescription());

        // Versions: the source's, raised where TFLite's rules need more (old TOCO and
        // hand-made files state lower versions than today's converter would).
        int raised = 0;
        for (size_t o = 0; o < original.value().ops.size(); ++o) {
            const int32_t expected = std::max(original.value().ops[o].version, requiredTfliteOpVersion(original.value(), o));
            QCOMPARE(back.value().ops[o].version, expected);
            raised += expected != original.value().ops[o].version;
        }
        if (raised) qInfo("%s: %d op versions raised to what TFLite's rules require", name.c_str(), raised);
    }

    void versionsAreTheConvertersVersions_data()
    {
        QTest::addColumn<QString>("model");
        const std::string shared = *test::sharedDir();
        for (const std::string& model : allModels(shared)) {
            const Result<Graph> graph = readTfliteFile(model);
            // Only files written by TFLite's MLIR converter state versions by its rules.
            if (graph.isOk() && graph.value().description == "MLIR Converted." && !expectedRefusal(shortName(shared, model)))
                QTest::newRow(shortName(shared, model).c_str()) << QString::fromStdString(model);
        }
    }

    void versionsAreTheConvertersVersions()
    {
        QFETCH(QString, model);
        const Result<Graph> graph = readTfliteFile(model.toStdString());
        QVERIFY2(graph.isOk(), graph.message().c_str());
        // The converter keeps one operator code per builtin operator, at the highest
        // version its ops need (a float FULLY_CONNECTED next to a hybrid one is v12).
        std::map<std::string, int32_t> computed, stored;
        for (size_t o = 0; o < graph.value().ops.size(); ++o) {
            const Op& op = graph.value().ops[o];
            computed[op.typeName] = std::max(computed[op.typeName], requiredTfliteOpVersion(graph.value(), o));
            stored[op.typeName] = std::max(stored[op.typeName], op.version);
        }
        for (const auto& [op, version] : stored)
            QVERIFY2(computed[op] == version, qPrintable(QString("%1: the converter wrote version %2, we compute %3")
                                                              .arg(QString::fromStdString(op))
                                                              .arg(version)
                                                              .arg(computed[op])));

        // And the min_runtime_version metadata is the converter's.
        const std::vector<uint8_t> bytes = test::readFileBytes(model.toStdString());
        const std::optional<std::string> theirs = metadataEntry(bytes, "min_runtime_version");
        QVERIFY(theirs.has_value());
        const auto written = writeTfliteBuffer(graph.value());
        QVERIFY2(written.isOk(), written.message().c_str());
        const QString ours = QString::fromStdString(metadataEntry(written.value(), "min_runtime_version").value_or("<none>"));
        const std::string name = shortName(*test::sharedDir(), model.toStdString());
        if (name == "corpus/pairs/st_mobilenet_v1_0.25_96_vww/model.tflite") {
            // This file says "1.5.0" although its CONV_2D v3 needs 1.14.0 by TFLite's
            // own table (runtime_version.cc): its versions were raised after the
            // runtime version was computed. Ours follows the table.
            QCOMPARE(QString::fromStdString(*theirs), QString("1.5.0"));
            QCOMPARE(ours, QString("1.14.0"));
            return;
        }
        QCOMPARE(ours, QString::fromStdString(*theirs));
    }

    void rewrittenModelsRunBitIdenticalInTflite_data()
    {
        QTest::addColumn<QString>("model");
        const std::string shared = *test::sharedDir();
        std::map<std::string, int> seanetCasesPerOp;
        for (const std::string& model : allModels(shared)) {
            const std::string name = shortName(shared, model);
            if (!expectedRefusal(name) && runsInOracle(name, seanetCasesPerOp))
                QTest::newRow(name.c_str()) << QString::fromStdString(model);
        }
    }

    void rewrittenModelsRunBitIdenticalInTflite()
    {
        QFETCH(QString, model);
        if (oracle_.script.isEmpty() && oracle_.skipReason.isEmpty() && oracle_.error.isEmpty())
            oracle_ = test::installedOracle();
        if (!oracle_.skipReason.isEmpty()) QSKIP(qPrintable(oracle_.skipReason));
        QVERIFY2(oracle_.error.isEmpty(), qPrintable(oracle_.error));

        const std::string shared = *test::sharedDir();
        const std::string name = shortName(shared, model.toStdString());
        const Result<Graph> original = readTfliteFile(model.toStdString());
        QVERIFY2(original.isOk(), original.message().c_str());

        const QString dir = test::oracleCacheRoot() + "/writer";
        QDir().mkpath(dir);
        const QString rewritten = dir + "/" + safeName(name);
        TfliteWriteOptions options;
        options.overwrite = OverwritePolicy::Replace;
        const Status status = writeTfliteFile(original.value(), rewritten.toStdString(), options);
        QVERIFY2(status.isOk(), status.message().c_str());

        const Result<QStringList> inputs = writeInputs(original.value(), model, dir + "/" + safeName(name));
        QVERIFY2(inputs.isOk(), inputs.message().c_str());
        // A single-op model's only intermediate is its output: no second run needed.
        const QStringList dumpArgs = original.value().ops.size() > 1 ? QStringList{"--dump-intermediates"} : QStringList{};
        const test::OracleRun theirs = test::runOracleCached(oracle_, model, inputs.value(), dumpArgs);
        for (const OracleRefusal& refusal : kRefusedByOracle) {
            if (name != refusal.model) continue;
            QVERIFY2(!theirs.ok, "the oracle now runs this model: remove it from kRefusedByOracle");
            QVERIFY2(theirs.log.contains(refusal.message), qPrintable(theirs.log));
            const test::OracleRun ours = test::runOracleCached(oracle_, rewritten, inputs.value(), dumpArgs);
            QVERIFY2(!ours.ok && ours.log.contains(refusal.message), qPrintable(ours.log));
            qInfo("%s: the oracle's TFLite refuses the original and the rewritten file alike", name.c_str());
            return;
        }
        QVERIFY2(theirs.ok, qPrintable("the oracle failed on the original " + model + ":\n" + theirs.log));
        const test::OracleRun ours = test::runOracleCached(oracle_, rewritten, inputs.value(), dumpArgs);
        QVERIFY2(ours.ok, qPrintable("TFLite refused or failed on the rewritten " + rewritten + ":\n" + ours.log));

        const std::map<QString, QByteArray> expected = dumpedTensors(theirs.outDir);
        const std::map<QString, QByteArray> got = dumpedTensors(ours.outDir);
        QVERIFY2(!expected.empty() && expected.count("output_0.bin"), qPrintable("no tensors dumped in " + theirs.outDir));
        QCOMPARE(got.size(), expected.size());
        size_t compared = 0;
        for (const auto& [file, bytes] : expected) {
            const auto found = got.find(file);
            QVERIFY2(found != got.end(), qPrintable(file + " missing from the rewritten model's run " + ours.outDir));
            if (!notMaterialized(original.value(), file).empty()) continue;
            QVERIFY2(found->second == bytes, qPrintable(file + " differs between " + theirs.outDir + " and " + ours.outDir));
            ++compared;
        }
        qInfo("%s: %zu tensors bit-identical%s", name.c_str(), compared,
              theirs.cached && ours.cached ? " (cached oracle runs)" : "");
    }
};

QTEST_APPLESS_MAIN(TestTfliteWriterCorpus)
#include "tst_tflite_writer_corpus.moc"
