#include "inject_plan.hpp"

#include "common.hpp"
#include "wq/detail/inject.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>

namespace wq::bench {
namespace {

struct Amounts {
    double put_ns = 0;
    double dispatch_ns = 0;
};

std::map<std::string, Amounts>& plan() {
    static std::map<std::string, Amounts> rows;
    return rows;
}

[[maybe_unused]] std::uint32_t loops_for(double ns) {  // runtime-injection builds
    if (ns <= 0) {
        return 0;
    }
    return static_cast<std::uint32_t>(std::max(1.0, std::round(ns / inject_ns_per_loop())));
}

}  // namespace

std::string load_inject_plan(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return "--wq_inject=" + path + ": cannot read it (give a plan file: NAME PATH NS a line)";
    }
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        line = line.substr(0, line.find('#'));
        std::istringstream fields(line);
        std::string name;
        std::string which;
        double ns = 0;
        if (!(fields >> name)) {
            continue;  // blank or a comment
        }
        std::string rest;
        if (!(fields >> which >> ns) || (which != "put" && which != "dispatch") ||
            !std::isfinite(ns) || ns <= 0 || (fields >> rest)) {
            std::string problem = path;
            problem += ':';
            problem += std::to_string(number);
            problem += ": '";
            problem += line;
            problem += "': use NAME PATH NS, PATH put or dispatch, NS a time in ns above 0";
            return problem;
        }
        Amounts& amounts = plan()[name];
        (which == "put" ? amounts.put_ns : amounts.dispatch_ns) = ns;
    }
    if (plan().empty()) {
        return "--wq_inject=" + path + ": the plan names no benchmark (NAME PATH NS a line)";
    }
    return {};
}

std::string check_inject_plan(const std::vector<std::string>& registered) {
    for (const auto& [name, amounts] : plan()) {
        if (std::find(registered.begin(), registered.end(), name + "/real_time") ==
            registered.end()) {
            std::string problem = "--wq_inject: the plan names '";
            problem += name;
            problem +=
                "', which is not a benchmark of this run (use the names the results give, "
                "without /real_time)";
            return problem;
        }
    }
    return {};
}

double inject_ns_per_loop() {
    static const double measured = [] {
        constexpr std::uint32_t rounds = 200'000;
        double fastest = 0;
        for (int i = 0; i < 15; ++i) {
            const auto start = Clock::now();
            detail::injected_work(rounds);
            const double ns = elapsed_ns(start);
            fastest = i == 0 ? ns : std::min(fastest, ns);
        }
        return fastest / rounds;
    }();
    return measured;
}

InjectionScope::InjectionScope(const std::string& name) {
    if constexpr (detail::injecting_at_runtime) {
        if (const auto found = plan().find(name); found != plan().end()) {
            detail::set_runtime_injection(loops_for(found->second.put_ns),
                                          loops_for(found->second.dispatch_ns));
            set_ = true;
        }
    }
}

InjectionScope::~InjectionScope() {
    if constexpr (detail::injecting_at_runtime) {
        if (set_) {
            detail::set_runtime_injection(0, 0);
        }
    }
}

}  // namespace wq::bench
