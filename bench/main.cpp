// wq_bench — wqbench's benchmark suite (Google Benchmark). docs/benchmarks.md documents every
// scenario and name.
//
//   wq_bench                    the default suite (≤ 5 min on 2 cores)
//   wq_bench --wq_full          everything (the full throughput sweep, the biggest bursts)
//   wq_bench --wq_no_pin        leave every thread to the scheduler
//   wq_bench --wq_workload=SPEC --wq_print_workloads
//                               each SPEC as wq_bench resolves it ("SUFFIX sends:N") and exit:
//                               how scripts/choose learns a repetition's size
//   wq_bench --wq_workload=SPEC only workload/<backend>/... for SPEC (bench/workload.hpp; may be
//                               repeated): what scripts/choose runs
//   wq_bench --wq_inject=PLAN   a -DWQ_INJECT=runtime build only: per benchmark, the ns PLAN
//                               adds to every put or dispatch (bench/inject_plan.hpp)
//   wq_bench --benchmark_...    any Google Benchmark flag (filter, min_time, out, repetitions)
#include "calibration.hpp"
#include "common.hpp"
#include "inject_plan.hpp"
#include "os/os.hpp"
#include "scenario.hpp"
#include "workload.hpp"

#include "wq/build_config.hpp"
#include "wq/detail/inject.hpp"

#include <boost/version.hpp>
#if WQ_HAVE_TBB
#include <oneapi/tbb/version.h>
#endif

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#ifndef WQ_BUILD_TYPE
#define WQ_BUILD_TYPE "unknown"
#endif
#ifndef WQ_LIBURING_VERSION
#define WQ_LIBURING_VERSION "not used"
#endif

namespace wq::bench {
namespace {

/// How many registered benchmarks the --benchmark_filter selects (Google Benchmark's rule: a
/// regular expression searched in the name; a leading '-' negates it): the progress count, and
/// the refusal of a filter that selects nothing. nullopt when std::regex cannot read it (Google
/// Benchmark then says why).
std::optional<std::size_t> selected_count(const std::string& filter) {
    const std::vector<std::string>& names = registered_names();
    if (filter.empty() || filter == "all" || filter == ".") {
        return names.size();
    }
    const bool negated = filter.front() == '-';
    try {
        const std::regex pattern(negated ? filter.substr(1) : filter, std::regex::extended);
        return static_cast<std::size_t>(
            std::count_if(names.begin(), names.end(),
                          [&](const auto& n) { return std::regex_search(n, pattern) != negated; }));
    } catch (const std::regex_error&) {
        return std::nullopt;
    }
}

template <class T>
std::string join(const std::vector<T>& values) {
    std::string text;
    for (const T& value : values) {
        if (!text.empty()) {
            text += ',';
        }
        if constexpr (std::is_same_v<T, std::string>) {
            text += value;
        } else {
            text += std::to_string(value);
        }
    }
    return text;
}

// How many runs the progress count expects: with random interleaving every repetition is a run of
// its own; without, a benchmark's repetitions follow each other and count once.
std::size_t runs_per_benchmark(int argc, char** argv) {
    long repetitions = 1;
    bool interleaved = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg.starts_with("--benchmark_repetitions=")) {
            repetitions =
                std::max(1L, std::atol(argv[i] + std::strlen("--benchmark_repetitions=")));
        } else if (arg == "--benchmark_enable_random_interleaving" ||
                   arg == "--benchmark_enable_random_interleaving=true") {
            interleaved = true;
        }
    }
    return interleaved ? static_cast<std::size_t>(repetitions) : 1;
}

