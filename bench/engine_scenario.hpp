// bench/engine_scenario.hpp — what the engine scenarios (bench/scenarios/*.cpp) share: how a
// scenario gets its engine (the concrete type, or make_engine's type-erased one), the CPU clocks,
// idle burn, exactly-once tallies and the percentile counters.
#pragma once

#include "common.hpp"
#include "histogram.hpp"
#include "open_loop.hpp"
#include "per_thread.hpp"
#include "scenario.hpp"

#include "os/os.hpp"
#include "wq/detail/futex.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace wq::bench {

// ---- How a scenario gets its engine: the concrete type (a final class: direct calls) or the
// registry (calls through Engine's vtable).

template <class EngineT>
struct Concrete {
    static constexpr bool parks_observable = detail::traits_of<EngineT>.parks_observable;
    std::unique_ptr<EngineT> operator()(const Options& options) const {
        return std::make_unique<EngineT>(engine_options(EngineT::backend_name, options));
    }
};

template <class EngineT>
struct Erased {
    static constexpr bool parks_observable = detail::traits_of<EngineT>.parks_observable;
    std::unique_ptr<Engine> operator()(const Options& options) const {
        return make_engine(EngineT::backend_name, engine_options(EngineT::backend_name, options));
    }
};

template <class Make>
using EngineOf = typename decltype(std::declval<Make>()(Options{}))::element_type;

/// "<scenario>/<backend><params>" (bench/scenarios.json's grammar: params start with '/').
template <class EngineT>
std::string benchmark_name(std::string_view scenario, std::string_view params = {}) {
    return std::string(scenario) + "/" + std::string(EngineT::backend_name) + std::string(params);
}

/// Registers a scenario's benchmark twice for back-end EngineT: through the concrete type (name
/// with `concrete_params`) and through make_engine (`erased_params`) — the pair that prices the
/// virtual hop. `run(state, make)` is the benchmark.
template <class EngineT, class Run>
void add_concrete_and_erased(std::string_view scenario, std::string_view concrete_params,
                             std::string_view erased_params, Run run) {
    add(Suite::standard, benchmark_name<EngineT>(scenario, concrete_params),
        [run](benchmark::State& state) { run(state, Concrete<EngineT>{}); });
    add(Suite::standard, benchmark_name<EngineT>(scenario, erased_params),
        [run](benchmark::State& state) { run(state, Erased<EngineT>{}); });
}

/// Registers family `scenario` as the concrete/make_engine pair for every available back-end:
/// <scenario>/<b><concrete_params> and <scenario>/<b><erased_params> (a calibration engine, where
/// the row hosts them: the concrete one alone). `run(state, make)` is the benchmark.
template <class Run>
bool register_twin_family(std::string_view scenario, std::string_view concrete_params,
                          std::string_view erased_params, Run run) {
    return register_family(scenario, [=] {
        for_each_engine_of(scenario, [&]<class EngineT>() {
            if constexpr (is_calibration<EngineT>) {  // make_engine does not know it
                add(Suite::standard, benchmark_name<EngineT>(scenario, concrete_params),
                    [run](benchmark::State& state) { run(state, Concrete<EngineT>{}); });
            } else {
                add_concrete_and_erased<EngineT>(scenario, concrete_params, erased_params, run);
            }
        });
    });
}

// ---- CPU clocks (the OS's: bench/os/)

using os::process_cpu_ns;
using os::thread_cpu_ns;

/// The CPU every other thread of the process has used since construction: the process's CPU
/// clock less the calling thread's (what the engine's threads cost while this one only watches).
class OtherThreadsCpu {
public:
    OtherThreadsCpu() : process_start_(process_cpu_ns()), self_start_(thread_cpu_ns()) {}
    [[nodiscard]] double ns() const {
        return (process_cpu_ns() - process_start_) - (thread_cpu_ns() - self_start_);
    }

private:
    double process_start_;
    double self_start_;
};

