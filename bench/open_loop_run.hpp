// bench/open_loop_run.hpp — the open-loop iterations of latency/, cpu/ and workload/ at a rate: a
// fresh engine per iteration fed timed arrivals, its CPU and idle burn.
#pragma once

#include "common.hpp"
#include "cpu_clocks.hpp"
#include "engine_source.hpp"
#include "exactly_once.hpp"
#include "open_loop.hpp"
#include "shared_loops.hpp"

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

// ---- Open-loop iterations: latency/, cpu/, workload/ at a rate

/// What an open-loop scenario measured, summed over the benchmark's iterations.
struct OpenLoopTotals {
    Histogram latency;        ///< intended send time → Invoke start, every item
    Histogram high_latency;   ///< the same, of the high-priority items (config.high_pct)
    std::size_t items = 0;    ///< items sent (and dispatched)
    std::size_t late = 0;     ///< items sent more than 1 µs after their intended time
    double load_cpu = 0;      ///< ns of CPU the engine's threads used while loaded
    double load_wall = 0;     ///< ns from the engine's start to its last dispatch
    std::uint64_t parks = 0;  ///< worker parks while loaded
    IdleBurn idle;            ///< after the load, when asked for
    bool complete = false;    ///< every iteration sent and dispatched every item
};

/// Each iteration of `state`: a fresh engine (`make(placement.options)`) fed `config`'s open-loop
/// arrivals. Sender threads (config.senders > 1) are pinned like any busy benchmark thread and
/// their CPU is theirs, not the engine's; with one sender, this thread sends. With `idle_after`,
/// the engine then sits idle for 100 ms (IdleBurn). A lost item or a refused put skips the
/// benchmark with an error (complete stays false).
template <class Make>
OpenLoopTotals open_loop_iterations(benchmark::State& state, const Make& make,
                                    const Placement& placement, OpenLoopConfig config,
                                    bool idle_after) {
    OpenLoopTotals totals;
    std::vector<double> sender_cpu(std::max(config.senders, 1U), 0.0);
    config.on_sender_start = [&](unsigned sender) {
        if (placement.pinned) {
            detail::pin_this_thread(placement.app_cpus[sender]);
        }
        sender_cpu[sender] = thread_cpu_ns();
    };
    config.on_sender_end = [&](unsigned sender) {
        sender_cpu[sender] = thread_cpu_ns() - sender_cpu[sender];
    };
    for ([[maybe_unused]] auto _ : state) {
        auto engine = make(placement.options);
        const std::uint64_t parks_before = engine->counters().parks;
        const OtherThreadsCpu others;
        const auto load_from = Clock::now();
        std::fill(sender_cpu.begin(), sender_cpu.end(), 0.0);
        config.when_drained = [&](const OpenLoopResult& /*sent*/) {
            totals.load_wall += elapsed_ns(load_from);
            totals.load_cpu +=
                others.ns() - std::accumulate(sender_cpu.begin(), sender_cpu.end(), 0.0);
            totals.parks += engine->counters().parks - parks_before;
            if (idle_after) {
                totals.idle.measure();
            }
        };
        const OpenLoopResult result = run_open_loop(*engine, config);
        if (result.put_failed || result.sent != config.sends ||
            result.latency.count() != config.sends) {
            state.SkipWithError("open-loop run lost items or a put failed");
            return totals;
        }
        totals.latency.merge(result.latency);
        totals.high_latency.merge(result.high_latency);
        totals.items += result.sent;
        totals.late += result.late_sends;
    }
    totals.complete = true;
    return totals;
}

/// open_loop_iterations for the one-worker shapes (latency/, cpu/): the benchmark thread sends
/// `sends` items per iteration at `rate` into one worker, both pinned when they fit.
template <class Make>
OpenLoopTotals one_worker_open_loop(benchmark::State& state, const Make& make, double rate,
                                    std::size_t sends, bool idle_after) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    OpenLoopConfig config;
    config.rate_per_second = rate;
    config.sends = sends;
    return open_loop_iterations(state, make, placement, config, idle_after);
}

}  // namespace wq::bench
