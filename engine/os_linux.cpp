// Linux specifics: parking with futex(2), thread names and CPU affinity.
#include "wq/detail/dispatch.hpp"
#include "wq/detail/futex.hpp"
#include "wq/engine.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
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
