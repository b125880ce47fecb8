// floor/... — what the hardware and the kernel allow. Measured once at start-up (so every result
// can report ratio_to_floor whatever the filter or the order of the run) and again as benchmarks,
// first in the run; each measurement refreshes floors(). (The timer floors: as benchmarks only.)
//
//   floor/cacheline_rtt              rtt_ns, oneway_ns: two threads bounce one cache line
//   floor/wake_futex_rtt             rtt_ns, oneway_ns: the same, each side asleep in a futex
//   floor/wake_futex_idle/idle_us:N  oneway_ns (p50), p99_ns, max_ns, ratio_to_floor: a thread
//                                    parked in a futex for N µs, then woken: what a parked
//                                    worker costs to reach after the scenarios' gaps
//   floor/wake_eventfd_rtt, floor/wake_eventfd_idle/idle_us:N: the same two through an event
//                                    object (wq::Event: an eventfd on Linux; on Windows
//                                    floor/wake_event_*: SetEvent → WaitForSingleObject), what
//                                    waitwake/ and an MF waiting item's signal rest on
//   floor/timer_<how>/delay_us:D     oneway_ns (p50), p99_ns, max_ns: a raw timer's lateness
//                                    after D µs (timer/'s floors; <how> below)
//   floor/cas_line/threads:N         ns_per_cas, cas_per_second: N threads CAS one shared word
//                                    as a lock-free push does, flat out — the limit of any design
//                                    whose every put writes one shared line (contention/'s floor)
#include "common.hpp"
#include "cpu_clocks.hpp"
#include "exactly_once.hpp"
#include "histogram.hpp"
#include "os/os.hpp"
#include "scenario.hpp"
#include "scenario_table.hpp"

