// bench/workload.hpp — a workload in its user's terms, for scripts/choose: `wq_bench
// --wq_workload=SPEC` registers workload/<backend>/<suffix> for every back-end available.
//
//   SPEC    producers:P,workers:W,work_ns:N,rate:R|saturate,batch:B[,serial:Q][,high_pct:H]
//           [,sends:S]   (any order)
//   suffix  producers:P/workers:W/work_ns:N/rate:R|saturate/batch:B[/serial:Q][/high_pct:H]
//
// rate is items per second, all producers together ("saturate": as fast as they can put);
// sends (at a rate only) is how many items one repetition sends — by default a quarter of a
// second of arrivals, at least 2000 and at most 200 000. serial and high_pct put the items
// through MF's work-queue API (wq/mfapi.hpp) on the back-end instead of Engine::put: serial:Q
// round-robins each producer's items over Q serial queues on the multithreaded queue (MF's
// strands); high_pct:H puts H% of the items at priority 1 and the rest at 0, on the multithreaded
// queue or the serial queues — and reports the high ones' latency apart (at a rate only).
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
    unsigned serial = 0;        ///< serial queues the items go through; 0 = none
    unsigned high_pct = 0;      ///< percent of items put at priority 1; 0 = none

    /// Whether the items go through the MF layer (serial queues or priorities).
    [[nodiscard]] bool through_mf() const { return serial > 0 || high_pct > 0; }

    [[nodiscard]] bool saturate() const { return rate <= 0; }
    /// Items one repetition sends at a rate.
    [[nodiscard]] std::size_t sends_per_repetition() const;
    /// "producers:P/workers:W/work_ns:N/rate:R|saturate/batch:B[/serial:Q][/high_pct:H]" (the
    /// benchmark name's tail).
    [[nodiscard]] std::string suffix() const;
};

/// Parses SPEC (see above). Throws std::invalid_argument naming the bad field and value and the
/// accepted range.
Workload parse_workload(std::string_view spec);

}  // namespace wq::bench
