// wq/detail/dispatch.hpp — the pieces every back-end shares: per-worker counters, the dispatch of
// one item, option validation and the "am I on this engine's worker?" check.
#pragma once

#include "wq/build_config.hpp"
#include "wq/config.hpp"
#include "wq/detail/inject.hpp"
#include "wq/engine.hpp"
#include "wq/event.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#if WQ_TSAN
extern "C" void __tsan_acquire(void* address);  // NOLINT(bugprone-reserved-identifier)
extern "C" void __tsan_release(void* address);  // NOLINT(bugprone-reserved-identifier)
#endif

namespace wq::detail {

#if WQ_TSAN
/// Tells ThreadSanitizer about a happens-before edge that an uninstrumented library (oneTBB's
/// task queue) provides: release on the producer before the hand-off, acquire on the worker after.
inline void tsan_release(void* address) noexcept {
    __tsan_release(address);
}
inline void tsan_acquire(void* address) noexcept {
    __tsan_acquire(address);
}
#else
inline void tsan_release(void* /*address*/) noexcept {}
inline void tsan_acquire(void* /*address*/) noexcept {}
#endif

/// Counters of one worker slot, on a line of their own so that workers never write to each other's
/// lines. With a single writer (a thread-per-worker back-end) the owner stores with load+store, no
/// locked RMW; where threads may share a slot (tbb) it is a relaxed-order fetch_add instead. Either
/// way the write is a release, pairing with the acquire loads in StatsArray — the tbb back-end's
/// shutdown waits on `dispatched` instead of joining threads.
struct alignas(cache_line_size) WorkerStats {
    std::atomic<std::uint64_t> dispatched{0};
    std::atomic<std::uint64_t> callback_failures{0};
    std::atomic<std::uint64_t> parks{0};
    std::atomic<std::uint64_t> wakeups{0};
    bool shared_writers = false;
    /// Loop rounds injected into each dispatch (wq/detail/inject.hpp; 0 in every real build).
    std::uint32_t injected_dispatch_loops = 0;

    void bump(std::atomic<std::uint64_t>& counter) const noexcept {
        if (shared_writers) {
            counter.fetch_add(1, std::memory_order_release);
        } else {
            counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_release);
        }
    }
};
static_assert(sizeof(WorkerStats) == cache_line_size);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

/// A fixed array of WorkerStats, one per worker slot.
class StatsArray {
public:
    enum class Writers : std::uint8_t { one_per_slot, shared };
    StatsArray(unsigned slots, Writers writers) : slots_(slots), stats_(new WorkerStats[slots]) {
        for (unsigned i = 0; i < slots; ++i) {
            stats_[i].shared_writers = writers == Writers::shared;
        }
    }
    WorkerStats& operator[](unsigned slot) noexcept { return stats_[slot]; }
    [[nodiscard]] unsigned size() const noexcept { return slots_; }
    /// The engine's counters: `put` as the engine counted it, the rest summed over every slot.
    [[nodiscard]] EngineCounters counters(std::uint64_t put) const noexcept;
    [[nodiscard]] std::uint64_t dispatched() const noexcept;

private:
    unsigned slots_;
    std::unique_ptr<WorkerStats[]> stats_;
};

/// Shutdown's wait for back-ends that cannot join their workers (tbb, mfplat): until `dispatched`
/// reaches `accepted`, sleeping with a backoff up to 1 ms. Ends: every accepted item is dispatched
/// (the contract) and nothing cancels one.
inline void wait_until_dispatched(const StatsArray& stats, std::uint64_t accepted) noexcept {
    auto pause = std::chrono::microseconds{1};
    while (stats.dispatched() < accepted) {
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds{1000});
    }
}

/// Checks what every back-end accepts and resolves workers = 0. Throws std::invalid_argument
/// naming the back-end, the field, the bad value and the accepted range.
Options resolve_options(std::string_view backend, const Options& options);

