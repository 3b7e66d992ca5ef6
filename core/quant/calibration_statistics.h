#pragma once
// What calibration keeps per float activation tensor, from which every range
// policy chooses a range afterwards without re-running the model. Statistics of
// separate runs (chunks of the calibration set, threads) merge exactly, and save to /
// load from a binary file, so the analysis report and the GUI can reuse them.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "quant/histogram.h"
#include "util/status.h"

namespace rf {

/// Statistics of one float activation tensor over all calibration samples.
struct TensorStatistics {
    /// The tensor's name in the graph (the key ranges are stored under).
    std::string name;
    /// The tensor's index in the graph the statistics were taken from.
    int32_t tensorIndex = -1;
    /// Finite values seen.
    uint64_t count = 0;
    /// Values skipped: NaN (the TFLite calibrator skips them too) and infinities.
    uint64_t nanCount = 0;
    uint64_t infCount = 0;
    /// Global minimum and maximum of the finite values (what the TFLite calibrator
    /// logs); +inf / -inf while count == 0.
    float min = 0.0f;
    float max = 0.0f;
    /// Sum and sum of squares of the finite values (mean and standard deviation).
    double sum = 0.0;
    double sumSquares = 0.0;
    /// Minimum and maximum of each invoke (one calibration sample, or one batch for
    /// batched models), in sample order: the input of moving-average ranges and of
    /// per-image range plots. Invokes without finite values are not recorded.
    std::vector<float> sampleMin;
    std::vector<float> sampleMax;
    /// All finite values, binned (see histogram.h).
    CalibrationHistogram histogram;

    TensorStatistics();
    double mean() const { return count ? sum / static_cast<double>(count) : 0.0; }
    /// Population standard deviation.
    double stddev() const;
    /// Adds another run's statistics of the same tensor (its samples come after ours).
    void merge(const TensorStatistics& other);
};

/// Statistics of every float activation tensor of one model.
class CalibrationStatistics {
public:
    /// The model the statistics belong to (file name; for messages and files).
    std::string modelName;
    /// Invokes (calibration samples) that contributed.
    uint64_t sampleCount = 0;
    /// One entry per observed tensor, in graph tensor order.
    std::vector<TensorStatistics> tensors;

    /// The statistics of the tensor called `name`, or nullptr.
    const TensorStatistics* find(const std::string& name) const;
    TensorStatistics* find(const std::string& name);

    /// Adds another run over the same model: tensors are matched by name; a tensor
    /// present in only one side is kept as is. Fails if a tensor's index differs
    /// (statistics of another model).
    Status merge(const CalibrationStatistics& other);

    /// Binary serialisation (little-endian, versioned; see calibration_statistics.cpp).
    std::vector<uint8_t> serialize() const;
    /// Parses serialize()'s output; errors name `sourceName` and what is wrong.
    static Result<CalibrationStatistics> deserialize(const std::vector<uint8_t>& bytes, const std::string& sourceName);
    /// Atomic save; refuses to overwrite unless `overwrite`.
    Status save(const std::string& path, bool overwrite) const;
    static Result<CalibrationStatistics> load(const std::string& path);
};

} // namespace rf
