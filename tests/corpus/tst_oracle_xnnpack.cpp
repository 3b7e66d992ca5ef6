// Acceptance test (issue #2): in KernelMode::Xnnpack, every tensor of every
// runnable corpus model equals what the real TensorFlow Lite runtime with the
// XNNPACK delegate (../shared/oracle) dumps for the same real images: integer
// tensors bit for bit, float tensors within 1e-5 relative (1e-6 absolute).
// The oracle is installed once into the build tree and its results are cached
// there (see tests/support/oracle_runner.h).

#include <QDir>
#include <QtTest>
#include <filesystem>

#include "corpus_models.h"
#include "data/image_input.h"
#include "io/model_loader.h"
#include "io/npy.h"
#include "io/tensor_files.h"
#include "oracle_runner.h"
#include "runtime/interpreter.h"
#include "tensor_compare.h"
#include "test_support.h"

using namespace rf;

namespace {

/// Models whose only runnable op set the core refuses on purpose, with the op named in the error.
struct ExpectedRefusal {
    const char* model;
    const char* opIndex;
    const char* opType;
};
constexpr ExpectedRefusal kRefusedByUs[] = {
    {"tflite/keras_lstm_mnist_ptq_int8.tflite", "op #1", "UNIDIRECTIONAL_SEQUENCE_LSTM"},
};

/// Models the oracle's TFLite build cannot load (hybrid ops of a newer op version),
/// with the text of its refusal. They are covered by tst_golden_builtin instead.
struct OracleRefusal {
    const char* model;
    const char* message;
};
constexpr OracleRefusal kRefusedByOracle[] = {
    {"pairs/k3_mnist_edge_cnn/model_dynamic_range.tflite", "Didn't find op for builtin opcode 'FULLY_CONNECTED' version"},
};

/// The real images used for image models, by channel count.
const QStringList kColorImages = {"images/imagenet/n01440764_tench.JPEG", "images/imagenet/n02123394_Persian_cat.JPEG"};
const QStringList kGrayImages = {"images/misc/mnist_nine.bmp", "images/imagenet/n01514859_hen.JPEG"};

bool isRefusedByUs(const std::string& name)
{
    for (const ExpectedRefusal& refusal : kRefusedByUs)
        if (name == refusal.model) return true;
    return false;
}

const OracleRefusal* oracleRefusal(const std::string& name)
{
    for (const OracleRefusal& refusal : kRefusedByOracle)
        if (name == refusal.model) return &refusal;
    return nullptr;
}

/// Image geometry of a model input ([1,H,W,C] or [1,H,W]); channels 0 when not an image.
int imageChannels(const Tensor& tensor)
{
    const Shape& s = tensor.shape;
    const bool hw = s.size() >= 3 && s[0] == 1 && s[1] >= 8 && s[2] >= 8;
    if (s.size() == 4 && hw && (s[3] == 1 || s[3] == 3)) return s[3];
    if (s.size() == 3 && hw) return 1;
    return 0;
}

/// Preprocessing of an image for a model input: float inputs get [-1, 1] for color
/// and [0, 1] for gray (MNIST-style) models; integer inputs get the raw pixels.
ImageInputOptions optionsFor(const Tensor& tensor, int channels)
{
    ImageInputOptions options;
    options.integerEncoding = ImageInputOptions::IntegerEncoding::RawPixels;
    if (tensor.dtype == DType::Float32 && channels == 1) {
        options.mean = {0, 0, 0};
        options.stddev = {255, 255, 255};
    }
    return options;
}

/// Where generated input files live (content-addressed by the oracle cache anyway).
QString inputCacheDir()
{
    const QString dir = test::oracleCacheRoot() + "/inputs";
    QDir().mkpath(dir);
    return dir;
}

/// Tensors the oracle cannot show: the XNNPACK delegate takes DEQUANTIZE ops of
/// float16 constants into its own weight packing, so TFLite never writes their
/// outputs and the oracle's dump of them holds whatever the buffer contained
/// (../shared/oracle/README.md, "A tensor that is never materialized by TFLite ...
/// cannot be dumped"). tst_golden_builtin checks these tensors in builtin mode.
std::string notMaterializedByXnnpack(const Graph& graph, int32_t tensorIndex)
{
    for (const Op& op : graph.ops) {
        if (op.type != OpType::Dequantize || op.outputs.empty() || op.outputs[0] != tensorIndex || op.inputs.empty()) continue;
        const int32_t input = op.inputs[0];
        if (input >= 0 && graph.tensors[input].isConstant && graph.tensors[input].dtype == DType::Float16)
            return "DEQUANTIZE of a float16 constant, folded into XNNPACK's weights (never materialized by TFLite)";
    }
    return {};
}

QString safeRowName(const std::string& name) { return QString::fromStdString(name).replace('/', '_'); }

} // namespace

