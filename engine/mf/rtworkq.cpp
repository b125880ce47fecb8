// RTWorkQ's names over the MF layer (wq/rtworkq.hpp): each is its MF twin.
#include "wq/rtworkq.hpp"

namespace wq {
namespace {

// The SDK's RTWorkQ interfaces are IMFAsyncResult's and IMFAsyncCallback's methods in the same
// order, and RTWQASYNCRESULT is MFASYNCRESULT's layout: the layer takes one for the other, as
// Wine's mfplat does. Elsewhere they are the same types.
IMFAsyncResult* as_mf(IRtwqAsyncResult* result) noexcept {
    return reinterpret_cast<IMFAsyncResult*>(
        result);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}
IMFAsyncCallback* as_mf(IRtwqAsyncCallback* callback) noexcept {
    return reinterpret_cast<IMFAsyncCallback*>(
        callback);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

}  // namespace

HRESULT RtwqStartup() noexcept {
    return wq::MFStartup(MF_VERSION);
}
HRESULT RtwqShutdown() noexcept {
    return wq::MFShutdown();
}
HRESULT RtwqLockPlatform() noexcept {
    return wq::MFLockPlatform();
}
HRESULT RtwqUnlockPlatform() noexcept {
    return wq::MFUnlockPlatform();
}
HRESULT RtwqAllocateWorkQueue(RTWQ_WORKQUEUE_TYPE type, DWORD* queue) noexcept {
    return wq::MFAllocateWorkQueueEx(static_cast<MFASYNC_WORKQUEUE_TYPE>(type), queue);
}
HRESULT RtwqAllocateSerialWorkQueue(DWORD target, DWORD* queue) noexcept {
    return wq::MFAllocateSerialWorkQueue(target, queue);
}
HRESULT RtwqLockWorkQueue(DWORD queue) noexcept {
    return wq::MFLockWorkQueue(queue);
}
HRESULT RtwqUnlockWorkQueue(DWORD queue) noexcept {
    return wq::MFUnlockWorkQueue(queue);
}
HRESULT RtwqLockSharedWorkQueue(const wchar_t* usage_class, LONG base_priority, DWORD* task_id,
                                DWORD* queue) noexcept {
    return wq::MFLockSharedWorkQueue(usage_class, base_priority, task_id, queue);
}
HRESULT RtwqPutWorkItem(DWORD queue, LONG priority, IRtwqAsyncResult* result) noexcept {
    return wq::MFPutWorkItemEx2(queue, priority, as_mf(result));
}
HRESULT RtwqInvokeCallback(IRtwqAsyncResult* result) noexcept {
    return wq::MFInvokeCallback(as_mf(result));
}
HRESULT RtwqScheduleWorkItem(IRtwqAsyncResult* result, std::int64_t timeout,
                             RTWQWORKITEM_KEY* key) noexcept {
    return wq::MFScheduleWorkItemEx(as_mf(result), timeout, key);
}
HRESULT RtwqPutWaitingWorkItem(HANDLE event, LONG priority, IRtwqAsyncResult* result,
                               RTWQWORKITEM_KEY* key) noexcept {
    return wq::MFPutWaitingWorkItem(event, priority, as_mf(result), key);
}
HRESULT RtwqCancelWorkItem(RTWQWORKITEM_KEY key) noexcept {
    return wq::MFCancelWorkItem(key);
}
HRESULT RtwqAddPeriodicCallback(RTWQPERIODICCALLBACK callback, IUnknown* context,
                                DWORD* key) noexcept {
    return wq::MFAddPeriodicCallback(callback, context, key);
}
HRESULT RtwqRemovePeriodicCallback(DWORD key) noexcept {
    return wq::MFRemovePeriodicCallback(key);
}
HRESULT RtwqCreateAsyncResult(IUnknown* object, IRtwqAsyncCallback* callback, IUnknown* state,
                              IRtwqAsyncResult** result) noexcept {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the same layout (above)
    return wq::MFCreateAsyncResult(object, as_mf(callback), state,
                                   reinterpret_cast<IMFAsyncResult**>(result));
}
HRESULT RtwqRegisterPlatformWithMMCSS(const wchar_t* usage_class, DWORD* task_id,
                                      LONG priority) noexcept {
    return wq::MFRegisterPlatformWithMMCSS(usage_class, task_id, priority);
}
HRESULT RtwqUnregisterPlatformFromMMCSS() noexcept {
    return wq::MFUnregisterPlatformFromMMCSS();
}
HRESULT RtwqBeginRegisterWorkQueueWithMMCSS(DWORD queue, const wchar_t* usage_class, DWORD task_id,
                                            LONG priority, IRtwqAsyncCallback* done,
                                            IUnknown* state) noexcept {
    return wq::MFBeginRegisterWorkQueueWithMMCSSEx(queue, usage_class, task_id, priority,
                                                   as_mf(done), state);
}
HRESULT RtwqEndRegisterWorkQueueWithMMCSS(IRtwqAsyncResult* result, DWORD* task_id) noexcept {
    return wq::MFEndRegisterWorkQueueWithMMCSS(as_mf(result), task_id);
}
HRESULT RtwqBeginUnregisterWorkQueueWithMMCSS(DWORD queue, IRtwqAsyncCallback* done,
                                              IUnknown* state) noexcept {
    return wq::MFBeginUnregisterWorkQueueWithMMCSS(queue, as_mf(done), state);
}
HRESULT RtwqEndUnregisterWorkQueueWithMMCSS(IRtwqAsyncResult* result) noexcept {
    return wq::MFEndUnregisterWorkQueueWithMMCSS(as_mf(result));
}
HRESULT RtwqGetWorkQueueMMCSSClass(DWORD queue, wchar_t* usage_class, DWORD* length) noexcept {
    return wq::MFGetWorkQueueMMCSSClass(queue, usage_class, length);
}
HRESULT RtwqGetWorkQueueMMCSSTaskId(DWORD queue, DWORD* task_id) noexcept {
    return wq::MFGetWorkQueueMMCSSTaskId(queue, task_id);
}
HRESULT RtwqGetWorkQueueMMCSSPriority(DWORD queue, LONG* priority) noexcept {
    return wq::MFGetWorkQueueMMCSSPriority(queue, priority);
}
HRESULT RtwqSetLongRunning(DWORD queue, BOOL /*enable*/) noexcept {
    // A live id: lock and unlock it (the lock count is back where it was).
    if (const HRESULT hr = wq::MFLockWorkQueue(queue); failed(hr)) {
        return hr;
    }
    return wq::MFUnlockWorkQueue(queue);
}

}  // namespace wq
