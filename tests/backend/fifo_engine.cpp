// The test-only `fifo` back-end (see fifo_engine.hpp).
#include "fifo_engine.hpp"

#include <algorithm>

namespace wq::test {

HRESULT FifoCore::put_bulk(std::span<MFASYNCRESULT* const> items) noexcept {
    inject_put();
    if (const HRESULT hr = detail::admit_items(items); failed(hr)) {
        return hr;
    }
    try {
        const std::lock_guard lock(mutex_);
        if (stopping_) {
            detail::unmark_items(items);
            return MF_E_SHUTDOWN;
        }
        items_.insert(items_.end(), items.begin(), items.end());  // may throw: nothing referenced
        std::for_each(items.begin(), items.end(), [](MFASYNCRESULT* item) { item->AddRef(); });
        accepted_ += items.size();
    } catch (const std::bad_alloc&) {
        detail::unmark_items(items);
        return E_OUTOFMEMORY;
    }
    pushed_.notify_all();
    return S_OK;
}

void FifoCore::worker_main(unsigned /*index*/, detail::WorkerStats& stats) noexcept {
    std::vector<MFASYNCRESULT*> share;
    std::unique_lock lock(mutex_);
    while (true) {
        const auto queued = [this] { return items_.size() - next_; };
        if (queued() == 0 && !stopping_) {
            stats.bump(stats.parks);
            pushed_.wait(lock, [&] { return queued() != 0 || stopping_; });
            if (queued() != 0) {
                stats.bump(stats.wakeups);  // woken by work, not by the stop
            }
        }
        if (queued() == 0) {
            return;  // stopping, and nothing is left
        }
        // A fair share of what is queued (at least one), in order.
        const std::size_t take = std::max<std::size_t>(1, queued() / options_.workers);
        share.assign(items_.begin() + static_cast<std::ptrdiff_t>(next_),
                     items_.begin() + static_cast<std::ptrdiff_t>(next_ + take));
        next_ += take;
        if (next_ == items_.size()) {
            items_.clear();  // drained: start over at the front, keeping the capacity
            next_ = 0;
        }
        lock.unlock();
        for (MFASYNCRESULT* item : share) {
            dispatch_one(item, stats);
        }
        lock.lock();
    }
}

}  // namespace wq::test

template class wq::detail::Complete<wq::test::FifoCore>;
