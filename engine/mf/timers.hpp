// The MF layer's scheduled and waiting items (MFScheduleWorkItem(Ex), MFPutWaitingWorkItem,
// MFCancelWorkItem), internal to the engine library.
//
// Timers keeps the table, the same on every OS: every held item in a slot its key names (found in
// O(1)), the scheduled ones also in a binary min-heap by due time (FIFO among equal ones) — so a
// schedule is O(log n) at worst in the items pending (O(1) on average for random due times) and
// a cancel O(log n). An item
// leaves the table under its lock, once: by its due time or its event (then it is handed to its
// queue, outside the lock), by a cancel (S_OK: it never runs) or by shutdown (handed over with
// status MF_E_SHUTDOWN). So a cancel either removes it first or finds it gone (MF_E_NOT_FOUND: it
// runs) — never both, never neither.
//
// A Reactor is what each OS gives it (mf_timers_linux.cpp, mf_timers_windows.cpp): one thread that
// wakes at the earliest due time and on a waited event.
//  - Linux: epoll over a timerfd (CLOCK_MONOTONIC, absolute; re-armed by whoever makes an earlier
//    item the earliest, with no wake-up of the thread) and one registration per waited event (a
//    wq::Event is an eventfd), whatever the number of items waiting on it.
//  - Windows: a thread sleeping on a condition variable until the earliest due time; waits are the
//    system thread pool's (one TP_WAIT per waiting item).
#pragma once

#include "wq/mfapi.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace wq::mf_detail {

class Timers;
struct Wait;  // one waiting item's registration, the OS's

class Reactor {
public:
    using Clock = std::chrono::steady_clock;

    /// Throws std::system_error when the OS refuses its handles.
    explicit Reactor(Timers& owner);
    ~Reactor();  // stop()s
    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    // Under the owner's lock:
    /// Starts the thread if it is not running. Throws std::system_error.
    void start();
    /// Calls owner.on_timer() at `due` (or at once if it has passed), instead of any earlier
    /// arming.
    void arm(Clock::time_point due) noexcept;
    /// Registers `key`'s wait on `event`; nullptr when the handle is not an event or the OS
    /// refuses. When the event is signalled, owner.on_event(tag) is called.
    Wait* add_wait(HANDLE event, MFWORKITEM_KEY key) noexcept;
    /// For on_event: appends the keys whose waits the signal behind `tag` releases (an
    /// auto-reset event's signal is taken by one, the oldest; a manual-reset event releases
    /// all). Their waits are detached.
    void signalled(std::uint64_t tag, std::vector<MFWORKITEM_KEY>& released);
    /// Detaches a wait that did not fire (cancel, shutdown).
    void detach(Wait* wait) noexcept;

    // Out of the owner's lock:
    /// Frees a wait that fired (from on_event).
    void release_fired(Wait* wait) noexcept;
    /// Frees a detached wait that did not fire: when it returns, no on_event for it runs.
    void release_unfired(Wait* wait) noexcept;
    /// Ends the thread (joined): no on_timer or on_event runs from it after. Idempotent.
    void stop() noexcept;

private:
    // What each OS supplies (timers_linux.cpp, timers_windows.cpp); the thread's start, stop and
    // the object's life are the same everywhere (timers.cpp).
    struct Impl;
    struct ImplDeleter {
        void operator()(Impl* impl) const noexcept;
    };
    static Impl* make_impl(Timers& owner);  // throws std::system_error
    /// The thread's body: waits and calls the owner until told to stop.
    void run() noexcept;
    /// Tells the thread to stop (it returns from run() soon after).
    void tell_stop() noexcept;

    std::unique_ptr<Impl, ImplDeleter> impl_;
    std::thread thread_;
};

class Timers {
public:
    using Clock = Reactor::Clock;
    /// Hands a due or signalled item to its queue, at `priority`.
    using HandOver = HRESULT (*)(void* context, MFASYNCRESULT* item, LONG priority);

    Timers(HandOver hand_over, void* context);  // throws std::system_error (Reactor)
    ~Timers();
    Timers(const Timers&) = delete;
    Timers& operator=(const Timers&) = delete;

