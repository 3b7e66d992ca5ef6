// The Keras models of ../shared/corpus: every full model loads and runs on real
// images; the weights-only file is refused; the float Keras<->TFLite pairs agree
// with the real TFLite runtime (the oracle) within 1e-4 on probabilities; and the
// int8 pairs' top-1 agrees with the Keras float model's on most corpus images.

#include <QtTest>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "data/image_input.h"
#include "io/keras/keras_h5_reader.h"
#include "io/model_loader.h"
#include "io/npy.h"
#include "oracle_runner.h"
#include "runtime/interpreter.h"
#include "test_support.h"

using namespace rf;
namespace fs = std::filesystem;

namespace {

/// Preprocessing of a corpus model, from MANIFEST.md and the pairs' config.yaml:
/// Teachable Machine and the flowers MobileNet use [-1, 1] (x / 127.5 - 1), the
/// others [0, 1] (x / 255); 1-channel models get grayscale images.
ImageInputOptions optionsFor(const std::string& modelPath)
{
    ImageInputOptions options;
    const bool minusOneToOne = modelPath.find("tm_") != std::string::npos || modelPath.find("flowers") != std::string::npos;
    const float mean = minusOneToOne ? 127.5f : 0.0f, stddev = minusOneToOne ? 127.5f : 255.0f;
    options.mean = {mean, mean, mean};
    options.stddev = {stddev, stddev, stddev};
    options.integerEncoding = ImageInputOptions::IntegerEncoding::Quantize;
    return options;
}

std::vector<std::string> filesIn(const std::string& dir)
{
    std::vector<std::string> files;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error))
        if (entry.is_regular_file()) files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

/// The corpus images used for a model: the pair's own images first, then misc, then
/// `imagenetCount` ImageNet samples.
std::vector<std::string> imagesFor(const std::string& shared, const std::string& modelPath, size_t imagenetCount)
{
    std::vector<std::string> images;
    const std::string pairImages = fs::path(modelPath).parent_path().string() + "/images";
    if (fs::is_directory(pairImages))
        for (const std::string& f : filesIn(pairImages)) images.push_back(f);
    for (const std::string& f : filesIn(shared + "/corpus/images/misc")) images.push_back(f);
    std::vector<std::string> imagenet = filesIn(shared + "/corpus/images/imagenet");
    if (imagenet.size() > imagenetCount) imagenet.resize(imagenetCount);
    images.insert(images.end(), imagenet.begin(), imagenet.end());
    return images;
}

std::vector<std::string> fullKerasModels(const std::string& shared)
{
    std::vector<std::string> models;
    for (const std::string& f : filesIn(shared + "/corpus/keras"))
        if (f.find("negative_") == std::string::npos && f.ends_with(".h5")) models.push_back(f);
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(shared + "/corpus/pairs", error))
        if (fs::exists(entry.path() / "keras_model.h5")) models.push_back((entry.path() / "keras_model.h5").string());
    std::sort(models.begin(), models.end());
    return models;
}

/// Runs a loaded Keras graph on one image; returns output 0 as floats.
Result<std::vector<float>> runOnImage(Interpreter& interpreter, const std::string& image, const ImageInputOptions& options)
{
    const Graph& graph = interpreter.graph();
    RF_ASSIGN_OR_RETURN(TensorValue input, imageToInputTensor(image, graph.tensors[graph.inputs[0]], options));
    RF_RETURN_IF_ERROR(interpreter.setInput(0, input.bytes(), input.byteSize()));
    RF_RETURN_IF_ERROR(interpreter.invoke());
    const TensorValue& out = interpreter.output(0);
    return std::vector<float>(out.data<float>(), out.data<float>() + out.elementCount());
}

size_t argmax(const std::vector<double>& values) { return static_cast<size_t>(std::max_element(values.begin(), values.end()) - values.begin()); }

/// The oracle's output 0 as doubles (raw stored values; argmax is unaffected by a positive scale).
std::vector<double> oracleOutput(const QString& outDir)
{
    QFile sidecar(outDir + "/output_0.json");
    if (!sidecar.open(QIODevice::ReadOnly)) return {};
    const QString dtype = QJsonDocument::fromJson(sidecar.readAll()).object().value("dtype").toString();
    QFile data(outDir + "/output_0.bin");
    if (!data.open(QIODevice::ReadOnly)) return {};
    const QByteArray bytes = data.readAll();
    std::vector<double> values;
    if (dtype == "float32") {
        for (qsizetype i = 0; i + 4 <= bytes.size(); i += 4) {
            float v;
            std::memcpy(&v, bytes.constData() + i, 4);
            values.push_back(v);
        }
    } else if (dtype == "int8") {
        for (char c : bytes) values.push_back(static_cast<int8_t>(c));
    } else if (dtype == "uint8") {
        for (char c : bytes) values.push_back(static_cast<uint8_t>(c));
    }
    return values;
}

} // namespace

