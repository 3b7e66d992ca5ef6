#pragma once
// Comparing our tensors with reference dumps (golden data, oracle output folders)
// and reporting differences tensor by tensor.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/kernel_mode.h"
#include "runtime/tensor_value.h"
#include "util/status.h"

namespace rf::test {

/// Tolerances: integer tensors must match bit for bit; float tensors within
/// max(absolute, relative * |expected|).
struct Tolerance {
    double relative = 1e-5;
    double absolute = 1e-6;
};

/// How two tensors of the same dtype and size differ.
struct TensorDiff {
    int64_t elements = 0;
    int64_t differing = 0; ///< Elements outside the tolerance (floats) or not equal (integers).
    double maxAbsDiff = 0;
    double maxAbsExpected = 0; ///< Largest |expected| value, to put maxAbsDiff in proportion.
    int64_t firstIndex = -1;
    double firstGot = 0, firstExpected = 0;
};

/// Element-wise comparison of two raw arrays of `dtype`.
TensorDiff diffTensorBytes(DType dtype, const uint8_t* got, const uint8_t* expected, int64_t elements,
                           const Tolerance& tolerance = {});

/// Runs `graph` once in `mode` with the given raw input bytes and returns the
/// value of every tensor an op wrote (and of the graph inputs), by tensor index.
Result<std::map<int32_t, TensorValue>> runAndCapture(const Graph& graph, KernelMode mode,
                                                     const std::vector<std::vector<uint8_t>>& inputs, int threads = 1);

/// The outcome of comparing a run with a reference folder.
struct DumpComparison {
    int compared = 0;
    int mismatched = 0;
    /// Reference tensors left out on purpose, with the reason ("t0010 'name': why").
    std::vector<std::string> excluded;
    /// One line per mismatching (or missing) tensor, in producing-op order.
    std::vector<std::string> problems;
    /// A summary plus the first problems (the first one is where drift starts).
    std::string report(size_t maxLines = 25) const;
};

/// Compares `values` with every output_<i>.bin and intermediates/*.bin (plus their
/// .json sidecars) in `referenceDir`: dtype, shape and contents (integers exact,
/// floats within `tolerance`). A reference tensor we did not produce is a problem.
/// `exclude` may name tensors whose reference values are meaningless (returning the
/// reason, or "" to compare the tensor); they are listed in `excluded`.
using ExcludeTensor = std::function<std::string(const Graph& graph, int32_t tensorIndex)>;
DumpComparison compareWithDump(const Graph& graph, const std::map<int32_t, TensorValue>& values,
                               const std::string& referenceDir, const Tolerance& tolerance = {},
                               const ExcludeTensor& exclude = {});

} // namespace rf::test
