// bench/scenarios/latency.cpp — open-loop one-way latency at fixed rates (bench/scenarios.json
// "latency").
#include "engine_scenario.hpp"

namespace wq::bench {
namespace {

// ---- latency/<backend>/rate:<items_per_s>/workers:1
// One-way dispatch latency (intended send time → Invoke start) under open-loop arrivals at a fixed
// rate, one worker. Each iteration is a fresh engine and ~50 ms of sends; the histograms of all
// iterations are merged and the counters set once at the end.

template <class Make>
void latency(benchmark::State& state, const Make& make, double rate) {
    const auto sends = static_cast<std::size_t>(std::clamp(rate / 20, 500.0, 50'000.0));
    const OpenLoopTotals totals =
        one_worker_open_loop(state, make, rate, sends, /*idle_after=*/false);
    if (!totals.complete) {
        return;
    }
    const double p50 = report_percentiles(state, totals.latency);
    state.counters["late_sends"] = static_cast<double>(totals.late);
    // Items 100 µs apart (10 k/s) find the worker parked: the floor is a wake after that idle gap.
    // Closer together, a spinning worker can take them: the one-way cache-line hop.
    const double floor =
        rate <= 10'000 ? floors().wake_after_idle_ns(100) : floors().cacheline_oneway_ns;
    report_ratio_to_floor(state, p50, floor);
}

const bool registered = register_engine_family("latency", []<class EngineT>() {
    for (const double rate : {10'000.0, 100'000.0, 1'000'000.0}) {
        if constexpr (is_calibration<EngineT>) {
            // A delayed put must leave the sender idle half the gap at least, or it falls behind
            // and the figure is the backlog, not the delay.
            if (static_cast<double>(EngineT::delay_ns) * rate * 2 > 1e9) {
                continue;
            }
        }
        add(
            Suite::standard,
            benchmark_name<EngineT>(
                "latency", "/rate:" + std::to_string(static_cast<long long>(rate)) + "/workers:1"),
            [rate](benchmark::State& state) { latency(state, Concrete<EngineT>{}, rate); },
            benchmark::kMillisecond);
    }
});

}  // namespace
}  // namespace wq::bench
