// wq/detail/spin_mutex.hpp — a lock for critical sections of a few dozen instructions (a list's
// push or pop), where std::mutex would put a contended caller to sleep in the kernel and make it
// pay a wake-up (µs) for a wait of ns. Spins with cpu_pause, and yields every so often in case the
// holder was descheduled. Lockable: std::lock_guard and std::condition_variable_any take it.
#pragma once

#include "wq/detail/dispatch.hpp"

#include <atomic>
#include <thread>

namespace wq::detail {

class SpinMutex {
public:
    [[nodiscard]] bool try_lock() noexcept {
        // relaxed look first: a held lock is only read, not taken exclusively, while we wait.
        // acquire, pairs with unlock's release: the last holder's writes are visible.
        return !locked_.load(std::memory_order_relaxed) &&
               !locked_.exchange(true, std::memory_order_acquire);
    }
    void lock() noexcept {
        // Ends: the holder runs a short critical section; yield in case it was descheduled.
        for (int pauses = 0; !try_lock();) {
            if (++pauses == pauses_before_yield) {
                pauses = 0;
                std::this_thread::yield();
            } else {
                cpu_pause();
            }
        }
    }
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

private:
    static constexpr int pauses_before_yield = 64;
    std::atomic<bool> locked_{false};
};

}  // namespace wq::detail
