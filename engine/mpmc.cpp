// The `mpmc` back-end: moodycamel::ConcurrentQueue with spin-then-park workers.
//
// The idle protocol is an eventcount over one word (idle_) and one futex word (epoch_):
//   producer: enqueue; fence (F1); load idle_; if nobody spins and someone sleeps, claim the single
//             pending wake-up (CAS), bump epoch_, futex-wake one.
//   sleeper:  read epoch_; register in idle_; fence (F2); re-check the queue; futex-wait on epoch_.
// F1 and F2 are seq_cst fences, so either the producer sees the registration (and wakes someone),
// or the sleeper's re-check sees the item (and does not sleep): no lost wake-up.
#include "wq/mpmc_engine.hpp"

#include "wq/detail/futex.hpp"

#include <algorithm>
#include <chrono>

namespace wq::detail {
namespace {
using Clock = std::chrono::steady_clock;
// Pauses between two polls of the queue while spinning: long enough not to hammer the producers'
// lines, short (a few hundred ns) next to a wake-up.
constexpr int pauses_per_poll = 8;
}  // namespace

MpmcCore::MpmcCore(const Options& options)
    : GatedEngineBase(options, detail::StatsArray::Writers::one_per_slot) {
    start_workers();
}

HRESULT MpmcCore::put(MFASYNCRESULT* item) noexcept {
    inject_put();
    if (const HRESULT hr = detail::validate_item(item); failed(hr)) {
        return hr;
    }
    detail::PutGate::Slot* slot = gate_.try_enter();
    if (slot == nullptr) {
        return MF_E_SHUTDOWN;
    }
    // AddRef before the item is visible: a worker may dispatch and Release it at once.
    item->AddRef();
    if (!queue_.enqueue(item)) {  // false only when a block cannot be allocated
        item->Release();
        detail::PutGate::leave(slot, 0);
        return E_OUTOFMEMORY;
    }
    // Still inside the gate: shutdown cannot finish (and free idle_/epoch_) under our feet.
    wake_one_if_needed();
    detail::PutGate::leave(slot, 1);
    return S_OK;
}

HRESULT MpmcCore::put_bulk(std::span<MFASYNCRESULT* const> items) noexcept {
    inject_put();
    if (const HRESULT hr = detail::validate_items(items); failed(hr)) {
        return hr;
    }
    if (items.empty()) {
        return gate_.closed() ? MF_E_SHUTDOWN : S_OK;
    }
    detail::PutGate::Slot* slot = gate_.try_enter();
    if (slot == nullptr) {
        return MF_E_SHUTDOWN;
    }
    for (MFASYNCRESULT* item : items) {
        item->AddRef();
    }
    if (!queue_.enqueue_bulk(items.data(), items.size())) {  // all or nothing
        for (MFASYNCRESULT* item : items) {
            item->Release();
        }
        detail::PutGate::leave(slot, 0);
        return E_OUTOFMEMORY;
    }
    // One wake-up; a woken worker that finds work wakes the next (see stop_spinning), so a bulk put
    // ramps up as many workers as it keeps busy.
    wake_one_if_needed();
    detail::PutGate::leave(slot, items.size());
    return S_OK;
}

void MpmcCore::wake_one_if_needed() noexcept {
    // (F1) pairs with (F2) in park(): orders our enqueue before our read of idle_.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    // relaxed: the fence above orders this load; its value only decides whether to wake.
    std::uint64_t idle = idle_.load(std::memory_order_relaxed);
    while (spinners(idle) == 0 && sleepers(idle) != 0 && (idle & wake_pending) == 0) {
        // seq_cst: reads the sleeper's registration, so the sleeper's earlier read of epoch_
        // happens-before our bump below and cannot see it (it will sleep on the old value and be
        // released by the bump).
        if (idle_.compare_exchange_weak(idle, idle | wake_pending, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
            epoch_.fetch_add(1, std::memory_order_release);  // (E1) pairs with (E2)
            detail::futex_wake_one(epoch_);
            return;
        }
    }
}

bool MpmcCore::try_start_spinning() noexcept {
    // relaxed: being counted as a spinner only stops producers from waking sleepers; a spinner
    // polls the queue until it parks (and parking re-checks), so no item is stranded by it.
    std::uint64_t idle = idle_.load(std::memory_order_relaxed);
    while (spinners(idle) < options_.max_spinning_workers) {
        if (idle_.compare_exchange_weak(idle, idle + one_spinner, std::memory_order_relaxed)) {
            return true;
        }
    }
    return false;
}

void MpmcCore::stop_spinning() noexcept {
    const std::uint64_t before = idle_.fetch_sub(one_spinner, std::memory_order_seq_cst);
    // The last spinner found work: producers may have skipped wake-ups while it was spinning, so
    // hand the spinning role on to a sleeper if there is one (burst ramp-up).
    if (spinners(before) == 1 && sleepers(before) != 0) {
        wake_one_if_needed();
    }
}

void MpmcCore::park(detail::WorkerStats& stats, bool was_spinning) noexcept {
    // (E2) acquire, pairs with (E1): read before registering, so any wake-up issued after our
    // registration changes epoch_ from this value and futex_wait cannot sleep through it.
    const std::uint32_t epoch = epoch_.load(std::memory_order_acquire);
    idle_.fetch_add(one_sleeper - (was_spinning ? one_spinner : 0), std::memory_order_seq_cst);
    // (F2) pairs with (F1): either a producer sees our registration, or we see its item here.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (queue_.size_approx() == 0 && !stopping_.load(std::memory_order_acquire)) {
        stats.bump(stats.parks);
        // Ends when a wake-up or the stop bumps epoch_ (both happen after our registration was
        // seen, or epoch_ already differs and futex_wait returns at once).
        while (epoch_.load(std::memory_order_acquire) == epoch &&
               !stopping_.load(std::memory_order_acquire)) {
            detail::futex_wait(epoch_, epoch);
        }
        if (!stopping_.load(std::memory_order_relaxed)) {
            stats.bump(stats.wakeups);
        }
    }
    // Leave the sleepers as a spinner, and clear the pending wake-up: whichever sleeper leaves
    // first has taken it (at worst a second sleeper wakes for nothing and parks again).
    std::uint64_t idle = idle_.load(std::memory_order_relaxed);
    while (!idle_.compare_exchange_weak(idle, ((idle - one_sleeper) & ~wake_pending) + one_spinner,
                                        std::memory_order_seq_cst, std::memory_order_relaxed)) {
    }
}

void MpmcCore::worker_main(unsigned /*index*/, detail::WorkerStats& stats) noexcept {
    moodycamel::ConsumerToken token(queue_);
    std::vector<MFASYNCRESULT*> batch(options_.dequeue_batch);
    bool spinning = false;
    bool draining = false;
    Clock::time_point spin_until{};
    for (;;) {
        // Take a fair share, not the whole batch: items this worker holds cannot run on an idle
        // sibling, so a deep queue is split across workers and a shallow one is taken one by one.
        const std::size_t share = std::clamp<std::size_t>(queue_.size_approx() / options_.workers,
                                                          1, options_.dequeue_batch);
        const std::size_t taken = queue_.try_dequeue_bulk(token, batch.data(), share);
        if (taken != 0) {
            if (spinning) {
                spinning = false;
                stop_spinning();
            }
            for (std::size_t i = 0; i < taken; ++i) {
                detail::dispatch(batch[i], stats, options_);
            }
            continue;
        }
        if (draining) {
            return;  // empty after stopping_ was seen: every accepted item has been taken
        }
        // (S2) acquire, pairs with (S1): once seen, every accepted enqueue happened-before, so one
        // more empty dequeue means drained. Loop once more rather than trust the dequeue above.
        if (stopping_.load(std::memory_order_acquire)) {
            draining = true;
            continue;
        }
        if (!spinning) {
            spinning = options_.spin_before_park.count() != 0 && try_start_spinning();
            if (!spinning) {
                park(stats, false);
                spinning = true;  // park() leaves us counted as a spinner
            }
            spin_until = Clock::now() + options_.spin_before_park;
            continue;
        }
        if (Clock::now() >= spin_until) {
            park(stats, true);
            spin_until = Clock::now() + options_.spin_before_park;
            continue;
        }
        // Ends: spin_until bounds the spinning; each round polls the queue again.
        for (int i = 0; i < pauses_per_poll; ++i) {
            detail::cpu_pause();
        }
    }
}

void MpmcCore::stop() noexcept {
    gate_.close();  // from here no put is accepted, and every accepted one is in the queue
    stopping_.store(true, std::memory_order_release);  // (S1) pairs with (S2)
    epoch_.fetch_add(1, std::memory_order_release);    // (E1) for the stop, pairs with (E2)
    detail::futex_wake_all(epoch_);
}

template class Complete<MpmcCore>;

}  // namespace wq::detail
