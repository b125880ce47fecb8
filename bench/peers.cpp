// peer/<queue>/... — bare peer queues in the same run, with a pointer-sized payload, so the
// engine's overhead over a bare queue is visible (docs/benchmarks.md, "Benchmark names"):
//
//   peer/<queue>/shape:pingpong   rtt_ns ratio_to_floor   two queues, one value bouncing
//   peer/<queue>/shape:stream     items_per_second        one producer, one consumer, continuous:
//                                 what the queues' own benchmarks measure (stream/'s peer)
//   peer/<queue>/shape:loop       items_per_second        the same stream as a plain two-thread
//                                 loop outside the iteration protocol: the cross-check of stream
//   peer/<queue>/shape:1p1c       items_per_second        rounds of 32 768 that drain to empty
//                                 before the next starts: throughput/'s method (its peer), about
//                                 half the stream rate (docs/benchmarks.md, "Peers")
//
// Queues: moodycamel (ConcurrentQueue, the one `mpmc` is built on, used the same way: enqueue
// without a token, dequeue with a consumer token), atomic_queue (AtomicQueueB), boost_lockfree
// (boost::lockfree::queue), tbb_bounded (tbb::concurrent_bounded_queue, non-blocking try_*). Both
// sides spin on an empty queue, as the engines' spinning workers do; a consumer counts and sums in
// registers and publishes only when a round or the stream ends (no line the producer reads is
// written per item).
#include "common.hpp"
#include "scenario.hpp"

#include "wq/build_config.hpp"

#if WQ_HAVE_ATOMIC_QUEUE  // bench/CMakeLists.txt: not packaged by MSYS2
#include <atomic_queue/atomic_queue.h>
#endif
#include <concurrentqueue.h>
#include <boost/lockfree/queue.hpp>
#if WQ_HAVE_TBB
#include <oneapi/tbb/concurrent_queue.h>
#endif

#include <thread>

