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

#include "recorded_case.h"

using namespace rf;
using rf::test::FloatMatch;

namespace {

const std::string kCaseDir = std::string(RF_SOURCE_DIR) + "/tests/data/elementwise_oracle";

} // namespace

class TestElementwiseOracleCases : public QObject {
    Q_OBJECT
private slots:
    void cases_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("kernel");
        const auto rows = rf::test::readCaseTable(kCaseDir + "/cases.txt");
        QVERIFY2(rows.size() >= 40, "tests/data/elementwise_oracle/cases.txt is missing or incomplete");
        for (const auto& row : rows) {
            QVERIFY2(row.size() == 2, ("cases.txt line for " + row[0] + ": expected name, kernel").c_str());
            QTest::newRow(row[0].c_str()) << QString::fromStdString(row[0]) << QString::fromStdString(row[1]);
        }
    }

    void cases()
    {
        QFETCH(QString, name);
        QFETCH(QString, kernel);
        const std::string dir = kCaseDir + "/" + name.toStdString();
        const std::string xnnpack = rf::test::runRecordedCase(dir, KernelMode::Xnnpack, FloatMatch::Relative);
        QVERIFY2(xnnpack.empty(), qPrintable("xnnpack mode (" + kernel + "): " + QString::fromStdString(xnnpack)));
        if (kernel == "builtin") {
            const std::string builtin = rf::test::runRecordedCase(dir, KernelMode::Builtin, FloatMatch::Relative);
            QVERIFY2(builtin.empty(), ("builtin mode: " + builtin).c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestElementwiseOracleCases)
#include "tst_elementwise_oracle_cases.moc"
