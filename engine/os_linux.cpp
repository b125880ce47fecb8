// Linux specifics: parking with futex(2), thread names, CPU affinity and thread scheduling.
#include "wq/detail/dispatch.hpp"
#include "wq/detail/futex.hpp"
#include "wq/engine.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace wq::detail {
namespace {
long futex(std::atomic<std::uint32_t>& word, int op, std::uint32_t value) noexcept {
    // The kernel reads the word itself; it is the atomic's storage (static_assert in the header).
    return ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), op, value, nullptr,
                     nullptr, 0);
}
}  // namespace

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) noexcept {
    // EAGAIN (word changed) and EINTR are both "return and let the caller re-check".
    futex(word, FUTEX_WAIT_PRIVATE, expected);
}

void futex_wake_one(std::atomic<std::uint32_t>& word) noexcept {
    futex(word, FUTEX_WAKE_PRIVATE, 1);
}

void futex_wake_all(std::atomic<std::uint32_t>& word) noexcept {
    futex(word, FUTEX_WAKE_PRIVATE, INT_MAX);
}

void name_this_thread(std::string_view backend, unsigned index) noexcept {
    char name[16];  // Linux limit, terminator included
    const int length = std::min<int>(static_cast<int>(backend.size()), 8);
    std::snprintf(name, sizeof name, "wq-%.*s-%u", length, backend.data(), index);
    pthread_setname_np(pthread_self(), name);
}

namespace {
// The affinity the process started with (read while the library loads, before any thread of the
// program pins itself): what unpinning returns to and what worker_cpus may name.
struct StartupAffinity {
    cpu_set_t set{};
    bool known = false;
    StartupAffinity() noexcept {
        CPU_ZERO(&set);
        known = sched_getaffinity(0, sizeof set, &set) == 0;
    }
};
const StartupAffinity& startup_affinity() noexcept {
    static const StartupAffinity affinity;
    return affinity;
}
// Read at load time, not at first use: by then the caller may have pinned itself.
[[maybe_unused]] const bool g_startup_affinity_read = (startup_affinity(), true);

bool process_affinity(cpu_set_t& set) noexcept {
    set = startup_affinity().set;
    return startup_affinity().known;
}
}  // namespace

bool pin_this_thread(unsigned cpu) noexcept {
    if (cpu >= CPU_SETSIZE) {
        return false;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0;
}

void unpin_this_thread() noexcept {
    cpu_set_t set;
    if (process_affinity(set)) {
        sched_setaffinity(0, sizeof set, &set);
    }
}

}  // namespace wq::detail

namespace wq {

std::vector<unsigned> allowed_cpus() {
    std::vector<unsigned> cpus;
    cpu_set_t set;
    if (detail::process_affinity(set)) {
        for (unsigned cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
            if (CPU_ISSET(cpu, &set)) {
                cpus.push_back(cpu);
            }
        }
    }
    return cpus;
}

}  // namespace wq

namespace wq::detail {

ThreadSchedule this_thread_schedule() noexcept {
    ThreadSchedule schedule;
    schedule.thread = static_cast<std::int64_t>(::syscall(SYS_gettid));
    sched_param param{};
    schedule.policy = sched_getscheduler(0);
    if (sched_getparam(0, &param) == 0) {
        schedule.priority = param.sched_priority;
    }
    errno = 0;
    const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(schedule.thread));
    schedule.nice = errno == 0 ? nice : 0;
    return schedule;
}

namespace {
HRESULT from_errno() noexcept {
    switch (errno) {
        case EPERM:
        case EACCES:
            return E_ACCESSDENIED;
        case EINVAL:
            return E_INVALIDARG;
        default:
            return E_UNEXPECTED;  // ESRCH: the thread has gone
    }
}
}  // namespace

HRESULT set_thread_schedule(const ThreadSchedule& thread, const WorkerScheduling& wanted) noexcept {
    const auto tid = static_cast<pid_t>(thread.thread);
    sched_param param{};
    int policy = thread.policy;
    int nice = thread.nice;
    switch (wanted.kind) {
        case WorkerScheduling::Kind::normal:
            param.sched_priority = thread.priority;
            break;
        case WorkerScheduling::Kind::raised:
            if (wanted.level < 1 || wanted.level > 20) {
                return E_INVALIDARG;
            }
            policy = SCHED_OTHER;
            nice = -wanted.level;
            break;
        case WorkerScheduling::Kind::realtime:
            if (wanted.level < sched_get_priority_min(SCHED_RR) ||
                wanted.level > sched_get_priority_max(SCHED_RR)) {
                return E_INVALIDARG;
            }
            // Round robin: the queue's threads share their priority level; and no child a callback
            // forks inherits it.
            policy = SCHED_RR | SCHED_RESET_ON_FORK;
            param.sched_priority = wanted.level;
            break;
    }
    if (sched_setscheduler(tid, policy, &param) != 0) {
        return from_errno();
    }
    // SCHED_OTHER's weight is the nice value; a realtime thread's nice is kept for its way back.
    if (wanted.kind != WorkerScheduling::Kind::realtime &&
        setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice) != 0) {
        const HRESULT hr = from_errno();
        sched_param back{};
        back.sched_priority = thread.priority;
        (void)sched_setscheduler(tid, thread.policy, &back);
        return hr;
    }
    return S_OK;
}

}  // namespace wq::detail

namespace wq {

WorkerScheduling this_thread_scheduling() noexcept {
    const detail::ThreadSchedule now = detail::this_thread_schedule();
    const int policy = now.policy & ~SCHED_RESET_ON_FORK;
    if (policy == SCHED_RR || policy == SCHED_FIFO) {
        return {WorkerScheduling::Kind::realtime, now.priority};
    }
    if (now.nice < 0) {
        return {WorkerScheduling::Kind::raised, -now.nice};
    }
    return {};
}

}  // namespace wq
