// .npy reading and writing: every supported dtype round-trips, the bytes we write
// are NumPy's own layout (checked against a header derived by hand from the format
// spec), versions 1/2/3 parse, and damaged files give precise errors.

#include <QtTest>
#include <cstring>
#include <filesystem>

#include "io/npy.h"
#include "test_support.h"

using namespace rf;

namespace {

/// A .npy file assembled by hand: magic, version, header length, header text, data.
std::vector<uint8_t> handMadeNpy(int major, const std::string& header, const std::vector<uint8_t>& data)
{
    std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
    const size_t length = header.size();
    out.push_back(static_cast<uint8_t>(length & 0xff));
    out.push_back(static_cast<uint8_t>(length >> 8));
    if (major >= 2) {
        out.push_back(static_cast<uint8_t>(length >> 16));
        out.push_back(static_cast<uint8_t>(length >> 24));
    }
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

std::string errorOf(const std::vector<uint8_t>& bytes)
{
    Result<NpyArray> parsed = parseNpy(bytes, "x.npy");
    return parsed.isOk() ? std::string("(parsed fine)") : parsed.message();
}

} // namespace

class TestNpy : public QObject {
    Q_OBJECT

private slots:
    void writesNumpysExactLayout()
    {
        // np.save(np.zeros((1, 96, 96, 1), np.int8)): header padded with spaces so that
        // magic(6) + version(2) + length(2) + header ends at a multiple of 64, then '\n'.
        const std::string dict = "{'descr': '|i1', 'fortran_order': False, 'shape': (1, 96, 96, 1), }";
        const std::string header = dict + std::string(128 - 10 - dict.size() - 1, ' ') + "\n";
        const std::vector<uint8_t> data(96 * 96, 7);
        Result<std::vector<uint8_t>> encoded = encodeNpy(DType::Int8, {1, 96, 96, 1}, data);
        QVERIFY2(encoded.isOk(), encoded.message().c_str());
        QCOMPARE(encoded.value(), handMadeNpy(1, header, data));
        QCOMPARE(encoded.value().size(), size_t{128 + 96 * 96});
    }

    void matchesAGoldenFileFromNumpy()
    {
        // The golden inputs were written by NumPy; re-encoding one must give the same bytes.
        const auto shared = test::sharedDir();
        if (!shared) return; // Covered by writesNumpysExactLayout without ../shared.
        const std::string path = *shared + "/golden/person_detect/input_0.npy";
        const std::vector<uint8_t> original = test::readFileBytes(path);
        Result<NpyArray> parsed = readNpyFile(path);
        QVERIFY2(parsed.isOk(), parsed.message().c_str());
        QCOMPARE(parsed.value().dtype, DType::Int8);
        QCOMPARE(parsed.value().shape, (Shape{1, 96, 96, 1}));
        Result<std::vector<uint8_t>> encoded = encodeNpy(parsed.value().dtype, parsed.value().shape, parsed.value().data);
        QVERIFY(encoded.isOk());
        QCOMPARE(encoded.value(), original);
    }

    void everyDtypeRoundTrips_data()
    {
        QTest::addColumn<int>("dtype");
        QTest::addColumn<QString>("descr");
        const std::pair<DType, const char*> types[] = {
            {DType::Float32, "<f4"}, {DType::Float16, "<f2"}, {DType::Float64, "<f8"}, {DType::Int8, "|i1"},
            {DType::UInt8, "|u1"},   {DType::Int16, "<i2"},   {DType::Int32, "<i4"},   {DType::Int64, "<i8"},
            {DType::UInt32, "<u4"},  {DType::Bool, "|b1"}};
        for (const auto& [dtype, descr] : types)
            QTest::newRow(std::string(dtypeName(dtype)).c_str()) << static_cast<int>(dtype) << QString(descr);
    }

    void everyDtypeRoundTrips()
    {
        QFETCH(int, dtype);
        QFETCH(QString, descr);
        const DType type = static_cast<DType>(dtype);
        QCOMPARE(QString::fromStdString(npyDescr(type)), descr);
        const Shape shape = {2, 3};
        std::vector<uint8_t> data(6 * dtypeSize(type));
        for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(type == DType::Bool ? i % 2 : 31 * i + 5);
        Result<std::vector<uint8_t>> encoded = encodeNpy(type, shape, data);
        QVERIFY2(encoded.isOk(), encoded.message().c_str());
        const std::string text(encoded.value().begin(), encoded.value().end());
        QVERIFY2(text.find("'descr': '" + descr.toStdString() + "'") != std::string::npos, text.c_str());
        Result<NpyArray> parsed = parseNpy(encoded.value(), "t.npy");
        QVERIFY2(parsed.isOk(), parsed.message().c_str());
        QCOMPARE(parsed.value().dtype, type);
        QCOMPARE(parsed.value().shape, shape);
        QCOMPARE(parsed.value().data, data);
    }

