// wq/mutex_engine.hpp — the reference back-end: a std::deque behind one std::mutex, workers
// waiting on a std::condition_variable. What most people write first; every other back-end is
// measured against it.
//
// Thread-safety: all members, any thread. put takes the lock and may allocate (a deque block);
// workers sleep on the condition variable when the queue is empty (an idle engine burns no CPU).
//
//   wq::MutexEngine engine({.workers = 2});
//   engine.put(item);        // S_OK, dispatched on a worker
//   engine.shutdown();       // drains, then joins
#pragma once

#include "wq/detail/dispatch.hpp"
#include "wq/engine.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace wq {

class MutexEngine final : public Engine {
public:
    static constexpr std::string_view backend_name = "mutex";

    explicit MutexEngine(const Options& options = {});
    ~MutexEngine() override;

    HRESULT put(MFASYNCRESULT* item) noexcept override;
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept override;
    HRESULT shutdown() noexcept override;
    [[nodiscard]] EngineCounters counters() const noexcept override;
    [[nodiscard]] std::string_view name() const noexcept override { return backend_name; }
    [[nodiscard]] unsigned worker_count() const noexcept override { return options_.workers; }

private:
    void worker_main(unsigned index) noexcept;

    const Options options_;
    mutable std::mutex mutex_;
    std::condition_variable work_available_;
    std::deque<MFASYNCRESULT*> queue_;  // guarded by mutex_
    std::uint64_t accepted_ = 0;        // guarded by mutex_
    unsigned idle_workers_ = 0;         // guarded by mutex_: workers inside wait()
    bool stopping_ = false;             // guarded by mutex_
    detail::StatsArray stats_;
    std::mutex shutdown_mutex_;  // serialises shutdown() callers
    std::vector<std::thread> workers_;
};

}  // namespace wq
