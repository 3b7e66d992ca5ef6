#pragma once
// A small fixed-size thread pool with a blocking parallel-for, used by kernels to
// split work across the threads the user asked for.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rf {

/// Runs `fn(begin, end)` over disjoint chunks of [0, count) on up to threadCount()
/// threads (the calling thread included) and returns when all chunks are done.
/// With one thread, calls fn(0, count) directly. Not reentrant.
class ThreadPool {
public:
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int threadCount() const { return static_cast<int>(workers_.size()) + 1; }
    /// Splits [0, count) into at most threadCount() contiguous chunks of at least
    /// `minChunk` items and runs them in parallel.
    void parallelFor(int64_t count, const std::function<void(int64_t begin, int64_t end)>& fn, int64_t minChunk = 1);

private:
    void workerLoop(int workerIndex);

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    const std::function<void(int64_t, int64_t)>* task_ = nullptr;
    std::vector<std::pair<int64_t, int64_t>> chunks_;
    uint64_t generation_ = 0;
    int pending_ = 0;
    bool stopping_ = false;
};

} // namespace rf
