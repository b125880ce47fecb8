// bench/os/os_linux.cpp — the harness's OS part on Linux (os.hpp).
#include "os.hpp"

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <dirent.h>
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

namespace {

double clock_ns(clockid_t clock) {
    timespec now{};
    clock_gettime(clock, &now);
    return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

/// Brings the process's CPU clock up to date. Linux charges a thread running on another CPU
/// only at its next tick or switch (up to 4 ms late at HZ=250), and the process clock sums those
/// charges; reading a thread's own clock charges it now. Without this, a worker that was spinning
/// when an idle interval began is billed its pre-idle spinning inside the interval (measured:
/// `cpu/…/rate:100000` idle burn 1–2.5% for spinning back-ends, against their ≤ 50 µs spin).
void charge_running_threads() {
    DIR* tasks = opendir("/proc/self/task");
    if (tasks == nullptr) {
        return;
    }
    // Ends: a directory listing is finite.
    while (const dirent* entry = readdir(tasks)) {
        const long tid = std::strtol(entry->d_name, nullptr, 10);
        if (tid > 0) {
            // The thread's CPU clock id (glibc's MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)).
            const auto clock =
                static_cast<clockid_t>((~static_cast<std::uint32_t>(tid) << 3U) | 6U);
            timespec ignored{};
            clock_gettime(clock, &ignored);
        }
    }
    closedir(tasks);
}

}  // namespace

double thread_cpu_ns() {
    return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

double process_cpu_ns() {
    charge_running_threads();
    return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

std::string cpu_clock() {
    return "CLOCK_THREAD_CPUTIME_ID";
}

}  // namespace wq::bench::os
