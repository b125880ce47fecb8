// bench/scenarios/cancel.cpp — what MF's MFCancelWorkItem round costs (wq/mfapi.hpp): an item
// scheduled or put waiting, then cancelled, on each back-end and on the OS's own MF
// (bench/scenarios.json "cancel").
#include "engine_scenario.hpp"
#include "mf_layer.hpp"

#include "wq/event.hpp"

namespace wq::bench {
namespace {

// ---- cancel/<platform>/kind:{scheduled|waiting}
// Each iteration holds one item and cancels it — scheduled 60 s ahead (MFScheduleWorkItemEx), or
// waiting on an event never signalled (MFPutWaitingWorkItem) — from this one thread, nothing else
// pending: ns_per_item is the pair's cost (time per iteration, the same figure). A cancelled item
// never runs; the engine's worker stays parked.
template <class Source>
void cancel(benchmark::State& state, const Source& source, bool waiting) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    Event never{EventReset::automatic};
    auto on_run = [](BenchItem* /*item*/) {};
    PoolCallback<decltype(on_run)> callback(on_run);
    BenchItem item;
    item.pCallback = &callback;
    auto platform = source.start(placement.options);  // after the item: shut down before it goes
    const auto start = Clock::now();
    std::size_t rounds = 0;
    for ([[maybe_unused]] auto _ : state) {
        MFWORKITEM_KEY key = 0;
        const HRESULT held = waiting ? platform->PutWaitingWorkItem(never.handle(), 0, &item, &key)
                                     : platform->ScheduleWorkItemEx(&item, -60'000, &key);
        if (held != S_OK || platform->CancelWorkItem(key) != S_OK) {
            state.SkipWithError("a hold or its cancel failed");
            break;
        }
        ++rounds;
    }
    const double total = elapsed_ns(start);
    (void)platform->Shutdown();
    state.counters["ns_per_item"] = total / static_cast<double>(std::max<std::size_t>(rounds, 1));
}

const bool registered = register_mf_family("cancel", [](const auto& source) {
    for (const bool waiting : {false, true}) {
        add_mf(source, "cancel", waiting ? "/kind:waiting" : "/kind:scheduled",
               [source, waiting](benchmark::State& state) { cancel(state, source, waiting); });
    }
});

}  // namespace
}  // namespace wq::bench