/// What a running engine burns while it has nothing to do, over idle intervals.
struct IdleBurn {
    double cpu_ns = 0;
    double wall_ns = 0;
    [[nodiscard]] double pct() const {
        // Two CPU clocks of different granularity: a quiet engine can come out a hair below 0.
        return wall_ns > 0 ? std::max(0.0, 100.0 * cpu_ns / wall_ns) : 0;
    }
    /// Sleeps 100 ms and adds what the other threads burnt meanwhile.
    void measure() {
        const OtherThreadsCpu others;
        const auto from = Clock::now();
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
        cpu_ns += others.ns();
        wall_ns += elapsed_ns(from);
    }
};

// ---- Exactly-once checks without a shared counter on the dispatch path

struct alignas(cache_line_size) Tally {
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> checksum{0};

    /// Single writer (the thread that owns it): load + store, no locked instruction. release:
    /// pairs with the acquire loads in totals().
    void add(std::uint64_t id) noexcept {
        count.store(count.load(std::memory_order_relaxed) + 1, std::memory_order_release);
        checksum.store(checksum.load(std::memory_order_relaxed) + id, std::memory_order_release);
    }
};

/// (count, checksum) over every thread's tally.
inline std::pair<std::uint64_t, std::uint64_t> totals(PerThread<Tally>& tallies) {
    std::uint64_t count = 0;
    std::uint64_t checksum = 0;
    tallies.for_each([&](const Tally& tally) {
        count += tally.count.load(std::memory_order_acquire);
        checksum += tally.checksum.load(std::memory_order_acquire);
    });
    return {count, checksum};
}

/// Wakes the benchmark thread when a round's items are all dispatched, with no poller on the
/// measured CPUs (a thread waking every few µs steals from the workers on a small machine).
/// A barrier for `parties` threads, reusable round after round, on wq's futex (a futex on Linux,
/// WaitOnAddress on Windows). std::barrier is not used: GCC 12's libstdc++ builds its waits on
/// std::atomic::wait, which on Windows (no platform wait) can miss a notify and hang the run.
class RoundBarrier {
public:
    explicit RoundBarrier(unsigned parties) : parties_(parties) {}

    void arrive_and_wait() noexcept {
        const std::uint32_t generation = generation_.load(std::memory_order_acquire);
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == parties_) {
            // The last: no one leaves before the generation moves, so none arrives for the next
            // round before the count is back to 0. release: this round's writes before the others
            // go on.
            arrived_.store(0, std::memory_order_relaxed);
            generation_.fetch_add(1, std::memory_order_release);
            detail::futex_wake_all(generation_);
            return;
        }
        // Ends: the last party moves the generation and wakes every waiter (a wait that starts
        // after the move returns at once: the word is no longer `generation`).
        while (generation_.load(std::memory_order_acquire) == generation) {
            detail::futex_wait(generation_, generation);
        }
    }

private:
    const unsigned parties_;
    std::atomic<unsigned> arrived_{0};
    std::atomic<std::uint32_t> generation_{0};
};

/// Callbacks tally every item in their own thread's Tally; every marker_every-th id, and a
/// round's last id, also counts once in a shared word (one locked add per 64 items), and the
/// callback that completes a round's markers wakes the waiter (wq's futex: WaitOnAddress on
/// Windows — not std::atomic::wait, which GCC 12's libstdc++ builds there without a platform wait
/// and which can miss a notify). The waiter
/// then confirms the exact count from the engine's own `dispatched` counter (bumped after the
/// engine's last touch of the item, so the next round may reuse it), yielding for the few items
/// another worker finishes after the round's last marker.
class RoundSignal {
public:
    static constexpr std::uint64_t marker_every = 64;

    /// Ids run from 1 to round_items in every round.
    explicit RoundSignal(std::uint64_t round_items)
        : round_items_(round_items),
          markers_per_round_(round_items / marker_every + (round_items % marker_every != 0)) {}

    /// On the dispatching thread, in the callback.
    void dispatched(std::uint64_t id) noexcept {
        if (id % marker_every != 0 && id != round_items_) {
            return;
        }
        // acq_rel, once per 64 items: the count only tells the waiter when to look, and its exact
        // check reads the engine's own counters (release/acquire), so relaxed would be correct
        // too; the stronger order costs nothing measurable at this rate.
        const std::uint64_t markers = markers_.fetch_add(1, std::memory_order_acq_rel) + 1;
        if (markers % markers_per_round_ == 0) {
            wake();
        }
    }

