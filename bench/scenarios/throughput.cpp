// bench/scenarios/throughput.cpp — items per second through every back-end over a sweep of
// producers, workers, callback costs and batches (bench/scenarios.json "throughput"; the method
// is bench/scenarios/throughput.hpp).
#include "scenarios/throughput.hpp"

#include <algorithm>

namespace wq::bench {
namespace {

std::vector<ThroughputShape> standard_shapes() {
    const unsigned c = usable_cpus();
    return {
        {1, 1, 0, 1},        {1, 1, 0, 64},          {c, c, 0, 1},       {1, c, 1000, 1},
        {c, 2 * c, 1000, 1}, {2 * c, 2 * c, 100, 1}, {1, c, 10'000, 64},
    };
}

// P and W each from {1, cores, 2×cores}: P+W from 2 up to 4× the cores, so oversubscription shows.
std::vector<ThroughputShape> full_shapes() {
    const unsigned c = usable_cpus();
    std::vector<unsigned> counts{1, c, 2 * c};
    counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
    std::vector<ThroughputShape> shapes;
    for (const std::uint64_t work : {0ULL, 100ULL, 1000ULL, 10'000ULL}) {
        for (const unsigned p : counts) {
            for (const unsigned w : counts) {
                for (const std::size_t batch : {std::size_t{1}, std::size_t{64}}) {
                    shapes.push_back({p, w, work, batch});
                }
            }
        }
    }
    return shapes;
}

bool same_shape(const ThroughputShape& a, const ThroughputShape& b) {
    return a.producers == b.producers && a.workers == b.workers && a.work_ns == b.work_ns &&
           a.batch == b.batch;
}

std::string shape_params(const ThroughputShape& s) {
    return "/producers:" + std::to_string(s.producers) + "/workers:" + std::to_string(s.workers) +
           "/work_ns:" + std::to_string(s.work_ns) + "/batch:" + std::to_string(s.batch);
}

// The default suite runs the standard shapes; --wq_full all of them, in the same order.
const bool registered = register_engine_family("throughput", []<class EngineT>() {
    const std::vector<ThroughputShape> standard = standard_shapes();
    for (const ThroughputShape& shape : full_shapes()) {
        const bool in_standard = std::any_of(standard.begin(), standard.end(),
                                             [&](const auto& s) { return same_shape(s, shape); });
        add(
            in_standard ? Suite::standard : Suite::full,
            benchmark_name<EngineT>("throughput", shape_params(shape)),
            [shape](benchmark::State& state) { throughput(state, Concrete<EngineT>{}, shape); },
            benchmark::kMillisecond);
    }
});

}  // namespace
}  // namespace wq::bench
