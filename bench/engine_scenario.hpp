// bench/engine_scenario.hpp — what the engine scenarios (bench/scenarios/*.cpp) share: how a
// scenario gets its engine (the concrete type, or make_engine's type-erased one), the CPU clocks,
// idle burn, exactly-once tallies and the percentile counters.
#pragma once

#include "common.hpp"
#include "histogram.hpp"
#include "per_thread.hpp"
#include "scenario.hpp"

#include <algorithm>
#include <ctime>
#include <string>
#include <thread>
#include <utility>

namespace wq::bench {

// ---- How a scenario gets its engine: the concrete type (a final class: direct calls) or the
// registry (calls through Engine's vtable).

template <class EngineT>
struct Concrete {
    static constexpr bool parks_observable = EngineT::traits.parks_observable;
    std::unique_ptr<EngineT> operator()(const Options& options) const {
        return std::make_unique<EngineT>(options);
    }
};

template <class EngineT>
struct Erased {
    static constexpr bool parks_observable = EngineT::traits.parks_observable;
    std::unique_ptr<Engine> operator()(const Options& options) const {
        return make_engine(EngineT::traits.name, options);
    }
};

template <class Make>
using EngineOf = typename decltype(std::declval<Make>()(Options{}))::element_type;

/// "<scenario>/<backend><params>" (bench/scenarios.json's grammar: params start with '/').
template <class EngineT>
std::string benchmark_name(std::string_view scenario, std::string_view params = {}) {
    return std::string(scenario) + "/" + std::string(EngineT::traits.name) + std::string(params);
}

// ---- CPU clocks

inline double clock_ns(clockid_t clock) {
    timespec now{};
    clock_gettime(clock, &now);
    return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}
inline double thread_cpu_ns() {
    return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/// The CPU every other thread of the process has used since construction: the process's CPU
/// clock less the calling thread's (what the engine's threads cost while this one only watches).
class OtherThreadsCpu {
public:
    OtherThreadsCpu()
        : process_start_(clock_ns(CLOCK_PROCESS_CPUTIME_ID)), self_start_(thread_cpu_ns()) {}
    [[nodiscard]] double ns() const {
        return (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - process_start_) -
               (thread_cpu_ns() - self_start_);
    }

private:
    double process_start_;
    double self_start_;
};

/// What a running engine burns while it has nothing to do, over idle intervals.
struct IdleBurn {
    double cpu_ns = 0;
    double wall_ns = 0;
    [[nodiscard]] double pct() const {
        // Two CPU clocks of different granularity: a quiet engine can come out a hair below 0.
        return wall_ns > 0 ? std::max(0.0, 100.0 * cpu_ns / wall_ns) : 0;
    }
    /// Sleeps 100 ms and adds what the other threads burnt meanwhile.
    void measure() {
        const OtherThreadsCpu others;
        const auto from = Clock::now();
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
        cpu_ns += others.ns();
        wall_ns += elapsed_ns(from);
    }
};

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

// ---- Counters

/// The latency counters every latency-reporting scenario sets from its histogram, in ns:
/// p50_ns, p99_ns, max_ns, and p90_ns and p999_ns unless `tails` is false. Returns the p50.
inline double report_percentiles(benchmark::State& state, const Histogram& samples,
                                 bool tails = true) {
    const auto p50 = static_cast<double>(samples.value_at_quantile(0.5));
    state.counters["p50_ns"] = p50;
    state.counters["p99_ns"] = static_cast<double>(samples.value_at_quantile(0.99));
    state.counters["max_ns"] = static_cast<double>(samples.max());
    if (tails) {
        state.counters["p90_ns"] = static_cast<double>(samples.value_at_quantile(0.9));
        state.counters["p999_ns"] = static_cast<double>(samples.value_at_quantile(0.999));
    }
    return p50;
}

}  // namespace wq::bench
