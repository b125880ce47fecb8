// bench/scenarios/serial.cpp — MF's serial queues (wq/mfapi.hpp) over each back-end
// (bench/scenarios.json "serial").
#include "engine_scenario.hpp"

#include "wq/mfapi.hpp"

#include <vector>

namespace wq::bench {
namespace {

/// A platform on back-end EngineT with `queues` serial queues on its multithreaded queue.
struct SerialSetup {
    SerialSetup(std::string_view backend, const Options& options, std::size_t queues)
        : platform(backend, options) {
        for (std::size_t i = 0; i < queues; ++i) {
            DWORD id = 0;
            if (failed(
                    platform.AllocateSerialWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, &id))) {
                ok = false;
                return;
            }
            ids.push_back(id);
        }
    }
    Platform platform;
    std::vector<DWORD> ids;
    bool ok = true;
};

// ---- serial/<backend>/shape:pingpong
// pingpong/'s round trip through one serial queue: the item goes onto the serial queue, whose pump
// goes onto the multithreaded queue, whose token goes into the engine — the MF layer's cost on top
// of the engine's own round trip.
template <class EngineT>
void serial_pingpong(benchmark::State& state) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    SerialSetup setup(EngineT::backend_name, placement.options, 1);
    if (!setup.ok) {
        state.SkipWithError("MFAllocateSerialWorkQueue failed");
        return;
    }
    pingpong_rounds(
        state, [&](BenchItem* item) { return setup.platform.PutWorkItemEx(setup.ids[0], item); },
        [&] { (void)setup.platform.Shutdown(); });
}

// ---- serial/<backend>/shape:stream/queues:<n>
// One producer streams items round-robin over n serial queues sharing one worker (n = 1: one
// strand; n = 8: strands sharing a pool), never waiting for a drain: stream/'s ring of items, each
// put again once its previous trip ran. Items per second, first put to last callback. n = 0: the
// same straight onto the multithreaded platform queue — the MF layer's cost beside stream/'s
// engine put.
template <class EngineT>
void serial_stream(benchmark::State& state, std::size_t queues) {
    constexpr std::size_t ring_items = 4096;
    constexpr std::size_t chunk = 1024;
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    PerThread<Tally> tallies;
    auto on_invoke = stream_item_done(tallies);
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    std::vector<BenchItem> items(ring_items);
    std::vector<BenchItem*> ring;
    for (BenchItem& item : items) {
        item.pCallback = &callback;
        ring.push_back(&item);
    }
    SerialSetup setup(EngineT::backend_name, placement.options, queues);  // after the ring
    if (!setup.ok) {
        state.SkipWithError("MFAllocateSerialWorkQueue failed");
        return;
    }
    const auto start = Clock::now();
    const StreamSent sent =
        stream_puts(state, ring, chunk, [&](BenchItem* item, std::uint64_t index) {
            const DWORD queue =
                queues == 0 ? MFASYNC_CALLBACK_QUEUE_MULTITHREADED : setup.ids[index % queues];
            return setup.platform.PutWorkItemEx(queue, item);
        });
    (void)setup.platform.Shutdown();  // drains: the drain is part of the stream
    report_stream(state, sent, tallies, elapsed_ns(start));
}

const bool registered = register_engine_family("serial", []<class EngineT>() {
    add(Suite::standard, benchmark_name<EngineT>("serial", "/shape:pingpong"),
        [](benchmark::State& state) { serial_pingpong<EngineT>(state); });
    for (const std::size_t queues : {0U, 1U, 8U}) {
        add(
            Suite::standard,
            benchmark_name<EngineT>("serial", "/shape:stream/queues:" + std::to_string(queues)),
            [queues](benchmark::State& state) { serial_stream<EngineT>(state, queues); },
            benchmark::kMillisecond);
    }
});

}  // namespace
}  // namespace wq::bench