namespace wq::bench {
namespace {

constexpr std::size_t capacity = 65'536;  // ≥ one 1p1c round: a push never finds the queue full

// Pointer-sized, as the engines pass an item pointer; 0 never travels (atomic_queue's empty
// marker).
using Value = std::uintptr_t;

// Each adapter: try_push(value) from any thread; a Consumer (per consuming thread) with
// try_pop(value&).

struct Moodycamel {
    static constexpr const char* name = "moodycamel";
    moodycamel::ConcurrentQueue<Value> queue{capacity};
    bool try_push(Value value) { return queue.enqueue(value); }
    struct Consumer {
        explicit Consumer(Moodycamel& q) : queue(q.queue), token(q.queue) {}
        bool try_pop(Value& value) { return queue.try_dequeue(token, value); }
        moodycamel::ConcurrentQueue<Value>& queue;
        moodycamel::ConsumerToken token;
    };
};

#if WQ_HAVE_ATOMIC_QUEUE
struct AtomicQueue {
    static constexpr const char* name = "atomic_queue";
    atomic_queue::AtomicQueueB<Value> queue{static_cast<unsigned>(capacity)};
    bool try_push(Value value) { return queue.try_push(Value{value}); }
    struct Consumer {
        explicit Consumer(AtomicQueue& q) : queue(q.queue) {}
        bool try_pop(Value& value) { return queue.try_pop(value); }
        atomic_queue::AtomicQueueB<Value>& queue;
    };
};
#endif

struct BoostLockfree {
    static constexpr const char* name = "boost_lockfree";
    boost::lockfree::queue<Value> queue{capacity};
    bool try_push(Value value) { return queue.push(value); }
    struct Consumer {
        explicit Consumer(BoostLockfree& q) : queue(q.queue) {}
        bool try_pop(Value& value) { return queue.pop(value); }
        boost::lockfree::queue<Value>& queue;
    };
};

#if WQ_HAVE_TBB
struct TbbBounded {
    static constexpr const char* name = "tbb_bounded";
    TbbBounded() { queue.set_capacity(capacity); }
    tbb::concurrent_bounded_queue<Value> queue;
    bool try_push(Value value) { return queue.try_push(value); }
    struct Consumer {
        explicit Consumer(TbbBounded& q) : queue(q.queue) {}
        bool try_pop(Value& value) { return queue.try_pop(value); }
        tbb::concurrent_bounded_queue<Value>& queue;
    };
};
#endif

template <class Queue>
void push_spinning(Queue& queue, Value value) {
    // Ends: a consumer pops (the bounded queues refuse a push while full; the others grow).
    while (!queue.try_push(value)) {
        detail::cpu_pause();
    }
}

template <class Queue>
Value pop_spinning(typename Queue::Consumer& consumer) {
    Value value = 0;
    // Ends: the other side pushes (every push is matched by one pop in these shapes).
    while (!consumer.try_pop(value)) {
        detail::cpu_pause();
    }
    return value;
}

// Ping-pong: the benchmark thread pushes round r to `requests`; the partner pops it and pushes it
// to `replies`; the benchmark thread pops it. `stop` ends the partner.
template <class Queue>
void peer_pingpong(benchmark::State& state) {
    const Placement placement = place(state, 2, 0);
    const ScopedPin pin = placement.pin_app(0);
    auto requests = std::make_unique<Queue>();
    auto replies = std::make_unique<Queue>();
    constexpr Value stop = UINTPTR_MAX;
    std::thread partner([&] {
        const ScopedPin partner_pin = placement.pin_app(1);
        typename Queue::Consumer consumer(*requests);
        for (;;) {
            const Value value = pop_spinning<Queue>(consumer);
            if (value == stop) {
                return;
            }
            push_spinning(*replies, value);
        }
    });
    typename Queue::Consumer consumer(*replies);
    Value round = 0;
    bool mismatch = false;
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        push_spinning(*requests, ++round);
        mismatch |= pop_spinning<Queue>(consumer) != round;
    }
    const double elapsed = elapsed_ns(start);
    push_spinning(*requests, stop);
    partner.join();
    if (mismatch) {
        state.SkipWithError("a reply did not match its request");
        return;
    }
    const double rtt = elapsed / static_cast<double>(std::max<std::uint64_t>(round, 1));
    state.counters["rtt_ns"] = rtt;
    report_ratio_to_floor(state, rtt, floors().cacheline_rtt_ns);
}

// One producer (the benchmark thread) pushes a round of values, one consumer pops them, counting
// and summing; the round ends when the consumer has all of them. Exactly-once by count + checksum.
template <class Queue>
void peer_1p1c(benchmark::State& state) {
    constexpr std::size_t round_items = 32'768;
    const Placement placement = place(state, 2, 0);
    const ScopedPin pin = placement.pin_app(0);
    auto queue = std::make_unique<Queue>();
    std::atomic<std::uint64_t> consumed{0};
    std::atomic<std::uint64_t> checksum{0};
    std::atomic<bool> quit{false};
    std::thread consumer_thread([&] {
        const ScopedPin consumer_pin = placement.pin_app(1);
        typename Queue::Consumer consumer(*queue);
        std::uint64_t count = 0;
        std::uint64_t sum = 0;
        Value value = 0;
        // Ends: the benchmark thread sets quit after its last round has been consumed.
        while (!quit.load(std::memory_order_acquire)) {
            if (consumer.try_pop(value)) {
                ++count;
                sum += value;
                if (count % round_items == 0) {  // a round is done: the producer waits for it
                    consumed.store(count, std::memory_order_release);
                }
            } else {
                detail::cpu_pause();
            }
        }
        checksum.store(sum, std::memory_order_release);
    });
    std::uint64_t rounds = 0;
    for ([[maybe_unused]] auto _ : state) {
        for (std::size_t i = 1; i <= round_items; ++i) {
            push_spinning(*queue, Value{i});
        }
        ++rounds;
        // Ends: the consumer pops every value pushed. The deadline only guards against a queue
        // that lost one (the check below then fails the benchmark).
        const auto deadline = Clock::now() + std::chrono::seconds{60};
        while (consumed.load(std::memory_order_acquire) < rounds * round_items &&
               Clock::now() < deadline) {
            detail::cpu_pause();
        }
    }
    quit.store(true, std::memory_order_release);
    consumer_thread.join();
    const std::uint64_t round_checksum = round_items * (round_items + 1) / 2;
    if (consumed.load() != rounds * round_items || checksum.load() != rounds * round_checksum) {
        state.SkipWithError("exactly-once violated: consumed count or checksum mismatch");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(rounds * round_items));
}

// Exactly-once for a stream of the values 1..count: the consumer's count and sum.
bool stream_intact(std::uint64_t count, std::uint64_t popped, std::uint64_t sum) {
    return popped == count && sum == count * (count + 1) / 2;
}

double per_second(std::uint64_t items, Clock::duration took) {
    return static_cast<double>(items) / std::chrono::duration<double>(took).count();
}

// A continuous stream: each iteration the benchmark thread pushes a chunk of values, and the
// consumer pops them as they come; nothing waits for the queue to drain until a stop value ends
// the stream. The rate counts from the first push to the consumer's last pop.
template <class Queue>
void peer_stream(benchmark::State& state) {
    constexpr std::size_t chunk = 4096;
    constexpr Value stop = UINTPTR_MAX;
    const Placement placement = place(state, 2, 0);
    const ScopedPin pin = placement.pin_app(0);
    auto queue = std::make_unique<Queue>();
    std::uint64_t popped = 0;
    std::uint64_t sum = 0;
    Clock::time_point last_pop;
    std::thread consumer_thread([&] {  // its results are read after join()
        const ScopedPin consumer_pin = placement.pin_app(1);
        typename Queue::Consumer consumer(*queue);
        for (Value value = pop_spinning<Queue>(consumer); value != stop;
             value = pop_spinning<Queue>(consumer)) {
            ++popped;
            sum += value;
        }
        last_pop = Clock::now();
    });
    Value pushed = 0;
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        for (std::size_t i = 0; i < chunk; ++i) {
            push_spinning(*queue, ++pushed);
        }
    }
    push_spinning(*queue, stop);
    consumer_thread.join();
    if (!stream_intact(pushed, popped, sum)) {
        state.SkipWithError("exactly-once violated: consumed count or checksum mismatch");
    }
    state.counters["items_per_second"] = per_second(pushed, last_pop - start);
}

