// wq/mpmc_engine.hpp — the lock-free back-end: moodycamel::ConcurrentQueue, workers that spin for
// a bounded time, then park on a futex.
//
// Put path: enter the put gate (one locked add on a per-thread-slot line), enqueue (moodycamel's
// per-producer sub-queue), one seq_cst fence, one load of the shared idle-state word, leave the
// gate (a second locked add). A wake-up system call happens only when no worker is spinning and one
// is parked — never while the engine is saturated.
//
// Idle path: a worker that finds the queue empty spins (at most max_spinning_workers at once) for
// spin_before_park, then parks. Parking re-checks the queue after announcing itself, so a put that
// raced with it is never lost; a worker that finds work while it was the last spinner wakes a
// successor, so a burst ramps up all workers. An idle engine ends with every worker parked: no CPU.
//
// Thread-safety: all members, any thread. put never blocks; it allocates only when the queue grows.
//
//   wq::MpmcEngine engine({.workers = 2, .spin_before_park = std::chrono::microseconds{20}});
//   engine.put(item);
//   engine.shutdown();
#pragma once

#include "wq/detail/engine_base.hpp"
#include "wq/detail/idle_workers.hpp"

#include <concurrentqueue.h>

namespace wq::detail {

class MpmcCore : public GatedEngineBase<MpmcCore, "mpmc"> {
public:
    HRESULT put(MFASYNCRESULT* item) noexcept final;
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept final;

protected:
    /// Only as Complete<MpmcCore> (MpmcEngine), which shuts down before the members go.
    explicit MpmcCore(const Options& options = {});

private:
    friend EngineBase;
    void worker_main(unsigned index, detail::WorkerStats& stats) noexcept;
    void stop() noexcept;

    moodycamel::ConcurrentQueue<MFASYNCRESULT*> queue_;
    IdleWorkers idle_;
};

// The vtable and virtual members are emitted with the back-end's source, where put_bulk is
// visible: the type-erased put (a bulk of one) inlines it there.
extern template class Complete<MpmcCore>;

}  // namespace wq::detail

namespace wq {

using MpmcEngine = detail::Complete<detail::MpmcCore>;

}  // namespace wq
