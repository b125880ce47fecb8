// wq/detail/idle_workers.hpp — the park/unpark protocol of the back-ends whose workers spin, then
// park on a futex (mpmc, native): an eventcount over one state word (idle_) and one futex word
// (epoch_), written once for both.
//
//   producer: publish the work; fence (F1); load idle_; if nobody spins and someone sleeps, claim
//             the single pending wake-up (CAS), bump epoch_, futex-wake one.
//   sleeper:  read epoch_; register in idle_; fence (F2); re-check for work; futex-wait on epoch_.
// F1 and F2 are seq_cst fences, so either the producer sees the registration (and wakes someone),
// or the sleeper's re-check sees the work (and does not sleep): no lost wake-up. The re-check must
// look at whatever the producer published before F1 (for an intrusive list: the word the push
// wrote, not a link written after it).
//
// Spinners: a worker counted as spinning polls for work until it parks (and parking re-checks), so
// producers skip the wake-up while one spins; the last spinner to find work hands the role on to a
// sleeper, so a burst ramps up every worker it keeps busy.
#pragma once

#include "wq/detail/dispatch.hpp"
#include "wq/detail/futex.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace wq::detail {

class IdleWorkers {
public:
    /// Producer side, after the work is published: wakes one parked worker if none spins.
    void wake_one_if_needed() noexcept {
        // (F1) pairs with (F2) in park(): orders the caller's publication before our read of idle_.
        std::atomic_thread_fence(std::memory_order_seq_cst);
        // relaxed: the fence above orders this load; its value only decides whether to wake.
        wake_one_if(idle_.load(std::memory_order_relaxed));
    }

    /// The same for a publication that was itself a seq_cst read-modify-write (native's push):
    /// that RMW and the seq_cst load here stand in for F1 — if the load does not see a sleeper's
    /// registration it precedes it in the single total order S, so the publication precedes the
    /// sleeper's F2 in S, and the sleeper's re-check after F2 sees it. On x86 this saves the
    /// fence: the RMW's lock prefix already is one.
    void wake_one_if_needed_after_seq_cst_rmw() noexcept {
        wake_one_if(idle_.load(std::memory_order_seq_cst));
    }

private:
    void wake_one_if(std::uint64_t idle) noexcept {
        while (spinners(idle) == 0 && sleepers(idle) != 0 && (idle & wake_pending) == 0) {
            // seq_cst: reads the sleeper's registration, so the sleeper's earlier read of epoch_
            // happens-before our bump below and cannot see it (it will sleep on the old value and
            // be released by the bump).
            if (idle_.compare_exchange_weak(idle, idle | wake_pending, std::memory_order_seq_cst,
                                            std::memory_order_relaxed)) {
                epoch_.fetch_add(1, std::memory_order_release);  // (E1) pairs with (E2)
                futex_wake_one(epoch_);
                return;
            }
        }
    }

public:
    /// Counts the caller as a spinner unless `max_spinning` already spin; true if it may spin.
    bool try_start_spinning(unsigned max_spinning) noexcept {
        // relaxed: being counted as a spinner only stops producers from waking sleepers; a
        // spinner polls until it parks (and parking re-checks), so no work is stranded by it.
        std::uint64_t idle = idle_.load(std::memory_order_relaxed);
        while (spinners(idle) < max_spinning) {
            if (idle_.compare_exchange_weak(idle, idle + one_spinner, std::memory_order_relaxed)) {
                return true;
            }
        }
        return false;
    }

    /// A spinner found work. If it was the last spinner, producers may have skipped wake-ups
    /// while it spun: hand the spinning role on to a sleeper if there is one (burst ramp-up).
    void stop_spinning() noexcept {
        const std::uint64_t before = idle_.fetch_sub(one_spinner, std::memory_order_seq_cst);
        if (spinners(before) == 1 && sleepers(before) != 0) {
            wake_one_if_needed();
        }
    }

