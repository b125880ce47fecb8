// bench/open_loop.hpp — one-way dispatch latency under open-loop arrivals.
//
// Items are sent at fixed intended times t_i = t_0 + i / rate, whatever the engine does; each
// carries t_i, and the callback records (its start time − t_i). Measuring from the intended time,
// not from when the put actually happened, is what keeps stalls visible: if the sender or the
// engine falls behind, every item caught in the backlog reports the delay (no coordinated
// omission). Arrivals may be batches (one put_bulk) and may come from several sending threads.
// Per-thread histograms are merged after the engine has shut down.
//
//   auto result = wq::bench::run_open_loop(engine, {.rate_per_second = 100'000, .sends = 50'000});
//   result.latency.value_at_quantile(0.99);
#pragma once

#include "histogram.hpp"
#include "per_thread.hpp"
#include "wq/async_result.hpp"
#include "wq/config.hpp"
#include "wq/engine.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <thread>
#include <vector>

namespace wq::bench {

struct OpenLoopResult;

struct OpenLoopConfig {
    /// Items per second, all senders together.
    double rate_per_second = 100'000;
    std::size_t sends = 10'000;
    /// Busy work each callback does after recording (simulates a callback's cost).
    std::chrono::nanoseconds callback_work{0};
    /// Items per arrival: an arrival of more than one is one put_bulk, every item carrying the
    /// arrival's intended time. Arrivals come every batch / rate seconds.
    std::size_t batch = 1;
    /// Percent of items marked high-priority (BenchItem::high_priority), spread evenly: every
    /// item whose index i has floor((i + 1) × pct / 100) > floor(i × pct / 100). Their latency is
    /// also kept apart (OpenLoopResult::high_latency). Only an engine that reads the mark (the MF
    /// layer's, bench/mf_layer.hpp) treats them differently.
    unsigned high_pct = 0;
    /// Sending threads: arrival k is sent by sender k % senders. With one, the calling thread
    /// sends; with more, run_open_loop starts them and calls on_sender_start(index) on each before
    /// it sends (benchmarks pin them there) and on_sender_end(index) after its last send (they
    /// read its CPU clock there).
    unsigned senders = 1;
    std::function<void(unsigned)> on_sender_start;
    std::function<void(unsigned)> on_sender_end;
    /// Called once every sent item has been dispatched, before the engine shuts down (an idle
    /// engine, still running: cpu/ measures its idle burn here), with the result so far (all but
    /// the latency histogram).
    std::function<void(const OpenLoopResult&)> when_drained;
};

struct OpenLoopResult {
    Histogram latency;           ///< ns from intended send time to Invoke start
    Histogram high_latency;      ///< the same, of the high-priority items alone
    std::size_t sent = 0;        ///< items put (all of them, unless a put failed)
    std::size_t late_sends = 0;  ///< items sent more than 1 µs after their intended time
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
    /// Set by a benchmark that reuses the item before its previous trip is over (stream/): the
    /// callback clears it.
    std::atomic<bool> in_flight{false};
    /// Put at MF priority 1 rather than 0 where the engine is the MF layer (bench/mf_layer.hpp).
    bool high_priority = false;

private:
    std::atomic<ULONG> refs_{1};
};

namespace detail_open_loop {

using Clock = std::chrono::steady_clock;

inline std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

inline void busy_until(std::int64_t deadline_ns) noexcept {
    // Ends: the clock passes the deadline.
    while (now_ns() < deadline_ns) {
        wq::detail::cpu_pause();
    }
}

}  // namespace detail_open_loop

namespace detail_open_loop {

/// The arrivals of one open-loop run and who sends them: arrival k (of `batch` items, due at
/// t0 + k × period) goes out from sender k % senders.
class Arrivals {
public:
    Arrivals(Engine& engine, const OpenLoopConfig& config, IMFAsyncCallback* callback)
        : engine_(engine),
          callback_(callback),
          batch_(std::max<std::size_t>(config.batch, 1)),
          high_pct_(config.high_pct),
          senders_(std::max(config.senders, 1U)),
          items_(config.sends),
          arrivals_((items_.size() + batch_ - 1) / batch_),
          period_ns_(1e9 * static_cast<double>(batch_) / config.rate_per_second),
          // Start on a clean schedule, after every sender thread is up.
          t0_(now_ns() + (senders_ == 1 ? 1'000'000 : 5'000'000)) {}

    [[nodiscard]] unsigned senders() const { return senders_; }

