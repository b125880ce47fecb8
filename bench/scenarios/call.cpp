// bench/scenarios/call.cpp — the put call alone: the virtual hop priced (bench/scenarios.json
// "call").
#include "engine_scenario.hpp"

namespace wq::bench {
namespace {

// ---- call/<backend>/via:concrete|make_engine
// The virtual hop alone: put(nullptr) in a tight loop on one thread. The engine rejects it at
// validation (E_POINTER) before any queue is touched, so what is left is the call: direct through
// the final concrete type, indirect through Engine's vtable.

template <class Make>
void call(benchmark::State& state, const Make& make) {
    Options options;
    options.workers = 1;
    auto engine = make(options);
    EngineOf<Make>& target = *engine;
    MFASYNCRESULT* nothing = nullptr;
    HRESULT hr = S_OK;
    std::uint64_t calls = 0;
    const auto start = Clock::now();
    for ([[maybe_unused]] auto _ : state) {
        benchmark::DoNotOptimize(nothing);  // the compiler may not assume the argument
        hr = target.put(nothing);
        benchmark::DoNotOptimize(hr);
        ++calls;
    }
    const double elapsed = elapsed_ns(start);
    engine->shutdown();
    if (hr != E_POINTER) {
        state.SkipWithError("put(nullptr) did not return E_POINTER");
        return;
    }
    state.counters["ns_per_call"] =
        elapsed / static_cast<double>(std::max<std::uint64_t>(calls, 1));
}

const bool registered =
    register_twin_family("call", "/via:concrete", "/via:make_engine",
                         [](benchmark::State& state, const auto& make) { call(state, make); });

}  // namespace
}  // namespace wq::bench
