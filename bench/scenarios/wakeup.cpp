// bench/scenarios/wakeup.cpp — the price of waking a parked worker (bench/scenarios.json "wakeup").
#include "engine_scenario.hpp"

namespace wq::bench {
namespace {

// ---- wakeup/<backend>
// The price of waking a parked worker. Each iteration lets the engine sit idle for `quiet` (far
// past mpmc's spin budget and TBB's), then puts one item stamped with the put time; the callback
// records Invoke start − stamp. parked_pct: the share of samples where the engine's park counter
// moved since the previous put (back-ends whose parks are observable): the worker went to sleep
// after its last item, so the figure is a wake-up and not a spinning worker's pick-up. Time per
// iteration includes the quiet interval: read the counters.

template <class Make>
void wakeup(benchmark::State& state, const Make& make) {
    constexpr auto quiet = std::chrono::milliseconds{3};
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    auto engine = make(placement.options);
    std::atomic<std::int64_t> invoked_at{0};
    auto on_invoke = [&](BenchItem* /*item*/) {
        invoked_at.store(Clock::now().time_since_epoch().count(), std::memory_order_release);
    };
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    BenchItem item;
    item.pCallback = &callback;
    Histogram samples;
    std::uint64_t parked = 0;
    std::uint64_t parks_at_last_put = engine->counters().parks;
    for ([[maybe_unused]] auto _ : state) {
        std::this_thread::sleep_for(quiet);
        const std::uint64_t parks = engine->counters().parks;
        if (parks > parks_at_last_put) {
            ++parked;
        }
        parks_at_last_put = parks;
        invoked_at.store(0, std::memory_order_relaxed);
        const std::int64_t put_at = Clock::now().time_since_epoch().count();
        if (engine->put(&item) != S_OK) {
            state.SkipWithError("put failed");
            break;
        }
        std::int64_t done = 0;
        // Ends: the worker dispatches the item (the engine's contract).
        while ((done = invoked_at.load(std::memory_order_acquire)) == 0) {
            detail::cpu_pause();
        }
        samples.record(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::duration{done - put_at})
                .count()));
    }
    engine->shutdown();
    const double p50 = report_percentiles(state, samples, /*tails=*/false);
    if (Make::parks_observable && samples.count() > 0) {
        state.counters["parked_pct"] =
            100.0 * static_cast<double>(parked) / static_cast<double>(samples.count());
    }
    // Its floor: a raw futex wake of a thread idle for the same gap (Floors::idle_gaps).
    report_ratio_to_floor(state, p50, floors().wake_after_idle_ns(3000));
}

const bool registered = register_engine_family("wakeup", []<class EngineT>() {
    add(
        Suite::standard, benchmark_name<EngineT>("wakeup"),
        [](benchmark::State& state) { wakeup(state, Concrete<EngineT>{}); },
        benchmark::kMillisecond);
});

}  // namespace
}  // namespace wq::bench
