// Windows specifics: parking with WaitOnAddress/WakeByAddress (Synchronization.lib).
#include "wq/detail/dispatch.hpp"
#include "wq/detail/futex.hpp"

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

}  // namespace wq::detail
