// bench/mf_layer.hpp — wq's MF work-queue layer (wq/mfapi.hpp) in the benchmarks: a platform on
// one back-end with its serial queues (serial/), and the same behind the Engine contract, so that
// the workload/ loops (throughput/'s rounds, open-loop arrivals) run through MFPutWorkItemEx2
// unchanged (scripts/choose --serial, --priority-mix).
#pragma once

#include "engine_scenario.hpp"
#include "wq/detail/backend_list.hpp"
#include "wq/mfapi.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace wq::bench {

/// A callback for items scheduled or waiting on a platform (timer/, waitwake/, cancel/): Invoke
/// calls `F` with the item; GetParameters names the platform's multithreaded queue (the engine's
/// workers), where MF would otherwise pick the STANDARD queue's thread of its own.
template <class F>
class PoolCallback final : public IMFAsyncCallback {
public:
    explicit PoolCallback(F function) : function_(std::move(function)) {}
    HRESULT QueryInterface(REFIID riid, void** out) override {
        return detail::query_interface<IMFAsyncCallback>(this, riid, out);
    }
    ULONG AddRef() override { return 2; }  // lives as long as the benchmark
    ULONG Release() override { return 1; }
    HRESULT GetParameters(DWORD* flags, DWORD* queue) override {
        *flags = 0;
        *queue = MFASYNC_CALLBACK_QUEUE_MULTITHREADED;
        return S_OK;
    }
    HRESULT Invoke(IMFAsyncResult* result) override {
        function_(static_cast<BenchItem*>(result));
        return S_OK;
    }

private:
    F function_;
};

/// An item whose callback records when it started (the MF families' latency probes: priority/,
/// mmcss/, waitwake/): arm(), put `item` (or let it be released), then wait() for that time.
/// `Callback` wraps the recording (StaticCallback, or PoolCallback for an item that a timer or a
/// wait hands to the platform). Declare it before the platform, which must end first.
template <template <class> class Callback = StaticCallback>
class RunProbe {
public:
    RunProbe() { item.pCallback = &callback_; }
    RunProbe(const RunProbe&) = delete;
    RunProbe& operator=(const RunProbe&) = delete;

    /// Before the item is put: forgets the last run.
    void arm() noexcept { ran_at_.store(0, std::memory_order_relaxed); }
    /// Spins until the callback has started (the platform runs every item it accepted); when.
    [[nodiscard]] std::int64_t wait() const noexcept {
        std::int64_t at = 0;
        // Ends: the platform runs the item (its contract).
        while ((at = ran_at_.load(std::memory_order_acquire)) == 0) {
            detail::cpu_pause();
        }
        return at;
    }

    BenchItem item;

private:
    struct Record {
        std::atomic<std::int64_t>* ran_at;
        void operator()(BenchItem* /*item*/) const {
            ran_at->store(detail_open_loop::now_ns(), std::memory_order_release);
        }
    };
    std::atomic<std::int64_t> ran_at_{0};
    Callback<Record> callback_{Record{&ran_at_}};
};

/// A platform on `backend` with `queues` serial queues on its multithreaded queue, and one
/// multithreaded queue of its own (MFAllocateWorkQueueEx).
struct SerialSetup {
    SerialSetup(std::string_view backend, const Options& options, std::size_t queues)
        : platform(backend, engine_options(backend, options)) {
        if (failed(platform.AllocateWorkQueueEx(MF_MULTITHREADED_WORKQUEUE, &allocated))) {
            ok = false;
            return;
        }
        for (std::size_t i = 0; i < queues; ++i) {
            DWORD id = 0;
            if (failed(
                    platform.AllocateSerialWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, &id))) {
                ok = false;
                return;
            }
            ids.push_back(id);
        }
    }
    Platform platform;
    std::vector<DWORD> ids;
    DWORD allocated = 0;
    bool ok = true;
};

