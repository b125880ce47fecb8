// bench/scenarios/priority.cpp — what an MF priority is worth on each back-end (wq/mfapi.hpp) and
// on the OS's own MF (bench/scenarios.json "priority").
#include "engine_scenario.hpp"
#include "mf_layer.hpp"

#include "wq/mfapi.hpp"

#include <array>
#include <thread>

namespace wq::bench {
namespace {

// ---- priority/<platform>/probe:{high|low}
// One worker is kept busy by a flood: 32 items at priority -1, each 2 µs of work, each putting
// itself again once it has run — so 32 wait on the multithreaded queue at any time. Every 200 µs
// the benchmark thread puts a probe at priority 1 (high) or at the flood's own -1 (low) and waits
// for its callback: the probe's one-way latency, p50 and p99. A high probe waits for the flood
// item running (≤ 2 µs) and the hand-off; a low one waits behind the whole flood (~32 items):
// the difference is what a priority is worth. At the end the flood stops putting itself again and
// the benchmark waits for its last items before the platform shuts down (MF's shutdown does not
// wait for them).
constexpr std::size_t flood_items = 32;
constexpr std::int64_t flood_work_ns = 2'000;
constexpr std::int64_t probe_gap_ns = 200'000;

template <class Source>
void priority(benchmark::State& state, const Source& source, LONG probe_priority) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    std::atomic<bool> flooding{true};
    std::atomic<std::uint64_t> flood_runs{0};
    std::atomic<std::size_t> flood_queued{flood_items};
    typename Source::Api* platform_ptr = nullptr;
    auto on_flood = [&](BenchItem* item) {
        detail_open_loop::busy_until(detail_open_loop::now_ns() + flood_work_ns);
        flood_runs.fetch_add(1, std::memory_order_relaxed);
        if (flooding.load(std::memory_order_relaxed) &&
            platform_ptr->PutWorkItemEx2(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, -1, item) == S_OK) {
            return;
        }
        // release: pairs with the drain's acquire below; the item is done with.
        flood_queued.fetch_sub(1, std::memory_order_release);
    };
    StaticCallback<decltype(on_flood)> flood_callback(on_flood);
    std::array<BenchItem, flood_items> flood;
    RunProbe<> probe;

    auto platform = source.start(placement.options);  // after the items: shut down before they go
    platform_ptr = platform.get();
    for (std::size_t i = 0; i < flood.size(); ++i) {
        flood[i].pCallback = &flood_callback;
        if (platform->PutWorkItemEx2(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, -1, &flood[i]) != S_OK) {
            state.SkipWithError("MFPutWorkItemEx2 failed");
            flooding.store(false, std::memory_order_relaxed);
            flood_queued.fetch_sub(flood.size() - i, std::memory_order_relaxed);  // never put
            break;
        }
    }
    Histogram samples;
    std::int64_t next_send = detail_open_loop::now_ns();
    for ([[maybe_unused]] auto _ : state) {
        if (!flooding.load(std::memory_order_relaxed)) {
            break;  // the flood could not start
        }
        next_send += probe_gap_ns;
        detail_open_loop::busy_until(next_send);
        probe.arm();
        const std::int64_t sent_at = detail_open_loop::now_ns();
        if (platform->PutWorkItemEx2(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, probe_priority,
                                     &probe.item) != S_OK) {
            state.SkipWithError("MFPutWorkItemEx2 failed");
            break;
        }
        const std::int64_t ran_at = probe.wait();
        samples.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, ran_at - sent_at)));
        next_send = std::max(next_send, ran_at);
    }
    flooding.store(false, std::memory_order_relaxed);
    // Ends: each flood item runs once more and is not put again. acquire: pairs with the release.
    while (flood_queued.load(std::memory_order_acquire) != 0) {
        std::this_thread::yield();
    }
    (void)platform->Shutdown();
    report_percentiles(state, samples, /*tails=*/false);
    state.counters["flood_runs_per_probe"] =
        static_cast<double>(flood_runs.load()) /
        static_cast<double>(std::max<std::size_t>(samples.count(), 1));
}

const bool registered = register_mf_family("priority", [](const auto& source) {
    for (const bool high : {true, false}) {
        add_mf(
            source, "priority", high ? "/probe:high" : "/probe:low",
            [source, high](benchmark::State& state) { priority(state, source, high ? 1 : -1); },
            benchmark::kMicrosecond);
    }
});

}  // namespace
}  // namespace wq::bench