/// For a back-end registered NO_PINNING (its threads are placed by `owner`): throws
/// std::invalid_argument naming the back-end when `options` asks for worker_cpus.
void refuse_worker_cpus(std::string_view backend, const Options& options, std::string_view owner);

/// put's argument check, shared so every back-end answers bad input the same way.
inline HRESULT validate_item(const MFASYNCRESULT* item) noexcept {
    if (item == nullptr) {
        return E_POINTER;
    }
    if (item->pCallback == nullptr && item->hEvent == nullptr) {
        return E_INVALIDARG;
    }
    return S_OK;
}

inline HRESULT validate_items(std::span<MFASYNCRESULT* const> items) noexcept {
    for (const MFASYNCRESULT* item : items) {
        if (const HRESULT hr = validate_item(item); failed(hr)) {
            return hr;
        }
    }
    return S_OK;
}

// ---- The queue-once rule ------------------------------------------------------------------------
// MF's item carries an OVERLAPPED "used internally to queue the work item": an item is queued once
// at a time, on every back-end. overlapped.Internal holds item_pending (Windows' STATUS_PENDING,
// what the system stores in the OVERLAPPED of a pending operation) from the put that accepts the
// item until its dispatch begins. A put of an item still pending — queued by an earlier put, or
// twice in one bulk — is refused with MF_E_INVALIDREQUEST and changes nothing. The mark is cleared
// before the callback runs, so a callback may put its own item again.

inline constexpr std::uintptr_t item_pending = 0x103;

/// The item's pending mark (its OVERLAPPED's Internal), for atomic access.
inline std::atomic_ref<std::uintptr_t> pending_mark(MFASYNCRESULT* item) noexcept {
    static_assert(std::atomic_ref<std::uintptr_t>::required_alignment <= alignof(OVERLAPPED));
    return std::atomic_ref<std::uintptr_t>(item->overlapped.Internal);
}

/// Clears the marks of items that were marked but will not be queued after all.
inline void unmark_items(std::span<MFASYNCRESULT* const> items) noexcept {
    for (MFASYNCRESULT* item : items) {
        pending_mark(item).store(0, std::memory_order_relaxed);
    }
}

/// put's admission, shared so every back-end answers the same way: validates every item
/// (E_POINTER, E_INVALIDARG), then marks each pending; on an item already pending it clears the
/// marks it set and returns MF_E_INVALIDREQUEST. On S_OK the caller owns the marks: it queues the
/// items, or refuses them later (shutdown, no memory) and calls unmark_items on the ones it did not
/// queue.
inline HRESULT admit_items(std::span<MFASYNCRESULT* const> items) noexcept {
    if (const HRESULT hr = validate_items(items); failed(hr)) {
        return hr;
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
        // acquire, pairs with the release in invoke(): the last dispatch's use of the item (an
        // intrusive queue's link) happens-before this put reuses it.
        if (pending_mark(items[i]).exchange(item_pending, std::memory_order_acquire) ==
            item_pending) {
            unmark_items(items.first(i));
            return MF_E_INVALIDREQUEST;
        }
    }
    return S_OK;
}

inline HRESULT admit_item(MFASYNCRESULT* item) noexcept {
    return admit_items(std::span<MFASYNCRESULT* const>(&item, 1));
}

/// Reports a failed dispatch to the user's hook; an exception from the hook is swallowed (the
/// worker must survive it too).
void report_failure(const Options& options, MFASYNCRESULT* item, std::exception_ptr error) noexcept;

