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

namespace {

// The inbox word (queues.hpp): the newest entry's address, `scheduled` and `closed` in its low
// bits (an entry is pointer-aligned).
constexpr std::uintptr_t scheduled_bit = 1;
constexpr std::uintptr_t closed_bit = 2;
constexpr std::uintptr_t mark_bits = scheduled_bit | closed_bit;
static_assert(alignof(Node) > mark_bits);
Node* entries_of(std::uintptr_t word) noexcept {
    return reinterpret_cast<Node*>(word & ~mark_bits);  // NOLINT
}
std::uintptr_t word_of(const Node* newest) noexcept {
    return reinterpret_cast<std::uintptr_t>(newest);  // NOLINT
}
void set_next(Node* node, const Node* next) noexcept {
    node->overlapped.InternalHigh = word_of(next);
}

}  // namespace

bool PumpedQueue::close() noexcept {
    // One word with the pushes: a push lands before this (and is drained) or sees it (refused).
    const std::uintptr_t before = inbox_.fetch_or(closed_bit, std::memory_order_acq_rel);
    return (before & scheduled_bit) == 0;
}

void PumpedQueue::wait_drained() noexcept {
    std::unique_lock lock(drain_mutex_);
    // Ends: a closed queue takes only pumps, of entries that were already pending somewhere; the
    // run that clears `scheduled` of a closed queue notifies under this mutex (advance). acquire:
    // what the last run did happens-before our return.
    drained_.wait(lock,
                  [this] { return (inbox_.load(std::memory_order_acquire) & scheduled_bit) == 0; });
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
    // relaxed: a first look; the CAS decides.
    std::uintptr_t word = inbox_.load(std::memory_order_relaxed);
    do {
        if ((word & closed_bit) != 0 && !pump) {
            return false;
        }
        set_next(node, entries_of(word));
        // release: the entry and its link happen-before the pump's take (acquire); acquire: the
        // run that cleared `scheduled` happens-before the pump we queue below. Ends: a CAS fails
        // only when another push or a take changed the word.
    } while (!inbox_.compare_exchange_weak(word,
                                           word_of(node) | (word & closed_bit) | scheduled_bit,
                                           std::memory_order_acq_rel, std::memory_order_relaxed));
    if ((word & scheduled_bit) == 0) {
        // This push scheduled the pump, and its entry is the only one: the pump waits at its rank.
        // (Order::priority: a better entry pushed later does not move the pump up — on a queue of
        // one thread nothing else waits on the target.) The pump is ours until it is queued.
        set_rank(&pump_, rank_of_node(node));
        target_.put_pump(&pump_, rank_of_node(node));
    }
    return true;
}

std::size_t PumpedQueue::take_inbox() noexcept {
    // relaxed: a look, so that finding it empty only reads the producers' line.
    std::uintptr_t word = inbox_.load(std::memory_order_relaxed);
    if (entries_of(word) == nullptr) {
        return 0;
    }
    // acquire, pairs with the push's release: the entries and their links are visible. Keeps
    // `scheduled` (the pump is running) and `closed`.
    word = inbox_.fetch_and(mark_bits, std::memory_order_acquire);
    Node* chain = entries_of(word);
    if (order_ == Order::put) {
        return taken_.append_chain(chain);
    }
    detail::ItemFifo in_order;
    const std::size_t count = in_order.append_chain(chain);
    while (!in_order.empty()) {
        Node* node = in_order.pop();
        fifos_[rank_of_node(node)].push(node);
    }
    return count;
}

Node* PumpedQueue::next_taken() const noexcept {
    if (order_ == Order::put) {
        return taken_.front();
    }
    for (const detail::ItemFifo& fifo : fifos_) {
        if (!fifo.empty()) {
            return fifo.front();
        }
    }
    return nullptr;
}

void PumpedQueue::run_batch() {
    std::size_t ran = 0;
    const OnExit next([this, &ran] { advance(ran); });
    if (order_ == Order::put) {
        // The entries queued, taken all at once (one RMW on the inbox, the chain put in order
        // after it), run in order as long as each is of the pump's priority or better (a worse
        // one waits for the pump to be queued again at its own priority) — and, once none is
        // left, those that come while the pump lingers. What is taken and not run stays in
        // taken_, first for the next run (a throw leaves it there too).
        const std::size_t pump_rank = rank_of_node(&pump_);
        while (ran < pump_batch) {
            if (taken_.empty()) {
                batching_.before_take();
                const std::size_t took = take_inbox();
                batching_.after_take(took);
                if (took == 0) {
                    if (!linger()) {
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
    // Order::priority: one entry at a time, the best waiting one each time (what came since the
    // last one is looked at first).
    while (ran < pump_batch) {
        (void)take_inbox();
        Node* node = next_taken();
        if (node == nullptr) {
            return;
        }
        fifos_[rank_of_node(node)].pop();
        ++ran;
        run_node(node);
    }
}

bool PumpedQueue::linger() noexcept {
    // Pauses without touching the producers' line (a poll would pull the line they write on
    // every push), then looks once: what came meanwhile is taken as one batch.
    for (unsigned pauses = 0; pauses < linger_pauses_; ++pauses) {
        detail::cpu_pause();
    }
    const std::size_t came = take_inbox();
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
    std::uintptr_t word = 0;
    for (;;) {  // ends: a CAS fails only when a push (or the close) came; the pump then looks again
        if (next_taken() != nullptr || take_inbox() != 0) {
            const std::size_t rank = rank_of_node(next_taken());
            set_rank(&pump_, rank);
            target_.put_pump(&pump_, rank);
            return;
        }
        // relaxed: the CAS decides.
        word = inbox_.load(std::memory_order_relaxed);
        if (entries_of(word) != nullptr) {
            continue;  // came since the take
        }
        // release: this run happens-before the push that schedules the next one (acquire), and
        // before wait_drained's return (acquire).
        if (inbox_.compare_exchange_strong(word, word & closed_bit, std::memory_order_acq_rel,
                                           std::memory_order_relaxed)) {
            break;
        }
    }
    if ((word & closed_bit) != 0) {
        // Under the mutex wait_drained checks the word under: it is asleep or has not looked.
        const std::lock_guard lock(drain_mutex_);
        drained_.notify_all();
    }
}

}  // namespace wq::mf_detail
