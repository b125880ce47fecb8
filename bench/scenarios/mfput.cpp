// bench/scenarios/mfput.cpp — what a put through MF's work-queue API (wq/mfapi.hpp) costs beside
// the engine's own put, on each back-end (bench/scenarios.json "mfput").
#include "engine_scenario.hpp"
#include "mf_layer.hpp"

#include <string>

namespace wq::bench {
namespace {

// ---- mfput/<backend>/via:{engine|platform|allocated}
// stream/'s loop (one producer, one worker; mf_stream in bench/mf_layer.hpp) on one platform,
// putting each item by engine.put on the platform's engine (engine), by MFPutWorkItemEx on
// MFASYNC_CALLBACK_QUEUE_MULTITHREADED (platform), or on a queue of MFAllocateWorkQueueEx
// (allocated: the queue's own engine of the same back-end and worker count, as MF's allocated
// queues have threads of their own). Same items, same back-end: the ratios are the MF layer's
// cost.
enum class Via : std::uint8_t { engine, platform, allocated };

template <class EngineT>
void mfput(benchmark::State& state, Via via) {
    mf_stream<EngineT>(
        state, 0, [via](SerialSetup& setup, BenchItem* item, std::uint64_t /*index*/) {
            switch (via) {
                case Via::engine:
                    return setup.platform.engine().put(item);
                case Via::platform:
                    return setup.platform.PutWorkItemEx(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, item);
                case Via::allocated:
                    break;
            }
            return setup.platform.PutWorkItemEx(setup.allocated, item);
        });
}

const bool registered = register_engine_family("mfput", []<class EngineT>() {
    for (const auto& [via, word] :
         {std::pair{Via::engine, "engine"}, std::pair{Via::platform, "platform"},
          std::pair{Via::allocated, "allocated"}}) {
        add(
            Suite::standard, benchmark_name<EngineT>("mfput", std::string("/via:") + word),
            [via = via](benchmark::State& state) { mfput<EngineT>(state, via); },
            benchmark::kMillisecond);
    }
});

}  // namespace
}  // namespace wq::bench
