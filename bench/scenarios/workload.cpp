// bench/scenarios/workload.cpp — a user's workload, measured on every back-end: only on demand,
// `wq_bench --wq_workload=SPEC` (bench/workload.hpp; scripts/choose runs it; bench/scenarios.json
// "workload").
#include "workload.hpp"
#include "mf_layer.hpp"
#include "scenarios/throughput.hpp"

namespace wq::bench {
namespace {

// ---- workload/<backend>/producers:P/workers:W/work_ns:N/rate:R|saturate/batch:B
// A user's workload (wq_bench --wq_workload=SPEC; scripts/choose runs it). Saturated, it is
// throughput/'s rounds followed by 100 ms idle. At a rate, each iteration is a fresh engine fed
// open-loop arrivals (latency/'s method: latency from the intended send time) by P sending
// threads, then left idle for 100 ms. Counters: items_per_second (the rate achieved), p50/p90/
// p99/p999/max_ns and late_pct (at a rate), cpu_ns_per_item (the engine's threads: dispatch,
// spinning and the callbacks' own work), idle_cpu_pct, parks_per_item (where observable).
// With serial:Q or high_pct:H the items go through the MF layer on the back-end (bench/
// mf_layer.hpp); with high_pct also high_p50_ns, high_p99_ns and high_max_ns: the priority-1
// items' own latency.

template <class Make>
void workload_at_rate(benchmark::State& state, const Make& make, const Workload& workload) {
    const Placement placement = place(state, workload.producers, workload.workers);
    // One producer: the benchmark thread sends. More: they are threads, this one waits.
    const ScopedPin pin = workload.producers == 1 ? placement.pin_app(0) : ScopedPin(false, 0);
    OpenLoopConfig config;
    config.rate_per_second = workload.rate;
    config.sends = workload.sends_per_repetition();
    config.callback_work = std::chrono::nanoseconds(workload.work_ns);
    config.batch = workload.batch;
    config.senders = workload.producers;
    config.high_pct = workload.high_pct;
    const OpenLoopTotals totals =
        open_loop_iterations(state, make, placement, config, /*idle_after=*/true);
    if (!totals.complete) {
        return;
    }
    const auto n = static_cast<double>(std::max<std::size_t>(totals.items, 1));
    state.counters["items_per_second"] = totals.load_wall > 0 ? n * 1e9 / totals.load_wall : 0;
    report_percentiles(state, totals.latency);
    if (workload.high_pct > 0) {
        report_percentiles(state, totals.high_latency, /*tails=*/false, "high_");
    }
    state.counters["late_pct"] = 100.0 * static_cast<double>(totals.late) / n;
    state.counters["cpu_ns_per_item"] = std::max(0.0, totals.load_cpu) / n;
    state.counters["idle_cpu_pct"] = totals.idle.pct();
    if (Make::parks_observable) {
        state.counters["parks_per_item"] = static_cast<double>(totals.parks) / n;
    }
}

template <class Make>
void run_workload(benchmark::State& state, const Make& make, const Workload& workload) {
    if (workload.saturate()) {
        const ThroughputShape shape{workload.producers, workload.workers, workload.work_ns,
                                    workload.batch};
        throughput(state, make, shape, /*idle_after=*/true);
    } else {
        workload_at_rate(state, make, workload);
    }
}

const bool registered = register_engine_family("workload", []<class EngineT>() {
    for (const Workload& workload : requested_workloads()) {
        std::string params = "/";  // appended, not "/" + ...: GCC 12 warns (-Wrestrict)
        params += workload.suffix();
        const std::string name = benchmark_name<EngineT>("workload", params);
        // An iteration at a rate is one open-loop run (a quarter of a second by default), so
        // a run of --benchmark_min_time=0.2 is one iteration: repetitions give the spread.
        add(
            Suite::standard, name,
            [workload](benchmark::State& state) {
                if (workload.through_mf()) {
                    run_workload(state, ThroughMfLayer<EngineT>{workload.serial}, workload);
                } else {
                    run_workload(state, Concrete<EngineT>{}, workload);
                }
            },
            benchmark::kMillisecond);
    }
});

}  // namespace
}  // namespace wq::bench
