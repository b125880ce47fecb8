// MF's work-queue API over an Engine (wq/mfapi.hpp).
//
// A queue takes a user's result (put_user) or the pump of a serial queue that targets it
// (put_pump).
//  - PoolQueue (multithreaded, and STANDARD on an engine of its own): the item goes straight into
//    its engine with its priority (Engine::put_priority: 0 is the engine's put, ±1 its side
//    lanes) — so a put on a queue costs what the engine's put costs, plus the queue lookup and
//    the callback's GetParameters. What it put is the engine's to run and drain.
//  - SerialQueue: one FIFO of entries, linked through their own OVERLAPPED (no allocation per
//    put), counted while pending. While it holds entries, exactly one pump of it waits on its
//    target queue, at the priority of its oldest entry; running the pump runs that entry, then
//    puts the pump again if more wait. So one at a time, in order, and no worker held while it is
//    empty; a serial queue may target another.
// Closing a queue refuses user puts (MF_E_SHUTDOWN) but still accepts pumps: what a serial queue
// holds must reach its target. Shutdown closes every queue, waits until no serial queue has
// anything pending, then shuts the engines down — drained, as the Engine contract drains.
#include "wq/mfapi.hpp"

#include "mf_timers.hpp"

#include "wq/detail/dispatch.hpp"
#include "wq/detail/item_fifo.hpp"
#include "wq/detail/spin_mutex.hpp"
#include "wq/event.hpp"

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wq {
namespace mf_detail {
namespace {

class SerialQueue;

/// Priority classes, best first: MF's 1 (any positive), 0, -1 (any negative).
std::size_t rank_of(LONG priority) noexcept {
    return priority > 0 ? 0 : priority == 0 ? 1 : 2;
}

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

// What a serial queue holds is an MFASYNCRESULT: a user's result (AddRef'd while queued; run by
// invoking its callback), or the pump of a serial queue that targets it (owned by that queue; its
// callback runs that queue's oldest item). Like the engine, the MF layer queues an item through
// its OVERLAPPED ("used internally to queue the work item"): InternalHigh links it, Offset holds
// its priority class, Internal its queued mark — so a put allocates nothing, and an item is on one
// queue at a time (a second put: MF_E_INVALIDREQUEST). OffsetHigh keeps its callback's
// GetParameters flags, on every queue.
using Node = MFASYNCRESULT;

std::size_t rank_of_node(const Node* node) noexcept {
    return node->overlapped.Offset;
}
void set_rank(Node* node, std::size_t rank) noexcept {
    node->overlapped.Offset = static_cast<DWORD>(rank);
}
/// The MF priority a rank stands for, as put_priority takes it.
LONG priority_of(std::size_t rank) noexcept {
    return 1 - static_cast<LONG>(rank);
}

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

    /// Queues the pump of a serial queue targeting this one, at `rank`: always accepted (closed or
    /// not), so that what the serial queue holds drains. No reference is taken.
    virtual void put_pump(Pump* pump, std::size_t rank) noexcept = 0;

    /// From now on user puts are refused; what is pending still runs.
    void close() noexcept {
        const std::lock_guard lock(mutex_);
        closed_.store(true, std::memory_order_relaxed);  // a serial queue reads it under the lock
    }

    /// After the drain: stops what the queue owns (a STANDARD queue's thread).
    virtual void stop() noexcept {}

    /// The id it was allocated with, while it lives (0: a platform queue, or closed by the last
    /// unlock). Read without the table's lock by the puts that look the queue up.
    [[nodiscard]] DWORD id() const noexcept { return id_.load(std::memory_order_acquire); }
    void set_id(DWORD id) noexcept { id_.store(id, std::memory_order_release); }

    /// True if the calling thread is one of the queue's own (a STANDARD queue's thread).
    [[nodiscard]] virtual bool is_own_thread() const noexcept { return false; }

    /// Returns once nothing the queue holds itself is pending (call after close()). A pool
    /// queue holds nothing: what it put is its engine's to drain.
    virtual void wait_drained() {}

protected:
    // A spin lock: every critical section is a list push or pop, and a producer that met a worker
    // here would otherwise sleep in the kernel for a wait of nanoseconds.
    detail::SpinMutex mutex_;
    std::atomic<bool> closed_{false};  // written under mutex_

private:
    std::atomic<DWORD> id_{0};  // written under the platform's table lock
};

/// Runs a node: its callback's Invoke (a pump's runs its serial queue's oldest item), or its
/// event when it has no callback; then drops the queue's reference — by exception too (the
/// exception goes on to the engine, which counts and reports it).
void run_node(Node* node) {
    const ComPtr<Node> held = ComPtr<Node>::adopt(node);
    // release: it may be put again from here on (its callback may do it), after our last use of
    // its OVERLAPPED.
    detail::pending_mark(node).store(0, std::memory_order_release);
    if (IMFAsyncCallback* callback = node->pCallback; callback != nullptr) {
        callback->Invoke(node);
    } else if (!set_event(node->hEvent)) {
        throw std::runtime_error("wq: a result without a callback has an event that cannot be set");
    }
}

void run_pump(IMFAsyncResult* pump);  // runs the pump's serial queue's oldest item

/// The callback of every pump.
UncountedCallback<void (*)(IMFAsyncResult*)> pump_callback(&run_pump);

class PoolQueue final : public Queue {
public:
    /// Over the platform's engine.
    explicit PoolQueue(Engine& engine) noexcept : engine_(engine) {}
    /// Over an engine of its own (MF's STANDARD queue: "a thread of its own").
    explicit PoolQueue(std::unique_ptr<Engine> own) noexcept
        : engine_(*own), own_engine_(std::move(own)) {}

    void stop() noexcept override {
        if (own_engine_) {
            (void)own_engine_->shutdown();
        }
    }
    [[nodiscard]] bool is_own_thread() const noexcept override {
        return own_engine_ && detail::current_worker_engine() == own_engine_.get();
    }

    HRESULT put_user(Node* item, std::size_t rank) noexcept override {
        // relaxed: a put racing close() may get in; the engine runs what it accepted.
        if (closed_.load(std::memory_order_relaxed)) {
            return MF_E_SHUTDOWN;
        }
        return engine_.put_priority(item, priority_of(rank));
    }

    void put_pump(Pump* pump, std::size_t rank) noexcept override;

private:
    Engine& engine_;
    std::unique_ptr<Engine> own_engine_;
};

/// A serial queue's stand-in on its target queue. Owned by the serial queue: no reference count.
class Pump final : public EmbeddedResult {
public:
    explicit Pump(SerialQueue* serial) noexcept : serial_(serial) { pCallback = &pump_callback; }
    ULONG AddRef() override { return 1; }
    ULONG Release() override { return 1; }
    [[nodiscard]] SerialQueue* serial() const noexcept { return serial_; }

private:
    SerialQueue* serial_;
};

class SerialQueue final : public Queue {
public:
    explicit SerialQueue(Queue& target) noexcept : target_(target), pump_(this) {}

    HRESULT put_user(Node* item, std::size_t rank) noexcept override {
        if (const HRESULT hr = detail::admit_item(item); failed(hr)) {
            return hr;  // already queued
        }
        set_rank(item, rank);
        item->AddRef();
        if (!enqueue(item, false)) {
            item->Release();
            detail::unmark_items({&item, 1});
            return MF_E_SHUTDOWN;
        }
        return S_OK;
    }

    void put_pump(Pump* pump, std::size_t rank) noexcept override;

    void wait_drained() override {
        std::unique_lock lock(mutex_);
        // Ends: a closed queue takes only pumps, of entries that were already pending somewhere.
        drained_.wait(lock, [this] { return pending_ == 0; });
    }

    /// The pump's run: the oldest item, then the pump again if more wait.
    void run_head() {
        Node* node = nullptr;
        {
            const std::lock_guard lock(mutex_);
            node = fifo_.pop();
        }
        const OnExit next([this] { advance(); });
        run_node(node);
    }

private:
    void advance() noexcept {
        bool more = false;
        {
            const std::lock_guard lock(mutex_);
            more = !fifo_.empty();
            if (more) {
                set_rank(&pump_, rank_of_node(fifo_.front()));
            } else {
                scheduled_ = false;
            }
            if (--pending_ == 0 && closed_.load(std::memory_order_relaxed)) {
                drained_.notify_all();  // under the lock the waiter checks the count under
            }
        }
        if (more) {
            target_.put_pump(&pump_, rank_of_node(&pump_));
        }
    }

    /// Appends `node`; false (and nothing queued) when the queue is closed and it is not a pump.
    bool enqueue(Node* node, bool pump) noexcept {
        {
            const std::lock_guard lock(mutex_);
            if (closed_.load(std::memory_order_relaxed) && !pump) {  // under close()'s lock
                return false;
            }
            fifo_.push(node);
            ++pending_;
            if (scheduled_) {
                return true;  // the pump waiting on the target will get to it
            }
            scheduled_ = true;
            set_rank(&pump_, rank_of_node(node));
        }
        target_.put_pump(&pump_, rank_of_node(&pump_));
        return true;
    }

    Queue& target_;
    detail::ItemFifo fifo_;    // guarded by mutex_
    std::size_t pending_ = 0;  // guarded by mutex_: entries queued or running
    std::condition_variable_any drained_;
    bool scheduled_ = false;  // guarded by mutex_: the pump is on the target or running
    Pump pump_;               // on the target while scheduled_
};

void run_pump(IMFAsyncResult* pump) {
    static_cast<Pump*>(static_cast<MFASYNCRESULT*>(pump))->serial()->run_head();
}

void PoolQueue::put_pump(Pump* pump, std::size_t rank) noexcept {
    // Cannot fail: the engine shuts down only after every serial queue drained, and it has
    // nothing else that refuses (a pump is never queued twice: its queue's scheduled flag).
    (void)engine_.put_priority(pump, priority_of(rank));
}

void SerialQueue::put_pump(Pump* pump, std::size_t rank) noexcept {
    set_rank(pump, rank);
    (void)enqueue(pump, true);  // a pump is always accepted
}

bool is_platform_queue(DWORD id) noexcept {
    return (id & MFASYNC_CALLBACK_QUEUE_PRIVATE_MASK) == 0;
}

}  // namespace

class PlatformState {
public:
    PlatformState(std::string_view backend, const Options& options)
        : backend_(backend),
          options_(options),
          engine_(make_engine(backend, options)),
          timers_(
              [](void* self, MFASYNCRESULT* item, LONG priority) {
                  return static_cast<PlatformState*>(self)->invoke_callback(item, priority);
              },
              this) {
        auto pool = [this] { return own(std::make_unique<PoolQueue>(*engine_)); };
        platform_[MFASYNC_CALLBACK_QUEUE_MULTITHREADED] = pool();
        platform_[MFASYNC_CALLBACK_QUEUE_RT] = pool();
        platform_[MFASYNC_CALLBACK_QUEUE_IO] = pool();
        platform_[MFASYNC_CALLBACK_QUEUE_TIMER] = pool();
        platform_[MFASYNC_CALLBACK_QUEUE_LONG_FUNCTION] = pool();
        platform_[MFASYNC_CALLBACK_QUEUE_STANDARD] = own(make_standard());
    }
    PlatformState(const PlatformState&) = delete;
    PlatformState& operator=(const PlatformState&) = delete;
    ~PlatformState() { (void)shutdown(); }

    Engine& engine() noexcept { return *engine_; }

    /// The live queue `id` names, or nullptr.
    Queue* find(DWORD id) noexcept {
        if (is_platform_queue(id)) {
            return id < platform_.size() ? platform_[id] : nullptr;
        }
        // No lock: a put on an allocated queue reads two atomics (its slot, the queue's id).
        const DWORD index = (id >> 16) - 1;
        const Chunk* chunk = chunks_[index / chunk_size].load(std::memory_order_acquire);
        if (chunk == nullptr) {
            return nullptr;
        }
        Queue* queue = (*chunk)[index % chunk_size].load(std::memory_order_acquire);
        // The queue object outlives its id (owned_): at worst a put racing the last unlock
        // meets the closed queue.
        return queue != nullptr && queue->id() == id ? queue : nullptr;
    }

    HRESULT allocate(MFASYNC_WORKQUEUE_TYPE type, DWORD* id) noexcept {
        if (id == nullptr) {
            return E_POINTER;
        }
        *id = MFASYNC_CALLBACK_QUEUE_UNDEFINED;
        if (type == MF_WINDOW_WORKQUEUE) {
            return E_NOTIMPL;  // no message loop here: README, "Porting MF work-queue code"
        }
        if (type != MF_STANDARD_WORKQUEUE && type != MF_MULTITHREADED_WORKQUEUE) {
            return E_INVALIDARG;
        }
        try {
            const std::lock_guard lock(table_mutex_);
            if (shut_down_) {
                return MF_E_SHUTDOWN;
            }
            Queue* queue = type == MF_MULTITHREADED_WORKQUEUE
                               ? own(std::make_unique<PoolQueue>(*engine_))
                               : own(make_standard());
            return add_slot(queue, 0, id);
        } catch (const std::bad_alloc&) {
            return E_OUTOFMEMORY;
        } catch (const std::exception&) {
            return E_FAIL;  // the back-end could not start another engine
        }
    }

    HRESULT allocate_serial(DWORD target, DWORD* id) noexcept {
        if (id == nullptr) {
            return E_POINTER;
        }
        *id = MFASYNC_CALLBACK_QUEUE_UNDEFINED;
        try {
            const std::lock_guard lock(table_mutex_);
            if (shut_down_) {
                return MF_E_SHUTDOWN;
            }
            Queue* target_queue = nullptr;
            if (is_platform_queue(target)) {
                target_queue = target < platform_.size() ? platform_[target] : nullptr;
            } else if (Slot* slot = slot_of(target); slot != nullptr) {
                target_queue = slot->queue;
                ++slot->locks;  // the serial queue holds its target until it closes
            }
            if (target_queue == nullptr) {
                return MF_E_INVALID_WORKQUEUE;
            }
            Queue* queue = own(std::make_unique<SerialQueue>(*target_queue));
            return add_slot(queue, is_platform_queue(target) ? 0 : target, id);
        } catch (const std::bad_alloc&) {
            return E_OUTOFMEMORY;
        }
    }

    HRESULT lock(DWORD id) noexcept {
        if (is_platform_queue(id)) {
            return S_OK;  // MF: platform queues are always there
        }
        const std::lock_guard lock(table_mutex_);
        Slot* slot = slot_of(id);
        if (slot == nullptr) {
            return MF_E_INVALID_WORKQUEUE;
        }
        ++slot->locks;
        return S_OK;
    }

    HRESULT unlock(DWORD id) noexcept {
        if (is_platform_queue(id)) {
            return S_OK;
        }
        const std::lock_guard lock(table_mutex_);
        return unlock_locked(id);
    }

    HRESULT lock_shared(const wchar_t* usage_class, DWORD* task_id, DWORD* id) noexcept {
        if (usage_class == nullptr || id == nullptr) {
            return E_POINTER;
        }
        if (task_id != nullptr) {
            *task_id = 0;  // no MMCSS task here
        }
        try {
            const std::lock_guard lock(table_mutex_);
            if (shut_down_) {
                return MF_E_SHUTDOWN;
            }
            const std::wstring name(usage_class);
            if (auto found = shared_.find(name); found != shared_.end()) {
                if (Slot* slot = slot_of(found->second); slot != nullptr) {
                    ++slot->locks;
                    *id = found->second;
                    return S_OK;
                }
            }
            const HRESULT hr = add_slot(own(std::make_unique<PoolQueue>(*engine_)), 0, id);
            if (succeeded(hr)) {
                shared_[name] = *id;
            }
            return hr;
        } catch (const std::bad_alloc&) {
            return E_OUTOFMEMORY;
        }
    }

    HRESULT put(DWORD id, LONG priority, IMFAsyncResult* result) noexcept {
        if (result == nullptr) {
            return E_POINTER;
        }
        Queue* queue = find(id);
        if (queue == nullptr) {
            return shut_down() ? MF_E_SHUTDOWN : MF_E_INVALID_WORKQUEUE;
        }
        auto* item =
            static_cast<MFASYNCRESULT*>(result);  // MF's own cast: results are MFASYNCRESULTs
        if (const HRESULT hr = detail::validate_item(item); failed(hr)) {
            return hr;  // no callback and no event
        }
        DWORD flags = 0;
        DWORD queue_id = 0;
        if (item->pCallback == nullptr ||
            failed(item->pCallback->GetParameters(&flags, &queue_id))) {
            flags = 0;
        }
        // Kept with the item. Before the queue-once check: a result put twice is the same
        // result, its callback the same, so a refused put rewrites the same flags.
        item->overlapped.OffsetHigh = flags;
        return queue->put_user(item, rank_of(priority));
    }

    /// MFInvokeCallback: `result` onto the queue its callback's GetParameters names, at
    /// `priority` (MF's own is 0; a waiting item's, its own).
    HRESULT invoke_callback(IMFAsyncResult* result, LONG priority = 0) noexcept {
        if (result == nullptr) {
            return E_POINTER;
        }
        auto* item = static_cast<MFASYNCRESULT*>(result);
        DWORD flags = 0;
        DWORD id = MFASYNC_CALLBACK_QUEUE_STANDARD;
        if (item->pCallback == nullptr || failed(item->pCallback->GetParameters(&flags, &id)) ||
            find(id) == nullptr) {
            id = MFASYNC_CALLBACK_QUEUE_STANDARD;
        }
        return put(id, priority, result);
    }

    HRESULT schedule(IMFAsyncResult* result, std::int64_t timeout, MFWORKITEM_KEY* key) noexcept {
        // MF: a negative timeout is a delay in ms; a positive one, an absolute time, is long past.
        // (Beyond ~70 years, a delay is as good as forever: clamped, so the clock cannot wrap.)
        constexpr std::int64_t longest_ms = std::int64_t{1} << 41;
        const std::int64_t delay_ms =
            timeout < 0 ? (timeout < -longest_ms ? longest_ms : -timeout) : 0;
        return schedule_after(result, std::chrono::milliseconds{delay_ms}, key);
    }

    HRESULT schedule_after(IMFAsyncResult* result, std::chrono::nanoseconds delay,
                           MFWORKITEM_KEY* key) noexcept {
        if (delay.count() < 0) {
            return E_INVALIDARG;
        }
        return hold(result,
                    [&](MFASYNCRESULT* item) { return timers_.schedule(item, delay, key); });
    }

    HRESULT put_waiting(HANDLE event, LONG priority, IMFAsyncResult* result,
                        MFWORKITEM_KEY* key) noexcept {
        return hold(result,
                    [&](MFASYNCRESULT* item) { return timers_.wait(event, priority, item, key); });
    }

    /// Admits `result` (marked queued: the queue-once rule) and gives it to `to_timers`; unmarks
    /// it if that fails.
    template <class ToTimers>
    HRESULT hold(IMFAsyncResult* result, const ToTimers& to_timers) noexcept {
        if (result == nullptr) {
            return E_POINTER;
        }
        auto* item = static_cast<MFASYNCRESULT*>(result);
        if (const HRESULT hr = detail::admit_item(item); failed(hr)) {
            return hr;  // no callback and no event, or queued already
        }
        const HRESULT hr = to_timers(item);
        if (failed(hr)) {
            detail::unmark_items({&item, 1});
        }
        return hr;
    }

    HRESULT cancel(MFWORKITEM_KEY key) noexcept { return timers_.cancel(key); }

    /// MFAddPeriodicCallback: `callback(context)` every period, each tick an item put as
    /// MFInvokeCallback would (its callback names no queue: the STANDARD queue, as Wine's).
    HRESULT add_periodic(MFPERIODICCALLBACK callback, IUnknown* context, DWORD* key) noexcept {
        if (callback == nullptr) {
            return E_POINTER;
        }
        try {
            ComPtr<IUnknown> held = ComPtr<IUnknown>::share(context);
            auto tick = make_callback(
                [callback, held](IMFAsyncResult* /*result*/) { callback(held.get()); });
            IMFAsyncResult* result = nullptr;
            if (const HRESULT hr = wq::MFCreateAsyncResult(context, tick.get(), nullptr, &result);
                failed(hr)) {
                return hr;
            }
            const ComPtr<IMFAsyncResult> owned = ComPtr<IMFAsyncResult>::adopt(result);
            const std::lock_guard lock(periodic_mutex_);
            MFWORKITEM_KEY timer_key = 0;
            if (const HRESULT hr = timers_.add_periodic(static_cast<MFASYNCRESULT*>(result),
                                                        periodic_period, &timer_key);
                failed(hr)) {
                return hr;
            }
            if (++last_periodic_ == 0) {
                last_periodic_ = 1;
            }
            periodic_.emplace(last_periodic_, timer_key);
            if (key != nullptr) {
                *key = last_periodic_;
            }
            return S_OK;
        } catch (const std::bad_alloc&) {
            return E_OUTOFMEMORY;
        }
    }

    /// MFRemovePeriodicCallback: no tick starts after it returns S_OK (one under way may finish).
    HRESULT remove_periodic(DWORD key) noexcept {
        MFWORKITEM_KEY timer_key = 0;
        {
            const std::lock_guard lock(periodic_mutex_);
            const auto found = periodic_.find(key);
            if (found == periodic_.end()) {
                return MF_E_NOT_FOUND;
            }
            timer_key = found->second;
            periodic_.erase(found);
        }
        return timers_.cancel(timer_key);
    }

    /// True on a worker of one of the platform's engines (a callback).
    bool on_own_thread() noexcept {
        if (detail::current_worker_engine() == engine_.get()) {
            return true;
        }
        const std::lock_guard lock(table_mutex_);
        for (const auto& queue : owned_) {
            if (queue->is_own_thread()) {
                return true;
            }
        }
        return false;
    }

    HRESULT shutdown() noexcept {
        if (on_own_thread()) {
            return E_ILLEGAL_METHOD_CALL;  // a callback cannot wait for its own queues
        }
        timers_.stop();  // first: what is scheduled or waiting is handed to the queues, which
                         // still take it
        std::vector<Queue*> queues;
        {
            const std::lock_guard lock(table_mutex_);
            if (shut_down_) {
                return S_OK;
            }
            shut_down_ = true;
            for (const auto& queue : owned_) {
                queues.push_back(queue.get());
            }
        }
        for (Queue* queue : queues) {
            queue->close();
        }
        for (Queue* queue : queues) {
            queue->wait_drained();
        }
        for (Queue* queue : queues) {
            queue->stop();
        }
        return engine_->shutdown();
    }

    bool shut_down() noexcept {
        const std::lock_guard lock(table_mutex_);
        return shut_down_;
    }

private:
    struct Slot {
        Queue* queue = nullptr;  // nullptr: free
        ULONG locks = 0;
        DWORD target = 0;  // a serial queue's user target (unlocked when it closes), or 0
        std::uint16_t generation = 0;
    };

    /// MF's STANDARD queue: a thread of its own (an engine of the same back-end, one worker).
    std::unique_ptr<Queue> make_standard() {
        Options one = options_;
        one.workers = 1;
        return std::make_unique<PoolQueue>(make_engine(backend_, one));
    }

    Queue* own(std::unique_ptr<Queue> queue) {
        owned_.push_back(std::move(queue));
        return owned_.back().get();
    }

    // Ids of allocated queues: (slot index + 1) << 16 | generation — never a platform id (the
    // high word is not 0), and a stale id of a reused slot does not match its new generation.
    Slot* slot_of(DWORD id) noexcept {
        const DWORD index = (id >> 16) - 1;
        if (index >= slots_.size()) {
            return nullptr;
        }
        Slot& slot = slots_[index];
        return slot.queue != nullptr && slot.generation == (id & 0xFFFF) ? &slot : nullptr;
    }

    HRESULT add_slot(Queue* queue, DWORD target, DWORD* id) {
        std::size_t index = 0;
        while (index < slots_.size() && slots_[index].queue != nullptr) {
            ++index;
        }
        if (index == slots_.size()) {
            if (slots_.size() == max_slots) {
                return E_OUTOFMEMORY;  // as MF when it runs out of queue handles
            }
            slots_.emplace_back();
        }
        if (++generation_ == 0) {
            generation_ = 1;
        }
        slots_[index] = {queue, 1, target, generation_};
        *id = static_cast<DWORD>(((index + 1) << 16) | generation_);
        std::atomic<Chunk*>& chunk = chunks_[index / chunk_size];
        if (chunk.load(std::memory_order_relaxed) == nullptr) {
            chunk_store_.push_back(std::make_unique<Chunk>());
            chunk.store(chunk_store_.back().get(), std::memory_order_release);
        }
        queue->set_id(*id);  // before the queue is published: a reader that finds it sees its id
        (*chunk.load(std::memory_order_relaxed))[index % chunk_size].store(
            queue, std::memory_order_release);
        return S_OK;
    }

    HRESULT unlock_locked(DWORD id) noexcept {
        Slot* slot = slot_of(id);
        if (slot == nullptr) {
            return MF_E_INVALID_WORKQUEUE;
        }
        if (--slot->locks != 0) {
            return S_OK;
        }
        // The last unlock: the id dies now; what the queue holds still runs. The queue object
        // stays (owned_) until the platform goes: a pump may still point at it.
        slot->queue->close();
        slot->queue->set_id(0);
        const DWORD target = slot->target;
        const auto index = static_cast<std::size_t>(slot - slots_.data());
        (*chunks_[index / chunk_size].load(std::memory_order_relaxed))[index % chunk_size].store(
            nullptr, std::memory_order_release);
        slot->queue = nullptr;
        if (target != 0) {
            (void)unlock_locked(target);
        }
        return S_OK;
    }

    static constexpr std::size_t max_slots = 0xFFFE;
    // The readers' copy of each slot's queue, in chunks that never move once made.
    static constexpr std::size_t chunk_size = 256;
    using Chunk = std::array<std::atomic<Queue*>, chunk_size>;
    static_assert(chunk_size * chunk_size > max_slots);

    std::string backend_;
    Options options_;
    std::unique_ptr<Engine> engine_;
    std::mutex table_mutex_;
    std::array<Queue*, MFASYNC_CALLBACK_QUEUE_LONG_FUNCTION + 1> platform_{};  // by id; set once
    std::vector<std::unique_ptr<Queue>> owned_;             // guarded by table_mutex_
    std::vector<Slot> slots_;                               // guarded by table_mutex_
    std::array<std::atomic<Chunk*>, chunk_size> chunks_{};  // written under table_mutex_
    std::vector<std::unique_ptr<Chunk>> chunk_store_;       // guarded by table_mutex_
    std::map<std::wstring, DWORD> shared_;                  // guarded by table_mutex_
    std::uint16_t generation_ = 0;                          // guarded by table_mutex_
    bool shut_down_ = false;                                // guarded by table_mutex_
    /// MF's period for periodic callbacks (MFGetTimerPeriodicity).
    static constexpr std::chrono::milliseconds periodic_period{periodic_period_ms};
    std::mutex periodic_mutex_;
    std::unordered_map<DWORD, MFWORKITEM_KEY> periodic_;  // guarded by periodic_mutex_
    DWORD last_periodic_ = 0;                             // guarded by periodic_mutex_
    Timers timers_;  // last: destroyed (stopped) first, while the queues live
};

}  // namespace mf_detail

