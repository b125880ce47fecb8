// Reading an eventfd's or a timerfd's counter (non-blocking descriptors), for the event objects
// (event_linux.cpp) and the MF layer's reactor (mf_timers_linux.cpp). Internal, Linux only.
#pragma once

#include <cerrno>
#include <cstdint>

#include <unistd.h>

namespace wq::detail {

/// Reads (and so clears) the counter. True when it was non-zero; false when it was zero (EAGAIN)
/// or the read failed.
inline bool read_counter(int fd) noexcept {
    std::uint64_t value = 0;
    for (;;) {
        const ssize_t n = ::read(fd, &value, sizeof value);
        if (n == static_cast<ssize_t>(sizeof value)) {
            return true;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return false;
    }
}

}  // namespace wq::detail
