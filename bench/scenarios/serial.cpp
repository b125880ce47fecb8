// bench/scenarios/serial.cpp — MF's serial queues (wq/mfapi.hpp) over each back-end, and the OS's
// own MF's beside them (bench/scenarios.json "serial").
#include "engine_scenario.hpp"
#include "mf_layer.hpp"

#include <vector>

namespace wq::bench {
namespace {

// ---- serial/<platform>/shape:pingpong
// pingpong/'s round trip through one serial queue: the item goes onto the serial queue, whose pump
// goes onto the multithreaded queue, whose token goes into the engine — the MF layer's cost on top
// of the engine's own round trip.
template <class Source>
void serial_pingpong(benchmark::State& state, const Source& source) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    SerialSetup setup(source, placement.options, 1);
    if (!setup.ok) {
        state.SkipWithError("MFAllocateSerialWorkQueue failed");
        return;
    }
    pingpong_rounds(
        state, [&](BenchItem* item) { return setup.platform->PutWorkItemEx(setup.ids[0], item); },
        [&] { (void)setup.platform->Shutdown(); });
}

// ---- serial/<platform>/shape:stream/queues:<n>
// One producer streams items round-robin over n serial queues sharing one worker (n = 1: one
// strand; n = 8: strands sharing a pool): mf_stream (bench/mf_layer.hpp). (The same straight onto
// a multithreaded queue is mfput/.)
template <class Source>
void serial_stream(benchmark::State& state, const Source& source, std::size_t queues) {
    mf_stream(state, source, queues, [queues](auto& setup, BenchItem* item, std::uint64_t index) {
        return setup.platform->PutWorkItemEx(setup.ids[index % queues], item);
    });
}

const bool registered = register_mf_family("serial", [](const auto& source) {
    add_mf(source, "serial", "/shape:pingpong",
           [source](benchmark::State& state) { serial_pingpong(state, source); });
    for (const std::size_t queues : {1U, 8U}) {
        add_mf(
            source, "serial", "/shape:stream/queues:" + std::to_string(queues),
            [source, queues](benchmark::State& state) { serial_stream(state, source, queues); },
            benchmark::kMillisecond);
    }
});

}  // namespace
}  // namespace wq::bench