// ---- Platform (the object API)

Platform::Platform(std::string_view backend, const Options& options)
    : state_(std::make_unique<mf_detail::PlatformState>(backend, options)) {}
Platform::~Platform() = default;

HRESULT Platform::AllocateWorkQueue(DWORD* queue) noexcept {
    return state_->allocate(MF_STANDARD_WORKQUEUE, queue);
}
HRESULT Platform::AllocateWorkQueueEx(MFASYNC_WORKQUEUE_TYPE type, DWORD* queue) noexcept {
    return state_->allocate(type, queue);
}
HRESULT Platform::AllocateSerialWorkQueue(DWORD target, DWORD* queue) noexcept {
    return state_->allocate_serial(target, queue);
}
HRESULT Platform::LockWorkQueue(DWORD queue) noexcept {
    return state_->lock(queue);
}
HRESULT Platform::UnlockWorkQueue(DWORD queue) noexcept {
    return state_->unlock(queue);
}
HRESULT Platform::LockSharedWorkQueue(const wchar_t* usage_class, LONG /*base_priority*/,
                                      DWORD* task_id, DWORD* queue) noexcept {
    return state_->lock_shared(usage_class, task_id, queue);
}
HRESULT Platform::PutWorkItem(DWORD queue, IMFAsyncCallback* callback, IUnknown* state) noexcept {
    return PutWorkItem2(queue, 0, callback, state);
}
HRESULT Platform::PutWorkItem2(DWORD queue, LONG priority, IMFAsyncCallback* callback,
                               IUnknown* state) noexcept {
    if (callback == nullptr) {
        return E_POINTER;
    }
    const ComPtr<AsyncResult> result = AsyncResult::create(callback, state);
    if (!result) {
        return E_OUTOFMEMORY;
    }
    return state_->put(queue, priority, result.get());
}
HRESULT Platform::PutWorkItemEx(DWORD queue, IMFAsyncResult* result) noexcept {
    return state_->put(queue, 0, result);
}
HRESULT Platform::PutWorkItemEx2(DWORD queue, LONG priority, IMFAsyncResult* result) noexcept {
    return state_->put(queue, priority, result);
}
HRESULT Platform::InvokeCallback(IMFAsyncResult* result) noexcept {
    return state_->invoke_callback(result);
}
HRESULT Platform::ScheduleWorkItem(IMFAsyncCallback* callback, IUnknown* state,
                                   std::int64_t timeout, MFWORKITEM_KEY* key) noexcept {
    IMFAsyncResult* result = nullptr;
    if (const HRESULT hr = wq::MFCreateAsyncResult(nullptr, callback, state, &result); failed(hr)) {
        return hr;
    }
    const HRESULT hr = state_->schedule(result, timeout, key);
    result->Release();  // the timer table holds its own while the item is scheduled
    return hr;
}
HRESULT Platform::ScheduleWorkItemEx(IMFAsyncResult* result, std::int64_t timeout,
                                     MFWORKITEM_KEY* key) noexcept {
    return state_->schedule(result, timeout, key);
}
HRESULT Platform::ScheduleWorkItemAfter(IMFAsyncResult* result, std::chrono::nanoseconds delay,
                                        MFWORKITEM_KEY* key) noexcept {
    return state_->schedule_after(result, delay, key);
}
HRESULT Platform::AddPeriodicCallback(MFPERIODICCALLBACK callback, IUnknown* context,
                                      DWORD* key) noexcept {
    return state_->add_periodic(callback, context, key);
}
HRESULT Platform::RemovePeriodicCallback(DWORD key) noexcept {
    return state_->remove_periodic(key);
}
HRESULT Platform::PutWaitingWorkItem(HANDLE event, LONG priority, IMFAsyncResult* result,
                                     MFWORKITEM_KEY* key) noexcept {
    return state_->put_waiting(event, priority, result, key);
}
HRESULT Platform::CancelWorkItem(MFWORKITEM_KEY key) noexcept {
    return state_->cancel(key);
}
HRESULT Platform::Shutdown() noexcept {
    return state_->shutdown();
}
Engine& Platform::engine() noexcept {
    return state_->engine();
}