class TestKerasCorpus : public QObject {
    Q_OBJECT
private:
    std::string shared_;
    test::OracleInstall oracle_;
    std::string tempDir_;

    /// Runs `tflite` in the oracle on `image` preprocessed for its own input tensor.
    std::vector<double> runOracleOnImage(const std::string& tflite, const Graph& tfliteGraph, const std::string& image,
                                         const ImageInputOptions& options, std::string* problem)
    {
        Result<TensorValue> input = imageToInputTensor(image, tfliteGraph.tensors[tfliteGraph.inputs[0]], options);
        if (!input.isOk()) {
            *problem = input.message();
            return {};
        }
        const std::string npy = tempDir_ + "/" + fs::path(tflite).parent_path().filename().string() + "_" +
                                fs::path(tflite).stem().string() + "_" + fs::path(image).stem().string() + ".npy";
        const TensorValue& v = input.value();
        Status written = writeNpyFile(npy, v.dtype(), v.shape(), {reinterpret_cast<const uint8_t*>(v.bytes()), v.byteSize()},
                                      OverwritePolicy::Replace);
        if (!written.isOk()) {
            *problem = written.message();
            return {};
        }
        const test::OracleRun run = test::runOracleCached(oracle_, QString::fromStdString(tflite), {QString::fromStdString(npy)}, {});
        if (!run.ok) {
            *problem = run.log.toStdString();
            return {};
        }
        return oracleOutput(run.outDir);
    }

private slots:
    void initTestCase()
    {
        if (!test::sharedDir()) QSKIP(test::sharedMissingMessage().c_str());
        shared_ = *test::sharedDir();
        tempDir_ = test::makeTempDir("keras_corpus");
    }

    void everyFullModelLoadsAndRuns()
    {
        const std::vector<std::string> models = fullKerasModels(shared_);
        QVERIFY2(models.size() >= 10, "expected the corpus' 4 keras/ models and 6 pairs");
        for (const std::string& model : models) {
            auto graph = loadModelFile(model);
            QVERIFY2(graph.isOk(), graph.message().c_str());
            auto interpreter = Interpreter::create(graph.value());
            QVERIFY2(interpreter.isOk(), interpreter.message().c_str());
            const ImageInputOptions options = optionsFor(model);
            std::vector<std::vector<float>> outputs;
            for (const std::string& image : imagesFor(shared_, model, 2)) {
                auto output = runOnImage(*interpreter.value(), image, options);
                QVERIFY2(output.isOk(), output.message().c_str());
                double sum = 0;
                for (float v : output.value()) {
                    QVERIFY2(std::isfinite(v) && v >= 0.0f && v <= 1.0f, (model + " on " + image).c_str());
                    sum += v;
                }
                // Every corpus model ends in a softmax.
                QVERIFY2(std::fabs(sum - 1.0) < 1e-4, (model + " on " + image + ": probabilities sum to " + std::to_string(sum)).c_str());
                outputs.push_back(output.value());
            }
            QVERIFY2(outputs.size() >= 3, model.c_str());
            qInfo("%s: %zu ops, ran on %zu images (%s)", model.substr(shared_.size()).c_str(), graph.value().ops.size(),
                  outputs.size(), graph.value().description.c_str());
        }
    }

    void weightsOnlyFileIsRefused()
    {
        const std::string path = shared_ + "/corpus/keras/negative_weights_only_keras224.h5";
        auto graph = loadModelFile(path);
        QVERIFY(!graph.isOk());
        QVERIFY2(graph.message().find("holds weights only") != std::string::npos, graph.message().c_str());
        QVERIFY2(graph.message().find("model.save()") != std::string::npos, graph.message().c_str());
    }

