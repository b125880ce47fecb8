// wq/mfapi.hpp — Media Foundation's work-queue API over any wq back-end: the same function names
// and signatures as <mfapi.h>, in namespace wq, so MF code ports by qualifying its calls.
//
// A Platform owns one engine (the back-end chosen by name) and the queues built on it:
//   - the platform queues (MFASYNC_CALLBACK_QUEUE_MULTITHREADED, _IO, _RT, _TIMER,
//     _LONG_FUNCTION: each a multithreaded queue with priorities over the engine's workers;
//     _STANDARD: a queue with a thread of its own, as MF's);
//   - queues the caller allocates: MFAllocateWorkQueueEx(MF_MULTITHREADED_WORKQUEUE) and
//     MFLockSharedWorkQueue (one per class name): threads of their own (an engine of the same
//     back-end, the platform's worker count); MFAllocateWorkQueue / MF_STANDARD_WORKQUEUE (a
//     thread of its own: one worker, in put order on every back-end), MFAllocateSerialWorkQueue
//     (serial on any queue, serial ones included).
// Semantics, on every back-end:
//   - priorities (MFPutWorkItem2, MFPutWorkItemEx2): the engine's (Engine::put_priority): among
//     items waiting, 1 (any positive) runs before 0 before -1 (any negative). A steady stream of
//     higher-priority items starves lower ones (MF promises nothing else).
//   - a serial queue runs its items in the order they were put, one at a time, whatever their
//     priorities; it occupies no worker while it has nothing to run: while it has items, one
//     "pump" of it waits on its target queue, at the priority of its oldest item.
//   - MFInvokeCallback puts the result, at priority 0, on the queue its callback's GetParameters
//     names — MFASYNC_CALLBACK_QUEUE_STANDARD when GetParameters fails or names no live queue (as
//     Wine does); the flags are read and kept with the item, none changes behaviour yet.
//   - MFLockWorkQueue / MFUnlockWorkQueue count references; the last unlock closes the queue: its
//     id stops being valid (MF_E_INVALID_WORKQUEUE), what it holds still runs (drained, not
//     cancelled — the Engine contract). From outside the platform's callbacks the last unlock
//     returns once that has happened and none of the queue's callbacks is running; from a
//     callback it returns at once. On platform queue ids both are no-ops (S_OK).
//   - MFScheduleWorkItem(Ex) hands the result, after -timeout ms, to the queue MFInvokeCallback
//     would (its callback's GetParameters); MFPutWaitingWorkItem hands it there, at its priority,
//     once its event is signalled (a wq::Event's handle; on Windows any event HANDLE) — at once if
//     it is signalled already; an auto-reset event's signal releases one waiting item, a
//     manual-reset event's every one. MFCancelWorkItem(key) returns S_OK when it stopped the item
//     (its callback will not run) and MF_E_NOT_FOUND when the key names nothing held — unknown,
//     cancelled already, or due or signalled and handed over (its callback runs): never both,
//     never neither. A held result is queued (the queue-once rule) until it is handed over.
//   - MFAddPeriodicCallback calls its function at once, then every MFGetTimerPeriodicity ms (10),
//     on the STANDARD queue until MFRemovePeriodicCallback, which (outside its own tick) returns
//     once no tick runs or will start; a tick that finds the last one still queued is skipped.
//   - MFShutdown (the last of the MFStartup calls) first waits, serving every call, until the
//     platform lock is free (MFLockPlatform; MFCreateAsyncResult's results hold it) or
//     platform_shutdown_wait() passed; then it, or Platform::Shutdown, hands every item still
//     scheduled or waiting over at once with status MF_E_SHUTDOWN (GetStatus), closes every
//     queue, runs what they hold, then shuts the engine down; calls after it return
//     MF_E_SHUTDOWN.
// Differences from MF are listed in docs/mf.md.
//
// Thread-safety: every function may be called from any thread, callbacks included (except
// Shutdown from a callback, which returns E_ILLEGAL_METHOD_CALL).
//
//   wq::MFStartupOn("native");                      // or wq::MFStartup(MF_VERSION): $WQ_MF_BACKEND
//   DWORD queue = 0;
//   wq::MFAllocateSerialWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, &queue);
//   wq::MFPutWorkItem2(queue, 1, callback, state);
//   wq::MFUnlockWorkQueue(queue);
//   wq::MFShutdown();
#pragma once

