// The engine scenarios: every back-end on the same MFASYNCRESULT item, through its concrete type
// (calls devirtualised), plus the type-erased make_engine path for the pair that prices the
// virtual hop. Names (an interface: baselines and scripts key on them; README "Benchmark names"):
//
//   call/<b>/via:concrete|make_engine                       ns_per_call
//   pingpong/<b>[/via:make_engine]                          rtt_ns ratio_to_floor
//   latency/<b>/rate:<items/s>/workers:1                    p50_ns p90_ns p99_ns p999_ns max_ns
//                                                           late_sends ratio_to_floor
//   wakeup/<b>                                              p50_ns p99_ns max_ns parked_pct
//                                                           ratio_to_floor
//   throughput/<b>/producers:P/workers:W/work_ns:N/batch:B  items_per_second cpu_ns_per_item
//                                                           [parks_per_item]
//   burst/<b>/items:N/work_ns:1000                          drain_ns items_per_second
//                                                           ratio_to_floor
//   cpu/<b>/rate:<items/s>                                  cpu_ns_per_item idle_cpu_pct
//   workload/<b>/producers:P/workers:W/work_ns:N/rate:R|saturate/batch:B   (--wq_workload only)
//       items_per_second cpu_ns_per_item idle_cpu_pct [parks_per_item]
//       at a rate also: p50_ns p90_ns p99_ns p999_ns max_ns late_pct
#include "common.hpp"

#include "histogram.hpp"
#include "workload.hpp"
#include "wq/backend_list.hpp"
#include "wq/event.hpp"

#include <algorithm>
#include <barrier>
#include <ctime>
#include <numeric>
#include <thread>

namespace wq::bench {
namespace {

// How a scenario gets its engine: the concrete type (a final class: direct calls) or the registry
// (calls through Engine's vtable).
template <class EngineT>
struct Concrete {
    std::unique_ptr<EngineT> operator()(const Options& options) const {
        return std::make_unique<EngineT>(options);
    }
};

struct Erased {
    std::string backend;
    std::unique_ptr<Engine> operator()(const Options& options) const {
        return make_engine(backend, options);
    }
};

template <class Make>
using EngineOf = typename decltype(std::declval<Make>()(Options{}))::element_type;

bool parks_observable(std::string_view backend) {
    for (const BackendInfo& info : backend_catalogue()) {
        if (info.name == backend) {
            return info.parks_observable;
        }
    }
    return false;
}

double process_cpu_ns() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

double thread_cpu_ns() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

// The CPU every other thread of the process has used since construction: the process's CPU
// clock less the calling thread's (what the engine's threads cost while this one only watches).
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

// What a running engine burns while it has nothing to do, over idle intervals.
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

// ---- call/<backend>/via:concrete|make_engine
// The virtual hop alone: put(nullptr) in a tight loop on one thread. The engine rejects it at
// validation (E_POINTER) before any queue is touched, so what is left is the call: direct through
// the final concrete type, indirect through Engine's vtable.

template <class Make>
void call(benchmark::State& state, const Make& make) {
    Options options;
    options.workers = 1;
    auto engine = make(options);
    EngineOf<Make>& target = *engine;
    MFASYNCRESULT* nothing = nullptr;
    HRESULT hr = S_OK;
    std::uint64_t calls = 0;
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        benchmark::DoNotOptimize(nothing);  // the compiler may not assume the argument
        hr = target.put(nothing);
        benchmark::DoNotOptimize(hr);
        ++calls;
    }
    const double elapsed = elapsed_ns(start);
    engine->shutdown();
    if (hr != E_POINTER) {
        state.SkipWithError("put(nullptr) did not return E_POINTER");
        return;
    }
    state.counters["ns_per_call"] =
        elapsed / static_cast<double>(std::max<std::uint64_t>(calls, 1));
}

// ---- pingpong/<backend>
// One item bounces: the benchmark thread puts it, the callback on the worker publishes the round's
// sequence number, the benchmark thread sees it and puts again (atomic_queue's ping-pong method:
// one hand-off each way per round). One iteration = one round trip.

template <class Make>
void pingpong(benchmark::State& state, const Make& make) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    auto engine = make(placement.options);
    std::atomic<std::uint64_t> seen{0};
    auto on_invoke = [&](BenchItem* item) { seen.store(item->id, std::memory_order_release); };
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    BenchItem item;
    item.pCallback = &callback;
    std::uint64_t round = 0;
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        item.id = ++round;
        if (engine->put(&item) != S_OK) {
            state.SkipWithError("put failed");
            break;
        }
        // Ends: the worker dispatches the item (the engine's contract); pause while it does.
        while (seen.load(std::memory_order_acquire) != round) {
            detail::cpu_pause();
        }
    }
    const double elapsed = elapsed_ns(start);
    engine->shutdown();
    const double rtt = elapsed / static_cast<double>(std::max<std::uint64_t>(round, 1));
    state.counters["rtt_ns"] = rtt;
    report_ratio_to_floor(state, rtt, floors().cacheline_rtt_ns);
}

