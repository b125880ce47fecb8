// bench/workload.hpp — a workload in its user's terms, for scripts/choose: `wq_bench
// --wq_workload=SPEC` registers workload/<backend>/<suffix> for every back-end available.
//
//   SPEC    producers:P,workers:W,work_ns:N,rate:R|saturate,batch:B[,sends:S]   (any order)
//   suffix  producers:P/workers:W/work_ns:N/rate:R|saturate/batch:B
//
// rate is items per second, all producers together ("saturate": as fast as they can put);
// sends (at a rate only) is how many items one repetition sends — by default a quarter of a
// second of arrivals, at least 2000 and at most 200 000.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wq::bench {

struct Workload {
    unsigned producers = 1;
    unsigned workers = 1;
    std::uint64_t work_ns = 0;  ///< each callback's busy work
    double rate = 0;            ///< items per second; 0 = saturate
    std::size_t batch = 1;      ///< items per put (put_bulk when > 1)
    std::size_t sends = 0;      ///< items per repetition at a rate; 0 = the default

    [[nodiscard]] bool saturate() const { return rate <= 0; }
    /// Items one repetition sends at a rate.
    [[nodiscard]] std::size_t sends_per_repetition() const;
    /// "producers:P/workers:W/work_ns:N/rate:R|saturate/batch:B" (the benchmark name's tail).
    [[nodiscard]] std::string suffix() const;
};

/// Parses SPEC (see above). Throws std::invalid_argument naming the bad field and value and the
/// accepted range.
Workload parse_workload(std::string_view spec);

}  // namespace wq::bench
