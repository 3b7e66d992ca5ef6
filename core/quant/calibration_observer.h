#pragma once
// The calibration observer: while the float model runs over the calibration set it
// gathers, per float activation tensor (graph inputs and every op output; constants
// and non-float tensors are skipped), min/max, counts, per-invoke min/max and a fine
// histogram. Cost per value: one vectorised min/max/sum pass and one vectorised
// bin-index pass plus a counter increment (see histogram.h); large tensors can be
// split across threads.

#include <memory>
#include <vector>

#include "ir/graph.h"
#include "quant/calibration_statistics.h"
#include "runtime/observer.h"
#include "util/thread_pool.h"

namespace rf {

struct CalibrationObserverOptions {
    /// Histogram window (bins); at least twice the resolution wanted over the range.
    int histogramBins = CalibrationHistogram::kDefaultBinCount;
    /// Threads used to process one large tensor (1 = the calling thread only).
    int threads = 1;
};

/// Collects CalibrationStatistics. Attach it to Interpreter::invoke() for each sample.
class CalibrationObserver : public TensorObserver {
public:
    explicit CalibrationObserver(const Graph& graph, CalibrationObserverOptions options = {});
    ~CalibrationObserver() override;

    void onTensor(int opIndex, int32_t tensorIndex, const Tensor& tensor, const TensorValue& value) override;
    /// Counts one finished invoke (sample). The driver calls it after each invoke.
    void finishSample() { ++statistics_.sampleCount; }

    const CalibrationStatistics& statistics() const { return statistics_; }
    /// Moves the statistics out; the observer starts empty again.
    CalibrationStatistics takeStatistics();

    /// True for the tensors calibration observes: non-constant float32 tensors.
    static bool isObserved(const Tensor& tensor);

private:
    void observe(TensorStatistics& stats, const float* values, size_t count);

    CalibrationObserverOptions options_;
    CalibrationStatistics statistics_;
    /// tensor index -> position in statistics_.tensors, or -1.
    std::vector<int32_t> slot_;
    std::unique_ptr<ThreadPool> pool_;
    /// Per-thread histograms for splitting one large tensor.
    std::vector<CalibrationHistogram> partial_;
};

} // namespace rf
