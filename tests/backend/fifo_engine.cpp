// The test-only `fifo` back-end (see fifo_engine.hpp).
#include "fifo_engine.hpp"

namespace wq::test {

FifoEngine::FifoEngine(const Options& options)
    : EngineBase(options, detail::StatsArray::Writers::one_per_slot) {
    start_workers();
}

FifoEngine::~FifoEngine() {
    shutdown();
}

HRESULT FifoEngine::put_bulk(std::span<MFASYNCRESULT* const> items) noexcept {
    if (const HRESULT hr = detail::validate_items(items); failed(hr)) {
        return hr;
    }
    try {
        const std::lock_guard lock(mutex_);
        if (stopping_) {
            return MF_E_SHUTDOWN;
        }
        items_.insert(items_.end(), items.begin(), items.end());  // may throw: nothing referenced
        for (MFASYNCRESULT* item : items) {
            item->AddRef();
        }
        accepted_ += items.size();
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    }
    pushed_.notify_all();
    return S_OK;
}

void FifoEngine::worker_main(unsigned /*index*/, detail::WorkerStats& stats) noexcept {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (next_ == items_.size()) {
            items_.clear();  // drained: start over at the front (keeps the capacity)
            next_ = 0;
            if (stopping_) {
                return;
            }
            stats.bump(stats.parks);
            pushed_.wait(lock, [this] { return next_ != items_.size() || stopping_; });
            if (next_ != items_.size()) {
                stats.bump(stats.wakeups);
            }
            continue;
        }
        MFASYNCRESULT* item = items_[next_++];
        lock.unlock();
        detail::dispatch(item, stats, options_);
        lock.lock();
    }
}

void FifoEngine::stop() noexcept {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    pushed_.notify_all();
}

std::uint64_t FifoEngine::accepted() const noexcept {
    const std::lock_guard lock(mutex_);
    return accepted_;
}

}  // namespace wq::test