// Every back-end of the build as JSON, from its wq_backend() line: what the scripts know of a
// back-end comes from here, so none of them names one.
std::string backend_catalogue_json() {
    auto quoted = [](const std::string& text) {
        std::string out = "\"";
        for (const char c : text) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
        return out + "\"";
    };
    std::string json = "[";
    for (const BackendInfo& info : backend_catalogue()) {
        json += json.size() > 1 ? "," : "";
        json +=
            "{\"name\":" + quoted(info.name) + ",\"description\":" + quoted(info.description) +
            ",\"available\":" + (info.available ? "true" : "false") +
            ",\"unavailable_reason\":" + quoted(info.unavailable_reason) +
            ",\"idle_wait\":" + quoted(info.idle_wait) +
            ",\"owns_threads\":" + (info.owns_threads ? "true" : "false") +
            ",\"parks_observable\":" + (info.parks_observable ? "true" : "false") +
            ",\"pins_workers\":" + (info.pins_workers ? "true" : "false") +
            ",\"put_allocates\":" + (info.put_allocates ? "true" : "false") +
            ",\"one_worker_fifo\":" + (info.one_worker_fifo ? "true" : "false") +
            ",\"producer_fifo\":" + (info.producer_fifo ? "true" : "false") +
            ",\"event_items\":" + (info.event_items ? "true" : "false") +
            ",\"workers_bound_callbacks\":" + (info.workers_bound_callbacks ? "true" : "false") +
            "}";
    }
    return json + "]";
}

void add_context(const std::string& suite) {
    benchmark::AddCustomContext("wq.backends", join(available_backends()));
    benchmark::AddCustomContext("wq.backend_catalogue", backend_catalogue_json());
    benchmark::AddCustomContext("wq.calibration_engines", calibration_engines_json());
    // The floors as measured at start-up (the floor/ benchmarks measure them again in the run).
    benchmark::AddCustomContext("wq.floor_cacheline_rtt_ns",
                                std::to_string(floors().cacheline_rtt_ns));
    benchmark::AddCustomContext("wq.floor_cacheline_oneway_ns",
                                std::to_string(floors().cacheline_oneway_ns));
    benchmark::AddCustomContext("wq.floor_wake_rtt_ns", std::to_string(floors().wake_rtt_ns));
    benchmark::AddCustomContext("wq.floor_wake_oneway_ns", std::to_string(floors().wake_oneway_ns));
    for (std::size_t i = 0; i < std::size(Floors::idle_gaps); ++i) {
        benchmark::AddCustomContext(
            "wq.floor_wake_idle_us" + std::to_string(Floors::idle_gaps[i]) + "_oneway_ns",
            std::to_string(floors().wake_idle_oneway_ns[i]));
    }
    benchmark::AddCustomContext("wq.suite", suite);
    benchmark::AddCustomContext("wq.cpus", join(allowed_cpus()));
    benchmark::AddCustomContext("wq.pinning",
                                run_settings().pinning
                                    ? "busy threads on distinct CPUs when they fit, else unpinned "
                                      "(each benchmark's label says which)"
                                    : "off (--wq_no_pin)");
#if defined(__clang__)
    benchmark::AddCustomContext("wq.compiler", std::string("clang ") + __clang_version__);
#elif defined(__GNUC__)
    benchmark::AddCustomContext("wq.compiler", std::string("gcc ") + __VERSION__);
#endif
    benchmark::AddCustomContext("wq.build_type", WQ_BUILD_TYPE);
    benchmark::AddCustomContext("wq.busy_work_1ms_took_ns", std::to_string(busy_work_check_ns()));
    if constexpr (detail::injecting) {  // a gate-validation build: never a real result
        benchmark::AddCustomContext("wq.inject", std::string(detail::inject_spec));
    }
    if constexpr (detail::injecting_at_runtime) {  // what a planned ns is in loop rounds here
        benchmark::AddCustomContext("wq.inject_ns_per_loop", std::to_string(inject_ns_per_loop()));
    }
    benchmark::AddCustomContext("wq.os", std::string(os::name()));
    benchmark::AddCustomContext("wq.kernel", os::kernel());
    benchmark::AddCustomContext("wq.cpu_clock", os::cpu_clock());  // the CPU counters' clock
    if (const std::string wine = os::wine_version(); !wine.empty()) {
        benchmark::AddCustomContext("wq.wine", wine);  // Wine's implementation, not Windows'
    }
#if WQ_HAVE_TBB
    benchmark::AddCustomContext("wq.onetbb", TBB_VERSION_STRING);
#endif
    benchmark::AddCustomContext("wq.boost", BOOST_LIB_VERSION);
    benchmark::AddCustomContext("wq.liburing", WQ_LIBURING_VERSION);
}

}  // namespace
}  // namespace wq::bench

