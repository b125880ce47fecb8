// The `winpool` back-end (Windows only): the Windows thread pool (wq/winpool_engine.hpp).
#include "wq/winpool_engine.hpp"

#include <mutex>
#include <stdexcept>

namespace wq::detail {

WinpoolCore::WinpoolCore(const Options& options)
    // The pool's threads all count in one slot (slot 0): which pool thread runs an item is the
    // pool's business.
    : GatedEngineBase(options, detail::StatsArray::Writers::shared) {
    detail::refuse_worker_cpus(backend_name, options_, "the thread pool");
    pool_ = CreateThreadpool(nullptr);
    if (pool_ == nullptr) {
        throw std::runtime_error("wq: back-end 'winpool': CreateThreadpool failed");
    }
    SetThreadpoolThreadMaximum(pool_, options_.workers);
    if (SetThreadpoolThreadMinimum(pool_, options_.workers) == 0) {
        CloseThreadpool(pool_);
        throw std::runtime_error("wq: back-end 'winpool': SetThreadpoolThreadMinimum failed");
    }
    InitializeThreadpoolEnvironment(&environment_);
    SetThreadpoolCallbackPool(&environment_, pool_);
    work_ = CreateThreadpoolWork(&WinpoolCore::on_work, this, &environment_);
    if (work_ == nullptr) {
        DestroyThreadpoolEnvironment(&environment_);
        CloseThreadpool(pool_);
        throw std::runtime_error("wq: back-end 'winpool': CreateThreadpoolWork failed");
    }
}

void CALLBACK WinpoolCore::on_work(PTP_CALLBACK_INSTANCE /*instance*/, void* self,
                                   PTP_WORK /*work*/) {
    static_cast<WinpoolCore*>(self)->run_one();
}

void WinpoolCore::run_one() noexcept {
    MFASYNCRESULT* item = nullptr;
    {
        const std::lock_guard lock(mutex_);
        // One submit per item queued before it: the FIFO holds at least one.
        item = items_.pop();
    }
    const detail::WorkerScope scope(this);
    dispatch_one(item, stats_[0]);
}

HRESULT WinpoolCore::put_bulk(std::span<MFASYNCRESULT* const> items) noexcept {
    inject_put();
    return detail::put_each(gate_, items, [this](MFASYNCRESULT* item) noexcept -> HRESULT {
        item->AddRef();  // dispatch_one releases it
        {
            const std::lock_guard lock(mutex_);
            items_.push(item);
        }
        SubmitThreadpoolWork(work_);  // one run of on_work for this item
        return S_OK;
    });
}

void WinpoolCore::stop() noexcept {
    gate_.close();  // every accepted item is now queued and submitted, and no other will be
    // Wait until each accepted item reports dispatched (bumped last in dispatch), then for the
    // callbacks still returning, before the pool goes.
    detail::wait_until_dispatched(stats_, gate_.accepted());
    WaitForThreadpoolWorkCallbacks(work_, FALSE);
    CloseThreadpoolWork(work_);
    DestroyThreadpoolEnvironment(&environment_);
    CloseThreadpool(pool_);
}

template class Complete<WinpoolCore>;

}  // namespace wq::detail
