#pragma once
// The ranges file: the chosen range of every activation tensor with the model it
// belongs to (file name + SHA-256) and the method that chose it, so a conversion is
// repeatable and ranges can be edited by hand or in the GUI. Format:
// docs/ranges_json.md, schema: docs/ranges.schema.json.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "quant/calibration_statistics.h"
#include "quant/range_policies.h"
#include "quant/tensor_range.h"
#include "util/status.h"

namespace rf {

/// The format version this build writes and reads.
inline constexpr int kRangesFormatVersion = 1;

/// A short statistics summary stored next to a calibrated range (informative only).
struct RangeStatsSummary {
    uint64_t count = 0;
    float observedMin = 0.0f;
    float observedMax = 0.0f;
    double mean = 0.0;
    double stddev = 0.0;
    uint64_t samples = 0;
    uint64_t nanCount = 0;
    uint64_t infCount = 0;
};

/// The contents of a ranges file.
struct RangesFile {
    int formatVersion = kRangesFormatVersion;
    /// "Rangefinder 0.1.0".
    std::string generator;
    /// The model's file name (no directory) and the SHA-256 of its bytes.
    std::string modelFile;
    std::string modelSha256;
    /// The policy that chose the calibrated ranges.
    RangePolicy policy;
    uint64_t calibrationSamples = 0;
    RangeTable ranges;
    /// Optional, per tensor name.
    std::map<std::string, RangeStatsSummary> stats;
};

/// Builds the file contents from chosen ranges, the policy and (optionally) the
/// statistics for the summaries; `modelPath` is reduced to its file name.
RangesFile makeRangesFile(const RangeTable& ranges, const RangePolicy& policy, const CalibrationStatistics* statistics,
                          const std::string& modelPath, const std::string& modelSha256);

/// The JSON text (2-space indented, tensors in name order, floats written so they
/// read back bit for bit).
std::string rangesToJson(const RangesFile& file);
/// Parses and validates; errors name `sourceName`, the line (syntax errors, tensor
/// entries) and the tensor entry (index and name) that is wrong.
Result<RangesFile> rangesFromJson(std::string_view text, const std::string& sourceName);

/// Atomic write; refuses to replace an existing file unless `overwrite`.
Status saveRangesJson(const std::string& path, const RangesFile& file, bool overwrite);
Result<RangesFile> loadRangesJson(const std::string& path);

/// Checks a ranges file against the model it is applied to: tensors the model does
/// not have (or that are not float activations) are an error naming them; a different
/// SHA-256 or file name, and activations without a range, are warnings.
Status checkRangesAgainstModel(const RangesFile& file, const Graph& graph, const std::string& modelSha256,
                               std::vector<std::string>* warnings);

} // namespace rf