// ---- The process-wide platform (MF's free functions)

namespace {

std::mutex global_mutex;
ULONG global_startups = 0;  // guarded by global_mutex
std::atomic<Platform*> global_platform{nullptr};
// Platforms shut down stay allocated until the process ends: a call racing MFShutdown on another
// thread may still hold the pointer, and must get MF_E_SHUTDOWN, not freed memory.
std::vector<std::unique_ptr<Platform>>& retired_platforms() {
    static std::vector<std::unique_ptr<Platform>> retired;
    return retired;
}

Platform* platform() noexcept {
    // acquire, pairs with the release in MFStartupOn: the platform is fully built.
    return global_platform.load(std::memory_order_acquire);
}

}  // namespace

HRESULT MFStartupOn(std::string_view backend, const Options& options) noexcept {
    const std::lock_guard lock(global_mutex);
    if (global_startups != 0) {
        ++global_startups;
        return S_OK;
    }
    try {
        retired_platforms().push_back(std::make_unique<Platform>(backend, options));
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    } catch (const std::invalid_argument&) {
        return E_INVALIDARG;
    } catch (const std::exception&) {
        return E_FAIL;  // the back-end cannot run here (make_engine's reason)
    }
    global_platform.store(retired_platforms().back().get(), std::memory_order_release);
    ++global_startups;
    return S_OK;
}

