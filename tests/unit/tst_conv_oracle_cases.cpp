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

#include "recorded_case.h"

using namespace rf;
using rf::test::FloatMatch;

namespace {

const std::string kCaseDir = std::string(RF_SOURCE_DIR) + "/tests/data/conv_oracle";

} // namespace

class TestConvOracleCases : public QObject {
    Q_OBJECT
private slots:
    void cases_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("kernel");
        QTest::addColumn<QString>("modes");
        const auto rows = rf::test::readCaseTable(kCaseDir + "/cases.txt");
        QVERIFY2(rows.size() >= 13, "tests/data/conv_oracle/cases.txt is missing or incomplete");
        for (const auto& row : rows) {
            QVERIFY2(row.size() == 3, ("cases.txt line for " + row[0] + ": expected name, kernel, modes").c_str());
            QTest::newRow(row[0].c_str()) << QString::fromStdString(row[0]) << QString::fromStdString(row[1])
                                          << QString::fromStdString(row[2]);
        }
    }

    void cases()
    {
        QFETCH(QString, name);
        QFETCH(QString, kernel);
        QFETCH(QString, modes);
        QVERIFY2(modes == "both" || modes == "xnnpack", qPrintable("unknown modes column: " + modes));
        const std::string dir = kCaseDir + "/" + name.toStdString();
        const std::string xnnpack = rf::test::runRecordedCase(dir, KernelMode::Xnnpack, FloatMatch::Exact);
        QVERIFY2(xnnpack.empty(), qPrintable("xnnpack mode (" + kernel + "): " + QString::fromStdString(xnnpack)));
        if (modes == "both") {
            const std::string builtin = rf::test::runRecordedCase(dir, KernelMode::Builtin, FloatMatch::Exact);
            QVERIFY2(builtin.empty(), ("builtin mode: " + builtin).c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestConvOracleCases)
#include "tst_conv_oracle_cases.moc"