    /// Sender `sender`'s share, each arrival at its intended time.
    void send(unsigned sender) {
        std::vector<MFASYNCRESULT*> pointers(batch_);
        std::size_t my_sent = 0;
        std::size_t my_late = 0;
        for (std::size_t k = sender; k < arrivals_ && !failed_.load(std::memory_order_relaxed);
             k += senders_) {
            const std::int64_t intended =
                t0_ + static_cast<std::int64_t>(static_cast<double>(k) * period_ns_);
            const std::size_t first = k * batch_;
            const std::size_t n = std::min(batch_, items_.size() - first);
            for (std::size_t i = 0; i < n; ++i) {
                items_[first + i].pCallback = callback_;
                items_[first + i].intended_ns = intended;
                items_[first + i].high_priority = is_high(first + i);
                pointers[i] = &items_[first + i];
            }
            // Sleep through long gaps, spin the last stretch: sends leave on time at high rates.
            const std::int64_t gap = intended - now_ns();
            if (gap > 200'000) {
                std::this_thread::sleep_for(std::chrono::nanoseconds(gap - 100'000));
            }
            busy_until(intended);
            if (now_ns() - intended > 1'000) {
                my_late += n;
            }
            const HRESULT hr =
                n == 1 ? engine_.put(pointers[0]) : engine_.put_bulk(std::span(pointers.data(), n));
            if (hr != S_OK) {
                failed_.store(true, std::memory_order_relaxed);
                break;
            }
            my_sent += n;
        }
        sent_.fetch_add(my_sent, std::memory_order_relaxed);
        late_.fetch_add(my_late, std::memory_order_relaxed);
    }

    /// The totals, once every sender has returned.
    [[nodiscard]] OpenLoopResult result() const {
        OpenLoopResult result;
        result.sent = sent_.load();
        result.late_sends = late_.load();
        result.put_failed = failed_.load();
        return result;
    }

private:
    [[nodiscard]] bool is_high(std::size_t index) const noexcept {
        return (index + 1) * high_pct_ / 100 > index * high_pct_ / 100;
    }

    Engine& engine_;
    IMFAsyncCallback* callback_;
    const std::size_t batch_;
    const std::size_t high_pct_;
    const unsigned senders_;
    std::vector<BenchItem> items_;
    const std::size_t arrivals_;
    const double period_ns_;
    const std::int64_t t0_;
    std::atomic<std::size_t> sent_{0};
    std::atomic<std::size_t> late_{0};
    std::atomic<bool> failed_{false};
};

}  // namespace detail_open_loop

/// Sends `config.sends` items into `engine` at `config.rate_per_second`, waits for all of them,
/// shuts the engine down (so every recording thread is finished) and returns the latency
/// distribution.
inline OpenLoopResult run_open_loop(Engine& engine, const OpenLoopConfig& config) {
    using namespace detail_open_loop;
    PerThread<Histogram> histograms;
    PerThread<Histogram> high_histograms;
    const std::int64_t work_ns = config.callback_work.count();
    auto callback = make_callback([&](IMFAsyncResult* result) {
        const std::int64_t start = now_ns();
        const auto* item = static_cast<BenchItem*>(result);
        const std::int64_t latency = start - item->intended_ns;
        const auto sample = static_cast<std::uint64_t>(latency > 0 ? latency : 0);
        histograms.mine().record(sample);
        if (item->high_priority) {
            high_histograms.mine().record(sample);
        }
        if (work_ns > 0) {
            busy_until(start + work_ns);
        }
    });
    Arrivals arrivals(engine, config, callback.get());
    if (arrivals.senders() == 1) {
        arrivals.send(0);
    } else {
        std::vector<std::thread> threads;
        threads.reserve(arrivals.senders());
        for (unsigned s = 0; s < arrivals.senders(); ++s) {
            threads.emplace_back([&, s] {
                if (config.on_sender_start) {
                    config.on_sender_start(s);
                }
                arrivals.send(s);
                if (config.on_sender_end) {
                    config.on_sender_end(s);
                }
            });
        }
        for (std::thread& thread : threads) {
            thread.join();
        }
    }
    OpenLoopResult result = arrivals.result();
    if (config.when_drained) {
        // Ends: every accepted item is dispatched (the contract).
        while (engine.counters().dispatched < result.sent) {
            std::this_thread::sleep_for(std::chrono::microseconds{20});
        }
        config.when_drained(result);
    }
    engine.shutdown();  // returns once every accepted item is dispatched
    histograms.for_each([&](const Histogram& histogram) { result.latency.merge(histogram); });
    high_histograms.for_each(
        [&](const Histogram& histogram) { result.high_latency.merge(histogram); });
    return result;
}

}  // namespace wq::bench
