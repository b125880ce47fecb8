// wq/winpool_engine.hpp — Windows only: the Windows thread pool (the pool Windows itself and
// Wine's Media Foundation are built on) as a back-end.
//
// A private pool (CreateThreadpool) of exactly `workers` threads (SetThreadpoolThreadMinimum and
// SetThreadpoolThreadMaximum), one work object bound to it through a callback environment, and
// the items in a FIFO of the engine's own, linked through their OVERLAPPED (no allocation here):
// a put appends the item and submits the work object once (SubmitThreadpoolWork), and each run
// of the work callback takes the oldest item and dispatches it — one item per submit, the shape
// the pool offers for one item per put without an allocation per item (TrySubmitThreadpoolCallback
// and a work object per item allocate each time). With one worker, items run in put order.
//
// The pool owns its threads: they are not pinned (Options::worker_cpus is refused, as mfplat
// refuses it), their parks are not observable (read 0), and MMCSS registrations leave them as
// they are. Shutdown drains every accepted item, then waits for the callbacks and closes the pool.
//
// Thread-safety: all members, any thread.
#pragma once

#include "wq/detail/engine_base.hpp"
#include "wq/detail/item_fifo.hpp"
#include "wq/detail/spin_mutex.hpp"

#include <windows.h>

namespace wq::detail {

class WinpoolCore : public GatedEngineBase<WinpoolCore, "winpool"> {
public:
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept final;

protected:
    /// Only as Complete<WinpoolCore> (WinpoolEngine), which shuts down before the members go.
    explicit WinpoolCore(const Options& options = {});

private:
    friend EngineBase;
    static void CALLBACK on_work(PTP_CALLBACK_INSTANCE instance, void* self, PTP_WORK work);
    void run_one() noexcept;
    void stop() noexcept;

    PTP_POOL pool_ = nullptr;
    TP_CALLBACK_ENVIRON environment_{};
    PTP_WORK work_ = nullptr;
    SpinMutex mutex_;  // every critical section is one push or pop
    ItemFifo items_;   // guarded by mutex_
};

// The vtable and virtual members are emitted with the back-end's source.
extern template class Complete<WinpoolCore>;

}  // namespace wq::detail

namespace wq {

using WinpoolEngine = detail::Complete<detail::WinpoolCore>;

}  // namespace wq
