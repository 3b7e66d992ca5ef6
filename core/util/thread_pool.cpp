#include "util/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>

namespace rf {

namespace {

// A waiting thread first polls (yielding the CPU between polls) for up to this long before
// it blocks: the ops of one inference call parallelFor microseconds apart, and waking a
// blocked thread costs tens of microseconds on virtual machines. The shared fields are
// read through std::atomic_ref for the polling; every write still happens under mutex_.
constexpr auto kPollTime = std::chrono::microseconds(200);

template <typename Ready>
void pollBriefly(Ready ready)
{
    const auto deadline = std::chrono::steady_clock::now() + kPollTime;
    for (int i = 0; !ready(); ++i) {
        if ((i & 15) == 15 && std::chrono::steady_clock::now() > deadline) return;
        std::this_thread::yield();
    }
}

} // namespace

ThreadPool::ThreadPool(int threads)
{
    const int extra = std::max(0, threads - 1);
    for (int i = 0; i < extra; ++i) workers_.emplace_back([this, i] { workerLoop(i + 1); });
}

ThreadPool::~ThreadPool()
{
    {
        std::lock_guard lock(mutex_);
        std::atomic_ref<bool>(stopping_).store(true);
    }
    wake_.notify_all();
    for (auto& worker : workers_) worker.join();
}

void ThreadPool::parallelFor(int64_t count, const std::function<void(int64_t, int64_t)>& fn, int64_t minChunk)
{
    if (count <= 0) return;
    const int64_t maxChunks = std::max<int64_t>(1, count / std::max<int64_t>(1, minChunk));
    const int64_t chunkCount = std::min<int64_t>(threadCount(), maxChunks);
    if (chunkCount <= 1) {
        fn(0, count);
        return;
    }
    std::vector<std::pair<int64_t, int64_t>> chunks;
    for (int64_t c = 0; c < chunkCount; ++c) chunks.emplace_back(count * c / chunkCount, count * (c + 1) / chunkCount);
    {
        std::lock_guard lock(mutex_);
        task_ = &fn;
        chunks_ = chunks;
        std::atomic_ref<int>(pending_).store(static_cast<int>(chunkCount) - 1);
        std::atomic_ref<uint64_t>(generation_).fetch_add(1);
    }
    wake_.notify_all();
    // The caller takes chunk 0 itself; workers take chunks 1.. by their index.
    fn(chunks[0].first, chunks[0].second);
    pollBriefly([this] { return std::atomic_ref<int>(pending_).load() == 0; });
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return std::atomic_ref<int>(pending_).load() == 0; });
    task_ = nullptr;
}

void ThreadPool::workerLoop(int workerIndex)
{
    uint64_t seen = 0;
    for (;;) {
        const auto ready = [&] {
            return std::atomic_ref<bool>(stopping_).load() || std::atomic_ref<uint64_t>(generation_).load() != seen;
        };
        pollBriefly(ready);
        std::unique_lock lock(mutex_);
        wake_.wait(lock, ready);
        if (std::atomic_ref<bool>(stopping_).load()) return;
        seen = std::atomic_ref<uint64_t>(generation_).load();
        if (static_cast<size_t>(workerIndex) >= chunks_.size()) continue;
        const auto chunk = chunks_[workerIndex];
        const auto* task = task_;
        lock.unlock();
        (*task)(chunk.first, chunk.second);
        lock.lock();
        if (std::atomic_ref<int>(pending_).fetch_sub(1) == 1) done_.notify_all();
    }
}

} // namespace rf
