// bench/common.hpp — what every wqbench scenario shares: the clock, busy work, the benchmark's
// callback, this run's floors, thread placement, and registration into the default or the full
// suite.
#pragma once

#include "open_loop.hpp"
#include "wq/async_result.hpp"
#include "wq/config.hpp"
#include "wq/engine.hpp"

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace wq::bench {

using Clock = std::chrono::steady_clock;

inline double elapsed_ns(Clock::time_point since) {
    return std::chrono::duration<double, std::nano>(Clock::now() - since).count();
}

// ---- Busy work: a callback's cost -------------------------------------------------

/// Spins for `ns` nanoseconds of wall time (by the clock; 0 costs nothing).
void busy_work(std::uint64_t ns);
/// How long busy_work(1 ms) really takes, in ns (the run's context records it as a check).
double busy_work_check_ns();

// ---- A callback object that lives as long as the benchmark ------------------------------------

/// Calls `F` with the dispatched item as the BenchItem it is.
template <class F>
struct AsBenchItem {
    AsBenchItem(F function) : call(std::move(function)) {}  // NOLINT(google-explicit-constructor)
    void operator()(IMFAsyncResult* result) { call(static_cast<BenchItem*>(result)); }
    F call;
};

/// StaticCallback<decltype(f)> callback(f): f(BenchItem*) runs for each item dispatched.
template <class F>
using StaticCallback = UncountedCallback<AsBenchItem<F>>;

// ---- This run's floors (set by floor/..., which run first) -----------------------------------

struct Floors {
    double cacheline_rtt_ns = 0;     ///< two threads bouncing one cache line, round trip
    double cacheline_oneway_ns = 0;  ///< its forward leg
    double wake_rtt_ns = 0;          ///< the same with both sides sleeping in the kernel
    double wake_oneway_ns = 0;       ///< wake a sleeping thread → it runs (both sides busy)
    /// Waking a thread that slept `idle_gaps[i]` µs, one-way p50: what a parked worker costs to
    /// reach after the same idle gap as a scenario's (the host deschedules an idle vCPU, so this
    /// grows with the gap). The gaps the scenarios use: 100 µs (items at 10 k/s), 3 ms (wakeup/,
    /// burst/).
    static constexpr unsigned idle_gaps[] = {100, 3000};
    double wake_idle_oneway_ns[std::size(idle_gaps)] = {};
    /// The delays timer/ schedules at, and the raw timer's lateness after each (floor/
    /// timer_<the OS's floor timer>, p50; 0 until measured — timer_floor_ns): what any timer costs
    /// here.
    static constexpr unsigned timer_delays_us[] = {50, 1000, 10000};
    double timer_late_ns[std::size(timer_delays_us)] = {};
    /// A bare CAS on one shared line by N threads at once (floor/cas_line/threads:N): each
    /// thread's CPU per landed CAS, by N; what contention/ rows are divided by (cas_line_floor_ns).
    std::map<unsigned, double> cas_line_ns;
    [[nodiscard]] double wake_after_idle_ns(unsigned idle_us) const;
};
Floors& floors();

/// counters["ratio_to_floor"] = value / floor, when the floor ran in this run (not filtered out).
void report_ratio_to_floor(benchmark::State& state, double value, double floor);

// ---- Thread placement ------------------------------------------------------------------------
// Busy threads (spinning producers or the benchmark thread, and the engine's workers) go to
// distinct CPUs when they fit in the CPUs this process may use; otherwise (oversubscription on
// purpose) every thread is left to the scheduler. The choice is the benchmark's label.

class ScopedPin;

struct Placement {
    bool pinned = false;
    std::vector<unsigned> app_cpus;  ///< for the benchmark's own busy threads, in order
    Options options;                 ///< workers set; worker_cpus set when pinned

    /// Pins the calling thread as busy thread `k` for its scope (nothing when not pinned).
    [[nodiscard]] ScopedPin pin_app(unsigned k) const;
};

/// Decides where `app_threads` busy benchmark threads and `workers` workers run; labels `state`.
Placement place(benchmark::State& state, unsigned app_threads, unsigned workers);

/// Pins the calling thread to `cpu` for its lifetime when `pin`; unpins on destruction.
class ScopedPin {
public:
    ScopedPin(bool pin, unsigned cpu);
    ~ScopedPin();
    ScopedPin(const ScopedPin&) = delete;
    ScopedPin& operator=(const ScopedPin&) = delete;

private:
    bool pinned_;
};

inline ScopedPin Placement::pin_app(unsigned k) const {
    return {pinned, pinned ? app_cpus[k] : 0};
}

/// The options a benchmark gives back-end `backend`: `options`, less worker_cpus where the
/// back-end refuses to pin its threads (BackendTraits::pins_workers: mfplat's are MF's).
Options engine_options(std::string_view backend, Options options);

/// How many CPUs this process may use (at least 1).
unsigned usable_cpus();

// ---- Registration: the default suite and the full one ----------------------------------------

enum class Suite {
    standard,  ///< in the default run (≤ 5 min on 2 cores) and in --full
    full,      ///< only in --full
};

/// The run's choices from wq_bench's own flags, set by main before anything registers.
struct RunSettings {
    bool pinning = true;  ///< off with --wq_no_pin
    bool full = false;    ///< --wq_full: the full suite
};
RunSettings& run_settings();

/// Registers `name` (real time, the given unit) if its suite is being run, and remembers it for
/// the progress count.
void add(Suite suite, const std::string& name, std::function<void(benchmark::State&)> run,
         benchmark::TimeUnit unit = benchmark::kNanosecond);

/// The names registered so far (as Google Benchmark sees them: with "/real_time").
const std::vector<std::string>& registered_names();

/// Progress on stderr: "[started/total elapsed] name" as each run (benchmark × repetition) starts.
void set_progress_total(std::size_t runs);

// ---- Floors measured before the suite runs ----------------------------------------------------

/// Measures the floors once at start-up (the floor/ family measures them again first in the run).
void measure_floors_once();

/// The raw floor timer's lateness after Floors::timer_delays_us[delay] (p50): floor/timer_<the
/// OS's floor timer> when it has run, else measured here once, on the calling thread, with a fixed
/// number of sleeps — so a timer/ row has its ratio whatever the order of the run (interleaved
/// repetitions put timer/ rows before the floor's). Call it outside the timed loop.
double timer_floor_ns(std::size_t delay);

/// The thread counts of the contention sweep (contention/, floor/cas_line/): 1, 2, 4, … up to
/// twice the usable CPUs, and twice the CPUs itself.
std::vector<unsigned> contention_threads();

/// floor/cas_line/threads:N's ns per CAS: as measured by that row when it has run, else measured
/// here once (a fixed number of CASes), so a contention/ row has its ratio whatever the order of
/// the run. Call it outside the timed loop.
double cas_line_floor_ns(unsigned threads);

}  // namespace wq::bench
