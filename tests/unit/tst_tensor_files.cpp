// The oracle's tensor file conventions (core/io/tensor_files.h): input loading
// (.npy with conversion, .csv/.txt, raw), the oracle's fill bytes and file-name
// sanitization, sidecar JSON text, manifests and timing, and the read-back path.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <cstring>
#include <filesystem>

#include "io/npy.h"
#include "io/tensor_files.h"
#include "test_support.h"
#include "util/sha256.h"

using namespace rf;

namespace {

template <typename T>
std::vector<T> as(const std::vector<uint8_t>& bytes)
{
    std::vector<T> values(bytes.size() / sizeof(T));
    if (!values.empty()) std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
    return values;
}

template <typename T>
std::span<const uint8_t> bytesOf(const std::vector<T>& values)
{
    return {reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(T)};
}

std::string writeText(const std::string& path, const std::string& text)
{
    test::writeFileBytes(path, std::vector<uint8_t>(text.begin(), text.end()));
    return path;
}

} // namespace

class TestTensorFiles : public QObject {
    Q_OBJECT

private:
    std::string dir_;

private slots:
    void initTestCase() { dir_ = test::makeTempDir("rf-tensor-files"); }
    void cleanupTestCase() { std::filesystem::remove_all(dir_); }

    void sanitizesNamesLikeTheOracle_data()
    {
        // Expected values follow tensor_io.js: s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80).
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("expected");
        QTest::newRow("path") << "MobilenetV1/Conv2d_0/Relu6" << "MobilenetV1_Conv2d_0_Relu6";
        QTest::newRow("runs collapse") << "a;b//c: d" << "a_b_c_d";
        QTest::newRow("kept punctuation") << "x-1.y_2" << "x-1.y_2";
        QTest::newRow("edges") << "/serving:0/" << "_serving_0_";
        QTest::newRow("utf8") << QString::fromUtf8("gr\xc3\xb6\xc3\x9f" "e") << "gr_e";
        QTest::newRow("long") << QString(100, 'a') << QString(80, 'a');
        QTest::newRow("long after collapse") << QString(50, 'b') + "///" + QString(50, 'c') << QString(50, 'b') + "_" + QString(29, 'c');
    }

