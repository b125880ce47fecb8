// bench/scenarios/pingpong.cpp — one item bounced between the benchmark thread and a worker
// (bench/scenarios.json "pingpong").
#include "engine_scenario.hpp"

namespace wq::bench {
namespace {

// ---- pingpong/<backend>
// One item bounces: the benchmark thread puts it, the callback on the worker publishes the round's
// sequence number, the benchmark thread sees it and puts again (atomic_queue's ping-pong method:
// one hand-off each way per round). One iteration = one round trip.

template <class Make>
void pingpong(benchmark::State& state, const Make& make) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    auto engine = make(placement.options);
    std::atomic<std::uint64_t> seen{0};
    auto on_invoke = [&](BenchItem* item) { seen.store(item->id, std::memory_order_release); };
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    BenchItem item;
    item.pCallback = &callback;
    std::uint64_t round = 0;
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        item.id = ++round;
        if (engine->put(&item) != S_OK) {
            state.SkipWithError("put failed");
            break;
        }
        // Ends: the worker dispatches the item (the engine's contract); pause while it does.
        while (seen.load(std::memory_order_acquire) != round) {
            detail::cpu_pause();
        }
    }
    const double elapsed = elapsed_ns(start);
    engine->shutdown();
    const double rtt = elapsed / static_cast<double>(std::max<std::uint64_t>(round, 1));
    state.counters["rtt_ns"] = rtt;
    report_ratio_to_floor(state, rtt, floors().cacheline_rtt_ns);
}

const bool registered =
    register_twin_family("pingpong", "", "/via:make_engine",
                         [](benchmark::State& state, const auto& make) { pingpong(state, make); });

}  // namespace
}  // namespace wq::bench
