// Test helpers: a result type that tracks every reference, and bounded waits (liveness checks with
// a generous deadline — never timing assertions).
#pragma once

#include "wq/async_result.hpp"
#include "wq/engine.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#if WQ_OS_WINDOWS
#include <windows.h>
#else
#include <sched.h>
#endif

namespace wq::test {

/// An MFASYNCRESULT owned by the test (not heap-managed by its count) that records AddRef/Release
/// and how often it was dispatched. refs() == 1 means only the owner holds it: the engine released
/// every reference it took. Release below 1 is recorded as an over-release.
class TrackedResult final : public EmbeddedResult {
public:
    TrackedResult() = default;
    TrackedResult(const TrackedResult&) = delete;
    TrackedResult& operator=(const TrackedResult&) = delete;
    ~TrackedResult() = default;

    ULONG AddRef() override {
        adds.fetch_add(1, std::memory_order_relaxed);
        return refs_.fetch_add(1, std::memory_order_relaxed) + 1;
    }
    ULONG Release() override {
        releases.fetch_add(1, std::memory_order_relaxed);
        const ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
        if (left == 0) {
            over_released.store(true, std::memory_order_relaxed);
        }
        return left;
    }

    [[nodiscard]] ULONG refs() const noexcept { return refs_.load(std::memory_order_acquire); }

    std::uint64_t id = 0;
    std::atomic<std::uint32_t> dispatches{0};
    std::atomic<std::uint64_t> adds{0};
    std::atomic<std::uint64_t> releases{0};
    std::atomic<bool> over_released{false};

private:
    std::atomic<ULONG> refs_{1};
};

/// Every back-end this build has (available here or not), for INSTANTIATE_TEST_SUITE_P.
inline std::vector<std::string> built_backends() {
    std::vector<std::string> names;
    for (const BackendInfo& info : backend_catalogue()) {
        names.push_back(info.name);
    }
    return names;
}

/// The catalogue's entry for back-end `name` (its traits: tests ask them, never the name); a
/// default entry for a name the build does not know.
inline BackendInfo info_of(const std::string& name) {
    for (const BackendInfo& info : backend_catalogue()) {
        if (info.name == name) {
            return info;
        }
    }
    return BackendInfo{};
}

/// Why `name` cannot run here, or empty when it can (tests skip with this reason).
inline std::string unavailable_reason(const std::string& name) {
    return info_of(name).unavailable_reason;
}

/// True when a Windows build runs under Wine (its ntdll exports wine_get_version).
/// How many items a volume test puts: $WQ_STRESS_ITEMS when set (the sanitizer presets lower it:
/// their builds run several times slower), else `normal`.
inline std::size_t stress_items(std::size_t normal) {
    if (const char* value = std::getenv("WQ_STRESS_ITEMS")) {
        return std::strtoull(value, nullptr, 10);
    }
    return normal;
}

inline bool running_under_wine() {
#if WQ_OS_WINDOWS
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");
    return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
#else
    return false;
#endif
}

/// The CPU the calling thread runs on right now.
inline unsigned current_cpu() {
#if WQ_OS_WINDOWS
    return GetCurrentProcessorNumber();
#else
    return static_cast<unsigned>(sched_getcpu());
#endif
}

/// Polls `condition` until it holds or `limit` passes; returns whether it held. The limit is a
/// hang guard for a broken engine, far above any expected duration.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds{60}) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::microseconds{200});
    }
    return true;
}

}  // namespace wq::test
