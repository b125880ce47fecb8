// The MF layer's MMCSS registrations (wq/mfapi.hpp), internal to wq::mf. Windows' Multimedia Class
// Scheduler Service raises the threads of a registered queue for a task class ("Audio", "Pro
// Audio", ...); here a registration schedules the queue's own threads (Engine::
// set_worker_scheduling): realtime for the class where the OS allows it, else raised, else as
// they were — the registration succeeds in all three, and GetWorkQueueScheduling says which.
#pragma once

#include "queues.hpp"

#include "wq/engine.hpp"
#include "wq/mfapi.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

namespace wq::mf_detail {

/// AvSetMmThreadCharacteristics' answers, as MF passes them on (HRESULT_FROM_WIN32).
inline constexpr HRESULT mmcss_invalid_task_name = static_cast<HRESULT>(0x8007060EU);   // 1550
inline constexpr HRESULT mmcss_invalid_task_index = static_cast<HRESULT>(0x8007060FU);  // 1551

/// What a class stands for here: its scheduling on Linux (realtime, and raised where realtime is
/// refused) at MMCSS relative priority `priority` (AVRT_PRIORITY: -2..2, clamped). nullopt: not
/// a task class Windows defines.
struct ClassScheduling {
    WorkerScheduling realtime;
    WorkerScheduling raised;
};
std::optional<ClassScheduling> class_scheduling(std::wstring_view usage_class, LONG priority);

class Mmcss {
public:
    /// Who is registered: a queue with threads of its own, or (nullptr) the platform.
    using Owner = Queue*;

    /// Registers `owner`, whose threads are `engines`, with class `usage_class` in task `*task`
    /// (0: a new task; the task's id is written back) at `priority`. S_OK however much the OS
    /// allowed (applied() says); mmcss_invalid_task_name / _index for an unknown class or task
    /// (nothing changed); another failure of the engines' as it came (nothing changed).
    HRESULT enroll(Owner owner, std::span<Engine* const> engines, std::wstring_view usage_class,
                   DWORD* task, LONG priority) noexcept;
    /// Back to as they were started; S_OK also when it was not registered.
    HRESULT withdraw(Owner owner, std::span<Engine* const> engines) noexcept;

    /// MFGetWorkQueueMMCSSClass's protocol: `*length` in: the buffer's size in characters; out:
    /// the size the class needs, its terminator included (1: not registered).
    HRESULT usage_class(Owner owner, wchar_t* buffer, DWORD* length) noexcept;
    DWORD task(Owner owner) noexcept;
    LONG priority(Owner owner) noexcept;
    WorkerScheduling applied(Owner owner) noexcept;

private:
    struct Record {
        std::wstring usage_class;
        DWORD task = 0;
        LONG priority = 0;
        WorkerScheduling applied;
    };
    /// Sets `wanted` on every engine, all or none (those done go back to `before`).
    static HRESULT schedule(std::span<Engine* const> engines, const WorkerScheduling& wanted,
                            const WorkerScheduling& before) noexcept;

    std::mutex mutex_;
    std::map<Owner, Record> records_;  // guarded by mutex_
    std::set<DWORD> tasks_;            // guarded by mutex_: the task ids handed out
    DWORD last_task_ = 0;              // guarded by mutex_
};

}  // namespace wq::mf_detail
