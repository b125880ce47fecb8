// wq/detail/idle_workers.hpp — the park/unpark protocols of the back-ends whose workers spin, then
// park on a futex, and the worker loop they share (spin_then_park, with its spin policies).
// IdleWorkers (mpmc): an eventcount over one state word (idle_) and one futex word (epoch_).
// DoorbellIdle (native): a doorbell bit in the queue words the producers write anyway, below.
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
#include <span>

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
            // One wait, and any return leaves: a wake-up or the stop bumps epoch_ after our
            // registration was seen (or epoch_ already differs and the wait returns at once).
            // Not a loop while epoch_ is unchanged: futex_wake_one need not wake the oldest
            // sleeper, and a sleeper that registered after the bump, woken by it, would sleep
            // again — while the one the wake-up was for sleeps on and the pending bit, still set,
            // keeps every later put from waking anyone (tests/models/mpmc_eventcount.pml,
            // -DWAIT_LOOP). A spurious return costs one more look for work.
            futex_wait(epoch_, epoch);
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

/// The idle protocol of a queue whose every push is a read-modify-write of one word of a few
/// (native's inbox lanes, wq/native_engine.hpp): the doorbell is a bit in each word. A worker about
/// to park sets it in every word, each only while that word holds no items; the push that replaces
/// a word with the bit set clears it and wakes one parked worker. So a producer reads no shared
/// line but the queue word it writes anyway — no fence, no idle-state load — and pays a wake-up
/// only when a worker parked.
///
///   producer: CAS its word (clearing the doorbell); if the old word rang: bump epoch_ (E1),
///             futex-wake one.
///   sleeper:  read epoch_ (E2); register in sleepers_; fence (F2); re-check other work; for each
///             word, CAS the doorbell into it if it holds no items (if one holds items, do not
///             sleep); futex-wait.
/// No lost wake-up through a word: it has one modification order, so a push either comes before
/// that word's arming CAS (which then sees the items and fails) or after it (and sees the bit,
/// and its CAS read from the arming one, so the sleeper's read of epoch_ happens-before the
/// producer's bump: futex_wait returns or is woken). Every word is armed before the sleeper
/// waits, so every push after the sleeper's first look is in one of the two cases for its word.
/// An arming that stops at a word holding items leaves the earlier words rung: the next push to
/// one of them wakes a worker that may not be parked (one spurious wake-up, never a lost one).
/// Work published elsewhere (a worker moving items to a ready list) uses the eventcount pairing
/// instead: publish, fence (F1), load sleepers_ — against the sleeper's registration, F2 and
/// re-check.
///
/// Spinners and sleepers are counted on a line only workers write: a worker that finds work
/// while it was the last spinner, with sleepers left, hands the role on (wakes one for items
/// already waiting, or rings the doorbells so the next push does): a burst ramps up every worker.
class DoorbellIdle {
public:
    static constexpr std::uintptr_t doorbell_bit = 2;

    /// One queue word, on a line of its own.
    struct alignas(cache_line_size) Word {
        std::atomic<std::uintptr_t> word{0};
    };

    /// `words` are the queue words; `items_mask` selects their item bits (a word & items_mask of
    /// 0 holds no items); `closed_bit` is set in each once admission closed, the last word last
    /// (stopping() reads the last).
    DoorbellIdle(std::span<Word> words, std::uintptr_t items_mask,
                 std::uintptr_t closed_bit) noexcept
        : words_(words), items_mask_(items_mask), closed_bit_(closed_bit) {}

    /// Producer, after its push replaced `old`: wakes one parked worker if `old` rang.
    void after_push(std::uintptr_t old) noexcept {
        if ((old & doorbell_bit) != 0) {
            wake_one();
        }
    }

    /// A worker published work outside the words (R1, before this): wakes one sleeper if any.
    void wake_one_if_sleeping() noexcept {
        // (F1) pairs with (F2) in park(): orders the caller's publication before our load.
        std::atomic_thread_fence(std::memory_order_seq_cst);
        // relaxed: the fence orders it; a stale non-zero count costs a spurious wake-up only.
        if (counts_.sleepers.load(std::memory_order_relaxed) != 0) {
            wake_one();
        }
    }

    /// Counts the caller as a spinner unless `max_spinning` already spin; true if it may spin.
    bool try_start_spinning(unsigned max_spinning) noexcept {
        // relaxed: the count only bounds how many workers burn CPU at once.
        std::uint32_t spinners = counts_.spinners.load(std::memory_order_relaxed);
        while (spinners < max_spinning) {
            if (counts_.spinners.compare_exchange_weak(spinners, spinners + 1,
                                                       std::memory_order_relaxed)) {
                return true;
            }
        }
        return false;
    }