HRESULT MFStartup(ULONG version, DWORD /*flags*/) noexcept {
    if (version != MF_VERSION) {
        return MF_E_BAD_STARTUP_VERSION;
    }
    const char* backend = std::getenv("WQ_MF_BACKEND");  // NOLINT(concurrency-mt-unsafe)
    return MFStartupOn(backend != nullptr && *backend != '\0' ? backend : "native");
}

HRESULT MFShutdown() noexcept {
    Platform* last = nullptr;
    {
        const std::lock_guard lock(global_mutex);
        Platform* current = platform();
        if (global_startups == 0 || current == nullptr) {
            return S_OK;  // as MF: nothing to shut down
        }
        if (detail::current_worker_engine() == &current->engine()) {
            return E_ILLEGAL_METHOD_CALL;
        }
        if (--global_startups == 0) {
            last = current;
            global_platform.store(nullptr, std::memory_order_release);
        }
    }
    return last == nullptr ? S_OK : last->Shutdown();
}

namespace {
/// Calls `member` on the process-wide platform, or returns MF_E_SHUTDOWN without one.
template <class Call>
HRESULT on_platform(const Call& call) noexcept {
    Platform* current = platform();
    return current == nullptr ? MF_E_SHUTDOWN : call(*current);
}
}  // namespace

