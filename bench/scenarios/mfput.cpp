// bench/scenarios/mfput.cpp — what a put through MF's work-queue API (wq/mfapi.hpp) costs beside
// the engine's own put, on each back-end, and through the OS's own MF (bench/scenarios.json
// "mfput").
#include "engine_scenario.hpp"
#include "mf_layer.hpp"

#include <string>

namespace wq::bench {
namespace {

// ---- mfput/<platform>/via:{engine|platform|allocated}
// stream/'s loop (one producer, one worker; mf_stream in bench/mf_layer.hpp) on one platform,
// putting each item by engine.put on the platform's engine (engine), by MFPutWorkItemEx on
// MFASYNC_CALLBACK_QUEUE_MULTITHREADED (platform), or on a queue of MFAllocateWorkQueueEx
// (allocated: the queue's own engine of the same back-end and worker count, as MF's allocated
// queues have threads of their own). Same items, same back-end: the ratios are the MF layer's
// cost. The OS's own MF has no engine beneath its API: its rows are platform and allocated.
enum class Via : std::uint8_t { engine, platform, allocated };

template <class Source>
void mfput(benchmark::State& state, const Source& source, Via via) {
    mf_stream(state, source, 0, [via](auto& setup, BenchItem* item, std::uint64_t /*index*/) {
        switch (via) {
            case Via::engine:
                if constexpr (requires { setup.platform->engine(); }) {
                    return setup.platform->engine().put(item);
                } else {
                    return E_NOTIMPL;  // not registered (bench/scenarios.json mfput.system_mf)
                }
            case Via::platform:
                return setup.platform->PutWorkItemEx(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, item);
            case Via::allocated:
                break;
        }
        return setup.platform->PutWorkItemEx(setup.allocated, item);
    });
}

const bool registered = register_mf_family("mfput", [](const auto& source) {
    for (const auto& [via, word] :
         {std::pair{Via::engine, "engine"}, std::pair{Via::platform, "platform"},
          std::pair{Via::allocated, "allocated"}}) {
        add_mf(
            source, "mfput", std::string("/via:") + word,
            [source, via = via](benchmark::State& state) { mfput(state, source, via); },
            benchmark::kMillisecond);
    }
});

}  // namespace
}  // namespace wq::bench
