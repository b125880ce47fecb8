// wqbench's benchmark suite: every back-end on the same MFASYNCRESULT item, through its concrete
// type (no virtual hop).
//
// Names (an interface: baselines and scripts key on them; see README "Benchmark names"):
//   pingpong/<backend>                                          rtt_ns
//   throughput/<backend>/producers:P/workers:W/work_ns:N/batch:B items_per_second
#include "wq/async_result.hpp"
#include "wq/build_config.hpp"
#include "wq/detail/futex.hpp"
#include "wq/engine.hpp"
#include "wq/mpmc_engine.hpp"
#include "wq/mutex_engine.hpp"
#if WQ_HAVE_IOCP
#include "wq/iocp_engine.hpp"
#endif
#if WQ_HAVE_TBB
#include "wq/tbb_engine.hpp"
#endif

#include "open_loop.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wq::bench {
namespace {

using Clock = std::chrono::steady_clock;

Options with_workers(unsigned workers) {
    Options options;
    options.workers = workers;
    return options;
}

// A callback object that lives as long as the benchmark (its own count is not the point).
template <class F>
class StaticCallback final : public IMFAsyncCallback {
public:
    explicit StaticCallback(F function) : function_(std::move(function)) {}
    HRESULT QueryInterface(REFIID /*riid*/, void** out) override {
        *out = nullptr;
        return E_NOINTERFACE;
    }
    ULONG AddRef() override { return 2; }
    ULONG Release() override { return 1; }
    HRESULT GetParameters(DWORD* /*flags*/, DWORD* /*queue*/) override { return E_NOTIMPL; }
    HRESULT Invoke(IMFAsyncResult* result) override {
        function_(static_cast<BenchItem*>(result));
        return S_OK;
    }

private:
    F function_;
};

// ---- Calibrated busy work (the callback's cost)
// ---------------------------------------------------

double g_spins_per_ns = 0;

void spin_iterations(std::uint64_t iterations) {
    for (std::uint64_t i = 0; i < iterations; ++i) {
        benchmark::DoNotOptimize(i);
    }
}

void calibrate_busy_work() {
    constexpr std::uint64_t probe = 20'000'000;
    double best = 1e300;
    for (int attempt = 0; attempt < 3; ++attempt) {  // best of three: least disturbed
        const auto start = Clock::now();
        spin_iterations(probe);
        best = std::min(best, static_cast<double>((Clock::now() - start).count()));
    }
    g_spins_per_ns = static_cast<double>(probe) / best;
}

void busy_work(std::uint64_t ns) {
    if (ns != 0) {
        spin_iterations(static_cast<std::uint64_t>(static_cast<double>(ns) * g_spins_per_ns));
    }
}

// ---- Per-thread tallies: exactly-once checks without a shared counter on the dispatch path
// ---------

struct alignas(cache_line_size) Tally {
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> checksum{0};
};

class Tallies {
public:
    Tally& mine() {
        thread_local Tally* tally = nullptr;
        if (tally == nullptr) {
            const std::lock_guard lock(mutex_);
            tallies_.push_back(std::make_unique<Tally>());
            tally = tallies_.back().get();
        }
        return *tally;
    }
    std::pair<std::uint64_t, std::uint64_t> totals() {
        const std::lock_guard lock(mutex_);
        std::uint64_t count = 0;
        std::uint64_t checksum = 0;
        for (const auto& tally : tallies_) {
            count += tally->count.load(std::memory_order_acquire);
            checksum += tally->checksum.load(std::memory_order_acquire);
        }
        return {count, checksum};
    }
    void reset() {
        const std::lock_guard lock(mutex_);
        for (const auto& tally : tallies_) {
            tally->count.store(0, std::memory_order_relaxed);
            tally->checksum.store(0, std::memory_order_relaxed);
        }
    }

private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<Tally>> tallies_;  // never shrinks: threads keep their pointer
};

Tallies g_tallies;

// ---- floor/... : what the hardware and the kernel allow, measured first in every run
// ---------------- Later results report ratio_to_floor against these (kept here once measured).

double g_cacheline_rtt_ns = 0;
double g_cacheline_oneway_ns = 0;

// Two threads bounce a sequence number on one cache line: the benchmark thread writes `ping`, the
// partner answers on `pong`. rtt_ns is the round trip; oneway_ns the forward leg alone, from a
// steady_clock stamp written with the ping (the clock is the same on every core).
struct alignas(cache_line_size) PingLine {
    std::atomic<std::uint64_t> ping{0};
    std::atomic<std::int64_t> stamp{0};
};
struct alignas(cache_line_size) PongLine {
    std::atomic<std::uint64_t> pong{0};
};

void floor_cacheline(benchmark::State& state) {
    PingLine request;
    PongLine reply;
    std::atomic<std::int64_t> forward_ns_total{0};
    std::thread partner([&] {
        std::int64_t forward = 0;
        for (std::uint64_t expected = 1;; ++expected) {
            std::uint64_t seen = 0;
            // Ends: the benchmark thread sends every round, then UINT64_MAX to stop.
            while ((seen = request.ping.load(std::memory_order_acquire)) < expected) {
                detail::cpu_pause();
            }
            if (seen == UINT64_MAX) {
                break;
            }
            forward += Clock::now().time_since_epoch().count() -
                       request.stamp.load(std::memory_order_relaxed);
            reply.pong.store(seen, std::memory_order_release);
        }
        forward_ns_total.store(forward, std::memory_order_release);
    });
    std::uint64_t round = 0;
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        ++round;
        request.stamp.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
        request.ping.store(round, std::memory_order_release);
        while (reply.pong.load(std::memory_order_acquire) != round) {
            detail::cpu_pause();
        }
    }
    const auto elapsed = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    request.ping.store(UINT64_MAX, std::memory_order_release);
    partner.join();
    const double rounds = static_cast<double>(std::max<std::uint64_t>(round, 1));
    const double rtt = elapsed / rounds;
    g_cacheline_rtt_ns = rtt;
    state.counters["rtt_ns"] = rtt;
    const Clock::duration forward_total{forward_ns_total.load(std::memory_order_acquire)};
    g_cacheline_oneway_ns =
        std::chrono::duration<double, std::nano>(forward_total).count() / rounds;
    state.counters["oneway_ns"] = g_cacheline_oneway_ns;
}

