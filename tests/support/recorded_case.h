#pragma once
// One-op models recorded with the real TFLite runtime (the oracle) and committed under
// tests/data/<family>_oracle/<case>/: model.tflite, the inputs (input_<i>.npy or
// input_<i>.bin, raw bytes) and the oracle's outputs (expected.bin for a single output,
// or expected_<k>.bin). A cases.txt beside them lists the cases, one per line.

#include <string>
#include <vector>

#include "runtime/interpreter.h"

namespace rf::test {

/// How float outputs are compared with the oracle's bytes (integers are always compared
/// bit for bit).
enum class FloatMatch {
    /// Bit for bit.
    Exact,
    /// Within 1e-5 relative to the larger magnitude, or 1e-6 absolute.
    Relative,
};

/// The whitespace-separated fields of every line of `casesFile` that is neither empty
/// nor a '#' comment; empty when the file cannot be read.
std::vector<std::vector<std::string>> readCaseTable(const std::string& casesFile);

/// Runs the recorded case in `caseDir` in `mode` and compares every output with the
/// oracle's; returns an empty string when all agree, else what differs (which output,
/// how many elements, the first one's values), or why the case could not run.
std::string runRecordedCase(const std::string& caseDir, KernelMode mode, FloatMatch floatMatch);

} // namespace rf::test
