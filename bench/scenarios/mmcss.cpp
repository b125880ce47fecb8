// bench/scenarios/mmcss.cpp — what an MMCSS registration is worth to a queue's items when another
// thread wants its CPU (wq/mfapi.hpp) (bench/scenarios.json "mmcss").
#include "engine_scenario.hpp"
#include "mf_layer.hpp"

#include "wq/mfapi.hpp"

#include <string>
#include <thread>

namespace wq::bench {
namespace {

// ---- mmcss/<backend>/registered:{no|yes}
// An audio-style job beside a CPU hog: a queue with one thread of its own (MFAllocateWorkQueue),
// a thread of normal priority spinning on that thread's CPU for the whole run, and the benchmark
// thread, on a CPU of its own, putting an item on the queue every period (1 ms, an audio buffer's
// order) and waiting for its callback: the one-way latency, p50, p99 and max, and missed_pct —
// the share of items whose callback started a whole period after their put (an audio glitch: the
// scheduler ran the hog out its slice first). registered:yes first registers the queue with
// MMCSS as "Pro Audio" (MFBeginRegisterWorkQueueWithMMCSS): on Linux SCHED_RR where the process
// may, else a lower nice, else nothing — the label says which the OS allowed; on back-ends whose
// threads are not the queue's own (tbb), nothing. The hog is the point: it competes for the
// worker's CPU on purpose, and the benchmark thread never shares that CPU.
constexpr std::int64_t period_ns = 1'000'000;

std::string scheduling_label(const WorkerScheduling& applied) {
    switch (applied.kind) {
        case WorkerScheduling::Kind::realtime:
            return "realtime " + std::to_string(applied.level);
        case WorkerScheduling::Kind::raised:
            return "raised " + std::to_string(applied.level);
        case WorkerScheduling::Kind::normal:
            break;
    }
    return "normal";
}

/// MFBeginRegisterWorkQueueWithMMCSS's completion. Declared before the platform: the platform's
/// queue releases the callback after its Invoke returns, on its own thread, when the registering
/// thread may already have moved on — a callback on the registering thread's stack was released
/// after it was gone (under Wine that ended the process, exit code 0, mid-run).
class ProAudioRegistration {
public:
    /// Registers `queue` with MMCSS as "Pro Audio" and waits for the registration's end.
    HRESULT run(Platform& platform, DWORD queue) {
        platform_ = &platform;
        if (const HRESULT hr =
                platform.BeginRegisterWorkQueueWithMMCSS(queue, L"Pro Audio", 0, &done_, nullptr);
            failed(hr)) {
            return hr;
        }
        // Ends: the begin queued its done callback (MF's contract: it completes on a platform
        // queue).
        while (!ended_.load(std::memory_order_acquire)) {
            std::this_thread::yield();
        }
        return end_;
    }

private:
    struct Done {
        ProAudioRegistration* self;
        void operator()(IMFAsyncResult* result) const {
            DWORD task = 0;
            self->end_ = self->platform_->EndRegisterWorkQueueWithMMCSS(result, &task);
            self->ended_.store(true, std::memory_order_release);  // publishes end_
        }
    };

    Platform* platform_ = nullptr;
    HRESULT end_ = S_OK;
    std::atomic<bool> ended_{false};
    UncountedCallback<Done> done_{Done{this}};
};

void mmcss(benchmark::State& state, std::string_view backend, bool registered) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    RunProbe<> probe;
    ProAudioRegistration registration;  // before the platform, as the probe: see the class
    Platform platform(
        backend,
        engine_options(backend, placement.options));  // after the item: shut down before it goes
    DWORD queue = 0;
    if (failed(platform.AllocateWorkQueue(&queue))) {
        state.SkipWithError("MFAllocateWorkQueue failed");
        return;
    }
    if (registered && failed(registration.run(platform, queue))) {
        state.SkipWithError("MFBeginRegisterWorkQueueWithMMCSS failed");
        return;
    }
    WorkerScheduling applied;
    (void)platform.GetWorkQueueScheduling(queue, &applied);

    std::atomic<bool> hogging{true};
    std::thread hog([&] {
        // The worker's CPU: its queue's engine pins its one thread to the run's worker CPU.
        const ScopedPin on_worker(placement.pinned,
                                  placement.pinned ? placement.options.worker_cpus[0] : 0);
        while (hogging.load(std::memory_order_relaxed)) {
            detail::cpu_pause();
        }
    });
    Histogram samples;
    std::uint64_t missed = 0;
    std::int64_t next_send = detail_open_loop::now_ns() + period_ns;
    for ([[maybe_unused]] auto _ : state) {
        detail_open_loop::busy_until(next_send);
        probe.arm();
        const std::int64_t sent_at = detail_open_loop::now_ns();
        if (platform.PutWorkItemEx(queue, &probe.item) != S_OK) {
            state.SkipWithError("MFPutWorkItemEx failed");
            break;
        }
        const std::int64_t at = probe.wait();
        samples.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, at - sent_at)));
        missed += at - sent_at >= period_ns ? 1 : 0;
        next_send = std::max(next_send + period_ns, at);
    }
    hogging.store(false, std::memory_order_relaxed);
    hog.join();
    (void)platform.UnlockWorkQueue(queue);
    (void)platform.Shutdown();
    report_percentiles(state, samples, /*tails=*/false);
    state.counters["missed_pct"] = 100.0 * static_cast<double>(missed) /
                                   static_cast<double>(std::max<std::size_t>(samples.count(), 1));
    state.SetLabel(std::string(placement.pinned ? "pinned" : "unpinned") +
                   ", hog on the worker's CPU, scheduling: " + scheduling_label(applied));
}

const bool registered = register_engine_family("mmcss", []<class EngineT>() {
    for (const bool on : {false, true}) {
        add(
            Suite::standard,
            benchmark_name<EngineT>("mmcss", on ? "/registered:yes" : "/registered:no"),
            [on](benchmark::State& state) { mmcss(state, EngineT::backend_name, on); },
            benchmark::kMicrosecond);
    }
});

}  // namespace
}  // namespace wq::bench