// The blocking wake floor: the same round trip, but each side sleeps in the kernel (futex) until
// the other wakes it — what a parked worker costs to reach.
void floor_wake_futex(benchmark::State& state) {
    std::atomic<std::uint32_t> request{0};
    std::atomic<std::uint32_t> reply{0};
    std::atomic<bool> stop{false};
    std::thread partner([&] {
        for (std::uint32_t expected = 1;; ++expected) {
            // Ends: each round and the stop change `request` and wake us.
            while (request.load(std::memory_order_acquire) < expected &&
                   !stop.load(std::memory_order_acquire)) {
                detail::futex_wait(request, expected - 1);
            }
            if (stop.load(std::memory_order_acquire)) {
                return;
            }
            reply.store(expected, std::memory_order_release);
            detail::futex_wake_one(reply);
        }
    });
    std::uint32_t round = 0;
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        ++round;
        request.store(round, std::memory_order_release);
        detail::futex_wake_one(request);
        while (reply.load(std::memory_order_acquire) != round) {
            detail::futex_wait(reply, round - 1);
        }
    }
    const auto elapsed = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    stop.store(true, std::memory_order_release);
    request.fetch_add(1, std::memory_order_release);
    detail::futex_wake_one(request);
    partner.join();
    const double rtt = elapsed / static_cast<double>(std::max<std::uint32_t>(round, 1));
    state.counters["rtt_ns"] = rtt;
    if (g_cacheline_rtt_ns > 0) {
        state.counters["ratio_to_floor"] = rtt / g_cacheline_rtt_ns;
    }
}

// ---- pingpong/<backend>
// -------------------------------------------------------------------------- One item bounces: the
// benchmark thread puts it, the callback on a worker publishes the round's sequence number, the
// benchmark thread sees it and puts again. One iteration = one round trip.

