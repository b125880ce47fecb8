// bench/scenarios/priority.cpp — what an MF priority is worth on each back-end (wq/mfapi.hpp)
// (bench/scenarios.json "priority").
#include "engine_scenario.hpp"
#include "mf_layer.hpp"

#include "wq/mfapi.hpp"

#include <array>

namespace wq::bench {
namespace {

// ---- priority/<backend>/probe:{high|low}
// One worker is kept busy by a flood: 32 items at priority -1, each 2 µs of work, each putting
// itself again once it has run — so 32 wait on the multithreaded queue at any time. Every 200 µs
// the benchmark thread puts a probe at priority 1 (high) or at the flood's own -1 (low) and waits
// for its callback: the probe's one-way latency, p50 and p99. A high probe waits for the flood
// item running (≤ 2 µs) and the hand-off; a low one waits behind the whole flood (~32 items):
// the difference is what a priority is worth.
constexpr std::size_t flood_items = 32;
constexpr std::int64_t flood_work_ns = 2'000;
constexpr std::int64_t probe_gap_ns = 200'000;

void priority(benchmark::State& state, std::string_view backend, LONG probe_priority) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    std::atomic<bool> flooding{true};
    std::atomic<std::uint64_t> flood_runs{0};
    Platform* platform_ptr = nullptr;
    auto on_flood = [&](BenchItem* item) {
        detail_open_loop::busy_until(detail_open_loop::now_ns() + flood_work_ns);
        flood_runs.fetch_add(1, std::memory_order_relaxed);
        if (flooding.load(std::memory_order_relaxed)) {
            (void)platform_ptr->PutWorkItemEx2(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, -1, item);
        }
    };
    StaticCallback<decltype(on_flood)> flood_callback(on_flood);
    std::array<BenchItem, flood_items> flood;
    RunProbe<> probe;

    Platform platform(
        backend,
        engine_options(backend, placement.options));  // after the items: shut down before they go
    platform_ptr = &platform;
    for (BenchItem& item : flood) {
        item.pCallback = &flood_callback;
        if (platform.PutWorkItemEx2(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, -1, &item) != S_OK) {
            state.SkipWithError("MFPutWorkItemEx2 failed");
            return;
        }
    }
    Histogram samples;
    std::int64_t next_send = detail_open_loop::now_ns();
    for ([[maybe_unused]] auto _ : state) {
        next_send += probe_gap_ns;
        detail_open_loop::busy_until(next_send);
        probe.arm();
        const std::int64_t sent_at = detail_open_loop::now_ns();
        if (platform.PutWorkItemEx2(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, probe_priority,
                                    &probe.item) != S_OK) {
            state.SkipWithError("MFPutWorkItemEx2 failed");
            break;
        }
        const std::int64_t ran_at = probe.wait();
        samples.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, ran_at - sent_at)));
        next_send = std::max(next_send, ran_at);
    }
    flooding.store(false, std::memory_order_relaxed);
    (void)platform.Shutdown();  // drains the flood
    report_percentiles(state, samples, /*tails=*/false);
    state.counters["flood_runs_per_probe"] =
        static_cast<double>(flood_runs.load()) /
        static_cast<double>(std::max<std::size_t>(samples.count(), 1));
}

const bool registered = register_engine_family("priority", []<class EngineT>() {
    for (const bool high : {true, false}) {
        add(
            Suite::standard,
            benchmark_name<EngineT>("priority", high ? "/probe:high" : "/probe:low"),
            [high](benchmark::State& state) {
                priority(state, EngineT::backend_name, high ? 1 : -1);
            },
            benchmark::kMicrosecond);
    }
});

}  // namespace
}  // namespace wq::bench
