// bench/inject_plan.hpp — a runtime-injection build's plan (wq_bench --wq_inject=PLAN, a build
// configured with -DWQ_INJECT=runtime; scripts/regress --inject 'PATH:BACKEND=N%'): per benchmark,
// the time to add to every put or every dispatch of its engine, turned into loop rounds of
// wq::detail::injected_work at this host's measured cost per round. docs/regression.md.
//
// PLAN is text, one benchmark a line, '#' starts a comment:
//   NAME PATH NS        e.g. "throughput/mpmc/producers:1/workers:1/work_ns:0/batch:1 put 3.2"
// NAME as the results name it (without /real_time), PATH put or dispatch, NS > 0.
#pragma once

#include <string>
#include <vector>

namespace wq::bench {

/// Loads PLAN; "" when it holds, else one line naming the bad line and what is right.
std::string load_inject_plan(const std::string& path);

/// "" when every benchmark the loaded plan names is registered (`registered`: Google Benchmark's
/// names, with /real_time), else one line naming the first that is not: a plan that injects into
/// nothing would validate nothing.
std::string check_inject_plan(const std::vector<std::string>& registered);

/// What one loop round of the injected work takes here, in ns (measured once, the fastest of
/// several timings: a preempted timing only ever reads longer).
double inject_ns_per_loop();

/// For its lifetime, the plan's amounts for benchmark `name` run on every put and dispatch (none
/// when the plan does not name it, or no plan is loaded); none again after.
class InjectionScope {
public:
    explicit InjectionScope(const std::string& name);
    ~InjectionScope();
    InjectionScope(const InjectionScope&) = delete;
    InjectionScope& operator=(const InjectionScope&) = delete;

private:
    bool set_ = false;
};

}  // namespace wq::bench
