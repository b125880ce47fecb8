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
            if (failed(platform.AllocateSerialWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, &id))) {
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
    std::atomic<std::uint64_t> seen{0};
    auto on_invoke = [&](BenchItem* item) { seen.store(item->id, std::memory_order_release); };
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    BenchItem item;
    item.pCallback = &callback;
    std::uint64_t round = 0;
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        item.id = ++round;
        if (setup.platform.PutWorkItemEx(setup.ids[0], &item) != S_OK) {
            state.SkipWithError("MFPutWorkItemEx failed");
            break;
        }
        // Ends: the platform runs every item put (its contract).
        while (seen.load(std::memory_order_acquire) != round) {
            detail::cpu_pause();
        }
    }
    const double elapsed = elapsed_ns(start);
    (void)setup.platform.Shutdown();
    const double rtt = elapsed / static_cast<double>(std::max<std::uint64_t>(round, 1));
    state.counters["rtt_ns"] = rtt;
    report_ratio_to_floor(state, rtt, floors().cacheline_rtt_ns);
}

// ---- serial/<backend>/shape:stream/queues:<n>
// One producer streams items round-robin over n serial queues sharing one worker (n = 1: one
// strand; n = 8: strands sharing a pool), never waiting for a drain: a ring of items, each put
// again once its previous trip ran (as stream/). Items per second, first put to last callback.
template <class EngineT>
void serial_stream(benchmark::State& state, std::size_t queues) {
    constexpr std::size_t ring_items = 4096;
    constexpr std::size_t chunk = 1024;
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    PerThread<Tally> tallies;
    auto on_invoke = [&](BenchItem* item) {
        tallies.mine().add(item->id);
        // release: the tally and this trip's reads of the item happen before its next put.
        item->in_flight.store(false, std::memory_order_release);
    };
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    std::vector<BenchItem> ring(ring_items);
    for (BenchItem& item : ring) {
        item.pCallback = &callback;
    }
    SerialSetup setup(EngineT::backend_name, placement.options, queues);  // after the ring
    if (!setup.ok) {
        state.SkipWithError("MFAllocateSerialWorkQueue failed");
        return;
    }
    std::uint64_t sent = 0;
    std::uint64_t checksum = 0;
    bool refused = false;
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        for (std::size_t i = 0; i < chunk && !refused; ++i) {
            BenchItem& item = ring[sent % ring_items];
            // Ends: the platform runs the item's previous trip (its contract).
            while (item.in_flight.load(std::memory_order_acquire)) {
                detail::cpu_pause();
            }
            item.id = sent + 1;
            item.in_flight.store(true, std::memory_order_relaxed);
            if (setup.platform.PutWorkItemEx(setup.ids[sent % queues], &item) != S_OK) {
                item.in_flight.store(false, std::memory_order_relaxed);
                refused = true;
                break;
            }
            ++sent;
            checksum += sent;
        }
        if (refused) {
            break;
        }
    }
    (void)setup.platform.Shutdown();  // drains: the drain is part of the stream
    const double elapsed = elapsed_ns(start);
    const auto [count, sum] = totals(tallies);
    if (refused) {
        state.SkipWithError("a put was refused");
    } else if (count != sent || sum != checksum) {
        state.SkipWithError("exactly-once violated: dispatched count or checksum mismatch");
    }
    state.counters["items_per_second"] =
        static_cast<double>(std::max<std::uint64_t>(sent, 1)) / (elapsed * 1e-9);
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
