// bench/scenarios/timer.cpp — MF's scheduled items (MFScheduleWorkItem, wq/mfapi.hpp) on each
// back-end and on the OS's own MF: how late they run, and what one costs to schedule with many
// pending (bench/scenarios.json "timer").
#include "engine_scenario.hpp"
#include "mf_layer.hpp"

#include "wq/event.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace wq::bench {
namespace {

// ---- timer/<platform>/delay_us:D
// Lateness: each iteration schedules one item D µs ahead (Platform::ScheduleWorkItemAfter, wq's
// finer-grained MFScheduleWorkItemEx) onto the multithreaded queue, then sleeps on an event until
// its callback ran — so the platform's timer thread and the one worker start each sample idle, as
// the floor's thread does. The sample is the callback's start minus the due time: the timer
// thread's wake-up, the hand-over to the queue and the worker's wake-up. p50 (the key), p99, max;
// ratio_to_floor ÷ floor/timer_<the OS's floor timer> at the same D (a raw timer's lateness;
// timer_floor_ns measures it here when that floor has not run yet). The OS's own MF schedules in
// whole milliseconds: it runs the delays that are (scenarios.json timer.system_mf).
template <class Source>
void timer_lateness(benchmark::State& state, const Source& source, std::size_t delay) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    const std::chrono::microseconds wait{Floors::timer_delays_us[delay]};
    Event ran{EventReset::automatic};
    std::atomic<std::int64_t> ran_at{0};
    auto on_run = [&](BenchItem* /*item*/) {
        ran_at.store(detail_open_loop::now_ns(), std::memory_order_release);
        ran.set();
    };
    PoolCallback<decltype(on_run)> callback(on_run);
    BenchItem item;
    item.pCallback = &callback;
    auto platform = source.start(placement.options);  // after the item: shut down before it goes
    Histogram samples;
    for ([[maybe_unused]] auto _ : state) {
        const std::int64_t due = detail_open_loop::now_ns() +
                                 std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
        if (platform->ScheduleWorkItemAfter(&item, wait, nullptr) != S_OK) {
            state.SkipWithError("ScheduleWorkItemAfter failed");
            break;
        }
        ran.wait();  // ends: the platform runs what it scheduled
        samples.record(static_cast<std::uint64_t>(
            std::max<std::int64_t>(0, ran_at.load(std::memory_order_acquire) - due)));
    }
    (void)platform->Shutdown();
    const double p50 = report_percentiles(state, samples, /*tails=*/false);
    report_ratio_to_floor(state, p50, timer_floor_ns(delay));
}

// ---- timer/<platform>/pending:N
// What one schedule costs with N items pending: N items are scheduled 60–120 s ahead (never due
// in the run); each iteration schedules 1000 more at random due times in the same span, timed,
// then cancels them (untimed, so N stays). ns_per_item: the schedules' time ÷ their number — a
// heap, a tree or a wheel shows how it grows with N here. The table is the platform's, the same
// on every back-end: the rows differ by noise. The held items are cancelled before the platform
// shuts down (untimed; MF's shutdown does not hand them back).
template <class Source>
void timer_pending(benchmark::State& state, const Source& source, std::size_t pending) {
    constexpr std::size_t batch = 1000;
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    auto on_run = [](BenchItem* /*item*/) {};  // never runs: each item is cancelled long before due
    PoolCallback<decltype(on_run)> callback(on_run);
    std::vector<BenchItem> held(pending);
    std::vector<MFWORKITEM_KEY> held_keys(pending);
    std::vector<BenchItem> timed(batch);
    std::vector<MFWORKITEM_KEY> keys(batch);
    std::uint64_t random = 0x9E3779B97F4A7C15ULL;
    auto ahead = [&random] {
        random ^= random << 13U;
        random ^= random >> 7U;
        random ^= random << 17U;
        return std::chrono::milliseconds{60'000 + static_cast<std::int64_t>(random % 60'000)};
    };
    auto platform = source.start(placement.options);  // after the items: shut down before they go
    std::size_t holding = 0;
    for (; holding < pending; ++holding) {
        held[holding].pCallback = &callback;
        if (platform->ScheduleWorkItemAfter(&held[holding], ahead(), &held_keys[holding]) != S_OK) {
            state.SkipWithError("ScheduleWorkItemAfter failed");
            break;
        }
    }
    std::vector<std::chrono::nanoseconds> delays(batch);
    double scheduling_ns = 0;
    std::size_t scheduled = 0;
    for ([[maybe_unused]] auto _ : state) {
        for (auto& delay : delays) {
            delay = ahead();
        }
        const auto start = Clock::now();
        for (std::size_t i = 0; i < batch; ++i) {
            timed[i].pCallback = &callback;
            if (platform->ScheduleWorkItemAfter(&timed[i], delays[i], &keys[i]) != S_OK) {
                state.SkipWithError("ScheduleWorkItemAfter failed");
                keys.resize(i);  // cancel what was scheduled, then stop
                break;
            }
        }
        scheduling_ns += elapsed_ns(start);
        scheduled += batch;
        for (const MFWORKITEM_KEY key : keys) {
            (void)platform->CancelWorkItem(key);
        }
        if (keys.size() != batch) {
            break;
        }
    }
    for (std::size_t i = 0; i < holding; ++i) {
        (void)platform->CancelWorkItem(held_keys[i]);
    }
    (void)platform->Shutdown();
    state.counters["ns_per_item"] =
        scheduling_ns / static_cast<double>(std::max<std::size_t>(scheduled, 1));
}

constexpr std::size_t pending_counts[] = {100, 1'000, 10'000, 100'000};

const bool registered = register_mf_family("timer", [](const auto& source) {
    for (std::size_t delay = 0; delay < std::size(Floors::timer_delays_us); ++delay) {
        add_mf(
            source, "timer", "/delay_us:" + std::to_string(Floors::timer_delays_us[delay]),
            [source, delay](benchmark::State& state) { timer_lateness(state, source, delay); },
            benchmark::kMicrosecond);
    }
    for (const std::size_t pending : pending_counts) {
        add_mf(
            source, "timer", "/pending:" + std::to_string(pending),
            [source, pending](benchmark::State& state) { timer_pending(state, source, pending); },
            benchmark::kMicrosecond);
    }
});

}  // namespace
}  // namespace wq::bench
