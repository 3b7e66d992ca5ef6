#include "quant/calibration_observer.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>

namespace rf {

namespace {

/// Results of the first pass over one tensor value.
struct ScanResult {
    float min = std::numeric_limits<float>::infinity();
    float max = -std::numeric_limits<float>::infinity();
    double sum = 0.0;
    double sumSquares = 0.0;
    size_t nonFinite = 0;
    /// Filled by scanSkippingNonFinite() only.
    size_t nanCount = 0;
    size_t infCount = 0;
};

/// The slow scan for values containing NaN or infinities: those are skipped (NaN as
/// the TFLite calibrator does; infinities are kept out of the range and histogram)
/// and counted.
ScanResult scanSkippingNonFinite(const float* values, size_t count)
{
    ScanResult result;
    for (size_t i = 0; i < count; ++i) {
        const float x = values[i];
        if (std::isnan(x)) {
            ++result.nanCount;
            continue;
        }
        if (!std::isfinite(x)) {
            ++result.infCount;
            continue;
        }
        result.min = std::min(result.min, x);
        result.max = std::max(result.max, x);
        result.sum += x;
        result.sumSquares += static_cast<double>(x) * x;
    }
    result.nonFinite = result.nanCount + result.infCount;
    return result;
}

/// Scans one chunk and bins its finite values into `histogram`.
ScanResult scanAndBin(const float* values, size_t count, CalibrationHistogram& histogram)
{
    const ValueScan fast = histogram.addScanned(values, count);
    if (fast.nonFinite == 0) {
        ScanResult scan;
        scan.min = fast.min;
        scan.max = fast.max;
        scan.sum = fast.sum;
        scan.sumSquares = fast.sumSquares;
        return scan;
    }
    histogram.add(std::span<const float>(values, count));
    return scanSkippingNonFinite(values, count);
}

} // namespace

CalibrationObserver::CalibrationObserver(const Graph& graph, CalibrationObserverOptions options)
    : options_(options), slot_(graph.tensors.size(), -1)
{
    options_.threads = std::max(1, options_.threads);
    statistics_.modelName = graph.sourcePath;
    for (size_t t = 0; t < graph.tensors.size(); ++t) {
        if (!isObserved(graph.tensors[t])) continue;
        slot_[t] = static_cast<int32_t>(statistics_.tensors.size());
        TensorStatistics stats;
        stats.name = graph.tensors[t].name;
        stats.tensorIndex = static_cast<int32_t>(t);
        stats.histogram = CalibrationHistogram(options_.histogramBins);
        statistics_.tensors.push_back(std::move(stats));
    }
    derived_.resize(statistics_.tensors.size());
    last_.resize(statistics_.tensors.size());
    seenAt_.assign(statistics_.tensors.size(), 0);
    seenCount_.assign(statistics_.tensors.size(), 0);
    for (const Op& op : graph.ops) {
        if ((op.type != OpType::Pad && op.type != OpType::PadV2) || op.inputs.size() < 2 || op.outputs.size() != 1)
            continue;
        const int32_t in = op.inputs[0], out = op.outputs[0];
        if (in < 0 || out < 0 || static_cast<size_t>(in) >= slot_.size() || static_cast<size_t>(out) >= slot_.size() ||
            in == out || slot_[in] < 0 || slot_[out] < 0)
            continue;
        float padValue = 0.0f; // PAD on float pads with +0.0
        if (op.inputs.size() >= 3) {
            const int32_t p = op.inputs[2];
            if (p < 0 || static_cast<size_t>(p) >= graph.tensors.size()) continue;
            const Tensor& pad = graph.tensors[static_cast<size_t>(p)];
            if (!pad.isConstant || pad.dtype != DType::Float32 || pad.data.size() != sizeof(float)) continue;
            std::memcpy(&padValue, pad.data.data(), sizeof(float));
            if (!std::isfinite(padValue)) continue;
        }
        derived_[static_cast<size_t>(slot_[out])].inputSlot = slot_[in];
        derived_[static_cast<size_t>(slot_[out])].padValue = padValue;
    }
    if (options_.threads > 1) {
        pool_ = std::make_unique<ThreadPool>(options_.threads);
        partial_.assign(static_cast<size_t>(options_.threads), CalibrationHistogram(options_.histogramBins));
    }
    copyAll_ = options_.pipelineCopies || graph.inputs.empty();
    if (options_.pipelined && std::thread::hardware_concurrency() > 1) {
        buffers_.resize(statistics_.tensors.size());
        active_.assign(statistics_.tensors.size(), false);
        // Without a thread (resource exhaustion) the observer quietly stays synchronous:
        // the statistics are the same either way, only slower.
        try {
            worker_ = std::thread([this] { workerLoop(); });
        } catch (const std::system_error&) {
        }
    }
}

CalibrationObserver::~CalibrationObserver()
{
    if (!worker_.joinable()) return;
    {
        // Tensors still queued (a cancelled or failed run) are discarded.
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    workReady_.notify_all();
    worker_.join();
}

bool CalibrationObserver::runnable(const QueuedTensor& item) const
{
    // A derived tensor reads its input's statistics: the input's item (queued before
    // it, so already popped) must be finished.
    return !item.derived || !active_[static_cast<size_t>(item.inputSlot)];
}

void CalibrationObserver::runItem(std::unique_lock<std::mutex>& lock)
{
    const QueuedTensor item = queue_.front();
    queue_.pop_front();
    active_[static_cast<size_t>(item.slot)] = true;
    const float* values = item.inPlace ? item.inPlace : buffers_[static_cast<size_t>(item.slot)].values.get();
    lock.unlock();
    // Each tensor's statistics are touched by one thread at a time (a tensor is queued
    // at most once per invoke and the next invoke waits for the queue to drain), and
    // in the same order as on the synchronous path.
    if (item.derived)
        observeDerived(item.slot, item.inputSlot, item.pads);
    else
        observe(item.slot, values, item.count);
    lock.lock();
    if (!item.inPlace && !item.derived) {
        queuedBytes_ -= item.count * sizeof(float);
        buffers_[static_cast<size_t>(item.slot)].busy = false;
    }
    active_[static_cast<size_t>(item.slot)] = false;
    --inFlight_;
    spaceFreed_.notify_all();
    workReady_.notify_all();
}

void CalibrationObserver::workerLoop()
{
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        workReady_.wait(lock, [this] { return stopping_ || (!queue_.empty() && runnable(queue_.front())); });
        if (stopping_) return;
        runItem(lock);
    }
}

void CalibrationObserver::helpDrain()
{
    // The inference thread would only wait here: it bins queued tensors itself, so a
    // slow or descheduled statistics thread (a busy machine) costs no more than the
    // synchronous path.
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        if (queue_.empty()) {
            spaceFreed_.wait(lock, [this] { return inFlight_ == 0; });
            return;
        }
        if (!runnable(queue_.front())) {
            spaceFreed_.wait(lock, [this] { return queue_.empty() || runnable(queue_.front()); });
            continue;
        }
        runItem(lock);
    }
}

