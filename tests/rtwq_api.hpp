// tests/rtwq_api.hpp — the MF-shaped calls mfapi_test.cpp makes (namespace api), made through
// RTWorkQ's names (WQ_TEST_RTWQ): against wq's layer (wq/rtworkq.hpp) or, with WQ_TEST_REAL_MF, the
// real rtworkq.dll under Wine. Each MF call becomes what a port to RTWorkQ writes: MFPutWorkItem a
// result from RtwqCreateAsyncResult put by RtwqPutWorkItem at priority 0, and so on.
#pragma once

#if defined(WQ_TEST_REAL_MF)
#include "wq/types.hpp"  // <windows.h>, <mfapi.h>

#include <rtworkq.h>
#define WQ_RTWQ(name) ::name
// rtworkq.dll exports it; mingw-w64's <rtworkq.h> does not declare it.
extern "C" HRESULT WINAPI RtwqEndUnregisterWorkQueueWithMMCSS(IRtwqAsyncResult* result);
#else
#include "test_support.hpp"
#include "wq/rtworkq.hpp"
#define WQ_RTWQ(name) wq::name
#endif

#include <cstdint>
#include <string>
#include <vector>

namespace api {

#if !WQ_OS_WINDOWS
using namespace wq;  // NOLINT(google-build-using-namespace): the MF names, as the SDK's are global
#endif

#if defined(WQ_TEST_REAL_MF)
using ::IRtwqAsyncCallback;
using ::IRtwqAsyncResult;
using ::RTWQ_WORKQUEUE_TYPE;
constexpr bool real_mf = true;
inline HRESULT start(const std::string& /*backend*/) {
    return ::RtwqStartup();
}
inline std::vector<std::string> platforms() {
    return {"rtworkq_dll"};
}
#else
using wq::IRtwqAsyncCallback;
using wq::IRtwqAsyncResult;
using wq::RTWQ_WORKQUEUE_TYPE;
constexpr bool real_mf = false;
inline HRESULT start(const std::string& backend) {
    wq::Options options;
    options.workers = 4;
    return wq::MFStartupOn(backend, options);  // RtwqStartup takes no back-end ($WQ_MF_BACKEND)
}
inline std::vector<std::string> platforms() {
    return wq::test::built_backends();
}
#endif
inline HRESULT stop() {
    return WQ_RTWQ(RtwqShutdown)();
}

// The interfaces are the same methods in the same order (wq/rtworkq.hpp).
inline IRtwqAsyncResult* rt(wq::IMFAsyncResult* result) {
    return reinterpret_cast<IRtwqAsyncResult*>(
        result);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}
inline IRtwqAsyncCallback* rt(wq::IMFAsyncCallback* callback) {
    return reinterpret_cast<IRtwqAsyncCallback*>(
        callback);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

inline HRESULT MFCreateAsyncResult(wq::IUnknown* object, wq::IMFAsyncCallback* callback,
                                   wq::IUnknown* state, wq::IMFAsyncResult** result) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the same layout
    return WQ_RTWQ(RtwqCreateAsyncResult)(object, rt(callback), state,
                                          reinterpret_cast<IRtwqAsyncResult**>(result));
}
inline HRESULT MFPutWorkItemEx2(wq::DWORD queue, wq::LONG priority, wq::IMFAsyncResult* result) {
    return WQ_RTWQ(RtwqPutWorkItem)(queue, priority, rt(result));
}
inline HRESULT MFPutWorkItemEx(wq::DWORD queue, wq::IMFAsyncResult* result) {
    return api::MFPutWorkItemEx2(queue, 0, result);
}
inline HRESULT MFPutWorkItem2(wq::DWORD queue, wq::LONG priority, wq::IMFAsyncCallback* callback,
                              wq::IUnknown* state) {
    if (callback == nullptr) {
        return E_POINTER;  // as MFPutWorkItem: a port checks before it makes the result
    }
    wq::IMFAsyncResult* result = nullptr;
    if (const HRESULT hr = api::MFCreateAsyncResult(nullptr, callback, state, &result);
        wq::failed(hr)) {
        return hr;
    }
    const HRESULT hr = api::MFPutWorkItemEx2(queue, priority, result);
    result->Release();
    return hr;
}
inline HRESULT MFPutWorkItem(wq::DWORD queue, wq::IMFAsyncCallback* callback, wq::IUnknown* state) {
    return api::MFPutWorkItem2(queue, 0, callback, state);
}
inline HRESULT MFInvokeCallback(wq::IMFAsyncResult* result) {
    return WQ_RTWQ(RtwqInvokeCallback)(rt(result));
}
inline HRESULT MFAllocateWorkQueueEx(MFASYNC_WORKQUEUE_TYPE type, wq::DWORD* queue) {
    return WQ_RTWQ(RtwqAllocateWorkQueue)(static_cast<RTWQ_WORKQUEUE_TYPE>(type), queue);
}
inline HRESULT MFAllocateWorkQueue(wq::DWORD* queue) {
    return api::MFAllocateWorkQueueEx(MF_STANDARD_WORKQUEUE, queue);
}
inline HRESULT MFAllocateSerialWorkQueue(wq::DWORD target, wq::DWORD* queue) {
    return WQ_RTWQ(RtwqAllocateSerialWorkQueue)(target, queue);
}
inline HRESULT MFLockWorkQueue(wq::DWORD queue) {
    return WQ_RTWQ(RtwqLockWorkQueue)(queue);
}
inline HRESULT MFUnlockWorkQueue(wq::DWORD queue) {
    return WQ_RTWQ(RtwqUnlockWorkQueue)(queue);
}
inline HRESULT MFLockSharedWorkQueue(const wchar_t* usage_class, wq::LONG base_priority,
                                     wq::DWORD* task_id, wq::DWORD* queue) {
    return WQ_RTWQ(RtwqLockSharedWorkQueue)(usage_class, base_priority, task_id, queue);
}
inline HRESULT MFScheduleWorkItemEx(wq::IMFAsyncResult* result, std::int64_t timeout,
                                    std::uint64_t* key) {
    return WQ_RTWQ(RtwqScheduleWorkItem)(rt(result), timeout, key);
}
inline HRESULT MFScheduleWorkItem(wq::IMFAsyncCallback* callback, wq::IUnknown* state,
                                  std::int64_t timeout, std::uint64_t* key) {
    wq::IMFAsyncResult* result = nullptr;
    if (const HRESULT hr = api::MFCreateAsyncResult(nullptr, callback, state, &result);
        wq::failed(hr)) {
        return hr;
    }
    const HRESULT hr = api::MFScheduleWorkItemEx(result, timeout, key);
    result->Release();
    return hr;
}
inline HRESULT MFPutWaitingWorkItem(wq::HANDLE event, wq::LONG priority, wq::IMFAsyncResult* result,
                                    std::uint64_t* key) {
    return WQ_RTWQ(RtwqPutWaitingWorkItem)(event, priority, rt(result), key);
}
inline HRESULT MFCancelWorkItem(std::uint64_t key) {
    return WQ_RTWQ(RtwqCancelWorkItem)(key);
}
inline HRESULT MFAddPeriodicCallback(void (*callback)(wq::IUnknown*), wq::IUnknown* context,
                                     wq::DWORD* key) {
    return WQ_RTWQ(RtwqAddPeriodicCallback)(callback, context, key);
}
inline HRESULT MFRemovePeriodicCallback(wq::DWORD key) {
    return WQ_RTWQ(RtwqRemovePeriodicCallback)(key);
}
inline HRESULT MFBeginRegisterWorkQueueWithMMCSSEx(wq::DWORD queue, const wchar_t* usage_class,
                                                   wq::DWORD task_id, wq::LONG priority,
                                                   wq::IMFAsyncCallback* done,
                                                   wq::IUnknown* state) {
    return WQ_RTWQ(RtwqBeginRegisterWorkQueueWithMMCSS)(queue, usage_class, task_id, priority,
                                                        rt(done), state);
}
inline HRESULT MFBeginRegisterWorkQueueWithMMCSS(wq::DWORD queue, const wchar_t* usage_class,
                                                 wq::DWORD task_id, wq::IMFAsyncCallback* done,
                                                 wq::IUnknown* state) {
    return api::MFBeginRegisterWorkQueueWithMMCSSEx(queue, usage_class, task_id, 0, done, state);
}
inline HRESULT MFEndRegisterWorkQueueWithMMCSS(wq::IMFAsyncResult* result, wq::DWORD* task_id) {
    return WQ_RTWQ(RtwqEndRegisterWorkQueueWithMMCSS)(rt(result), task_id);
}
inline HRESULT MFBeginUnregisterWorkQueueWithMMCSS(wq::DWORD queue, wq::IMFAsyncCallback* done,
                                                   wq::IUnknown* state) {
    return WQ_RTWQ(RtwqBeginUnregisterWorkQueueWithMMCSS)(queue, rt(done), state);
}
inline HRESULT MFEndUnregisterWorkQueueWithMMCSS(wq::IMFAsyncResult* result) {
    return WQ_RTWQ(RtwqEndUnregisterWorkQueueWithMMCSS)(rt(result));
}
inline HRESULT MFGetWorkQueueMMCSSClass(wq::DWORD queue, wchar_t* usage_class, wq::DWORD* length) {
    return WQ_RTWQ(RtwqGetWorkQueueMMCSSClass)(queue, usage_class, length);
}
inline HRESULT MFGetWorkQueueMMCSSTaskId(wq::DWORD queue, wq::DWORD* task_id) {
    return WQ_RTWQ(RtwqGetWorkQueueMMCSSTaskId)(queue, task_id);
}
inline HRESULT MFGetWorkQueueMMCSSPriority(wq::DWORD queue, wq::LONG* priority) {
    return WQ_RTWQ(RtwqGetWorkQueueMMCSSPriority)(queue, priority);
}
inline HRESULT MFRegisterPlatformWithMMCSS(const wchar_t* usage_class, wq::DWORD* task_id,
                                           wq::LONG priority) {
    return WQ_RTWQ(RtwqRegisterPlatformWithMMCSS)(usage_class, task_id, priority);
}
inline HRESULT MFUnregisterPlatformFromMMCSS() {
    return WQ_RTWQ(RtwqUnregisterPlatformFromMMCSS)();
}
inline HRESULT MFLockPlatform() {
    return WQ_RTWQ(RtwqLockPlatform)();
}
inline HRESULT MFUnlockPlatform() {
    return WQ_RTWQ(RtwqUnlockPlatform)();
}

}  // namespace api