template <class EngineT>
void pingpong(benchmark::State& state) {
    EngineT engine(with_workers(1));
    std::atomic<std::uint64_t> seen{0};
    auto on_invoke = [&](BenchItem* item) { seen.store(item->id, std::memory_order_release); };
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    BenchItem item;
    item.pCallback = &callback;
    std::uint64_t round = 0;
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        item.id = ++round;
        if (engine.put(&item) != S_OK) {
            state.SkipWithError("put failed");
            break;
        }
        // Ends: the worker dispatches the item (the engine's contract); pause while it does.
        while (seen.load(std::memory_order_acquire) != round) {
            detail::cpu_pause();
        }
    }
    const auto elapsed = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    engine.shutdown();
    const double rtt = elapsed / static_cast<double>(std::max<std::uint64_t>(round, 1));
    state.counters["rtt_ns"] = rtt;
    if (g_cacheline_rtt_ns > 0) {  // the floor ran earlier in this run (not filtered out)
        state.counters["ratio_to_floor"] = rtt / g_cacheline_rtt_ns;
    }
}

// ---- throughput/<backend>/producers:P/workers:W/work_ns:N/batch:B
// ---------------------------------- Each iteration is a round: P producer threads put their share
// of `round_items` (singly or in bulks of B), and the round ends when the engine has dispatched
// them all. Exactly-once is checked at the end by count and checksum; a mismatch fails the
// benchmark.

struct ThroughputShape {
    unsigned producers;
    unsigned workers;
    std::uint64_t work_ns;
    std::size_t batch;
};

template <class EngineT>
void throughput(benchmark::State& state, ThroughputShape shape) {
    const unsigned producers = shape.producers;
    const unsigned workers = shape.workers;
    const std::uint64_t work_ns = shape.work_ns;
    const std::size_t batch = shape.batch;
    // Rounds long enough (≥ a few ms) that the start/finish hand-shake is noise.
    const std::size_t per_producer = (work_ns >= 1000 ? 2048 : 32768) / producers;
    const std::size_t round_items = per_producer * producers;

    g_tallies.reset();
    auto on_invoke = [work_ns](BenchItem* item) {
        busy_work(work_ns);
        Tally& tally = g_tallies.mine();
        // Single writer per tally: load+store, no locked instruction on the dispatch path.
        tally.count.store(tally.count.load(std::memory_order_relaxed) + 1,
                          std::memory_order_release);
        tally.checksum.store(tally.checksum.load(std::memory_order_relaxed) + item->id,
                             std::memory_order_release);
    };
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    std::vector<BenchItem> items(round_items);
    std::uint64_t round_checksum = 0;
    for (std::size_t i = 0; i < round_items; ++i) {
        items[i].id = i + 1;
        items[i].pCallback = &callback;
        round_checksum += i + 1;
    }

    EngineT engine(with_workers(workers));
    std::atomic<bool> put_failed{false};
    std::barrier start_round(static_cast<std::ptrdiff_t>(producers) + 1);
    std::atomic<bool> quit{false};
    std::vector<std::thread> threads;
    for (unsigned p = 0; p < producers; ++p) {
        threads.emplace_back([&, p] {
            std::vector<MFASYNCRESULT*> pointers(batch);
            for (;;) {
                start_round.arrive_and_wait();
                if (quit.load(std::memory_order_acquire)) {
                    return;
                }
                const std::size_t begin = p * per_producer;
                for (std::size_t i = begin; i < begin + per_producer; i += batch) {
                    const std::size_t n = std::min(batch, begin + per_producer - i);
                    HRESULT hr = S_OK;
                    if (batch == 1) {
                        hr = engine.put(&items[i]);
                    } else {
                        for (std::size_t k = 0; k < n; ++k) {
                            pointers[k] = &items[i + k];
                        }
                        hr = engine.put_bulk(std::span(pointers.data(), n));
                    }
                    if (hr != S_OK) {
                        put_failed.store(true, std::memory_order_relaxed);
                    }
                }
            }
        });
    }

    std::uint64_t rounds = 0;
    for ([[maybe_unused]] auto _ : state) {
        const std::uint64_t target = (rounds + 1) * round_items;
        start_round.arrive_and_wait();
        // Ends: every accepted item is dispatched; a failed put is reported below instead.
        while (engine.counters().dispatched < target &&
               !put_failed.load(std::memory_order_relaxed)) {
            std::this_thread::sleep_for(std::chrono::microseconds{20});
        }
        ++rounds;
        if (put_failed.load(std::memory_order_relaxed)) {
            break;
        }
    }
    quit.store(true, std::memory_order_release);
    start_round.arrive_and_wait();
    for (std::thread& thread : threads) {
        thread.join();
    }
    engine.shutdown();

    const auto [count, checksum] = g_tallies.totals();
    if (put_failed.load()) {
        state.SkipWithError("a put was refused");
    } else if (count != rounds * round_items || checksum != rounds * round_checksum) {
        state.SkipWithError("exactly-once violated: dispatched count or checksum mismatch");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(rounds * round_items));
}

