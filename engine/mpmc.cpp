// The `mpmc` back-end: moodycamel::ConcurrentQueue with spin-then-park workers (the idle protocol
// is wq/detail/idle_workers.hpp's: the enqueue is the publication its F1 orders, the queue's size
// is park's re-check).
#include "wq/mpmc_engine.hpp"

#include <algorithm>

namespace wq::detail {

MpmcCore::MpmcCore(const Options& options)
    : GatedEngineBase(options, detail::StatsArray::Writers::one_per_slot) {
    start_workers();
}

HRESULT MpmcCore::put(MFASYNCRESULT* item) noexcept {
    inject_put();
    if (const HRESULT hr = detail::admit_item(item); failed(hr)) {
        return hr;
    }
    detail::PutGate::Slot* slot = gate_.try_enter();
    if (slot == nullptr) {
        detail::unmark_items({&item, 1});
        return MF_E_SHUTDOWN;
    }
    // AddRef before the item is visible: a worker may dispatch and Release it at once.
    item->AddRef();
    if (!queue_.enqueue(item)) {  // false only when a block cannot be allocated
        item->Release();
        detail::unmark_items({&item, 1});
        detail::PutGate::leave(slot, 0);
        return E_OUTOFMEMORY;
    }
    // Still inside the gate: shutdown cannot finish (and free idle_) under our feet.
    idle_.wake_one_if_needed();
    detail::PutGate::leave(slot, 1);
    return S_OK;
}

HRESULT MpmcCore::put_bulk(std::span<MFASYNCRESULT* const> items) noexcept {
    inject_put();
    if (const HRESULT hr = detail::admit_items(items); failed(hr)) {
        return hr;
    }
    if (items.empty()) {
        return gate_.closed() ? MF_E_SHUTDOWN : S_OK;
    }
    detail::PutGate::Slot* slot = gate_.try_enter();
    if (slot == nullptr) {
        detail::unmark_items(items);
        return MF_E_SHUTDOWN;
    }
    for (MFASYNCRESULT* item : items) {
        item->AddRef();
    }
    if (!queue_.enqueue_bulk(items.data(), items.size())) {  // all or nothing
        for (MFASYNCRESULT* item : items) {
            item->Release();
        }
        detail::unmark_items(items);
        detail::PutGate::leave(slot, 0);
        return E_OUTOFMEMORY;
    }
    // One wake-up; a woken worker that finds work wakes the next (see stop_spinning), so a bulk put
    // ramps up as many workers as it keeps busy.
    idle_.wake_one_if_needed();
    detail::PutGate::leave(slot, items.size());
    return S_OK;
}

void MpmcCore::worker_main(unsigned /*index*/, detail::WorkerStats& stats) noexcept {
    moodycamel::ConsumerToken token(queue_);
    std::vector<MFASYNCRESULT*> batch(options_.dequeue_batch);
    FixedSpin spin(options_.spin_before_park);
    const auto take = [&] {
        // Take a fair share, not the whole batch: items this worker holds cannot run on an idle
        // sibling, so a deep queue is split across workers and a shallow one is taken one by one.
        const std::size_t share = std::clamp<std::size_t>(queue_.size_approx() / options_.workers,
                                                          1, options_.dequeue_batch);
        return std::span(batch.data(), queue_.try_dequeue_bulk(token, batch.data(), share));
    };
    const auto run = [&](std::span<MFASYNCRESULT*> taken) {
        for (MFASYNCRESULT* item : taken) {
            dispatch_one(item, stats);
        }
    };
    const auto has_work = [this] { return queue_.size_approx() != 0; };
    spin_then_park(idle_, stats, options_.max_spinning_workers, spin, take, run, has_work);
}

void MpmcCore::stop() noexcept {
    gate_.close();  // from here no put is accepted, and every accepted one is in the queue
    idle_.stop();
}

template class Complete<MpmcCore>;

}  // namespace wq::detail
