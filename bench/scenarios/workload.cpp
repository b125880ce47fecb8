// bench/scenarios/workload.cpp — a user's workload, measured on every back-end: only on demand,
// `wq_bench --wq_workload=SPEC` (bench/workload.hpp; scripts/choose runs it; bench/scenarios.json
// "workload").
#include "workload.hpp"
#include "open_loop.hpp"
#include "scenarios/throughput.hpp"

#include <numeric>

namespace wq::bench {
namespace {

// ---- workload/<backend>/producers:P/workers:W/work_ns:N/rate:R|saturate/batch:B
// A user's workload (wq_bench --wq_workload=SPEC; scripts/choose runs it). Saturated, it is
// throughput/'s rounds followed by 100 ms idle. At a rate, each iteration is a fresh engine fed
// open-loop arrivals (latency/'s method: latency from the intended send time) by P sending
// threads, then left idle for 100 ms. Counters: items_per_second (the rate achieved), p50/p90/
// p99/p999/max_ns and late_pct (at a rate), cpu_ns_per_item (the engine's threads: dispatch,
// spinning and the callbacks' own work), idle_cpu_pct, parks_per_item (where observable).

template <class Make>
void workload_at_rate(benchmark::State& state, const Make& make, const Workload& workload) {
    const Placement placement = place(state, workload.producers, workload.workers);
    // One producer: the benchmark thread sends. More: they are threads, this one waits.
    const ScopedPin pin = workload.producers == 1 ? placement.pin_app(0) : ScopedPin(false, 0);
    Histogram all;
    std::size_t items = 0;
    std::size_t late = 0;
    double load_cpu = 0;
    double load_wall = 0;
    std::uint64_t parks = 0;
    IdleBurn idle;
    for ([[maybe_unused]] auto _ : state) {
        auto engine = make(placement.options);
        const std::uint64_t parks_before = engine->counters().parks;
        const OtherThreadsCpu others;
        const auto load_from = Clock::now();
        OpenLoopConfig config;
        config.rate_per_second = workload.rate;
        config.sends = workload.sends_per_repetition();
        config.callback_work = std::chrono::nanoseconds(workload.work_ns);
        config.batch = workload.batch;
        config.senders = workload.producers;
        // Sender threads (more than one producer): pinned like any busy benchmark thread, and
        // their CPU is theirs, not the engine's.
        std::vector<double> sender_cpu(workload.producers, 0.0);
        config.on_sender_start = [&](unsigned sender) {
            if (placement.pinned) {
                detail::pin_this_thread(placement.app_cpus[sender]);
            }
            sender_cpu[sender] = thread_cpu_ns();
        };
        config.on_sender_end = [&](unsigned sender) {
            sender_cpu[sender] = thread_cpu_ns() - sender_cpu[sender];
        };
        config.when_drained = [&](const OpenLoopResult& /*sent*/) {
            load_wall += elapsed_ns(load_from);
            load_cpu += others.ns() - std::accumulate(sender_cpu.begin(), sender_cpu.end(), 0.0);
            parks += engine->counters().parks - parks_before;
            idle.measure();
        };
        const OpenLoopResult result = run_open_loop(*engine, config);
        if (result.put_failed || result.sent != config.sends ||
            result.latency.count() != config.sends) {
            state.SkipWithError("open-loop run lost items or a put failed");
            return;
        }
        all.merge(result.latency);
        items += result.sent;
        late += result.late_sends;
    }
    const auto n = static_cast<double>(std::max<std::size_t>(items, 1));
    state.counters["items_per_second"] = load_wall > 0 ? n * 1e9 / load_wall : 0;
    report_percentiles(state, all);
    state.counters["late_pct"] = 100.0 * static_cast<double>(late) / n;
    state.counters["cpu_ns_per_item"] = std::max(0.0, load_cpu) / n;
    state.counters["idle_cpu_pct"] = idle.pct();
    if (Make::parks_observable) {
        state.counters["parks_per_item"] = static_cast<double>(parks) / n;
    }
}

struct WorkloadFamily {
    template <class EngineT>
    static void add() {
        for (const Workload& workload : requested_workloads()) {
            std::string params = "/";  // appended, not "/" + ...: GCC 12 warns (-Wrestrict)
            params += workload.suffix();
            const std::string name = benchmark_name<EngineT>("workload", params);
            if (workload.saturate()) {
                const ThroughputShape shape{workload.producers, workload.workers, workload.work_ns,
                                            workload.batch};
                bench::add(
                    Suite::standard, name,
                    [shape](benchmark::State& state) {
                        throughput(state, Concrete<EngineT>{}, shape, /*idle_after=*/true);
                    },
                    benchmark::kMillisecond);
            } else {
                // An iteration is one open-loop run (a quarter of a second by default), so a run
                // of --benchmark_min_time=0.2 is one iteration: repetitions give the spread.
                bench::add(
                    Suite::standard, name,
                    [workload](benchmark::State& state) {
                        workload_at_rate(state, Concrete<EngineT>{}, workload);
                    },
                    benchmark::kMillisecond);
            }
        }
    }
};
const bool registered = register_engine_family<WorkloadFamily>("workload");

}  // namespace
}  // namespace wq::bench