    /// From any thread: the round will not complete (a put was refused); wakes the waiter.
    void abort() noexcept {
        markers_.fetch_add(aborted, std::memory_order_acq_rel);
        wake();
    }

    /// Sleeps until `rounds` rounds are dispatched, `dispatched()` counting them exactly, or until
    /// abort(). True when they are.
    template <class Dispatched>
    bool wait(std::uint64_t rounds, Dispatched&& dispatched) {
        const std::uint64_t markers = rounds * markers_per_round_;
        // Ends: every round's markers are dispatched (the last one wakes us), or abort() does. The
        // wake count is read before the markers: a wake after that read changes it, so the futex
        // wait returns at once or is woken.
        for (;;) {
            const std::uint32_t woken = wakes_.load(std::memory_order_acquire);
            if (markers_.load(std::memory_order_acquire) >= markers) {
                break;
            }
            detail::futex_wait(wakes_, woken);
        }
        if (markers_.load(std::memory_order_acquire) >= aborted) {
            return false;
        }
        // Ends: the items still in flight are on workers that have run their callbacks' marker
        // check or are about to finish them; each returns and counts in a few µs.
        while (dispatched() < rounds * round_items_) {
            std::this_thread::yield();
        }
        return true;
    }

private:
    /// After markers_ moved: the waiter looks again.
    void wake() noexcept {
        // release: ordered after the markers' add, which the waiter reads after this word.
        wakes_.fetch_add(1, std::memory_order_release);
        detail::futex_wake_all(wakes_);
    }

    static constexpr std::uint64_t aborted = std::uint64_t{1} << 62;
    // A line of its own (the object is line-aligned): the callbacks' adds never share a line with
    // the benchmark's other state; the wake word beside it moves once a round, the two constants
    // are only read.
    alignas(cache_line_size) std::atomic<std::uint64_t> markers_{0};
    std::atomic<std::uint32_t> wakes_{0};  // moved by each wake-up: the waiter's futex word
    const std::uint64_t round_items_;
    const std::uint64_t markers_per_round_;
};

// ---- Shared loops: a ping-pong's rounds, a stream's producer

/// pingpong/'s rounds: `put(item)` sends one item whose callback publishes its id; the benchmark
/// thread waits for it and sends the next (atomic_queue's ping-pong method: one hand-off each way
/// per round; one iteration = one round trip). `stop()` (the engine's shutdown) runs after the last
/// round, before the item goes. Counters: rtt_ns, ratio_to_floor (÷ the cache-line round trip).
template <class Put, class Stop>
void pingpong_rounds(benchmark::State& state, const Put& put, const Stop& stop) {
    std::atomic<std::uint64_t> seen{0};
    auto on_invoke = [&](BenchItem* item) { seen.store(item->id, std::memory_order_release); };
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    BenchItem item;
    item.pCallback = &callback;
    std::uint64_t round = 0;
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        item.id = ++round;
        if (put(&item) != S_OK) {
            state.SkipWithError("put failed");
            break;
        }
        // Ends: the worker dispatches the item (the engine's contract); pause while it does.
        while (seen.load(std::memory_order_acquire) != round) {
            detail::cpu_pause();
        }
    }
    const double elapsed = elapsed_ns(start);
    stop();
    const double rtt = elapsed / static_cast<double>(std::max<std::uint64_t>(round, 1));
    state.counters["rtt_ns"] = rtt;
    report_ratio_to_floor(state, rtt, floors().cacheline_rtt_ns);
}

/// The callback body of a stream's items: tallies the id (exactly-once) and frees the item for
/// its next trip.
inline auto stream_item_done(PerThread<Tally>& tallies) {
    return [&tallies](BenchItem* item) {
        tallies.mine().add(item->id);
        // release: the tally and this trip's reads of the item happen before its next put.
        item->in_flight.store(false, std::memory_order_release);
    };
}

