// The hEvent object on Windows is a Win32 event: these are thin wrappers so portable code can use
// one API on both platforms.
#include "wq/event.hpp"

#include <algorithm>

namespace wq {

HANDLE create_event(EventReset reset, bool initially_signalled) noexcept {
    return CreateEventW(nullptr, reset == EventReset::manual ? TRUE : FALSE,
                        initially_signalled ? TRUE : FALSE, nullptr);
}

bool set_event(HANDLE event) noexcept {
    return event != nullptr && SetEvent(event) != FALSE;
}

bool reset_event(HANDLE event) noexcept {
    return event != nullptr && ResetEvent(event) != FALSE;
}

WaitStatus wait_event(HANDLE event, std::chrono::milliseconds timeout) noexcept {
    if (event == nullptr) {
        return WaitStatus::failed;
    }
    const DWORD wait_ms =
        timeout.count() < 0
            ? INFINITE
            : static_cast<DWORD>(std::min<long long>(timeout.count(), INFINITE - 1));
    switch (WaitForSingleObject(event, wait_ms)) {
        case WAIT_OBJECT_0:
            return WaitStatus::signalled;
        case WAIT_TIMEOUT:
            return WaitStatus::timeout;
        default:
            return WaitStatus::failed;
    }
}

bool close_event(HANDLE event) noexcept {
    return event != nullptr && CloseHandle(event) != FALSE;
}

}  // namespace wq
