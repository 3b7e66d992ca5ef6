// The rangefinder-batch command line: exit codes and messages, and the oracle's
// file conventions (inputs as .npy/.csv/raw, output_<i>.{bin,json}, outputs.json,
// timing.json, intermediates/tNNNN_<name>.{bin,json}). Runs the built executable
// (RF_BATCH_EXE) on a small model built here with the flatbuffers API, so it
// needs nothing from ../shared; when the TFLite oracle is installed, the same
// run is also diffed against it file by file with the oracle's compare.js.

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>
#include <cmath>
#include <cstring>

#include "image_test_helpers.h"
#include "io/npy.h"
#include "oracle_runner.h"
#include "test_support.h"
#include "tflite_schema_generated.h"

using namespace rf;

namespace {

struct Result3 {
    int exitCode = -1;
    QString out;
    QString err;
};

Result3 runBatch(const QStringList& args)
{
    QProcess process;
    process.start(RF_BATCH_EXE, args);
    Result3 result;
    if (!process.waitForFinished(120000)) {
        process.kill();
        process.waitForFinished();
        result.err = "timed out";
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

/// out = (a + b) + a, float32 [1, 4]: two ADD ops, so there is one intermediate
/// ('block/sum:0', tensor 2, whose file name needs sanitizing). With
/// `customOp`, the second op is a CUSTOM op the core cannot run.
std::vector<uint8_t> buildAddModel(bool customOp = false)
{
    using namespace flatbuffers;
    FlatBufferBuilder fbb;
    std::vector<Offset<tflite::OperatorCode>> opcodes = {
        tflite::CreateOperatorCodeDirect(fbb, 0, nullptr, 1, tflite::BuiltinOperator::ADD)};
    if (customOp)
        opcodes.push_back(tflite::CreateOperatorCodeDirect(fbb, 32, "MyCustomOp", 1, tflite::BuiltinOperator::CUSTOM));
    const std::vector<int32_t> shape = {1, 4};
    std::vector<Offset<tflite::Tensor>> tensors;
    for (const char* name : {"input_a", "input_b", "block/sum:0", "out"})
        tensors.push_back(tflite::CreateTensorDirect(fbb, &shape, tflite::TensorType::FLOAT32, 0, name));
    std::vector<Offset<tflite::Operator>> ops;
    const std::vector<int32_t> in1 = {0, 1}, out1 = {2}, in2 = {2, 0}, out2 = {3};
    ops.push_back(tflite::CreateOperatorDirect(fbb, 0, &in1, &out1, tflite::BuiltinOptions::AddOptions,
                                               tflite::CreateAddOptions(fbb).Union()));
    if (customOp)
        ops.push_back(tflite::CreateOperatorDirect(fbb, 1, &in2, &out2));
    else
        ops.push_back(tflite::CreateOperatorDirect(fbb, 0, &in2, &out2, tflite::BuiltinOptions::AddOptions,
                                                   tflite::CreateAddOptions(fbb).Union()));
    const std::vector<int32_t> inputs = {0, 1}, outputs = {3};
    std::vector<Offset<tflite::SubGraph>> subgraphs = {
        tflite::CreateSubGraphDirect(fbb, &tensors, &inputs, &outputs, &ops, "main")};
    std::vector<Offset<tflite::Buffer>> buffers = {tflite::CreateBufferDirect(fbb, nullptr)};
    tflite::FinishModelBuffer(fbb, tflite::CreateModelDirect(fbb, 3, &opcodes, &subgraphs, "cli test model", &buffers));
    return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

std::vector<float> readFloats(const QString& path)
{
    const std::vector<uint8_t> bytes = test::readFileBytes(path.toStdString());
    std::vector<float> values(bytes.size() / 4);
    if (!values.empty()) std::memcpy(values.data(), bytes.data(), values.size() * 4);
    return values;
}

QJsonObject readJson(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

bool writeText(const QString& path, const QByteArray& text)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(text) == text.size();
}

} // namespace

class TestBatchCli : public QObject {
    Q_OBJECT

private:
    QString dir_;
    QString model_;
    QString inputA_; // .npy float32 [1, 4]: 1 2 3 4
    QString inputB_; // .csv: 0.5 -1 10 100
    const std::vector<float> a_ = {1, 2, 3, 4};
    const std::vector<float> expected_ = {2.5f, 3, 16, 108}; // (a + b) + a

    QString freshOut(const QString& name) { return dir_ + "/" + name; }

private slots:
    void initTestCase()
    {
        QVERIFY2(QFileInfo::exists(RF_BATCH_EXE), RF_BATCH_EXE " was not built");
        dir_ = QString::fromStdString(test::makeTempDir("rf-batch-cli"));
        model_ = dir_ + "/add.tflite";
        QVERIFY(test::writeFileBytes(model_.toStdString(), buildAddModel()));
        inputA_ = dir_ + "/a.npy";
        const Status written = writeNpyFile(inputA_.toStdString(), DType::Float32, {1, 4},
                                            {reinterpret_cast<const uint8_t*>(a_.data()), 16}, OverwritePolicy::Refuse);
        QVERIFY2(written.isOk(), written.message().c_str());
        inputB_ = dir_ + "/b.csv";
        QVERIFY(writeText(inputB_, "0.5, -1\n10 100\n"));
    }

    void cleanupTestCase() { QDir(dir_).removeRecursively(); }

    void usageErrorsExitWith2()
    {
        Result3 r = runBatch({});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("usage:"), qPrintable(r.err));
        r = runBatch({"--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("rangefinder-batch run MODEL"));
        r = runBatch({"frobnicate"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("unknown command 'frobnicate'"), qPrintable(r.err));
        r = runBatch({"run", model_, inputA_, inputB_});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("missing -o OUT"), qPrintable(r.err));
        r = runBatch({"run", model_, "-o", freshOut("x"), "--kernels", "fast"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--kernels must be builtin or xnnpack, got 'fast'"), qPrintable(r.err));
        r = runBatch({"run", model_, "-o", freshOut("x"), "--threads", "0"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--threads needs an integer >= 1"), qPrintable(r.err));
        r = runBatch({"run", model_, "-o", freshOut("x"), "--bogus"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("unknown option --bogus"), qPrintable(r.err));
        QVERIFY2(!QFileInfo::exists(freshOut("x")), "a failed command created its output folder");
    }

    void infoPrintsTheModelAsJson()
    {
        const Result3 r = runBatch({"info", model_});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject info = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(info.value("description").toString(), QString("cli test model"));
        QCOMPARE(info.value("tensors").toInt(), 4);
        QCOMPARE(info.value("operators").toInt(), 2);
        QCOMPARE(info.value("op_counts").toObject().value("ADD").toInt(), 2);
        QCOMPARE(info.value("tensor_dtypes").toObject().value("float32").toInt(), 4);
        const QJsonArray inputs = info.value("inputs").toArray();
        QCOMPARE(inputs.size(), 2);
        QCOMPARE(inputs[1].toObject().value("name").toString(), QString("input_b"));
        QCOMPARE(inputs[1].toObject().value("index").toInt(), 1);
        QCOMPARE(inputs[1].toObject().value("dtype").toString(), QString("float32"));
        QCOMPARE(inputs[1].toObject().value("shape").toArray(), (QJsonArray{1, 4}));
        QVERIFY(inputs[1].toObject().value("scale").isNull());
        const QJsonArray ops = info.value("ops").toArray();
        QCOMPARE(ops.size(), 2);
        QCOMPARE(ops[1].toObject().value("type").toString(), QString("ADD"));
        QCOMPARE(ops[1].toObject().value("inputs").toArray(), (QJsonArray{2, 0}));
        QCOMPARE(ops[1].toObject().value("outputs").toArray(), (QJsonArray{3}));
        QCOMPARE(info.value("unsupported_ops").toArray().size(), 0);
    }

    void runWritesTheOracleLayout()
    {
        const QString out = freshOut("run1");
        const Result3 r = runBatch({"run", model_, inputA_, inputB_, "-o", out, "--dump-intermediates"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("output 0: out float32[1,4] scale=null zero_point=null"), qPrintable(r.out));

        QCOMPARE(readFloats(out + "/output_0.bin"), expected_);
        const QJsonObject sidecar = readJson(out + "/output_0.json");
        QCOMPARE(sidecar.keys().size(), 9);
        QCOMPARE(sidecar.value("name").toString(), QString("out"));
        QCOMPARE(sidecar.value("tensor_index").toInt(), 3);
        QCOMPARE(sidecar.value("dtype").toString(), QString("float32"));
        QCOMPARE(sidecar.value("shape").toArray(), (QJsonArray{1, 4}));
        QVERIFY(sidecar.value("scale").isNull());
        QVERIFY(sidecar.value("zero_point").isNull());
        QCOMPARE(sidecar.value("index").toInt(), 0);
        QCOMPARE(sidecar.value("file").toString(), QString("output_0.bin"));
        QCOMPARE(sidecar.value("bytes").toInt(), 16);

        // The oracle's key order, byte for byte (JSON.stringify(meta, null, 1)).
        QFile raw(out + "/output_0.json");
        QVERIFY(raw.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(raw.readAll()),
                 QString("{\n \"name\": \"out\",\n \"tensor_index\": 3,\n \"dtype\": \"float32\",\n \"shape\": [\n  1,\n  4\n ],\n"
                         " \"scale\": null,\n \"zero_point\": null,\n \"index\": 0,\n \"file\": \"output_0.bin\",\n"
                         " \"bytes\": 16\n}\n"));

        const QJsonObject manifest = readJson(out + "/outputs.json");
        QVERIFY(manifest.value("runtime").toString().startsWith("rangefinder "));
        QCOMPARE(manifest.value("kernels").toString(), QString("builtin"));
        QCOMPARE(manifest.value("threads").toInt(), 1);
        QCOMPARE(manifest.value("model_sha256").toString(), test::fileSha256(model_));
        QCOMPARE(manifest.value("inputs").toArray().size(), 2);
        QCOMPARE(manifest.value("inputs").toArray()[1].toObject().value("file").toString(), inputB_);
        QCOMPARE(manifest.value("outputs").toArray()[0].toObject().value("name").toString(), QString("out"));
        QCOMPARE(manifest.value("intermediates").toObject().value("count").toInt(), 2);

        // Intermediates: the graph output first, then op outputs; names sanitized like the oracle.
        QCOMPARE(manifest.value("intermediates").toObject().value("files").toArray(),
                 (QJsonArray{"t0003_out.bin", "t0002_block_sum_0.bin"}));
        QCOMPARE(readFloats(out + "/intermediates/t0002_block_sum_0.bin"), (std::vector<float>{1.5f, 1, 13, 104}));
        const QJsonObject sum = readJson(out + "/intermediates/t0002_block_sum_0.json");
        QCOMPARE(sum.value("name").toString(), QString("block/sum:0"));
        QCOMPARE(sum.value("op").toString(), QString("ADD"));
        QCOMPARE(sum.value("op_index").toInt(), 0);
        QCOMPARE(sum.value("tensor_index").toInt(), 2);
        QCOMPARE(readJson(out + "/intermediates/t0003_out.json").value("op_index").toInt(), 1);
        QCOMPARE(QDir(out + "/intermediates").entryList(QDir::Files).size(), 4);
    }

    void xnnpackModeThreadsAndBench()
    {
        const QString out = freshOut("bench");
        const Result3 r = runBatch({"run", model_, inputA_, inputB_, "-o", out, "--kernels", "xnnpack", "--threads", "2",
                                    "--bench", "5", "--warmup", "1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("timing: median"), qPrintable(r.out));
        QCOMPARE(readFloats(out + "/output_0.bin"), expected_);
        const QJsonObject timing = readJson(out + "/timing.json");
        QCOMPARE(timing.value("runs").toInt(), 5);
        QCOMPARE(timing.value("warmup").toInt(), 1);
        QCOMPARE(timing.value("threads").toInt(), 2);
        QCOMPARE(timing.value("kernels").toString(), QString("xnnpack"));
        const double median = timing.value("median_ms").toDouble();
        QVERIFY(timing.value("min_ms").toDouble() <= median && median <= timing.value("max_ms").toDouble());
        QVERIFY(timing.value("mean_ms").toDouble() > 0);
        const QJsonObject manifest = readJson(out + "/outputs.json");
        QCOMPARE(manifest.value("kernels").toString(), QString("xnnpack"));
        QCOMPARE(manifest.value("timing").toObject().value("runs").toInt(), 5);
    }

    void inputCountAndFill()
    {
        Result3 r = runBatch({"run", model_, inputA_, "-o", freshOut("few")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("2 input(s) (input_a, input_b), 1 given (use --fill zeros|random"), qPrintable(r.err));
        r = runBatch({"run", model_, inputA_, inputB_, inputB_, "-o", freshOut("many")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("3 input files given, the model has 2"), qPrintable(r.err));

        r = runBatch({"run", model_, inputA_, "-o", freshOut("fill"), "--fill", "zeros"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(readFloats(freshOut("fill") + "/output_0.bin"), (std::vector<float>{2, 4, 6, 8}));
        const QJsonArray inputs = readJson(freshOut("fill") + "/outputs.json").value("inputs").toArray();
        QCOMPARE(inputs[1].toObject().value("file").toString(), QString("(zeros)"));
    }

    void badInputFilesAreNamed()
    {
        const QString raw = dir_ + "/short.bin";
        QVERIFY(test::writeFileBytes(raw.toStdString(), std::vector<uint8_t>(15, 0)));
        Result3 r = runBatch({"run", model_, inputA_, raw, "-o", freshOut("bad1")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(raw + ": 15 bytes, the tensor needs 16 (4 x float32, raw little-endian)"), qPrintable(r.err));
        QVERIFY2(r.err.contains("model input 1") && r.err.contains("input_b"), qPrintable(r.err));

        const QString csv = dir_ + "/bad.csv";
        QVERIFY(writeText(csv, "1,2,three,4"));
        r = runBatch({"run", model_, inputA_, csv, "-o", freshOut("bad2")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(csv + ": 'three' at index 2 is not a number"), qPrintable(r.err));

        r = runBatch({"run", model_, dir_ + "/missing.npy", inputB_, "-o", freshOut("bad3")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(dir_ + "/missing.npy"), qPrintable(r.err));
        QVERIFY2(!QFileInfo::exists(freshOut("bad1")) && !QFileInfo::exists(freshOut("bad3")),
                 "output folders were created for failed runs");
    }

    void badModelsAreRefusedWith2()
    {
        Result3 r = runBatch({"run", dir_ + "/nope.tflite", "-o", freshOut("m1")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(dir_ + "/nope.tflite"), qPrintable(r.err));

        const QString garbage = dir_ + "/garbage.tflite";
        QVERIFY(writeText(garbage, "this is not a model at all"));
        r = runBatch({"info", garbage});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(garbage), qPrintable(r.err));

        const QString custom = dir_ + "/custom.tflite";
        QVERIFY(test::writeFileBytes(custom.toStdString(), buildAddModel(true)));
        r = runBatch({"run", custom, inputA_, inputB_, "-o", freshOut("m2")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(custom) && r.err.contains("op #1") && r.err.contains("MyCustomOp"), qPrintable(r.err));
        // info still describes it, and lists the op it cannot run.
        r = runBatch({"info", custom});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray unsupported = QJsonDocument::fromJson(r.out.toUtf8()).object().value("unsupported_ops").toArray();
        QCOMPARE(unsupported.size(), 1);
        QCOMPARE(unsupported[0].toObject().value("index").toInt(), 1);
    }

    void outputFolderIsNeverClobbered()
    {
        const QString out = freshOut("existing");
        QVERIFY(QDir().mkpath(out + "/intermediates"));
        QVERIFY(writeText(out + "/notes.txt", "mine"));
        QVERIFY(writeText(out + "/output_0.bin", "old"));
        QVERIFY(writeText(out + "/intermediates/t0099_stale.bin", "old"));

        Result3 r = runBatch({"run", model_, inputA_, inputB_, "-o", out});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("not empty (use --force"), qPrintable(r.err));
        QCOMPARE(test::readFileBytes((out + "/output_0.bin").toStdString()), (std::vector<uint8_t>{'o', 'l', 'd'}));

        r = runBatch({"run", model_, inputA_, inputB_, "-o", out, "--force"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(readFloats(out + "/output_0.bin"), expected_);
        QVERIFY2(QFileInfo::exists(out + "/notes.txt"), "--force removed a file that is not a result file");
        QVERIFY2(!QFileInfo::exists(out + "/intermediates/t0099_stale.bin"), "--force kept a stale intermediate");
        // No temporary files are left behind.
        for (const QString& name : QDir(out).entryList(QDir::Files | QDir::Hidden))
            QVERIFY2(!name.startsWith("."), qPrintable("leftover temporary file " + name));

        const QString file = dir_ + "/a-file";
        QVERIFY(writeText(file, "x"));
        r = runBatch({"run", model_, inputA_, inputB_, "-o", file});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(file + ": exists and is not a folder"), qPrintable(r.err));
    }

    // ---- image inputs (the bundled Fashion-MNIST demo model in resources/demo) ----

    void imageFolderClassifiesTheDemo()
    {
        const QString demo = QString(RF_SOURCE_DIR) + "/resources/demo";
        const QString out = freshOut("images1");
        Result3 r = runBatch({"run", demo + "/fashion_cnn.tflite", demo + "/images", "-o", out, "--preset", "unit", "--labels",
                              demo + "/labels.txt"});
        QCOMPARE(r.exitCode, 0);
        // resources/demo/README.md: the float model gets 10 of the 12 sample images right
        // (sneaker/0012 -> bag, ankle_boot/0023 -> sandal).
        QVERIFY2(r.out.contains("accuracy: top-1 10/12 = 83.33%"), qPrintable(r.out));
        QVERIFY2(r.out.contains("sneaker/0012.png: bag (8) 0.8567 [expected sneaker, WRONG]"), qPrintable(r.out));
        QVERIFY2(r.out.contains("bag/0018.png: bag (8) 0.9997 [expected bag, correct]"), qPrintable(r.out));
        const QJsonObject results = readJson(out + "/results.json");
        const QJsonArray images = results["images"].toArray();
        QCOMPARE(images.size(), 12);
        QCOMPARE(images[0].toObject()["name"].toString(), QString("ankle_boot/0000.png"));
        QCOMPARE(images[0].toObject()["folder"].toString(), QString("ankle_boot_0000"));
        QCOMPARE(images[0].toObject()["label_index"].toInt(), 9);
        QCOMPARE(results["accuracy"].toObject()["top1_correct"].toInt(), 10);
        QCOMPARE(results["preprocessing"].toObject()["preset"].toString(), QString("unit"));
        QCOMPARE(results["preprocessing"].toObject()["std_dev_values"].toArray()[0].toDouble(), 255.0);
        // One folder per image in the oracle's layout; the image run equals the prepared
        // tensor (pixel / 255) run bit for bit.
        QVERIFY(QFileInfo::exists(out + "/bag_0018/outputs.json"));
        const QString tensorOut = freshOut("images1-npy");
        r = runBatch({"run", demo + "/fashion_cnn.tflite", demo + "/inputs/bag_0018.npy", "-o", tensorOut});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(readFloats(out + "/bag_0018/output_0.bin"), readFloats(tensorOut + "/output_0.bin"));
        QVERIFY(!QFileInfo::exists(tensorOut + "/results.json"));
    }

    void singleImageWritesIntoOut()
    {
        const QString demo = QString(RF_SOURCE_DIR) + "/resources/demo";
        const QString out = freshOut("images2");
        Result3 r = runBatch({"run", demo + "/fashion_cnn.tflite", demo + "/images/trouser/0002.png", "-o", out, "--mean_values",
                              "0", "--std_dev_values", "255", "--dump-intermediates"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(QFileInfo::exists(out + "/output_0.bin"));
        QVERIFY(QFileInfo::exists(out + "/results.json"));
        // Tensor names become file names; '/' in "dense/BiasAdd" is replaced.
        QVERIFY2(QFileInfo::exists(out + "/intermediates/t0016_dense_BiasAdd.bin"), qPrintable(r.out));
        const std::vector<float> probabilities = readFloats(out + "/output_0.bin");
        QCOMPARE(probabilities.size(), size_t(10));
        QCOMPARE(int(std::max_element(probabilities.begin(), probabilities.end()) - probabilities.begin()), 1); // trouser
        QCOMPARE(readJson(out + "/outputs.json")["inputs"].toArray()[0].toObject()["file"].toString(),
                 demo + "/images/trouser/0002.png");
    }

    void idxListFileAndLimit()
    {
        const QString demo = QString(RF_SOURCE_DIR) + "/resources/demo";
        // An IDX set (gzip) of two demo images rebuilt from their prepared tensors (pixel / 255
        // is exact in float32, so pixel = round(value * 255)), labels 8 (bag) and 1 (trouser).
        std::vector<uint8_t> pixels;
        for (const char* name : {"bag_0018", "trouser_0002"}) {
            Result<NpyArray> array = readNpyFile((demo + "/inputs/" + name + ".npy").toStdString());
            QVERIFY2(array.isOk(), array.message().c_str());
            const float* values = reinterpret_cast<const float*>(array.value().data.data());
            for (int64_t i = 0; i < array.value().elementCount(); ++i)
                pixels.push_back(static_cast<uint8_t>(std::lround(values[i] * 255.0f)));
        }
        const QString idx = dir_ + "/idx/t10k-images-idx3-ubyte.gz";
        QDir().mkpath(dir_ + "/idx");
        QVERIFY(test::writeFileBytes(idx.toStdString(), test::gzipStored(test::makeIdxImages(2, 28, 28, pixels))));
        QVERIFY(test::writeFileBytes((dir_ + "/idx/t10k-labels-idx1-ubyte.gz").toStdString(),
                                     test::gzipStored(test::makeIdxLabels({8, 1}))));
        Result3 r = runBatch({"run", demo + "/fashion_cnn.tflite", idx, "-o", freshOut("images3"), "--preset", "unit",
                              "--labels", demo + "/labels.txt", "--summary-only"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("t10k-images-idx3-ubyte.gz#00000: bag (8) 0.9997 [expected bag, correct]"), qPrintable(r.out));
        QVERIFY2(r.out.contains("accuracy: top-1 2/2 = 100.00%"), qPrintable(r.out));
        QVERIFY(!QFileInfo::exists(freshOut("images3") + "/t10k-images-idx3-ubyte.gz_00000"));

        // A list file with labels relative to itself, cut to 2 entries by --limit.
        QVERIFY(writeText(dir_ + "/demo.lst", (demo + "/images/coat/0006.png coat\n" + demo +
                                               "/images/dress/0013.png dress\n" + demo + "/images/bag/0018.png bag\n")
                                                  .toUtf8()));
        r = runBatch({"run", demo + "/fashion_cnn.tflite", dir_ + "/demo.lst", "-o", freshOut("images4"), "--preset", "unit",
                      "--labels", demo + "/labels.txt", "--limit", "2", "--resize", "area"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("accuracy: top-1 2/2 = 100.00%"), qPrintable(r.out));
        QCOMPARE(readJson(freshOut("images4") + "/results.json")["images"].toArray().size(), 2);
        QCOMPARE(readJson(freshOut("images4") + "/results.json")["preprocessing"].toObject()["resize"].toString(),
                 QString("area"));
    }

    void kerasModelRunsOnImages()
    {
        // The demo's Keras .h5 (loaded by core/io/keras through loadModelFile) gives the same
        // classes as its TFLite export, within float rounding, and names intermediates after
        // the Keras layers ("batch_normalization/mul" -> "batch_normalization_mul").
        const QString demo = QString(RF_SOURCE_DIR) + "/resources/demo";
        const QString out = freshOut("images-h5");
        Result3 r = runBatch({"run", demo + "/fashion_cnn.h5", demo + "/images", "-o", out, "--preset", "unit", "--labels",
                              demo + "/labels.txt", "--dump-intermediates"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("accuracy: top-1 10/12 = 83.33%"), qPrintable(r.out + r.err));
        const QString tflite = freshOut("images-h5-tflite");
        r = runBatch({"run", demo + "/fashion_cnn.tflite", demo + "/images/sneaker", "-o", tflite, "--preset", "unit"});
        QCOMPARE(r.exitCode, 0);
        const std::vector<float> keras = readFloats(out + "/sneaker_0012/output_0.bin");
        const std::vector<float> converted = readFloats(tflite + "/0012/output_0.bin");
        QCOMPARE(keras.size(), size_t(10));
        QCOMPARE(converted.size(), size_t(10));
        for (size_t i = 0; i < keras.size(); ++i) QVERIFY(std::fabs(keras[i] - converted[i]) < 1e-5f);
        const QStringList files = QDir(out + "/sneaker_0012/intermediates").entryList({"*.bin"});
        QVERIFY2(files.filter(QRegularExpression("^t[0-9]{4}_conv2d_1\\.bin$")).size() == 1, qPrintable(files.join(" ")));
        for (const QString& file : files) QVERIFY2(QRegularExpression("^t[0-9]{4}_[A-Za-z0-9_.-]+\\.bin$").match(file).hasMatch(), qPrintable(file));
        r = runBatch({"info", demo + "/fashion_cnn.h5"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject info = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(info["inputs"].toArray()[0].toObject()["name"].toString(), QString("conv2d_input"));
        QCOMPARE(info["outputs"].toArray()[0].toObject()["shape"].toArray().size(), 2);
    }

    void imageOptionErrors()
    {
        const QString demo = QString(RF_SOURCE_DIR) + "/resources/demo";
        const QString model = demo + "/fashion_cnn.tflite";
        const QString image = demo + "/images/bag/0018.png";
        // A float input needs normalization; nothing is written.
        Result3 r = runBatch({"run", model, image, "-o", freshOut("imgerr1")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("input tensor 'conv2d_input' is float32: say how pixels map to it with a preset"),
                 qPrintable(r.err));
        QVERIFY(!QFileInfo::exists(freshOut("imgerr1")));
        r = runBatch({"run", model, image, "-o", freshOut("imgerr2"), "--color", "purple"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--color must be auto, rgb, bgr or gray, got 'purple'"), qPrintable(r.err));
        r = runBatch({"run", model, image, "-o", freshOut("imgerr3"), "--central-crop", "0"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--central-crop needs a fraction in (0, 1], got '0'"), qPrintable(r.err));
        r = runBatch({"run", model, image, "-o", freshOut("imgerr4"), "--preset", "imagenet"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("unknown preprocessing preset 'imagenet'"), qPrintable(r.err));
        r = runBatch({"run", model, image, "-o", freshOut("imgerr5"), "--mean_values", "1,2"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--mean_values needs one number or one per channel (3), got 2"), qPrintable(r.err));
        // RGB means for the gray demo input.
        r = runBatch({"run", model, image, "-o", freshOut("imgerr6"), "--preset", "caffe"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("color order 'bgr' needs a 3-channel input"), qPrintable(r.err));

        // A broken file among good ones: reported by name, the rest still run, exit 2.
        const QString folder = dir_ + "/mixed";
        QDir().mkpath(folder);
        QVERIFY(QFile::copy(image, folder + "/a.png"));
        QVERIFY(writeText(folder + "/b.png", "not an image"));
        r = runBatch({"run", model, folder, "-o", freshOut("imgerr7"), "--preset", "unit"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("b.png: " + folder + "/b.png: cannot decode the image"), qPrintable(r.err));
        const QJsonArray images = readJson(freshOut("imgerr7") + "/results.json")["images"].toArray();
        QCOMPARE(images.size(), 2);
        QVERIFY(images[1].toObject().contains("error"));
        QVERIFY(QFileInfo::exists(freshOut("imgerr7") + "/a/output_0.bin"));

        // The same image twice (a list file): folder names are made unique; odd characters
        // in names become '_'.
        QVERIFY(QFile::copy(image, dir_ + "/odd name #1.png"));
        QVERIFY(writeText(dir_ + "/twice.lst", "odd name #1.png\todd\nodd name #1.png\n"));
        r = runBatch({"run", model, dir_ + "/twice.lst", "-o", freshOut("imgerr8"), "--preset", "unit"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(QFileInfo::exists(freshOut("imgerr8") + "/odd_name_1/output_0.bin"), qPrintable(r.out));
        QVERIFY2(QFileInfo::exists(freshOut("imgerr8") + "/odd_name_1_2/output_0.bin"), qPrintable(r.out));
        // A label that names no class is reported, and no accuracy is claimed.
        QVERIFY2(r.out.contains("[label 'odd' not among the classes]"), qPrintable(r.out));
        // A second run into the same OUT is refused without --force, replaced with it.
        r = runBatch({"run", model, dir_ + "/twice.lst", "-o", freshOut("imgerr8"), "--preset", "unit"});
        QCOMPARE(r.exitCode, 2);
        r = runBatch({"run", model, dir_ + "/twice.lst", "-o", freshOut("imgerr8"), "--preset", "unit", "--force"});
        QCOMPARE(r.exitCode, 0);
    }

    void oracleCompareToolReadsOurFiles()
    {
        // The point of the shared layout: the oracle's own compare.js diffs our files
        // against its output, file by file. Needs the installed oracle (Node).
        const test::OracleInstall oracle = test::installedOracle();
        if (!oracle.skipReason.isEmpty() || !oracle.error.isEmpty()) {
            // Not QSKIP: ctest would report the whole executable as skipped.
            qWarning("not compared with the oracle: %s", qPrintable(oracle.skipReason + oracle.error));
            return;
        }
        const QString ours = freshOut("vs-oracle");
        const Result3 r = runBatch({"run", model_, inputA_, inputB_, "-o", ours, "--dump-intermediates", "--kernels", "xnnpack"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const test::OracleRun run = test::runOracleCached(oracle, model_, {inputA_, inputB_}, {"--dump-intermediates"});
        QVERIFY2(run.ok, qPrintable(run.log));
        const QString compare = QFileInfo(oracle.script).absolutePath() + "/tools/compare.js";
        QStringList files = {"output_0.bin"};
        for (const QString& name : QDir(run.outDir + "/intermediates").entryList({"*.bin"}, QDir::Files))
            files << "intermediates/" + name;
        QCOMPARE(files.size(), 3);
        for (const QString& file : files) {
            QVERIFY2(QFileInfo::exists(ours + "/" + file), qPrintable("we did not write " + file));
            QProcess node;
            node.start(oracle.node, {compare, ours + "/" + file, run.outDir + "/" + file});
            QVERIFY(node.waitForFinished(60000));
            const QString line = QString::fromUtf8(node.readAllStandardOutput());
            QVERIFY2(node.exitCode() == 0 && line.startsWith("EXACT"), qPrintable(file + ": " + line));
        }
    }
};

QTEST_APPLESS_MAIN(TestBatchCli)
#include "tst_batch_cli.moc"
