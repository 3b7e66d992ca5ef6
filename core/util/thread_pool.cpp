#include "util/thread_pool.h"

#include <algorithm>

namespace rf {

ThreadPool::ThreadPool(int threads)
{
    const int extra = std::max(0, threads - 1);
    for (int i = 0; i < extra; ++i) workers_.emplace_back([this, i] { workerLoop(i + 1); });
}

ThreadPool::~ThreadPool()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
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
        pending_ = static_cast<int>(chunkCount) - 1;
        ++generation_;
    }
    wake_.notify_all();
    // The caller takes chunk 0 itself; workers take chunks 1.. by their index.
    fn(chunks[0].first, chunks[0].second);
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    task_ = nullptr;
}

void ThreadPool::workerLoop(int workerIndex)
{
    uint64_t seen = 0;
    for (;;) {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        if (static_cast<size_t>(workerIndex) >= chunks_.size()) continue;
        const auto chunk = chunks_[workerIndex];
        const auto* task = task_;
        lock.unlock();
        (*task)(chunk.first, chunk.second);
        lock.lock();
        if (--pending_ == 0) done_.notify_all();
    }
}

} // namespace rf