/// Runs one item: Invoke its callback, or signal hEvent when it has none. A throwing callback (or
/// an event that cannot be set) is counted and reported, never propagated.
inline void invoke(MFASYNCRESULT* item, WorkerStats& stats, const Options& options) noexcept {
    // The item leaves the queue: it may be put again from here on (the queue-once rule above).
    // release: a put that reads the cleared mark sees everything the queue did with the item.
    pending_mark(item).store(0, std::memory_order_release);
    if (IMFAsyncCallback* callback = item->pCallback; callback != nullptr) {
        try {
            callback->Invoke(item);
        } catch (...) {
            stats.bump(stats.callback_failures);
            report_failure(options, item, std::current_exception());
        }
    } else if (!set_event(item->hEvent)) {
        stats.bump(stats.callback_failures);
        report_failure(options, item, nullptr);
    }
}

/// Dispatches one accepted item: invoke, then the Release that balances put's AddRef. Never
/// throws. `dispatched` is bumped last, so a waiter that sees it may destroy the engine.
inline void dispatch(MFASYNCRESULT* item, WorkerStats& stats, const Options& options) noexcept {
    if constexpr (injecting_at_runtime) {  // gate-validation builds only (wq/detail/inject.hpp)
        if (const std::uint32_t loops = runtime_injected_loops(InjectPath::dispatch); loops != 0) {
            injected_work(loops);
        }
    } else if constexpr (injecting) {
        if (stats.injected_dispatch_loops != 0) {
            injected_work(stats.injected_dispatch_loops);
        }
    }
    invoke(item, stats, options);
    item->Release();
    stats.bump(stats.dispatched);
}

/// Which engine, if any, the calling thread is a worker of (for shutdown-from-callback detection).
const Engine* current_worker_engine() noexcept;

/// Marks the calling thread as a worker of `engine` for its lifetime (restores the previous mark).
class WorkerScope {
public:
    explicit WorkerScope(const Engine* engine) noexcept;
    WorkerScope(const WorkerScope&) = delete;
    WorkerScope& operator=(const WorkerScope&) = delete;
    ~WorkerScope();

private:
    const Engine* previous_;
};

/// Names the calling thread "wq-<backend>-<index>" where the OS allows (debuggers, top -H).
void name_this_thread(std::string_view backend, unsigned index) noexcept;

/// Restricts the calling thread to one CPU; false if the OS refused.
bool pin_this_thread(unsigned cpu) noexcept;

/// Lets the calling thread run on every CPU the process may use again.
void unpin_this_thread() noexcept;

/// A thread as the OS schedules it: which thread (Linux: its tid; Windows: its id) and how it was
/// scheduled when it recorded itself (this_thread_schedule, called by the thread).
struct ThreadSchedule {
    std::int64_t thread = 0;
    int policy = 0;    // Linux: SCHED_*; Windows: unused
    int priority = 0;  // Linux: the policy's priority; Windows: the thread priority
    int nice = 0;      // Linux only
};
ThreadSchedule this_thread_schedule() noexcept;
/// Schedules `thread` as `wanted` says (normal: back to how it was recorded). S_OK,
/// E_ACCESSDENIED (the OS refused), E_INVALIDARG (level out of range), E_UNEXPECTED (gone).
HRESULT set_thread_schedule(const ThreadSchedule& thread, const WorkerScheduling& wanted) noexcept;

/// An engine's own worker threads, for Engine::set_worker_scheduling: each records itself when it
/// starts; set() waits until all have, then schedules them all or none.
class WorkerSchedules {
public:
    explicit WorkerSchedules(unsigned workers) : threads_(workers) {}
    /// By worker `index`, first thing on its thread.
    void record(unsigned index) noexcept;
    HRESULT set(const WorkerScheduling& wanted) noexcept;

private:
    std::vector<ThreadSchedule> threads_;  // slot i written once by worker i before recorded_
    std::atomic<unsigned> recorded_{0};
    std::mutex mutex_;      // serialises set()
    WorkerScheduling now_;  // guarded by mutex_
};

/// What every worker thread does first: takes its name and, when Options::worker_cpus asks for
/// it, its CPU (worker `index` → worker_cpus[index % size]).
void start_worker_thread(std::string_view backend, unsigned index, const Options& options) noexcept;

}  // namespace wq::detail