/// stream/'s loop through the MF layer on back-end EngineT: this thread streams items to one
/// worker, never waiting for a drain — stream/'s ring and chunk (stream_ring_items, each put
/// again once its previous trip ran; stream_chunk puts per iteration) — by `put(setup, item,
/// index)` on a platform with `serial_queues` serial queues. Items per second, first put to last
/// callback (the platform's shutdown drains).
template <class EngineT, class Put>
void mf_stream(benchmark::State& state, std::size_t serial_queues, const Put& put) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    PerThread<Tally> tallies;
    auto on_invoke = stream_item_done(tallies);
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    std::vector<std::unique_ptr<BenchItem[]>> storage;
    const std::vector<BenchItem*> ring = make_ring(Layout::array, storage);  // stream/'s array
    for (BenchItem* item : ring) {
        item->pCallback = &callback;
    }
    SerialSetup setup(EngineT::backend_name, placement.options, serial_queues);  // after the ring
    if (!setup.ok) {
        state.SkipWithError("MFAllocateWorkQueueEx or MFAllocateSerialWorkQueue failed");
        return;
    }
    const auto start = Clock::now();
    const StreamSent sent =
        stream_puts(state, ring, stream_chunk,
                    [&](BenchItem* item, std::uint64_t index) { return put(setup, item, index); });
    (void)setup.platform.Shutdown();  // drains: the drain is part of the stream
    report_stream(state, sent, tallies, elapsed_ns(start));
}

/// The MF layer on a back-end as an Engine. put(item) is MFPutWorkItemEx2 of a BenchItem (nothing
/// else may be put) at priority 1 when it is marked high_priority, else 0: onto the next of the
/// serial queues — round-robin per putting thread, so each producer's items are spread in order —
/// or onto the multithreaded queue when there are none. MF has no bulk put: put_bulk puts one by
/// one and stops at the first refusal (not all or nothing: a benchmark treats any refusal as a
/// failed run). counters() are the platform's (Platform::counters): the back-end engine's, with
/// `dispatched` counting the items run (a serial queue's pump runs a batch in one dispatch).
class MfLayerEngine final : public Engine {
public:
    MfLayerEngine(std::string_view backend, const Options& options, std::size_t serial_queues)
        : setup_(backend, options, serial_queues) {
        if (!setup_.ok) {
            throw std::runtime_error("MFAllocateSerialWorkQueue failed");
        }
    }
    MfLayerEngine(const MfLayerEngine&) = delete;
    MfLayerEngine& operator=(const MfLayerEngine&) = delete;
    ~MfLayerEngine() override { (void)setup_.platform.Shutdown(); }

    HRESULT put(MFASYNCRESULT* item) noexcept override {
        return put_priority(item, static_cast<BenchItem*>(item)->high_priority ? 1 : 0);
    }
    HRESULT put_priority(MFASYNCRESULT* item, LONG priority) noexcept override {
        thread_local std::uint64_t next = 0;  // this thread's round-robin position
        const std::vector<DWORD>& ids = setup_.ids;
        const DWORD queue =
            ids.empty() ? MFASYNC_CALLBACK_QUEUE_MULTITHREADED : ids[next++ % ids.size()];
        return setup_.platform.PutWorkItemEx2(queue, priority, item);
    }
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept override {
        for (MFASYNCRESULT* item : items) {
            if (const HRESULT hr = put(item); failed(hr)) {
                return hr;
            }
        }
        return S_OK;
    }
    HRESULT shutdown() noexcept override { return setup_.platform.Shutdown(); }
    [[nodiscard]] EngineCounters counters() const noexcept override {
        return setup_.platform.counters();
    }
    [[nodiscard]] std::string_view name() const noexcept override {
        return setup_.platform.engine().name();
    }
    [[nodiscard]] unsigned worker_count() const noexcept override {
        return setup_.platform.engine().worker_count();
    }

private:
    mutable SerialSetup setup_;  // engine() is not const
};

/// A scenario's `make` (as Concrete<EngineT>) that builds the MF layer on back-end EngineT with
/// `serial_queues` serial queues.
template <class EngineT>
struct ThroughMfLayer {
    static constexpr bool parks_observable = detail::traits_of<EngineT>.parks_observable;
    std::size_t serial_queues = 0;
    std::unique_ptr<MfLayerEngine> operator()(const Options& options) const {
        return std::make_unique<MfLayerEngine>(EngineT::backend_name, options, serial_queues);
    }
};

}  // namespace wq::bench
