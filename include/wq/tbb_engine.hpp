// wq/tbb_engine.hpp — the oneTBB back-end: every item becomes a task_arena::enqueue'd task in an
// arena of its own whose threads are all TBB workers (no slot reserved for an application thread).
//
// TBB owns the threads: they spin a little, then sleep in TBB's own way; parks/wakeups are not
// observable and read 0. The arena's concurrency is `workers`; a global_control raises TBB's thread
// pool to fit it while the engine lives. That control is process-wide and TBB applies the smallest
// active value: with several TbbEngines of different sizes alive, the smallest pool wins.
//
// Thread-safety: all members, any thread. put allocates a TBB task (TBB's small-object allocator).
//
//   wq::TbbEngine engine({.workers = 2});
//   engine.put(item);
#pragma once

#include "wq/detail/engine_base.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_scheduler_observer.h>

#include <memory>

namespace wq::detail {

class TbbCore : public GatedEngineBase<TbbCore, "tbb"> {
public:
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept final;

protected:
    /// Only as Complete<TbbCore> (TbbEngine), which shuts down before the members go.
    explicit TbbCore(const Options& options = {});

private:
    friend EngineBase;
    void run(MFASYNCRESULT* item) noexcept;
    void stop() noexcept;

    std::unique_ptr<tbb::global_control> parallelism_;
    tbb::task_arena arena_;
    /// Pins pool threads while they serve arena_ (only when Options::worker_cpus asks for it).
    std::unique_ptr<tbb::task_scheduler_observer> pinning_;
};

// The vtable and virtual members are emitted with the back-end's source, where put_bulk is
// visible: the type-erased put (a bulk of one) inlines it there.
extern template class Complete<TbbCore>;

}  // namespace wq::detail

namespace wq {

using TbbEngine = detail::Complete<detail::TbbCore>;

}  // namespace wq
