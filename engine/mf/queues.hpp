// The MF layer's queues (wq/mfapi.hpp), internal to wq::mf.
//
// A queue takes a user's result (put_user) or the pump of a queue that runs on it (put_pump).
//  - PoolQueue: the item goes straight into an engine with its priority (Engine::put_priority: 0
//    is the engine's put, ±1 its side lanes) — a put on it costs what the engine's put costs, plus
//    the queue lookup and the callback's GetParameters. The platform queues share the platform's
//    engine; an allocated queue (MFAllocateWorkQueue(Ex), MFLockSharedWorkQueue) has an engine of
//    its own, as MF's has threads of its own, so its last unlock can wait for exactly its items.
//  - PumpedQueue: its entries wait in the layer's own FIFOs (linked through their OVERLAPPED: no
//    allocation per put), counted while pending, and one pump of it runs them on its target:
//    while it holds entries, exactly one pump is queued on the target or running, so entries run
//    one at a time. A run of the pump takes up to `pump_batch` entries before it gives the thread
//    back (fairness), so a stream pays one hand-off per batch, not per item.
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
#include "wq/detail/spin_mutex.hpp"
#include "wq/engine.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
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
    /// Appends `node`; false (and nothing queued) when the queue is closed and it is not a pump.
    bool enqueue(Node* node, bool pump) noexcept;
    /// Under mutex_: the next entry to run (the oldest, or the oldest of the best rank), or
    /// nullptr if none. Pops it.
    Node* pop_locked() noexcept;
    /// Under mutex_: the rank the pump waits at for the next entry; the queue must hold one.
    [[nodiscard]] std::size_t next_rank_locked() const noexcept;
    /// After its queue ran empty (`pushed` entries pushed so far): true if another came within
    /// the linger (looked at once, at its end); adapts the linger to what came.
    [[nodiscard]] bool linger(std::uint64_t pushed) noexcept;
    /// After a batch of `ran` entries: the pump again if more wait, else unscheduled.
    void advance(std::size_t ran) noexcept;

    Queue& target_;
    std::unique_ptr<Queue> own_target_;
    const Order order_;
    std::atomic<std::int64_t>* const extra_dispatches_;  // nullptr: not on the platform's engine
    // A spin lock: every critical section is a list push or pop, and a producer that met the
    // pump here would otherwise sleep in the kernel for a wait of nanoseconds.
    detail::SpinMutex mutex_;
    std::array<detail::ItemFifo, rank_count> fifos_;  // Order::priority's; guarded by mutex_
    detail::ItemStack stack_;                         // Order::put's, as pushed; guarded by mutex_
    // Order::put's, taken from stack_ and not yet run: the pump's own (one runs at a time; read by
    // an enqueue only while the pump is not scheduled).
    detail::ItemFifo taken_;
    std::size_t pending_ = 0;               // guarded by mutex_: entries queued or running
    std::atomic<std::uint64_t> pushed_{0};  // written under mutex_: entries pushed, for linger
    unsigned linger_pauses_ = pump_linger_least;  // the running pump's own (one runs at a time)
    bool scheduled_ = false;  // guarded by mutex_: the pump is on the target or running
    bool closed_ = false;     // guarded by mutex_
    std::condition_variable_any drained_;
    Pump pump_;  // on the target while scheduled_
};

}  // namespace wq::mf_detail
