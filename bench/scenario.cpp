// bench/scenario.cpp — the families' registry, in the order of bench/scenarios.json.
#include "scenario.hpp"

#include "scenario_table.hpp"
#include "workload.hpp"

#include <map>
#include <string>
#include <utility>

namespace wq::bench {
namespace {

std::map<std::string_view, std::function<void()>>& families() {
    static std::map<std::string_view, std::function<void()>> registered;
    return registered;
}

std::vector<Workload>& workloads_of_run() {
    static std::vector<Workload> workloads;
    return workloads;
}

}  // namespace

bool register_family(std::string_view name, std::function<void()> add_benchmarks) {
    families().emplace(name, std::move(add_benchmarks));
    return true;
}

bool hosts_calibration(std::string_view name) {
    for (const ScenarioRow& row : scenario_table) {
        if (row.name == name) {
            return row.calibration;
        }
    }
    return false;
}

bool system_mf_runs(std::string_view name, std::string_view params) {
    for (const ScenarioRow& row : scenario_table) {
        if (row.name != name) {
            continue;
        }
        if (!row.system_mf) {
            return false;
        }
        for (const std::string_view pattern : row.system_mf_without) {
            for (std::size_t at = pattern.empty() ? std::string_view::npos : params.find(pattern);
                 at != std::string_view::npos; at = params.find(pattern, at + 1)) {
                const std::size_t end = at + pattern.size();
                if (end == params.size() || params[end] == '/') {
                    return false;
                }
            }
        }
        return true;
    }
    return false;
}

const std::vector<Workload>& requested_workloads() {
    return workloads_of_run();
}

std::string add_families(const std::vector<Workload>& workloads) {
    for (const auto& [name, add] : families()) {
        bool in_table = false;
        for (const ScenarioRow& row : scenario_table) {
            in_table = in_table || row.name == name;
        }
        if (!in_table) {
            return "scenario family '" + std::string(name) +
                   "' has no row in bench/scenarios.json: add one";
        }
    }
    workloads_of_run() = workloads;
    for (const ScenarioRow& row : scenario_table) {
        const auto found = families().find(row.name);
        if (found == families().end()) {
            return "bench/scenarios.json row '" + std::string(row.name) +
                   "' has no family in wq_bench: add its file (docs/extending.md: Adding a "
                   "scenario)";
        }
        // On-demand families run only when asked for (--wq_workload), and then alone.
        if (row.on_demand == !workloads.empty()) {
            found->second();
        }
    }
    return {};
}

}  // namespace wq::bench
