// bench/scenarios/burst.cpp — the parallel-for shape: a bulk after idle, time to drain
// (bench/scenarios.json "burst").
#include "engine_scenario.hpp"
#include "wq/event.hpp"

namespace wq::bench {
namespace {

// ---- burst/<backend>/items:N/work_ns:1000
// The parallel-for shape: after a quiet interval (workers parked), one put_bulk fans out N items,
// each ~1 µs of work, and the benchmark thread blocks on a completion event that the last callback
// signals. drain_ns is the median time from the put to the event; its floor is one wake-up plus
// the work spread over every worker (one per CPU).

template <class Make>
void burst(benchmark::State& state, const Make& make, std::size_t burst_items) {
    constexpr std::uint64_t work_ns = 1000;
    constexpr auto quiet = std::chrono::milliseconds{3};
    const unsigned workers = usable_cpus();
    const Placement placement = place(state, 0, workers);  // the benchmark thread sleeps
    auto engine = make(placement.options);
    Event done(EventReset::automatic);
    std::atomic<std::size_t> remaining{0};
    PerThread<Tally> tallies;
    auto on_invoke = [&](BenchItem* item) {
        busy_work(work_ns);
        tallies.mine().add(item->id);
        if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            set_event(done.handle());
        }
    };
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    std::vector<BenchItem> items(burst_items);
    std::vector<MFASYNCRESULT*> pointers(burst_items);
    std::uint64_t burst_checksum = 0;
    for (std::size_t i = 0; i < burst_items; ++i) {
        items[i].id = i + 1;
        items[i].pCallback = &callback;
        pointers[i] = &items[i];
        burst_checksum += i + 1;
    }
    Histogram drains;
    std::uint64_t bursts = 0;
    for ([[maybe_unused]] auto _ : state) {
        std::this_thread::sleep_for(quiet);
        remaining.store(burst_items, std::memory_order_relaxed);
        const auto start = Clock::now();
        if (engine->put_bulk(pointers) != S_OK) {
            state.SkipWithError("put_bulk failed");
            break;
        }
        if (wait_event(done.handle(), std::chrono::seconds{60}) != WaitStatus::signalled) {
            state.SkipWithError("burst did not drain within 60 s");
            break;
        }
        drains.record(static_cast<std::uint64_t>(elapsed_ns(start)));
        ++bursts;
    }
    engine->shutdown();
    const auto [count, checksum] = totals(tallies);
    if (count != bursts * burst_items || checksum != bursts * burst_checksum) {
        state.SkipWithError("exactly-once violated: dispatched count or checksum mismatch");
        return;
    }
    const auto drain = static_cast<double>(drains.value_at_quantile(0.5));
    state.counters["drain_ns"] = drain;
    state.counters["items_per_second"] =
        drain > 0 ? static_cast<double>(burst_items) * 1e9 / drain : 0;
    // Its floor: one wake-up after the same idle gap, then the work spread over every worker.
    if (const double wake = floors().wake_after_idle_ns(3000); wake > 0) {
        const double ideal =
            wake + static_cast<double>(burst_items * work_ns) / static_cast<double>(workers);
        report_ratio_to_floor(state, drain, ideal);
    }
}

const bool registered = register_engine_family("burst", []<class EngineT>() {
    for (const std::size_t n : {std::size_t{64}, std::size_t{4096}, std::size_t{65'536}}) {
        add(
            n <= 4096 ? Suite::standard : Suite::full,
            benchmark_name<EngineT>("burst", "/items:" + std::to_string(n) + "/work_ns:1000"),
            [n](benchmark::State& state) { burst(state, Concrete<EngineT>{}, n); },
            benchmark::kMillisecond);
    }
});

}  // namespace
}  // namespace wq::bench