// ---- latency/<backend>/rate:<items_per_s>/workers:1
// One-way dispatch latency (intended send time → Invoke start) under open-loop arrivals at a fixed
// rate, one worker. Each iteration is a fresh engine and ~50 ms of sends; the histograms of all
// iterations are merged and the counters set once at the end.

template <class Make>
void latency(benchmark::State& state, const Make& make, double rate) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    const auto sends = static_cast<std::size_t>(std::clamp(rate / 20, 500.0, 50'000.0));
    Histogram all;
    std::size_t late_sends = 0;
    for ([[maybe_unused]] auto _ : state) {
        auto engine = make(placement.options);
        OpenLoopConfig config;
        config.rate_per_second = rate;
        config.sends = sends;
        const OpenLoopResult result = run_open_loop(*engine, config);
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
    report_ratio_to_floor(state, p50, floors().cacheline_oneway_ns);
}

// ---- wakeup/<backend>
// The price of waking a parked worker. Each iteration lets the engine sit idle for `quiet` (far
// past mpmc's spin budget and TBB's), then puts one item stamped with the put time; the callback
// records Invoke start − stamp. parked_pct: the share of samples where the engine's park counter
// moved since the previous put (back-ends whose parks are observable): the worker went to sleep
// after its last item, so the figure is a wake-up and not a spinning worker's pick-up. Time per
// iteration includes the quiet interval: read the counters.

template <class Make>
void wakeup(benchmark::State& state, const Make& make, bool parks_observable) {
    constexpr auto quiet = std::chrono::milliseconds{3};
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    auto engine = make(placement.options);
    std::atomic<std::int64_t> invoked_at{0};
    auto on_invoke = [&](BenchItem* /*item*/) {
        invoked_at.store(Clock::now().time_since_epoch().count(), std::memory_order_release);
    };
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    BenchItem item;
    item.pCallback = &callback;
    Histogram samples;
    std::uint64_t parked = 0;
    std::uint64_t parks_at_last_put = engine->counters().parks;
    for ([[maybe_unused]] auto _ : state) {
        std::this_thread::sleep_for(quiet);
        const std::uint64_t parks = engine->counters().parks;
        if (parks > parks_at_last_put) {
            ++parked;
        }
        parks_at_last_put = parks;
        invoked_at.store(0, std::memory_order_relaxed);
        const std::int64_t put_at = Clock::now().time_since_epoch().count();
        if (engine->put(&item) != S_OK) {
            state.SkipWithError("put failed");
            break;
        }
        std::int64_t done = 0;
        // Ends: the worker dispatches the item (the engine's contract).
        while ((done = invoked_at.load(std::memory_order_acquire)) == 0) {
            detail::cpu_pause();
        }
        samples.record(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::duration{done - put_at})
                .count()));
    }
    engine->shutdown();
    const auto p50 = static_cast<double>(samples.value_at_quantile(0.5));
    state.counters["p50_ns"] = p50;
    state.counters["p99_ns"] = static_cast<double>(samples.value_at_quantile(0.99));
    state.counters["max_ns"] = static_cast<double>(samples.max());
    if (parks_observable && samples.count() > 0) {
        state.counters["parked_pct"] =
            100.0 * static_cast<double>(parked) / static_cast<double>(samples.count());
    }
    report_ratio_to_floor(state, p50, floors().wake_oneway_ns);
}

