// bench/engine_source.hpp — how a scenario gets its engine (the concrete type, or make_engine's
// type-erased one) and registers its twin benchmarks.
#pragma once

#include "common.hpp"
#include "scenario.hpp"

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

// ---- How a scenario gets its engine: the concrete type (a final class: direct calls) or the
// registry (calls through Engine's vtable).

template <class EngineT>
struct Concrete {
    static constexpr bool parks_observable = detail::traits_of<EngineT>.parks_observable;
    std::unique_ptr<EngineT> operator()(const Options& options) const {
        return std::make_unique<EngineT>(engine_options(EngineT::backend_name, options));
    }
};

template <class EngineT>
struct Erased {
    static constexpr bool parks_observable = detail::traits_of<EngineT>.parks_observable;
    std::unique_ptr<Engine> operator()(const Options& options) const {
        return make_engine(EngineT::backend_name, engine_options(EngineT::backend_name, options));
    }
};

template <class Make>
using EngineOf = typename decltype(std::declval<Make>()(Options{}))::element_type;

/// "<scenario>/<backend><params>" (bench/scenarios.json's grammar: params start with '/').
template <class EngineT>
std::string benchmark_name(std::string_view scenario, std::string_view params = {}) {
    return std::string(scenario) + "/" + std::string(EngineT::backend_name) + std::string(params);
}

/// Registers a scenario's benchmark twice for back-end EngineT: through the concrete type (name
/// with `concrete_params`) and through make_engine (`erased_params`) — the pair that prices the
/// virtual hop. `run(state, make)` is the benchmark.
template <class EngineT, class Run>
void add_concrete_and_erased(std::string_view scenario, std::string_view concrete_params,
                             std::string_view erased_params, Run run) {
    add(Suite::standard, benchmark_name<EngineT>(scenario, concrete_params),
        [run](benchmark::State& state) { run(state, Concrete<EngineT>{}); });
    add(Suite::standard, benchmark_name<EngineT>(scenario, erased_params),
        [run](benchmark::State& state) { run(state, Erased<EngineT>{}); });
}

/// Registers family `scenario` as the concrete/make_engine pair for every available back-end:
/// <scenario>/<b><concrete_params> and <scenario>/<b><erased_params> (a calibration engine, where
/// the row hosts them: the concrete one alone). `run(state, make)` is the benchmark.
template <class Run>
bool register_twin_family(std::string_view scenario, std::string_view concrete_params,
                          std::string_view erased_params, Run run) {
    return register_family(scenario, [=] {
        for_each_engine_of(scenario, [&]<class EngineT>() {
            if constexpr (is_calibration<EngineT>) {  // make_engine does not know it
                add(Suite::standard, benchmark_name<EngineT>(scenario, concrete_params),
                    [run](benchmark::State& state) { run(state, Concrete<EngineT>{}); });
            } else {
                add_concrete_and_erased<EngineT>(scenario, concrete_params, erased_params, run);
            }
        });
    });
}

}  // namespace wq::bench
