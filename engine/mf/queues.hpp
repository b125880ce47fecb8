// The MF layer's queues (wq/mfapi.hpp), internal to wq::mf.
//
// A queue takes a user's result (put_user) or the pump of a queue that runs on it (put_pump).
//  - PoolQueue: the item goes straight into an engine with its priority (Engine::put_priority: 0
//    is the engine's put, ±1 its side lanes) — a put on it costs what the engine's put costs, plus
//    the queue lookup and the callback's GetParameters. The platform queues share the platform's
//    engine; an allocated queue (MFAllocateWorkQueue(Ex), MFLockSharedWorkQueue) has an engine of
//    its own, as MF's has threads of its own, so its last unlock can wait for exactly its items.
//  - PumpedQueue: its entries wait in the layer's own lock-free inbox (a stack linked through
//    their OVERLAPPED: no allocation per put, one CAS per put), and one pump of it runs them on
//    its target: while it holds entries, exactly one pump is queued on the target or running, so
//    entries run one at a time. The inbox word holds the newest entry's address and two marks:
//    `scheduled` (the pump is queued or running; set by the push that finds it clear, which then
//    queues the pump) and `closed`. The pump takes the whole stack with one RMW into a FIFO of its
//    own and clears `scheduled` only with a CAS that sees the stack empty — so no entry is left
//    with no pump, and none is run by two. A run of the pump takes up to `pump_batch` entries
//    before it gives the thread back (fairness), so a stream pays one hand-off per batch, not per
//    item.
//      Order::put       — MFAllocateSerialWorkQueue: in put order, whatever the priorities; the
//                         pump waits at the priority of its oldest entry.
//      Order::priority  — a STANDARD queue on a back-end whose one worker does not run items in
//                         put order (BackendTraits::one_worker_fifo false): 1 before 0 before -1,
//                         FIFO within each.
// Closing a queue refuses user puts (MF_E_SHUTDOWN) but still accepts pumps: what a queue on it
// holds must drain. Draining waits until nothing it holds is pending; stopping then ends what it
// owns (its engine: drained and joined).
#pragma once

#include "wq/async_result.hpp"
#include "wq/detail/item_fifo.hpp"
#include "wq/detail/take_batching.hpp"
#include "wq/engine.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

namespace wq::mf_detail {

// What a queue holds is an MFASYNCRESULT: a user's result (AddRef'd while queued; run by invoking
// its callback), or the pump of a queue that runs on it (owned by that queue; its callback runs
// that queue's entries). Like the engine, the MF layer queues an item through its OVERLAPPED
// ("used internally to queue the work item"): InternalHigh links it, Offset holds its priority
// class, Internal its queued mark — so a put allocates nothing, and an item is on one queue at a
// time (a second put: MF_E_INVALIDREQUEST). OffsetHigh keeps its callback's GetParameters flags.
using Node = MFASYNCRESULT;

/// Priority classes, best first: MF's 1 (any positive), 0, -1 (any negative).
inline constexpr std::size_t rank_count = 3;
std::size_t rank_of(LONG priority) noexcept;
/// The MF priority a rank stands for, as put_priority takes it.
LONG priority_of(std::size_t rank) noexcept;

/// The most entries one run of a pump takes before it puts itself back on its target.
inline constexpr std::size_t pump_batch = 64;
/// How long a serial queue's pump that ran its queue empty waits (in cpu_pause rounds; one is
/// ~10 ns here) before it looks once more, and gives the thread back if nothing came — so a
/// stream pays a hand-off per batch, not per item, when the worker outruns the producer. The wait
/// adapts: a window that brought more than one entry (a stream) doubles it; one that brought one
/// (a request answered: a ping-pong) takes an eighth off it, one that brought none half; within
/// these bounds.
inline constexpr unsigned pump_linger_least = 16;
inline constexpr unsigned pump_linger_most = 1024;

/// Runs `F` when the scope ends, by exception too.
template <class F>
class OnExit {
public:
    explicit OnExit(F function) noexcept : function_(std::move(function)) {}
    OnExit(const OnExit&) = delete;
    OnExit& operator=(const OnExit&) = delete;
    ~OnExit() { function_(); }

private:
    F function_;
};

class Pump;

class Queue {
public:
    Queue() = default;
    Queue(const Queue&) = delete;
    Queue& operator=(const Queue&) = delete;
    virtual ~Queue() = default;

    /// Queues a user's result, validated, at priority class `rank`. Refused with MF_E_SHUTDOWN
    /// once the queue is closed; otherwise as the engine's put (queue-once, AddRef).
    virtual HRESULT put_user(Node* item, std::size_t rank) noexcept = 0;
    /// Queues the pump of a queue running on this one, at `rank`: always accepted (closed or
    /// not), so that what that queue holds drains. No reference is taken.
    virtual void put_pump(Pump* pump, std::size_t rank) noexcept = 0;

    /// From now on user puts are refused; what is pending still runs. Returns whether the queue
    /// held nothing pending of its own when it closed.
    virtual bool close() noexcept = 0;
    /// Returns once nothing the queue holds itself is pending (after close()). Never from one of
    /// the platform's own threads: the entries may need that thread.
    virtual void wait_drained() noexcept {}
    /// After wait_drained: ends what the queue owns (its engine: drained, its threads joined).
    virtual void stop() noexcept {}

    /// True if the calling thread is one of the queue's own (a worker of its engine).
    [[nodiscard]] virtual bool is_own_thread() const noexcept { return false; }
    /// True if what the queue holds runs on the platform's engine.
    [[nodiscard]] virtual bool on_platform_engine() const noexcept = 0;
    /// The engine of its own its items run on (its threads: MMCSS registers them), or nullptr.
    [[nodiscard]] virtual Engine* own_engine() noexcept { return nullptr; }
    /// The queue whose threads run its items: itself, or a serial queue's target's.
    [[nodiscard]] virtual Queue& runs_on() noexcept { return *this; }

