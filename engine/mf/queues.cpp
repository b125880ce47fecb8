// The MF layer's queues (queues.hpp).
#include "queues.hpp"

#include "wq/detail/dispatch.hpp"

#include <mutex>
#include <stdexcept>
#include <utility>

namespace wq::mf_detail {

std::size_t rank_of(LONG priority) noexcept {
    return priority > 0 ? 0 : priority == 0 ? 1 : 2;
}

LONG priority_of(std::size_t rank) noexcept {
    return 1 - static_cast<LONG>(rank);
}

namespace {

std::size_t rank_of_node(const Node* node) noexcept {
    return node->overlapped.Offset;
}
void set_rank(Node* node, std::size_t rank) noexcept {
    node->overlapped.Offset = static_cast<DWORD>(rank);
}

void run_pump(IMFAsyncResult* pump) {
    static_cast<Pump*>(static_cast<MFASYNCRESULT*>(pump))->queue()->run_batch();
}

/// The callback of every pump.
UncountedCallback<void (*)(IMFAsyncResult*)> pump_callback(&run_pump);

}  // namespace

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

// ---- PoolQueue

HRESULT PoolQueue::put_user(Node* item, std::size_t rank) noexcept {
    // relaxed: a put racing close() may get in; the engine runs what it accepted (an own engine
    // refuses once stop() began: MF_E_SHUTDOWN).
    if (closed_.load(std::memory_order_relaxed)) {
        return MF_E_SHUTDOWN;
    }
    return engine_.put_priority(item, priority_of(rank));
}

void PoolQueue::put_pump(Pump* pump, std::size_t rank) noexcept {
    // Cannot fail: an engine stops only after every queue running on it drained, and it has
    // nothing else that refuses (a pump is never queued twice: its queue's scheduled flag).
    (void)engine_.put_priority(pump, priority_of(rank));
}

bool PoolQueue::close() noexcept {
    closed_.store(true, std::memory_order_relaxed);
    return true;  // what it put is its engine's: stop() drains it
}

void PoolQueue::stop() noexcept {
    if (own_engine_) {
        (void)own_engine_->shutdown();  // drains what it accepted, joins its workers
    }
}

bool PoolQueue::is_own_thread() const noexcept {
    return own_engine_ && detail::current_worker_engine() == own_engine_.get();
}

// ---- PumpedQueue

Pump::Pump(PumpedQueue* queue) noexcept : queue_(queue) {
    pCallback = &pump_callback;
}

PumpedQueue::PumpedQueue(Queue& target, Order order,
                         std::atomic<std::int64_t>* extra_dispatches) noexcept
    : target_(target),
      order_(order),
      extra_dispatches_(target.on_platform_engine() ? extra_dispatches : nullptr),
      pump_(this) {}

PumpedQueue::PumpedQueue(std::unique_ptr<Queue> own_target, Order order) noexcept
    : target_(*own_target),
      own_target_(std::move(own_target)),
      order_(order),
      extra_dispatches_(nullptr),
      pump_(this) {}

HRESULT PumpedQueue::put_user(Node* item, std::size_t rank) noexcept {
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

void PumpedQueue::put_pump(Pump* pump, std::size_t rank) noexcept {
    set_rank(pump, rank);
    (void)enqueue(pump, true);  // a pump is always accepted
}

bool PumpedQueue::close() noexcept {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    return pending_ == 0;
}

void PumpedQueue::wait_drained() noexcept {
    std::unique_lock lock(mutex_);
    // Ends: a closed queue takes only pumps, of entries that were already pending somewhere.
    drained_.wait(lock, [this] { return pending_ == 0; });
}

void PumpedQueue::stop() noexcept {
    if (own_target_) {
        own_target_->stop();
    }
}

bool PumpedQueue::is_own_thread() const noexcept {
    return own_target_ && own_target_->is_own_thread();
}

bool PumpedQueue::enqueue(Node* node, bool pump) noexcept {
    {
        const std::lock_guard lock(mutex_);
        if (closed_ && !pump) {
            return false;
        }
        fifos_[order_ == Order::put ? 0 : rank_of_node(node)].push(node);
        ++pending_;
        if (scheduled_) {
            // The pump queued on the target will get to it. (Order::priority: a better entry than
            // the one the pump waits for does not move the pump up — on a queue of one thread
            // nothing else waits on the target.)
            return true;
        }
        scheduled_ = true;
        set_rank(&pump_, next_rank_locked());
    }
    target_.put_pump(&pump_, rank_of_node(&pump_));
    return true;
}

std::size_t PumpedQueue::next_rank_locked() const noexcept {
    if (order_ == Order::put) {
        return rank_of_node(fifos_[0].front());
    }
    std::size_t rank = 0;
    while (fifos_[rank].empty()) {
        ++rank;  // ends: the queue holds an entry
    }
    return rank;
}

Node* PumpedQueue::pop_locked() noexcept {
    for (detail::ItemFifo& fifo : fifos_) {
        if (!fifo.empty()) {
            return fifo.pop();
        }
    }
    return nullptr;
}

void PumpedQueue::run_batch() {
    std::size_t ran = 0;
    const OnExit next([this, &ran] { advance(ran); });
    if (order_ == Order::put) {
        // The entries queued now, in order, as long as each is of the pump's priority or better
        // (a worse one waits for the pump to be queued again at its own priority).
        const std::size_t pump_rank = rank_of_node(&pump_);
        detail::ItemFifo batch;
        {
            const std::lock_guard lock(mutex_);
            const std::size_t taken = fifos_[0].take_front(
                pump_batch, [pump_rank](const Node* at) { return rank_of_node(at) <= pump_rank; },
                batch);
            if (taken == 0) {
                // The oldest is worse than the pump's rank (the pump was queued for one that
                // has run): it runs now, alone.
                batch.push(fifos_[0].pop());
            }
        }
        try {
            while (!batch.empty()) {
                Node* node = batch.pop();
                ++ran;
                run_node(node);
            }
        } catch (...) {
            // The rest of the batch goes back before what came since, and runs after.
            const std::lock_guard lock(mutex_);
            fifos_[0].prepend(batch);
            throw;
        }
        return;
    }
    // Order::priority: one entry at a time, the best waiting one each time.
    while (ran < pump_batch) {
        Node* node = nullptr;
        {
            const std::lock_guard lock(mutex_);
            node = pop_locked();
        }
        if (node == nullptr) {
            return;
        }
        ++ran;
        run_node(node);
    }
}

void PumpedQueue::advance(std::size_t ran) noexcept {
    if (extra_dispatches_ != nullptr) {
        // relaxed: a count. Before the engine counts this run's dispatch (it counts last), so
        // the sum never runs ahead of the items that have run.
        extra_dispatches_->fetch_add(static_cast<std::int64_t>(ran) - 1, std::memory_order_relaxed);
    }
    bool more = false;
    {
        const std::lock_guard lock(mutex_);
        pending_ -= ran;
        more = pending_ != 0;
        if (more) {
            set_rank(&pump_, next_rank_locked());
        } else {
            scheduled_ = false;
            if (closed_) {
                drained_.notify_all();  // under the lock the waiter checks the count under
            }
        }
    }
    if (more) {
        target_.put_pump(&pump_, rank_of_node(&pump_));
    }
}

}  // namespace wq::mf_detail
