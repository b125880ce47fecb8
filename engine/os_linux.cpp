// Linux specifics: parking with futex(2), and thread names.
#include "wq/detail/dispatch.hpp"
#include "wq/detail/futex.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>

#include <linux/futex.h>
#include <pthread.h>
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

}  // namespace wq::detail