int main(int argc, char** argv) {
    using namespace wq::bench;
    const std::size_t runs_each = runs_per_benchmark(argc, argv);
    // Our own flags first; everything else goes to Google Benchmark.
    int kept = 1;
    std::vector<Workload> workloads;
    bool print_workloads = false;
    std::string inject_plan;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--wq_print_workloads") {
            print_workloads = true;
        } else if (arg == "--wq_full") {
            run_settings().full = true;
        } else if (arg == "--wq_no_pin") {
            run_settings().pinning = false;
        } else if (arg.starts_with("--wq_workload=")) {
            try {
                workloads.push_back(parse_workload(arg.substr(std::strlen("--wq_workload="))));
            } catch (const std::invalid_argument& error) {
                std::fprintf(stderr, "wq_bench: %s\n", error.what());
                return 2;
            }
        } else if (arg.starts_with("--wq_inject=")) {
            const std::string plan(arg.substr(std::strlen("--wq_inject=")));
            if constexpr (!wq::detail::injecting_at_runtime) {
                std::fprintf(stderr,
                             "wq_bench: --wq_inject=%s needs a build configured with "
                             "-DWQ_INJECT=runtime (this build's WQ_INJECT is '%s')\n",
                             plan.c_str(), std::string(wq::detail::inject_spec).c_str());
                return 2;
            }
            if (const std::string problem = load_inject_plan(plan); !problem.empty()) {
                std::fprintf(stderr, "wq_bench: %s\n", problem.c_str());
                return 2;
            }
            inject_plan = plan;
        } else if (arg.starts_with("--wq_")) {
            std::fprintf(stderr,
                         "wq_bench: unknown flag '%s' (known: --wq_full, --wq_no_pin, "
                         "--wq_workload=SPEC, --wq_print_workloads, --wq_inject=PLAN)\n",
                         argv[i]);
            return 2;
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    if (print_workloads) {
        for (const Workload& workload : workloads) {
            std::printf("%s sends:%zu\n", workload.suffix().c_str(),
                        workload.saturate() ? std::size_t{0} : workload.sends_per_repetition());
        }
        return 0;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 2;
    }
    measure_floors_once();
    add_context(!workloads.empty() ? "workload" : run_settings().full ? "full" : "default");
    if (!inject_plan.empty()) {
        benchmark::AddCustomContext("wq.inject_plan", inject_plan);
    }
    // Registration order is run order (unless --benchmark_enable_random_interleaving): the
    // families in bench/scenarios.json's order — floors, the bare peers, then the engines.
    if (const std::string problem = add_families(workloads); !problem.empty()) {
        std::fprintf(stderr, "wq_bench: %s\n", problem.c_str());
        return 2;
    }
    if (const std::string problem = check_inject_plan(registered_names());
        !inject_plan.empty() && !problem.empty()) {
        std::fprintf(stderr, "wq_bench: %s\n", problem.c_str());
        return 2;
    }
    const std::optional<std::size_t> selected = selected_count(benchmark::GetBenchmarkFilter());
    if (selected == std::size_t{0}) {  // before Google Benchmark's own, multi-line, complaint
        std::fprintf(stderr, "wq_bench: no benchmark matches the filter '%s'\n",
                     benchmark::GetBenchmarkFilter().c_str());
        return 2;
    }
    set_progress_total(selected.value_or(0) * runs_each);  // 0: no total shown
    const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (ran == 0) {
        std::fprintf(stderr, "wq_bench: no benchmark matches the filter '%s'\n",
                     benchmark::GetBenchmarkFilter().c_str());
        return 2;
    }
    return 0;
}
