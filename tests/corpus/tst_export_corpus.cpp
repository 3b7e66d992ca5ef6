// Acceptance tests of issue #4 (calibrate, quantize, export) on the real corpus:
//  1. every Keras model of ../shared/corpus (and two float .tflite models), converted by `rangefinder-batch convert` in
//     every mode, loads and runs in the real TFLite runtime (../shared/oracle, XNNPACK on)
//     and every output and intermediate tensor equals our core's in KernelMode::Xnnpack
//     (integers bit for bit, floats within 1e-5 relative);
//  2. for each pairs/st_* pair (Keras + Google's int8 model of the same weights): our
//     min/max int8 export, calibrated on one half of the corpus images and evaluated on
//     the other half (2-fold: each half is held out once, 120 evaluations), agrees with
//     the float model's top-1 at least as often as Google's int8 model, and its output
//     SQNR vs float is within 1 dB of Google's or better (table printed);
//  3. the weights and biases of that export equal Google's;
//  4. default-ranges mode runs, warns, and its loss against calibration is measured.
#include <QDir>
#include <QProcess>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "data/image_source.h"
#include "data/preprocess_options.h"
#include "io/model_loader.h"
#include "io/npy.h"
#include "io/tflite_reader.h"
#include "oracle_runner.h"
#include "quant/graph_passes.h"
#include "runtime/interpreter.h"
#include "tensor_compare.h"
#include "test_support.h"

using namespace rf;

