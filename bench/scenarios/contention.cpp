// bench/scenarios/contention.cpp — P producers putting into one engine flat out: what a put
// costs when every producer puts at once (bench/scenarios.json "contention").
#include "scenarios/throughput.hpp"

namespace wq::bench {
namespace {

// ---- contention/<backend>/producers:P
// throughput/'s rounds (bench/scenarios/throughput.hpp) with P producers, two workers (an engine
// that must spread its items, as a many-core one does: native's lanes are for several workers) and
// no work per item, reporting the producers' side: ns_per_put (their CPU per put) and
// puts_per_second (one producer's rate), divided by floor/cas_line/threads:P — P threads doing
// nothing but a CAS on one shared line, the limit of a design whose every put writes one shared
// word. P runs over contention_threads(): 1, 2, 4, … up to twice the CPUs. On a machine with few
// CPUs the producers beyond the CPUs take turns (the per-put CPU stays a put's cost); on many cores
// this is where a shared line shows.
const bool registered = register_engine_family("contention", []<class EngineT>() {
    for (const unsigned producers : contention_threads()) {
        add(
            Suite::standard,
            benchmark_name<EngineT>("contention", "/producers:" + std::to_string(producers)),
            [producers](benchmark::State& state) {
                ThroughputRun<Concrete<EngineT>>(state, Concrete<EngineT>{},
                                                 ThroughputShape{producers, 2, 0, 1})
                    .run(false, true);
            },
            benchmark::kMillisecond);
    }
});

}  // namespace
}  // namespace wq::bench
