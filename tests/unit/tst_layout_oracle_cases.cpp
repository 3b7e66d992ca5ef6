// One-op models of the pooling / reduction / layout ops recorded with the TFLite oracle
// (WASM TFLite with the XNNPACK delegate; see tests/data/layout_oracle/record.py):
// every case must reproduce the oracle's outputs in the kernel modes listed in
// cases.txt — bit for bit for integer outputs and for the cases recorded as exact,
// within 1e-5 relative (or 1e-6 absolute) for the other float outputs.
#include <QtTest>

#include <optional>
#include <sstream>

#include "recorded_case.h"

using namespace rf;
using rf::test::FloatMatch;

namespace {

const std::string kCaseDir = std::string(RF_SOURCE_DIR) + "/tests/data/layout_oracle";

} // namespace

class TestLayoutOracleCases : public QObject {
    Q_OBJECT
private slots:
    void allCasesMatchTheOracle()
    {
        // Columns: name, the oracle's tensor path, kernel modes (comma-separated), kind.
        const auto rows = rf::test::readCaseTable(kCaseDir + "/cases.txt");
        QVERIFY2(rows.size() >= 40, ("only " + std::to_string(rows.size()) + " cases in " + kCaseDir).c_str());
        int checks = 0;
        std::string failures;
        for (const auto& row : rows) {
            QVERIFY2(row.size() == 4, ("cases.txt line for " + row[0] + ": expected 4 columns").c_str());
            const bool exact = row[3] == "exact";
            std::istringstream modeList(row[2]);
            for (std::string name; std::getline(modeList, name, ',');) {
                const std::optional<KernelMode> mode = kernelModeFromName(name);
                QVERIFY2(mode.has_value(), ("unknown kernel mode '" + name + "' for " + row[0]).c_str());
                // Exact float cases were recorded through XNNPACK; Builtin mode is held to 1e-5.
                const FloatMatch match = exact && *mode == KernelMode::Xnnpack ? FloatMatch::Exact : FloatMatch::Relative;
                const std::string problem = rf::test::runRecordedCase(kCaseDir + "/" + row[0], *mode, match);
                ++checks;
                if (!problem.empty()) failures += "\n  " + row[0] + " (" + name + "): " + problem;
            }
        }
        qInfo("%d case runs of %zu oracle cases checked", checks, rows.size());
        QVERIFY2(failures.empty(), failures.c_str());
    }
};

QTEST_APPLESS_MAIN(TestLayoutOracleCases)
#include "tst_layout_oracle_cases.moc"
