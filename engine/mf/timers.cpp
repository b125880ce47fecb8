// The table of scheduled and waiting items, the same on every OS (mf_timers.hpp).
#include "timers.hpp"

#include "wq/detail/dispatch.hpp"

#include <algorithm>
#include <new>
#include <system_error>
#include <vector>

namespace wq::mf_detail {

// ---- Reactor: the same on every OS

Reactor::Reactor(Timers& owner) : impl_(make_impl(owner)) {}

Reactor::~Reactor() {
    stop();
}

void Reactor::start() {
    if (!thread_.joinable()) {
        thread_ = std::thread([this] { run(); });
    }
}

void Reactor::stop() noexcept {
    if (thread_.joinable()) {
        tell_stop();
        thread_.join();
    }
}

// ---- Timers

Timers::Timers(HandOver hand_over, void* context)
    : hand_over_(hand_over), context_(context), reactor_(*this) {}

Timers::~Timers() {
    stop();
}

std::uint32_t Timers::hold_locked(const Entry& entry, MFWORKITEM_KEY& key) {
    std::uint32_t slot = free_slot_;
    if (slot == none) {
        if (slots_.size() >= none) {
            throw std::bad_alloc();  // 2^32 - 1 items held at once
        }
        slots_.emplace_back();
        slot = static_cast<std::uint32_t>(slots_.size() - 1);
    } else {
        free_slot_ = slots_[slot].next_free;
    }
    Slot& held = slots_[slot];
    held.entry = entry;
    if (++held.generation == 0) {
        held.generation = 1;  // keys are never 0
    }
    key = (static_cast<MFWORKITEM_KEY>(held.generation) << 32U) | slot;
    return slot;
}

std::uint32_t Timers::find_locked(MFWORKITEM_KEY key) const noexcept {
    const auto slot = static_cast<std::uint32_t>(key & 0xFFFF'FFFFU);
    return slot < slots_.size() && slots_[slot].entry.item != nullptr &&
                   slots_[slot].generation == static_cast<std::uint32_t>(key >> 32U)
               ? slot
               : none;
}

Timers::Entry Timers::release_locked(std::uint32_t slot) noexcept {
    Slot& held = slots_[slot];
    const Entry entry = held.entry;
    if (held.heap_index != none) {
        const std::size_t index = held.heap_index;
        const Due last = heap_.back();
        heap_.pop_back();
        if (index < heap_.size()) {
            place_locked(index, last);
            sift_up_locked(index);
            sift_down_locked(slots_[last.slot].heap_index);
        }
        held.heap_index = none;
    }
    held.entry = {};
    held.next_free = free_slot_;
    free_slot_ = slot;
    return entry;
}

void Timers::reserve_heap_locked() {
    if (heap_.size() == heap_.capacity()) {
        heap_.reserve(std::max<std::size_t>(64, 2 * heap_.capacity()));  // amortised O(1)
    }
}

void Timers::place_locked(std::size_t index, const Due& due) noexcept {
    heap_[index] = due;
    slots_[due.slot].heap_index = static_cast<std::uint32_t>(index);
}

void Timers::sift_up_locked(std::size_t index) noexcept {
    const Due moving = heap_[index];
    while (index > 0) {
        const std::size_t parent = (index - 1) / 2;
        if (!earlier(moving, heap_[parent])) {
            break;
        }
        place_locked(index, heap_[parent]);
        index = parent;
    }
    place_locked(index, moving);
}

void Timers::sift_down_locked(std::size_t index) noexcept {
    const Due moving = heap_[index];
    for (;;) {
        std::size_t child = 2 * index + 1;
        if (child >= heap_.size()) {
            break;
        }
        if (child + 1 < heap_.size() && earlier(heap_[child + 1], heap_[child])) {
            ++child;
        }
        if (!earlier(heap_[child], moving)) {
            break;
        }
        place_locked(index, heap_[child]);
        index = child;
    }
    place_locked(index, moving);
}

HRESULT Timers::schedule(MFASYNCRESULT* item, Clock::duration delay, MFWORKITEM_KEY* key) noexcept {
    return hold_until(item, delay, Clock::duration::zero(), key);
}

HRESULT Timers::add_periodic(MFASYNCRESULT* item, Clock::duration period,
                             MFWORKITEM_KEY* key) noexcept {
    return hold_until(item, Clock::duration::zero(), period, key);  // the first tick at once
}

template <class Hold>
HRESULT Timers::hold(const Hold& body) noexcept {
    try {
        const std::lock_guard lock(mutex_);
        if (stopped_) {
            return MF_E_SHUTDOWN;
        }
        reactor_.start();
        return body();
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    } catch (const std::system_error&) {
        return E_FAIL;  // no thread could be started
    }
}

HRESULT Timers::hold_until(MFASYNCRESULT* item, Clock::duration delay, Clock::duration period,
                           MFWORKITEM_KEY* key) noexcept {
    return hold([&] {
        reserve_heap_locked();  // what may throw comes before any change
        MFWORKITEM_KEY new_key = 0;
        const std::uint32_t slot = hold_locked(Entry{item, nullptr, 0, period}, new_key);
        const Clock::time_point due = Clock::now() + delay;
        heap_.push_back(Due{due, order_++, slot});
        sift_up_locked(heap_.size() - 1);
        item->AddRef();
        if (key != nullptr) {
            *key = new_key;
        }
        if (heap_.front().slot == slot) {
            reactor_.arm(due);  // the earliest now
        }
        return S_OK;
    });
}

HRESULT Timers::wait(HANDLE event, LONG priority, MFASYNCRESULT* item,
                     MFWORKITEM_KEY* key) noexcept {
    return hold([&] {
        MFWORKITEM_KEY new_key = 0;
        const std::uint32_t slot = hold_locked(Entry{item, nullptr, priority}, new_key);
        // Registered under the lock: a signal that comes at once finds the entry.
        Wait* wait = reactor_.add_wait(event, new_key);
        if (wait == nullptr) {
            (void)release_locked(slot);
            return E_INVALIDARG;  // not an event handle (or the OS is out of handles)
        }
        slots_[slot].entry.wait = wait;
        item->AddRef();
        if (key != nullptr) {
            *key = new_key;
        }
        return S_OK;
    });
}

Timers::Entry Timers::take_locked(MFWORKITEM_KEY key) noexcept {
    const std::uint32_t slot = find_locked(key);
    return slot == none ? Entry{} : release_locked(slot);
}

Timers::Entry Timers::cancel_locked(MFWORKITEM_KEY key) noexcept {
    const Entry entry = take_locked(key);
    if (entry.wait != nullptr) {
        reactor_.detach(entry.wait);
    }
    return entry;
}

HRESULT Timers::cancel(MFWORKITEM_KEY key) noexcept {
    Entry entry;
    {
        const std::lock_guard lock(mutex_);
        entry = cancel_locked(key);
    }
    if (entry.item == nullptr) {
        return MF_E_NOT_FOUND;
    }
    // An earlier arming of the reactor for this item stays: its wake-up finds nothing due.
    if (entry.wait != nullptr) {
        reactor_.release_unfired(entry.wait);
    }
    if (entry.period == Clock::duration::zero()) {
        detail::unmark_items({&entry.item, 1});  // a periodic item is marked only while queued
    }
    entry.item->Release();
    return S_OK;
}

void Timers::stop() noexcept {
    std::vector<Entry> left;
    {
        const std::lock_guard lock(mutex_);
        if (stopped_) {
            return;
        }
        stopped_ = true;
        // Scheduled ones by due time, then the waiting ones: throws only when out of memory,
        // terminate.
        std::vector<Due> by_due = heap_;
        std::sort(by_due.begin(), by_due.end(), earlier);
        for (const Due& due : by_due) {
            left.push_back(release_locked(due.slot));
        }
        for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
            if (slots_[slot].entry.item != nullptr) {
                reactor_.detach(slots_[slot].entry.wait);
                left.push_back(release_locked(slot));
            }
        }
    }
    reactor_.stop();
    {
        // A hand-over that took its item before the stop (a Windows wait callback) ends first.
        std::unique_lock lock(mutex_);
        handed_.wait(lock, [this] { return handing_ == 0; });
    }
    for (const Entry& entry : left) {
        if (entry.wait != nullptr) {
            reactor_.release_unfired(entry.wait);
        }
        if (entry.period != Clock::duration::zero()) {
            entry.item->Release();  // a periodic item: no more ticks
            continue;
        }
        entry.item->SetStatus(MF_E_SHUTDOWN);
        hand(entry.item, entry.priority);
    }
}

void Timers::on_timer() noexcept {
    std::vector<MFASYNCRESULT*> due_now;
    std::vector<MFASYNCRESULT*> ticks;
    {
        const std::lock_guard lock(mutex_);
        const Clock::time_point now = Clock::now();
        // Throws only when out of memory: terminate.
        while (!heap_.empty() && heap_.front().due <= now) {
            Slot& top = slots_[heap_.front().slot];
            if (top.entry.period == Clock::duration::zero()) {
                due_now.push_back(release_locked(heap_.front().slot).item);
                continue;
            }
            // A periodic item: due again one period on (from now if it fell a period behind).
            const Clock::time_point next = heap_.front().due + top.entry.period;
            heap_.front().due = next > now ? next : now + top.entry.period;
            heap_.front().order = order_++;
            sift_down_locked(0);
            top.entry.item->AddRef();  // for the hand-over, out of the lock
            ticks.push_back(top.entry.item);
        }
        if (!heap_.empty()) {
            reactor_.arm(heap_.front().due);
        }
        ++handing_;
    }
    for (MFASYNCRESULT* item : due_now) {
        hand(item, 0);
    }
    for (MFASYNCRESULT* item : ticks) {
        (void)hand_over_(context_, item, 0);  // refused while its last tick is queued: skipped
        item->Release();
    }
    handed();
}

void Timers::on_event(std::uint64_t tag) noexcept {
    std::vector<Entry> ready;
    {
        const std::lock_guard lock(mutex_);
        if (stopped_) {
            return;  // stop() hands everything over
        }
        released_.clear();
        reactor_.signalled(tag, released_);  // throws only when out of memory: terminate
        for (const MFWORKITEM_KEY key : released_) {
            if (const Entry entry = take_locked(key); entry.item != nullptr) {
                ready.push_back(entry);  // ditto
            }
            // else cancelled since the signal (Windows: the thread pool's callback was under way)
        }
        ++handing_;
    }
    for (const Entry& entry : ready) {
        reactor_.release_fired(entry.wait);
        hand(entry.item, entry.priority);
    }
    handed();
}

void Timers::handed() noexcept {
    const std::lock_guard lock(mutex_);
    if (--handing_ == 0) {
        handed_.notify_all();
    }
}

/// Hands `item` to its queue (its mark cleared first: the put marks it again) and drops the
/// table's reference. Refused only once the platform has shut down, after stop() handed over
/// everything held.
void Timers::hand(MFASYNCRESULT* item, LONG priority) noexcept {
    detail::unmark_items({&item, 1});
    (void)hand_over_(context_, item, priority);
    item->Release();
}

}  // namespace wq::mf_detail
