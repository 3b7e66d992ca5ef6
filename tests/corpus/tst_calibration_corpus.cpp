// Calibration on real models and images from ../shared/corpus:
//  - converterQuantParams() against Google's converter: the STM32 VWW int8 model keeps
//    each activation's calibrated min/max next to the scale and zero point the
//    converter derived from them; ours must be identical, bit for bit.
//  - Calibrating the float Teachable Machine MobileNetV2 (224x224) on ImageNet samples:
//    every statistic against values read back from the interpreter after each image,
//    ReLU6 outputs inside [0, 6], every range policy, the ranges file and the
//    statistics file round trips.
#include <QDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>

#include "data/image_input.h"
#include "io/model_loader.h"
#include "quant/calibration_run.h"
#include "quant/range_policies.h"
#include "quant/ranges_json.h"
#include "runtime/interpreter.h"
#include "tflite_schema_generated.h"
#include "test_support.h"
#include "util/sha256.h"

using namespace rf;

namespace {

std::vector<std::string> imagenetImages(const std::string& shared, size_t count)
{
    QDir dir(QString::fromStdString(shared + "/corpus/images/imagenet"));
    std::vector<std::string> paths;
    for (const QString& name : dir.entryList({"*.JPEG", "*.jpg", "*.png"}, QDir::Files, QDir::Name)) {
        paths.push_back(dir.filePath(name).toStdString());
        if (paths.size() == count) break;
    }
    return paths;
}

} // namespace

class TestCalibrationCorpus : public QObject {
    Q_OBJECT
private slots:
    void converterParamsEqualGooglesConverter()
    {
        const std::optional<std::string> shared = test::sharedDir();
        if (!shared) QSKIP(test::sharedMissingMessage().c_str());
        const std::string path = *shared + "/corpus/pairs/st_mobilenet_v1_0.25_96_vww/model.tflite";
        const std::vector<uint8_t> bytes = test::readFileBytes(path);
        QVERIFY2(!bytes.empty(), path.c_str());
        flatbuffers::Verifier verifier(bytes.data(), bytes.size());
        QVERIFY(tflite::VerifyModelBuffer(verifier));
        const tflite::Model* model = tflite::GetModel(bytes.data());
        const tflite::SubGraph* subgraph = model->subgraphs()->Get(0);
        int checked = 0;
        for (const tflite::Tensor* tensor : *subgraph->tensors()) {
            const tflite::QuantizationParameters* q = tensor->quantization();
            if (!q || !q->min() || q->min()->size() != 1 || !q->scale() || q->scale()->size() != 1) continue;
            // Activations only: constants (weights) use symmetric parameters.
            const auto* buffer = model->buffers()->Get(tensor->buffer());
            if (buffer && buffer->data() && buffer->data()->size() > 0) continue;
            QCOMPARE(static_cast<int>(tensor->type()), static_cast<int>(tflite::TensorType::INT8));
            const TensorRange range{q->min()->Get(0), q->max()->Get(0)};
            Result<ActivationQuantParams> ours = converterQuantParams(range, DType::Int8);
            QVERIFY2(ours.isOk(), ours.message().c_str());
            const std::string label = tensor->name()->str() + " [" + std::to_string(range.min) + ", " +
                                      std::to_string(range.max) + "]";
            QVERIFY2(ours.value().scale == q->scale()->Get(0),
                     qPrintable(QString("%1: scale %2 vs Google %3").arg(label.c_str()).arg(ours.value().scale, 0, 'g', 9)
                                    .arg(q->scale()->Get(0), 0, 'g', 9)));
            QVERIFY2(ours.value().zeroPoint == q->zero_point()->Get(0),
                     qPrintable(QString("%1: zero point %2 vs Google %3").arg(label.c_str()).arg(ours.value().zeroPoint)
                                    .arg(q->zero_point()->Get(0))));
            ++checked;
        }
        // The input, 27 ReLU outputs, pooling, reshape and the dense output.
        QVERIFY2(checked >= 30, qPrintable(QString("only %1 activation tensors checked").arg(checked)));
    }

