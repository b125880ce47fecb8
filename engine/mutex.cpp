// The `mutex` back-end: one lock, one deque, one condition variable.
#include "wq/mutex_engine.hpp"

namespace wq::detail {

HRESULT MutexCore::put_bulk(std::span<MFASYNCRESULT* const> items) noexcept {
    inject_put();
    if (const HRESULT hr = detail::admit_items(items); failed(hr)) {
        return hr;
    }
    bool wake = false;
    try {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            detail::unmark_items(items);
            return MF_E_SHUTDOWN;
        }
        // Insert first, AddRef after: if the deque cannot grow nothing was queued or referenced.
        queue_.insert(queue_.end(), items.begin(), items.end());
        for (MFASYNCRESULT* item : items) {
            item->AddRef();
        }
        accepted_ += items.size();
        wake = idle_workers_ != 0;
    } catch (const std::bad_alloc&) {
        detail::unmark_items(items);
        return E_OUTOFMEMORY;
    }
    // Notify outside the lock so the woken worker does not block on it at once.
    if (wake) {
        if (items.size() == 1) {
            work_available_.notify_one();
        } else {
            work_available_.notify_all();
        }
    }
    return S_OK;
}

void MutexCore::worker_main(unsigned /*index*/, detail::WorkerStats& stats) noexcept {
    std::unique_lock lock(mutex_);
    for (;;) {
        while (queue_.empty() && !stopping_) {
            ++idle_workers_;
            stats.bump(stats.parks);
            work_available_.wait(lock);
            --idle_workers_;
            if (!queue_.empty()) {
                stats.bump(stats.wakeups);
            }
        }
        if (queue_.empty()) {
            return;  // stopping and drained
        }
        MFASYNCRESULT* item = queue_.front();
        queue_.pop_front();
        lock.unlock();
        dispatch_one(item, stats);
        lock.lock();
    }
}

void MutexCore::stop() noexcept {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_available_.notify_all();
}

std::uint64_t MutexCore::accepted() const noexcept {
    const std::lock_guard lock(mutex_);
    return accepted_;
}

template class Complete<MutexCore>;

}  // namespace wq::detail