#include "wq/detail/futex.hpp"
#include "wq/event.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace wq::bench {
namespace {

std::int64_t now_ticks() {
    return Clock::now().time_since_epoch().count();
}

double ticks_to_ns(std::int64_t ticks) {
    return std::chrono::duration<double, std::nano>(Clock::duration{ticks}).count();
}

// The benchmark thread writes `ping` (with a clock stamp), the partner answers on `pong`. rtt_ns
// is the round trip; oneway_ns the forward leg alone, from the stamp (steady_clock is the same on
// every core).
struct alignas(cache_line_size) PingLine {
    std::atomic<std::uint64_t> ping{0};
    std::atomic<std::int64_t> stamp{0};
};
struct alignas(cache_line_size) PongLine {
    std::atomic<std::uint64_t> pong{0};
};

// One measurement: rounds until keep_going() says stop; returns (rtt, one-way) in ns.
template <class KeepGoing>
std::pair<double, double> measure_cacheline(bool pin, const std::vector<unsigned>& cpus,
                                            KeepGoing keep_going) {
    const ScopedPin main_pin(pin, pin ? cpus[0] : 0);
    PingLine request;
    PongLine reply;
    std::atomic<std::int64_t> forward_total{0};
    std::thread partner([&] {
        const ScopedPin partner_pin(pin, pin ? cpus[1] : 0);
        std::int64_t forward = 0;
        for (std::uint64_t expected = 1;; ++expected) {
            std::uint64_t seen = 0;
            // Ends: the benchmark thread sends every round, then UINT64_MAX to stop.
            while ((seen = request.ping.load(std::memory_order_acquire)) < expected) {
                detail::cpu_pause();
            }
            if (seen == UINT64_MAX) {
                break;
            }
            forward += now_ticks() - request.stamp.load(std::memory_order_relaxed);
            reply.pong.store(seen, std::memory_order_release);
        }
        forward_total.store(forward, std::memory_order_release);
    });
    std::uint64_t round = 0;
    const auto start = Clock::now();
    while (keep_going()) {
        ++round;
        request.stamp.store(now_ticks(), std::memory_order_relaxed);
        request.ping.store(round, std::memory_order_release);
        while (reply.pong.load(std::memory_order_acquire) != round) {
            detail::cpu_pause();
        }
    }
    const double elapsed = elapsed_ns(start);
    request.ping.store(UINT64_MAX, std::memory_order_release);
    partner.join();
    const double rounds = static_cast<double>(std::max<std::uint64_t>(round, 1));
    return {elapsed / rounds, ticks_to_ns(forward_total.load(std::memory_order_acquire)) / rounds};
}

void floor_cacheline(benchmark::State& state) {
    const Placement placement = place(state, 2, 0);
    const auto [rtt, oneway] = measure_cacheline(placement.pinned, placement.app_cpus,
                                                 [&] { return state.KeepRunning(); });
    floors().cacheline_rtt_ns = rtt;
    floors().cacheline_oneway_ns = oneway;
    state.counters["rtt_ns"] = rtt;
    state.counters["oneway_ns"] = oneway;
}

// How a sleeping side of the wake floors waits for a word to move past `old` and is woken: the
// address wait (a futex; WaitOnAddress on Windows) — what the engines' idle protocols use — or an
// event object (wq::Event, auto-reset: an eventfd on Linux, SetEvent → WaitForSingleObject on
// Windows). A wait may return early (the callers loop on the word); a ring before the wait is
// kept (the futex compares the word; the event stays signalled), so no ring is lost.
struct AddressBell {
    static void wait(std::atomic<std::uint32_t>& word, std::uint32_t old) {
        detail::futex_wait(word, old);
    }
    static void ring(std::atomic<std::uint32_t>& word) { detail::futex_wake_one(word); }
};

class EventBell {
public:
    void wait(const std::atomic<std::uint32_t>& word, std::uint32_t old) {
        // acquire: pairs with the ringer's release store of the word, before its set().
        if (word.load(std::memory_order_acquire) == old) {
            (void)event_.wait();
        }
    }
    void ring(std::atomic<std::uint32_t>& /*word*/) { (void)event_.set(); }

private:
    Event event_{EventReset::automatic};
};

// A partner thread, asleep (by Bell) until rung: ring() stamps the clock and wakes it; it hands
// the wake-up's one-way time (ns, from the stamp to running) to `on_wake`, then answers. The floors
// that wake a sleeping thread share it. Destruction stops and joins the partner.
template <class Bell>
class WakePartner {
public:
    template <class OnWake>
    WakePartner(bool pin, unsigned cpu, bool wake_the_caller, OnWake on_wake)
        : thread_([this, pin, cpu, wake_the_caller, on_wake]() mutable {
              const ScopedPin partner_pin(pin, cpu);
              for (std::uint32_t expected = 1;; ++expected) {
                  // Ends: each ring and the stop change `request_` and wake us.
                  while (request_.load(std::memory_order_acquire) < expected &&
                         !stop_.load(std::memory_order_acquire)) {
                      request_bell_.wait(request_, expected - 1);
                  }
                  if (stop_.load(std::memory_order_acquire)) {
                      return;
                  }
                  on_wake(ticks_to_ns(now_ticks() - stamp_.load(std::memory_order_relaxed)));
                  reply_.store(expected, std::memory_order_release);
                  if (wake_the_caller) {
                      reply_bell_.ring(reply_);
                  }
              }
          }) {}
    WakePartner(const WakePartner&) = delete;
    WakePartner& operator=(const WakePartner&) = delete;
    ~WakePartner() {
        stop_.store(true, std::memory_order_release);
        request_.fetch_add(1, std::memory_order_release);
        request_bell_.ring(request_);
        thread_.join();
    }