void CalibrationObserver::drain() const
{
    if (!worker_.joinable()) return;
    std::unique_lock<std::mutex> lock(mutex_);
    spaceFreed_.wait(lock, [this] { return inFlight_ == 0; });
}

const CalibrationStatistics& CalibrationObserver::statistics() const
{
    drain();
    return statistics_;
}

bool CalibrationObserver::isObserved(const Tensor& tensor)
{
    return !tensor.isConstant && tensor.dtype == DType::Float32;
}

CalibrationStatistics CalibrationObserver::takeStatistics()
{
    drain();
    // Derived histograms restart from the (fresh) inputs' histograms.
    for (DerivedPad& derived : derived_) derived.totalPads = 0;
    CalibrationStatistics taken = std::move(statistics_);
    statistics_ = CalibrationStatistics{};
    statistics_.modelName = taken.modelName;
    for (const TensorStatistics& stats : taken.tensors) {
        TensorStatistics fresh;
        fresh.name = stats.name;
        fresh.tensorIndex = stats.tensorIndex;
        fresh.histogram = CalibrationHistogram(options_.histogramBins);
        statistics_.tensors.push_back(std::move(fresh));
    }
    return taken;
}

void CalibrationObserver::onTensor(int opIndex, int32_t tensorIndex, const Tensor& /*tensor*/,
                                   const TensorValue& value)
{
    // A graph-input callback starts an invoke: before any op overwrites its output
    // buffer, the statistics thread must be done reading the previous invoke's buffers.
    if (opIndex < 0 && worker_.joinable() && !copyAll_) helpDrain();
    if (tensorIndex < 0 || static_cast<size_t>(tensorIndex) >= slot_.size() || slot_[tensorIndex] < 0) return;
    if (value.dtype() != DType::Float32 || value.elementCount() <= 0 || !value.bytes()) return;
    const float* values = value.data<float>();
    const size_t count = static_cast<size_t>(value.elementCount());
    const int32_t slot = slot_[tensorIndex];
    DerivedPad& derived = derived_[static_cast<size_t>(slot)];
    bool derive = false;
    if (derived.inputSlot >= 0) {
        // The relation holds when the input was observed since this tensor last was
        // (in this invoke) and the padded tensor is not smaller.
        const size_t in = static_cast<size_t>(derived.inputSlot);
        derive = seenAt_[in] > derived.lastSeen && seenCount_[in] <= count;
        if (!derive) derived.inputSlot = -1; // binned directly from now on (exact either way)
    }
    const uint64_t pads = derive ? count - seenCount_[static_cast<size_t>(derived.inputSlot)] : 0;
    seenAt_[static_cast<size_t>(slot)] = ++sequence_;
    seenCount_[static_cast<size_t>(slot)] = count;
    derived.lastSeen = sequence_;
    // Synchronous; or, in place, a graph input: nothing is in flight after helpDrain(),
    // and binning it here saves a copy (setInput() overwrites it before the next invoke).
    if (!worker_.joinable() || (opIndex < 0 && !copyAll_)) {
        if (derive)
            observeDerived(slot, derived.inputSlot, pads);
        else
            observe(slot, values, count);
        return;
    }
    if (derive) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++inFlight_;
            queue_.push_back(QueuedTensor{slot, count, nullptr, true, pads, derived.inputSlot});
        }
        workReady_.notify_one();
        return;
    }
    if (opIndex >= 0 && !copyAll_) {
        // In place: the buffer stays unchanged until the next invoke, which waits above.
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++inFlight_;
            queue_.push_back(QueuedTensor{slot, count, values, false, 0, -1});
        }
        workReady_.notify_one();
        return;
    }
    // A copy (graph inputs, or all tensors with pipelineCopies): setInput() overwrites
    // the inputs before the next invoke starts. Back-pressure bounds the copies held.
    const size_t bytes = count * sizeof(float);
    SlotBuffer& buffer = buffers_[static_cast<size_t>(slot)];
    {
        std::unique_lock<std::mutex> lock(mutex_);
        spaceFreed_.wait(lock, [&] {
            return !buffer.busy && (inFlight_ == 0 || queuedBytes_ + bytes <= options_.pipelineQueueBytes);
        });
        queuedBytes_ += bytes;
        ++inFlight_;
        buffer.busy = true;
    }
    // The buffer is ours until queued: the worker only reads buffers of queued tensors.
    if (buffer.capacity < count) {
        buffer.values = std::make_unique_for_overwrite<float[]>(count);
        buffer.capacity = count;
    }
    std::memcpy(buffer.values.get(), values, bytes);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(QueuedTensor{slot, count, nullptr, false, 0, -1});
    }
    workReady_.notify_one();
}