HRESULT MFAllocateWorkQueue(DWORD* queue) noexcept {
    return on_platform([&](Platform& p) { return p.AllocateWorkQueue(queue); });
}
HRESULT MFAllocateWorkQueueEx(MFASYNC_WORKQUEUE_TYPE type, DWORD* queue) noexcept {
    return on_platform([&](Platform& p) { return p.AllocateWorkQueueEx(type, queue); });
}
HRESULT MFAllocateSerialWorkQueue(DWORD target, DWORD* queue) noexcept {
    return on_platform([&](Platform& p) { return p.AllocateSerialWorkQueue(target, queue); });
}
HRESULT MFLockWorkQueue(DWORD queue) noexcept {
    return on_platform([&](Platform& p) { return p.LockWorkQueue(queue); });
}
HRESULT MFUnlockWorkQueue(DWORD queue) noexcept {
    return on_platform([&](Platform& p) { return p.UnlockWorkQueue(queue); });
}
HRESULT MFLockSharedWorkQueue(const wchar_t* usage_class, LONG base_priority, DWORD* task_id,
                              DWORD* queue) noexcept {
    return on_platform([&](Platform& p) {
        return p.LockSharedWorkQueue(usage_class, base_priority, task_id, queue);
    });
}
HRESULT MFPutWorkItem(DWORD queue, IMFAsyncCallback* callback, IUnknown* state) noexcept {
    return on_platform([&](Platform& p) { return p.PutWorkItem(queue, callback, state); });
}
HRESULT MFPutWorkItem2(DWORD queue, LONG priority, IMFAsyncCallback* callback,
                       IUnknown* state) noexcept {
    return on_platform(
        [&](Platform& p) { return p.PutWorkItem2(queue, priority, callback, state); });
}
HRESULT MFPutWorkItemEx(DWORD queue, IMFAsyncResult* result) noexcept {
    return on_platform([&](Platform& p) { return p.PutWorkItemEx(queue, result); });
}
HRESULT MFPutWorkItemEx2(DWORD queue, LONG priority, IMFAsyncResult* result) noexcept {
    return on_platform([&](Platform& p) { return p.PutWorkItemEx2(queue, priority, result); });
}
HRESULT MFInvokeCallback(IMFAsyncResult* result) noexcept {
    return on_platform([&](Platform& p) { return p.InvokeCallback(result); });
}

