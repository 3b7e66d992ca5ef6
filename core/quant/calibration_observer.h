#pragma once
// The calibration observer: while the float model runs over the calibration set it
// gathers, per float activation tensor (graph inputs and every op output; constants
// and non-float tensors are skipped), min/max, counts, per-invoke min/max and a fine
// histogram.
//
// Pipelining (optional, off by default, see docs/calibration.md "Cost"): onTensor()
// only queues the tensor (read in place from the interpreter's buffer, or copied into
// a per-tensor buffer); a dedicated statistics thread bins the queued tensors in
// arrival order while inference continues. In place, when the next invoke starts, the
// inference thread helps: it bins what is still queued instead of waiting. Copies are bounded to a fixed number of
// bytes and one copy per tensor (back-pressure: onTensor() waits for the worker), the
// next invoke waits until the previous one's tensors are processed, and
// statistics()/takeStatistics() wait until the queue is drained. Since every tensor is
// processed in the same order with the same code as the synchronous path, the
// statistics are identical, bit for bit.
//
// Cost per value: one fused pass (histogram_kernels.h). Large tensors can be split
// across threads.
//
// Padded tensors: the output of a PAD / PADV2 with a constant pad value holds its
// input's values plus `pads` copies of the pad value, so its statistics are derived
// from the input's instead of binning it again (a quarter of all values in a Keras
// MobileNetV2): count, min/max, per-invoke min/max and the histogram's counts are
// exactly those of a direct observation (sums differ only by rounding order). Should an
// invoke ever break that relation (the input not observed since the output was), the
// tensor is binned directly from then on, which stays exact.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
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
    /// Bin on a dedicated statistics thread while inference continues (see above).
    /// Off by default: on the 2-core reference VM the tensor copies cost more than the
    /// overlap saves (docs/calibration.md). Has no effect without a second hardware thread.
    bool pipelined = false;
    /// With `pipelined`: give the statistics thread a copy of every tensor (true), or
    /// let it read op outputs in place, in the interpreter's own buffers (false, the
    /// default: no copy on the inference thread). In place relies on the Interpreter's
    /// buffer contract (every tensor has its own buffer, written during invoke() only by
    /// the op producing it): the observer waits for the statistics thread when the next
    /// invoke starts (its graph-input callback, before any op runs), and graph inputs,
    /// which setInput() overwrites before that, are always copied. Graphs without
    /// inputs are always copied.
    bool pipelineCopies = false;
    /// Most bytes of tensor copies the pipeline queue holds before onTensor() waits
    /// (a single larger tensor is still accepted when the queue is empty). Memory is
    /// also bounded by one copy per observed tensor: a tensor whose previous copy is
    /// still queued waits for it.
    size_t pipelineQueueBytes = size_t{64} << 20;
};

/// Collects CalibrationStatistics. Attach it to Interpreter::invoke() for each sample.
class CalibrationObserver : public TensorObserver {
public:
    explicit CalibrationObserver(const Graph& graph, CalibrationObserverOptions options = {});
    ~CalibrationObserver() override;

    void onTensor(int opIndex, int32_t tensorIndex, const Tensor& tensor, const TensorValue& value) override;
    /// Counts one finished invoke (sample). The driver calls it after each invoke.
    void finishSample() { ++statistics_.sampleCount; }

    /// The statistics so far; waits until the pipeline has processed every queued tensor.
    const CalibrationStatistics& statistics() const;
    /// Moves the statistics out (after draining the pipeline); the observer starts empty again.
    CalibrationStatistics takeStatistics();
    /// True when tensors are binned on the statistics thread (pipelined and the thread started).
    bool isPipelined() const { return worker_.joinable(); }