#include "wq/async_result.hpp"
#include "wq/engine.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

namespace wq {

#if WQ_OS_WINDOWS
// The SDK's names (macros and enums of <mfapi.h> and <mfobjects.h>) serve as they are.
using ::MFASYNC_WORKQUEUE_TYPE;
using ::MFPERIODICCALLBACK;
using ::MFWORKITEM_KEY;
#else
using MFPERIODICCALLBACK = void (*)(IUnknown* context);
using MFWORKITEM_KEY = std::uint64_t;
inline constexpr DWORD MFASYNC_CALLBACK_QUEUE_UNDEFINED = 0x00000000;
inline constexpr DWORD MFASYNC_CALLBACK_QUEUE_STANDARD = 0x00000001;
inline constexpr DWORD MFASYNC_CALLBACK_QUEUE_RT = 0x00000002;
inline constexpr DWORD MFASYNC_CALLBACK_QUEUE_IO = 0x00000003;
inline constexpr DWORD MFASYNC_CALLBACK_QUEUE_TIMER = 0x00000004;
inline constexpr DWORD MFASYNC_CALLBACK_QUEUE_MULTITHREADED = 0x00000005;
inline constexpr DWORD MFASYNC_CALLBACK_QUEUE_LONG_FUNCTION = 0x00000007;
inline constexpr DWORD MFASYNC_CALLBACK_QUEUE_PRIVATE_MASK = 0xFFFF0000;
inline constexpr DWORD MFASYNC_CALLBACK_QUEUE_ALL = 0xFFFFFFFF;

inline constexpr DWORD MFASYNC_FAST_IO_PROCESSING_CALLBACK = 0x00000001;
inline constexpr DWORD MFASYNC_SIGNAL_CALLBACK = 0x00000002;
inline constexpr DWORD MFASYNC_BLOCKING_CALLBACK = 0x00000004;
inline constexpr DWORD MFASYNC_REPLY_CALLBACK = 0x00000008;

enum MFASYNC_WORKQUEUE_TYPE : std::uint32_t {
    MF_STANDARD_WORKQUEUE = 0,
    MF_WINDOW_WORKQUEUE = 1,
    MF_MULTITHREADED_WORKQUEUE = 2,
};

inline constexpr ULONG MF_SDK_VERSION = 0x0002;
inline constexpr ULONG MF_API_VERSION = 0x0070;
inline constexpr ULONG MF_VERSION = (MF_SDK_VERSION << 16) | MF_API_VERSION;
inline constexpr DWORD MFSTARTUP_NOSOCKET = 0x1;
inline constexpr DWORD MFSTARTUP_LITE = MFSTARTUP_NOSOCKET;
inline constexpr DWORD MFSTARTUP_FULL = 0;

#endif

namespace mf_detail {
class PlatformState;
}

/// The period of MFAddPeriodicCallback's callbacks, in ms (MFGetTimerPeriodicity; MF's is 10).
inline constexpr DWORD periodic_period_ms = 10;

/// The object API: a platform on one back-end, with no globals. Constructing starts it; the
/// destructor shuts it down (drains). Each member is the MF function of the same name without
/// the "MF" prefix.
class Platform {
public:
    /// Throws std::invalid_argument (unknown back-end, bad options) or std::runtime_error (the
    /// back-end cannot run here), as make_engine does.
    explicit Platform(std::string_view backend, const Options& options = {});
    ~Platform();
    Platform(const Platform&) = delete;
    Platform& operator=(const Platform&) = delete;

