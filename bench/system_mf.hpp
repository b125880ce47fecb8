// bench/system_mf.hpp — the OS's own Media Foundation (mfplat.dll on Windows) behind the subset of
// wq::Platform's object API that the MF families call, so that one scenario body measures wq's
// layer on every back-end and the real MF beside it: the row an MF team reads as "what does moving
// my items off MF's queues buy me?". Only where the scenario table's os_words name a system_mf for
// the OS built for (os_system_mf in the generated scenario_table.hpp;
// bench/os/system_mf_windows.cpp implements it); elsewhere nothing instantiates it.
//
//   SystemMf mf;                                              // MFStartup
//   mf.PutWorkItemEx(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, item);
//   mf.Shutdown();                                            // unlocks its queues, MFShutdown
//
// Not thread-safe to construct or shut down; the put, schedule and cancel calls are MF's own and
// as thread-safe as MF's. MF is one per process: two SystemMf at once share it (MFStartup counts).
#pragma once

#include "wq/mfapi.hpp"  // wq's MF types (the SDK's on Windows)

#include <chrono>
#include <cstdint>
#include <vector>

namespace wq::bench {

class SystemMf {
public:
    /// MFStartup(MF_VERSION, MFSTARTUP_FULL); throws std::runtime_error naming the HRESULT if MF
    /// does not start.
    SystemMf();
    ~SystemMf();
    SystemMf(const SystemMf&) = delete;
    SystemMf& operator=(const SystemMf&) = delete;

    HRESULT AllocateWorkQueueEx(MFASYNC_WORKQUEUE_TYPE type, DWORD* queue) noexcept;
    HRESULT AllocateSerialWorkQueue(DWORD target, DWORD* queue) noexcept;
    HRESULT PutWorkItemEx(DWORD queue, IMFAsyncResult* result) noexcept;
    HRESULT PutWorkItemEx2(DWORD queue, LONG priority, IMFAsyncResult* result) noexcept;
    HRESULT ScheduleWorkItemEx(IMFAsyncResult* result, std::int64_t timeout,
                               MFWORKITEM_KEY* key) noexcept;
    /// wq::Platform's finer-grained schedule, as MF can take it: a delay of whole milliseconds
    /// becomes MFScheduleWorkItemEx's timeout; any other is E_INVALIDARG (MF has no finer timer:
    /// the scenario table leaves such rows out for this subject).
    HRESULT ScheduleWorkItemAfter(IMFAsyncResult* result, std::chrono::nanoseconds delay,
                                  MFWORKITEM_KEY* key) noexcept;
    HRESULT PutWaitingWorkItem(HANDLE event, LONG priority, IMFAsyncResult* result,
                               MFWORKITEM_KEY* key) noexcept;
    HRESULT CancelWorkItem(MFWORKITEM_KEY key) noexcept;
    /// Unlocks the queues this object allocated, then MFShutdown; once (later calls: S_OK). MF's
    /// shutdown does not wait for queued items: a scenario drains what it put before calling it.
    HRESULT Shutdown() noexcept;

private:
    std::vector<DWORD> allocated_;  ///< queues to unlock at Shutdown
    bool started_ = false;
};

}  // namespace wq::bench
