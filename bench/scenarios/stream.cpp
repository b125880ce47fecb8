// bench/scenarios/stream.cpp — a continuous stream through an engine, the engines' side of
// peer/<queue>/shape:stream (bench/scenarios.json "stream").
#include "engine_scenario.hpp"

#include <algorithm>
#include <memory>
#include <vector>

namespace wq::bench {
namespace {

// ---- stream/<backend>/producers:1/workers:1/layout:{array|scattered}
// The benchmark thread puts items one at a time, a chunk per iteration, and never waits for the
// engine to drain: it takes the items round a ring, and an item goes round again once the callback
// of its previous trip has cleared its in_flight flag — so at most stream_ring_items are queued,
// the bounded peers' capacity, and a producer faster than the worker waits for it as it would on a
// full queue. The rate counts from the first put to the last dispatch (the drain at the end
// included). Exactly-once by count and checksum; cpu_ns_per_item: the worker's CPU per item (every
// thread's but the benchmark's); parks_per_item where parks are observable.
// layout: Layout in bench/engine_scenario.hpp (make_ring).

template <class Make>
void stream(benchmark::State& state, const Make& make, Layout layout) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    PerThread<Tally> tallies;
    auto on_invoke = stream_item_done(tallies);
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    std::vector<std::unique_ptr<BenchItem[]>> storage;
    const std::vector<BenchItem*> ring = make_ring(layout, storage);
    for (BenchItem* item : ring) {
        item->pCallback = &callback;
    }
    auto engine = make(placement.options);  // declared last: shut down before the ring goes
    EngineOf<Make>& direct = *engine;
    const std::uint64_t parks_before = engine->counters().parks;
    const OtherThreadsCpu others;
    const auto start = Clock::now();
    const StreamSent sent =
        stream_puts(state, ring, stream_chunk,
                    [&](BenchItem* item, std::uint64_t) { return direct.put(item); });
    // Ends: every accepted item is dispatched (the contract); the drain is part of the stream.
    while (engine->counters().dispatched < sent.sent) {
        std::this_thread::yield();
    }
    const double elapsed = elapsed_ns(start);
    const double worker_cpu = others.ns();
    const std::uint64_t parks = engine->counters().parks - parks_before;
    engine->shutdown();
    report_stream(state, sent, tallies, elapsed);
    const auto items = static_cast<double>(std::max<std::uint64_t>(sent.sent, 1));
    state.counters["cpu_ns_per_item"] = std::max(0.0, worker_cpu) / items;
    if (Make::parks_observable) {
        state.counters["parks_per_item"] = static_cast<double>(parks) / items;
    }
}

const bool registered = register_engine_family("stream", []<class EngineT>() {
    for (const Layout layout : {Layout::array, Layout::scattered}) {
        const char* const name = layout == Layout::array ? "array" : "scattered";
        add(
            Suite::standard,
            benchmark_name<EngineT>("stream", std::string("/producers:1/workers:1/layout:") + name),
            [layout](benchmark::State& state) { stream(state, Concrete<EngineT>{}, layout); },
            benchmark::kMillisecond);
    }
});

}  // namespace
}  // namespace wq::bench
