// bench/per_thread.hpp — one T per thread that records into it (no shared line on the dispatch
// path), gathered when the recording is over: exactly-once tallies and latency histograms.
//
// A thread's T is cached by the instance's generation, not its address: pool threads (oneTBB's)
// outlive one run, and the next instance may sit at the same address. One instance is recorded
// into at a time (a run's); a thread that alternated between two live instances would get a fresh
// T at each switch.
//
//   PerThread<Histogram> histograms;
//   histograms.mine().record(ns);                          // on any thread
//   histograms.for_each([&](Histogram& h) { total.merge(h); });   // after the threads are done
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace wq::bench {

template <class T>
class PerThread {
public:
    /// The calling thread's T (created on its first call: takes a lock once per thread).
    T& mine() {
        thread_local std::uint64_t cached_generation = 0;
        thread_local T* cached = nullptr;
        if (cached == nullptr || cached_generation != generation_) {
            const std::lock_guard lock(mutex_);
            items_.push_back(std::make_unique<T>());
            cached = items_.back().get();
            cached_generation = generation_;
        }
        return *cached;
    }

    /// Visits every thread's T. The values are exact once the recording threads are done (joined,
    /// or their engine shut down); T's own fields say what a reader may see before.
    template <class Visit>
    void for_each(Visit&& visit) {
        const std::lock_guard lock(mutex_);
        for (const auto& item : items_) {
            visit(*item);
        }
    }

private:
    static std::uint64_t next_generation() noexcept {
        static std::atomic<std::uint64_t> counter{0};
        // relaxed: only uniqueness matters.
        return counter.fetch_add(1, std::memory_order_relaxed) + 1;
    }

    const std::uint64_t generation_ = next_generation();
    std::mutex mutex_;
    std::vector<std::unique_ptr<T>> items_;  // never shrinks: threads keep their pointer
};

}  // namespace wq::bench