// ---- throughput/<backend>/producers:P/workers:W/work_ns:N/batch:B
// Each iteration is a round: P producer threads put their share of the round's items (singly or
// in bulks of B), and the round ends when the engine has dispatched them all. Exactly-once is
// checked at the end by count and checksum; a mismatch fails the benchmark.

struct ThroughputShape {
    unsigned producers;
    unsigned workers;
    std::uint64_t work_ns;
    std::size_t batch;
};

// cpu_ns_per_item: the CPU every thread but the producers and the benchmark's own used, per item
// (the engine's workers: dispatch, spinning and the callbacks' work); parks_per_item where the
// back-end's parks are observable. With `idle_after` the engine then sits idle for 100 ms and
// idle_cpu_pct says what it burnt (as cpu/).

template <class Make>
void throughput(benchmark::State& state, const Make& make, ThroughputShape shape,
                bool idle_after = false) {
    const unsigned producers = shape.producers;
    const std::size_t batch = shape.batch;
    // Rounds long enough (≥ a few ms) that the start/finish hand-shake is noise.
    const std::size_t per_producer = (shape.work_ns >= 1000 ? 2048 : 32768) / producers;
    const std::size_t round_items = per_producer * producers;
    const Placement placement = place(state, producers, shape.workers);

    tallies().reset();
    auto on_invoke = [work_ns = shape.work_ns](BenchItem* item) {
        busy_work(work_ns);
        tallies().mine().add(item->id);
    };
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    std::vector<BenchItem> items(round_items);
    std::uint64_t round_checksum = 0;
    for (std::size_t i = 0; i < round_items; ++i) {
        items[i].id = i + 1;
        items[i].pCallback = &callback;
        round_checksum += i + 1;
    }

    auto engine = make(placement.options);
    EngineOf<Make>& target_engine = *engine;
    std::atomic<bool> put_failed{false};
    std::barrier start_round(static_cast<std::ptrdiff_t>(producers) + 1);
    std::atomic<bool> quit{false};
    // Each producer's CPU time when it finished its latest round's puts (ns since it started), and
    // how many rounds it has finished (published after the time).
    std::vector<std::atomic<double>> producer_cpu(producers);
    std::vector<std::atomic<std::uint64_t>> producer_rounds(producers);
    std::vector<std::thread> threads;
    for (unsigned p = 0; p < producers; ++p) {
        threads.emplace_back([&, p] {
            const ScopedPin pin = placement.pin_app(p);
            const double cpu_start = thread_cpu_ns();
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
                        hr = target_engine.put(&items[i]);
                    } else {
                        for (std::size_t k = 0; k < n; ++k) {
                            pointers[k] = &items[i + k];
                        }
                        hr = target_engine.put_bulk(std::span(pointers.data(), n));
                    }
                    if (hr != S_OK) {
                        put_failed.store(true, std::memory_order_relaxed);
                    }
                }
                producer_cpu[p].store(thread_cpu_ns() - cpu_start, std::memory_order_relaxed);
                producer_rounds[p].store(producer_rounds[p].load(std::memory_order_relaxed) + 1,
                                         std::memory_order_release);
            }
        });
    }

    std::uint64_t rounds = 0;
    const std::uint64_t parks_before = engine->counters().parks;
    const OtherThreadsCpu others;
    for ([[maybe_unused]] auto _ : state) {
        const std::uint64_t target = (rounds + 1) * round_items;
        start_round.arrive_and_wait();
        // Ends: every accepted item is dispatched; a failed put is reported below instead.
        while (engine->counters().dispatched < target &&
               !put_failed.load(std::memory_order_relaxed)) {
            std::this_thread::sleep_for(std::chrono::microseconds{20});
        }
        ++rounds;
        if (put_failed.load(std::memory_order_relaxed)) {
            break;
        }
    }
    // Ends: each producer finishes the round it was given (its puts return, accepted or not) and
    // publishes its CPU time.
    for (const auto& done : producer_rounds) {
        while (done.load(std::memory_order_acquire) < rounds) {
            std::this_thread::sleep_for(std::chrono::microseconds{20});
        }
    }
    double load_cpu = others.ns();
    for (const auto& cpu : producer_cpu) {
        load_cpu -= cpu.load(std::memory_order_relaxed);
    }
    const std::uint64_t parks = engine->counters().parks - parks_before;
    IdleBurn idle;
    if (idle_after) {
        idle.measure();
    }
    quit.store(true, std::memory_order_release);
    start_round.arrive_and_wait();
    for (std::thread& thread : threads) {
        thread.join();
    }
    engine->shutdown();

    const auto [count, checksum] = tallies().totals();
    if (put_failed.load()) {
        state.SkipWithError("a put was refused");
    } else if (count != rounds * round_items || checksum != rounds * round_checksum) {
        state.SkipWithError("exactly-once violated: dispatched count or checksum mismatch");
    }
    const auto done = static_cast<double>(std::max<std::uint64_t>(rounds * round_items, 1));
    state.SetItemsProcessed(static_cast<std::int64_t>(rounds * round_items));
    state.counters["cpu_ns_per_item"] = std::max(0.0, load_cpu) / done;
    if (parks_observable(EngineOf<Make>::traits.name)) {
        state.counters["parks_per_item"] = static_cast<double>(parks) / done;
    }
    if (idle_after) {
        state.counters["idle_cpu_pct"] = idle.pct();
    }
}

