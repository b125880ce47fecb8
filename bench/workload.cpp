// bench/workload.cpp — parsing a workload spec (see workload.hpp).
#include "workload.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <system_error>

namespace wq::bench {
namespace {

constexpr std::string_view spec_format =
    "producers:P,workers:W,work_ns:N,rate:R|saturate,batch:B[,serial:Q][,high_pct:H][,sends:S]";

std::uint64_t parse_number(std::string_view field, std::string_view text, std::uint64_t low,
                           std::uint64_t high) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < low || value > high) {
        throw std::invalid_argument("workload " + std::string(field) + " '" + std::string(text) +
                                    "': use a whole number from " + std::to_string(low) + " to " +
                                    std::to_string(high));
    }
    return value;
}

}  // namespace

std::size_t Workload::sends_per_repetition() const {
    if (sends > 0) {
        return sends;
    }
    return static_cast<std::size_t>(std::clamp(std::round(rate / 4), 2'000.0, 200'000.0));
}

std::string Workload::suffix() const {
    return "producers:" + std::to_string(producers) + "/workers:" + std::to_string(workers) +
           "/work_ns:" + std::to_string(work_ns) + "/rate:" +
           (saturate() ? std::string("saturate")
                       : std::to_string(static_cast<std::uint64_t>(std::llround(rate)))) +
           "/batch:" + std::to_string(batch) +
           (serial > 0 ? "/serial:" + std::to_string(serial) : std::string()) +
           (high_pct > 0 ? "/high_pct:" + std::to_string(high_pct) : std::string());
}

Workload parse_workload(std::string_view spec) {
    Workload workload;
    bool seen_rate = false;
    std::string_view rest = spec;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view part = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const std::size_t colon = part.find(':');
        if (colon == std::string_view::npos) {
            throw std::invalid_argument("workload part '" + std::string(part) +
                                        "': expected field:value (" + std::string(spec_format) +
                                        ")");
        }
        const std::string_view field = part.substr(0, colon);
        const std::string_view value = part.substr(colon + 1);
        if (field == "producers") {
            workload.producers = static_cast<unsigned>(parse_number(field, value, 1, 64));
        } else if (field == "workers") {
            workload.workers = static_cast<unsigned>(parse_number(field, value, 1, 256));
        } else if (field == "work_ns") {
            workload.work_ns = parse_number(field, value, 0, 1'000'000'000);
        } else if (field == "rate") {
            seen_rate = true;
            workload.rate = value == "saturate"
                                ? 0.0
                                : static_cast<double>(parse_number(field, value, 1, 100'000'000));
        } else if (field == "batch") {
            workload.batch = parse_number(field, value, 1, 4096);
        } else if (field == "serial") {
            workload.serial = static_cast<unsigned>(parse_number(field, value, 1, 64));
        } else if (field == "high_pct") {
            workload.high_pct = static_cast<unsigned>(parse_number(field, value, 1, 100));
        } else if (field == "sends") {
            workload.sends = parse_number(field, value, 1, 10'000'000);
        } else {
            throw std::invalid_argument("workload field '" + std::string(field) +
                                        "' is not one of " + std::string(spec_format));
        }
    }
    if (!seen_rate) {
        throw std::invalid_argument("workload '" + std::string(spec) +
                                    "' has no rate (a number of items per second, or saturate)");
    }
    if (workload.saturate() && workload.sends > 0) {
        throw std::invalid_argument("workload '" + std::string(spec) +
                                    "': sends applies at a rate, not to rate:saturate");
    }
    if (workload.saturate() && workload.high_pct > 0) {
        throw std::invalid_argument("workload '" + std::string(spec) +
                                    "': high_pct is measured as latency, at a rate, not with "
                                    "rate:saturate");
    }
    return workload;
}

}  // namespace wq::bench
