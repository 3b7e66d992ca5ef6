// One-op models recorded with the real TFLite runtime (the WASM oracle, XNNPACK delegate
// on): tests/data/elementwise_oracle/<case>/{model.tflite, input_<j>.npy, expected.bin},
// listed in cases.txt with the kernel the oracle used ("Delegate/Add_(ND,_QS8)" or
// "builtin"). record_cases.sh there re-records them. The cases pin down rounding ties of
// ADD/SUB/MUL, QUANTIZE, LEAKY_RELU, LUT ops and SOFTMAX corner values in both paths:
//  - Xnnpack mode must reproduce every case (integer outputs bit for bit, float32
//    within 1e-5 relative or 1e-6 absolute);
//  - Builtin mode must reproduce, bit for bit, the cases the oracle ran with its builtin
//    kernels (ops the delegate does not take).
#include <QtTest>

#include <cmath>
#include <fstream>
#include <sstream>

#include "io/npy.h"
#include "io/tflite_reader.h"
#include "runtime/interpreter.h"
#include "test_support.h"

using namespace rf;

namespace {

const std::string kCaseDir = std::string(RF_SOURCE_DIR) + "/tests/data/elementwise_oracle";

struct Case {
    std::string name;
    std::string kernel;
};

std::vector<Case> readCases()
{
    std::vector<Case> cases;
    std::ifstream in(kCaseDir + "/cases.txt");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        Case c;
        if (fields >> c.name >> c.kernel) cases.push_back(c);
    }
    return cases;
}

/// Runs one case in `mode`; returns an empty string when the output matches expected.bin.
std::string runCase(const Case& c, KernelMode mode)
{
    const std::string dir = kCaseDir + "/" + c.name;
    auto graph = readTfliteFile(dir + "/model.tflite");
    if (!graph.isOk()) return graph.message();
    auto interpreter = Interpreter::create(std::move(graph).value(), InterpreterOptions{mode, 1});
    if (!interpreter.isOk()) return interpreter.message();
    Interpreter& run = *interpreter.value();
    for (size_t i = 0; i < run.graph().inputs.size(); ++i) {
        auto array = readNpyFile(dir + "/input_" + std::to_string(i) + ".npy");
        if (!array.isOk()) return array.message();
        Status status = run.setInput(i, array.value().data.data(), array.value().data.size());
        if (!status.isOk()) return status.message();
    }
    Status status = run.invoke();
    if (!status.isOk()) return status.message();
    const TensorValue& out = run.output(0);
    const std::vector<uint8_t> expected = rf::test::readFileBytes(dir + "/expected.bin");
    if (expected.size() != out.byteSize())
        return "expected.bin has " + std::to_string(expected.size()) + " bytes, output " + std::to_string(out.byteSize());
    int64_t mismatches = 0, first = -1;
    for (int64_t i = 0; i < out.elementCount(); ++i) {
        bool same = true;
        if (out.dtype() == DType::Float32) {
            float got, want;
            std::memcpy(&got, out.bytes() + 4 * i, 4);
            std::memcpy(&want, expected.data() + 4 * i, 4);
            same = std::fabs(got - want) <= std::max(1e-5f * std::fabs(want), 1e-6f);
        } else {
            const size_t size = dtypeSize(out.dtype());
            same = std::memcmp(out.bytes() + i * size, expected.data() + i * size, size) == 0;
        }
        if (!same && first < 0) first = i;
        mismatches += same ? 0 : 1;
    }
    if (mismatches == 0) return {};
    return std::to_string(mismatches) + " of " + std::to_string(out.elementCount()) + " elements differ (first at " +
           std::to_string(first) + ")";
}

} // namespace

class TestElementwiseOracleCases : public QObject {
    Q_OBJECT
private slots:
    void cases_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("kernel");
        const auto cases = readCases();
        QVERIFY2(cases.size() >= 40, "tests/data/elementwise_oracle/cases.txt is missing or incomplete");
        for (const auto& c : cases)
            QTest::newRow(c.name.c_str()) << QString::fromStdString(c.name) << QString::fromStdString(c.kernel);
    }

    void cases()
    {
        QFETCH(QString, name);
        QFETCH(QString, kernel);
        const Case c{name.toStdString(), kernel.toStdString()};
        const std::string xnnpack = runCase(c, KernelMode::Xnnpack);
        QVERIFY2(xnnpack.empty(), ("xnnpack mode (" + c.kernel + "): " + xnnpack).c_str());
        if (c.kernel == "builtin") {
            const std::string builtin = runCase(c, KernelMode::Builtin);
            QVERIFY2(builtin.empty(), ("builtin mode: " + builtin).c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestElementwiseOracleCases)
#include "tst_elementwise_oracle_cases.moc"