    /// Holds `item` (a reference; its queued mark is the caller's) until `delay` has passed.
    HRESULT schedule(MFASYNCRESULT* item, Clock::duration delay, MFWORKITEM_KEY* key) noexcept;
    /// Hands `item` over every `period` (the first time at once, as MF) until it is
    /// cancelled. The table holds a reference but no queued mark: a tick that finds the item still
    /// queued from the last one is skipped. Shutdown drops it (no MF_E_SHUTDOWN hand-over).
    HRESULT add_periodic(MFASYNCRESULT* item, Clock::duration period, MFWORKITEM_KEY* key) noexcept;
    /// Holds `item` until `event` is signalled, then hands it over at `priority`.
    HRESULT wait(HANDLE event, LONG priority, MFASYNCRESULT* item, MFWORKITEM_KEY* key) noexcept;
    /// S_OK: the item was held and will not run (its reference and mark dropped); MF_E_NOT_FOUND:
    /// no item is held under `key`.
    HRESULT cancel(MFWORKITEM_KEY key) noexcept;
    /// Shutdown's first step: every item still held is handed over now, with status
    /// MF_E_SHUTDOWN (completed, not dropped); later schedules and waits are refused. Idempotent.
    void stop() noexcept;

    // The reactor's calls, from its thread (or the OS's wait callbacks).
    void on_timer() noexcept;
    void on_event(std::uint64_t tag) noexcept;

private:
    /// What one held item leaves the table with.
    struct Entry {
        MFASYNCRESULT* item = nullptr;  // nullptr: nothing held under the key
        Wait* wait = nullptr;           // a waiting item's; nullptr for a scheduled one
        LONG priority = 0;
        Clock::duration period{};  // a periodic item's; zero for one held once
    };
    static constexpr std::uint32_t none = ~std::uint32_t{0};
    /// One held item, or a free slot. A key is (generation << 32) | slot: found in O(1), and a
    /// stale key (its item gone, its slot reused) does not match the slot's generation.
    struct Slot {
        Entry entry;
        std::uint32_t generation = 0;
        std::uint32_t heap_index = none;  // a scheduled item's place in heap_
        std::uint32_t next_free = none;
    };
    /// A scheduled item in the heap: the earliest due (then the first scheduled) on top.
    struct Due {
        Clock::time_point due;
        std::uint64_t order;  // schedules in the order made, among equal due times
        std::uint32_t slot;
    };

    /// Runs `body` (which holds an item) under mutex_ once the platform is known to be running
    /// and the reactor started; out of memory and no thread become HRESULTs.
    template <class Hold>
    HRESULT hold(const Hold& body) noexcept;
    /// schedule and add_periodic: holds `item` in the heap, due `delay` from now.
    HRESULT hold_until(MFASYNCRESULT* item, Clock::duration delay, Clock::duration period,
                       MFWORKITEM_KEY* key) noexcept;
    /// Under mutex_: a new slot for `entry`, its key out. Throws std::bad_alloc.
    std::uint32_t hold_locked(const Entry& entry, MFWORKITEM_KEY& key);
    /// Under mutex_: the slot `key` names, or none.
    [[nodiscard]] std::uint32_t find_locked(MFWORKITEM_KEY key) const noexcept;
    /// Under mutex_: takes `slot`'s entry out of the table (and out of the heap).
    Entry release_locked(std::uint32_t slot) noexcept;
    /// Under mutex_: takes `key`'s entry out of the table, or returns an empty one.
    Entry take_locked(MFWORKITEM_KEY key) noexcept;
    /// take_locked, and a waiting item's wait detached.
    Entry cancel_locked(MFWORKITEM_KEY key) noexcept;
    // The heap (under mutex_): a binary min-heap of Due, each slot knowing its place.
    [[nodiscard]] static bool earlier(const Due& a, const Due& b) noexcept {
        return a.due < b.due || (a.due == b.due && a.order < b.order);
    }
    /// Room for one more in heap_, growing it geometrically. Throws std::bad_alloc.
    void reserve_heap_locked();
    void place_locked(std::size_t index, const Due& due) noexcept;
    void sift_up_locked(std::size_t index) noexcept;
    void sift_down_locked(std::size_t index) noexcept;
    void hand(MFASYNCRESULT* item, LONG priority) noexcept;
    /// Ends a hand-over counted in handing_.
    void handed() noexcept;

    HandOver hand_over_;
    void* context_;
    std::mutex mutex_;
    std::vector<Slot> slots_;               // guarded by mutex_
    std::uint32_t free_slot_ = none;        // guarded by mutex_: the free slots' list
    std::vector<Due> heap_;                 // guarded by mutex_
    std::uint64_t order_ = 0;               // guarded by mutex_
    bool stopped_ = false;                  // guarded by mutex_
    int handing_ = 0;                       // guarded by mutex_: hand-overs under way
    std::vector<MFWORKITEM_KEY> released_;  // guarded by mutex_: on_event's scratch
    std::condition_variable handed_;
    Reactor reactor_;  // last: stopped first
};

}  // namespace wq::mf_detail