    /// Wakes the partner for round `round` (1, 2, ...) and waits for its answer, asleep or
    /// spinning. Ends: the partner answers every ring.
    void ring(std::uint32_t round, bool sleep_until_answered) {
        stamp_.store(now_ticks(), std::memory_order_relaxed);
        request_.store(round, std::memory_order_release);
        request_bell_.ring(request_);
        while (reply_.load(std::memory_order_acquire) != round) {
            if (sleep_until_answered) {
                reply_bell_.wait(reply_, round - 1);
            } else {
                detail::cpu_pause();
            }
        }
    }

private:
    std::atomic<std::uint32_t> request_{0};
    std::atomic<std::uint32_t> reply_{0};
    std::atomic<std::int64_t> stamp_{0};
    std::atomic<bool> stop_{false};
    Bell request_bell_;
    Bell reply_bell_;
    std::thread thread_;  // last: starts once the words above exist
};

// The blocking wake floor: the same round trip, but each side sleeps in the kernel (by Bell) until
// the other wakes it — what a parked worker costs to reach. oneway_ns: from just before the wake
// call to the woken thread running.
template <class Bell, class KeepGoing>
std::pair<double, double> measure_wake(bool pin, const std::vector<unsigned>& cpus,
                                       KeepGoing keep_going) {
    const ScopedPin main_pin(pin, pin ? cpus[0] : 0);
    double forward_ns = 0;  // the partner's; read once it is joined
    std::uint32_t round = 0;
    double elapsed = 0;
    {
        WakePartner<Bell> partner(pin, pin ? cpus[1] : 0, /*wake_the_caller=*/true,
                                  [&forward_ns](double ns) { forward_ns += ns; });
        const auto start = Clock::now();
        while (keep_going()) {
            partner.ring(++round, /*sleep_until_answered=*/true);
        }
        elapsed = elapsed_ns(start);
    }
    const double rounds = static_cast<double>(std::max<std::uint32_t>(round, 1));
    return {elapsed / rounds, forward_ns / rounds};
}

// The address wait's floor refreshes floors() (the engines park on it); the event's reports only.
template <class Bell>
void floor_wake(benchmark::State& state) {
    const Placement placement = place(state, 2, 0);
    const auto [rtt, oneway] = measure_wake<Bell>(placement.pinned, placement.app_cpus,
                                                  [&] { return state.KeepRunning(); });
    if constexpr (std::is_same_v<Bell, AddressBell>) {
        floors().wake_rtt_ns = rtt;
        floors().wake_oneway_ns = oneway;
    }
    state.counters["rtt_ns"] = rtt;
    state.counters["oneway_ns"] = oneway;
    report_ratio_to_floor(state, rtt, floors().cacheline_rtt_ns);
}

// The idle-wake floor: a partner thread sleeps (by Bell); this thread sleeps `idle` (both threads
// idle, as in wakeup/ and burst/), then wakes it and spins for the answer (as wakeup/ does); the
// partner records wake-up → running. One sample per keep_going(); the one-way times come back.
template <class Bell, class KeepGoing>
Histogram measure_idle_wake(bool pin, const std::vector<unsigned>& cpus,
                            std::chrono::microseconds idle, KeepGoing keep_going) {
    const ScopedPin main_pin(pin, pin ? cpus[0] : 0);
    Histogram samples;  // the partner's; read once it is joined
    {
        WakePartner<Bell> partner(pin, pin ? cpus[1] : 0, /*wake_the_caller=*/false,
                                  [&samples](double ns) {
                                      samples.record(static_cast<std::uint64_t>(std::max(0.0, ns)));
                                  });
        for (std::uint32_t round = 1; keep_going(); ++round) {
            std::this_thread::sleep_for(idle);
            partner.ring(round, /*sleep_until_answered=*/false);
        }
    }
    return samples;
}

template <class Bell>
void floor_wake_idle(benchmark::State& state, std::size_t gap) {
    const unsigned idle_us = Floors::idle_gaps[gap];
    const Placement placement = place(state, 2, 0);
    const Histogram samples = measure_idle_wake<Bell>(placement.pinned, placement.app_cpus,
                                                      std::chrono::microseconds{idle_us},
                                                      [&] { return state.KeepRunning(); });
    const auto p50 = static_cast<double>(samples.value_at_quantile(0.5));
    if constexpr (std::is_same_v<Bell, AddressBell>) {
        floors().wake_idle_oneway_ns[gap] = p50;
    }
    state.counters["oneway_ns"] = p50;
    state.counters["p99_ns"] = static_cast<double>(samples.value_at_quantile(0.99));
    state.counters["max_ns"] = static_cast<double>(samples.max());
    // How much dearer than waking a busy thread by the address wait: what the idle gap (and, for
    // the event, the event) costs here.
    report_ratio_to_floor(state, p50, floors().wake_oneway_ns);
}

// Registers floor/wake_<word>_rtt and floor/wake_<word>_idle/idle_us:N through Bell.
template <class Bell>
void add_wake_floors(std::string_view word) {
    const std::string wake = "floor/wake_" + std::string(word);
    add(Suite::standard, wake + "_rtt", floor_wake<Bell>);
    for (std::size_t gap = 0; gap < std::size(Floors::idle_gaps); ++gap) {
        add(
            Suite::standard, wake + "_idle/idle_us:" + std::to_string(Floors::idle_gaps[gap]),
            [gap](benchmark::State& state) { floor_wake_idle<Bell>(state, gap); },
            benchmark::kMicrosecond);
    }
}

// One raw timer sleep of `wait`: its lateness (when it woke minus when it was due) into `samples`.
template <class SleepUntil>
void sleep_once(Histogram& samples, const SleepUntil& sleep_until, std::chrono::microseconds wait) {
    const Clock::time_point due = Clock::now() + wait;
    sleep_until(due);
    samples.record(static_cast<std::uint64_t>(std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - due).count())));
}

