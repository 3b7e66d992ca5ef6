// Analysis on the real corpus: a report for every STM32 model-zoo pair (Keras float vs
// the zoo's int8 .tflite) on real images, the uint8 MobileNet analysed alone, and the
// sensitivity check (must-show 3): keeping float the layers sensitivity ranks worst
// repairs more of the output than keeping float the best-ranked or random layers.
#include <QtTest>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

#include "analysis/analyzer.h"
#include "analysis/dequantized_twin.h"
#include "analysis/sensitivity.h"
#include "data/image_source.h"
#include "io/model_loader.h"
#include "report/json_schema_check.h"
#include "report/report_json.h"
#include "test_support.h"

using namespace rf;
namespace fs = std::filesystem;

namespace {

std::string shared() { return test::sharedDir().value_or(""); }

/// The first `count` ImageNet sample images, preprocessed by the quantized model's
/// input convention (raw pixels are its codes; the float model gets the same reals).
struct Images {
    ImageSource source;
    PreprocessOptions preprocess;
    AnalysisInputs inputs;
};

std::unique_ptr<Images> imagenet(const Graph& quant, size_t first, size_t count)
{
    auto images = std::make_unique<Images>();
    auto opened = ImageSource::open(shared() + "/corpus/images/imagenet");
    if (!opened.isOk()) return nullptr;
    images->source = std::move(opened).value();
    const Tensor& input = quant.tensors[quant.inputs[0]];
    const double offset = input.dtype == DType::Int8 ? 128.0 : 0.0;
    images->preprocess.meanValues = {static_cast<float>(offset + input.quant.zeroPoint(0))};
    images->preprocess.stdDevValues = {static_cast<float>(1.0 / input.quant.scale(0))};
    images->preprocess.integerInput = IntegerInputMode::Quantize;
    for (size_t i = first; i < first + count && i < images->source.size(); ++i) images->inputs.names.push_back(images->source.item(i).name);
    const Images* self = images.get();
    images->inputs.provider = [self, first](size_t index, const Tensor& tensor) {
        return self->source.loadTensor(first + index, tensor, self->preprocess);
    };
    return images;
}

std::string schema()
{
    const auto bytes = test::readFileBytes(std::string(RF_SOURCE_DIR) + "/docs/report.schema.json");
    return std::string(bytes.begin(), bytes.end());
}

} // namespace