// The cross-check of stream: the same queue, the same two CPUs, as the plainest loop there is —
// one thread pushes 1..N, the other pops N, timed from a start flag to the last pop — with
// nothing of the benchmark's iteration protocol in between.
template <class Queue>
void peer_loop(benchmark::State& state) {
    constexpr std::uint64_t items = std::uint64_t{1} << 21;
    const Placement placement = place(state, 2, 0);
    const ScopedPin pin = placement.pin_app(0);
    std::uint64_t streamed = 0;
    Clock::duration busy{};
    bool intact = true;
    for ([[maybe_unused]] auto _ : state) {
        auto queue = std::make_unique<Queue>();
        std::atomic<bool> go{false};
        std::uint64_t sum = 0;
        Clock::time_point last_pop;
        std::thread consumer_thread([&] {  // its results are read after join()
            const ScopedPin consumer_pin = placement.pin_app(1);
            typename Queue::Consumer consumer(*queue);
            // Ends: the benchmark thread sets go right after starting this thread.
            while (!go.load(std::memory_order_acquire)) {
                detail::cpu_pause();
            }
            for (std::uint64_t n = 0; n < items; ++n) {
                sum += pop_spinning<Queue>(consumer);
            }
            last_pop = Clock::now();
        });
        const auto start = Clock::now();
        go.store(true, std::memory_order_release);
        for (Value v = 1; v <= items; ++v) {
            push_spinning(*queue, v);
        }
        consumer_thread.join();
        intact = intact && stream_intact(items, items, sum);
        streamed += items;
        busy += last_pop - start;
    }
    if (!intact) {
        state.SkipWithError("exactly-once violated: checksum mismatch");
    }
    state.counters["items_per_second"] = per_second(streamed, busy);
}

template <class Queue>
void register_peer(bool throughput) {
    const std::string prefix = std::string("peer/") + Queue::name;
    if (throughput) {
        add(Suite::standard, prefix + "/shape:stream", peer_stream<Queue>, benchmark::kMillisecond);
        add(Suite::standard, prefix + "/shape:loop", peer_loop<Queue>, benchmark::kMillisecond);
        add(Suite::standard, prefix + "/shape:1p1c", peer_1p1c<Queue>, benchmark::kMillisecond);
    } else {
        add(Suite::standard, prefix + "/shape:pingpong", peer_pingpong<Queue>);
    }
}

}  // namespace

namespace {
const bool registered = register_family("peer", [] {
    for (const bool throughput : {false, true}) {
        register_peer<Moodycamel>(throughput);
#if WQ_HAVE_ATOMIC_QUEUE
        register_peer<AtomicQueue>(throughput);
#endif
        register_peer<BoostLockfree>(throughput);
#if WQ_HAVE_TBB
        register_peer<TbbBounded>(throughput);
#endif
    }
});
}  // namespace

}  // namespace wq::bench