/// What a stream's producer sent.
struct StreamSent {
    std::uint64_t sent = 0;
    std::uint64_t checksum = 0;  ///< of the ids sent, 1..sent
    bool refused = false;
};

/// stream/'s ring and chunk, which every stream through an engine shares (stream/, and the MF
/// layer's mfput/ and serial/ streams: their ratios to stream/ compare the same loop): at most
/// stream_ring_items queued — the bounded peers' capacity — and stream_chunk puts an iteration.
inline constexpr std::size_t stream_ring_items = 65'536;
inline constexpr std::size_t stream_chunk = 4096;

/// A stream ring's layout: its items side by side in one array (what a queue's own slots are,
/// and where the hardware prefetcher follows the producer), or each in an allocation of its own
/// visited in a shuffled order (items as an application's objects are: every item a cache miss
/// of its own).
enum class Layout : std::uint8_t { array, scattered };

/// A ring of stream_ring_items items in `layout`; `storage` owns them.
inline std::vector<BenchItem*> make_ring(Layout layout,
                                         std::vector<std::unique_ptr<BenchItem[]>>& storage) {
    std::vector<BenchItem*> ring(stream_ring_items);
    if (layout == Layout::array) {
        storage.push_back(std::make_unique<BenchItem[]>(stream_ring_items));
        for (std::size_t i = 0; i < stream_ring_items; ++i) {
            ring[i] = &storage.back()[i];
        }
        return ring;
    }
    for (std::size_t i = 0; i < stream_ring_items; ++i) {
        storage.push_back(std::make_unique<BenchItem[]>(1));
        ring[i] = storage.back().get();
    }
    std::mt19937_64 shuffle(stream_ring_items);  // fixed seed: the same order in every run
    std::shuffle(ring.begin(), ring.end(), shuffle);
    return ring;
}

/// stream/'s producer: `chunk` puts per iteration, taking the items round `ring` and putting an
/// item again only once the callback of its previous trip cleared its in_flight flag — at most
/// ring.size() queued, and a producer faster than the worker waits for it as it would on a full
/// queue. Item k (from 1) carries id k.
template <class Put>
StreamSent stream_puts(benchmark::State& state, const std::vector<BenchItem*>& ring,
                       std::size_t chunk, const Put& put) {
    StreamSent out;
    for ([[maybe_unused]] auto _ : state) {
        for (std::size_t i = 0; i < chunk; ++i) {
            BenchItem& item = *ring[out.sent % ring.size()];
            // Ends: the engine dispatches the item's previous trip (its contract).
            while (item.in_flight.load(std::memory_order_acquire)) {
                detail::cpu_pause();
            }
            item.id = out.sent + 1;
            item.in_flight.store(true, std::memory_order_relaxed);  // published by the put
            if (put(&item, out.sent) != S_OK) {
                item.in_flight.store(false, std::memory_order_relaxed);
                out.refused = true;
                return out;
            }
            ++out.sent;
            out.checksum += out.sent;
        }
    }
    return out;
}

/// Checks a stream's exactly-once tallies against what was sent (SkipWithError otherwise) and
/// reports items_per_second over `elapsed_ns`.
inline void report_stream(benchmark::State& state, const StreamSent& sent,
                          PerThread<Tally>& tallies, double elapsed) {
    const auto [count, sum] = totals(tallies);
    if (sent.refused) {
        state.SkipWithError("a put was refused");
    } else if (count != sent.sent || sum != sent.checksum) {
        state.SkipWithError("exactly-once violated: dispatched count or checksum mismatch");
    }
    state.counters["items_per_second"] =
        static_cast<double>(std::max<std::uint64_t>(sent.sent, 1)) / (elapsed * 1e-9);
}

// ---- Counters