    /// The id it was allocated with, while it lives (0: a platform queue, or closed by the last
    /// unlock). Read without the table's lock by the puts that look the queue up.
    [[nodiscard]] DWORD id() const noexcept { return id_.load(std::memory_order_acquire); }
    void set_id(DWORD id) noexcept { id_.store(id, std::memory_order_release); }

private:
    std::atomic<DWORD> id_{0};  // written under the platform's table lock
};

/// Runs a node: its callback's Invoke (a pump's runs its queue's entries), or its event when it has
/// no callback; then drops the queue's reference — by exception too (the exception goes on to the
/// engine, which counts and reports it).
void run_node(Node* node);

class PoolQueue final : public Queue {
public:
    /// Over the platform's engine (the platform queues).
    explicit PoolQueue(Engine& engine) noexcept : engine_(engine) {}
    /// Over an engine of its own (an allocated queue: "threads of its own").
    explicit PoolQueue(std::unique_ptr<Engine> own) noexcept
        : engine_(*own), own_engine_(std::move(own)) {}

    HRESULT put_user(Node* item, std::size_t rank) noexcept override;
    void put_pump(Pump* pump, std::size_t rank) noexcept override;
    bool close() noexcept override;
    void stop() noexcept override;
    [[nodiscard]] bool is_own_thread() const noexcept override;
    [[nodiscard]] bool on_platform_engine() const noexcept override { return !own_engine_; }
    [[nodiscard]] Engine* own_engine() noexcept override { return own_engine_.get(); }

private:
    Engine& engine_;
    std::unique_ptr<Engine> own_engine_;
    std::atomic<bool> closed_{false};
};

/// A pumped queue's stand-in on its target queue. Owned by the queue: no reference count.
class Pump final : public EmbeddedResult {
public:
    explicit Pump(class PumpedQueue* queue) noexcept;
    ULONG AddRef() override { return 1; }
    ULONG Release() override { return 1; }
    [[nodiscard]] PumpedQueue* queue() const noexcept { return queue_; }

private:
    PumpedQueue* queue_;
};

class PumpedQueue final : public Queue {
public:
    enum class Order { put, priority };

    /// Runs on `target`, which outlives it (a serial queue's user target is locked while it
    /// lives; platform queues live as long as the platform). Where the target runs on the
    /// platform's engine, `extra_dispatches` counts the entries its pump runs beyond one a run (so
    /// the engine's dispatched count plus it is the items run: Platform::counters).
    PumpedQueue(Queue& target, Order order, std::atomic<std::int64_t>* extra_dispatches) noexcept;
    /// Runs on a queue it owns (a STANDARD queue on a back-end that does not keep put order):
    /// stop() stops the target too.
    PumpedQueue(std::unique_ptr<Queue> own_target, Order order) noexcept;

    HRESULT put_user(Node* item, std::size_t rank) noexcept override;
    void put_pump(Pump* pump, std::size_t rank) noexcept override;
    bool close() noexcept override;
    void wait_drained() noexcept override;
    void stop() noexcept override;
    [[nodiscard]] bool is_own_thread() const noexcept override;
    [[nodiscard]] bool on_platform_engine() const noexcept override {
        return extra_dispatches_ != nullptr;
    }
    [[nodiscard]] Engine* own_engine() noexcept override {
        return own_target_ ? own_target_->own_engine() : nullptr;
    }
    [[nodiscard]] Queue& runs_on() noexcept override {
        return own_target_ ? *this : target_.runs_on();
    }

    /// The pump's run: up to pump_batch entries in order (Order::put: lingering a moment for more
    /// once the queue is empty), then the pump again if more wait.
    void run_batch();

private:
    /// Pushes `node`; false (and nothing queued) when the queue is closed and it is not a pump.
    bool enqueue(Node* node, bool pump) noexcept;
    /// The pump's: moves what the inbox holds into its own FIFO(s), oldest first; the count moved.
    std::size_t take_inbox() noexcept;
    /// The pump's: the next entry to run (the oldest, or the oldest of the best rank) without
    /// taking it, or nullptr if it holds none.
    [[nodiscard]] Node* next_taken() const noexcept;
    /// The pump's, after its queue ran empty: true if another came within the linger (looked at
    /// once, at its end, and taken); adapts the linger to what came.
    [[nodiscard]] bool linger() noexcept;
    /// After a batch of `ran` entries: the pump again if more wait, else unscheduled.
    void advance(std::size_t ran) noexcept;

    Queue& target_;
    std::unique_ptr<Queue> own_target_;
    const Order order_;
    std::atomic<std::int64_t>* const extra_dispatches_;  // nullptr: not on the platform's engine
    // The inbox word (above): the newest pushed entry | scheduled | closed. Its own line: the
    // producers' pushes and the pump's takes are the only traffic on it.
    alignas(cache_line_size) std::atomic<std::uintptr_t> inbox_{0};
    // The pump's own (one run at a time; the hand-off of `scheduled` orders one run before the
    // next): what it took from the inbox and has not yet run — Order::put's in taken_, in put
    // order; Order::priority's in fifos_, by rank.
    alignas(cache_line_size) detail::ItemFifo taken_;
    std::array<detail::ItemFifo, rank_count> fifos_;
    unsigned linger_pauses_ = pump_linger_least;
    detail::TakeBatching batching_;  // Order::put's takes while a stream comes in
    std::mutex drain_mutex_;         // with drained_: wait_drained's sleep, the last run's notify
    std::condition_variable drained_;
    Pump pump_;  // on the target while scheduled
};

}  // namespace wq::mf_detail
