// The `mutex` back-end: one lock, one deque, one condition variable.
#include "wq/mutex_engine.hpp"

namespace wq {

MutexEngine::MutexEngine(const Options& options)
    : options_(detail::resolve_options(backend_name, options)),
      stats_(options_.workers, detail::StatsArray::Writers::one_per_slot) {
    workers_.reserve(options_.workers);
    for (unsigned i = 0; i < options_.workers; ++i) {
        workers_.emplace_back([this, i] { worker_main(i); });
    }
}

MutexEngine::~MutexEngine() {
    shutdown();
}

HRESULT MutexEngine::put(MFASYNCRESULT* item) noexcept {
    return put_bulk(std::span<MFASYNCRESULT* const>(&item, 1));
}

HRESULT MutexEngine::put_bulk(std::span<MFASYNCRESULT* const> items) noexcept {
    if (const HRESULT hr = detail::validate_items(items); failed(hr)) {
        return hr;
    }
    bool wake = false;
    try {
        std::lock_guard lock(mutex_);
        if (stopping_) {
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

void MutexEngine::worker_main(unsigned index) noexcept {
    detail::start_worker_thread(backend_name, index, options_);
    const detail::WorkerScope scope(this);
    detail::WorkerStats& stats = stats_[index];
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
        detail::dispatch(item, stats, options_);
        lock.lock();
    }
}

HRESULT MutexEngine::shutdown() noexcept {
    if (detail::current_worker_engine() == this) {
        return E_ILLEGAL_METHOD_CALL;
    }
    const std::lock_guard serial(shutdown_mutex_);
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_available_.notify_all();
    for (std::thread& worker : workers_) {
        if (worker.joinable()) {
            worker.join();
        }
    }
    return S_OK;
}

EngineCounters MutexEngine::counters() const noexcept {
    std::uint64_t accepted = 0;
    {
        const std::lock_guard lock(mutex_);
        accepted = accepted_;
    }
    return stats_.counters(accepted);
}

}  // namespace wq
