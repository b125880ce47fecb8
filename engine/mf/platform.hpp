// The MF layer's platform (wq/mfapi.hpp), internal to wq::mf: one engine, the queues over it
// (queues.hpp, their ids in queue_table.hpp), the timers and waits (timers.hpp), periodic
// callbacks and the MMCSS bookkeeping. The Platform object API and MF's free functions
// (api.cpp) call into it.
#pragma once

#include "mmcss.hpp"
#include "queue_table.hpp"
#include "timers.hpp"

#include "wq/mfapi.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace wq::mf_detail {

/// MFAddPeriodicCallback's callbacks: their keys, each naming the timer item that ticks it and
/// the gate its ticks pass (so that a remove can promise no tick runs after it).
class PeriodicCallbacks {
public:
    explicit PeriodicCallbacks(Timers& timers) noexcept : timers_(timers) {}
    /// The first tick at once (as MF), then one every periodic_period_ms; a tick that finds the
    /// last one still queued is skipped. The context is held (AddRef) until removed.
    HRESULT add(MFPERIODICCALLBACK callback, IUnknown* context, DWORD* key) noexcept;
    /// S_OK: from outside its own tick, once it returns no tick is running and none will start;
    /// from its own tick, none starts after it. MF_E_NOT_FOUND: no such key.
    HRESULT remove(DWORD key) noexcept;

    /// One callback's ticks: each runs only while it is not removed.
    struct Gate {
        std::mutex mutex;
        std::condition_variable idle;
        bool removed = false;        // guarded by mutex
        std::thread::id running_on;  // guarded by mutex: the tick running, if any
    };

private:
    struct Registered {
        MFWORKITEM_KEY timer_key;
        std::shared_ptr<Gate> gate;
    };
    Timers& timers_;
    std::mutex mutex_;
    std::unordered_map<DWORD, Registered> keys_;  // guarded by mutex_
    DWORD last_ = 0;                              // guarded by mutex_
};

class PlatformState {
public:
    PlatformState(std::string_view backend, const Options& options);
    PlatformState(const PlatformState&) = delete;
    PlatformState& operator=(const PlatformState&) = delete;
    ~PlatformState() { (void)shutdown(); }

    Engine& engine() noexcept { return *engine_; }
    /// The engine's counters, `dispatched` counting the items run on it (Platform::counters).
    [[nodiscard]] EngineCounters counters() const noexcept;

    HRESULT allocate(MFASYNC_WORKQUEUE_TYPE type, DWORD* id) noexcept;
    HRESULT allocate_serial(DWORD target, DWORD* id) noexcept;
    HRESULT lock(DWORD id) noexcept;
    HRESULT unlock(DWORD id) noexcept;
    /// MFLockSharedWorkQueue; a class MMCSS knows registers the new queue's threads
    /// (mmcss.hpp) in task `*task_id` (0: a new one), which it writes back.
    HRESULT lock_shared(const wchar_t* usage_class, LONG base_priority, DWORD* task_id,
                        DWORD* id) noexcept;

    HRESULT put(DWORD id, LONG priority, IMFAsyncResult* result) noexcept;
    /// MFInvokeCallback: `result` onto the queue its callback's GetParameters names, at
    /// `priority` (MF's own is 0; a waiting item's, its own).
    HRESULT invoke_callback(IMFAsyncResult* result, LONG priority = 0) noexcept;

    HRESULT schedule(IMFAsyncResult* result, std::int64_t timeout, MFWORKITEM_KEY* key) noexcept;
    HRESULT schedule_after(IMFAsyncResult* result, std::chrono::nanoseconds delay,
                           MFWORKITEM_KEY* key) noexcept;
    HRESULT put_waiting(HANDLE event, LONG priority, IMFAsyncResult* result,
                        MFWORKITEM_KEY* key) noexcept;
    HRESULT cancel(MFWORKITEM_KEY key) noexcept { return timers_.cancel(key); }
    PeriodicCallbacks& periodic() noexcept { return periodic_; }

    // MMCSS (platform_mmcss.cpp): MFBeginRegisterWorkQueueWithMMCSSEx and the rest. A begin
    // completes at once: its done callback gets a result End reads the outcome from.
    HRESULT begin_register_mmcss(DWORD id, const wchar_t* usage_class, DWORD task, LONG priority,
                                 IMFAsyncCallback* done, IUnknown* state) noexcept;
    HRESULT begin_unregister_mmcss(DWORD id, IMFAsyncCallback* done, IUnknown* state) noexcept;
    /// MFEndRegisterWorkQueueWithMMCSS (`task` may be null: the unregister's end).
    static HRESULT end_mmcss(IMFAsyncResult* result, DWORD* task) noexcept;
    HRESULT mmcss_class(DWORD id, wchar_t* buffer, DWORD* length) noexcept;
    HRESULT mmcss_task(DWORD id, DWORD* task) noexcept;
    HRESULT mmcss_priority(DWORD id, LONG* priority) noexcept;
    HRESULT scheduling(DWORD id, WorkerScheduling* applied) noexcept;
    HRESULT register_platform_mmcss(const wchar_t* usage_class, DWORD* task,
                                    LONG priority) noexcept;
    HRESULT unregister_platform_mmcss() noexcept;
    /// Whose MMCSS registration covers queue `id`'s threads (nullptr: the platform's); fails as a
    /// put on it would.
    HRESULT mmcss_owner(DWORD id, Mmcss::Owner* owner) noexcept;

    /// True on a thread of one of the platform's engines (a callback).
    bool on_own_thread() noexcept;
    HRESULT shutdown() noexcept;
    bool shut_down() noexcept { return queues_.closed(); }

private:
    /// A queue with threads of its own: an engine of the platform's back-end with `workers`
    /// workers (a STANDARD queue: 1, ordered by the layer where the back-end's one worker does not
    /// keep put order).
    std::unique_ptr<Queue> make_own(unsigned workers) const;
    /// Admits `result` (marked queued: the queue-once rule) and gives it to `to_timers`; unmarks
    /// it if that fails.
    template <class ToTimers>
    HRESULT hold(IMFAsyncResult* result, const ToTimers& to_timers) noexcept;
    /// The engines whose threads are `owner`'s.
    std::vector<Engine*> mmcss_engines(Mmcss::Owner owner);
    /// Hands `done` a result carrying `status` and `task`, as MF's begin functions do.
    HRESULT complete(IMFAsyncCallback* done, IUnknown* state, HRESULT status, DWORD task) noexcept;

    std::string backend_;
    Options options_;
    bool one_worker_fifo_ = true;  // BackendTraits::one_worker_fifo of backend_
    std::unique_ptr<Engine> engine_;
    std::atomic<std::int64_t> extra_dispatches_{0};  // PumpedQueue's: entries beyond one a run
    QueueTable queues_;
    Queue* standard_ = nullptr;  // MFASYNC_CALLBACK_QUEUE_STANDARD's: a platform queue, own engine
    Mmcss mmcss_;
    Timers timers_;  // after the queues: destroyed (stopped) first, while the queues live
    PeriodicCallbacks periodic_{timers_};
};

}  // namespace wq::mf_detail