// ---- floor/timer_<mechanism>/delay_us:D
// A raw timer's lateness: this thread (alone, everything else idle, as in timer/) asks to run
// again at now + D and records when it does minus that due time. oneway_ns is the p50; p99_ns and
// max_ns its tail. The mechanisms are the OS's (os::raw_timers, bench/os/).
template <class SleepUntil>
void floor_timer(benchmark::State& state, std::size_t delay, const SleepUntil& sleep_until) {
    const Placement placement = place(state, 1, 0);
    const ScopedPin pin = placement.pin_app(0);
    const std::chrono::microseconds wait{Floors::timer_delays_us[delay]};
    Histogram samples;
    for ([[maybe_unused]] auto _ : state) {
        sleep_once(samples, sleep_until, wait);
    }
    state.counters["oneway_ns"] = static_cast<double>(samples.value_at_quantile(0.5));
    state.counters["p99_ns"] = static_cast<double>(samples.value_at_quantile(0.99));
    state.counters["max_ns"] = static_cast<double>(samples.max());
}

void floor_raw_timer(benchmark::State& state, std::size_t timer, std::size_t delay) {
    floor_timer(state, delay, os::raw_timers()[timer]());
    if (os_timers[timer] == os_timer_floor) {
        floors().timer_late_ns[delay] = state.counters["oneway_ns"];
    }
}

}  // namespace

