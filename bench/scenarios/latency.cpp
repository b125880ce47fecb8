// bench/scenarios/latency.cpp — open-loop one-way latency at fixed rates (bench/scenarios.json
// "latency").
#include "engine_scenario.hpp"
#include "open_loop.hpp"

namespace wq::bench {
namespace {

// ---- latency/<backend>/rate:<items_per_s>/workers:1
// One-way dispatch latency (intended send time → Invoke start) under open-loop arrivals at a fixed
// rate, one worker. Each iteration is a fresh engine and ~50 ms of sends; the histograms of all
// iterations are merged and the counters set once at the end.

template <class Make>
void latency(benchmark::State& state, const Make& make, double rate) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    const auto sends = static_cast<std::size_t>(std::clamp(rate / 20, 500.0, 50'000.0));
    Histogram all;
    std::size_t late_sends = 0;
    for ([[maybe_unused]] auto _ : state) {
        auto engine = make(placement.options);
        OpenLoopConfig config;
        config.rate_per_second = rate;
        config.sends = sends;
        const OpenLoopResult result = run_open_loop(*engine, config);
        if (result.put_failed || result.sent != sends || result.latency.count() != sends) {
            state.SkipWithError("open-loop run lost items or a put failed");
            return;
        }
        all.merge(result.latency);
        late_sends += result.late_sends;
    }
    const double p50 = report_percentiles(state, all);
    state.counters["late_sends"] = static_cast<double>(late_sends);
    report_ratio_to_floor(state, p50, floors().cacheline_oneway_ns);
}

struct Latency {
    template <class EngineT>
    static void add() {
        for (const double rate : {10'000.0, 100'000.0, 1'000'000.0}) {
            bench::add(
                Suite::standard,
                benchmark_name<EngineT>(
                    "latency",
                    "/rate:" + std::to_string(static_cast<long long>(rate)) + "/workers:1"),
                [rate](benchmark::State& state) { latency(state, Concrete<EngineT>{}, rate); },
                benchmark::kMillisecond);
        }
    }
};
const bool registered = register_engine_family<Latency>("latency");

}  // namespace
}  // namespace wq::bench
