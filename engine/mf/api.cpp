// MF's work-queue API (wq/mfapi.hpp): the Platform object API over a PlatformState
// (platform.hpp), and MF's free functions over the process-wide platform.
#include "platform.hpp"

#include "wq/detail/dispatch.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

namespace wq {

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
HRESULT Platform::LockSharedWorkQueue(const wchar_t* usage_class, LONG base_priority,
                                      DWORD* task_id, DWORD* queue) noexcept {
    return state_->lock_shared(usage_class, base_priority, task_id, queue);
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
    // Not MFCreateAsyncResult's result: the layer's own items do not lock the platform.
    const ComPtr<AsyncResult> result = AsyncResult::create(callback, state);
    if (!result) {
        return E_OUTOFMEMORY;
    }
    return state_->schedule(result.get(), timeout, key);  // the timers hold their own reference
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
    return state_->periodic().add(callback, context, key);
}
HRESULT Platform::RemovePeriodicCallback(DWORD key) noexcept {
    return state_->periodic().remove(key);
}
HRESULT Platform::BeginRegisterWorkQueueWithMMCSS(DWORD queue, const wchar_t* usage_class,
                                                  DWORD task_id, IMFAsyncCallback* done,
                                                  IUnknown* state) noexcept {
    return state_->begin_register_mmcss(queue, usage_class, task_id, 0, done, state);
}
HRESULT Platform::BeginRegisterWorkQueueWithMMCSSEx(DWORD queue, const wchar_t* usage_class,
                                                    DWORD task_id, LONG priority,
                                                    IMFAsyncCallback* done,
                                                    IUnknown* state) noexcept {
    return state_->begin_register_mmcss(queue, usage_class, task_id, priority, done, state);
}
HRESULT Platform::EndRegisterWorkQueueWithMMCSS(IMFAsyncResult* result, DWORD* task_id) noexcept {
    if (task_id == nullptr) {
        return E_POINTER;
    }
    return mf_detail::PlatformState::end_mmcss(result, task_id);
}
HRESULT Platform::BeginUnregisterWorkQueueWithMMCSS(DWORD queue, IMFAsyncCallback* done,
                                                    IUnknown* state) noexcept {
    return state_->begin_unregister_mmcss(queue, done, state);
}
HRESULT Platform::EndUnregisterWorkQueueWithMMCSS(IMFAsyncResult* result) noexcept {
    return mf_detail::PlatformState::end_mmcss(result, nullptr);
}
HRESULT Platform::GetWorkQueueMMCSSClass(DWORD queue, wchar_t* usage_class,
                                         DWORD* length) noexcept {
    return state_->mmcss_class(queue, usage_class, length);
}
HRESULT Platform::GetWorkQueueMMCSSTaskId(DWORD queue, DWORD* task_id) noexcept {
    return state_->mmcss_task(queue, task_id);
}
HRESULT Platform::GetWorkQueueMMCSSPriority(DWORD queue, LONG* priority) noexcept {
    return state_->mmcss_priority(queue, priority);
}
HRESULT Platform::RegisterPlatformWithMMCSS(const wchar_t* usage_class, DWORD* task_id,
                                            LONG priority) noexcept {
    return state_->register_platform_mmcss(usage_class, task_id, priority);
}
HRESULT Platform::UnregisterPlatformFromMMCSS() noexcept {
    return state_->unregister_platform_mmcss();
}
HRESULT Platform::GetWorkQueueScheduling(DWORD queue, WorkerScheduling* applied) noexcept {
    return state_->scheduling(queue, applied);
}
HRESULT Platform::PutWaitingWorkItem(HANDLE event, LONG priority, IMFAsyncResult* result,
                                     MFWORKITEM_KEY* key) noexcept {
    return state_->put_waiting(event, priority, result, key);
}
HRESULT Platform::CancelWorkItem(MFWORKITEM_KEY key) noexcept {
    return state_->cancel(key);
}
bool Platform::on_own_thread() noexcept {
    return state_->on_own_thread();
}
HRESULT Platform::Shutdown() noexcept {
    return state_->shutdown();
}
Engine& Platform::engine() noexcept {
    return state_->engine();
}
EngineCounters Platform::counters() const noexcept {
    return state_->counters();
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

// The platform lock (MFLockPlatform): counted apart from the startups, waited for by the last
// MFShutdown. Every MFCreateAsyncResult result takes and drops it, so the count is an atomic; the
// mutex and condition variable are only for a shutdown that waits.
std::atomic<long> platform_locks{0};
std::atomic<bool> shutdown_waiting{false};
std::mutex lock_mutex;
std::condition_variable unlocked;
std::atomic<std::int64_t> shutdown_wait_ms{5000};

}  // namespace

HRESULT MFLockPlatform() noexcept {
    platform_locks.fetch_add(1, std::memory_order_relaxed);  // a count: nothing to publish
    return S_OK;
}

HRESULT MFUnlockPlatform() noexcept {
    long held = platform_locks.load(std::memory_order_relaxed);
    // Ends: the CAS fails only when another lock or unlock moved the count meanwhile.
    while (held > 0 &&
           !platform_locks.compare_exchange_weak(held, held - 1, std::memory_order_seq_cst)) {
    }
    // (L1) seq_cst, pairs with (L2): either this unlock sees the shutdown waiting and wakes it,
    // or the shutdown's check sees the count this unlock left.
    if (held == 1 && shutdown_waiting.load(std::memory_order_seq_cst)) {
        const std::lock_guard lock(lock_mutex);  // the waiter checks the count under it
        unlocked.notify_all();
    }
    return S_OK;
}

namespace {
/// The last MFShutdown's wait: until the platform is unlocked or platform_shutdown_wait() passed.
void wait_for_platform_unlock() {
    std::unique_lock lock(lock_mutex);
    // (L2) seq_cst, pairs with (L1).
    shutdown_waiting.store(true, std::memory_order_seq_cst);
    (void)unlocked.wait_for(lock, platform_shutdown_wait(),
                            [] { return platform_locks.load(std::memory_order_seq_cst) == 0; });
    shutdown_waiting.store(false, std::memory_order_relaxed);
}
}  // namespace

void set_platform_shutdown_wait(std::chrono::milliseconds wait) noexcept {
    shutdown_wait_ms.store(wait.count() < 0 ? 0 : wait.count(), std::memory_order_relaxed);
}

std::chrono::milliseconds platform_shutdown_wait() noexcept {
    return std::chrono::milliseconds{shutdown_wait_ms.load(std::memory_order_relaxed)};
}

HRESULT MFStartupOn(std::string_view backend, const Options& options) noexcept {
    const std::lock_guard lock(global_mutex);
    // A platform whose last MFShutdown still waits for the platform lock is taken up again.
    if (global_startups != 0 || platform() != nullptr) {
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
        if (current->on_own_thread()) {
            return E_ILLEGAL_METHOD_CALL;  // a callback cannot wait for its own platform
        }
        if (--global_startups != 0) {
            return S_OK;
        }
        last = current;
    }
    // MF's docs: MFShutdown "blocks until the platform is unlocked, or until a fixed wait period
    // has elapsed". The platform serves every call meanwhile.
    wait_for_platform_unlock();
    {
        const std::lock_guard lock(global_mutex);
        if (global_startups != 0) {
            return S_OK;  // started again while it waited: it lives on
        }
        global_platform.store(nullptr, std::memory_order_release);
    }
    return last->Shutdown();
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

HRESULT MFBeginRegisterWorkQueueWithMMCSS(DWORD queue, const wchar_t* usage_class, DWORD task_id,
                                          IMFAsyncCallback* done, IUnknown* state) noexcept {
    return on_platform([&](Platform& p) {
        return p.BeginRegisterWorkQueueWithMMCSS(queue, usage_class, task_id, done, state);
    });
}
HRESULT MFBeginRegisterWorkQueueWithMMCSSEx(DWORD queue, const wchar_t* usage_class, DWORD task_id,
                                            LONG priority, IMFAsyncCallback* done,
                                            IUnknown* state) noexcept {
    return on_platform([&](Platform& p) {
        return p.BeginRegisterWorkQueueWithMMCSSEx(queue, usage_class, task_id, priority, done,
                                                   state);
    });
}
HRESULT MFEndRegisterWorkQueueWithMMCSS(IMFAsyncResult* result, DWORD* task_id) noexcept {
    return on_platform(
        [&](Platform& p) { return p.EndRegisterWorkQueueWithMMCSS(result, task_id); });
}
HRESULT MFBeginUnregisterWorkQueueWithMMCSS(DWORD queue, IMFAsyncCallback* done,
                                            IUnknown* state) noexcept {
    return on_platform(
        [&](Platform& p) { return p.BeginUnregisterWorkQueueWithMMCSS(queue, done, state); });
}
HRESULT MFEndUnregisterWorkQueueWithMMCSS(IMFAsyncResult* result) noexcept {
    return on_platform([&](Platform& p) { return p.EndUnregisterWorkQueueWithMMCSS(result); });
}
HRESULT MFGetWorkQueueMMCSSClass(DWORD queue, wchar_t* usage_class, DWORD* length) noexcept {
    return on_platform(
        [&](Platform& p) { return p.GetWorkQueueMMCSSClass(queue, usage_class, length); });
}
HRESULT MFGetWorkQueueMMCSSTaskId(DWORD queue, DWORD* task_id) noexcept {
    return on_platform([&](Platform& p) { return p.GetWorkQueueMMCSSTaskId(queue, task_id); });
}
HRESULT MFGetWorkQueueMMCSSPriority(DWORD queue, LONG* priority) noexcept {
    return on_platform([&](Platform& p) { return p.GetWorkQueueMMCSSPriority(queue, priority); });
}
HRESULT MFRegisterPlatformWithMMCSS(const wchar_t* usage_class, DWORD* task_id,
                                    LONG priority) noexcept {
    return on_platform(
        [&](Platform& p) { return p.RegisterPlatformWithMMCSS(usage_class, task_id, priority); });
}
HRESULT MFUnregisterPlatformFromMMCSS() noexcept {
    return on_platform([&](Platform& p) { return p.UnregisterPlatformFromMMCSS(); });
}
HRESULT work_queue_scheduling(DWORD queue, WorkerScheduling* applied) noexcept {
    return on_platform([&](Platform& p) { return p.GetWorkQueueScheduling(queue, applied); });
}

HRESULT MFCreateAsyncResult(IUnknown* object, IMFAsyncCallback* callback, IUnknown* state,
                            IMFAsyncResult** result) noexcept {
    if (result == nullptr) {
        return E_POINTER;
    }
    (void)MFLockPlatform();  // until the result is destroyed, as MF's default result does
    ComPtr<AsyncResult> created =
        AsyncResult::create(callback, state, object, nullptr, [] { (void)MFUnlockPlatform(); });
    if (!created) {
        (void)MFUnlockPlatform();
        *result = nullptr;
        return E_OUTOFMEMORY;
    }
    *result = created.detach();
    return S_OK;
}

}  // namespace wq
