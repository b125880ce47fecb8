// bench/common.cpp — shared pieces of the benchmark suite (see common.hpp).
#include "common.hpp"

#include "inject_plan.hpp"

#include "wq/detail/dispatch.hpp"

#include <algorithm>
#include <cstdio>

namespace wq::bench {

// ---- Busy work

void busy_work(std::uint64_t ns) {
    // By the clock, not by a calibrated loop count: on a VM the same loop runs up to ~2.7x faster
    // or slower from one minute to the next, so a count calibrated at start-up is not `ns` later.
    // Overshoot: at most one clock read (~25 ns here).
    if (ns == 0) {
        return;
    }
    const auto until = Clock::now() + std::chrono::nanoseconds(ns);
    while (Clock::now() < until) {
        detail::cpu_pause();
    }
}

double busy_work_check_ns() {
    const auto start = Clock::now();
    busy_work(1'000'000);
    return elapsed_ns(start);
}

// ---- Floors

Floors& floors() {
    static Floors instance;
    return instance;
}

double Floors::wake_after_idle_ns(unsigned idle_us) const {
    for (std::size_t i = 0; i < std::size(idle_gaps); ++i) {
        if (idle_gaps[i] == idle_us) {
            return wake_idle_oneway_ns[i];
        }
    }
    return 0;  // not a measured gap: no ratio
}

void report_ratio_to_floor(benchmark::State& state, double value, double floor) {
    if (floor > 0) {
        state.counters["ratio_to_floor"] = value / floor;
    }
}

// ---- Placement

namespace {
const std::vector<unsigned>& cpus() {
    static const std::vector<unsigned> list = allowed_cpus();
    return list;
}
}  // namespace

RunSettings& run_settings() {
    static RunSettings settings;
    return settings;
}

Options engine_options(std::string_view backend, Options options) {
    for (const BackendInfo& info : backend_catalogue()) {
        if (info.name == backend && !info.pins_workers) {
            options.worker_cpus.clear();
        }
    }
    return options;
}

unsigned usable_cpus() {
    return std::max<unsigned>(1, static_cast<unsigned>(cpus().size()));
}

Placement place(benchmark::State& state, unsigned app_threads, unsigned workers) {
    Placement placement;
    placement.options.workers = workers;
    const unsigned busy = app_threads + workers;
    if (!run_settings().pinning) {
        state.SetLabel("unpinned (--wq_no_pin)");
        return placement;
    }
    if (busy > cpus().size()) {
        state.SetLabel("unpinned: " + std::to_string(busy) + " busy threads on " +
                       std::to_string(cpus().size()) + " CPUs");
        return placement;
    }
    placement.pinned = true;
    placement.app_cpus.assign(cpus().begin(), cpus().begin() + app_threads);
    placement.options.worker_cpus.assign(cpus().begin() + app_threads, cpus().begin() + busy);
    state.SetLabel("pinned");
    return placement;
}

ScopedPin::ScopedPin(bool pin, unsigned cpu) : pinned_(pin && detail::pin_this_thread(cpu)) {}

ScopedPin::~ScopedPin() {
    if (pinned_) {
        detail::unpin_this_thread();
    }
}

// ---- Progress

namespace {
struct Progress {
    std::size_t total = 0;
    std::size_t started = 0;
    std::string last;
    Clock::time_point start = Clock::now();
};
Progress g_progress;

// Google Benchmark calls a benchmark several times per repetition (to size its iteration count):
// a new name is a new run.
void note_started(const std::string& name) {
    if (name == g_progress.last) {
        return;
    }
    g_progress.last = name;
    ++g_progress.started;
    const auto seconds = static_cast<unsigned long>(elapsed_ns(g_progress.start) / 1e9);
    if (g_progress.total > 0) {
        std::fprintf(stderr, "[%3zu/%zu %2lu:%02lu] %s\n", g_progress.started, g_progress.total,
                     seconds / 60, seconds % 60, name.c_str());
    } else {
        std::fprintf(stderr, "[%3zu %2lu:%02lu] %s\n", g_progress.started, seconds / 60,
                     seconds % 60, name.c_str());
    }
}
}  // namespace

void set_progress_total(std::size_t runs) {
    g_progress.total = runs;
    g_progress.start = Clock::now();
}

// ---- Registration

namespace {
std::vector<std::string>& names() {
    static std::vector<std::string> list;
    return list;
}
}  // namespace

void add(Suite suite, const std::string& name, std::function<void(benchmark::State&)> run,
         benchmark::TimeUnit unit) {
    if (suite == Suite::full && !run_settings().full) {
        return;
    }
    benchmark::RegisterBenchmark(name.c_str(),
                                 [run = std::move(run), name](benchmark::State& state) {
                                     note_started(name);
                                     // a validation build's injection for this row, if any
                                     const InjectionScope injection(name);
                                     run(state);
                                 })
        ->UseRealTime()
        ->Unit(unit);
    names().push_back(name + "/real_time");
}

const std::vector<std::string>& registered_names() {
    return names();
}

}  // namespace wq::bench
