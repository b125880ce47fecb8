// bench/shared_loops.hpp — the loops several scenarios share: a ping-pong's rounds, a stream's ring
// and producer, and the latency counters every latency-reporting scenario sets.
#pragma once

#include "common.hpp"
#include "exactly_once.hpp"
#include "histogram.hpp"
#include "per_thread.hpp"

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

}  // namespace wq::bench
