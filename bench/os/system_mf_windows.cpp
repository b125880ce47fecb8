// bench/os/system_mf_windows.cpp — SystemMf (bench/system_mf.hpp): the real mfplat.dll, for the
// MF families' rows beside wq's layer. Under Wine it is Wine's mfplat.dll and rtworkq.dll: its
// figures are Wine's implementation, never Windows' (the run's context says wq.wine).
#include "system_mf.hpp"

#include <cstdio>
#include <stdexcept>

#include <mfapi.h>

namespace wq::bench {

SystemMf::SystemMf() {
    if (const HRESULT hr = ::MFStartup(MF_VERSION, MFSTARTUP_FULL); FAILED(hr)) {
        char text[64];
        std::snprintf(text, sizeof text, "MFStartup failed: 0x%08lx",
                      static_cast<unsigned long>(hr));
        throw std::runtime_error(text);
    }
    started_ = true;
}

SystemMf::~SystemMf() {
    (void)Shutdown();
}

HRESULT SystemMf::AllocateWorkQueueEx(MFASYNC_WORKQUEUE_TYPE type, DWORD* queue) noexcept {
    const HRESULT hr = ::MFAllocateWorkQueueEx(type, queue);
    if (SUCCEEDED(hr)) {
        allocated_.push_back(*queue);
    }
    return hr;
}

HRESULT SystemMf::AllocateSerialWorkQueue(DWORD target, DWORD* queue) noexcept {
    const HRESULT hr = ::MFAllocateSerialWorkQueue(target, queue);
    if (SUCCEEDED(hr)) {
        allocated_.push_back(*queue);
    }
    return hr;
}

HRESULT SystemMf::PutWorkItemEx(DWORD queue, IMFAsyncResult* result) noexcept {
    return ::MFPutWorkItemEx(queue, result);
}

HRESULT SystemMf::PutWorkItemEx2(DWORD queue, LONG priority, IMFAsyncResult* result) noexcept {
    return ::MFPutWorkItemEx2(queue, priority, result);
}

HRESULT SystemMf::ScheduleWorkItemEx(IMFAsyncResult* result, std::int64_t timeout,
                                     MFWORKITEM_KEY* key) noexcept {
    return ::MFScheduleWorkItemEx(result, timeout, key);
}

HRESULT SystemMf::ScheduleWorkItemAfter(IMFAsyncResult* result, std::chrono::nanoseconds delay,
                                        MFWORKITEM_KEY* key) noexcept {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(delay);
    if (delay.count() <= 0 || ms != delay) {
        return E_INVALIDARG;  // MF's timeout is whole milliseconds
    }
    return ::MFScheduleWorkItemEx(result, -ms.count(), key);  // negative: relative
}

HRESULT SystemMf::PutWaitingWorkItem(HANDLE event, LONG priority, IMFAsyncResult* result,
                                     MFWORKITEM_KEY* key) noexcept {
    return ::MFPutWaitingWorkItem(event, priority, result, key);
}

HRESULT SystemMf::CancelWorkItem(MFWORKITEM_KEY key) noexcept {
    return ::MFCancelWorkItem(key);
}

HRESULT SystemMf::Shutdown() noexcept {
    if (!started_) {
        return S_OK;
    }
    started_ = false;
    for (const DWORD queue : allocated_) {
        (void)::MFUnlockWorkQueue(queue);
    }
    allocated_.clear();
    return ::MFShutdown();
}

}  // namespace wq::bench