    /// Parks the calling worker unless `has_work()` (checked after registering) or the stop says
    /// otherwise. Returns with the caller counted as a spinner; true if it slept and was woken by
    /// a producer (not the stop).
    template <class HasWork>
    bool park(WorkerStats& stats, bool was_spinning, const HasWork& has_work) noexcept {
        // (E2) acquire, pairs with (E1): read before registering, so any wake-up issued after our
        // registration changes epoch_ from this value and futex_wait cannot sleep through it.
        const std::uint32_t epoch = epoch_.load(std::memory_order_acquire);
        idle_.fetch_add(one_sleeper - (was_spinning ? one_spinner : 0), std::memory_order_seq_cst);
        // (F2) pairs with (F1): either a producer sees our registration, or we see its work here.
        std::atomic_thread_fence(std::memory_order_seq_cst);
        bool woken = false;
        if (!has_work() && !stopping()) {
            stats.bump(stats.parks);
            // Ends when a wake-up or the stop bumps epoch_ (both happen after our registration
            // was seen, or epoch_ already differs and futex_wait returns at once).
            while (epoch_.load(std::memory_order_acquire) == epoch && !stopping()) {
                futex_wait(epoch_, epoch);
            }
            woken = !stopping_.load(std::memory_order_relaxed);
            if (woken) {
                stats.bump(stats.wakeups);
            }
        }
        // Leave the sleepers as a spinner, and clear the pending wake-up: whichever sleeper
        // leaves first has taken it (at worst a second sleeper wakes for nothing and parks again).
        std::uint64_t idle = idle_.load(std::memory_order_relaxed);
        while (!idle_.compare_exchange_weak(idle,
                                            ((idle - one_sleeper) & ~wake_pending) + one_spinner,
                                            std::memory_order_seq_cst, std::memory_order_relaxed)) {
        }
        return woken;
    }

    /// The stop: every parked worker wakes, and none parks again. Call after admission closed.
    void stop() noexcept {
        stopping_.store(true, std::memory_order_release);  // (S1) pairs with (S2)
        epoch_.fetch_add(1, std::memory_order_release);    // (E1) for the stop, pairs with (E2)
        futex_wake_all(epoch_);
    }

    /// (S2) acquire, pairs with (S1): once seen, every accepted item was published before, so one
    /// more empty look for work means drained.
    [[nodiscard]] bool stopping() const noexcept {
        return stopping_.load(std::memory_order_acquire);
    }

private:
    // idle_: spinning workers in the low 31 bits, parked workers in bits 32..62, and bit 63 set
    // while a wake-up is on its way (so a burst of puts issues one wake, not one each).
    static constexpr std::uint64_t one_spinner = 1;
    static constexpr std::uint64_t one_sleeper = std::uint64_t{1} << 32;
    static constexpr std::uint64_t wake_pending = std::uint64_t{1} << 63;
    static constexpr std::uint64_t count_mask = 0x7FFF'FFFF;
    static std::uint32_t spinners(std::uint64_t idle) noexcept {
        return static_cast<std::uint32_t>(idle & count_mask);
    }
    static std::uint32_t sleepers(std::uint64_t idle) noexcept {
        return static_cast<std::uint32_t>((idle >> 32) & count_mask);
    }

    alignas(cache_line_size) std::atomic<std::uint64_t> idle_{0};
    // Parked workers sleep on epoch_; every wake-up and the stop bump it first, so a worker that
    // read the old value before parking cannot sleep through the change.
    alignas(cache_line_size) std::atomic<std::uint32_t> epoch_{0};
    std::atomic<bool> stopping_{false};
};

/// Spin policy: always spin_before_park (mpmc's).
class FixedSpin {
public:
    explicit FixedSpin(std::chrono::nanoseconds spin) noexcept : spin_(spin) {}
    [[nodiscard]] std::chrono::nanoseconds budget() const noexcept { return spin_; }
    void spin_paid(std::chrono::nanoseconds /*idle*/) noexcept {}
    void spin_failed() noexcept {}
    void woke_after(std::chrono::nanoseconds /*parked*/) noexcept {}

private:
    std::chrono::nanoseconds spin_;
};

