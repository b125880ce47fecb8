// bench/os/os_windows.cpp — the harness's OS part on Windows (os.hpp).
#include "os.hpp"

#include <chrono>
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

}  // namespace wq::bench::os
