// wq/rtworkq.hpp — RTWorkQ's names (Rtwq*, the API WASAPI and newer Windows code call) over the
// same MF layer as wq/mfapi.hpp: one process-wide platform, the same queues and the same semantics
// (docs/mf.md). RtwqStartup starts it as MFStartup does ($WQ_MF_BACKEND,
// else "native") and RtwqShutdown drops that start as MFShutdown does: one count for both names,
// as Wine's mfplat is rtworkq underneath. Each function is its MF twin's: RtwqPutWorkItem is
// MFPutWorkItemEx2, RtwqScheduleWorkItem MFScheduleWorkItemEx, RtwqAllocateWorkQueue
// MFAllocateWorkQueueEx, and so on.
//
// On Windows the interfaces are the SDK's (<rtworkq.h>): IRtwqAsyncResult and IRtwqAsyncCallback
// have IMFAsyncResult's and IMFAsyncCallback's methods in the same order, and an RTWQASYNCRESULT is
// laid out as an MFASYNCRESULT, so the layer takes one for the other (as Wine's mfplat does).
// Elsewhere they are the MF layer's own types under the RTWorkQ names.
//
//   wq::RtwqStartup();
//   DWORD queue = 0;
//   wq::RtwqAllocateWorkQueue(RTWQ_STANDARD_WORKQUEUE, &queue);
//   wq::RtwqPutWorkItem(queue, 0, result);
//   wq::RtwqUnlockWorkQueue(queue);
//   wq::RtwqShutdown();
#pragma once

#include "wq/mfapi.hpp"

#if WQ_OS_WINDOWS
#include <rtworkq.h>
#endif