    /// A spinner found work: if it was the last one and workers sleep, hand the role on.
    void stop_spinning() noexcept {
        // relaxed: the hand-on is for latency only (a busy worker comes back to the words).
        if (counts_.spinners.fetch_sub(1, std::memory_order_relaxed) == 1 &&
            counts_.sleepers.load(std::memory_order_relaxed) != 0) {
            for (Word& queue : words_) {
                if (ring(queue.word, std::memory_order_relaxed) == Ring::holds_items) {
                    wake_one();  // items already wait
                    return;
                }
            }
            // Every word rung (or closed): the next push wakes one.
        }
    }

    /// Parks the calling worker unless `has_other_work()` (checked after registering), a word
    /// holds items, or admission closed. Returns with the caller counted as a spinner; true if it
    /// slept and was woken by a producer (not the stop).
    template <class HasOtherWork>
    bool park(WorkerStats& stats, bool was_spinning, const HasOtherWork& has_other_work) noexcept {
        // (E2) acquire, pairs with (E1): read before arming, so a wake-up for our doorbell
        // changes epoch_ from this value and futex_wait cannot sleep through it.
        const std::uint32_t epoch = epoch_.load(std::memory_order_acquire);
        counts_.sleepers.fetch_add(1, std::memory_order_seq_cst);
        if (was_spinning) {
            counts_.spinners.fetch_sub(1, std::memory_order_relaxed);
        }
        // (F2) pairs with (F1): either a worker publishing elsewhere sees our registration, or
        // we see its work here.
        std::atomic_thread_fence(std::memory_order_seq_cst);
        bool woken = false;
        if (!has_other_work() && arm()) {
            stats.bump(stats.parks);
            // Ends when a wake-up or the stop bumps epoch_ (both after our arming was seen).
            while (epoch_.load(std::memory_order_acquire) == epoch) {
                futex_wait(epoch_, epoch);
            }
            woken = !stopping();
            if (woken) {
                stats.bump(stats.wakeups);
            }
        }
        // relaxed: a stale count costs a spurious wake-up or a missed hand-on, never an item.
        counts_.sleepers.fetch_sub(1, std::memory_order_relaxed);
        counts_.spinners.fetch_add(1, std::memory_order_relaxed);
        return woken;
    }

    /// The stop: call after the closed bit is in every word. Every parked worker wakes.
    void stop() noexcept {
        epoch_.fetch_add(1, std::memory_order_release);  // (E1) for the stop, pairs with (E2)
        futex_wake_all(epoch_);
    }

    /// acquire, pairs with the seq_cst RMW that closed the last word: every word was closed
    /// before it, and every accepted push came before its word's closing, so one more empty look
    /// at every word means drained.
    [[nodiscard]] bool stopping() const noexcept {
        return (words_.back().word.load(std::memory_order_acquire) & closed_bit_) != 0;
    }

private:
    enum class Ring { rung, holds_items };

    /// Sets the doorbell in `word` unless it holds items (holds_items), or is closed or rung
    /// already (rung: a push or the stop will wake).
    Ring ring(std::atomic<std::uintptr_t>& word, std::memory_order order) const noexcept {
        std::uintptr_t value = word.load(std::memory_order_relaxed);
        // Ends: a CAS fails only when a push or a take changed the word.
        for (;;) {
            if ((value & items_mask_) != 0) {
                return Ring::holds_items;
            }
            if ((value & (doorbell_bit | closed_bit_)) != 0 ||
                word.compare_exchange_weak(value, value | doorbell_bit, order,
                                           std::memory_order_relaxed)) {
                return Ring::rung;
            }
        }
    }

    void wake_one() noexcept {
        epoch_.fetch_add(1, std::memory_order_release);  // (E1) pairs with (E2)
        futex_wake_one(epoch_);
    }

    /// Sets the doorbell in every word, each only while it holds no items; false (do not sleep)
    /// at the first word that holds items, or once admission closed.
    bool arm() noexcept {
        for (Word& queue : words_) {
            // seq_cst: the arming is what a push's CAS reads (see the class comment). A word
            // rung already (by another sleeper, or by an arming of ours that stopped early) is
            // armed: one push wakes one of us.
            if (ring(queue.word, std::memory_order_seq_cst) == Ring::holds_items) {
                return false;
            }
        }
        return !stopping();
    }

    // Off the producers' path: the counts, on a line of their own, are written by workers only;
    // epoch_ (parked workers sleep on it; every wake-up and the stop bump it first) by a producer
    // only when it wakes one. The rest is read-only.
    struct alignas(cache_line_size) Counts {
        std::atomic<std::uint32_t> spinners{0};
        std::atomic<std::uint32_t> sleepers{0};
    } counts_;
    std::atomic<std::uint32_t> epoch_{0};
    std::span<Word> words_;
    std::uintptr_t items_mask_;
    std::uintptr_t closed_bit_;
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
template <class Idle, class Spin, class Take, class Run, class HasWork>
void spin_then_park(Idle& idle, WorkerStats& stats, unsigned max_spinning, Spin& spin,
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