    /// True for the tensors calibration observes: non-constant float32 tensors.
    static bool isObserved(const Tensor& tensor);

private:
    /// The copy of one observed tensor's latest value, owned by its slot so buffers
    /// are allocated once (first sample) and then reused without churn.
    struct SlotBuffer {
        std::unique_ptr<float[]> values;
        size_t capacity = 0;
        /// Queued or being binned; the producer waits before overwriting it.
        bool busy = false;
    };
    /// One queued tensor: its slot, element count and, when read in place, the
    /// interpreter's buffer (nullptr: the slot's copy).
    struct QueuedTensor {
        int32_t slot = 0;
        size_t count = 0;
        const float* inPlace = nullptr;
        /// Derived padded tensor: its pad count and its input's slot (values are not read).
        bool derived = false;
        uint64_t pads = 0;
        int32_t inputSlot = -1;
    };

    /// Result of one observation (one tensor, one invoke).
    struct Observation {
        float min = 0.0f;
        float max = 0.0f;
        double sum = 0.0;
        double sumSquares = 0.0;
        uint64_t finite = 0;
        uint64_t nanCount = 0;
        uint64_t infCount = 0;
    };
    /// A padded tensor whose statistics are derived from its input's (see above).
    struct DerivedPad {
        /// Slot of the pad's input, or -1 when binned directly.
        int32_t inputSlot = -1;
        float padValue = 0.0f;
        /// Callback sequence number of the last observation of this tensor.
        uint64_t lastSeen = 0;
        /// Pad values over all invokes so far.
        uint64_t totalPads = 0;
    };

    void observe(int32_t slot, const float* values, size_t count);
    /// Updates padded tensor `slot` from the latest observation of `inputSlot` plus `pads` pad values.
    void observeDerived(int32_t slot, int32_t inputSlot, uint64_t pads);
    void accumulate(TensorStatistics& stats, const Observation& observation);
    void workerLoop();
    /// True when `item` can be processed now. Caller holds mutex_.
    bool runnable(const QueuedTensor& item) const;
    /// Pops and processes the front item (unlocking while binning). Caller holds `lock`.
    void runItem(std::unique_lock<std::mutex>& lock);
    /// On the inference thread: processes queued tensors until the queue is drained.
    void helpDrain();
    /// Waits until the statistics thread has processed everything queued so far.
    void drain() const;

    CalibrationObserverOptions options_;
    CalibrationStatistics statistics_;
    /// tensor index -> position in statistics_.tensors, or -1.
    std::vector<int32_t> slot_;
    /// Per slot: derivation (inputSlot -1 for tensors binned directly).
    std::vector<DerivedPad> derived_;
    /// Per slot: the latest observation (read by derived tensors).
    std::vector<Observation> last_;
    /// Per slot (inference thread): callback sequence number and element count of the
    /// latest observation.
    std::vector<uint64_t> seenAt_;
    std::vector<uint64_t> seenCount_;
    uint64_t sequence_ = 0;
    std::unique_ptr<ThreadPool> pool_;
    /// Per-thread histograms for splitting one large tensor.
    std::vector<CalibrationHistogram> partial_;

    // Pipeline state; the queue, the free buffers and the counters are guarded by mutex_.
    mutable std::mutex mutex_;
    /// Signals the worker (work queued or stopping).
    std::condition_variable workReady_;
    /// Signals the producer (space freed or queue drained).
    mutable std::condition_variable spaceFreed_;
    std::deque<QueuedTensor> queue_;
    /// Per slot: being processed (by either thread).
    std::vector<bool> active_;
    /// Serialises splits over pool_ (they share partial_).
    std::mutex splitMutex_;
    /// One buffer per observed tensor (statistics_.tensors order).
    std::vector<SlotBuffer> buffers_;
    size_t queuedBytes_ = 0;
    /// Copy every tensor for the statistics thread (else op outputs are read in place).
    bool copyAll_ = true;
    /// Tensors queued but not yet fully processed (includes the one being binned).
    size_t inFlight_ = 0;
    bool stopping_ = false;
    std::thread worker_;
};

} // namespace rf