class TestAnalysisCorpus : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        if (!test::sharedDir()) QSKIP(test::sharedMissingMessage().c_str());
    }

    void stPairs_data()
    {
        QTest::addColumn<QString>("pair");
        for (const char* pair : {"st_mobilenet_v1_0.25_224_flowers", "st_mobilenet_v1_0.25_96_vww", "st_resnet_v1_8_32_cifar10",
                                 "st_stmnist_v1_emnist"}) {
            QTest::newRow(pair) << QString(pair);
        }
    }

    void stPairs()
    {
        QFETCH(QString, pair);
        const std::string dir = shared() + "/corpus/pairs/" + pair.toStdString();
        auto keras = loadModelFile(dir + "/keras_model.h5");
        QVERIFY2(keras.isOk(), keras.message().c_str());
        auto quant = loadModelFile(dir + "/model.tflite");
        QVERIFY2(quant.isOk(), quant.message().c_str());
        auto images = imagenet(quant.value(), 0, 6);
        QVERIFY(images);
        AnalysisOptions options;
        options.jobs = 2;
        auto result = runAnalysis(keras.value(), quant.value(), images->inputs, options);
        QVERIFY2(result.isOk(), result.message().c_str());
        const AnalysisResult& r = result.value();
        // Every conv / depthwise / FC of the int8 model has its Keras counterpart.
        std::set<int> matchedOps;
        for (const TensorReport& t : r.tensors) matchedOps.insert(t.quantOp);
        for (size_t o = 0; o < quant.value().ops.size(); ++o) {
            const OpType type = quant.value().ops[o].type;
            if (type == OpType::Conv2D || type == OpType::DepthwiseConv2D || type == OpType::FullyConnected) {
                QVERIFY2(matchedOps.count(static_cast<int>(o)), qPrintable(QString::fromStdString(quant.value().opLabel(o)) + " unmatched"));
            }
        }
        // The zoo's int8 models are good: outputs close to the Keras float model.
        QVERIFY(r.model.outputError);
        qInfo("%s: %zu tensors, output SQNR %.2f dB, top-1 agreement %.2f", qPrintable(pair), r.tensors.size(),
              r.model.outputError->sqnrDb, r.model.top1Agreement);
        QVERIFY2(r.model.outputError->sqnrDb > 10.0, qPrintable(QString::number(r.model.outputError->sqnrDb)));
        for (const TensorReport& t : r.tensors) {
            QVERIFY(t.error);
            QVERIFY2(t.error->sqnrDb > 0.0, (t.name + ": " + std::to_string(t.error->sqnrDb)).c_str());
            QVERIFY(t.utilization > 0.0 && t.utilization <= 1.0);
        }
        // Weights: the zoo folded BatchNormalization, so fitted factors differ from 1,
        // yet the per-channel residual is pure rounding: > 30 dB for every paired weight.
        int paired = 0;
        for (const WeightReport& w : r.weights) {
            if (!w.error) continue;
            ++paired;
            QVERIFY2(w.error->sqnrDb > 30.0, (w.layer + ": " + std::to_string(w.error->sqnrDb)).c_str());
        }
        QVERIFY(paired > 0);
        const Status valid = validateJsonSchema(reportToJson(r), schema());
        QVERIFY2(valid.isOk(), valid.message().c_str());
    }

    void uint8MobilenetAlone()
    {
        auto quant = loadModelFile(shared() + "/corpus/tflite/mobilenet_v1_0.25_128_quant_uint8.tflite");
        QVERIFY2(quant.isOk(), quant.message().c_str());
        auto images = imagenet(quant.value(), 0, 8);
        auto result = runQuantizedOnlyAnalysis(quant.value(), images->inputs, AnalysisOptions{});
        QVERIFY2(result.isOk(), result.message().c_str());
        const AnalysisResult& r = result.value();
        QCOMPARE(r.tensors.size(), size_t{32}); // input, 15 CONV_2D, 13 DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE, SOFTMAX
        // The input codes are the raw pixels: its utilization is the share of distinct
        // pixel values over the 8 images, counted here from the decoded pixels.
        std::set<int> pixels;
        for (size_t i = 0; i < 8; ++i) {
            auto value = images->inputs.provider(i, quant.value().tensors[quant.value().inputs[0]]);
            QVERIFY(value.isOk());
            for (uint8_t p : value.value().span<const uint8_t>()) pixels.insert(p);
        }
        QCOMPARE(r.tensors[0].codesUsed, static_cast<int64_t>(pixels.size()));
        for (const TensorReport& t : r.tensors) {
            // Dequantized values always lie on the grid.
            QVERIFY(t.floatMin >= t.representableMin - 1e-6 && t.floatMax <= t.representableMax + 1e-6);
            QVERIFY(t.codesUsed >= 1 && t.codesUsed <= 256);
            QCOMPARE(t.codeCount, int64_t{256});
            QCOMPARE(t.dtype, std::string("uint8"));
        }
        // Weights are per tensor in this legacy model.
        QVERIFY(!r.weights.empty());
        for (const WeightReport& w : r.weights) QVERIFY(!w.perChannel);
        const Status valid = validateJsonSchema(reportToJson(r), schema());
        QVERIFY2(valid.isOk(), valid.message().c_str());
    }

    void sensitivityNamesTheLayersThatRepair()
    {
        // Float reference: the Keras VWW MobileNet; quantized: the zoo's int8 model.
        const std::string dir = shared() + "/corpus/pairs/st_mobilenet_v1_0.25_96_vww";
        auto keras = loadModelFile(dir + "/keras_model.h5");
        QVERIFY2(keras.isOk(), keras.message().c_str());
        auto quant = loadModelFile(dir + "/model.tflite");
        QVERIFY2(quant.isOk(), quant.message().c_str());
        auto matching = matchTensors(keras.value(), quant.value());
        QVERIFY2(matching.isOk(), matching.message().c_str());
        // Rank on 8 images, verify on 16 others.
        auto rankImages = imagenet(quant.value(), 0, 8);
        auto checkImages = imagenet(quant.value(), 40, 16);
        auto sensitivity = runSensitivity(keras.value(), quant.value(), matching.value(), rankImages->inputs, 2);
        QVERIFY2(sensitivity.isOk(), sensitivity.message().c_str());
        const SensitivityReport& s = sensitivity.value();
        const std::vector<size_t> layers = sensitivityLayers(quant.value(), matching.value());
        QCOMPARE(s.layers.size(), layers.size());
        const auto matchIndexOf = [&](const LayerSensitivity& l) {
            for (size_t index : layers) {
                if (matching.value().matches[index].quantOp == l.quantOp && matching.value().matches[index].name == l.name) return index;
            }
            return size_t{0};
        };
        const auto allBut = [&](const std::vector<size_t>& keepFloat) {
            std::vector<size_t> quantized;
            for (size_t index : layers) {
                if (std::find(keepFloat.begin(), keepFloat.end(), index) == keepFloat.end()) quantized.push_back(index);
            }
            auto score = scoreFakeQuant(keras.value(), quant.value(), matching.value(), quantized, checkImages->inputs, 2);
            return score.isOk() ? score.value().sqnrDb : -1e9;
        };
        const size_t k = 3;
        std::vector<size_t> worst, best;
        for (size_t i = 0; i < k; ++i) worst.push_back(matchIndexOf(s.layers[i]));
        for (size_t i = 0; i < k; ++i) best.push_back(matchIndexOf(s.layers[s.layers.size() - 1 - i]));
        const double none = allBut({});
        const double withoutWorst = allBut(worst);
        const double withoutBest = allBut(best);
        std::mt19937 random(5);
        std::vector<double> randomScores;
        for (int draw = 0; draw < 5; ++draw) {
            std::vector<size_t> shuffled = layers;
            std::shuffle(shuffled.begin(), shuffled.end(), random);
            shuffled.resize(k);
            randomScores.push_back(allBut(shuffled));
        }
        std::sort(randomScores.begin(), randomScores.end());
        const double randomMedian = randomScores[randomScores.size() / 2];
        qInfo("output SQNR on held-out images: all quantized %.2f dB; top-%zu sensitive kept float %.2f dB; "
              "least sensitive kept float %.2f dB; random (median of 5) %.2f dB; worst layers: %s, %s, %s",
              none, k, withoutWorst, withoutBest, randomMedian, s.layers[0].name.c_str(), s.layers[1].name.c_str(),
              s.layers[2].name.c_str());
        QVERIFY(withoutWorst > none);
        QVERIFY(withoutWorst > withoutBest + 1.0);
        QVERIFY(withoutWorst > randomMedian);
    }
};

QTEST_APPLESS_MAIN(TestAnalysisCorpus)
#include "tst_analysis_corpus.moc"
