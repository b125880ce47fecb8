// bench/scenarios/cpu.cpp — what a back-end costs in CPU, under load and idle (bench/scenarios.json
// "cpu").
#include "engine_scenario.hpp"
#include "open_loop.hpp"

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
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    double load_cpu = 0;
    IdleBurn idle;
    std::size_t items = 0;
    for ([[maybe_unused]] auto _ : state) {
        auto engine = make(placement.options);
        const OtherThreadsCpu others;
        OpenLoopConfig config;
        config.rate_per_second = rate;
        config.sends = static_cast<std::size_t>(rate / 10);
        config.when_drained = [&](const OpenLoopResult& /*sent*/) {
            load_cpu += others.ns();
            idle.measure();
        };
        const OpenLoopResult result = run_open_loop(*engine, config);
        if (result.put_failed || result.latency.count() != config.sends) {
            state.SkipWithError("open-loop run lost items or a put failed");
            return;
        }
        items += config.sends;
    }
    if (items > 0) {
        state.counters["cpu_ns_per_item"] = load_cpu / static_cast<double>(items);
        state.counters["idle_cpu_pct"] = idle.pct();
    }
}

struct Cpu {
    template <class EngineT>
    static void add() {
        for (const double rate : {10'000.0, 100'000.0}) {
            bench::add(
                Suite::standard,
                benchmark_name<EngineT>("cpu",
                                        "/rate:" + std::to_string(static_cast<long long>(rate))),
                [rate](benchmark::State& state) { cpu(state, Concrete<EngineT>{}, rate); },
                benchmark::kMillisecond);
        }
    }
};
const bool registered = register_engine_family<Cpu>("cpu");

}  // namespace
}  // namespace wq::bench
