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

#include "wq/detail/engine_base.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>

namespace wq::detail {

class MutexCore : public EngineBase<MutexCore, "mutex"> {
public:
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept final;

protected:
    /// Only as Complete<MutexCore> (MutexEngine), which shuts down before the members go.
    explicit MutexCore(const Options& options = {})
        : EngineBase(options, StatsArray::Writers::one_per_slot) {
        start_workers();
    }

private:
    friend EngineBase;
    void worker_main(unsigned index, detail::WorkerStats& stats) noexcept;
    void stop() noexcept;
    [[nodiscard]] std::uint64_t accepted() const noexcept;

    mutable std::mutex mutex_;
    std::condition_variable work_available_;
    std::deque<MFASYNCRESULT*> queue_;  // guarded by mutex_
    std::uint64_t accepted_ = 0;        // guarded by mutex_
    unsigned idle_workers_ = 0;         // guarded by mutex_: workers inside wait()
    bool stopping_ = false;             // guarded by mutex_
};

// The vtable and virtual members are emitted with the back-end's source, where put_bulk is
// visible: the type-erased put (a bulk of one) inlines it there.
extern template class Complete<MutexCore>;

}  // namespace wq::detail

namespace wq {

using MutexEngine = detail::Complete<detail::MutexCore>;

}  // namespace wq
