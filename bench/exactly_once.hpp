// bench/exactly_once.hpp — exactly-once tallies without a shared counter on the dispatch path, and
// the round barrier and signal that wake the benchmark thread without a poller.
#pragma once

#include "common.hpp"
#include "per_thread.hpp"

#include "wq/detail/futex.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace wq::bench {

// ---- Exactly-once checks without a shared counter on the dispatch path

struct alignas(cache_line_size) Tally {
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> checksum{0};

    /// Single writer (the thread that owns it): load + store, no locked instruction. release:
    /// pairs with the acquire loads in totals().
    void add(std::uint64_t id) noexcept {
        count.store(count.load(std::memory_order_relaxed) + 1, std::memory_order_release);
        checksum.store(checksum.load(std::memory_order_relaxed) + id, std::memory_order_release);
    }
};

/// (count, checksum) over every thread's tally.
inline std::pair<std::uint64_t, std::uint64_t> totals(PerThread<Tally>& tallies) {
    std::uint64_t count = 0;
    std::uint64_t checksum = 0;
    tallies.for_each([&](const Tally& tally) {
        count += tally.count.load(std::memory_order_acquire);
        checksum += tally.checksum.load(std::memory_order_acquire);
    });
    return {count, checksum};
}

/// Wakes the benchmark thread when a round's items are all dispatched, with no poller on the
/// measured CPUs (a thread waking every few µs steals from the workers on a small machine).
/// A barrier for `parties` threads, reusable round after round, on wq's futex (a futex on Linux,
/// WaitOnAddress on Windows). std::barrier is not used: GCC 12's libstdc++ builds its waits on
/// std::atomic::wait, which on Windows (no platform wait) can miss a notify and hang the run.
class RoundBarrier {
public:
    explicit RoundBarrier(unsigned parties) : parties_(parties) {}

    void arrive_and_wait() noexcept {
        const std::uint32_t generation = generation_.load(std::memory_order_acquire);
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == parties_) {
            // The last: no one leaves before the generation moves, so none arrives for the next
            // round before the count is back to 0. release: this round's writes before the others
            // go on.
            arrived_.store(0, std::memory_order_relaxed);
            generation_.fetch_add(1, std::memory_order_release);
            detail::futex_wake_all(generation_);
            return;
        }
        // Ends: the last party moves the generation and wakes every waiter (a wait that starts
        // after the move returns at once: the word is no longer `generation`).
        while (generation_.load(std::memory_order_acquire) == generation) {
            detail::futex_wait(generation_, generation);
        }
    }

private:
    const unsigned parties_;
    std::atomic<unsigned> arrived_{0};
    std::atomic<std::uint32_t> generation_{0};
};

/// Callbacks tally every item in their own thread's Tally; every marker_every-th id, and a
/// round's last id, also counts once in a shared word (one locked add per 64 items), and the
/// callback that completes a round's markers wakes the waiter (wq's futex: WaitOnAddress on
/// Windows — not std::atomic::wait, which GCC 12's libstdc++ builds there without a platform wait
/// and which can miss a notify). The waiter
/// then confirms the exact count from the engine's own `dispatched` counter (bumped after the
/// engine's last touch of the item, so the next round may reuse it), yielding for the few items
/// another worker finishes after the round's last marker.
class RoundSignal {
public:
    static constexpr std::uint64_t marker_every = 64;

    /// Ids run from 1 to round_items in every round.
    explicit RoundSignal(std::uint64_t round_items)
        : round_items_(round_items),
          markers_per_round_(round_items / marker_every + (round_items % marker_every != 0)) {}

    /// On the dispatching thread, in the callback.
    void dispatched(std::uint64_t id) noexcept {
        if (id % marker_every != 0 && id != round_items_) {
            return;
        }
        // acq_rel, once per 64 items: the count only tells the waiter when to look, and its exact
        // check reads the engine's own counters (release/acquire), so relaxed would be correct
        // too; the stronger order costs nothing measurable at this rate.
        const std::uint64_t markers = markers_.fetch_add(1, std::memory_order_acq_rel) + 1;
        if (markers % markers_per_round_ == 0) {
            wake();
        }
    }

    /// From any thread: the round will not complete (a put was refused); wakes the waiter.
    void abort() noexcept {
        markers_.fetch_add(aborted, std::memory_order_acq_rel);
        wake();
    }

    /// Sleeps until `rounds` rounds are dispatched, `dispatched()` counting them exactly, or until
    /// abort(). True when they are.
    template <class Dispatched>
    bool wait(std::uint64_t rounds, Dispatched&& dispatched) {
        const std::uint64_t markers = rounds * markers_per_round_;
        // Ends: every round's markers are dispatched (the last one wakes us), or abort() does. The
        // wake count is read before the markers: a wake after that read changes it, so the futex
        // wait returns at once or is woken.
        for (;;) {
            const std::uint32_t woken = wakes_.load(std::memory_order_acquire);
            if (markers_.load(std::memory_order_acquire) >= markers) {
                break;
            }
            detail::futex_wait(wakes_, woken);
        }
        if (markers_.load(std::memory_order_acquire) >= aborted) {
            return false;
        }
        // Ends: the items still in flight are on workers that have run their callbacks' marker
        // check or are about to finish them; each returns and counts in a few µs.
        while (dispatched() < rounds * round_items_) {
            std::this_thread::yield();
        }
        return true;
    }

private:
    /// After markers_ moved: the waiter looks again.
    void wake() noexcept {
        // release: ordered after the markers' add, which the waiter reads after this word.
        wakes_.fetch_add(1, std::memory_order_release);
        detail::futex_wake_all(wakes_);
    }

    static constexpr std::uint64_t aborted = std::uint64_t{1} << 62;
    // A line of its own (the object is line-aligned): the callbacks' adds never share a line with
    // the benchmark's other state; the wake word beside it moves once a round, the two constants
    // are only read.
    alignas(cache_line_size) std::atomic<std::uint64_t> markers_{0};
    std::atomic<std::uint32_t> wakes_{0};  // moved by each wake-up: the waiter's futex word
    const std::uint64_t round_items_;
    const std::uint64_t markers_per_round_;
};

}  // namespace wq::bench