double timer_floor_ns(std::size_t delay) {
    double& late = floors().timer_late_ns[delay];
    if (late > 0) {
        return late;
    }
    std::size_t index = 0;
    while (index < std::size(os_timers) && os_timers[index] != os_timer_floor) {
        ++index;
    }
    if (index == std::size(os_timers) || index >= os::raw_timers().size()) {
        return 0;  // no such timer here: no ratio
    }
    const auto sleep_until = os::raw_timers()[index]();
    const std::chrono::microseconds wait{Floors::timer_delays_us[delay]};
    // ~100 ms of sleeps, at least 9: a p50 that one late wake does not move.
    const std::size_t rounds = std::max<std::size_t>(9, 100'000 / Floors::timer_delays_us[delay]);
    Histogram samples;
    for (std::size_t i = 0; i < rounds; ++i) {
        sleep_once(samples, sleep_until, wait);
    }
    late = static_cast<double>(samples.value_at_quantile(0.5));
    return late;
}

namespace {

// ---- floor/cas_line/threads:N
// N threads, each landing `per_thread` CASes on one shared word per round: load it, then CAS it
// to the next value until the CAS lands (a lock-free stack's push, less the node). Each thread
// times its own CAS loop in CPU time, so a thread the scheduler parks (more threads than CPUs)
// is not charged for the wait; a CAS that fails because another thread's landed is the
// contention, and is charged. Where the thread CPU clock cannot resolve the run (GetThreadTimes'
// 15.6 ms ticks under Wine, in a short run), the loops' wall time stands in — an upper bound when
// threads outnumber CPUs. Rounds start and end on barriers (asleep in the kernel, not spinning
// beside the threads measured).
class CasLine {
public:
    CasLine(unsigned threads, bool pin, const std::vector<unsigned>& cpus)
        : cpu_ns_(threads),
          wall_ns_(threads),
          threads_(threads),
          start_(threads + 1),
          end_(threads + 1) {
        for (unsigned t = 0; t < threads; ++t) {
            pool_.emplace_back([this, t, pin, &cpus] {
                const ScopedPin thread_pin(pin, pin ? cpus[t % cpus.size()] : 0);
                double cpu = 0;
                double wall = 0;
                for (;;) {
                    start_.arrive_and_wait();
                    if (quit_.load(std::memory_order_acquire)) {
                        return;
                    }
                    const double before = thread_cpu_ns();
                    const auto wall_before = Clock::now();
                    for (std::uint64_t i = 0; i < per_round_; ++i) {
                        std::uint64_t value = line_.word.load(std::memory_order_relaxed);
                        // Ends: a CAS fails only when another thread's landed.
                        while (!line_.word.compare_exchange_weak(value, value + 1,
                                                                 std::memory_order_seq_cst,
                                                                 std::memory_order_relaxed)) {
                        }
                    }
                    cpu += thread_cpu_ns() - before;
                    wall += elapsed_ns(wall_before);
                    cpu_ns_[t].store(cpu, std::memory_order_relaxed);
                    wall_ns_[t].store(wall, std::memory_order_relaxed);
                    end_.arrive_and_wait();  // orders the stores above before the reader's use
                }
            });
        }
    }
    ~CasLine() {
        quit_.store(true, std::memory_order_release);
        start_.arrive_and_wait();
        for (std::thread& thread : pool_) {
            thread.join();
        }
    }
    CasLine(const CasLine&) = delete;
    CasLine& operator=(const CasLine&) = delete;

    /// One round: every thread lands per_round_ CASes.
    void round() {
        start_.arrive_and_wait();
        end_.arrive_and_wait();
        ++rounds_;
    }
    struct Figures {
        bool all_landed = false;  ///< the word counts every CAS (the check keeps the loop honest)
        double ns_per_cas = 0;    ///< the threads' CPU (or loop wall time) per landed CAS
        double per_second = 0;    ///< landed CASes per second of the caller's `wall_ns`
    };
    [[nodiscard]] Figures figures(double wall_ns) const {
        double cpu = 0;
        double wall = 0;
        for (std::size_t t = 0; t < threads_; ++t) {
            cpu += cpu_ns_[t].load(std::memory_order_relaxed);
            wall += wall_ns_[t].load(std::memory_order_relaxed);
        }
        const auto landed =
            static_cast<double>(std::max<std::uint64_t>(rounds_, 1) * per_round_ * threads_);
        return {line_.word.load() == rounds_ * per_round_ * threads_,
                (cpu > 0 ? cpu : wall) / landed, landed / wall_ns * 1e9};
    }

private:
    static constexpr std::uint64_t per_round_ = 20'000;
    struct alignas(cache_line_size) Line {
        std::atomic<std::uint64_t> word{0};
    };
    Line line_;
    std::vector<std::atomic<double>> cpu_ns_;
    std::vector<std::atomic<double>> wall_ns_;
    std::uint64_t rounds_ = 0;
    const unsigned threads_;
    std::atomic<bool> quit_{false};
    RoundBarrier start_;
    RoundBarrier end_;
    std::vector<std::thread> pool_;  // last: started once the rest is built
};

void floor_cas_line(benchmark::State& state, unsigned threads) {
    const Placement placement = place(state, threads, 0);
    CasLine line(threads, placement.pinned, placement.app_cpus);
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        line.round();
    }
    const auto [all_landed, ns_per_cas, per_second] = line.figures(elapsed_ns(start));
    if (!all_landed) {
        state.SkipWithError("a CAS was lost");
        return;
    }
    floors().cas_line_ns[threads] = ns_per_cas;
    state.counters["ns_per_cas"] = ns_per_cas;
    state.counters["cas_per_second"] = per_second;
}

}  // namespace