namespace {

/// A Keras model of the corpus and how its images are normalized (its training
/// preprocessing: STM32 model-zoo config.yaml "rescaling", Teachable Machine [-1, 1],
/// MNIST [0, 1]).
struct KerasModel {
    const char* path;
    const char* preset;
};

constexpr KerasModel kKerasModels[] = {
    {"keras/mnist_cnn_keras224.h5", "unit"},
    {"keras/mnist_cnn_keras224tf.h5", "unit"},
    {"keras/mnist_cnn_keras3_12.h5", "unit"},
    {"keras/tm_keras_model_tfkeras240.h5", "mobilenet"},
    {"pairs/k3_mnist_edge_cnn/keras_model.h5", "unit"},
    {"pairs/tm_cat_dog_jana/keras_model.h5", "mobilenet"},
    {"pairs/st_mobilenet_v1_0.25_224_flowers/keras_model.h5", "mobilenet"},
    {"pairs/st_mobilenet_v1_0.25_96_vww/keras_model.h5", "unit"},
    {"pairs/st_resnet_v1_8_32_cifar10/keras_model.h5", "unit"},
    {"pairs/st_stmnist_v1_emnist/keras_model.h5", "unit"},
    // Float .tflite sources (--float_model): the converter's float output of a Keras model.
    {"pairs/k3_mnist_edge_cnn/model_unquant.tflite", "unit"},
    {"pairs/tm_cat_dog_jana/model_unquant.tflite", "mobilenet"},
};

/// The conversion modes checked against the oracle, as convert arguments.
struct ModeCase {
    const char* name;
    QStringList args;
};

const std::vector<ModeCase>& modeCases()
{
    static const std::vector<ModeCase> cases{
        {"float", {"--inference_type", "FLOAT"}},
        {"float16", {"--inference_type", "FLOAT16"}},
        {"dynamic_range", {"--inference_type", "DYNAMIC_RANGE"}},
        {"int8", {"--inference_type", "INT8"}},
        {"int8_uint8io", {"--inference_type", "INT8", "--inference_input_type", "UINT8", "--inference_output_type", "UINT8"}},
        {"int8_per_tensor", {"--inference_type", "INT8", "--per_tensor", "--inference_input_type", "INT8"}},
        {"uint8_legacy", {"--inference_type", "QUANTIZED_UINT8"}},
        {"int16x8", {"--inference_type", "INT16X8"}},
        {"int8_float_softmax", {"--inference_type", "INT8", "--float_layers", "SOFTMAX"}},
    };
    return cases;
}

/// The 120 ImageNet sample images, sorted; the first half calibrates, the second is held out.
std::vector<std::string> corpusImages(const std::string& shared)
{
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(shared + "/corpus/images/imagenet"))
        if (entry.is_regular_file()) files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

std::string writeList(const std::string& dir, const std::string& name, const std::vector<std::string>& files)
{
    const std::string path = dir + "/" + name;
    std::string text;
    for (const std::string& f : files) text += f + "\n";
    rf::test::writeFileBytes(path, std::vector<uint8_t>(text.begin(), text.end()));
    return path;
}

struct ConvertRun {
    int exitCode = -1;
    QString stderrText;
};

ConvertRun runConvert(const QStringList& args)
{
    QProcess process;
    process.start(RF_BATCH_EXE, QStringList{"convert", "--quiet"} + args);
    ConvertRun run;
    if (!process.waitForFinished(20 * 60 * 1000)) {
        run.stderrText = "convert did not finish";
        return run;
    }
    run.exitCode = process.exitCode();
    run.stderrText = QString::fromUtf8(process.readAllStandardError());
    return run;
}

/// The input value of `graph` for an image file, through the corpus preprocessing.
Result<TensorValue> imageInput(const Graph& graph, const std::string& image, const char* preset,
                               ResizeMethod resize = ResizeMethod::Bilinear)
{
    RF_ASSIGN_OR_RETURN(ImageSource source, ImageSource::open(image));
    PreprocessOptions options;
    RF_RETURN_IF_ERROR(applyPreset(preset, options));
    options.resize = resize;
    return source.loadTensor(0, graph.tensors[static_cast<size_t>(graph.inputs[0])], options);
}

/// Output 0 of `graph` for one input, dequantized to float.
Result<std::vector<float>> runToFloat(Interpreter& interpreter, const TensorValue& input)
{
    RF_RETURN_IF_ERROR(interpreter.setInput(0, input.bytes(), input.byteSize()));
    RF_RETURN_IF_ERROR(interpreter.invoke());
    const TensorValue& out = interpreter.output(0);
    const Tensor& t = interpreter.graph().tensors[static_cast<size_t>(interpreter.graph().outputs[0])];
    std::vector<float> values(static_cast<size_t>(out.elementCount()));
    for (size_t i = 0; i < values.size(); ++i) {
        switch (out.dtype()) {
        case DType::Float32: values[i] = out.data<float>()[i]; break;
        case DType::Int8: values[i] = t.quant.scale() * static_cast<float>(out.data<int8_t>()[i] - t.quant.zeroPoint()); break;
        case DType::UInt8: values[i] = t.quant.scale() * static_cast<float>(out.data<uint8_t>()[i] - t.quant.zeroPoint()); break;
        default: return Status::error("unexpected output type");
        }
    }
    return values;
}

int argmax(const std::vector<float>& v)
{
    return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

/// Agreement and SQNR of a quantized model against the float model over images.
struct Fidelity {
    int images = 0;
    int agree = 0;
    double signal = 0, noise = 0;
    double sqnrDb() const { return noise == 0 ? 999.0 : 10.0 * std::log10(signal / noise); }
    Fidelity& operator+=(const Fidelity& other)
    {
        images += other.images;
        agree += other.agree;
        signal += other.signal;
        noise += other.noise;
        return *this;
    }
};

Result<Fidelity> measure(const Graph& floatGraph, const Graph& quantGraph, const std::vector<std::string>& images,
                         const char* preset, ResizeMethod resize)
{
    RF_ASSIGN_OR_RETURN(auto floatRun, Interpreter::create(floatGraph));
    RF_ASSIGN_OR_RETURN(auto quantRun, Interpreter::create(quantGraph));
    Fidelity f;
    for (const std::string& image : images) {
        RF_ASSIGN_OR_RETURN(TensorValue fin, imageInput(floatGraph, image, preset, resize));
        RF_ASSIGN_OR_RETURN(TensorValue qin, imageInput(quantGraph, image, preset, resize));
        RF_ASSIGN_OR_RETURN(std::vector<float> fo, runToFloat(*floatRun, fin));
        RF_ASSIGN_OR_RETURN(std::vector<float> qo, runToFloat(*quantRun, qin));
        if (fo.size() != qo.size()) return Status::error("output sizes differ");
        ++f.images;
        if (argmax(fo) == argmax(qo)) ++f.agree;
        for (size_t i = 0; i < fo.size(); ++i) {
            f.signal += double(fo[i]) * fo[i];
            f.noise += double(fo[i] - qo[i]) * (fo[i] - qo[i]);
        }
    }
    return f;
}

/// The constant weight/bias tensors of the conv/dense ops of a graph, in op order.
struct AffineTensors {
    std::string op;
    const Tensor* weights = nullptr;
    const Tensor* bias = nullptr;
    const Tensor* input = nullptr;
};

std::vector<AffineTensors> affineOps(const Graph& g)
{
    std::vector<AffineTensors> out;
    for (size_t i = 0; i < g.ops.size(); ++i) {
        const Op& op = g.ops[i];
        if (op.type != OpType::Conv2D && op.type != OpType::DepthwiseConv2D && op.type != OpType::FullyConnected) continue;
        AffineTensors a;
        a.op = g.opLabel(i);
        a.input = &g.tensors[static_cast<size_t>(op.inputs[0])];
        a.weights = &g.tensors[static_cast<size_t>(op.inputs[1])];
        if (op.inputs.size() > 2 && op.inputs[2] >= 0) a.bias = &g.tensors[static_cast<size_t>(op.inputs[2])];
        out.push_back(a);
    }
    return out;
}

} // namespace

class TestExportCorpus : public QObject {
    Q_OBJECT

private:
    std::string shared_;
    std::string work_;
    rf::test::OracleInstall oracle_;
    /// The 120 corpus images in two halves (folds) and their list files; the first half
    /// also calibrates the must-show-1 exports, the second provides their test input.
    std::vector<std::string> folds_[2];
    std::string foldLists_[2];
    std::string calibrationList_;
    std::vector<std::string> heldOut_;

private slots:
    void initTestCase()
    {
        const auto shared = rf::test::sharedDir();
        if (!shared) QSKIP(rf::test::sharedMissingMessage().c_str());
        shared_ = *shared;
        work_ = rf::test::makeTempDir("rf_export_corpus");
        const std::vector<std::string> images = corpusImages(shared_);
        QVERIFY(images.size() >= 40);
        const size_t half = images.size() / 2;
        folds_[0].assign(images.begin(), images.begin() + static_cast<long>(half));
        folds_[1].assign(images.begin() + static_cast<long>(half), images.end());
        foldLists_[0] = writeList(work_, "fold_a.txt", folds_[0]);
        foldLists_[1] = writeList(work_, "fold_b.txt", folds_[1]);
        calibrationList_ = foldLists_[0];
        heldOut_ = folds_[1];
    }