// ---- burst/<backend>/items:N/work_ns:1000
// The parallel-for shape: after a quiet interval (workers parked), one put_bulk fans out N items,
// each ~1 µs of work, and the benchmark thread blocks on a completion event that the last callback
// signals. drain_ns is the median time from the put to the event; its floor is one wake-up plus
// the work spread over every worker (one per CPU).

template <class Make>
void burst(benchmark::State& state, const Make& make, std::size_t burst_items) {
    constexpr std::uint64_t work_ns = 1000;
    constexpr auto quiet = std::chrono::milliseconds{3};
    const unsigned workers = usable_cpus();
    const Placement placement = place(state, 0, workers);  // the benchmark thread sleeps
    auto engine = make(placement.options);
    Event done(EventReset::automatic);
    std::atomic<std::size_t> remaining{0};
    auto on_invoke = [&](BenchItem* item) {
        busy_work(work_ns);
        tallies().mine().add(item->id);
        if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            set_event(done.handle());
        }
    };
    StaticCallback<decltype(on_invoke)> callback(on_invoke);
    std::vector<BenchItem> items(burst_items);
    std::vector<MFASYNCRESULT*> pointers(burst_items);
    std::uint64_t burst_checksum = 0;
    for (std::size_t i = 0; i < burst_items; ++i) {
        items[i].id = i + 1;
        items[i].pCallback = &callback;
        pointers[i] = &items[i];
        burst_checksum += i + 1;
    }
    tallies().reset();
    Histogram drains;
    std::uint64_t bursts = 0;
    for ([[maybe_unused]] auto _ : state) {
        std::this_thread::sleep_for(quiet);
        remaining.store(burst_items, std::memory_order_relaxed);
        const auto start = Clock::now();
        if (engine->put_bulk(pointers) != S_OK) {
            state.SkipWithError("put_bulk failed");
            break;
        }
        if (wait_event(done.handle(), std::chrono::seconds{60}) != WaitStatus::signalled) {
            state.SkipWithError("burst did not drain within 60 s");
            break;
        }
        drains.record(static_cast<std::uint64_t>(elapsed_ns(start)));
        ++bursts;
    }
    engine->shutdown();
    const auto [count, checksum] = tallies().totals();
    if (count != bursts * burst_items || checksum != bursts * burst_checksum) {
        state.SkipWithError("exactly-once violated: dispatched count or checksum mismatch");
        return;
    }
    const auto drain = static_cast<double>(drains.value_at_quantile(0.5));
    state.counters["drain_ns"] = drain;
    state.counters["items_per_second"] =
        drain > 0 ? static_cast<double>(burst_items) * 1e9 / drain : 0;
    if (floors().wake_oneway_ns > 0) {
        const double ideal = floors().wake_oneway_ns + static_cast<double>(burst_items * work_ns) /
                                                           static_cast<double>(workers);
        report_ratio_to_floor(state, drain, ideal);
    }
}

