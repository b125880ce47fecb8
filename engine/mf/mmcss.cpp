// The MF layer's MMCSS registrations (mmcss.hpp).
#include "mmcss.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <new>

namespace wq::mf_detail {

namespace {

/// Windows' default MMCSS tasks (the registry keys under
/// Windows NT\CurrentVersion\Multimedia\SystemProfile\Tasks) and their "Scheduling Category":
/// High runs above Medium.
enum class Category : std::uint8_t { high, medium };
struct TaskClass {
    std::wstring_view name;
    Category category;
};
constexpr std::array<TaskClass, 8> task_classes{{
    {L"Audio", Category::medium},
    {L"Capture", Category::medium},
    {L"DisplayPostProcessing", Category::high},
    {L"Distribution", Category::medium},
    {L"Games", Category::high},
    {L"Playback", Category::medium},
    {L"Pro Audio", Category::high},
    {L"Window Manager", Category::medium},
}};

/// The Linux levels a category's threads get at relative priority 0, and the step per AVRT
/// priority: SCHED_RR 20 (High) and 10 (Medium), below the kernel's threaded interrupts (50) —
/// and where realtime is refused, nice -15 and -8.
struct Levels {
    int realtime;
    int raised;
};
constexpr Levels levels_high{20, 15};
constexpr Levels levels_medium{10, 8};
constexpr int level_step = 2;

bool same_name(std::wstring_view a, std::wstring_view b) noexcept {
    // Registry key names: compared without case (the names are ASCII).
    const auto lower = [](wchar_t c) { return c >= L'A' && c <= L'Z' ? c - L'A' + L'a' : c; };
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(),
                      [&](wchar_t x, wchar_t y) { return lower(x) == lower(y); });
}

}  // namespace

std::optional<ClassScheduling> class_scheduling(std::wstring_view usage_class, LONG priority) {
    const auto* found =
        std::find_if(task_classes.begin(), task_classes.end(),
                     [&](const TaskClass& c) { return same_name(c.name, usage_class); });
    if (found == task_classes.end()) {
        return std::nullopt;
    }
    const Levels levels = found->category == Category::high ? levels_high : levels_medium;
    const int step = static_cast<int>(std::clamp<LONG>(priority, -2, 2)) * level_step;
    return ClassScheduling{
        WorkerScheduling{WorkerScheduling::Kind::realtime, levels.realtime + step},
        WorkerScheduling{WorkerScheduling::Kind::raised, levels.raised + step},
    };
}

HRESULT Mmcss::schedule(std::span<Engine* const> engines, const WorkerScheduling& wanted,
                        const WorkerScheduling& before) noexcept {
    for (std::size_t i = 0; i < engines.size(); ++i) {
        if (const HRESULT hr = engines[i]->set_worker_scheduling(wanted); failed(hr)) {
            for (std::size_t done = 0; done < i; ++done) {
                (void)engines[done]->set_worker_scheduling(before);
            }
            return hr;
        }
    }
    return S_OK;
}

HRESULT Mmcss::enroll(Owner owner, std::span<Engine* const> engines, std::wstring_view usage_class,
                      DWORD* task, LONG priority) noexcept {
    const std::optional<ClassScheduling> wanted = class_scheduling(usage_class, priority);
    if (!wanted) {
        return mmcss_invalid_task_name;
    }
    const std::lock_guard lock(mutex_);
    try {
        if (*task != 0 && !tasks_.contains(*task)) {
            return mmcss_invalid_task_index;
        }
        Record& record = records_[owner];
        const WorkerScheduling before = record.applied;
        WorkerScheduling applied{};  // what the OS allowed: the first of these it takes
        for (const WorkerScheduling& attempt : {wanted->realtime, wanted->raised}) {
            const HRESULT hr = schedule(engines, attempt, before);
            if (hr == S_OK) {
                applied = attempt;
                break;
            }
            if (hr == E_NOTIMPL) {
                break;  // the back-end's threads are not the queue's own: left as they are
            }
            if (hr != E_ACCESSDENIED) {
                return hr;  // not a refusal: nothing changed
            }
        }
        if (applied.kind == WorkerScheduling::Kind::normal && before != applied) {
            (void)schedule(engines, applied, before);  // a class the OS refused: as started
        }
        if (*task == 0) {
            *task = ++last_task_;
            tasks_.insert(*task);
        }
        record = Record{std::wstring(usage_class), *task, priority, applied};
        return S_OK;
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    }
}

HRESULT Mmcss::withdraw(Owner owner, std::span<Engine* const> engines) noexcept {
    const std::lock_guard lock(mutex_);
    const auto found = records_.find(owner);
    if (found == records_.end()) {
        return S_OK;
    }
    if (found->second.applied != WorkerScheduling{}) {
        if (const HRESULT hr = schedule(engines, WorkerScheduling{}, found->second.applied);
            failed(hr)) {
            return hr;
        }
    }
    records_.erase(found);
    return S_OK;
}

HRESULT Mmcss::usage_class(Owner owner, wchar_t* buffer, DWORD* length) noexcept {
    if (length == nullptr) {
        return E_POINTER;
    }
    const std::lock_guard lock(mutex_);
    const auto found = records_.find(owner);
    const std::wstring_view name =
        found == records_.end() ? std::wstring_view{} : found->second.usage_class;
    const auto needed = static_cast<DWORD>(name.size() + 1);
    const DWORD size = *length;
    *length = needed;
    if (buffer == nullptr || size < needed) {
        return MF_E_BUFFERTOOSMALL;
    }
    std::copy(name.begin(), name.end(), buffer);
    buffer[name.size()] = L'\0';
    return S_OK;
}

DWORD Mmcss::task(Owner owner) noexcept {
    const std::lock_guard lock(mutex_);
    const auto found = records_.find(owner);
    return found == records_.end() ? 0 : found->second.task;
}

LONG Mmcss::priority(Owner owner) noexcept {
    const std::lock_guard lock(mutex_);
    const auto found = records_.find(owner);
    return found == records_.end() ? 0 : found->second.priority;
}

WorkerScheduling Mmcss::applied(Owner owner) noexcept {
    const std::lock_guard lock(mutex_);
    const auto found = records_.find(owner);
    return found == records_.end() ? WorkerScheduling{} : found->second.applied;
}

}  // namespace wq::mf_detail