    HRESULT AllocateWorkQueue(DWORD* queue) noexcept;
    HRESULT AllocateWorkQueueEx(MFASYNC_WORKQUEUE_TYPE type, DWORD* queue) noexcept;
    HRESULT AllocateSerialWorkQueue(DWORD target, DWORD* queue) noexcept;
    HRESULT LockWorkQueue(DWORD queue) noexcept;
    HRESULT UnlockWorkQueue(DWORD queue) noexcept;
    HRESULT LockSharedWorkQueue(const wchar_t* usage_class, LONG base_priority, DWORD* task_id,
                                DWORD* queue) noexcept;
    HRESULT PutWorkItem(DWORD queue, IMFAsyncCallback* callback, IUnknown* state) noexcept;
    HRESULT PutWorkItem2(DWORD queue, LONG priority, IMFAsyncCallback* callback,
                         IUnknown* state) noexcept;
    HRESULT PutWorkItemEx(DWORD queue, IMFAsyncResult* result) noexcept;
    HRESULT PutWorkItemEx2(DWORD queue, LONG priority, IMFAsyncResult* result) noexcept;
    HRESULT InvokeCallback(IMFAsyncResult* result) noexcept;
    HRESULT ScheduleWorkItem(IMFAsyncCallback* callback, IUnknown* state, std::int64_t timeout,
                             MFWORKITEM_KEY* key) noexcept;
    HRESULT ScheduleWorkItemEx(IMFAsyncResult* result, std::int64_t timeout,
                               MFWORKITEM_KEY* key) noexcept;
    /// wq's own: ScheduleWorkItemEx with a delay of any resolution (MF's timeout is in whole
    /// ms). A negative delay is E_INVALIDARG.
    HRESULT ScheduleWorkItemAfter(IMFAsyncResult* result, std::chrono::nanoseconds delay,
                                  MFWORKITEM_KEY* key) noexcept;
    HRESULT PutWaitingWorkItem(HANDLE event, LONG priority, IMFAsyncResult* result,
                               MFWORKITEM_KEY* key) noexcept;
    HRESULT CancelWorkItem(MFWORKITEM_KEY key) noexcept;
    HRESULT AddPeriodicCallback(MFPERIODICCALLBACK callback, IUnknown* context,
                                DWORD* key) noexcept;
    HRESULT RemovePeriodicCallback(DWORD key) noexcept;
    HRESULT BeginRegisterWorkQueueWithMMCSS(DWORD queue, const wchar_t* usage_class, DWORD task_id,
                                            IMFAsyncCallback* done, IUnknown* state) noexcept;
    HRESULT BeginRegisterWorkQueueWithMMCSSEx(DWORD queue, const wchar_t* usage_class,
                                              DWORD task_id, LONG priority, IMFAsyncCallback* done,
                                              IUnknown* state) noexcept;
    HRESULT EndRegisterWorkQueueWithMMCSS(IMFAsyncResult* result, DWORD* task_id) noexcept;
    HRESULT BeginUnregisterWorkQueueWithMMCSS(DWORD queue, IMFAsyncCallback* done,
                                              IUnknown* state) noexcept;
    HRESULT EndUnregisterWorkQueueWithMMCSS(IMFAsyncResult* result) noexcept;
    HRESULT GetWorkQueueMMCSSClass(DWORD queue, wchar_t* usage_class, DWORD* length) noexcept;
    HRESULT GetWorkQueueMMCSSTaskId(DWORD queue, DWORD* task_id) noexcept;
    HRESULT GetWorkQueueMMCSSPriority(DWORD queue, LONG* priority) noexcept;
    HRESULT RegisterPlatformWithMMCSS(const wchar_t* usage_class, DWORD* task_id,
                                      LONG priority) noexcept;
    HRESULT UnregisterPlatformFromMMCSS() noexcept;
    /// wq's own: how the threads that run queue `queue`'s items are scheduled (its MMCSS
    /// registration, or the platform's: what the OS allowed of it).
    HRESULT GetWorkQueueScheduling(DWORD queue, WorkerScheduling* applied) noexcept;
    /// Closes every queue, runs what they hold, shuts the engine down. Idempotent.
    /// E_ILLEGAL_METHOD_CALL from one of the platform's threads.
    HRESULT Shutdown() noexcept;
    /// True on one of the platform's threads (in a callback of one of its queues).
    [[nodiscard]] bool on_own_thread() noexcept;

