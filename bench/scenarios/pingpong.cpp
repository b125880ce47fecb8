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
    pingpong_rounds(
        state, [&](BenchItem* item) { return engine->put(item); },
        [&] { (void)engine->shutdown(); });
}

const bool registered =
    register_twin_family("pingpong", "", "/via:make_engine",
                         [](benchmark::State& state, const auto& make) { pingpong(state, make); });

}  // namespace
}  // namespace wq::bench