    void oneDimensionalAndScalarShapes()
    {
        Result<std::vector<uint8_t>> vector = encodeNpy(DType::Int32, {3}, std::vector<uint8_t>(12));
        QVERIFY(vector.isOk());
        QVERIFY(std::string(vector.value().begin(), vector.value().end()).find("'shape': (3,)") != std::string::npos);
        Result<std::vector<uint8_t>> scalar = encodeNpy(DType::Float32, {}, std::vector<uint8_t>(4));
        QVERIFY(scalar.isOk());
        Result<NpyArray> parsed = parseNpy(scalar.value(), "s.npy");
        QVERIFY(parsed.isOk());
        QVERIFY(parsed.value().shape.empty());
        QCOMPARE(parsed.value().elementCount(), int64_t{1});
        QVERIFY(!encodeNpy(DType::Int32, {3}, std::vector<uint8_t>(11)).isOk());
    }

    void readsVersions2And3AndOtherSpellings()
    {
        const std::vector<uint8_t> data = {1, 0, 2, 0};
        for (int major : {2, 3}) {
            Result<NpyArray> parsed = parseNpy(handMadeNpy(major, "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }\n", data), "v.npy");
            QVERIFY2(parsed.isOk(), parsed.message().c_str());
            QCOMPARE(parsed.value().dtype, DType::Int16);
            QCOMPARE(parsed.value().data, data);
        }
        // Keys in another order, double quotes, '=' byte order, Python 2 long suffix, no trailing comma.
        Result<NpyArray> parsed =
            parseNpy(handMadeNpy(1, "{\"shape\": (2L, 2L), \"fortran_order\": False, \"descr\": \"=i1\"}", data), "p.npy");
        QVERIFY2(parsed.isOk(), parsed.message().c_str());
        QCOMPARE(parsed.value().dtype, DType::Int8);
        QCOMPARE(parsed.value().shape, (Shape{2, 2}));
        // '<' on a one-byte type is what some writers produce.
        QVERIFY(parseNpy(handMadeNpy(1, "{'descr': '<u1', 'fortran_order': False, 'shape': (4,), }", data), "u.npy").isOk());
    }

    void damagedFilesGiveClearErrors_data()
    {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<QString>("message");
        const auto row = [](const char* tag, const std::vector<uint8_t>& bytes, const char* message) {
            QTest::newRow(tag) << QByteArray(reinterpret_cast<const char*>(bytes.data()), static_cast<int>(bytes.size()))
                               << QString(message);
        };
        const std::vector<uint8_t> four(4, 0);
        const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
        row("empty", {}, "x.npy: not a .npy file");
        row("wrong magic", {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0}, "x.npy: not a .npy file");
        row("version 9", handMadeNpy(9, header, four), "unsupported .npy format version 9.0");
        auto truncatedHeader = handMadeNpy(1, header, {});
        truncatedHeader.resize(30);
        row("truncated header", truncatedHeader, "truncated .npy header");
        row("truncated data", handMadeNpy(1, header, {0, 0}), "truncated data: shape [1] of <f4 needs 4 bytes, the file has 2");
        row("extra data", handMadeNpy(1, header, std::vector<uint8_t>(8, 0)), "4 unexpected bytes after the data");
        row("big endian", handMadeNpy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", four), "is big-endian");
        row("fortran", handMadeNpy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", four), "Fortran-order");
        row("complex", handMadeNpy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", four), "unsupported element type '<c8'");
        row("structured", handMadeNpy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", four), "structured arrays");
        row("no shape", handMadeNpy(1, "{'descr': '<f4', 'fortran_order': False, }", four), "no 'shape' entry");
        row("negative dim", handMadeNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", four), "invalid dimension -1");
        row("huge shape", handMadeNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2000000000, 2000000000), }", four),
            "shape is too large");
        row("garbage header", handMadeNpy(1, "{'descr' '<f4'}", four), "malformed header");
        row("unterminated", handMadeNpy(1, "{'descr': '<f4", four), "unterminated string");
    }

    void damagedFilesGiveClearErrors()
    {
        QFETCH(QByteArray, file);
        QFETCH(QString, message);
        const std::vector<uint8_t> bytes(file.begin(), file.end());
        const std::string error = errorOf(bytes);
        QVERIFY2(error.rfind("x.npy: ", 0) == 0, error.c_str());
        QVERIFY2(error.find(message.toStdString()) != std::string::npos, error.c_str());
    }

    void writesAtomicallyAndRefusesToOverwrite()
    {
        const std::string dir = test::makeTempDir("rf-npy");
        const std::string path = dir + "/a.npy";
        const std::vector<uint8_t> data = {1, 2, 3, 4};
        QVERIFY(writeNpyFile(path, DType::UInt8, {4}, data, OverwritePolicy::Refuse).isOk());
        const std::vector<uint8_t> other = {5, 6, 7, 8};
        const Status again = writeNpyFile(path, DType::UInt8, {4}, other, OverwritePolicy::Refuse);
        QVERIFY(!again.isOk());
        QVERIFY2(again.message().find("exists") != std::string::npos, again.message().c_str());
        QCOMPARE(readNpyFile(path).value().data, data);
        QVERIFY(writeNpyFile(path, DType::UInt8, {4}, other, OverwritePolicy::Replace).isOk());
        QCOMPARE(readNpyFile(path).value().data, other);
        QVERIFY(!readNpyFile(dir + "/missing.npy").isOk());
        std::filesystem::remove_all(dir);
    }
};

QTEST_APPLESS_MAIN(TestNpy)
#include "tst_npy.moc"
