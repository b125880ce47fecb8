// wq/detail/inject.hpp — known extra work on chosen paths of chosen back-ends, for validating the
// regression gates (CMake's WQ_INJECT, scripts/regress --inject; docs/regression.md).
// Empty in every real build: `injecting` is false and nothing here is compiled into a path.
//
//   cmake -DWQ_INJECT=dispatch:mutex=22,put:mpmc=40 ...   22 loop rounds in every mutex dispatch,
//                                                          40 in every mpmc put call
//   cmake -DWQ_INJECT=runtime ...                          the amounts come from the run: the
//                                                          harness sets them per benchmark
//                                                          (wq_bench --wq_inject=PLAN), so an
//                                                          injection can be a share of each
//                                                          row's own cost on this host
#pragma once

#include "wq/build_config.hpp"

#include <cstdint>
#include <string_view>

namespace wq::detail {

enum class InjectPath : std::uint8_t { put, dispatch };

/// The build's injection spec: "PATH:BACKEND=LOOPS[,...]", PATH put or dispatch, BACKEND a
/// back-end's name or * (CMake checked the grammar).
// NOLINTNEXTLINE(readability-redundant-string-init): "" in real builds, a spec in validation ones
inline constexpr std::string_view inject_spec = WQ_INJECT_SPEC;
inline constexpr bool injecting = !inject_spec.empty();
/// A build whose amounts are set while it runs (set_runtime_injection), not compiled in.
inline constexpr bool injecting_at_runtime = inject_spec == "runtime";

/// Loop rounds injected on `path` of `backend` (the last item that names them wins; 0 if none).
constexpr std::uint32_t injected_loops(std::string_view backend, InjectPath path,
                                       std::string_view spec = inject_spec) {
    const std::string_view wanted = path == InjectPath::put ? "put" : "dispatch";
    std::uint32_t loops = 0;
    while (!spec.empty()) {
        const std::size_t comma = spec.find(',');
        const std::string_view item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        const std::size_t colon = item.find(':');
        const std::size_t equals = item.find('=');
        const std::string_view name = item.substr(colon + 1, equals - colon - 1);
        if (item.substr(0, colon) == wanted && (name == "*" || name == backend)) {
            loops = 0;
            for (const char digit : item.substr(equals + 1)) {
                loops = loops * 10 + static_cast<std::uint32_t>(digit - '0');
            }
        }
    }
    return loops;
}

static_assert(injected_loops("mutex", InjectPath::dispatch, "dispatch:*=3,put:mutex=5") == 3);
static_assert(injected_loops("mutex", InjectPath::put, "dispatch:*=3,put:mutex=5") == 5);
static_assert(injected_loops("mpmc", InjectPath::put, "dispatch:*=3,put:mutex=5") == 0);

/// `loops` rounds of a loop the compiler must keep (a store per round): a fixed instruction count.
void injected_work(std::uint32_t loops) noexcept;

/// A runtime-injection build only: the loop rounds every put and every dispatch of every engine
/// runs from now on (0 and 0: none). The harness sets them around one benchmark at a time.
void set_runtime_injection(std::uint32_t put_loops, std::uint32_t dispatch_loops) noexcept;
/// The rounds set for `path`: a relaxed load, the validation build's only extra cost on the path.
/// Relaxed is enough: the harness sets the amounts on the benchmark's thread before the row's
/// first put, and every dispatch is ordered after its put by the put's own hand-off.
std::uint32_t runtime_injected_loops(InjectPath path) noexcept;

}  // namespace wq::detail
