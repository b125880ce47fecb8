// The MF layer's reactor on Linux (mf_timers.hpp): one thread in epoll_wait over
//  - a timerfd (CLOCK_MONOTONIC, absolute time — steady_clock's clock), armed to the earliest due
//    time by whoever makes it the earliest, without waking the thread. A timerfd fires on time,
//    where a timed futex wait (a condition variable) or clock_nanosleep carries the thread's
//    timer slack, 50 µs by default (floor/timer_* in the benchmarks; docs/benchmarks.md);
//  - each waited event's own eventfd, once however many items wait on it (EPOLLIN|EPOLLONESHOT,
//    armed again while items still wait), its waiting items in a FIFO: a signal of an auto-reset
//    event is taken (read) for the oldest, a manual-reset event's releases them all;
//  - an eventfd of its own that stop() signals.
// An event must stay open while items wait on it (as a HANDLE must on Windows).
#include "timers.hpp"

#include "counter_fd_linux.hpp"
#include "wq/event.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <iterator>
#include <list>
#include <new>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace wq::mf_detail {

struct Wait {
    int fd;
    std::list<MFWORKITEM_KEY>::iterator place;  // in its event's FIFO
};

namespace {

constexpr std::uint64_t timer_tag = 0;                 // an event's tag is never 0
constexpr std::uint64_t stop_tag = ~std::uint64_t{0};  // nor all ones (fd + 1)

/// An event's tag: its fd + 1 (never timer_tag, never stop_tag).
std::uint64_t tag_of(int fd) noexcept {
    return static_cast<std::uint64_t>(fd) + 1;
}
int fd_of(std::uint64_t tag) noexcept {
    return static_cast<int>(tag - 1);
}

}  // namespace

struct Reactor::Impl {
    explicit Impl(Timers& owner_) : owner(owner_) {
        epoll = ::epoll_create1(EPOLL_CLOEXEC);
        timer = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (epoll < 0 || timer < 0 || wake < 0 || !watch(EPOLL_CTL_ADD, timer, timer_tag, 0) ||
            !watch(EPOLL_CTL_ADD, wake, stop_tag, 0)) {
            const int error = errno;
            close_all();
            throw std::system_error(error, std::generic_category(),
                                    "wq: the MF layer's timer and wait handles");
        }
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl() { close_all(); }

    [[nodiscard]] bool watch(int op, int fd, std::uint64_t tag, std::uint32_t flags) const {
        epoll_event event{};
        event.events = EPOLLIN | flags;
        event.data.u64 = tag;
        return ::epoll_ctl(epoll, op, fd, &event) == 0;
    }

    void close_all() noexcept {
        for (int* fd : {&epoll, &timer, &wake}) {
            if (*fd >= 0) {
                ::close(*fd);
                *fd = -1;
            }
        }
    }

    void run() noexcept {
        std::array<epoll_event, 64> events{};
        // Ends: stop() signals `wake`.
        for (;;) {
            const int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), -1);
            if (n < 0) {
                continue;  // EINTR (nothing else can fail on a valid epoll fd)
            }
            for (int i = 0; i < n; ++i) {
                const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
                if (tag == stop_tag) {
                    return;
                }
                if (tag == timer_tag) {
                    (void)detail::read_counter(timer);
                    owner.on_timer();
                } else {
                    owner.on_event(tag);
                }
            }
        }
    }

    /// One waited event: its items, oldest first. Guarded by the owner's lock.
    struct Watched {
        bool manual;
        std::list<MFWORKITEM_KEY> waiting;
    };

    Timers& owner;
    int epoll = -1;
    int timer = -1;
    int wake = -1;
    std::unordered_map<int, Watched> watched;  // by fd; guarded by the owner's lock
};

Reactor::Impl* Reactor::make_impl(Timers& owner) {
    return new Impl(owner);
}

void Reactor::ImplDeleter::operator()(Impl* impl) const noexcept {
    delete impl;
}

void Reactor::run() noexcept {
    impl_->run();
}

void Reactor::arm(Clock::time_point due) noexcept {
    const auto since_boot = due.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_boot);
    itimerspec when{};
    when.it_value.tv_sec = static_cast<time_t>(seconds.count());
    when.it_value.tv_nsec = static_cast<long>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_boot - seconds).count());
    if (when.it_value.tv_sec == 0 && when.it_value.tv_nsec == 0) {
        when.it_value.tv_nsec = 1;  // zero would disarm it
    }
    (void)::timerfd_settime(impl_->timer, TFD_TIMER_ABSTIME, &when, nullptr);
}

Wait* Reactor::add_wait(HANDLE event, MFWORKITEM_KEY key) noexcept {
    const int fd = event_fd(event);
    if (fd < 0) {
        return nullptr;
    }
    try {
        const auto [found, added] =
            impl_->watched.try_emplace(fd, Impl::Watched{event_is_manual(event), {}});
        if (added && !impl_->watch(EPOLL_CTL_ADD, fd, tag_of(fd), EPOLLONESHOT)) {
            impl_->watched.erase(found);
            return nullptr;  // not an eventfd we can wait on
        }
        auto& waiting = found->second.waiting;
        waiting.push_back(key);
        auto* wait = new Wait{fd, std::prev(waiting.end())};
        return wait;
    } catch (const std::bad_alloc&) {
        // The new entry (if any) stays: its registration fires once, finds no item, is removed.
        return nullptr;
    }
}

void Reactor::signalled(std::uint64_t tag, std::vector<MFWORKITEM_KEY>& released) {
    const int fd = fd_of(tag);
    const auto found = impl_->watched.find(fd);
    if (found == impl_->watched.end()) {
        return;  // every item waiting on it was cancelled since
    }
    Impl::Watched& watched = found->second;
    if (watched.manual) {
        pollfd ready{fd, POLLIN, 0};  // still signalled? (a reset since is not a signal)
        if (::poll(&ready, 1, 0) == 1) {
            released.insert(released.end(), watched.waiting.begin(), watched.waiting.end());
            watched.waiting.clear();
        }
    } else if (!watched.waiting.empty() && detail::read_counter(fd)) {
        released.push_back(watched.waiting.front());
        watched.waiting.pop_front();
    }
    // A released item's Wait no longer points into the list: only freed from here on.
    if (watched.waiting.empty()) {
        (void)::epoll_ctl(impl_->epoll, EPOLL_CTL_DEL, fd, nullptr);
        impl_->watched.erase(found);
    } else {
        (void)impl_->watch(EPOLL_CTL_MOD, fd, tag, EPOLLONESHOT);  // wait for the next signal
    }
}

void Reactor::detach(Wait* wait) noexcept {
    const auto found = impl_->watched.find(wait->fd);
    Impl::Watched& watched = found->second;
    watched.waiting.erase(wait->place);
    if (watched.waiting.empty()) {
        (void)::epoll_ctl(impl_->epoll, EPOLL_CTL_DEL, wait->fd, nullptr);
        impl_->watched.erase(found);
    }
}

void Reactor::release_fired(Wait* wait) noexcept {
    delete wait;
}

void Reactor::release_unfired(Wait* wait) noexcept {
    delete wait;
}

void Reactor::tell_stop() noexcept {
    const std::uint64_t one = 1;
    while (::write(impl_->wake, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

}  // namespace wq::mf_detail