    void sanitizesNamesLikeTheOracle()
    {
        QFETCH(QString, name);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(sanitizeTensorName(name.toStdString())), expected);
    }

    void intermediateStems()
    {
        QCOMPARE(QString::fromStdString(intermediateFileStem(3, "conv/Relu")), QString("t0003_conv_Relu"));
        QCOMPARE(QString::fromStdString(intermediateFileStem(176, "Identity")), QString("t0176_Identity"));
        QCOMPARE(QString::fromStdString(intermediateFileStem(12345, "x")), QString("t12345_x"));
    }

    void fillBytesAreTheOraclesGenerator()
    {
        // s = s * 1664525 + 1013904223 mod 2^32, byte = s >> 24, seed 12345 (input 0):
        // 12345 * 1664525 + 1013904223 = 21562855348 = 0x5_0548_B2B4 -> 0x05, and so on.
        QCOMPARE(fillInputBytes(InputFill::Random, 6, 12345), (std::vector<uint8_t>{5, 4, 139, 162, 232, 28}));
        QCOMPARE(fillInputBytes(InputFill::Zeros, 3, 12345), (std::vector<uint8_t>{0, 0, 0}));
        QCOMPARE(inputFillFromName("random"), std::optional<InputFill>(InputFill::Random));
        QVERIFY(!inputFillFromName("ones"));
    }

    void loadsNpyOfTheSameDtype()
    {
        const std::string path = dir_ + "/same.npy";
        const std::vector<int16_t> values = {-3, 0, 300, 32767};
        QVERIFY(writeNpyFile(path, DType::Int16, {2, 2}, bytesOf(values), OverwritePolicy::Replace).isOk());
        Result<std::vector<uint8_t>> bytes = loadInputFile(path, DType::Int16, 4);
        QVERIFY2(bytes.isOk(), bytes.message().c_str());
        QCOMPARE(as<int16_t>(bytes.value()), values);
        // Only the element count must match, not the shape (as in the oracle).
        QVERIFY(loadInputFile(path, DType::Int16, 4).isOk());
        Result<std::vector<uint8_t>> wrong = loadInputFile(path, DType::Int16, 5);
        QVERIFY(!wrong.isOk());
        QVERIFY2(wrong.message().find(path + ": 4 elements (shape [2, 2]), the tensor needs 5") != std::string::npos,
                 wrong.message().c_str());
    }

    void convertsNpyOfAnotherDtype()
    {
        const std::string doubles = dir_ + "/f8.npy";
        const std::vector<double> values = {-128, 0, 1, 127};
        QVERIFY(writeNpyFile(doubles, DType::Float64, {4}, bytesOf(values), OverwritePolicy::Replace).isOk());
        Result<std::vector<uint8_t>> int8s = loadInputFile(doubles, DType::Int8, 4);
        QVERIFY2(int8s.isOk(), int8s.message().c_str());
        QCOMPARE(as<int8_t>(int8s.value()), (std::vector<int8_t>{-128, 0, 1, 127}));
        Result<std::vector<uint8_t>> floats = loadInputFile(doubles, DType::Float32, 4);
        QVERIFY(floats.isOk());
        QCOMPARE(as<float>(floats.value()), (std::vector<float>{-128, 0, 1, 127}));

        // Out of range and non-integer values are refused for integer tensors, naming value and index.
        Result<std::vector<uint8_t>> uint8s = loadInputFile(doubles, DType::UInt8, 4);
        QVERIFY(!uint8s.isOk());
        QVERIFY2(uint8s.message().find("value -128 at index 0 is not a valid uint8 (range 0..255)") != std::string::npos,
                 uint8s.message().c_str());
        const std::string halves = dir_ + "/half.npy";
        const std::vector<float> fractional = {1.0f, 2.5f};
        QVERIFY(writeNpyFile(halves, DType::Float32, {2}, bytesOf(fractional), OverwritePolicy::Replace).isOk());
        Result<std::vector<uint8_t>> fractionalInts = loadInputFile(halves, DType::Int32, 2);
        QVERIFY(!fractionalInts.isOk());
        QVERIFY2(fractionalInts.message().find("value 2.5 at index 1 is not a valid int32") != std::string::npos,
                 fractionalInts.message().c_str());
        // Integers convert exactly, even beyond float precision.
        const std::string longs = dir_ + "/i8.npy";
        const std::vector<int64_t> big = {9007199254740993LL, -5};
        QVERIFY(writeNpyFile(longs, DType::Int64, {2}, bytesOf(big), OverwritePolicy::Replace).isOk());
        Result<std::vector<uint8_t>> same = loadInputFile(longs, DType::Int64, 2);
        QCOMPARE(as<int64_t>(same.value()), big);
        Result<std::vector<uint8_t>> narrowed = loadInputFile(longs, DType::Int32, 2);
        QVERIFY(!narrowed.isOk());
        QVERIFY2(narrowed.message().find("value 9007199254740993 at index 0") != std::string::npos, narrowed.message().c_str());
    }

    void loadsCsvAndTxt()
    {
        const std::string csv = writeText(dir_ + "/v.csv", "1, -2,3\n\n  +4\t-32768\r\n32767,");
        Result<std::vector<uint8_t>> int16s = loadInputFile(csv, DType::Int16, 6);
        QVERIFY2(int16s.isOk(), int16s.message().c_str());
        QCOMPARE(as<int16_t>(int16s.value()), (std::vector<int16_t>{1, -2, 3, 4, -32768, 32767}));
        const std::string txt = writeText(dir_ + "/v.TXT", "0.5 -1e-3 1e10");
        Result<std::vector<uint8_t>> floats = loadInputFile(txt, DType::Float32, 3);
        QVERIFY2(floats.isOk(), floats.message().c_str());
        QCOMPARE(as<float>(floats.value()), (std::vector<float>{0.5f, -1e-3f, 1e10f}));
        // float16 tensors: round to nearest even (bits from IEEE 754 binary16).
        const std::string halves = writeText(dir_ + "/h.csv", "1,65504,1e-8,0.333,-2.5,6e-8,3e-5");
        Result<std::vector<uint8_t>> f16 = loadInputFile(halves, DType::Float16, 7);
        QVERIFY2(f16.isOk(), f16.message().c_str());
        QCOMPARE(as<uint16_t>(f16.value()), (std::vector<uint16_t>{0x3c00, 0x7bff, 0x0000, 0x3554, 0xc100, 0x0001, 0x01f7}));

        Result<std::vector<uint8_t>> count = loadInputFile(csv, DType::Int16, 5);
        QVERIFY(!count.isOk());
        QVERIFY2(count.message().find(csv + ": 6 values, the tensor needs 5") != std::string::npos, count.message().c_str());
        Result<std::vector<uint8_t>> range = loadInputFile(csv, DType::Int8, 6);
        QVERIFY(!range.isOk());
        QVERIFY2(range.message().find("value -32768 at index 4 is not a valid int8 (range -128..127)") != std::string::npos,
                 range.message().c_str());
        const std::string bad = writeText(dir_ + "/bad.csv", "1,2,x3");
        Result<std::vector<uint8_t>> notNumber = loadInputFile(bad, DType::Float32, 3);
        QVERIFY(!notNumber.isOk());
        QVERIFY2(notNumber.message().find("'x3' at index 2 is not a number") != std::string::npos, notNumber.message().c_str());
    }

    void loadsRawBytes()
    {
        const std::string raw = dir_ + "/in.raw";
        QVERIFY(test::writeFileBytes(raw, {1, 2, 3, 4, 5, 6}));
        Result<std::vector<uint8_t>> bytes = loadInputFile(raw, DType::Int16, 3);
        QVERIFY(bytes.isOk());
        QCOMPARE(as<int16_t>(bytes.value()), (std::vector<int16_t>{0x0201, 0x0403, 0x0605}));
        Result<std::vector<uint8_t>> wrong = loadInputFile(raw, DType::Float32, 2);
        QVERIFY(!wrong.isOk());
        QVERIFY2(wrong.message() == raw + ": 6 bytes, the tensor needs 8 (2 x float32, raw little-endian)",
                 wrong.message().c_str());
        QVERIFY(!loadInputFile(dir_ + "/absent.bin", DType::Int8, 1).isOk());
    }

    void sidecarTextIsTheOracles()
    {
        TensorFileInfo info;
        info.name = "conv/Relu6";
        info.tensorIndex = 7;
        info.dtype = DType::Int8;
        info.shape = {1, 2};
        info.quant.scales = {0.0235294122248888f};
        info.quant.zeroPoints = {-128};
        info.opIndex = 2;
        info.opName = "CONV_2D";
        Result<TensorFileInfo> written =
            writeTensorFile(dir_, "t0007_conv_Relu6", info, std::vector<uint8_t>{1, 255}, OverwritePolicy::Refuse);
        QVERIFY2(written.isOk(), written.message().c_str());
        const std::vector<uint8_t> json = test::readFileBytes(dir_ + "/t0007_conv_Relu6.json");
        // JSON.stringify(meta, null, 1) of the oracle; the float32 scale printed as the
        // shortest double that round-trips, as JavaScript does.
        QCOMPARE(QString::fromUtf8(reinterpret_cast<const char*>(json.data()), static_cast<int>(json.size())),
                 QString("{\n \"name\": \"conv/Relu6\",\n \"tensor_index\": 7,\n \"dtype\": \"int8\",\n \"shape\": [\n  1,\n  2\n ],\n"
                         " \"scale\": 0.0235294122248888,\n \"zero_point\": -128,\n \"op_index\": 2,\n \"op\": \"CONV_2D\",\n"
                         " \"file\": \"t0007_conv_Relu6.bin\",\n \"bytes\": 2\n}\n"));
        QCOMPARE(test::readFileBytes(dir_ + "/t0007_conv_Relu6.bin"), (std::vector<uint8_t>{1, 255}));

        // Writing the same files again is refused unless replacing is asked for.
        const Result<TensorFileInfo> again =
            writeTensorFile(dir_, "t0007_conv_Relu6", info, std::vector<uint8_t>{0, 0}, OverwritePolicy::Refuse);
        QVERIFY(!again.isOk());
        QCOMPARE(test::readFileBytes(dir_ + "/t0007_conv_Relu6.bin"), (std::vector<uint8_t>{1, 255}));
        QVERIFY(writeTensorFile(dir_, "t0007_conv_Relu6", info, std::vector<uint8_t>{0, 0}, OverwritePolicy::Replace).isOk());
        QCOMPARE(test::readFileBytes(dir_ + "/t0007_conv_Relu6.bin"), (std::vector<uint8_t>{0, 0}));
    }

    void perChannelAndUnquantizedSidecars()
    {
        TensorFileInfo info;
        info.name = "weights";
        info.tensorIndex = 1;
        info.dtype = DType::Int8;
        info.shape = {2, 1};
        info.quant.scales = {0.5f, 0.25f};
        info.quant.zeroPoints = {0, 0};
        info.quant.axis = 0;
        info.outputIndex = 0;
        QVERIFY(writeTensorFile(dir_, "output_0", info, std::vector<uint8_t>{1, 2}, OverwritePolicy::Replace, true).isOk());
        const auto bytes = test::readFileBytes(dir_ + "/output_0.json");
        const QJsonObject json = QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char*>(bytes.data()), static_cast<int>(bytes.size()))).object();
        QCOMPARE(json.value("scale").toArray(), (QJsonArray{0.5, 0.25}));
        QCOMPARE(json.value("zero_point").toArray(), (QJsonArray{0, 0}));
        QCOMPARE(json.value("quantized_dimension").toInt(), 0);
        QCOMPARE(json.value("index").toInt(), 0);
        QCOMPARE(json.value("npy").toString(), QString("output_0.npy"));
        QCOMPARE(readNpyFile(dir_ + "/output_0.npy").value().data, (std::vector<uint8_t>{1, 2}));

        Result<TensorFile> read = readTensorFile(dir_ + "/output_0.bin");
        QVERIFY2(read.isOk(), read.message().c_str());
        QCOMPARE(read.value().info.quant.scales, (std::vector<float>{0.5f, 0.25f}));
        QCOMPARE(read.value().info.outputIndex, std::optional<int32_t>(0));
        QCOMPARE(read.value().info.shape, (Shape{2, 1}));
        QCOMPARE(read.value().data, (std::vector<uint8_t>{1, 2}));

        TensorFileInfo plain;
        plain.name = "x";
        plain.tensorIndex = 0;
        plain.dtype = DType::Float32;
        plain.shape = {1};
        QVERIFY(tensorFileInfoJson(plain).find("\"scale\": null,\n \"zero_point\": null") != std::string::npos);
    }

    void readBackChecksSizes()
    {
        TensorFileInfo info;
        info.name = "y";
        info.dtype = DType::Float32;
        info.shape = {3};
        QVERIFY(writeTensorFile(dir_, "y", info, std::vector<uint8_t>(12, 0), OverwritePolicy::Replace).isOk());
        QVERIFY(test::writeFileBytes(dir_ + "/y.bin", std::vector<uint8_t>(10, 0)));
        Result<TensorFile> read = readTensorFile(dir_ + "/y.bin");
        QVERIFY(!read.isOk());
        QVERIFY2(read.message().find("10 bytes, but its sidecar says float32 [3] (12 bytes)") != std::string::npos,
                 read.message().c_str());
        QVERIFY(!readTensorFile(dir_ + "/nothing.bin").isOk());
    }

    void timingSummary()
    {
        const std::vector<double> odd = {3, 1, 2};
        const BenchTiming a = summarizeTimings(odd, 10, 2, "xnnpack");
        QCOMPARE(a.medianMs, 2.0);
        QCOMPARE(a.minMs, 1.0);
        QCOMPARE(a.maxMs, 3.0);
        QCOMPARE(a.meanMs, 2.0);
        QCOMPARE(a.runs, 3);
        const std::vector<double> even = {4, 1, 2, 10};
        QCOMPARE(summarizeTimings(even, 0, 1, "builtin").medianMs, 3.0);
        QVERIFY(writeTimingFile(dir_, a, OverwritePolicy::Replace).isOk());
        const auto bytes = test::readFileBytes(dir_ + "/timing.json");
        const QJsonObject json = QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char*>(bytes.data()), static_cast<int>(bytes.size()))).object();
        QCOMPARE(json.value("median_ms").toDouble(), 2.0);
        QCOMPARE(json.value("warmup").toInt(), 10);
        QCOMPARE(json.value("kernels").toString(), QString("xnnpack"));
    }

    void manifest()
    {
        RunManifest manifest;
        manifest.runtime = "rangefinder 0.1.0";
        manifest.modelPath = "/m.tflite";
        manifest.kernels = "builtin";
        manifest.inputs.push_back({0, "in", 4, DType::UInt8, {1, 2}, "(random)"});
        TensorFileInfo output;
        output.name = "out";
        output.dtype = DType::Int8;
        output.shape = {1};
        output.outputIndex = 0;
        output.file = "output_0.bin";
        output.bytes = 1;
        manifest.outputs.push_back(output);
        manifest.intermediateFiles = std::vector<std::string>{"t0001_a.bin"};
        QVERIFY(writeRunManifest(dir_, manifest, OverwritePolicy::Replace).isOk());
        const auto bytes = test::readFileBytes(dir_ + "/outputs.json");
        const QJsonObject json = QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char*>(bytes.data()), static_cast<int>(bytes.size()))).object();
        QCOMPARE(json.value("runtime").toString(), QString("rangefinder 0.1.0"));
        QVERIFY(!json.contains("model_sha256"));
        QCOMPARE(json.value("inputs").toArray()[0].toObject().value("file").toString(), QString("(random)"));
        QCOMPARE(json.value("inputs").toArray()[0].toObject().value("shape").toArray(), (QJsonArray{1, 2}));
        QCOMPARE(json.value("outputs").toArray()[0].toObject().value("file").toString(), QString("output_0.bin"));
        QCOMPARE(json.value("intermediates").toObject().value("count").toInt(), 1);
        QVERIFY(!json.contains("timing"));
    }

    void sha256KnownAnswers()
    {
        // FIPS 180-4 examples.
        QCOMPARE(QString::fromStdString(sha256Hex({})),
                 QString("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        const std::string abc = "abc";
        QCOMPARE(QString::fromStdString(sha256Hex({reinterpret_cast<const uint8_t*>(abc.data()), abc.size()})),
                 QString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        QCOMPARE(QString::fromStdString(sha256Hex({reinterpret_cast<const uint8_t*>(two.data()), two.size()})),
                 QString("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        // A file larger than the read buffer, against Qt's implementation.
        std::vector<uint8_t> big(200000);
        for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7 + i / 251);
        QVERIFY(test::writeFileBytes(dir_ + "/big.bin", big));
        const QByteArray qt = QCryptographicHash::hash(QByteArray(reinterpret_cast<const char*>(big.data()), static_cast<int>(big.size())),
                                                       QCryptographicHash::Sha256).toHex();
        QCOMPARE(QString::fromStdString(sha256OfFile(dir_ + "/big.bin").value()), QString::fromLatin1(qt));
    }
};

QTEST_APPLESS_MAIN(TestTensorFiles)
#include "tst_tensor_files.moc"
