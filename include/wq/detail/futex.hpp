// wq/detail/futex.hpp — park a thread on a 32-bit word until another thread changes it.
// Linux: futex(2) FUTEX_WAIT/WAKE_PRIVATE. Windows: WaitOnAddress/WakeByAddress.
#pragma once

#include <atomic>
#include <cstdint>

namespace wq::detail {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "the kernel waits on the atomic's own storage");

/// Blocks while `word` holds `expected`. May return spuriously: callers re-check their condition.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) noexcept;
/// Wakes at most one thread blocked in futex_wait on `word`.
void futex_wake_one(std::atomic<std::uint32_t>& word) noexcept;
/// Wakes every thread blocked in futex_wait on `word`.
void futex_wake_all(std::atomic<std::uint32_t>& word) noexcept;

}  // namespace wq::detail
