// The MF layer's queues (queues.hpp).
#include "queues.hpp"

#include "wq/detail/dispatch.hpp"

#include <algorithm>
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
        if (order_ == Order::put) {
            stack_.push(node);
        } else {
            fifos_[rank_of_node(node)].push(node);
        }
        ++pending_;
        // relaxed: a lingering pump's hint (linger); the entry itself is read under the lock.
        pushed_.store(pushed_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
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
        // taken_ is the pump's; read here only when the pump is not running (scheduling it) or
        // by the pump itself (advance).
        return rank_of_node(taken_.empty() ? stack_.oldest() : taken_.front());
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
        // The entries queued, taken all at once (the lock held for a swap, the chain put in order
        // outside it), run in order as long as each is of the pump's priority or better (a worse
        // one waits for the pump to be queued again at its own priority) — and, once none is
        // left, those that come while the pump lingers. What is taken and not run stays in
        // taken_, first for the next run (a throw leaves it there too).
        const std::size_t pump_rank = rank_of_node(&pump_);
        while (ran < pump_batch) {
            if (taken_.empty()) {
                MFASYNCRESULT* chain = nullptr;
                std::uint64_t pushed = 0;
                {
                    const std::lock_guard lock(mutex_);
                    chain = stack_.take();
                    pushed = pushed_.load(std::memory_order_relaxed);
                }
                taken_.append_chain(chain);
                if (taken_.empty()) {
                    if (!linger(pushed)) {
                        return;
                    }
                    continue;
                }
            }
            if (ran != 0 && rank_of_node(taken_.front()) > pump_rank) {
                return;  // a worse one next: the pump goes again at its rank
            }
            Node* node = taken_.pop();
            ++ran;
            run_node(node);
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

bool PumpedQueue::linger(std::uint64_t pushed) noexcept {
    // Pauses without touching the producers' lines (a poll would pull the line they write on
    // every push), then looks once: what came meanwhile is taken as one batch. relaxed: only a
    // hint to look again; the entries themselves are read under the lock.
    for (unsigned pauses = 0; pauses < linger_pauses_; ++pauses) {
        detail::cpu_pause();
    }
    const std::uint64_t came = pushed_.load(std::memory_order_relaxed) - pushed;
    // More than one entry a window is a stream: wait longer, for longer batches. One is a
    // request answered (a ping-pong), none an end: look sooner.
    if (came >= 2) {
        linger_pauses_ = std::min(linger_pauses_ * 2, pump_linger_most);
    } else {
        linger_pauses_ =
            std::max(linger_pauses_ - linger_pauses_ / (came == 1 ? 8 : 2), pump_linger_least);
    }
    return came != 0;
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