    // ---- must-show 1: every mode runs in TFLite and equals our core bit for bit ------

    void oracleIdentity_data()
    {
        QTest::addColumn<int>("model");
        QTest::addColumn<int>("mode");
        for (size_t m = 0; m < std::size(kKerasModels); ++m)
            for (size_t k = 0; k < modeCases().size(); ++k)
                QTest::newRow((std::string(kKerasModels[m].path) + " " + modeCases()[k].name).c_str())
                    << static_cast<int>(m) << static_cast<int>(k);
    }

    void oracleIdentity()
    {
        QFETCH(int, model);
        QFETCH(int, mode);
        if (oracle_.script.isEmpty() && oracle_.skipReason.isEmpty() && oracle_.error.isEmpty())
            oracle_ = rf::test::installedOracle();
        if (!oracle_.error.isEmpty()) QFAIL(qPrintable(oracle_.error));
        if (oracle_.script.isEmpty()) QSKIP(qPrintable(oracle_.skipReason));
        const KerasModel& km = kKerasModels[model];
        const ModeCase& mc = modeCases()[static_cast<size_t>(mode)];
        const std::string source = shared_ + "/corpus/" + km.path;
        const std::string out = work_ + "/" + QString(km.path).replace('/', '_').toStdString() + "_" + mc.name + ".tflite";
        const bool isTflite = QString(km.path).endsWith(".tflite");
        QStringList args{isTflite ? "--float_model" : "--keras_model_file", QString::fromStdString(source), "--output_file", QString::fromStdString(out),
                         "--force", "--preset", km.preset};
        args += mc.args;
        if (std::string(mc.name) != "float" && std::string(mc.name) != "float16" && std::string(mc.name) != "dynamic_range")
            args += QStringList{"--calibration_images", QString::fromStdString(calibrationList_), "--calibration_limit", "16"};
        if (std::string(mc.name) == "uint8_legacy")
            args += std::string(km.preset) == "unit" ? QStringList{"--mean_values", "0", "--std_dev_values", "255"}
                                                       : QStringList{"--mean_values", "127.5", "--std_dev_values", "127.5"};
        const ConvertRun run = runConvert(args);
        QVERIFY2(run.exitCode == 0, qPrintable("convert failed: " + args.join(' ') + "\n" + run.stderrText));

        auto loaded = readTfliteFile(out);
        QVERIFY2(loaded.isOk(), loaded.message().c_str());
        const Graph& graph = loaded.value();
        auto input = imageInput(graph, heldOut_.front(), km.preset);
        QVERIFY2(input.isOk(), input.message().c_str());
        const TensorValue& v = input.value();
        const std::string inputFile = out + ".input.npy";
        const Status written = writeNpyFile(inputFile, v.dtype(), v.shape(),
                                            {reinterpret_cast<const uint8_t*>(v.bytes()), v.byteSize()}, OverwritePolicy::Replace);
        QVERIFY2(written.isOk(), written.message().c_str());
        const rf::test::OracleRun oracleRun =
            rf::test::runOracleCached(oracle_, QString::fromStdString(out), {QString::fromStdString(inputFile)}, {"--dump-intermediates"});
        QVERIFY2(oracleRun.ok, qPrintable("the TFLite oracle failed on " + QString::fromStdString(out) + ":\n" + oracleRun.log));
        std::vector<std::vector<uint8_t>> inputs{{reinterpret_cast<const uint8_t*>(v.bytes()),
                                                  reinterpret_cast<const uint8_t*>(v.bytes()) + v.byteSize()}};
        auto ours = rf::test::runAndCapture(graph, KernelMode::Xnnpack, inputs);
        QVERIFY2(ours.isOk(), ours.message().c_str());
        // DEQUANTIZE of float16 constants is folded into XNNPACK's weights: never materialized.
        const rf::test::ExcludeTensor notMaterialized = [](const Graph& g, int32_t t) -> std::string {
            for (const Op& op : g.ops)
                if (op.type == OpType::Dequantize && op.outputs[0] == t && g.tensors[static_cast<size_t>(op.inputs[0])].isConstant)
                    return "DEQUANTIZE of a constant (never materialized under XNNPACK)";
            return {};
        };
        const rf::test::DumpComparison comparison =
            rf::test::compareWithDump(graph, ours.value(), oracleRun.outDir.toStdString(), {}, notMaterialized);
        QVERIFY(comparison.compared > 0);
        qInfo("%s: %d tensors compared with TFLite, %d mismatched", QTest::currentDataTag(), comparison.compared,
              comparison.mismatched);
        QVERIFY2(comparison.mismatched == 0, qPrintable(QString::fromStdString(comparison.report())));
    }

