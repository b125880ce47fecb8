// bench/scenarios/waitwake.cpp — MF's waiting items (MFPutWaitingWorkItem, wq/mfapi.hpp): from an
// event's signal to the callback, on each back-end and on the OS's own MF (bench/scenarios.json
// "waitwake").
#include "engine_scenario.hpp"
#include "mf_layer.hpp"

#include "wq/event.hpp"

#include <algorithm>

namespace wq::bench {
namespace {

// ---- waitwake/<platform>
// Each iteration puts an item waiting on an auto-reset event (on the multithreaded queue), lets
// everything sit idle 3 ms — the platform's wait thread in epoll_wait, the one worker parked —
// then signals the event and spins until the callback has started: signal → Invoke start, p50
// (the key), p99, max. The path is two wake-ups after idle (the wait thread, then the worker it
// hands the item to); ratio_to_floor ÷ one futex wake after the same 3 ms idle.
template <class Source>
void waitwake(benchmark::State& state, const Source& source) {
    constexpr unsigned quiet_us = 3000;
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    Event event{EventReset::automatic};
    RunProbe<PoolCallback> probe;
    auto platform = source.start(placement.options);  // after the item: shut down before it goes
    Histogram samples;
    for ([[maybe_unused]] auto _ : state) {
        probe.arm();
        if (platform->PutWaitingWorkItem(event.handle(), 0, &probe.item, nullptr) != S_OK) {
            state.SkipWithError("PutWaitingWorkItem failed");
            break;
        }
        std::this_thread::sleep_for(std::chrono::microseconds{quiet_us});
        const std::int64_t signalled_at = detail_open_loop::now_ns();
        event.set();
        const std::int64_t done = probe.wait();  // the signal releases the waiting item
        samples.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, done - signalled_at)));
    }
    (void)platform->Shutdown();
    const double p50 = report_percentiles(state, samples, /*tails=*/false);
    report_ratio_to_floor(state, p50, floors().wake_after_idle_ns(quiet_us));
}

const bool registered = register_mf_family("waitwake", [](const auto& source) {
    add_mf(
        source, "waitwake", "", [source](benchmark::State& state) { waitwake(state, source); },
        benchmark::kMicrosecond);
});

}  // namespace
}  // namespace wq::bench