    void calibrateFloatMobileNetOnImages()
    {
        const std::optional<std::string> shared = test::sharedDir();
        if (!shared) QSKIP(test::sharedMissingMessage().c_str());
        const std::string modelPath = *shared + "/corpus/pairs/tm_cat_dog_jana/model_unquant.tflite";
        Result<Graph> graph = loadModelFile(modelPath);
        QVERIFY2(graph.isOk(), graph.message().c_str());
        const std::vector<std::string> images = imagenetImages(*shared, 6);
        QCOMPARE(images.size(), size_t{6});
        const Tensor& inputTensor = graph.value().tensors[graph.value().inputs[0]];
        std::vector<TensorValue> inputs;
        for (const std::string& image : images) {
            Result<TensorValue> value = imageToInputTensor(image, inputTensor);
            QVERIFY2(value.isOk(), value.message().c_str());
            inputs.push_back(std::move(value).value());
        }
        const auto provider = [&](size_t i, Interpreter& interpreter) {
            return interpreter.setInput(0, inputs[i].bytes(), inputs[i].byteSize());
        };

        Result<std::unique_ptr<Interpreter>> created = Interpreter::create(graph.value());
        QVERIFY2(created.isOk(), created.message().c_str());
        Interpreter& interpreter = *created.value();
        CalibrationRunOptions options;
        options.sampleCount = inputs.size();
        Result<CalibrationStatistics> stats = runCalibration(interpreter, provider, options);
        QVERIFY2(stats.isOk(), stats.message().c_str());

        // Direct recomputation: run each image again and read every tensor back.
        std::map<int32_t, std::pair<float, float>> global;
        std::map<int32_t, std::vector<float>> perSampleMax;
        for (size_t i = 0; i < inputs.size(); ++i) {
            QVERIFY(provider(i, interpreter).isOk());
            QVERIFY(interpreter.invoke().isOk());
            for (const TensorStatistics& t : stats.value().tensors) {
                const TensorValue& value = interpreter.tensorValue(t.tensorIndex);
                const auto span = value.span<float>();
                const auto [lo, hi] = std::minmax_element(span.begin(), span.end());
                auto& g = global.try_emplace(t.tensorIndex, *lo, *hi).first->second;
                g.first = std::min(g.first, *lo);
                g.second = std::max(g.second, *hi);
                perSampleMax[t.tensorIndex].push_back(*hi);
            }
        }
        size_t observed = 0;
        for (const Tensor& tensor : graph.value().tensors)
            if (CalibrationObserver::isObserved(tensor)) ++observed;
        QCOMPARE(stats.value().tensors.size(), observed);
        QVERIFY(observed > 60);
        for (const TensorStatistics& t : stats.value().tensors) {
            const Tensor& tensor = graph.value().tensors[t.tensorIndex];
            QCOMPARE(t.count, static_cast<uint64_t>(tensor.elementCount()) * inputs.size());
            QCOMPARE(t.histogram.total(), t.count);
            QCOMPARE(t.min, global[t.tensorIndex].first);
            QCOMPARE(t.max, global[t.tensorIndex].second);
            QCOMPARE(t.sampleMax, perSampleMax[t.tensorIndex]);
            QVERIFY((t.max - t.min) / t.histogram.binWidth() >= 2047.0 || t.max == t.min);
        }
        // Image inputs normalised to [-1, 1]; fused ReLU6 outputs inside [0, 6].
        const TensorStatistics* input = stats.value().find(inputTensor.name);
        QVERIFY(input && input->min >= -1.0f && input->max <= 1.0f && input->min < -0.9f);
        int relu6 = 0;
        for (const Op& op : graph.value().ops) {
            if (op.attrs.activation != FusedActivation::Relu6 || op.type == OpType::Unsupported) continue;
            const TensorStatistics* out = stats.value().find(graph.value().tensors[op.outputs[0]].name);
            QVERIFY(out);
            QVERIFY(out->min >= 0.0f && out->max <= 6.0f);
            ++relu6;
        }
        QVERIFY(relu6 >= 20);

        // Every policy gives a range inside the observed one for every tensor.
        for (RangeMethod method : {RangeMethod::MinMax, RangeMethod::MovingAverage, RangeMethod::Percentile,
                                   RangeMethod::KlDivergence, RangeMethod::Mse}) {
            RangePolicy policy;
            policy.method = method;
            std::vector<std::string> warnings;
            Result<RangeTable> table = chooseRanges(stats.value(), graph.value(), policy, {}, &warnings);
            QVERIFY2(table.isOk(), table.message().c_str());
            QVERIFY(warnings.empty());
            QCOMPARE(table.value().size(), observed);
            for (const TensorStatistics& t : stats.value().tensors) {
                const TensorRange& r = table.value().at(t.name);
                QVERIFY2(r.min <= r.max, t.name.c_str());
                if (method != RangeMethod::MovingAverage) {
                    QVERIFY2(r.min >= t.min && r.max <= t.max, qPrintable(QString::fromStdString(t.name)));
                }
                QVERIFY(converterQuantParams(r, DType::Int8).isOk());
            }
        }

        // The ranges file and the statistics file round-trip.
        RangePolicy policy;
        Result<RangeTable> table = chooseRanges(stats.value(), graph.value(), policy);
        QVERIFY(table.isOk());
        Result<std::string> sha = sha256OfFile(modelPath);
        QVERIFY(sha.isOk());
        const std::string dir = test::makeTempDir("rf-calib-corpus");
        const RangesFile file = makeRangesFile(table.value(), policy, &stats.value(), modelPath, sha.value());
        QVERIFY(saveRangesJson(dir + "/ranges.json", file, false).isOk());
        Result<RangesFile> loaded = loadRangesJson(dir + "/ranges.json");
        QVERIFY2(loaded.isOk(), loaded.message().c_str());
        QCOMPARE(loaded.value().ranges.size(), table.value().size());
        for (const auto& [name, range] : table.value()) {
            QCOMPARE(loaded.value().ranges.at(name).min, range.min);
            QCOMPARE(loaded.value().ranges.at(name).max, range.max);
        }
        std::vector<std::string> warnings;
        QVERIFY(checkRangesAgainstModel(loaded.value(), graph.value(), sha.value(), &warnings).isOk());
        QVERIFY(warnings.empty());
        QVERIFY(stats.value().save(dir + "/stats.rfcal", false).isOk());
        Result<CalibrationStatistics> reread = CalibrationStatistics::load(dir + "/stats.rfcal");
        QVERIFY2(reread.isOk(), reread.message().c_str());
        RangePolicy kl;
        kl.method = RangeMethod::KlDivergence;
        Result<RangeTable> again = chooseRanges(reread.value(), graph.value(), kl);
        Result<RangeTable> direct = chooseRanges(stats.value(), graph.value(), kl);
        QVERIFY(again.isOk() && direct.isOk());
        for (const auto& [name, range] : direct.value()) {
            QCOMPARE(again.value().at(name).min, range.min);
            QCOMPARE(again.value().at(name).max, range.max);
        }
    }
};

QTEST_APPLESS_MAIN(TestCalibrationCorpus)
#include "tst_calibration_corpus.moc"
