// One-op CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED models recorded with the real
// TFLite runtime (the WASM oracle, XNNPACK delegate on):
// tests/data/conv_oracle/<case>/{model.tflite, input_0.npy, expected.bin}, listed in
// cases.txt with the kernel the oracle used and the kernel modes that must reproduce it
// ("both" or "xnnpack"); record_cases.sh there re-records them. Every output must match
// bit for bit, floats included. The cases pin down:
//  - the 16x8 rounding: the 32-bit GEMM path (int32 bias, or a FULLY_CONNECTED without
//    bias) rounds once with ties upward in the WASM runtime (ruy's portable kernel), the
//    int64-bias reference kernels use TFLite's 64-bit multiplier; multiplier 1/4 makes
//    every odd accumulator a tie; a 16x8 DEPTHWISE_CONV_2D without a bias (accepted,
//    64-bit accumulator) — TFLite refuses one with an int32 bias;
//  - the hybrid (dynamic-range) kernels: per-batch input quantization (symmetric, or
//    asymmetric with the zero point through padding) and the float scaling order, which
//    differs between DEPTHWISE_CONV_2D ((acc * input_scale) * channel_scale) and
//    CONV_2D / FULLY_CONNECTED (acc * (channel_scale * input_scale)).
#include <QtTest>

#include <cstring>
#include <fstream>
#include <sstream>

#include "io/npy.h"
#include "io/tflite_reader.h"
#include "runtime/interpreter.h"
#include "test_support.h"

using namespace rf;

namespace {

const std::string kCaseDir = std::string(RF_SOURCE_DIR) + "/tests/data/conv_oracle";

struct Case {
    std::string name;
    std::string kernel;
    std::string modes;
};

std::vector<Case> readCases()
{
    std::vector<Case> cases;
    std::ifstream in(kCaseDir + "/cases.txt");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        Case c;
        if (fields >> c.name >> c.kernel >> c.modes) cases.push_back(c);
    }
    return cases;
}

/// Runs one case in `mode`; returns an empty string when the output equals expected.bin
/// byte for byte, else a description of the first difference.
std::string runCase(const Case& c, KernelMode mode)
{
    const std::string dir = kCaseDir + "/" + c.name;
    auto graph = readTfliteFile(dir + "/model.tflite");
    if (!graph.isOk()) return graph.message();
    auto interpreter = Interpreter::create(std::move(graph).value(), InterpreterOptions{mode, 1});
    if (!interpreter.isOk()) return interpreter.message();
    Interpreter& run = *interpreter.value();
    auto array = readNpyFile(dir + "/input_0.npy");
    if (!array.isOk()) return array.message();
    Status status = run.setInput(0, array.value().data.data(), array.value().data.size());
    if (!status.isOk()) return status.message();
    status = run.invoke();
    if (!status.isOk()) return status.message();
    const TensorValue& out = run.output(0);
    const std::vector<uint8_t> expected = rf::test::readFileBytes(dir + "/expected.bin");
    if (expected.size() != out.byteSize())
        return "expected.bin has " + std::to_string(expected.size()) + " bytes, output " + std::to_string(out.byteSize());
    const size_t size = dtypeSize(out.dtype());
    int64_t mismatches = 0, first = -1;
    for (int64_t i = 0; i < out.elementCount(); ++i) {
        if (std::memcmp(out.bytes() + i * size, expected.data() + i * size, size) == 0) continue;
        if (first < 0) first = i;
        ++mismatches;
    }
    if (mismatches == 0) return {};
    std::string detail;
    if (out.dtype() == DType::Float32) {
        float got, want;
        std::memcpy(&got, out.bytes() + 4 * first, 4);
        std::memcpy(&want, expected.data() + 4 * first, 4);
        detail = ": got " + std::to_string(got) + ", expected " + std::to_string(want);
    } else if (out.dtype() == DType::Int16) {
        int16_t got, want;
        std::memcpy(&got, out.bytes() + 2 * first, 2);
        std::memcpy(&want, expected.data() + 2 * first, 2);
        detail = ": got " + std::to_string(got) + ", expected " + std::to_string(want);
    }
    return std::to_string(mismatches) + " of " + std::to_string(out.elementCount()) + " elements differ (first at " +
           std::to_string(first) + detail + ")";
}

} // namespace

class TestConvOracleCases : public QObject {
    Q_OBJECT
private slots:
    void cases_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("kernel");
        QTest::addColumn<QString>("modes");
        const auto cases = readCases();
        QVERIFY2(cases.size() >= 14, "tests/data/conv_oracle/cases.txt is missing or incomplete");
        for (const auto& c : cases)
            QTest::newRow(c.name.c_str()) << QString::fromStdString(c.name) << QString::fromStdString(c.kernel)
                                          << QString::fromStdString(c.modes);
    }

    void cases()
    {
        QFETCH(QString, name);
        QFETCH(QString, kernel);
        QFETCH(QString, modes);
        const Case c{name.toStdString(), kernel.toStdString(), modes.toStdString()};
        QVERIFY2(c.modes == "both" || c.modes == "xnnpack", ("unknown modes column: " + c.modes).c_str());
        const std::string xnnpack = runCase(c, KernelMode::Xnnpack);
        QVERIFY2(xnnpack.empty(), ("xnnpack mode (" + c.kernel + "): " + xnnpack).c_str());
        if (c.modes == "both") {
            const std::string builtin = runCase(c, KernelMode::Builtin);
            QVERIFY2(builtin.empty(), ("builtin mode: " + builtin).c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestConvOracleCases)
#include "tst_conv_oracle_cases.moc"
