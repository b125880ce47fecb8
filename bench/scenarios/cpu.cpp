// bench/scenarios/cpu.cpp — what a back-end costs in CPU, under load and idle (bench/scenarios.json
// "cpu").
#include "engine_scenario.hpp"

namespace wq::bench {
namespace {

// ---- cpu/<backend>/rate:<items_per_s>
// What the engine costs in CPU. Each iteration: a fresh engine (one worker) gets 100 ms of
// open-loop arrivals at `rate`; then it sits idle for 100 ms. cpu_ns_per_item is the CPU the
// process used during the load, minus the sending thread's own, per item (spinning included: it
// is the point); idle_cpu_pct is the CPU used during the idle interval, as a percentage of one
// core (an engine that spins forever shows ~100).

template <class Make>
void cpu(benchmark::State& state, const Make& make, double rate) {
    const OpenLoopTotals totals = one_worker_open_loop(
        state, make, rate, static_cast<std::size_t>(rate / 10), /*idle_after=*/true);
    if (totals.complete && totals.items > 0) {
        state.counters["cpu_ns_per_item"] = totals.load_cpu / static_cast<double>(totals.items);
        state.counters["idle_cpu_pct"] = totals.idle.pct();
    }
}

const bool registered = register_engine_family("cpu", []<class EngineT>() {
    for (const double rate : {10'000.0, 100'000.0}) {
        add(
            Suite::standard,
            benchmark_name<EngineT>("cpu", "/rate:" + std::to_string(static_cast<long long>(rate))),
            [rate](benchmark::State& state) { cpu(state, Concrete<EngineT>{}, rate); },
            benchmark::kMillisecond);
    }
});

}  // namespace
}  // namespace wq::bench
