// bench/scenarios/throughput.hpp — rounds of items through an engine, as fast as P producers can
// put them: throughput/ and saturated workload/ benchmarks.
//
// Each iteration is a round: P producer threads put their share of the round's items (singly or
// in bulks of B), and the round ends when the engine has dispatched them all. Exactly-once is
// checked at the end by count and checksum; a mismatch fails the benchmark. The benchmark thread
// sleeps through each round (RoundSignal): no poller competes with the threads it measures.
// cpu_ns_per_item: the CPU every thread but the producers and the benchmark's own used, per item
// (the engine's workers: dispatch, spinning and the callbacks' work); parks_per_item where the
// back-end's parks are observable. With `idle_after` the engine then sits idle for 100 ms and
// idle_cpu_pct says what it burnt (as cpu/). With `report_puts` (contention/) the producers' side
// too: ns_per_put, the producers' CPU per put (CPU time, so a producer the scheduler parks is not
// charged for the wait; the round's hand-shake, a few µs of a round of ms, included; where the
// thread CPU clock cannot resolve the run — GetThreadTimes' 15.6 ms ticks under Wine, in a short
// run — their put loops' wall time stands in, an upper bound), and puts_per_second, one
// producer's rate at that cost; ratio_to_floor divides ns_per_put by floor/cas_line at as many
// threads.
#pragma once

#include "engine_scenario.hpp"

#include <span>
#include <thread>
#include <vector>

namespace wq::bench {

struct ThroughputShape {
    unsigned producers;
    unsigned workers;
    std::uint64_t work_ns;
    std::size_t batch;
};

template <class Make>
class ThroughputRun {
public:
    ThroughputRun(benchmark::State& state, const Make& make, ThroughputShape shape)
        : state_(state),
          shape_(shape),
          // Rounds long enough (≥ a few ms) that the start/finish hand-shake is noise.
          per_producer_((shape.work_ns >= 1000 ? 2048 : 32768) / shape.producers),
          round_items_(per_producer_ * shape.producers),
          placement_(place(state, shape.producers, shape.workers)),
          on_invoke_{this},
          callback_(on_invoke_),
          items_(round_items_),
          start_round_(shape.producers + 1),
          producer_cpu_(shape.producers),
          producer_wall_(shape.producers),
          producer_rounds_(shape.producers),
          engine_(make(placement_.options)) {
        for (std::size_t i = 0; i < round_items_; ++i) {
            items_[i].id = i + 1;
            items_[i].pCallback = &callback_;
            round_checksum_ += i + 1;
        }
    }

    void run(bool idle_after, bool report_puts = false) {
        std::vector<std::thread> threads;
        for (unsigned p = 0; p < shape_.producers; ++p) {
            threads.emplace_back([this, p] { produce(p); });
        }
        const std::uint64_t parks_before = engine_->counters().parks;
        const OtherThreadsCpu others;
        const std::uint64_t rounds = measure_rounds();
        const double put_cpu = producers_cpu(rounds);
        const double load_cpu = others.ns() - put_cpu;
        const std::uint64_t parks = engine_->counters().parks - parks_before;
        IdleBurn idle;
        if (idle_after) {
            idle.measure();
        }
        quit_.store(true, std::memory_order_release);
        start_round_.arrive_and_wait();
        for (std::thread& thread : threads) {
            thread.join();
        }
        engine_->shutdown();
        report(rounds, load_cpu, parks);
        if (report_puts) {
            const auto puts =
                static_cast<double>(std::max<std::uint64_t>(rounds * round_items_, 1));
            double put_wall = 0;
            for (const auto& wall : producer_wall_) {
                put_wall += wall.load(std::memory_order_relaxed);  // published with put_cpu's
            }
            const double ns_per_put = (put_cpu > 0 ? put_cpu : put_wall) / puts;
            state_.counters["ns_per_put"] = ns_per_put;
            state_.counters["puts_per_second"] = ns_per_put > 0 ? 1e9 / ns_per_put : 0;
            report_ratio_to_floor(state_, ns_per_put, cas_line_floor_ns(shape_.producers));
        }
        if (idle_after) {
            state_.counters["idle_cpu_pct"] = idle.pct();
        }
    }

private:
    struct OnInvoke {
        ThroughputRun* run;
        void operator()(BenchItem* item) const {
            busy_work(run->shape_.work_ns);
            run->tallies_.mine().add(item->id);
            run->signal_.dispatched(item->id);
        }
    };

