// One-op models of the pooling / reduction / layout ops recorded with the TFLite oracle
// (WASM TFLite with the XNNPACK delegate; see tests/data/layout_oracle/record.py):
// every case must reproduce the oracle's outputs in the kernel modes listed in
// cases.txt — bit for bit for integer outputs and for the cases recorded as exact,
// within 1e-5 relative (or 1e-6 absolute) for the other float outputs.
#include <QtTest>

#include <cmath>
#include <fstream>
#include <sstream>

#include "io/tflite_reader.h"
#include "runtime/interpreter.h"
#include "test_support.h"

using namespace rf;

namespace {

const std::string kCaseDir = std::string(RF_SOURCE_DIR) + "/tests/data/layout_oracle";

struct Case {
    std::string name;
    std::string oraclePath;
    std::vector<KernelMode> modes;
    bool exact = false;
};

std::vector<Case> readCases()
{
    std::vector<Case> cases;
    std::ifstream in(kCaseDir + "/cases.txt");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        Case c;
        std::string modes, kind;
        fields >> c.name >> c.oraclePath >> modes >> kind;
        std::istringstream modeList(modes);
        std::string mode;
        while (std::getline(modeList, mode, ','))
            if (auto parsed = kernelModeFromName(mode)) c.modes.push_back(*parsed);
        c.exact = kind == "exact";
        cases.push_back(std::move(c));
    }
    return cases;
}

/// Compares one output with the oracle's bytes; empty when they agree.
std::string compare(const TensorValue& value, const std::vector<uint8_t>& expected, bool bitExact)
{
    if (expected.size() != value.byteSize())
        return "size " + std::to_string(value.byteSize()) + " vs " + std::to_string(expected.size());
    if (std::memcmp(expected.data(), value.bytes(), expected.size()) == 0) return {};
    if (value.dtype() != DType::Float32 || bitExact) return "values differ";
    const auto* want = reinterpret_cast<const float*>(expected.data());
    for (int64_t i = 0; i < value.elementCount(); ++i) {
        const float got = value.data<float>()[i];
        const float tolerance = std::max(1e-5f * std::max(std::fabs(got), std::fabs(want[i])), 1e-6f);
        if (!(std::fabs(got - want[i]) <= tolerance))
            return "element " + std::to_string(i) + ": " + std::to_string(got) + " vs " + std::to_string(want[i]);
    }
    return {};
}

} // namespace

class TestLayoutOracleCases : public QObject {
    Q_OBJECT
private slots:
    void allCasesMatchTheOracle()
    {
        const std::vector<Case> cases = readCases();
        QVERIFY2(cases.size() >= 40, ("only " + std::to_string(cases.size()) + " cases in " + kCaseDir).c_str());
        int checks = 0;
        std::string failures;
        for (const Case& c : cases) {
            const std::string dir = kCaseDir + "/" + c.name;
            for (KernelMode mode : c.modes) {
                auto graph = readTfliteFile(dir + "/model.tflite");
                QVERIFY2(graph.isOk(), graph.message().c_str());
                InterpreterOptions options;
                options.mode = mode;
                auto created = Interpreter::create(std::move(graph).value(), options);
                if (!created.isOk()) {
                    failures += "\n  " + c.name + ": " + created.message();
                    continue;
                }
                Interpreter& interpreter = *created.value();
                for (size_t j = 0; j < interpreter.graph().inputs.size(); ++j) {
                    const auto bytes = rf::test::readFileBytes(dir + "/input_" + std::to_string(j) + ".bin");
                    const Status status = interpreter.setInput(j, bytes.data(), bytes.size());
                    QVERIFY2(status.isOk(), status.message().c_str());
                }
                QVERIFY(interpreter.invoke().isOk());
                for (size_t k = 0; k < interpreter.graph().outputs.size(); ++k) {
                    const auto expected = rf::test::readFileBytes(dir + "/expected_" + std::to_string(k) + ".bin");
                    const std::string problem =
                        compare(interpreter.output(k), expected, c.exact && mode == KernelMode::Xnnpack);
                    ++checks;
                    if (!problem.empty())
                        failures += "\n  " + c.name + " (" + std::string(kernelModeName(mode)) + ") output " +
                                    std::to_string(k) + ": " + problem;
                }
            }
        }
        qInfo("%d outputs of %zu oracle cases checked", checks, cases.size());
        QVERIFY2(failures.empty(), failures.c_str());
    }
};

QTEST_APPLESS_MAIN(TestLayoutOracleCases)
#include "tst_layout_oracle_cases.moc"
