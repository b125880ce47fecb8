// Windows specifics: parking with WaitOnAddress/WakeByAddress (Synchronization.lib), CPU
// affinity (one processor group: the first 64 CPUs) and thread priorities.
#include "wq/detail/dispatch.hpp"
#include "wq/detail/futex.hpp"
#include "wq/engine.hpp"

#include <windows.h>

namespace wq::detail {

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) noexcept {
    // Returns when the word differs from `expected` or spuriously; the caller re-checks.
    WaitOnAddress(reinterpret_cast<volatile VOID*>(&word), &expected, sizeof expected, INFINITE);
}

void futex_wake_one(std::atomic<std::uint32_t>& word) noexcept {
    WakeByAddressSingle(reinterpret_cast<PVOID>(&word));
}

void futex_wake_all(std::atomic<std::uint32_t>& word) noexcept {
    WakeByAddressAll(reinterpret_cast<PVOID>(&word));
}

void name_this_thread(std::string_view /*backend*/, unsigned /*index*/) noexcept {
    // Not named on Windows: SetThreadDescription exists only from Windows 10 1607 on, and naming is
    // a debugging aid, not worth a run-time lookup here.
}

namespace {
DWORD_PTR process_affinity() noexcept {
    DWORD_PTR process = 0;
    DWORD_PTR system = 0;
    return GetProcessAffinityMask(GetCurrentProcess(), &process, &system) != 0 ? process : 0;
}
}  // namespace

ThreadSchedule this_thread_schedule() noexcept {
    ThreadSchedule schedule;
    schedule.thread = static_cast<std::int64_t>(GetCurrentThreadId());
    schedule.priority = GetThreadPriority(GetCurrentThread());
    return schedule;
}

HRESULT set_thread_schedule(const ThreadSchedule& thread, const WorkerScheduling& wanted) noexcept {
    int priority = thread.priority;
    switch (wanted.kind) {
        case WorkerScheduling::Kind::normal:
            break;
        case WorkerScheduling::Kind::raised:
            priority = THREAD_PRIORITY_HIGHEST;
            break;
        case WorkerScheduling::Kind::realtime:
            priority = THREAD_PRIORITY_TIME_CRITICAL;
            break;
    }
    // THREAD_SET_INFORMATION: Wine's SetThreadPriority asks for it (Windows takes the limited
    // right too).
    HANDLE handle = OpenThread(THREAD_SET_INFORMATION | THREAD_QUERY_INFORMATION, FALSE,
                               static_cast<DWORD>(thread.thread));
    if (handle == nullptr) {
        return GetLastError() == ERROR_ACCESS_DENIED ? E_ACCESSDENIED : E_UNEXPECTED;
    }
    const BOOL set = SetThreadPriority(handle, priority);
    const DWORD error = set != 0 ? ERROR_SUCCESS : GetLastError();
    CloseHandle(handle);
    if (set != 0) {
        return S_OK;
    }
    return error == ERROR_ACCESS_DENIED ? E_ACCESSDENIED : E_UNEXPECTED;
}

bool pin_this_thread(unsigned cpu) noexcept {
    constexpr unsigned mask_bits = sizeof(DWORD_PTR) * 8;
    if (cpu >= mask_bits) {
        return false;
    }
    return SetThreadAffinityMask(GetCurrentThread(), DWORD_PTR{1} << cpu) != 0;
}

void unpin_this_thread() noexcept {
    if (const DWORD_PTR mask = process_affinity(); mask != 0) {
        SetThreadAffinityMask(GetCurrentThread(), mask);
    }
}

}  // namespace wq::detail

namespace wq {

WorkerScheduling this_thread_scheduling() noexcept {
    const int priority = GetThreadPriority(GetCurrentThread());
    if (priority == THREAD_PRIORITY_TIME_CRITICAL) {
        return {WorkerScheduling::Kind::realtime, priority};
    }
    if (priority == THREAD_PRIORITY_ABOVE_NORMAL || priority == THREAD_PRIORITY_HIGHEST) {
        return {WorkerScheduling::Kind::raised, priority};
    }
    return {};
}

std::vector<unsigned> allowed_cpus() {
    std::vector<unsigned> cpus;
    const DWORD_PTR mask = detail::process_affinity();
    for (unsigned cpu = 0; cpu < sizeof(DWORD_PTR) * 8; ++cpu) {
        if ((mask >> cpu) & 1U) {
            cpus.push_back(cpu);
        }
    }
    return cpus;
}

}  // namespace wq
