#pragma once
// TFLite operator versions: which version of a builtin operator an op needs for its
// tensor types and options, and the oldest TFLite runtime that has that version.
// TFLite's runtime refuses an op whose version it has no registration for, so a
// writer must state versions exactly as TFLite's converter does
// (tensorflow/lite/tools/versioning/op_version.cc and runtime_version.cc).

#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace rf {

/// The version TFLite's converter gives op `opIndex` of `graph` for its builtin code,
/// input/output types, quantization and options. Ops whose code the rules do not
/// mention are version 1, as in TFLite. Precondition: the op's tensor indices are
/// valid (Graph::validate).
int32_t requiredTfliteOpVersion(const Graph& graph, size_t opIndex);

/// The oldest TFLite runtime release ("1.14.0") that supports version `version` of
/// builtin operator `code`, or "" when TFLite's table does not list the pair.
std::string tfliteMinRuntimeForOp(int32_t code, int32_t version);

/// True when runtime version a ("2.3.0") is older than b ("2.11.0"), comparing the
/// dot-separated numbers numerically; "" is older than everything.
bool tfliteRuntimeVersionLess(const std::string& a, const std::string& b);

} // namespace rf
