// bench/mf_layer.hpp — MF's work-queue API in the benchmarks: the platforms the MF families
// measure (wq's layer, wq/mfapi.hpp, on each back-end; and the OS's own MF beside it where there is
// one: bench/system_mf.hpp), a platform with its serial queues (serial/), and wq's layer behind the
// Engine contract, so that the workload/ loops (throughput/'s rounds, open-loop arrivals) run
// through MFPutWorkItemEx2 unchanged (scripts/choose --serial, --priority-mix).
#pragma once

#include "engine_scenario.hpp"
#include "scenario.hpp"
#include "scenario_table.hpp"
#include "system_mf.hpp"
#include "wq/detail/backend_list.hpp"
#include "wq/mfapi.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
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

// ---- The platforms an MF family measures -------------------------------------------------------

/// wq's MF layer (wq::Platform) on one back-end; its rows are named by the back-end.
struct WqLayer {
    using Api = Platform;
    std::string_view subject;  ///< the back-end's name
    [[nodiscard]] std::unique_ptr<Platform> start(const Options& options) const {
        return std::make_unique<Platform>(subject, engine_options(subject, options));
    }
};

/// The OS's own MF (SystemMf); its rows are named os_system_mf. Its threads are MF's own: the
/// options (workers, pinning) do not reach them.
struct SystemLayer {
    using Api = SystemMf;
    std::string_view subject = os_system_mf;
    [[nodiscard]] static std::unique_ptr<SystemMf> start(const Options& /*options*/) {
        return std::make_unique<SystemMf>();
    }
};

/// An MF family: `add(source)` registers its benchmarks for one platform — WqLayer{b} for each
/// available back-end b, then SystemLayer{} where the OS has its own MF and the family's row runs
/// it (bench/scenarios.json "system_mf"). The family registers through add_mf, which leaves out
/// what the row's "without" says the system's MF does not run.
template <class Add>
bool register_mf_family(std::string_view name, Add add) {
    return register_family(name, [name, add] {
        for_each_available_backend([&]<class EngineT>() { add(WqLayer{EngineT::backend_name}); });
        if (!os_system_mf.empty() && system_mf_runs(name, {})) {
            if constexpr (!os_system_mf.empty()) {  // SystemMf exists only where the OS has MF
                add(SystemLayer{});
            }
        }
    });
}

/// Registers "<family>/<source's subject><params>" (add's real time and unit), unless `source`
/// is the system's MF and the row's system_mf leaves these params out.
template <class Source>
void add_mf(const Source& source, std::string_view family, const std::string& params,
            std::function<void(benchmark::State&)> run,
            benchmark::TimeUnit unit = benchmark::kNanosecond) {
    if constexpr (std::is_same_v<Source, SystemLayer>) {
        if (!system_mf_runs(family, params)) {
            return;
        }
    }
    add(Suite::standard, std::string(family) + "/" + std::string(source.subject) + params,
        std::move(run), unit);
}

/// A platform from `source` with `queues` serial queues on its multithreaded queue, and one
/// multithreaded queue of its own (MFAllocateWorkQueueEx).
template <class Source>
struct SerialSetup {
    SerialSetup(const Source& source, const Options& options, std::size_t queues)
        : platform(source.start(options)) {
        if (failed(platform->AllocateWorkQueueEx(MF_MULTITHREADED_WORKQUEUE, &allocated))) {
            ok = false;
            return;
        }
        for (std::size_t i = 0; i < queues; ++i) {
            DWORD id = 0;
            if (failed(
                    platform->AllocateSerialWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, &id))) {
                ok = false;
                return;
            }
            ids.push_back(id);
        }
    }
    std::unique_ptr<typename Source::Api> platform;
    std::vector<DWORD> ids;
    DWORD allocated = 0;
    bool ok = true;
};

/// Spins until every item of a stream's ring has run its last trip (its callback cleared
/// in_flight): the stream's last callback, whatever the platform's shutdown does with the
/// queues (wq's drains them; MF's does not wait).
inline void wait_ring_idle(const std::vector<BenchItem*>& ring) {
    for (const BenchItem* item : ring) {
        // Ends: the platform runs every item it accepted. acquire: pairs with the callback's
        // release (stream_item_done), so the item's tally is visible after this.
        while (item->in_flight.load(std::memory_order_acquire)) {
            detail::cpu_pause();
        }
    }
}

/// stream/'s loop through an MF platform from `source`: this thread streams items to one worker,
/// never waiting for a drain — stream/'s ring and chunk (stream_ring_items, each put again once its
/// previous trip ran; stream_chunk puts per iteration) — by `put(setup, item, index)` on a
/// platform with `serial_queues` serial queues. Items per second, first put to last callback.
template <class Source, class Put>
void mf_stream(benchmark::State& state, const Source& source, std::size_t serial_queues,
               const Put& put) {
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
    SerialSetup setup(source, placement.options, serial_queues);  // after the ring
    if (!setup.ok) {
        state.SkipWithError("MFAllocateWorkQueueEx or MFAllocateSerialWorkQueue failed");
        return;
    }
    const auto start = Clock::now();
    const StreamSent sent =
        stream_puts(state, ring, stream_chunk,
                    [&](BenchItem* item, std::uint64_t index) { return put(setup, item, index); });
    if (!sent.refused) {
        wait_ring_idle(ring);  // the drain is part of the stream
    }
    const double elapsed = elapsed_ns(start);
    (void)setup.platform->Shutdown();
    report_stream(state, sent, tallies, elapsed);
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
        : setup_(WqLayer{backend}, options, serial_queues) {
        if (!setup_.ok) {
            throw std::runtime_error("MFAllocateSerialWorkQueue failed");
        }
    }
    MfLayerEngine(const MfLayerEngine&) = delete;
    MfLayerEngine& operator=(const MfLayerEngine&) = delete;
    ~MfLayerEngine() override { (void)setup_.platform->Shutdown(); }

    HRESULT put(MFASYNCRESULT* item) noexcept override {
        return put_priority(item, static_cast<BenchItem*>(item)->high_priority ? 1 : 0);
    }
    HRESULT put_priority(MFASYNCRESULT* item, LONG priority) noexcept override {
        thread_local std::uint64_t next = 0;  // this thread's round-robin position
        const std::vector<DWORD>& ids = setup_.ids;
        const DWORD queue =
            ids.empty() ? MFASYNC_CALLBACK_QUEUE_MULTITHREADED : ids[next++ % ids.size()];
        return setup_.platform->PutWorkItemEx2(queue, priority, item);
    }
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept override {
        for (MFASYNCRESULT* item : items) {
            if (const HRESULT hr = put(item); failed(hr)) {
                return hr;
            }
        }
        return S_OK;
    }
    HRESULT shutdown() noexcept override { return setup_.platform->Shutdown(); }
    [[nodiscard]] EngineCounters counters() const noexcept override {
        return setup_.platform->counters();
    }
    [[nodiscard]] std::string_view name() const noexcept override {
        return setup_.platform->engine().name();
    }
    [[nodiscard]] unsigned worker_count() const noexcept override {
        return setup_.platform->engine().worker_count();
    }

private:
    mutable SerialSetup<WqLayer> setup_;  // engine() is not const
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