namespace wq {

#if WQ_OS_WINDOWS
using ::IRtwqAsyncCallback;
using ::IRtwqAsyncResult;
using ::RTWQ_WORKQUEUE_TYPE;
using ::RTWQASYNCRESULT;
using ::RTWQPERIODICCALLBACK;
using ::RTWQWORKITEM_KEY;
#else
using BOOL = std::int32_t;
using IRtwqAsyncResult = IMFAsyncResult;
using IRtwqAsyncCallback = IMFAsyncCallback;
using RTWQASYNCRESULT = MFASYNCRESULT;
using RTWQ_WORKQUEUE_TYPE = MFASYNC_WORKQUEUE_TYPE;
using RTWQWORKITEM_KEY = MFWORKITEM_KEY;
using RTWQPERIODICCALLBACK = MFPERIODICCALLBACK;
inline constexpr RTWQ_WORKQUEUE_TYPE RTWQ_STANDARD_WORKQUEUE = MF_STANDARD_WORKQUEUE;
inline constexpr RTWQ_WORKQUEUE_TYPE RTWQ_WINDOW_WORKQUEUE = MF_WINDOW_WORKQUEUE;
inline constexpr RTWQ_WORKQUEUE_TYPE RTWQ_MULTITHREADED_WORKQUEUE = MF_MULTITHREADED_WORKQUEUE;
inline constexpr HRESULT RTWQ_E_NOT_FOUND = MF_E_NOT_FOUND;
inline constexpr HRESULT RTWQ_E_INVALID_WORKQUEUE = MF_E_INVALID_WORKQUEUE;
inline constexpr HRESULT RTWQ_E_SHUTDOWN = MF_E_SHUTDOWN;
inline constexpr HRESULT RTWQ_E_OPERATION_CANCELLED = MF_E_OPERATION_CANCELLED;
#endif
// The platform queues' ids (the Windows SDK's values; mingw-w64's <rtworkq.h> has none).
inline constexpr DWORD RTWQ_CALLBACK_QUEUE_UNDEFINED = MFASYNC_CALLBACK_QUEUE_UNDEFINED;
inline constexpr DWORD RTWQ_CALLBACK_QUEUE_STANDARD = MFASYNC_CALLBACK_QUEUE_STANDARD;
inline constexpr DWORD RTWQ_CALLBACK_QUEUE_RT = MFASYNC_CALLBACK_QUEUE_RT;
inline constexpr DWORD RTWQ_CALLBACK_QUEUE_IO = MFASYNC_CALLBACK_QUEUE_IO;
inline constexpr DWORD RTWQ_CALLBACK_QUEUE_TIMER = MFASYNC_CALLBACK_QUEUE_TIMER;
inline constexpr DWORD RTWQ_CALLBACK_QUEUE_MULTITHREADED = MFASYNC_CALLBACK_QUEUE_MULTITHREADED;
inline constexpr DWORD RTWQ_CALLBACK_QUEUE_LONG_FUNCTION = MFASYNC_CALLBACK_QUEUE_LONG_FUNCTION;
inline constexpr DWORD RTWQ_CALLBACK_QUEUE_PRIVATE_MASK = MFASYNC_CALLBACK_QUEUE_PRIVATE_MASK;

HRESULT RtwqStartup() noexcept;
HRESULT RtwqShutdown() noexcept;
HRESULT RtwqLockPlatform() noexcept;
HRESULT RtwqUnlockPlatform() noexcept;
HRESULT RtwqAllocateWorkQueue(RTWQ_WORKQUEUE_TYPE type, DWORD* queue) noexcept;
HRESULT RtwqAllocateSerialWorkQueue(DWORD target, DWORD* queue) noexcept;
HRESULT RtwqLockWorkQueue(DWORD queue) noexcept;
HRESULT RtwqUnlockWorkQueue(DWORD queue) noexcept;
HRESULT RtwqLockSharedWorkQueue(const wchar_t* usage_class, LONG base_priority, DWORD* task_id,
                                DWORD* queue) noexcept;
HRESULT RtwqPutWorkItem(DWORD queue, LONG priority, IRtwqAsyncResult* result) noexcept;
HRESULT RtwqInvokeCallback(IRtwqAsyncResult* result) noexcept;
HRESULT RtwqScheduleWorkItem(IRtwqAsyncResult* result, std::int64_t timeout,
                             RTWQWORKITEM_KEY* key) noexcept;
HRESULT RtwqPutWaitingWorkItem(HANDLE event, LONG priority, IRtwqAsyncResult* result,
                               RTWQWORKITEM_KEY* key) noexcept;
HRESULT RtwqCancelWorkItem(RTWQWORKITEM_KEY key) noexcept;
HRESULT RtwqAddPeriodicCallback(RTWQPERIODICCALLBACK callback, IUnknown* context,
                                DWORD* key) noexcept;
HRESULT RtwqRemovePeriodicCallback(DWORD key) noexcept;
HRESULT RtwqCreateAsyncResult(IUnknown* object, IRtwqAsyncCallback* callback, IUnknown* state,
                              IRtwqAsyncResult** result) noexcept;
HRESULT RtwqRegisterPlatformWithMMCSS(const wchar_t* usage_class, DWORD* task_id,
                                      LONG priority) noexcept;
HRESULT RtwqUnregisterPlatformFromMMCSS() noexcept;
/// MFBeginRegisterWorkQueueWithMMCSSEx (RTWorkQ has only the form with a priority).
HRESULT RtwqBeginRegisterWorkQueueWithMMCSS(DWORD queue, const wchar_t* usage_class, DWORD task_id,
                                            LONG priority, IRtwqAsyncCallback* done,
                                            IUnknown* state) noexcept;
HRESULT RtwqEndRegisterWorkQueueWithMMCSS(IRtwqAsyncResult* result, DWORD* task_id) noexcept;
HRESULT RtwqBeginUnregisterWorkQueueWithMMCSS(DWORD queue, IRtwqAsyncCallback* done,
                                              IUnknown* state) noexcept;
HRESULT RtwqEndUnregisterWorkQueueWithMMCSS(IRtwqAsyncResult* result) noexcept;
HRESULT RtwqGetWorkQueueMMCSSClass(DWORD queue, wchar_t* usage_class, DWORD* length) noexcept;
HRESULT RtwqGetWorkQueueMMCSSTaskId(DWORD queue, DWORD* task_id) noexcept;
HRESULT RtwqGetWorkQueueMMCSSPriority(DWORD queue, LONG* priority) noexcept;
/// RTWorkQ's hint that a queue's callbacks may run long: S_OK for a live queue id (a wq queue's
/// threads may block in a callback whatever the hint), MF_E_INVALID_WORKQUEUE otherwise.
HRESULT RtwqSetLongRunning(DWORD queue, BOOL enable) noexcept;

}  // namespace wq
