// bench/open_loop.hpp — one-way dispatch latency under open-loop arrivals.
//
// Items are sent at fixed intended times t_i = t_0 + i / rate, whatever the engine does; each
// carries t_i, and the callback records (its start time − t_i). Measuring from the intended time,
// not from when the put actually happened, is what keeps stalls visible: if the sender or the
// engine falls behind, every item caught in the backlog reports the delay (no coordinated
// omission). Per-thread histograms are merged after the engine has shut down.
//
//   auto result = wq::bench::run_open_loop(engine, {.rate_per_second = 100'000, .sends = 50'000});
//   result.latency.value_at_quantile(0.99);
#pragma once

#include "histogram.hpp"
#include "wq/async_result.hpp"
#include "wq/config.hpp"
#include "wq/engine.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace wq::bench {

struct OpenLoopConfig {
    double rate_per_second = 100'000;
    std::size_t sends = 10'000;
    /// Busy work each callback does after recording (simulates a callback's cost).
    std::chrono::nanoseconds callback_work{0};
    /// Called once every sent item has been dispatched, before the engine shuts down (an idle
    /// engine, still running: cpu/ measures its idle burn here).
    std::function<void()> when_drained;
};

struct OpenLoopResult {
    Histogram latency;           ///< ns from intended send time to Invoke start
    std::size_t sent = 0;        ///< items put (all of them, unless a put failed)
    std::size_t late_sends = 0;  ///< sends that happened more than 1 µs after their intended time
    bool put_failed = false;
};

/// The item every benchmark puts: a real atomic reference count (the AddRef/Release cost is part of
/// what is measured), owned by the benchmark. `id` is the benchmark's to use; `intended_ns` is the
/// scheduled send time in open-loop runs.
class BenchItem final : public EmbeddedResult {
public:
    ULONG AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
    ULONG Release() override { return refs_.fetch_sub(1, std::memory_order_acq_rel) - 1; }

    std::uint64_t id = 0;
    std::int64_t intended_ns = 0;

private:
    std::atomic<ULONG> refs_{1};
};

namespace detail_open_loop {

using Clock = std::chrono::steady_clock;

inline std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

/// Histograms owned by the threads that record into them, merged once everything is joined. A
/// thread's cached histogram is keyed by the instance's generation, not its address: pool threads
/// (oneTBB's) outlive one run, and the next instance may sit at the same address.
class PerThreadHistograms {
public:
    Histogram& mine() {
        thread_local std::uint64_t cached_generation = 0;
        thread_local Histogram* histogram = nullptr;
        if (cached_generation != generation_) {
            const std::lock_guard lock(mutex_);
            histograms_.push_back(std::make_unique<Histogram>());
            histogram = histograms_.back().get();
            cached_generation = generation_;
        }
        return *histogram;
    }
    Histogram merged() {
        const std::lock_guard lock(mutex_);
        Histogram total;
        for (const auto& histogram : histograms_) {
            total.merge(*histogram);
        }
        return total;
    }

private:
    static std::uint64_t next_generation() noexcept {
        static std::atomic<std::uint64_t> counter{0};
        return counter.fetch_add(1, std::memory_order_relaxed) + 1;
    }

    const std::uint64_t generation_ = next_generation();
    std::mutex mutex_;
    std::vector<std::unique_ptr<Histogram>> histograms_;
};

inline void busy_until(std::int64_t deadline_ns) noexcept {
    // Ends: the clock passes the deadline.
    while (now_ns() < deadline_ns) {
        wq::detail::cpu_pause();
    }
}

}  // namespace detail_open_loop

/// Sends `config.sends` items into `engine` at `config.rate_per_second`, waits for all of them,
/// shuts the engine down (so every recording thread is finished) and returns the latency
/// distribution.
inline OpenLoopResult run_open_loop(Engine& engine, const OpenLoopConfig& config) {
    using namespace detail_open_loop;
    PerThreadHistograms histograms;
    const std::int64_t work_ns = config.callback_work.count();
    auto callback = make_callback([&](IMFAsyncResult* result) {
        const std::int64_t start = now_ns();
        const auto* item = static_cast<BenchItem*>(result);
        const std::int64_t latency = start - item->intended_ns;
        histograms.mine().record(static_cast<std::uint64_t>(latency > 0 ? latency : 0));
        if (work_ns > 0) {
            busy_until(start + work_ns);
        }
    });
    std::vector<BenchItem> items(config.sends);
    OpenLoopResult result;
    const double period_ns = 1e9 / config.rate_per_second;
    const std::int64_t t0 = now_ns() + 1'000'000;  // start 1 ms from now, on a clean schedule
    for (std::size_t i = 0; i < items.size(); ++i) {
        BenchItem& item = items[i];
        item.pCallback = callback.get();
        item.intended_ns = t0 + static_cast<std::int64_t>(static_cast<double>(i) * period_ns);
        // Sleep through long gaps, spin the last stretch: sends leave on time at high rates.
        const std::int64_t gap = item.intended_ns - now_ns();
        if (gap > 200'000) {
            std::this_thread::sleep_for(std::chrono::nanoseconds(gap - 100'000));
        }
        busy_until(item.intended_ns);
        if (now_ns() - item.intended_ns > 1'000) {
            ++result.late_sends;
        }
        if (engine.put(&item) != S_OK) {
            result.put_failed = true;
            break;
        }
        ++result.sent;
    }
    if (config.when_drained) {
        // Ends: every accepted item is dispatched (the contract).
        while (engine.counters().dispatched < result.sent) {
            std::this_thread::sleep_for(std::chrono::microseconds{20});
        }
        config.when_drained();
    }
    engine.shutdown();  // returns once every accepted item is dispatched
    result.latency = histograms.merged();
    return result;
}

}  // namespace wq::bench
