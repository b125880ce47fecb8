// The hEvent object on Linux: an eventfd, so it is waitable here and pollable from any epoll loop.
//
// A manual-reset event is "signalled while the counter is non-zero": waiting polls without reading,
// reset reads the counter back to zero. An auto-reset event is consumed by the waiter that reads
// the counter; waiters that lose that race go back to poll() with what remains of their timeout.
#include "wq/event.hpp"

#include "counter_fd_linux.hpp"

#include <cerrno>
#include <cstdint>
#include <new>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace wq {
namespace {

struct EventObject {
    int fd;
    EventReset reset;
};

EventObject* object_of(HANDLE event) noexcept {
    return static_cast<EventObject*>(event);
}

// Waits for readability. 1: readable, 0: timed out, -1: error.
int wait_readable(int fd, std::chrono::steady_clock::time_point deadline, bool forever) noexcept {
    for (;;) {
        int timeout_ms = -1;
        if (!forever) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            timeout_ms = left.count() > 0 ? static_cast<int>(left.count()) : 0;
        }
        pollfd pfd{fd, POLLIN, 0};
        const int rc = ::poll(&pfd, 1, timeout_ms);
        if (rc > 0) {
            return 1;
        }
        if (rc == 0) {
            return 0;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

}  // namespace

HANDLE create_event(EventReset reset, bool initially_signalled) noexcept {
    const int fd = ::eventfd(initially_signalled ? 1U : 0U, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) {
        return nullptr;
    }
    auto* object = new (std::nothrow) EventObject{fd, reset};
    if (object == nullptr) {
        ::close(fd);
    }
    return object;
}

bool set_event(HANDLE event) noexcept {
    if (event == nullptr) {
        return false;
    }
    const std::uint64_t one = 1;
    for (;;) {
        const ssize_t n = ::write(object_of(event)->fd, &one, sizeof one);
        if (n == static_cast<ssize_t>(sizeof one)) {
            return true;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        // EAGAIN would mean the counter is at its 2^64-2 ceiling: it is signalled already.
        return n < 0 && errno == EAGAIN;
    }
}

bool reset_event(HANDLE event) noexcept {
    if (event == nullptr) {
        return false;
    }
    detail::read_counter(object_of(event)->fd);
    return true;
}

WaitStatus wait_event(HANDLE event, std::chrono::milliseconds timeout) noexcept {
    if (event == nullptr) {
        return WaitStatus::failed;
    }
    const EventObject& object = *object_of(event);
    const bool forever = timeout.count() < 0;
    const auto deadline =
        std::chrono::steady_clock::now() + (forever ? std::chrono::milliseconds::zero() : timeout);
    for (;;) {
        if (object.reset == EventReset::automatic && detail::read_counter(object.fd)) {
            return WaitStatus::signalled;
        }
        const int ready = wait_readable(object.fd, deadline, forever);
        if (ready < 0) {
            return WaitStatus::failed;
        }
        if (ready == 0) {
            return WaitStatus::timeout;
        }
        if (object.reset == EventReset::manual) {
            return WaitStatus::signalled;
        }
        // Auto-reset: another waiter may consume the signal between poll and read; loop.
    }
}

bool close_event(HANDLE event) noexcept {
    if (event == nullptr) {
        return false;
    }
    EventObject* object = object_of(event);
    ::close(object->fd);
    delete object;
    return true;
}

int event_fd(HANDLE event) noexcept {
    return event == nullptr ? -1 : object_of(event)->fd;
}

bool event_is_manual(HANDLE event) noexcept {
    return event != nullptr && object_of(event)->reset == EventReset::manual;
}

}  // namespace wq
