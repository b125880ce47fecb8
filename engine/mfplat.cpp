// The `mfplat` back-end (Windows only): Media Foundation's platform work queue.
#include "wq/mfplat_engine.hpp"

#include "wq/async_result.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

namespace wq::detail {

HRESULT MfplatCore::Trampoline::QueryInterface(REFIID riid, void** out) {
    return detail::query_interface<IMFAsyncCallback>(this, riid, out);
}

HRESULT MfplatCore::Trampoline::Invoke(IMFAsyncResult* result) {
    engine_.run(result);
    return S_OK;
}

namespace {
std::string hex(HRESULT hr) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08lX", static_cast<unsigned long>(hr));
    return text;
}
}  // namespace

MfplatCore::MfplatCore(const Options& options)
    // MF's threads all count in one slot (slot 0).
    : GatedEngineBase(options, detail::StatsArray::Writers::shared) {
    detail::refuse_worker_cpus(backend_name, options_, "Media Foundation");
    if (const HRESULT hr = MFStartup(MF_VERSION, MFSTARTUP_LITE); failed(hr)) {
        throw std::runtime_error("wq: back-end 'mfplat': MFStartup failed, " + hex(hr));
    }
    // One worker: a STANDARD queue, which has exactly one thread of its own; otherwise MF's
    // multithreaded queue, whose pool MF sizes itself.
    const MFASYNC_WORKQUEUE_TYPE type =
        options_.workers == 1 ? MF_STANDARD_WORKQUEUE : MF_MULTITHREADED_WORKQUEUE;
    if (const HRESULT hr = MFAllocateWorkQueueEx(type, &queue_); failed(hr)) {
        MFShutdown();
        throw std::runtime_error("wq: back-end 'mfplat': MFAllocateWorkQueueEx failed, " + hex(hr));
    }
}

void MfplatCore::run(IMFAsyncResult* result) noexcept {
    auto* item = static_cast<MFASYNCRESULT*>(result);
    IMFAsyncCallback* callback = nullptr;
    {
        const std::lock_guard lock(callbacks_mutex_);
        const auto found = callbacks_.find(item);
        if (found != callbacks_.end()) {
            callback = found->second;
            callbacks_.erase(found);
        }
    }
    item->pCallback = callback;  // the caller sees its own callback again
    const detail::WorkerScope scope(this);
    detail::WorkerStats& stats = stats_[0];
    // MF holds the queue's reference and releases it after we return: invoke, no Release here.
    detail::invoke(item, stats, options_);
    stats.bump(stats.dispatched);
}

HRESULT MfplatCore::post(MFASYNCRESULT* item, LONG priority) noexcept {
    if (item->pCallback == nullptr) {
        return E_POINTER;  // MF calls the callback at put time (see the header)
    }
    try {
        const std::lock_guard lock(callbacks_mutex_);
        callbacks_.emplace(item, item->pCallback);
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    }
    item->pCallback = &trampoline_;
    const HRESULT hr = MFPutWorkItemEx2(queue_, priority, item);
    if (failed(hr)) {
        const std::lock_guard lock(callbacks_mutex_);
        item->pCallback = callbacks_[item];
        callbacks_.erase(item);
    }
    return hr;
}

HRESULT MfplatCore::put_bulk(std::span<MFASYNCRESULT* const> items) noexcept {
    return put_at(items, 0);
}

HRESULT MfplatCore::put_priority(MFASYNCRESULT* item, LONG priority) noexcept {
    return put_at(std::span<MFASYNCRESULT* const>(&item, 1), priority);
}

HRESULT MfplatCore::put_at(std::span<MFASYNCRESULT* const> items, LONG priority) noexcept {
    inject_put();
    if (const HRESULT hr = detail::validate_items(items); failed(hr)) {
        return hr;
    }
    for (const MFASYNCRESULT* item : items) {
        if (item->pCallback == nullptr) {
            return E_POINTER;  // MF needs a callback; refuse the whole bulk before queueing any
        }
    }
    return detail::put_each(gate_, items, [this, priority](MFASYNCRESULT* item) noexcept {
        return post(item, priority);
    });
}

void MfplatCore::stop() noexcept {
    gate_.close();
    // MF has no "wait for this queue's items": wait until each accepted item reports dispatched.
    detail::wait_until_dispatched(stats_, gate_.accepted());
    // Unlocking the queue shuts it down once its callbacks (and MF's Release after each) return.
    MFUnlockWorkQueue(queue_);
    MFShutdown();
}

template class Complete<MfplatCore>;

}  // namespace wq::detail
