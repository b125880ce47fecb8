// bench/os/os_windows.cpp — the harness's OS part on Windows (os.hpp).
#include "os.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include <windows.h>

namespace wq::bench::os {

std::string_view name() {
    return "windows";
}

std::string kernel() {
    // RtlGetVersion tells the truth where GetVersionEx answers what the manifest asks for.
    using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    auto get = ntdll != nullptr
                   ? reinterpret_cast<RtlGetVersionFn>(  // NOLINT
                         reinterpret_cast<void*>(GetProcAddress(ntdll, "RtlGetVersion")))
                   : nullptr;
    OSVERSIONINFOW info{};
    info.dwOSVersionInfoSize = sizeof info;
    if (get == nullptr || get(&info) != 0) {
        return "Windows";
    }
    return "Windows " + std::to_string(info.dwMajorVersion) + "." +
           std::to_string(info.dwMinorVersion) + "." + std::to_string(info.dwBuildNumber);
}

std::string wine_version() {
    using WineGetVersionFn = const char*(CDECL*)();
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    auto get = ntdll != nullptr
                   ? reinterpret_cast<WineGetVersionFn>(  // NOLINT
                         reinterpret_cast<void*>(GetProcAddress(ntdll, "wine_get_version")))
                   : nullptr;
    return get != nullptr ? std::string(get()) : std::string();
}

namespace {

// The mechanisms a timer thread could sleep in:
//   timer_hirestimer  a waitable timer made with CREATE_WAITABLE_TIMER_HIGH_RESOLUTION (Windows
//                     10 1803 on), armed to the due time: the floor of timer/
//   timer_waitable    a plain waitable timer (the system tick's resolution)
//   timer_sleep       Sleep(ms), rounded up to whole milliseconds
class WaitableTimer {
public:
    explicit WaitableTimer(DWORD flags)
        : timer_(CreateWaitableTimerExW(nullptr, nullptr, flags, TIMER_ALL_ACCESS)) {
        if (timer_ == nullptr) {
            throw std::runtime_error("floor/timer_*: CreateWaitableTimerExW failed");
        }
    }
    WaitableTimer(const WaitableTimer&) = delete;
    WaitableTimer& operator=(const WaitableTimer&) = delete;
    ~WaitableTimer() { CloseHandle(timer_); }
    void sleep_until(Clock::time_point due) const {
        // A relative due time in 100 ns units (negative: relative).
        const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(due - Clock::now());
        LARGE_INTEGER when{};
        when.QuadPart = -std::max<LONGLONG>(1, left.count() / 100);
        if (SetWaitableTimer(timer_, &when, 0, nullptr, nullptr, FALSE) == 0) {
            throw std::runtime_error("floor/timer_*: SetWaitableTimer failed");
        }
        WaitForSingleObject(timer_, INFINITE);
    }

private:
    HANDLE timer_;
};

#ifndef CREATE_WAITABLE_TIMER_HIGH_RESOLUTION
#define CREATE_WAITABLE_TIMER_HIGH_RESOLUTION 0x00000002
#endif

std::function<void(Clock::time_point)> waitable(DWORD flags) {
    auto held = std::make_shared<WaitableTimer>(flags);
    return [held](Clock::time_point due) { held->sleep_until(due); };
}

void sleep_ms(Clock::time_point due) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(due - Clock::now());
    Sleep(static_cast<DWORD>(std::max<std::int64_t>(0, left.count())));
}

// os_words.windows.timers: hirestimer, waitable, sleep.
const RawTimer timers[] = {
    [] { return waitable(CREATE_WAITABLE_TIMER_HIGH_RESOLUTION); },
    [] { return waitable(0); },
    [] { return std::function<void(Clock::time_point)>(sleep_ms); },
};

}  // namespace

std::span<const RawTimer> raw_timers() {
    return timers;
}

// ---- CPU clocks: QueryThreadCycleTime / QueryProcessCycleTime where the cycle counter counts,
// converted to ns at a rate measured here; else GetThreadTimes / GetProcessTimes (100 ns units,
// advanced at the scheduler's tick).

namespace {

double filetime_ns(const FILETIME& time) {
    ULARGE_INTEGER value{};
    value.LowPart = time.dwLowDateTime;
    value.HighPart = time.dwHighDateTime;
    return static_cast<double>(value.QuadPart) * 100.0;
}

/// Kernel + user time of a thread or a process (GetThreadTimes, GetProcessTimes: one signature).
using TimesFn = BOOL(WINAPI*)(HANDLE, LPFILETIME, LPFILETIME, LPFILETIME, LPFILETIME);
double times_ns(TimesFn get, HANDLE of) {
    FILETIME created{};
    FILETIME exited{};
    FILETIME kernel{};
    FILETIME user{};
    if (get(of, &created, &exited, &kernel, &user) == 0) {
        return 0;
    }
    return filetime_ns(kernel) + filetime_ns(user);
}

std::uint64_t thread_cycles() {
    ULONG64 cycles = 0;
    return QueryThreadCycleTime(GetCurrentThread(), &cycles) != 0 ? cycles : 0;
}

/// Cycles per ns of the cycle counter, or 0 where it does not count (then the *Times clocks are
/// read): this thread spins 20 ms, three times, against the performance counter, and the
/// largest rate wins (a preemption only lowers it: the thread's cycles stop, the wall goes on).
double measure_cycles_per_ns() {
    LARGE_INTEGER frequency{};
    QueryPerformanceFrequency(&frequency);
    double best = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
        LARGE_INTEGER from{};
        LARGE_INTEGER now{};
        QueryPerformanceCounter(&from);
        const std::uint64_t cycles_from = thread_cycles();
        const auto span = frequency.QuadPart / 50;  // 20 ms
        // Ends: the performance counter advances.
        do {
            QueryPerformanceCounter(&now);
        } while (now.QuadPart - from.QuadPart < span);
        const std::uint64_t cycles = thread_cycles() - cycles_from;
        const double ns = static_cast<double>(now.QuadPart - from.QuadPart) * 1e9 /
                          static_cast<double>(frequency.QuadPart);
        best = std::max(best, static_cast<double>(cycles) / ns);
    }
    return best;
}

double cycles_per_ns() {
    static const double rate = measure_cycles_per_ns();  // once, on first use
    return rate;
}

}  // namespace

double thread_cpu_ns() {
    const double rate = cycles_per_ns();
    return rate > 0 ? static_cast<double>(thread_cycles()) / rate
                    : times_ns(GetThreadTimes, GetCurrentThread());
}

double process_cpu_ns() {
    const double rate = cycles_per_ns();
    ULONG64 cycles = 0;
    if (rate > 0 && QueryProcessCycleTime(GetCurrentProcess(), &cycles) != 0) {
        return static_cast<double>(cycles) / rate;
    }
    return times_ns(GetProcessTimes, GetCurrentProcess());
}

std::string cpu_clock() {
    const double rate = cycles_per_ns();
    if (rate <= 0) {
        return "GetThreadTimes (QueryThreadCycleTime does not count here)";
    }
    char text[96];
    std::snprintf(text, sizeof text, "QueryThreadCycleTime at %.3f cycles/ns", rate);
    return text;
}

}  // namespace wq::bench::os