    void floatPairsMatchTfliteRuntime_data()
    {
        QTest::addColumn<QString>("pair");
        QTest::newRow("tm_cat_dog_jana") << "tm_cat_dog_jana";
        QTest::newRow("k3_mnist_edge_cnn") << "k3_mnist_edge_cnn";
    }
    void floatPairsMatchTfliteRuntime()
    {
        QFETCH(QString, pair);
        oracle_ = test::installedOracle();
        if (!oracle_.skipReason.isEmpty()) QSKIP(qPrintable(oracle_.skipReason));
        QVERIFY2(oracle_.error.isEmpty(), qPrintable(oracle_.error));
        const std::string dir = shared_ + "/corpus/pairs/" + pair.toStdString();
        const std::string tflite = dir + "/model_unquant.tflite";
        auto keras = readKerasH5File(dir + "/keras_model.h5");
        QVERIFY2(keras.isOk(), keras.message().c_str());
        auto tfliteGraph = loadModelFile(tflite);
        QVERIFY2(tfliteGraph.isOk(), tfliteGraph.message().c_str());
        auto interpreter = Interpreter::create(keras.value());
        QVERIFY2(interpreter.isOk(), interpreter.message().c_str());
        const ImageInputOptions options = optionsFor(dir);
        double worst = 0;
        int compared = 0;
        for (const std::string& image : imagesFor(shared_, dir + "/keras_model.h5", 8)) {
            auto ours = runOnImage(*interpreter.value(), image, options);
            QVERIFY2(ours.isOk(), ours.message().c_str());
            std::string problem;
            const std::vector<double> reference = runOracleOnImage(tflite, tfliteGraph.value(), image, options, &problem);
            QVERIFY2(problem.empty(), problem.c_str());
            QCOMPARE(reference.size(), ours.value().size());
            for (size_t i = 0; i < reference.size(); ++i) {
                const double diff = std::fabs(reference[i] - ours.value()[i]);
                worst = std::max(worst, diff);
                QVERIFY2(diff <= 1e-4, (image + ": class " + std::to_string(i) + " Keras " + std::to_string(ours.value()[i]) +
                                        " vs TFLite " + std::to_string(reference[i]))
                                           .c_str());
            }
            ++compared;
        }
        qInfo("%s: %d images, max |Keras - TFLite| = %.3g", qPrintable(pair), compared, worst);
    }

    void int8PairsAgreeOnTop1_data()
    {
        QTest::addColumn<QString>("pair");
        for (const char* name : {"k3_mnist_edge_cnn", "st_mobilenet_v1_0.25_224_flowers", "st_mobilenet_v1_0.25_96_vww",
                                 "st_resnet_v1_8_32_cifar10", "st_stmnist_v1_emnist"})
            QTest::newRow(name) << QString(name);
    }
    void int8PairsAgreeOnTop1()
    {
        QFETCH(QString, pair);
        oracle_ = test::installedOracle();
        if (!oracle_.skipReason.isEmpty()) QSKIP(qPrintable(oracle_.skipReason));
        QVERIFY2(oracle_.error.isEmpty(), qPrintable(oracle_.error));
        const std::string dir = shared_ + "/corpus/pairs/" + pair.toStdString();
        const std::string tflite = dir + "/model.tflite";
        auto keras = readKerasH5File(dir + "/keras_model.h5");
        QVERIFY2(keras.isOk(), keras.message().c_str());
        auto tfliteGraph = loadModelFile(tflite);
        QVERIFY2(tfliteGraph.isOk(), tfliteGraph.message().c_str());
        auto interpreter = Interpreter::create(keras.value());
        QVERIFY2(interpreter.isOk(), interpreter.message().c_str());
        const ImageInputOptions options = optionsFor(dir);
        int agree = 0, total = 0;
        for (const std::string& image : imagesFor(shared_, dir + "/keras_model.h5", 12)) {
            auto ours = runOnImage(*interpreter.value(), image, options);
            QVERIFY2(ours.isOk(), ours.message().c_str());
            std::string problem;
            const std::vector<double> reference = runOracleOnImage(tflite, tfliteGraph.value(), image, options, &problem);
            QVERIFY2(problem.empty(), problem.c_str());
            QCOMPARE(reference.size(), ours.value().size());
            const std::vector<double> oursDouble(ours.value().begin(), ours.value().end());
            agree += argmax(oursDouble) == argmax(reference);
            ++total;
        }
        qInfo("%s: Keras float top-1 == int8 TFLite top-1 on %d of %d corpus images", qPrintable(pair), agree, total);
        QVERIFY2(agree * 2 > total, qPrintable(QString("only %1 of %2 agree").arg(agree).arg(total)));
    }
};

QTEST_APPLESS_MAIN(TestKerasCorpus)
#include "tst_keras_corpus.moc"