// ---- cpu/<backend>/rate:<items_per_s>
// What the engine costs in CPU. Each iteration: a fresh engine (one worker) gets 100 ms of
// open-loop arrivals at `rate`; then it sits idle for 100 ms. cpu_ns_per_item is the CPU the
// process used during the load, minus the sending thread's own, per item (spinning included: it
// is the point); idle_cpu_pct is the CPU used during the idle interval, as a percentage of one
// core (an engine that spins forever shows ~100).

template <class Make>
void cpu(benchmark::State& state, const Make& make, double rate) {
    const Placement placement = place(state, 1, 1);
    const ScopedPin pin = placement.pin_app(0);
    double load_cpu = 0;
    IdleBurn idle;
    std::size_t items = 0;
    for ([[maybe_unused]] auto _ : state) {
        auto engine = make(placement.options);
        const OtherThreadsCpu others;
        OpenLoopConfig config;
        config.rate_per_second = rate;
        config.sends = static_cast<std::size_t>(rate / 10);
        config.when_drained = [&](const OpenLoopResult& /*sent*/) {
            load_cpu += others.ns();
            idle.measure();
        };
        const OpenLoopResult result = run_open_loop(*engine, config);
        if (result.put_failed || result.latency.count() != config.sends) {
            state.SkipWithError("open-loop run lost items or a put failed");
            return;
        }
        items += config.sends;
    }
    if (items > 0) {
        state.counters["cpu_ns_per_item"] = load_cpu / static_cast<double>(items);
        state.counters["idle_cpu_pct"] = idle.pct();
    }
}

// ---- workload/<backend>/producers:P/workers:W/work_ns:N/rate:R|saturate/batch:B
// A user's workload (wq_bench --wq_workload=SPEC; scripts/choose runs it). Saturated, it is
// throughput/'s rounds followed by 100 ms idle. At a rate, each iteration is a fresh engine fed
// open-loop arrivals (latency/'s method: latency from the intended send time) by P sending
// threads, then left idle for 100 ms. Counters: items_per_second (the rate achieved), p50/p90/
// p99/p999/max_ns and late_pct (at a rate), cpu_ns_per_item (the engine's threads: dispatch,
// spinning and the callbacks' own work), idle_cpu_pct, parks_per_item (where observable).