class TestOracleXnnpack : public QObject {
    Q_OBJECT

private:
    test::OracleInstall oracle_;

private slots:
    void initTestCase()
    {
        if (!test::sharedDir()) QSKIP(test::sharedMissingMessage().c_str());
        oracle_ = test::installedOracle();
        if (!oracle_.skipReason.isEmpty()) QSKIP(qPrintable(oracle_.skipReason));
        QVERIFY2(oracle_.error.isEmpty(), qPrintable(oracle_.error));
        qInfo("oracle: %s", qPrintable(oracle_.script));
    }

    void corpusHasTheExpectedModels()
    {
        // The rows below are generated from the corpus; make sure it is the corpus we think.
        const auto models = test::corpusTfliteModels(*test::sharedDir());
        QVERIFY2(models.size() >= 13, qPrintable(QString("only %1 corpus models found").arg(models.size())));
    }

    void lstmModelIsRefusedAtLoad()
    {
        for (const ExpectedRefusal& refusal : kRefusedByUs) {
            const std::string path = *test::sharedDir() + "/corpus/" + refusal.model;
            Result<Graph> graph = loadModelFile(path);
            QVERIFY2(graph.isOk(), graph.message().c_str()); // Reading works; running must be refused.
            Result<std::unique_ptr<Interpreter>> interpreter = Interpreter::create(std::move(graph).value());
            QVERIFY2(!interpreter.isOk(), "the interpreter accepted a model with an op the core does not implement");
            const std::string message = interpreter.message();
            QVERIFY2(message.find(refusal.opIndex) != std::string::npos, message.c_str());
            QVERIFY2(message.find(refusal.opType) != std::string::npos, message.c_str());
            QVERIFY2(message.find(std::filesystem::path(path).filename().string()) != std::string::npos, message.c_str());
        }
    }