/// The latency counters every latency-reporting scenario sets from its histogram, in ns:
/// p50_ns, p99_ns, max_ns, and p90_ns and p999_ns unless `tails` is false, each name after
/// `prefix`. Returns the p50.
inline double report_percentiles(benchmark::State& state, const Histogram& samples,
                                 bool tails = true, const std::string& prefix = {}) {
    const auto p50 = static_cast<double>(samples.value_at_quantile(0.5));
    state.counters[prefix + "p50_ns"] = p50;
    state.counters[prefix + "p99_ns"] = static_cast<double>(samples.value_at_quantile(0.99));
    state.counters[prefix + "max_ns"] = static_cast<double>(samples.max());
    if (tails) {
        state.counters[prefix + "p90_ns"] = static_cast<double>(samples.value_at_quantile(0.9));
        state.counters[prefix + "p999_ns"] = static_cast<double>(samples.value_at_quantile(0.999));
    }
    return p50;
}

// ---- Open-loop iterations: latency/, cpu/, workload/ at a rate

/// What an open-loop scenario measured, summed over the benchmark's iterations.
struct OpenLoopTotals {
    Histogram latency;        ///< intended send time → Invoke start, every item
    Histogram high_latency;   ///< the same, of the high-priority items (config.high_pct)
    std::size_t items = 0;    ///< items sent (and dispatched)
    std::size_t late = 0;     ///< items sent more than 1 µs after their intended time
    double load_cpu = 0;      ///< ns of CPU the engine's threads used while loaded
    double load_wall = 0;     ///< ns from the engine's start to its last dispatch
    std::uint64_t parks = 0;  ///< worker parks while loaded
    IdleBurn idle;            ///< after the load, when asked for
    bool complete = false;    ///< every iteration sent and dispatched every item
};

/// Each iteration of `state`: a fresh engine (`make(placement.options)`) fed `config`'s open-loop
/// arrivals. Sender threads (config.senders > 1) are pinned like any busy benchmark thread and
/// their CPU is theirs, not the engine's; with one sender, this thread sends. With `idle_after`,
/// the engine then sits idle for 100 ms (IdleBurn). A lost item or a refused put skips the
/// benchmark with an error (complete stays false).
template <class Make>
OpenLoopTotals open_loop_iterations(benchmark::State& state, const Make& make,
                                    const Placement& placement, OpenLoopConfig config,
                                    bool idle_after) {
    OpenLoopTotals totals;
    std::vector<double> sender_cpu(std::max(config.senders, 1U), 0.0);
    config.on_sender_start = [&](unsigned sender) {
        if (placement.pinned) {
            detail::pin_this_thread(placement.app_cpus[sender]);
        }
        sender_cpu[sender] = thread_cpu_ns();
    };
    config.on_sender_end = [&](unsigned sender) {
        sender_cpu[sender] = thread_cpu_ns() - sender_cpu[sender];
    };
    for ([[maybe_unused]] auto _ : state) {
        auto engine = make(placement.options);
        const std::uint64_t parks_before = engine->counters().parks;
        const OtherThreadsCpu others;
        const auto load_from = Clock::now();
        std::fill(sender_cpu.begin(), sender_cpu.end(), 0.0);
        config.when_drained = [&](const OpenLoopResult& /*sent*/) {
            totals.load_wall += elapsed_ns(load_from);
            totals.load_cpu +=
                others.ns() - std::accumulate(sender_cpu.begin(), sender_cpu.end(), 0.0);
            totals.parks += engine->counters().parks - parks_before;
            if (idle_after) {
                totals.idle.measure();
            }
        };
        const OpenLoopResult result = run_open_loop(*engine, config);
        if (result.put_failed || result.sent != config.sends ||
            result.latency.count() != config.sends) {
            state.SkipWithError("open-loop run lost items or a put failed");
            return totals;
        }
        totals.latency.merge(result.latency);
        totals.high_latency.merge(result.high_latency);
        totals.items += result.sent;
        totals.late += result.late_sends;
    }
    totals.complete = true;
    return totals;
}

/// open_loop_iterations for the one-worker shapes (latency/, cpu/): the benchmark thread sends
/// `sends` items per iteration at `rate` into one worker, both pinned when they fit.
template <class Make>
OpenLoopTotals one_worker_open_loop(benchmark::State& state, const Make& make, double rate,
                                    std::size_t sends, bool idle_after) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    OpenLoopConfig config;
    config.rate_per_second = rate;
    config.sends = sends;
    return open_loop_iterations(state, make, placement, config, idle_after);
}

}  // namespace wq::bench