    // One producer thread: its share of every round, until told to quit.
    void produce(unsigned p) {
        const ScopedPin pin = placement_.pin_app(p);
        const double cpu_start = thread_cpu_ns();
        double wall = 0;
        std::vector<MFASYNCRESULT*> pointers(shape_.batch);
        EngineOf<Make>& engine = *engine_;  // the concrete type when Make is: direct calls
        for (;;) {
            start_round_.arrive_and_wait();
            if (quit_.load(std::memory_order_acquire)) {
                return;
            }
            const std::size_t begin = p * per_producer_;
            const std::size_t end = begin + per_producer_;
            const auto wall_start = Clock::now();
            for (std::size_t i = begin; i < end; i += shape_.batch) {
                const std::size_t n = std::min(shape_.batch, end - i);
                HRESULT hr = S_OK;
                if (shape_.batch == 1) {
                    hr = engine.put(&items_[i]);
                } else {
                    for (std::size_t k = 0; k < n; ++k) {
                        pointers[k] = &items_[i + k];
                    }
                    hr = engine.put_bulk(std::span(pointers.data(), n));
                }
                if (hr != S_OK) {
                    put_failed_.store(true, std::memory_order_relaxed);
                    signal_.abort();
                }
            }
            wall += elapsed_ns(wall_start);
            producer_cpu_[p].store(thread_cpu_ns() - cpu_start, std::memory_order_relaxed);
            producer_wall_[p].store(wall, std::memory_order_relaxed);
            // release: publishes the times above; pairs with the acquire in producers_cpu().
            producer_rounds_[p].store(producer_rounds_[p].load(std::memory_order_relaxed) + 1,
                                      std::memory_order_release);
        }
    }

    // The benchmark's iterations: one round each, the benchmark thread asleep until its items are
    // dispatched (RoundSignal). Returns how many rounds were started.
    std::uint64_t measure_rounds() {
        std::uint64_t rounds = 0;
        for ([[maybe_unused]] auto _ : state_) {
            start_round_.arrive_and_wait();
            ++rounds;
            if (!signal_.wait(rounds, [this] { return engine_->counters().dispatched; })) {
                break;  // a put was refused: report() says so
            }
        }
        return rounds;
    }

    // The producers' CPU over `rounds` rounds.
    double producers_cpu(std::uint64_t rounds) {
        double cpu = 0;
        for (unsigned p = 0; p < shape_.producers; ++p) {
            // Ends: each producer finishes the round it was given (its puts return, accepted or
            // not) and publishes its CPU time.
            while (producer_rounds_[p].load(std::memory_order_acquire) < rounds) {
                std::this_thread::sleep_for(std::chrono::microseconds{20});
            }
            cpu += producer_cpu_[p].load(std::memory_order_relaxed);
        }
        return cpu;
    }

    void report(std::uint64_t rounds, double load_cpu, std::uint64_t parks) {
        const auto [count, checksum] = totals(tallies_);
        if (put_failed_.load()) {
            state_.SkipWithError("a put was refused");
        } else if (count != rounds * round_items_ || checksum != rounds * round_checksum_) {
            state_.SkipWithError("exactly-once violated: dispatched count or checksum mismatch");
        }
        const auto done = static_cast<double>(std::max<std::uint64_t>(rounds * round_items_, 1));
        state_.SetItemsProcessed(static_cast<std::int64_t>(rounds * round_items_));
        state_.counters["cpu_ns_per_item"] = std::max(0.0, load_cpu) / done;
        if (Make::parks_observable) {
            state_.counters["parks_per_item"] = static_cast<double>(parks) / done;
        }
    }

    benchmark::State& state_;
    const ThroughputShape shape_;
    const std::size_t per_producer_;
    const std::size_t round_items_;
    const Placement placement_;
    PerThread<Tally> tallies_;
    RoundSignal signal_{round_items_};
    OnInvoke on_invoke_;
    StaticCallback<OnInvoke> callback_;
    std::vector<BenchItem> items_;
    std::uint64_t round_checksum_ = 0;
    RoundBarrier start_round_;
    std::atomic<bool> put_failed_{false};
    std::atomic<bool> quit_{false};
    // Each producer's CPU time when it finished its latest round's puts (ns since it started), and
    // how many rounds it has finished (published after the time).
    std::vector<std::atomic<double>> producer_cpu_;
    std::vector<std::atomic<double>> producer_wall_;  // their put loops' wall time, summed
    std::vector<std::atomic<std::uint64_t>> producer_rounds_;
    std::unique_ptr<EngineOf<Make>> engine_;  // last: destroyed (shut down) first
};

template <class Make>
void throughput(benchmark::State& state, const Make& make, ThroughputShape shape,
                bool idle_after = false) {
    ThroughputRun<Make>(state, make, shape).run(idle_after);
}

}  // namespace wq::bench