    /// The engine the platform queues run on (its counters count the platform's own hand-offs: a
    /// serial queue's pump run is one dispatch, however many items it ran).
    [[nodiscard]] Engine& engine() noexcept;
    /// engine()'s counters, with `dispatched` counting the items run on that engine (a pump's run
    /// of n items counts n; not the items of queues with threads of their own).
    [[nodiscard]] EngineCounters counters() const noexcept;

private:
    std::unique_ptr<mf_detail::PlatformState> state_;
};

/// Starts the process-wide platform on `backend` (reference counted with MFStartup: the first
/// call starts it, later ones add a reference and ignore their arguments).
HRESULT MFStartupOn(std::string_view backend, const Options& options = {}) noexcept;
/// MF's MFStartup: the back-end named by $WQ_MF_BACKEND, else "native". `version` must be
/// MF_VERSION (else MF_E_BAD_STARTUP_VERSION, as MF).
HRESULT MFStartup(ULONG version, DWORD flags = MFSTARTUP_FULL) noexcept;
/// Drops one MFStartup reference. The last one first waits, as MF's docs say, until the platform
/// is unlocked (MFLockPlatform; every MFCreateAsyncResult result holds a lock until released) or
/// platform_shutdown_wait() has passed — the platform serves every call meanwhile — then shuts
/// the platform down (drained). From one of the platform's callbacks: E_ILLEGAL_METHOD_CALL.
HRESULT MFShutdown() noexcept;
/// MF's platform lock: MFShutdown waits for the last MFUnlockPlatform (bounded). An unlock with
/// no lock held changes nothing.
HRESULT MFLockPlatform() noexcept;
HRESULT MFUnlockPlatform() noexcept;
/// wq's own: how long the last MFShutdown waits for the platform lock to go (MF: "a few
/// seconds"; wq: 5 s unless set). For tests and for applications that know their results' lives.
void set_platform_shutdown_wait(std::chrono::milliseconds wait) noexcept;
[[nodiscard]] std::chrono::milliseconds platform_shutdown_wait() noexcept;

HRESULT MFAllocateWorkQueue(DWORD* queue) noexcept;
HRESULT MFAllocateWorkQueueEx(MFASYNC_WORKQUEUE_TYPE type, DWORD* queue) noexcept;
HRESULT MFAllocateSerialWorkQueue(DWORD target, DWORD* queue) noexcept;
HRESULT MFLockWorkQueue(DWORD queue) noexcept;
HRESULT MFUnlockWorkQueue(DWORD queue) noexcept;
HRESULT MFLockSharedWorkQueue(const wchar_t* usage_class, LONG base_priority, DWORD* task_id,
                              DWORD* queue) noexcept;
HRESULT MFPutWorkItem(DWORD queue, IMFAsyncCallback* callback, IUnknown* state) noexcept;
HRESULT MFPutWorkItem2(DWORD queue, LONG priority, IMFAsyncCallback* callback,
                       IUnknown* state) noexcept;
HRESULT MFPutWorkItemEx(DWORD queue, IMFAsyncResult* result) noexcept;
HRESULT MFPutWorkItemEx2(DWORD queue, LONG priority, IMFAsyncResult* result) noexcept;
HRESULT MFInvokeCallback(IMFAsyncResult* result) noexcept;
HRESULT MFScheduleWorkItem(IMFAsyncCallback* callback, IUnknown* state, std::int64_t timeout,
                           MFWORKITEM_KEY* key) noexcept;
HRESULT MFScheduleWorkItemEx(IMFAsyncResult* result, std::int64_t timeout,
                             MFWORKITEM_KEY* key) noexcept;
HRESULT MFPutWaitingWorkItem(HANDLE event, LONG priority, IMFAsyncResult* result,
                             MFWORKITEM_KEY* key) noexcept;
HRESULT MFCancelWorkItem(MFWORKITEM_KEY key) noexcept;
/// MF's periodic callbacks: `callback(context)` every MFGetTimerPeriodicity ms (10), the first at
/// once, until removed; a tick that finds the last one still queued is skipped.
HRESULT MFAddPeriodicCallback(MFPERIODICCALLBACK callback, IUnknown* context, DWORD* key) noexcept;
HRESULT MFRemovePeriodicCallback(DWORD key) noexcept;
HRESULT MFGetTimerPeriodicity(DWORD* periodicity) noexcept;

// MMCSS (the Multimedia Class Scheduler Service's registrations). A queue with threads of its own
// (allocated, or shared) or the platform's queues register under a task class Windows defines
// ("Audio", "Capture", "DisplayPostProcessing", "Distribution", "Games", "Playback", "Pro Audio",
// "Window Manager"; any case) at an AVRT priority (-2..2). Their threads are then scheduled for
// it: on Linux SCHED_RR (priority 20 for the High classes, 10 for the others, ±2 per priority
// step) where the process may, else nice -15 / -8 (±2), else as they were — the registration
// succeeds in each case, and work_queue_scheduling says which; on Windows
// THREAD_PRIORITY_TIME_CRITICAL. A begin completes before it returns: its done callback runs on
// the queue its GetParameters names, with a result the end function reads. An unknown class ends
// with HRESULT_FROM_WIN32(ERROR_INVALID_TASK_NAME), an unknown task id with
// ..._INVALID_TASK_INDEX; a platform or serial queue id is MF_E_INVALID_WORKQUEUE (the platform
// registers with MFRegisterPlatformWithMMCSS; a serial queue runs on its target's threads, and
// the getters answer for those). tbb's and mfplat's threads are not a queue's own: registered,
// they stay as they are. docs/mf.md.
HRESULT MFBeginRegisterWorkQueueWithMMCSS(DWORD queue, const wchar_t* usage_class, DWORD task_id,
                                          IMFAsyncCallback* done, IUnknown* state) noexcept;
HRESULT MFBeginRegisterWorkQueueWithMMCSSEx(DWORD queue, const wchar_t* usage_class, DWORD task_id,
                                            LONG priority, IMFAsyncCallback* done,
                                            IUnknown* state) noexcept;
HRESULT MFEndRegisterWorkQueueWithMMCSS(IMFAsyncResult* result, DWORD* task_id) noexcept;
HRESULT MFBeginUnregisterWorkQueueWithMMCSS(DWORD queue, IMFAsyncCallback* done,
                                            IUnknown* state) noexcept;
HRESULT MFEndUnregisterWorkQueueWithMMCSS(IMFAsyncResult* result) noexcept;
HRESULT MFGetWorkQueueMMCSSClass(DWORD queue, wchar_t* usage_class, DWORD* length) noexcept;
HRESULT MFGetWorkQueueMMCSSTaskId(DWORD queue, DWORD* task_id) noexcept;
HRESULT MFGetWorkQueueMMCSSPriority(DWORD queue, LONG* priority) noexcept;
HRESULT MFRegisterPlatformWithMMCSS(const wchar_t* usage_class, DWORD* task_id,
                                    LONG priority) noexcept;
HRESULT MFUnregisterPlatformFromMMCSS() noexcept;
/// wq's own: how the threads running queue `queue`'s items are scheduled (Platform::
/// GetWorkQueueScheduling).
HRESULT work_queue_scheduling(DWORD queue, WorkerScheduling* applied) noexcept;
/// MF's MFCreateAsyncResult: a wq::AsyncResult holding the three references, and a platform lock
/// (MFLockPlatform) until it is destroyed.
HRESULT MFCreateAsyncResult(IUnknown* object, IMFAsyncCallback* callback, IUnknown* state,
                            IMFAsyncResult** result) noexcept;

}  // namespace wq
