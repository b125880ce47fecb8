// bench/cpu_clocks.hpp — the CPU the engine's threads use while the benchmark thread watches, and
// what an idle engine burns.
#pragma once

#include "common.hpp"

#include "os/os.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace wq::bench {

// ---- CPU clocks (the OS's: bench/os/)

using os::process_cpu_ns;
using os::thread_cpu_ns;

/// The CPU every other thread of the process has used since construction: the process's CPU
/// clock less the calling thread's (what the engine's threads cost while this one only watches).
class OtherThreadsCpu {
public:
    OtherThreadsCpu() : process_start_(process_cpu_ns()), self_start_(thread_cpu_ns()) {}
    [[nodiscard]] double ns() const {
        return (process_cpu_ns() - process_start_) - (thread_cpu_ns() - self_start_);
    }

private:
    double process_start_;
    double self_start_;
};

/// What a running engine burns while it has nothing to do, over idle intervals.
struct IdleBurn {
    double cpu_ns = 0;
    double wall_ns = 0;
    [[nodiscard]] double pct() const {
        // Two CPU clocks of different granularity: a quiet engine can come out a hair below 0.
        return wall_ns > 0 ? std::max(0.0, 100.0 * cpu_ns / wall_ns) : 0;
    }
    /// Sleeps 100 ms and adds what the other threads burnt meanwhile.
    void measure() {
        const OtherThreadsCpu others;
        const auto from = Clock::now();
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
        cpu_ns += others.ns();
        wall_ns += elapsed_ns(from);
    }
};

}  // namespace wq::bench