    // ---- must-shows 2-4: the STM32 pairs against Google's int8 models ----------------

    void pairsAgainstGoogle_data()
    {
        QTest::addColumn<QString>("pair");
        QTest::addColumn<QString>("preset");
        QTest::newRow("st_mobilenet_v1_0.25_224_flowers") << "st_mobilenet_v1_0.25_224_flowers" << "mobilenet";
        QTest::newRow("st_mobilenet_v1_0.25_96_vww") << "st_mobilenet_v1_0.25_96_vww" << "unit";
        QTest::newRow("st_resnet_v1_8_32_cifar10") << "st_resnet_v1_8_32_cifar10" << "unit";
        QTest::newRow("st_stmnist_v1_emnist") << "st_stmnist_v1_emnist" << "unit";
    }

    void pairsAgainstGoogle()
    {
        QFETCH(QString, pair);
        QFETCH(QString, preset);
        const std::string dir = shared_ + "/corpus/pairs/" + pair.toStdString();
        const std::string presetName = preset.toStdString();
        const std::string keras = dir + "/keras_model.h5";
        const std::string defaults = work_ + "/" + pair.toStdString() + "_default_ranges.tflite";
        auto floatGraph = loadModelFile(keras);
        QVERIFY2(floatGraph.isOk(), floatGraph.message().c_str());
        Graph folded = floatGraph.value();
        QVERIFY(runConverterPasses(folded).isOk());
        auto google = readTfliteFile(dir + "/model.tflite");
        QVERIFY2(google.isOk(), google.message().c_str());

        // Must-show 2: 2-fold held-out evaluation. Each half of the images calibrates an
        // export (min/max, as the converter) that is evaluated on the other half, so all
        // 120 images are held-out evaluations (60 would make one image 1.7 points of
        // agreement). The photos are larger than every model input (96 to 224 px, CIFAR
        // 32 px, EMNIST 28 px) and are downscaled with area averaging (antialiased), as
        // the models' own datasets were: plain bilinear decimation aliases, and the
        // resulting pixel-level peaks widen min/max ranges (VWW: deep-layer ranges 1.5-2.3x
        // Google's); the bilinear figures are printed too, for the README.
        Fidelity o, obilinear, g, gbilinear, d;
        std::optional<Graph> ourFirstFold;
        for (int fold = 0; fold < 2; ++fold) {
            const std::string ours = work_ + "/" + pair.toStdString() + "_minmax_fold" + std::to_string(fold) + ".tflite";
            const ConvertRun calibrated =
                runConvert({"--keras_model_file", QString::fromStdString(keras), "--output_file", QString::fromStdString(ours),
                            "--force", "--preset", preset, "--resize", "area", "--calibration_images",
                            QString::fromStdString(foldLists_[fold])});
            QVERIFY2(calibrated.exitCode == 0, qPrintable(calibrated.stderrText));
            auto ourGraph = readTfliteFile(ours);
            QVERIFY2(ourGraph.isOk(), ourGraph.message().c_str());
            const std::vector<std::string>& heldOut = folds_[1 - fold];
            auto ourFid = measure(floatGraph.value(), ourGraph.value(), heldOut, presetName.c_str(), ResizeMethod::Area);
            QVERIFY2(ourFid.isOk(), ourFid.message().c_str());
            o += ourFid.value();
            if (fold == 0) ourFirstFold = std::move(ourGraph.value());

            const std::string bilinear = work_ + "/" + pair.toStdString() + "_bilinear_fold" + std::to_string(fold) + ".tflite";
            const ConvertRun bilinearRun =
                runConvert({"--keras_model_file", QString::fromStdString(keras), "--output_file",
                            QString::fromStdString(bilinear), "--force", "--preset", preset, "--calibration_images",
                            QString::fromStdString(foldLists_[fold])});
            QVERIFY2(bilinearRun.exitCode == 0, qPrintable(bilinearRun.stderrText));
            auto bilinearGraph = readTfliteFile(bilinear);
            QVERIFY2(bilinearGraph.isOk(), bilinearGraph.message().c_str());
            auto bilinearFid =
                measure(floatGraph.value(), bilinearGraph.value(), heldOut, presetName.c_str(), ResizeMethod::Bilinear);
            QVERIFY2(bilinearFid.isOk(), bilinearFid.message().c_str());
            obilinear += bilinearFid.value();
        }
        for (int fold = 0; fold < 2; ++fold) {
            auto googleFid = measure(floatGraph.value(), google.value(), folds_[fold], presetName.c_str(), ResizeMethod::Area);
            QVERIFY2(googleFid.isOk(), googleFid.message().c_str());
            g += googleFid.value();
            auto googleBilinear =
                measure(floatGraph.value(), google.value(), folds_[fold], presetName.c_str(), ResizeMethod::Bilinear);
            QVERIFY2(googleBilinear.isOk(), googleBilinear.message().c_str());
            gbilinear += googleBilinear.value();
        }

        // Must-show 4: default ranges run, warn, and cost accuracy against calibration.
        const ConvertRun defaulted = runConvert({"--keras_model_file", QString::fromStdString(keras), "--output_file",
                                                 QString::fromStdString(defaults), "--force", "--default_ranges_min", "-6",
                                                 "--default_ranges_max", "6"});
        QVERIFY2(defaulted.exitCode == 0, qPrintable(defaulted.stderrText));
        QVERIFY2(defaulted.stderrText.contains("WARNING") && defaulted.stderrText.contains("experiments only"),
                 qPrintable(defaulted.stderrText));
        auto defaultGraph = readTfliteFile(defaults);
        QVERIFY2(defaultGraph.isOk(), defaultGraph.message().c_str());
        for (int fold = 0; fold < 2; ++fold) {
            auto defaultFid =
                measure(floatGraph.value(), defaultGraph.value(), folds_[fold], presetName.c_str(), ResizeMethod::Area);
            QVERIFY2(defaultFid.isOk(), defaultFid.message().c_str());
            d += defaultFid.value();
        }
        qInfo("| %s | %d | ours %d/%d, SQNR %.2f dB | Google %d/%d, SQNR %.2f dB | default ranges [-6,6] %d/%d, SQNR %.2f dB "
              "| bilinear resizing: ours %d/%d, SQNR %.2f dB, Google %d/%d, SQNR %.2f dB |",
              qPrintable(pair), o.images, o.agree, o.images, o.sqnrDb(), g.agree, g.images, g.sqnrDb(), d.agree, d.images,
              d.sqnrDb(), obilinear.agree, obilinear.images, obilinear.sqnrDb(), gbilinear.agree, gbilinear.images,
              gbilinear.sqnrDb());
        const Graph& ourGraphRef = *ourFirstFold;

        // Must-show 3: weights (int8 exact, per-channel scales within 1e-6) and biases.
        const std::vector<AffineTensors> a = affineOps(ourGraphRef);
        const std::vector<AffineTensors> b = affineOps(google.value());
        const std::vector<AffineTensors> f = affineOps(folded);
        QCOMPARE(a.size(), b.size());
        QCOMPARE(a.size(), f.size());
        int64_t weightValues = 0, weightMismatches = 0, biasValues = 0, biasMismatches = 0, biasGuardedChannels = 0;
        double worstScale = 0, worstBias = 0;
        for (size_t i = 0; i < a.size(); ++i) {
            const Tensor& wa = *a[i].weights;
            const Tensor& wb = *b[i].weights;
            QCOMPARE(wa.shape, wb.shape);
            QCOMPARE(wa.quant.scales.size(), wb.quant.scales.size());
            std::vector<float> foldedBias;
            if (f[i].bias) {
                foldedBias.resize(static_cast<size_t>(f[i].bias->elementCount()));
                std::memcpy(foldedBias.data(), f[i].bias->data.data(), foldedBias.size() * 4);
            }
            // max |w| per output channel of the folded float weights (axis 0, depthwise 3).
            std::vector<float> channelMax(wa.quant.scales.size(), 0.0f);
            {
                const Tensor& fw = *f[i].weights;
                std::vector<float> w(static_cast<size_t>(fw.elementCount()));
                std::memcpy(w.data(), fw.data.data(), w.size() * 4);
                const size_t channels = channelMax.size();
                const bool lastAxis = wa.quant.axis == 3;
                const size_t inner = channels ? w.size() / channels : 1;
                for (size_t k = 0; k < w.size() && channels > 0; ++k) {
                    const size_t c = channels == 1 ? 0 : (lastAxis ? k % channels : k / inner);
                    channelMax[c] = std::max(channelMax[c], std::fabs(w[k]));
                }
            }
            for (size_t c = 0; c < wa.quant.scales.size(); ++c) {
                double ratio = std::fabs(double(wa.quant.scales[c]) / wb.quant.scales[c] - 1.0);
                // A channel whose bias would not fit int32 at the max|w| scale gets the
                // scale |bias| / 2^30 / input scale (the converter's bias guard), which
                // depends on the calibrated input scale: check it with Google's.
                if (ratio > 1e-6 && c < foldedBias.size()) {
                    const float theirs = std::fabs(foldedBias[c]) / 1073741824.0f / b[i].input->quant.scale();
                    const float mine = std::fabs(foldedBias[c]) / 1073741824.0f / a[i].input->quant.scale();
                    const float plain = (channelMax[c] + channelMax[c]) / 254.0f;
                    // Either the guard fired with their input scale, or only with ours
                    // (and their scale is the plain max|w| one).
                    // The guarded scale is proportional to the folded bias, which may differ
                    // in its last float bits from TF's (rsqrt, see the bias check below):
                    // tolerance 1e-4 here.
                    const bool theirsGuarded = std::fabs(double(theirs) / wb.quant.scales[c] - 1.0) <= 1e-4 &&
                                               (std::fabs(double(mine) / wa.quant.scales[c] - 1.0) <= 1e-5 ||
                                                std::fabs(double(plain) / wa.quant.scales[c] - 1.0) <= 1e-6);
                    const bool oursGuarded = std::fabs(double(mine) / wa.quant.scales[c] - 1.0) <= 1e-5 &&
                                             std::fabs(double(plain) / wb.quant.scales[c] - 1.0) <= 1e-6;
                    if (theirsGuarded || oursGuarded) {
                        ++biasGuardedChannels;
                        ratio = 0;
                    }
                }
                if (ratio > 1e-6 && ratio > worstScale)
                    qInfo("  %s channel %zu: scale %.9g, Google %.9g (max|w| %.9g, bias %.9g, input scales %.9g / %.9g)",
                          a[i].op.c_str(), c, double(wa.quant.scales[c]), double(wb.quant.scales[c]), double(channelMax[c]),
                          c < foldedBias.size() ? double(foldedBias[c]) : 0.0, double(a[i].input->quant.scale()),
                          double(b[i].input->quant.scale()));
                worstScale = std::max(worstScale, ratio);
            }
            for (size_t k = 0; k < wa.data.size(); ++k) {
                ++weightValues;
                if (wa.data[k] != wb.data[k]) {
                    if (weightMismatches < 5)
                        qInfo("  %s weight #%zu: %d, Google %d", a[i].op.c_str(), k, int(int8_t(wa.data[k])), int(int8_t(wb.data[k])));
                    ++weightMismatches;
                }
            }
            // Bias: our folded float bias quantized with Google's input and weight scales
            // must give Google's int32 values (their input scale comes from their calibration).
            if (!b[i].bias || !f[i].bias) continue;
            const Tensor& bb = *b[i].bias;
            const Tensor& fb = *f[i].bias;
            for (int64_t c = 0; c < bb.elementCount(); ++c) {
                float fv = 0;
                std::memcpy(&fv, fb.data.data() + 4 * c, 4);
                int32_t gv = 0;
                std::memcpy(&gv, bb.data.data() + 4 * c, 4);
                const float scale = b[i].input->quant.scale() * wb.quant.scale(static_cast<size_t>(c));
                const auto expected = static_cast<int64_t>(std::round(double(fv) / double(scale)));
                ++biasValues;
                if (expected != gv) {
                    ++biasMismatches;
                    // One unit is a rounding tie moved by float folding; beyond that, relative.
                    if (std::llabs(expected - gv) > 1)
                        worstBias = std::max(worstBias, std::fabs(double(expected - gv)) / std::max(1.0, std::fabs(double(gv))));
                }
            }
        }
        qInfo("%s weights: %lld int8 values, %lld differ; worst per-channel scale ratio |s/s_google - 1| = %.3g "
              "(%lld channels scaled by the bias guard, checked with Google's input scale); biases: %lld values, %lld "
              "differ, worst relative difference beyond +-1 %.3g",
              qPrintable(pair), static_cast<long long>(weightValues), static_cast<long long>(weightMismatches), worstScale,
              static_cast<long long>(biasGuardedChannels), static_cast<long long>(biasValues),
              static_cast<long long>(biasMismatches), worstBias);
        QVERIFY2(worstScale <= 1e-6, "per-channel weight scales differ from Google's by more than 1e-6");
        QVERIFY2(weightMismatches == 0, "int8 weights differ from Google's");
        // Biases: the Keras loader folds BatchNormalization like TensorFlow, in float32 and
        // in TF's order (rsqrt(var + eps) * gamma, then beta - mean * m), but TF's rsqrt on
        // a constant tensor is Eigen's vectorized fast path (the CPU's rsqrt estimate plus
        // one Newton step), whose last bits depend on the machine that ran the converter;
        // ours is the correctly rounded 1 / sqrt. So folded biases may differ in the last
        // float bits; an int32 bias near 2^30 (guarded channels) shows one float ulp as
        // tens of units. Measured: at most 9.4e-7 relative (VWW, guarded channels) beyond
        // off-by-one ties; 2e-6 bounds it (it was 2.3e-5 when the fold ran in double).
        QVERIFY2(worstBias <= 2e-6, "int32 biases differ from Google's by more than float rounding of the folding");
        // Must-show 2's criterion, on the 2-fold held-out evaluation above.
        const bool fidelityOk = o.agree >= g.agree && o.sqnrDb() >= g.sqnrDb() - 1.0;
        QVERIFY2(fidelityOk, "our int8 export agrees less often than Google's, or its SQNR is more than 1 dB below");
    }
};

QTEST_APPLESS_MAIN(TestExportCorpus)
#include "tst_export_corpus.moc"
