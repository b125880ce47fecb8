// bench/os/os.hpp — what the benchmark harness asks of the OS, one file per OS beside it
// (os_linux.cpp, os_windows.cpp; CMake picks one): the run's description and the raw timers the
// timer floors measure. Everything else the harness needs is portable or comes from the engine's
// own OS layer (pinning, the address wait: wq/detail/futex.hpp). The floors' names are the
// scenario table's (bench/scenarios.json os_words).
#pragma once

#include "common.hpp"

#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace wq::bench::os {

/// "linux" or "windows": the result file's wq.os, which the scripts read the scenario table's
/// per-OS names by (bench/scenarios.json "os_words").
std::string_view name();
/// The kernel's name and release ("Linux 6.1.0-…", "Windows 10.0.19045").
std::string kernel();
/// Wine's version when the run is under Wine (ntdll's wine_get_version), else empty.
std::string wine_version();

/// This OS's raw timers, in the order of the scenario table's os_words timers (os_timers in the
/// generated scenario_table.hpp, which names them: floor/timer_<name>/delay_us:D measures each
/// one's lateness). Each makes a function that sleeps until a due time (the timer's resources
/// live in it).
using RawTimer = std::function<std::function<void(Clock::time_point)>()>;
std::span<const RawTimer> raw_timers();

/// The CPU time the calling thread has used, in ns (Linux: CLOCK_THREAD_CPUTIME_ID; Windows:
/// QueryThreadCycleTime converted at the rate cpu_clock() measured, or GetThreadTimes where the
/// cycle counter does not count).
double thread_cpu_ns();
/// The CPU time the whole process has used, in ns, every running thread charged up to now (the
/// same clocks, for the process).
double process_cpu_ns();
/// Which clock the two above read, for the run's context (wq.cpu_clock): its name and, for a
/// cycle counter, the cycles per ns it is converted at.
std::string cpu_clock();

}  // namespace wq::bench::os
