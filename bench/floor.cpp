// floor/... — what the hardware and the kernel allow. Measured once at start-up (so every result
// can report ratio_to_floor whatever the filter or the order of the run) and again as benchmarks,
// first in the run; each measurement refreshes floors(). (The timer floors: as benchmarks only.)
//
//   floor/cacheline_rtt              rtt_ns, oneway_ns: two threads bounce one cache line
//   floor/wake_futex_rtt             rtt_ns, oneway_ns: the same, each side asleep in a futex
//   floor/wake_futex_idle/idle_us:N  oneway_ns (p50), p99_ns, max_ns, ratio_to_floor: a thread
//                                    parked in a futex for N µs, then woken: what a parked
//                                    worker costs to reach after the scenarios' gaps
//   floor/timer_<how>/delay_us:D     oneway_ns (p50), p99_ns, max_ns: a raw timer's lateness
//                                    after D µs (timer/'s floors; <how> below)
#include "common.hpp"
#include "histogram.hpp"
#include "scenario.hpp"

#include "wq/detail/futex.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

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

// A partner thread, parked in a futex until rung: ring() stamps the clock and wakes it; it hands
// the wake-up's one-way time (ns, from the stamp to running) to `on_wake`, then answers. The floors
// that wake a sleeping thread share it. Destruction stops and joins the partner.
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
                      detail::futex_wait(request_, expected - 1);
                  }
                  if (stop_.load(std::memory_order_acquire)) {
                      return;
                  }
                  on_wake(ticks_to_ns(now_ticks() - stamp_.load(std::memory_order_relaxed)));
                  reply_.store(expected, std::memory_order_release);
                  if (wake_the_caller) {
                      detail::futex_wake_one(reply_);
                  }
              }
          }) {}
    WakePartner(const WakePartner&) = delete;
    WakePartner& operator=(const WakePartner&) = delete;
    ~WakePartner() {
        stop_.store(true, std::memory_order_release);
        request_.fetch_add(1, std::memory_order_release);
        detail::futex_wake_one(request_);
        thread_.join();
    }

    /// Wakes the partner for round `round` (1, 2, ...) and waits for its answer, asleep in a futex
    /// or spinning. Ends: the partner answers every ring.
    void ring(std::uint32_t round, bool sleep_until_answered) {
        stamp_.store(now_ticks(), std::memory_order_relaxed);
        request_.store(round, std::memory_order_release);
        detail::futex_wake_one(request_);
        while (reply_.load(std::memory_order_acquire) != round) {
            if (sleep_until_answered) {
                detail::futex_wait(reply_, round - 1);
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
    std::thread thread_;  // last: starts once the words above exist
};

// The blocking wake floor: the same round trip, but each side sleeps in the kernel (futex) until
// the other wakes it — what a parked worker costs to reach. oneway_ns: from just before the wake
// call to the woken thread running.
template <class KeepGoing>
std::pair<double, double> measure_wake(bool pin, const std::vector<unsigned>& cpus,
                                       KeepGoing keep_going) {
    const ScopedPin main_pin(pin, pin ? cpus[0] : 0);
    double forward_ns = 0;  // the partner's; read once it is joined
    std::uint32_t round = 0;
    double elapsed = 0;
    {
        WakePartner partner(pin, pin ? cpus[1] : 0, /*wake_the_caller=*/true,
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

void floor_wake_futex(benchmark::State& state) {
    const Placement placement = place(state, 2, 0);
    const auto [rtt, oneway] =
        measure_wake(placement.pinned, placement.app_cpus, [&] { return state.KeepRunning(); });
    floors().wake_rtt_ns = rtt;
    floors().wake_oneway_ns = oneway;
    state.counters["rtt_ns"] = rtt;
    state.counters["oneway_ns"] = oneway;
    report_ratio_to_floor(state, rtt, floors().cacheline_rtt_ns);
}

// The idle-wake floor: a partner thread parks in a futex; this thread sleeps `idle` (both threads
// idle, as in wakeup/ and burst/), then wakes it and spins for the answer (as wakeup/ does); the
// partner records wake-up → running. One sample per keep_going(); the one-way times come back.
template <class KeepGoing>
Histogram measure_idle_wake(bool pin, const std::vector<unsigned>& cpus,
                            std::chrono::microseconds idle, KeepGoing keep_going) {
    const ScopedPin main_pin(pin, pin ? cpus[0] : 0);
    Histogram samples;  // the partner's; read once it is joined
    {
        WakePartner partner(pin, pin ? cpus[1] : 0, /*wake_the_caller=*/false,
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

void floor_wake_idle(benchmark::State& state, std::size_t gap) {
    const unsigned idle_us = Floors::idle_gaps[gap];
    const Placement placement = place(state, 2, 0);
    const Histogram samples =
        measure_idle_wake(placement.pinned, placement.app_cpus, std::chrono::microseconds{idle_us},
                          [&] { return state.KeepRunning(); });
    const auto p50 = static_cast<double>(samples.value_at_quantile(0.5));
    floors().wake_idle_oneway_ns[gap] = p50;
    state.counters["oneway_ns"] = p50;
    state.counters["p99_ns"] = static_cast<double>(samples.value_at_quantile(0.99));
    state.counters["max_ns"] = static_cast<double>(samples.max());
    // How much dearer than waking a busy thread: what the idle gap costs here.
    report_ratio_to_floor(state, p50, floors().wake_oneway_ns);
}

// ---- floor/timer_<mechanism>/delay_us:D
// A raw timer's lateness: this thread (alone, everything else idle, as in timer/) asks to run
// again at now + D and records when it does minus that due time. oneway_ns is the p50; p99_ns and
// max_ns its tail. The mechanisms a timer thread could sleep in:
//   timer_nanosleep  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)
//   timer_timerfd    epoll_wait on a timerfd armed to the due time (the MF layer's reactor): the
//                    floor of timer/, the earliest of the three — a timerfd's expiry is exact,
//                    while a sleep's and a timed futex wait's carry the thread's timer slack
//                    (50 µs by default)
//   timer_condvar    std::condition_variable::wait_until (a futex wait with a deadline)
void sleep_nanosleep(Clock::time_point due) {
    const auto since_boot = due.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_boot);
    timespec when{static_cast<time_t>(seconds.count()),
                  static_cast<long>((since_boot - seconds).count())};
    // Ends: the clock reaches `due` (EINTR resumes).
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, nullptr) == EINTR) {
    }
}

class TimerFd {
public:
    TimerFd()
        : epoll_(::epoll_create1(EPOLL_CLOEXEC)),
          timer_(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)) {
        epoll_event event{};
        event.events = EPOLLIN;
        if (epoll_ < 0 || timer_ < 0 || ::epoll_ctl(epoll_, EPOLL_CTL_ADD, timer_, &event) != 0) {
            throw std::runtime_error("floor/timer_timerfd: no epoll or timerfd");
        }
    }
    TimerFd(const TimerFd&) = delete;
    TimerFd& operator=(const TimerFd&) = delete;
    ~TimerFd() {
        ::close(timer_);
        ::close(epoll_);
    }
    void sleep_until(Clock::time_point due) const {
        const auto since_boot = due.time_since_epoch();
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_boot);
        itimerspec when{};
        when.it_value = {static_cast<time_t>(seconds.count()),
                         static_cast<long>((since_boot - seconds).count())};
        ::timerfd_settime(timer_, TFD_TIMER_ABSTIME, &when, nullptr);
        epoll_event event{};
        // Ends: the timer expires (EINTR waits again).
        while (::epoll_wait(epoll_, &event, 1, -1) != 1) {
        }
        std::uint64_t expirations = 0;
        (void)!::read(timer_, &expirations, sizeof expirations);
    }

private:
    int epoll_;
    int timer_;
};

template <class SleepUntil>
void floor_timer(benchmark::State& state, std::size_t delay, const SleepUntil& sleep_until) {
    const Placement placement = place(state, 1, 0);
    const ScopedPin pin = placement.pin_app(0);
    const std::chrono::microseconds wait{Floors::timer_delays_us[delay]};
    Histogram samples;
    for ([[maybe_unused]] auto _ : state) {
        const Clock::time_point due = Clock::now() + wait;
        sleep_until(due);
        samples.record(static_cast<std::uint64_t>(std::max<std::int64_t>(
            0, std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - due).count())));
    }
    state.counters["oneway_ns"] = static_cast<double>(samples.value_at_quantile(0.5));
    state.counters["p99_ns"] = static_cast<double>(samples.value_at_quantile(0.99));
    state.counters["max_ns"] = static_cast<double>(samples.max());
}

void floor_timer_nanosleep(benchmark::State& state, std::size_t delay) {
    floor_timer(state, delay, sleep_nanosleep);
}

void floor_timer_timerfd(benchmark::State& state, std::size_t delay) {
    const TimerFd timer;
    floor_timer(state, delay, [&timer](Clock::time_point due) { timer.sleep_until(due); });
    floors().timer_late_ns[delay] = state.counters["oneway_ns"];
}

void floor_timer_condvar(benchmark::State& state, std::size_t delay) {
    std::mutex mutex;
    std::condition_variable never_notified;
    floor_timer(state, delay, [&](Clock::time_point due) {
        std::unique_lock lock(mutex);
        // Ends: the deadline passes (nothing notifies).
        while (never_notified.wait_until(lock, due) != std::cv_status::timeout) {
        }
    });
}

}  // namespace

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
        measure_wake(pin, cpus, rounds(3'000));
    // ~40 ms of samples per gap, at least 15.
    for (std::size_t i = 0; i < std::size(Floors::idle_gaps); ++i) {
        const unsigned idle_us = Floors::idle_gaps[i];
        const Histogram samples =
            measure_idle_wake(pin, cpus, std::chrono::microseconds{idle_us},
                              rounds(std::max(15, 40'000 / static_cast<int>(idle_us))));
        floors().wake_idle_oneway_ns[i] = static_cast<double>(samples.value_at_quantile(0.5));
    }
}

namespace {
// First row of bench/scenarios.json: Google Benchmark runs in registration order, so the floors
// run before anything else.
const bool registered = register_family("floor", [] {
    add(Suite::standard, "floor/cacheline_rtt", floor_cacheline);
    add(Suite::standard, "floor/wake_futex_rtt", floor_wake_futex);
    for (std::size_t gap = 0; gap < std::size(Floors::idle_gaps); ++gap) {
        add(
            Suite::standard,
            "floor/wake_futex_idle/idle_us:" + std::to_string(Floors::idle_gaps[gap]),
            [gap](benchmark::State& state) { floor_wake_idle(state, gap); },
            benchmark::kMicrosecond);
    }
    for (std::size_t delay = 0; delay < std::size(Floors::timer_delays_us); ++delay) {
        const std::string params = "/delay_us:" + std::to_string(Floors::timer_delays_us[delay]);
        add(
            Suite::standard, "floor/timer_nanosleep" + params,
            [delay](benchmark::State& state) { floor_timer_nanosleep(state, delay); },
            benchmark::kMicrosecond);
        add(
            Suite::standard, "floor/timer_timerfd" + params,
            [delay](benchmark::State& state) { floor_timer_timerfd(state, delay); },
            benchmark::kMicrosecond);
        add(
            Suite::standard, "floor/timer_condvar" + params,
            [delay](benchmark::State& state) { floor_timer_condvar(state, delay); },
            benchmark::kMicrosecond);
    }
});
}  // namespace

}  // namespace wq::bench
