// bench/os/os_linux.cpp — the harness's OS part on Linux (os.hpp).
#include "os.hpp"

#include <cerrno>
#include <condition_variable>
#include <ctime>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace wq::bench::os {

std::string_view name() {
    return "linux";
}

std::string kernel() {
    utsname name{};
    if (uname(&name) != 0) {
        return "unknown";
    }
    return std::string(name.sysname) + " " + name.release;
}

std::string wine_version() {
    return {};
}

namespace {

// The mechanisms a timer thread could sleep in:
//   timer_nanosleep  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)
//   timer_timerfd    epoll_wait on a timerfd armed to the due time (the MF layer's reactor): the
//                    floor of timer/, the earliest of the three — a timerfd's expiry is exact,
//                    while a sleep's and a timed futex wait's carry the thread's timer slack
//                    (50 µs by default)
//   timer_condvar    std::condition_variable::wait_until (a futex wait with a deadline)
void sleep_nanosleep(Clock::time_point due) {
    const auto since_boot = due.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_boot);
    timespec when{static_cast<time_t>(seconds.count()),
                  static_cast<long>((since_boot - seconds).count())};
    // Ends: the clock reaches `due` (EINTR resumes).
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, nullptr) == EINTR) {
    }
}

class TimerFd {
public:
    TimerFd()
        : epoll_(::epoll_create1(EPOLL_CLOEXEC)),
          timer_(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)) {
        epoll_event event{};
        event.events = EPOLLIN;
        if (epoll_ < 0 || timer_ < 0 || ::epoll_ctl(epoll_, EPOLL_CTL_ADD, timer_, &event) != 0) {
            throw std::runtime_error("floor/timer_timerfd: no epoll or timerfd");
        }
    }
    TimerFd(const TimerFd&) = delete;
    TimerFd& operator=(const TimerFd&) = delete;
    ~TimerFd() {
        ::close(timer_);
        ::close(epoll_);
    }
    void sleep_until(Clock::time_point due) const {
        const auto since_boot = due.time_since_epoch();
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_boot);
        itimerspec when{};
        when.it_value = {static_cast<time_t>(seconds.count()),
                         static_cast<long>((since_boot - seconds).count())};
        ::timerfd_settime(timer_, TFD_TIMER_ABSTIME, &when, nullptr);
        epoll_event event{};
        // Ends: the timer expires (EINTR waits again).
        while (::epoll_wait(epoll_, &event, 1, -1) != 1) {
        }
        std::uint64_t expirations = 0;
        (void)!::read(timer_, &expirations, sizeof expirations);
    }

private:
    int epoll_;
    int timer_;
};

/// A condition variable nobody notifies, waited on until a deadline.
struct Condvar {
    std::mutex mutex;
    std::condition_variable never_notified;
    void sleep_until(Clock::time_point due) {
        std::unique_lock lock(mutex);
        // Ends: the deadline passes (nothing notifies).
        while (never_notified.wait_until(lock, due) != std::cv_status::timeout) {
        }
    }
};

template <class Sleeper>
std::function<void(Clock::time_point)> sleeper() {
    auto held = std::make_shared<Sleeper>();
    return [held](Clock::time_point due) { held->sleep_until(due); };
}

// os_words.linux.timers: nanosleep, timerfd, condvar.
const RawTimer timers[] = {
    [] { return std::function<void(Clock::time_point)>(sleep_nanosleep); },
    sleeper<TimerFd>,
    sleeper<Condvar>,
};

}  // namespace

std::span<const RawTimer> raw_timers() {
    return timers;
}

}  // namespace wq::bench::os
