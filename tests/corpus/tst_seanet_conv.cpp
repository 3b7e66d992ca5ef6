// The TFLite-generated int16 golden cases of ../shared/oracle/testdata/seanet for CONV_2D
// (22 models) and TRANSPOSE_CONV (5 models, whose output_shape is a run-time input):
// each model is read with the TFLite reader, run on its input csv files (stored values),
// and its output must equal the golden csv bit for bit, in both kernel modes (XNNPACK
// takes no int16 op, so the two must agree).
#include <QtTest>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "io/tensor_files.h"
#include "io/tflite_reader.h"
#include "runtime/interpreter.h"
#include "test_support.h"

using namespace rf;

namespace {

struct CaseOutcome {
    bool exact = false;
    std::string detail;
};

/// Runs one case: MODEL.tflite with MODEL_input<j>_<dtype>.csv for every graph input,
/// compared with MODEL_golden_int16.csv.
CaseOutcome runCase(const std::filesystem::path& model, KernelMode mode)
{
    const std::string stem = (model.parent_path() / model.stem()).string();
    auto graph = readTfliteFile(model.string());
    if (!graph.isOk()) return {false, graph.message()};
    InterpreterOptions options;
    options.mode = mode;
    auto created = Interpreter::create(std::move(graph).value(), options);
    if (!created.isOk()) return {false, created.message()};
    Interpreter& interpreter = *created.value();
    if (interpreter.graph().outputs.size() != 1) return {false, "expected one output"};
    for (size_t j = 0; j < interpreter.graph().inputs.size(); ++j) {
        TensorValue& input = interpreter.input(j);
        const std::string path =
            stem + "_input" + std::to_string(j) + "_" + std::string(dtypeName(input.dtype())) + ".csv";
        auto bytes = loadInputFile(path, input.dtype(), input.elementCount());
        if (!bytes.isOk()) return {false, bytes.message()};
        const Status status = interpreter.setInput(j, bytes.value().data(), bytes.value().size());
        if (!status.isOk()) return {false, status.message()};
    }
    const Status status = interpreter.invoke();
    if (!status.isOk()) return {false, status.message()};
    const TensorValue& output = interpreter.output(0);
    if (output.dtype() != DType::Int16) return {false, "the output is not int16"};
    auto golden = loadInputFile(stem + "_golden_int16.csv", output.dtype(), output.elementCount());
    if (!golden.isOk()) return {false, "golden: " + golden.message()};
    if (golden.value().size() != output.byteSize() ||
        std::memcmp(golden.value().data(), output.bytes(), output.byteSize()) != 0) {
        int64_t differing = 0, maxDiff = 0;
        const auto* expected = reinterpret_cast<const int16_t*>(golden.value().data());
        for (int64_t i = 0; i < output.elementCount(); ++i) {
            const int64_t diff = std::abs(int64_t{expected[i]} - output.data<int16_t>()[i]);
            differing += diff != 0;
            maxDiff = std::max(maxDiff, diff);
        }
        return {false, std::to_string(differing) + " of " + std::to_string(output.elementCount()) +
                           " values differ (max " + std::to_string(maxDiff) + ")"};
    }
    return {true, {}};
}

std::vector<std::filesystem::path> caseModels(const std::string& folder)
{
    std::vector<std::filesystem::path> models;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec))
        if (entry.path().extension() == ".tflite") models.push_back(entry.path());
    std::sort(models.begin(), models.end());
    return models;
}

} // namespace

class TestSeanetConv : public QObject {
    Q_OBJECT
private slots:
    void goldenCases_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<int>("expectedCases");
        QTest::newRow("conv") << "conv" << 22;
        QTest::newRow("transpose_conv") << "transpose_conv" << 5;
    }

    void goldenCases()
    {
        const auto shared = rf::test::sharedDir();
        if (!shared) QSKIP(rf::test::sharedMissingMessage().c_str());
        QFETCH(QString, op);
        QFETCH(int, expectedCases);
        const auto models = caseModels(*shared + "/oracle/testdata/seanet/" + op.toStdString());
        QCOMPARE(static_cast<int>(models.size()), expectedCases);
        for (KernelMode mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
            int exact = 0;
            std::string failures;
            for (const auto& model : models) {
                const CaseOutcome outcome = runCase(model, mode);
                if (outcome.exact) ++exact;
                else failures += "\n  " + model.filename().string() + ": " + outcome.detail;
            }
            qInfo("%s (%s): %d/%d bit-exact", qPrintable(op), std::string(kernelModeName(mode)).c_str(), exact,
                  expectedCases);
            QVERIFY2(exact == expectedCases, failures.c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestSeanetConv)
#include "tst_seanet_conv.moc"