HRESULT MFScheduleWorkItem(IMFAsyncCallback* callback, IUnknown* state, std::int64_t timeout,
                           MFWORKITEM_KEY* key) noexcept {
    return on_platform(
        [&](Platform& p) { return p.ScheduleWorkItem(callback, state, timeout, key); });
}
HRESULT MFScheduleWorkItemEx(IMFAsyncResult* result, std::int64_t timeout,
                             MFWORKITEM_KEY* key) noexcept {
    return on_platform([&](Platform& p) { return p.ScheduleWorkItemEx(result, timeout, key); });
}
HRESULT MFAddPeriodicCallback(MFPERIODICCALLBACK callback, IUnknown* context, DWORD* key) noexcept {
    return on_platform([&](Platform& p) { return p.AddPeriodicCallback(callback, context, key); });
}
HRESULT MFRemovePeriodicCallback(DWORD key) noexcept {
    return on_platform([&](Platform& p) { return p.RemovePeriodicCallback(key); });
}
HRESULT MFGetTimerPeriodicity(DWORD* periodicity) noexcept {
    if (periodicity == nullptr) {
        return E_POINTER;
    }
    *periodicity = periodic_period_ms;
    return S_OK;
}
HRESULT MFPutWaitingWorkItem(HANDLE event, LONG priority, IMFAsyncResult* result,
                             MFWORKITEM_KEY* key) noexcept {
    return on_platform(
        [&](Platform& p) { return p.PutWaitingWorkItem(event, priority, result, key); });
}
HRESULT MFCancelWorkItem(MFWORKITEM_KEY key) noexcept {
    return on_platform([&](Platform& p) { return p.CancelWorkItem(key); });
}

HRESULT MFCreateAsyncResult(IUnknown* object, IMFAsyncCallback* callback, IUnknown* state,
                            IMFAsyncResult** result) noexcept {
    if (result == nullptr) {
        return E_POINTER;
    }
    ComPtr<AsyncResult> created = AsyncResult::create(callback, state, object);
    if (!created) {
        *result = nullptr;
        return E_OUTOFMEMORY;
    }
    *result = created.detach();
    return S_OK;
}

}  // namespace wq