/// Spin policy learned per worker from its idle gaps, capped by spin_before_park: a spin that
/// found work moves the budget towards twice that gap (widening at once, narrowing by an eighth);
/// a spin that ran out halves it, down to parking at once; a park that ended within the cap (items
/// come faster than the cap, so a spin would have caught them without a kernel wake-up) doubles it
/// back. At a steady rate the budget settles near twice the gap when gaps are shorter than the
/// cap, and at 0 when they are longer: no CPU burnt waiting for items that come every 100 µs, no
/// wake-up paid for items 5 µs apart, and the spin after the last item of a burst is short.
class LearnedSpin {
public:
    explicit LearnedSpin(std::chrono::nanoseconds cap) noexcept : cap_(cap), budget_(cap) {}
    [[nodiscard]] std::chrono::nanoseconds budget() const noexcept { return budget_; }
    void spin_paid(std::chrono::nanoseconds idle) noexcept {
        budget_ = std::min(cap_, std::max(2 * idle, budget_ - budget_ / 8));
    }
    void spin_failed() noexcept { budget_ = budget_ / 2 < min_step ? zero : budget_ / 2; }
    void woke_after(std::chrono::nanoseconds parked) noexcept {
        if (parked < cap_) {
            budget_ = std::min(cap_, std::max(min_step, 2 * budget_));
        }
    }

private:
    static constexpr std::chrono::nanoseconds min_step{1000};
    static constexpr std::chrono::nanoseconds zero{0};
    std::chrono::nanoseconds cap_;
    std::chrono::nanoseconds budget_;
};

/// The loop of a spin-then-park worker. `take()` takes what the worker may run now (something with
/// size(); 0 when there is nothing), `run(taken)` runs it, `has_work()` is park's re-check. A
/// spinner that took work stops spinning before it runs it, so a sleeper is woken for what is left
/// while this worker is busy. Returns once the stop was seen and one more look found nothing:
/// drained (every accepted item was published before the stop, see (S2)).
template <class Spin, class Take, class Run, class HasWork>
void spin_then_park(IdleWorkers& idle, WorkerStats& stats, unsigned max_spinning, Spin& spin,
                    const Take& take, const Run& run, const HasWork& has_work) noexcept {
    using Clock = std::chrono::steady_clock;
    // Pauses between two polls while spinning: long enough not to hammer the producers' lines,
    // short (a few hundred ns) next to a wake-up.
    constexpr int pauses_per_poll = 8;
    bool spinning = false;
    bool draining = false;
    bool idle_since_set = false;
    Clock::time_point idle_since{};
    Clock::time_point spin_until{};
    const auto park = [&](bool was_spinning) {
        const Clock::time_point start = Clock::now();
        if (idle.park(stats, was_spinning, has_work)) {
            spin.woke_after(Clock::now() - start);
        }
        spin_until = Clock::now() + spin.budget();
    };
    for (;;) {
        if (auto taken = take(); taken.size() != 0) {
            if (spinning) {
                spinning = false;
                idle.stop_spinning();
                if (idle_since_set) {
                    spin.spin_paid(Clock::now() - idle_since);
                }
            }
            idle_since_set = false;
            run(taken);
            continue;
        }
        if (draining) {
            return;
        }
        if (idle.stopping()) {
            draining = true;  // loop once more rather than trust the look above
            continue;
        }
        if (!spinning) {
            spinning = spin.budget().count() != 0 && idle.try_start_spinning(max_spinning);
            idle_since = Clock::now();
            idle_since_set = spinning;
            if (!spinning) {
                park(false);
                spinning = true;  // park() leaves us counted as a spinner
            } else {
                spin_until = idle_since + spin.budget();
            }
            continue;
        }
        if (Clock::now() >= spin_until) {
            if (idle_since_set) {
                spin.spin_failed();
            }
            idle_since_set = false;
            park(true);
            continue;
        }
        // Ends: spin_until bounds the spinning; each round looks for work again.
        for (int i = 0; i < pauses_per_poll; ++i) {
            cpu_pause();
        }
    }
}

}  // namespace wq::detail