// ---- latency/<backend>/rate:<items_per_s>/workers:1 --------------------------------------------
// One-way dispatch latency (intended send time → Invoke start) under open-loop arrivals at a fixed
// rate, one worker. Each iteration is a fresh engine and ~50 ms of sends; the histograms of all
// iterations are merged and the counters set once at the end.

template <class EngineT>
void latency(benchmark::State& state, double rate) {
    const auto sends = static_cast<std::size_t>(std::clamp(rate / 20, 500.0, 50'000.0));
    Histogram all;
    std::size_t late_sends = 0;
    for ([[maybe_unused]] auto _ : state) {
        EngineT engine(with_workers(1));
        const OpenLoopResult result = run_open_loop(engine, OpenLoopConfig{rate, sends, {}});
        if (result.put_failed || result.sent != sends || result.latency.count() != sends) {
            state.SkipWithError("open-loop run lost items or a put failed");
            return;
        }
        all.merge(result.latency);
        late_sends += result.late_sends;
    }
    const auto p50 = static_cast<double>(all.value_at_quantile(0.5));
    state.counters["p50_ns"] = p50;
    state.counters["p90_ns"] = static_cast<double>(all.value_at_quantile(0.9));
    state.counters["p99_ns"] = static_cast<double>(all.value_at_quantile(0.99));
    state.counters["p999_ns"] = static_cast<double>(all.value_at_quantile(0.999));
    state.counters["max_ns"] = static_cast<double>(all.max());
    state.counters["late_sends"] = static_cast<double>(late_sends);
    if (g_cacheline_oneway_ns > 0) {
        state.counters["ratio_to_floor"] = p50 / g_cacheline_oneway_ns;
    }
}

// ---- Registration
// --------------------------------------------------------------------------------

template <class EngineT>
void register_backend() {
    const std::string name(EngineT::backend_name);
    benchmark::RegisterBenchmark(("pingpong/" + name).c_str(), pingpong<EngineT>)->UseRealTime();
    for (const double rate : {10'000.0, 100'000.0, 1'000'000.0}) {
        const std::string label = "latency/" + name +
                                  "/rate:" + std::to_string(static_cast<long long>(rate)) +
                                  "/workers:1";
        benchmark::RegisterBenchmark(label.c_str(), latency<EngineT>, rate)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
    }
    constexpr ThroughputShape shapes[] = {
        {1, 1, 0, 1}, {1, 1, 0, 64}, {2, 2, 0, 1}, {1, 2, 1000, 1}, {2, 4, 1000, 1},
    };
    for (const ThroughputShape& s : shapes) {
        const std::string label =
            "throughput/" + name + "/producers:" + std::to_string(s.producers) +
            "/workers:" + std::to_string(s.workers) + "/work_ns:" + std::to_string(s.work_ns) +
            "/batch:" + std::to_string(s.batch);
        benchmark::RegisterBenchmark(label.c_str(), throughput<EngineT>, s)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
    }
}

}  // namespace
}  // namespace wq::bench

int main(int argc, char** argv) {
    using namespace wq::bench;
    calibrate_busy_work();
    benchmark::AddCustomContext("wq.backends", [] {
        std::string names;
        for (const std::string& name : wq::available_backends()) {
            names += (names.empty() ? "" : ",") + name;
        }
        return names;
    }());
    // Floors first: Google Benchmark runs in registration order, and later results divide by them.
    benchmark::RegisterBenchmark("floor/cacheline_rtt", floor_cacheline)->UseRealTime();
    benchmark::RegisterBenchmark("floor/wake_futex_rtt", floor_wake_futex)->UseRealTime();
    register_backend<wq::MutexEngine>();
    register_backend<wq::MpmcEngine>();
#if WQ_HAVE_IOCP
    if (wq::IocpEngine::unavailable_reason().empty()) {
        register_backend<wq::IocpEngine>();
    }
#endif
#if WQ_HAVE_TBB
    register_backend<wq::TbbEngine>();
#endif
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
