// Runs the TFLite-generated int16 golden cases of ../shared/oracle/testdata/seanet for
// the elementwise ops (add, sub, leaky_relu, quantize) and requires every output element
// to equal TFLite's, bit for bit, in the builtin kernel mode (int16 never goes to XNNPACK,
// so the Xnnpack mode must give the same bits too).
#include <QtTest>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "io/tensor_files.h"
#include "io/tflite_reader.h"
#include "runtime/interpreter.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rf;

namespace {

struct CaseResult {
    std::string error; ///< Empty on success.
    int64_t elements = 0;
};

/// Runs one case (model + inputN csv files) in `mode` and compares with the golden csv.
CaseResult runCase(const fs::path& model, KernelMode mode)
{
    CaseResult result;
    auto graph = readTfliteFile(model.string());
    if (!graph.isOk()) return {graph.message(), 0};
    const std::string stem = model.stem().string();
    const fs::path dir = model.parent_path();
    auto interpreter = Interpreter::create(graph.value(), InterpreterOptions{mode, 1});
    if (!interpreter.isOk()) return {interpreter.message(), 0};
    Interpreter& run = *interpreter.value();
    const Graph& g = run.graph();
    for (size_t i = 0; i < g.inputs.size(); ++i) {
        const Tensor& tensor = g.tensors[g.inputs[i]];
        const std::string file =
            (dir / (stem + "_input" + std::to_string(i) + "_" + std::string(dtypeName(tensor.dtype)) + ".csv")).string();
        auto bytes = loadInputFile(file, tensor.dtype, tensor.elementCount());
        if (!bytes.isOk()) return {bytes.message(), 0};
        Status status = run.setInput(i, bytes.value().data(), bytes.value().size());
        if (!status.isOk()) return {status.message(), 0};
    }
    Status status = run.invoke();
    if (!status.isOk()) return {status.message(), 0};
    const TensorValue& out = run.output(0);
    const std::string golden = (dir / (stem + "_golden_" + std::string(dtypeName(out.dtype())) + ".csv")).string();
    auto expected = loadInputFile(golden, out.dtype(), out.elementCount());
    if (!expected.isOk()) return {expected.message(), 0};
    result.elements = out.elementCount();
    const size_t elementSize = dtypeSize(out.dtype());
    int64_t mismatches = 0, first = -1;
    for (int64_t e = 0; e < out.elementCount(); ++e) {
        if (std::memcmp(out.bytes() + e * elementSize, expected.value().data() + e * elementSize, elementSize) != 0) {
            if (first < 0) first = e;
            ++mismatches;
        }
    }
    if (mismatches)
        result.error = stem + ": " + std::to_string(mismatches) + " of " + std::to_string(out.elementCount()) +
                       " elements differ (first at " + std::to_string(first) + ")";
    return result;
}

std::vector<fs::path> caseModels(const std::string& op)
{
    std::vector<fs::path> models;
    const auto shared = rf::test::sharedDir();
    const fs::path dir = fs::path(*shared) / "oracle" / "testdata" / "seanet" / op;
    if (!fs::exists(dir)) return models;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".tflite") models.push_back(entry.path());
    std::sort(models.begin(), models.end());
    return models;
}

} // namespace

class TestSeanetElementwise : public QObject {
    Q_OBJECT
private slots:
    void cases_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<int>("expectedCount");
        // The case counts of the shared test data: a missing file must fail, not shrink the test.
        QTest::newRow("add") << "add" << 17;
        QTest::newRow("sub") << "sub" << 5;
        QTest::newRow("leaky_relu") << "leaky_relu" << 23;
        QTest::newRow("quantize") << "quantize" << 2;
    }

    void cases()
    {
        if (!rf::test::sharedDir()) QSKIP(rf::test::sharedMissingMessage().c_str());
        QFETCH(QString, op);
        QFETCH(int, expectedCount);
        const auto models = caseModels(op.toStdString());
        QCOMPARE(static_cast<int>(models.size()), expectedCount);
        int64_t elements = 0;
        for (const auto& model : models) {
            for (KernelMode mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
                const CaseResult r = runCase(model, mode);
                if (!r.error.empty())
                    QFAIL(qPrintable(QString::fromStdString(std::string(kernelModeName(mode)) + ": " + r.error)));
                QVERIFY(r.elements > 0);
                elements += r.elements;
            }
        }
        qInfo("%s: %d cases, %lld elements compared (both kernel modes), all bit-exact", qPrintable(op),
              static_cast<int>(models.size()), static_cast<long long>(elements));
    }
};

QTEST_APPLESS_MAIN(TestSeanetElementwise)
#include "tst_seanet_elementwise.moc"