std::vector<unsigned> contention_threads() {
    const unsigned most = 2 * usable_cpus();
    std::vector<unsigned> counts;
    for (unsigned n = 1; n < most; n *= 2) {
        counts.push_back(n);
    }
    counts.push_back(most);
    return counts;
}

double cas_line_floor_ns(unsigned threads) {
    if (const auto known = floors().cas_line_ns.find(threads);
        known != floors().cas_line_ns.end()) {
        return known->second;
    }
    const std::vector<unsigned> cpus = allowed_cpus();
    const bool pin = run_settings().pinning && threads <= cpus.size();
    CasLine line(threads, pin, cpus);
    const auto start = Clock::now();
    for (int i = 0; i < 10; ++i) {
        line.round();
    }
    const double ns = line.figures(elapsed_ns(start)).ns_per_cas;
    floors().cas_line_ns[threads] = ns;
    return ns;
}

void measure_floors_once() {
    // Fixed round counts: ~30 ms of cache-line trips (after as many again to warm up: the first
    // thousands of rounds on a VM run slow), ~100 ms of futex wake-ups on this VM kind.
    const std::vector<unsigned> cpus = allowed_cpus();
    const bool pin = run_settings().pinning && cpus.size() >= 2;
    auto rounds = [](int n) { return [n]() mutable { return n-- > 0; }; };
    measure_cacheline(pin, cpus, rounds(200'000));
    std::tie(floors().cacheline_rtt_ns, floors().cacheline_oneway_ns) =
        measure_cacheline(pin, cpus, rounds(200'000));
    std::tie(floors().wake_rtt_ns, floors().wake_oneway_ns) =
        measure_wake<AddressBell>(pin, cpus, rounds(3'000));
    // ~40 ms of samples per gap, at least 15.
    for (std::size_t i = 0; i < std::size(Floors::idle_gaps); ++i) {
        const unsigned idle_us = Floors::idle_gaps[i];
        const Histogram samples = measure_idle_wake<AddressBell>(
            pin, cpus, std::chrono::microseconds{idle_us},
            rounds(std::max(15, 40'000 / static_cast<int>(idle_us))));
        floors().wake_idle_oneway_ns[i] = static_cast<double>(samples.value_at_quantile(0.5));
    }
}

namespace {
// First row of bench/scenarios.json: Google Benchmark runs in registration order, so the floors
// run before anything else.
const bool registered = register_family("floor", [] {
    add(Suite::standard, "floor/cacheline_rtt", floor_cacheline);
    if (os::raw_timers().size() != std::size(os_timers)) {
        throw std::logic_error("bench/os/ implements " + std::to_string(os::raw_timers().size()) +
                               " raw timers, bench/scenarios.json os_words names " +
                               std::to_string(std::size(os_timers)));
    }
    add_wake_floors<AddressBell>(os_wake_word);
    add_wake_floors<EventBell>(os_event_word);
    for (const unsigned threads : contention_threads()) {
        add(
            Suite::standard, "floor/cas_line/threads:" + std::to_string(threads),
            [threads](benchmark::State& state) { floor_cas_line(state, threads); },
            benchmark::kMillisecond);
    }
    for (std::size_t delay = 0; delay < std::size(Floors::timer_delays_us); ++delay) {
        const std::string params = "/delay_us:" + std::to_string(Floors::timer_delays_us[delay]);
        for (std::size_t timer = 0; timer < std::size(os_timers); ++timer) {
            add(
                Suite::standard, "floor/timer_" + std::string(os_timers[timer]) + params,
                [timer, delay](benchmark::State& state) { floor_raw_timer(state, timer, delay); },
                benchmark::kMicrosecond);
        }
    }
});
}  // namespace

}  // namespace wq::bench