void CalibrationObserver::observeDerived(int32_t slot, int32_t inputSlot, uint64_t pads)
{
    // Only the fields the statistics side owns (padValue is fixed, totalPads is only
    // touched here and in takeStatistics() after draining).
    DerivedPad& derived = derived_[static_cast<size_t>(slot)];
    const TensorStatistics& input = statistics_.tensors[static_cast<size_t>(inputSlot)];
    TensorStatistics& stats = statistics_.tensors[static_cast<size_t>(slot)];
    Observation observation = last_[static_cast<size_t>(inputSlot)];
    const float c = derived.padValue;
    if (pads) {
        observation.min = observation.finite ? std::min(observation.min, c) : c;
        observation.max = observation.finite ? std::max(observation.max, c) : c;
        observation.finite += pads;
        observation.sum += static_cast<double>(pads) * c;
        observation.sumSquares += static_cast<double>(pads) * c * c;
    }
    last_[static_cast<size_t>(slot)] = observation;
    accumulate(stats, observation);
    // The histogram: the input's (all invokes so far) plus every pad value so far. The
    // grid (anchored at 0, finest that holds the range) is the one direct binning gives.
    derived.totalPads += pads;
    stats.histogram = input.histogram;
    if (derived.totalPads) stats.histogram.addValue(c, derived.totalPads);
}