template <class Make>
void workload_at_rate(benchmark::State& state, const Make& make, const Workload& workload) {
    const Placement placement = place(state, workload.producers, workload.workers);
    // One producer: the benchmark thread sends. More: they are threads, this one waits.
    const ScopedPin pin = workload.producers == 1 ? placement.pin_app(0) : ScopedPin(false, 0);
    Histogram all;
    std::size_t items = 0;
    std::size_t late = 0;
    double load_cpu = 0;
    double load_wall = 0;
    std::uint64_t parks = 0;
    IdleBurn idle;
    for ([[maybe_unused]] auto _ : state) {
        auto engine = make(placement.options);
        const std::uint64_t parks_before = engine->counters().parks;
        const OtherThreadsCpu others;
        const auto load_from = Clock::now();
        OpenLoopConfig config;
        config.rate_per_second = workload.rate;
        config.sends = workload.sends_per_repetition();
        config.callback_work = std::chrono::nanoseconds(workload.work_ns);
        config.batch = workload.batch;
        config.senders = workload.producers;
        // Sender threads (more than one producer): pinned like any busy benchmark thread, and
        // their CPU is theirs, not the engine's.
        std::vector<double> sender_cpu(workload.producers, 0.0);
        config.on_sender_start = [&](unsigned sender) {
            if (placement.pinned) {
                detail::pin_this_thread(placement.app_cpus[sender]);
            }
            sender_cpu[sender] = thread_cpu_ns();
        };
        config.on_sender_end = [&](unsigned sender) {
            sender_cpu[sender] = thread_cpu_ns() - sender_cpu[sender];
        };
        config.when_drained = [&](const OpenLoopResult& /*sent*/) {
            load_wall += elapsed_ns(load_from);
            load_cpu += others.ns() - std::accumulate(sender_cpu.begin(), sender_cpu.end(), 0.0);
            parks += engine->counters().parks - parks_before;
            idle.measure();
        };
        const OpenLoopResult result = run_open_loop(*engine, config);
        if (result.put_failed || result.sent != config.sends ||
            result.latency.count() != config.sends) {
            state.SkipWithError("open-loop run lost items or a put failed");
            return;
        }
        all.merge(result.latency);
        items += result.sent;
        late += result.late_sends;
    }
    const auto n = static_cast<double>(std::max<std::size_t>(items, 1));
    state.counters["items_per_second"] = load_wall > 0 ? n * 1e9 / load_wall : 0;
    state.counters["p50_ns"] = static_cast<double>(all.value_at_quantile(0.5));
    state.counters["p90_ns"] = static_cast<double>(all.value_at_quantile(0.9));
    state.counters["p99_ns"] = static_cast<double>(all.value_at_quantile(0.99));
    state.counters["p999_ns"] = static_cast<double>(all.value_at_quantile(0.999));
    state.counters["max_ns"] = static_cast<double>(all.max());
    state.counters["late_pct"] = 100.0 * static_cast<double>(late) / n;
    state.counters["cpu_ns_per_item"] = std::max(0.0, load_cpu) / n;
    state.counters["idle_cpu_pct"] = idle.pct();
    if (parks_observable(EngineOf<Make>::traits.name)) {
        state.counters["parks_per_item"] = static_cast<double>(parks) / n;
    }
}

// ---- Registration

