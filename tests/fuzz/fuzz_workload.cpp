// libFuzzer target: the --wq_workload spec parser (bench/workload.cpp, parse_workload), which
// takes what a user types to scripts/choose and wq_bench.
//
// Holds for every input: parse_workload returns or throws std::invalid_argument (nothing else, no
// crash, no sanitizer report); the message of a refusal is one line naming the workload; a parsed
// workload is in range, and its benchmark-name suffix, read back as a spec ('/' → ','), parses to
// the same workload (the name and the spec cannot disagree).
#include "workload.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

void require(bool condition) {
    if (!condition) {
        std::abort();  // libFuzzer reports the input that broke the property
    }
}

bool same(const wq::bench::Workload& a, const wq::bench::Workload& b) {
    return a.producers == b.producers && a.workers == b.workers && a.work_ns == b.work_ns &&
           a.rate == b.rate && a.batch == b.batch && a.sends == b.sends && a.serial == b.serial &&
           a.high_pct == b.high_pct;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view spec(reinterpret_cast<const char*>(data), size);  // NOLINT
    wq::bench::Workload workload;
    try {
        workload = wq::bench::parse_workload(spec);
    } catch (const std::invalid_argument& error) {
        const std::string_view message = error.what();
        require(message.starts_with("workload "));
        // One line, unless the spec itself carried a line break (quoted as given).
        require(message.find('\n') == std::string_view::npos ||
                spec.find('\n') != std::string_view::npos);
        return 0;
    }
    require(workload.producers >= 1 && workload.producers <= 64);
    require(workload.workers >= 1 && workload.workers <= 256);
    require(workload.batch >= 1 && workload.batch <= 4096);
    require(workload.serial <= 64 && workload.high_pct <= 100);
    require(!workload.saturate() || (workload.sends == 0 && workload.high_pct == 0));
    std::string again = workload.suffix();
    for (char& c : again) {
        c = c == '/' ? ',' : c;
    }
    if (workload.sends > 0) {
        again += ",sends:" + std::to_string(workload.sends);
    }
    require(same(wq::bench::parse_workload(again), workload));
    return 0;
}