    void matchesOracle_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("input"); // "golden:DIR", "image:PATH" or "random:SEED"
        const std::string shared = *test::sharedDir();
        for (const std::string& model : test::corpusTfliteModels(shared)) {
            const std::string name = test::corpusModelName(shared, model);
            if (isRefusedByUs(name)) continue;
            const QString modelPath = QString::fromStdString(model);
            const std::string golden = test::goldenFolderForModel(shared, model);
            if (!golden.empty())
                QTest::newRow(qPrintable(safeRowName(name) + "|golden_input")) << modelPath << "golden:" + QString::fromStdString(golden);
            // Image rows need the input geometry; a model that cannot be read gets one
            // row that fails with the reader's message.
            Result<Graph> graph = loadModelFile(model);
            if (!graph.isOk() || graph.value().inputs.empty()) {
                QTest::newRow(qPrintable(safeRowName(name) + "|unreadable")) << modelPath << "image:";
                continue;
            }
            const Tensor& input = graph.value().tensors[graph.value().inputs[0]];
            const int channels = graph.value().inputs.size() == 1 ? imageChannels(input) : 0;
            if (channels == 0) {
                for (int seed : {1, 2})
                    QTest::newRow(qPrintable(safeRowName(name) + "|random" + QString::number(seed)))
                        << modelPath << "random:" + QString::number(seed);
                continue;
            }
            QStringList images = channels == 3 ? kColorImages : kGrayImages;
            if (name.rfind("pairs/tm_cat_dog_jana/", 0) == 0) images.prepend("pairs/tm_cat_dog_jana/images/dogTraining.jpg");
            for (const QString& image : images)
                QTest::newRow(qPrintable(safeRowName(name) + "|" + QFileInfo(image).completeBaseName()))
                    << modelPath << "image:" + QString::fromStdString(shared) + "/corpus/" + image;
        }
    }

    void matchesOracle()
    {
        QFETCH(QString, model);
        QFETCH(QString, input);
        const std::string shared = *test::sharedDir();
        const std::string name = test::corpusModelName(shared, model.toStdString());

        Result<Graph> loaded = loadModelFile(model.toStdString());
        QVERIFY2(loaded.isOk(), loaded.message().c_str());
        const Graph& graph = loaded.value();

        // The input files both runtimes read.
        QStringList inputFiles;
        const QString kind = input.section(':', 0, 0);
        const QString argument = input.section(':', 1);
        const QString stem = inputCacheDir() + "/" + safeRowName(name) + "_" + QFileInfo(argument).completeBaseName();
        for (size_t j = 0; j < graph.inputs.size(); ++j) {
            const Tensor& tensor = graph.tensors[graph.inputs[j]];
            if (kind == "golden") {
                inputFiles << argument + "/input_" + QString::number(j) + ".npy";
                continue;
            }
            const QString file = stem + "_" + QString::number(j) + ".npy";
            if (kind == "random") {
                const std::vector<uint8_t> bytes =
                    fillInputBytes(InputFill::Random, tensor.byteSize(), 1000u * argument.toUInt() + static_cast<uint32_t>(j));
                const Status written = writeNpyFile(file.toStdString(), tensor.dtype, tensor.shape, bytes, OverwritePolicy::Replace);
                QVERIFY2(written.isOk(), written.message().c_str());
            } else {
                const int channels = imageChannels(tensor);
                QVERIFY2(channels > 0, qPrintable("input is not an image: " + QString::fromStdString(shapeToString(tensor.shape))));
                Result<TensorValue> value = imageToInputTensor(argument.toStdString(), tensor, optionsFor(tensor, channels));
                QVERIFY2(value.isOk(), value.message().c_str());
                const auto& v = value.value();
                const Status written = writeNpyFile(file.toStdString(), v.dtype(), v.shape(),
                                                    {reinterpret_cast<const uint8_t*>(v.bytes()), v.byteSize()},
                                                    OverwritePolicy::Replace);
                QVERIFY2(written.isOk(), written.message().c_str());
            }
            inputFiles << file;
        }

        std::vector<std::vector<uint8_t>> inputs;
        for (size_t j = 0; j < graph.inputs.size(); ++j) {
            const Tensor& tensor = graph.tensors[graph.inputs[j]];
            Result<std::vector<uint8_t>> bytes = loadInputFile(inputFiles[static_cast<int>(j)].toStdString(), tensor.dtype,
                                                              tensor.elementCount());
            QVERIFY2(bytes.isOk(), bytes.message().c_str());
            inputs.push_back(std::move(bytes).value());
        }

        const test::OracleRun run = test::runOracleCached(oracle_, model, inputFiles, {"--dump-intermediates"});
        if (const OracleRefusal* refusal = oracleRefusal(name)) {
            // A known limitation of the oracle's TFLite build: assert it, and that we run the model.
            QVERIFY2(!run.ok, "the oracle now runs this model: remove it from kRefusedByOracle and compare");
            QVERIFY2(run.log.contains(refusal->message), qPrintable(run.log));
            Result<std::map<int32_t, TensorValue>> ours = test::runAndCapture(graph, KernelMode::Xnnpack, inputs);
            QVERIFY2(ours.isOk(), ours.message().c_str());
            qInfo("the oracle cannot run %s (checked against the builtin golden instead)", name.c_str());
            return;
        }
        QVERIFY2(run.ok, qPrintable("oracle failed on " + model + ":\n" + run.log));

        Result<std::map<int32_t, TensorValue>> ours = test::runAndCapture(graph, KernelMode::Xnnpack, inputs);
        QVERIFY2(ours.isOk(), ours.message().c_str());
        const test::DumpComparison comparison =
            test::compareWithDump(graph, ours.value(), run.outDir.toStdString(), {}, notMaterializedByXnnpack);
        QVERIFY2(comparison.compared > 0, qPrintable("the oracle dumped no tensors in " + run.outDir));
        qInfo("%s: %d oracle tensors compared, %zu not comparable%s", QTest::currentDataTag(), comparison.compared,
              comparison.excluded.size(), run.cached ? " (cached oracle run)" : "");
        if (!comparison.excluded.empty()) qInfo("  not compared, e.g. %s", comparison.excluded.front().c_str());
        QVERIFY2(comparison.mismatched == 0, qPrintable(QString::fromStdString(name) + " (xnnpack kernels) vs the TFLite oracle (" +
                                                        run.outDir + "):\n" + QString::fromStdString(comparison.report())));

        // Threads must not change a single bit.
        Result<std::map<int32_t, TensorValue>> twoThreads = test::runAndCapture(graph, KernelMode::Xnnpack, inputs, 2);
        QVERIFY2(twoThreads.isOk(), twoThreads.message().c_str());
        for (const auto& [index, value] : ours.value()) {
            const TensorValue& other = twoThreads.value().at(index);
            QVERIFY2(other.byteSize() == value.byteSize() && std::memcmp(other.bytes(), value.bytes(), value.byteSize()) == 0,
                     qPrintable("2 threads give different bits than 1 thread for " +
                                QString::fromStdString(graph.tensorLabel(index))));
        }
    }
};

QTEST_APPLESS_MAIN(TestOracleXnnpack)
#include "tst_oracle_xnnpack.moc"