std::vector<ThroughputShape> standard_shapes() {
    const unsigned c = usable_cpus();
    return {
        {1, 1, 0, 1},        {1, 1, 0, 64},          {c, c, 0, 1},       {1, c, 1000, 1},
        {c, 2 * c, 1000, 1}, {2 * c, 2 * c, 100, 1}, {1, c, 10'000, 64},
    };
}

// P and W each from {1, cores, 2×cores}: P+W from 2 up to 4× the cores, so oversubscription shows.
std::vector<ThroughputShape> full_shapes() {
    const unsigned c = usable_cpus();
    std::vector<unsigned> counts{1, c, 2 * c};
    counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
    std::vector<ThroughputShape> shapes;
    for (const std::uint64_t work : {0ULL, 100ULL, 1000ULL, 10'000ULL}) {
        for (const unsigned p : counts) {
            for (const unsigned w : counts) {
                for (const std::size_t batch : {std::size_t{1}, std::size_t{64}}) {
                    shapes.push_back({p, w, work, batch});
                }
            }
        }
    }
    return shapes;
}

bool same_shape(const ThroughputShape& a, const ThroughputShape& b) {
    return a.producers == b.producers && a.workers == b.workers && a.work_ns == b.work_ns &&
           a.batch == b.batch;
}

std::string shape_name(const std::string& backend, const ThroughputShape& s) {
    return "throughput/" + backend + "/producers:" + std::to_string(s.producers) +
           "/workers:" + std::to_string(s.workers) + "/work_ns:" + std::to_string(s.work_ns) +
           "/batch:" + std::to_string(s.batch);
}

enum class Family { call, pingpong, latency, wakeup, throughput, burst, cpu };

// Scenario-major order (every back-end's pingpong, then every back-end's latency, ...): results
// that are compared with each other run close together in time.
template <class EngineT>
void register_family(Family family) {
    const std::string name(EngineT::traits.name);
    const Concrete<EngineT> concrete;
    const Erased erased{name};
    switch (family) {
        case Family::call:
            add(Suite::standard, "call/" + name + "/via:concrete",
                [=](benchmark::State& state) { call(state, concrete); });
            add(Suite::standard, "call/" + name + "/via:make_engine",
                [=](benchmark::State& state) { call(state, erased); });
            break;
        case Family::pingpong:
            add(Suite::standard, "pingpong/" + name,
                [=](benchmark::State& state) { pingpong(state, concrete); });
            add(Suite::standard, "pingpong/" + name + "/via:make_engine",
                [=](benchmark::State& state) { pingpong(state, erased); });
            break;
        case Family::latency:
            for (const double rate : {10'000.0, 100'000.0, 1'000'000.0}) {
                add(
                    Suite::standard,
                    "latency/" + name + "/rate:" + std::to_string(static_cast<long long>(rate)) +
                        "/workers:1",
                    [=](benchmark::State& state) { latency(state, concrete, rate); },
                    benchmark::kMillisecond);
            }
            break;
        case Family::wakeup: {
            const bool observable = parks_observable(name);
            add(
                Suite::standard, "wakeup/" + name,
                [=](benchmark::State& state) { wakeup(state, concrete, observable); },
                benchmark::kMillisecond);
            break;
        }
        case Family::throughput: {
            const std::vector<ThroughputShape> standard = standard_shapes();
            for (const ThroughputShape& shape : full_shapes()) {
                const bool in_standard =
                    std::any_of(standard.begin(), standard.end(),
                                [&](const auto& s) { return same_shape(s, shape); });
                add(
                    in_standard ? Suite::standard : Suite::full, shape_name(name, shape),
                    [=](benchmark::State& state) { throughput(state, concrete, shape); },
                    benchmark::kMillisecond);
            }
            break;
        }
        case Family::burst:
            for (const std::size_t n : {std::size_t{64}, std::size_t{4096}, std::size_t{65'536}}) {
                add(
                    n <= 4096 ? Suite::standard : Suite::full,
                    "burst/" + name + "/items:" + std::to_string(n) + "/work_ns:1000",
                    [=](benchmark::State& state) { burst(state, concrete, n); },
                    benchmark::kMillisecond);
            }
            break;
        case Family::cpu:
            for (const double rate : {10'000.0, 100'000.0}) {
                add(
                    Suite::standard,
                    "cpu/" + name + "/rate:" + std::to_string(static_cast<long long>(rate)),
                    [=](benchmark::State& state) { cpu(state, concrete, rate); },
                    benchmark::kMillisecond);
            }
            break;
    }
}

template <class EngineT>
void register_workload(const Workload& workload) {
    const std::string name =
        "workload/" + std::string(EngineT::traits.name) + "/" + workload.suffix();
    const Concrete<EngineT> concrete;
    if (workload.saturate()) {
        const ThroughputShape shape{workload.producers, workload.workers, workload.work_ns,
                                    workload.batch};
        add(
            Suite::standard, name,
            [=](benchmark::State& state) { throughput(state, concrete, shape, true); },
            benchmark::kMillisecond);
    } else {
        // An iteration is one open-loop run (a quarter of a second by default), so a run of
        // --benchmark_min_time=0.2 is one iteration: repetitions give the spread.
        add(
            Suite::standard, name,
            [=](benchmark::State& state) { workload_at_rate(state, concrete, workload); },
            benchmark::kMillisecond);
    }
}

template <class EngineT>
void register_workloads(const std::vector<Workload>& workloads) {
    for (const Workload& workload : workloads) {
        register_workload<EngineT>(workload);
    }
}

}  // namespace

// Calls visit.template operator()<E>() for every back-end of the build that can run here, in
// registry order.
template <class Visit>
void for_each_available_backend(Visit&& visit) {
    detail::Backends::for_each([&]<class EngineT>() {
        if (detail::unavailable_reason<EngineT>().empty()) {
            visit.template operator()<EngineT>();
        }
    });
}

void register_workload_benchmarks(const std::vector<Workload>& workloads) {
    for_each_available_backend([&]<class EngineT>() { register_workloads<EngineT>(workloads); });
}

void register_engine_benchmarks() {
    for (const Family family : {Family::call, Family::pingpong, Family::latency, Family::wakeup,
                                Family::throughput, Family::burst, Family::cpu}) {
        for_each_available_backend([&]<class EngineT>() { register_family<EngineT>(family); });
    }
}

}  // namespace wq::bench
