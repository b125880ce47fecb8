// bench/scenarios/serial.cpp — MF's serial queues (wq/mfapi.hpp) over each back-end
// (bench/scenarios.json "serial").
#include "engine_scenario.hpp"
#include "mf_layer.hpp"

#include <vector>

namespace wq::bench {
namespace {

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
// strand; n = 8: strands sharing a pool): mf_stream (bench/mf_layer.hpp). (The same straight onto
// a multithreaded queue is mfput/.)
template <class EngineT>
void serial_stream(benchmark::State& state, std::size_t queues) {
    mf_stream<EngineT>(state, queues,
                       [queues](SerialSetup& setup, BenchItem* item, std::uint64_t index) {
                           return setup.platform.PutWorkItemEx(setup.ids[index % queues], item);
                       });
}

const bool registered = register_engine_family("serial", []<class EngineT>() {
    add(Suite::standard, benchmark_name<EngineT>("serial", "/shape:pingpong"),
        [](benchmark::State& state) { serial_pingpong<EngineT>(state); });
    for (const std::size_t queues : {1U, 8U}) {
        add(
            Suite::standard,
            benchmark_name<EngineT>("serial", "/shape:stream/queues:" + std::to_string(queues)),
            [queues](benchmark::State& state) { serial_stream<EngineT>(state, queues); },
            benchmark::kMillisecond);
    }
});

}  // namespace
}  // namespace wq::bench
