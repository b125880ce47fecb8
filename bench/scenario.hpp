// bench/scenario.hpp — the scenario families and how each registers itself. A family is one file
// (bench/floor.cpp, bench/peers.cpp, bench/scenarios/<name>.cpp) and one row of
// bench/scenarios.json, the table that holds its name grammar, counters, key metric and floor
// for every reader (the smoke check, the summary, the report, scripts/choose). The build turns
// the table's order into scenario_table.hpp; wq_bench registers the families in that order and
// stops at start-up when a row has no family or a family no row.
//
//   // bench/scenarios/wakeup.cpp
//   const bool registered = register_engine_family("wakeup", []<class EngineT>() {
//       add(Suite::standard, benchmark_name<EngineT>("wakeup"), ...);
//   });
#pragma once

#include "calibration.hpp"
#include "wq/backend_list.hpp"

#include <functional>
#include <string_view>
#include <vector>

namespace wq::bench {

struct Workload;

/// Records family `name` (its row in bench/scenarios.json) with the function that registers its
/// benchmarks. Called from a namespace-scope initialiser in the family's file; returns true.
bool register_family(std::string_view name, std::function<void()> add_benchmarks);

/// Registers every family of the table in its order: the default run (`workloads` empty), or
/// only the on-demand workload family for the given workloads. Returns an error message (a row
/// without a family, or the reverse), or "" when all is well.
std::string add_families(const std::vector<Workload>& workloads);

/// The workloads of this run (--wq_workload), for the workload family.
const std::vector<Workload>& requested_workloads();

/// Calls visit.template operator()<E>() for every back-end of the build that can run here, in
/// registry order.
template <class Visit>
void for_each_available_backend(Visit&& visit) {
    detail::Backends::for_each([&]<class EngineT>() {
        if (detail::unavailable_reason<EngineT>().empty()) {
            visit.template operator()<EngineT>();
        }
    });
}

/// Whether family `name`'s row hosts the calibration engines (it has "calibration").
bool hosts_calibration(std::string_view name);

/// Whether family `name`'s row runs the OS's own MF (it has "system_mf") with these params: no
/// pattern of its "without" is found in them, ending where a param ends ("/delay_us:50" is not in
/// "/delay_us:500"). Empty params: whether the row runs it at all.
bool system_mf_runs(std::string_view name, std::string_view params);

/// Calls visit.template operator()<E>() for every engine family `name` runs: the available
/// back-ends, then the calibration engines where its row hosts them.
template <class Visit>
void for_each_engine_of(std::string_view name, Visit&& visit) {
    for_each_available_backend(visit);
    if (hosts_calibration(name)) {
        CalibrationEngines::for_each(visit);
    }
}

/// Whether EngineT is a calibration engine (its benchmarks may skip what it cannot host).
template <class EngineT>
inline constexpr bool is_calibration = false;
template <std::uint64_t DelayNs, detail::FixedName Name>
inline constexpr bool is_calibration<detail::Complete<InlineCore<DelayNs, Name>>> = true;

/// A family whose benchmarks are per engine: `add` is a captureless generic lambda,
/// `[]<class EngineT>() { ... }`, called for each engine of for_each_engine_of(name) when the
/// family registers.
template <class AddForBackend>
bool register_engine_family(std::string_view name, AddForBackend /*add*/) {
    return register_family(name, [name] { for_each_engine_of(name, AddForBackend{}); });
}

}  // namespace wq::bench