void CalibrationObserver::accumulate(TensorStatistics& stats, const Observation& observation)
{
    stats.nanCount += observation.nanCount;
    stats.infCount += observation.infCount;
    if (observation.finite == 0) return;
    if (stats.count == 0) {
        stats.min = observation.min;
        stats.max = observation.max;
    } else {
        stats.min = std::min(stats.min, observation.min);
        stats.max = std::max(stats.max, observation.max);
    }
    stats.count += observation.finite;
    stats.sum += observation.sum;
    stats.sumSquares += observation.sumSquares;
    stats.sampleMin.push_back(observation.min);
    stats.sampleMax.push_back(observation.max);
}

void CalibrationObserver::observe(int32_t slot, const float* values, size_t count)
{
    TensorStatistics& stats = statistics_.tensors[static_cast<size_t>(slot)];
    ScanResult total;
    // Large tensors are split across threads: each chunk is scanned and binned into
    // its own histogram, which merges exactly into the tensor's (same anchored grid).
    constexpr size_t kParallelThreshold = size_t{1} << 18;
    if (pool_ && count >= kParallelThreshold) {
        // One split at a time (the inference thread may bin while the statistics thread does).
        std::lock_guard<std::mutex> splitLock(splitMutex_);
        const int threads = pool_->threadCount();
        std::vector<ScanResult> scans(static_cast<size_t>(threads));
        const size_t chunk = (count + threads - 1) / threads;
        pool_->parallelFor(threads, [&](int64_t begin, int64_t end) {
            for (int64_t t = begin; t < end; ++t) {
                const size_t from = std::min(count, static_cast<size_t>(t) * chunk);
                const size_t to = std::min(count, from + chunk);
                partial_[static_cast<size_t>(t)].clear();
                scans[static_cast<size_t>(t)] = scanAndBin(values + from, to - from, partial_[static_cast<size_t>(t)]);
            }
        });
        for (int t = 0; t < threads; ++t) {
            const ScanResult& scan = scans[static_cast<size_t>(t)];
            total.min = std::min(total.min, scan.min);
            total.max = std::max(total.max, scan.max);
            total.sum += scan.sum;
            total.sumSquares += scan.sumSquares;
            total.nonFinite += scan.nonFinite;
            total.nanCount += scan.nanCount;
            total.infCount += scan.infCount;
            stats.histogram.merge(partial_[static_cast<size_t>(t)]);
        }
    } else {
        total = scanAndBin(values, count, stats.histogram);
    }
    Observation observation;
    observation.min = total.min;
    observation.max = total.max;
    observation.sum = total.sum;
    observation.sumSquares = total.sumSquares;
    observation.finite = count - total.nonFinite;
    observation.nanCount = total.nanCount;
    observation.infCount = total.infCount;
    last_[static_cast<size_t>(slot)] = observation;
    accumulate(stats, observation);
}

} // namespace rf
