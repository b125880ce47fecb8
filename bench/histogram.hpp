// bench/histogram.hpp — a log-bucketed latency histogram (HdrHistogram's layout, written here:
// HdrHistogram_c is not packaged in Debian bookworm).
//
// Values are non-negative integers (nanoseconds). Each power-of-two range [2^e, 2^(e+1)) is split
// into `sub_buckets` equal buckets, so a recorded value is known to within 1/sub_buckets of itself
// (3.1 % with the default 32); values below `sub_buckets` are recorded exactly. min, max, count and
// the mean are exact. Recording is O(1) with no allocation; not thread-safe (one per thread, then
// merge()).
//
//   wq::bench::Histogram h;
//   h.record(latency_ns);
//   h.value_at_quantile(0.99);   // the p99, rounded up to its bucket's upper edge
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>

namespace wq::bench {

class Histogram {
public:
    static constexpr unsigned sub_bucket_bits = 5;
    static constexpr std::uint64_t sub_buckets = std::uint64_t{1} << sub_bucket_bits;  // 32
    static constexpr unsigned max_exponent = 63;

    void record(std::uint64_t value) noexcept { record_n(value, 1); }

    void record_n(std::uint64_t value, std::uint64_t times) noexcept {
        counts_[index_of(value)] += times;
        count_ += times;
        sum_ += static_cast<double>(value) * static_cast<double>(times);
        min_ = std::min(min_, value);
        max_ = std::max(max_, value);
    }

    void merge(const Histogram& other) noexcept {
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            counts_[i] += other.counts_[i];
        }
        count_ += other.count_;
        sum_ += other.sum_;
        min_ = std::min(min_, other.min_);
        max_ = std::max(max_, other.max_);
    }

    void reset() noexcept { *this = Histogram{}; }

    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
    [[nodiscard]] std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
    [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
    [[nodiscard]] double mean() const noexcept {
        return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_);
    }

    /// The smallest recorded value v such that at least `quantile` of all values are <= v, reported
    /// as the upper edge of v's bucket (never below the truth, at most 1/sub_buckets above it) and
    /// clamped to max(). quantile is clamped to [0, 1]; 0 for an empty histogram.
    [[nodiscard]] std::uint64_t value_at_quantile(double quantile) const noexcept {
        if (count_ == 0) {
            return 0;
        }
        quantile = std::clamp(quantile, 0.0, 1.0);
        // The rank of the wanted value, 1-based: ceil(q * n), at least 1.
        auto rank = static_cast<std::uint64_t>(quantile * static_cast<double>(count_));
        if (static_cast<double>(rank) < quantile * static_cast<double>(count_)) {
            ++rank;
        }
        rank = std::max<std::uint64_t>(rank, 1);
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            seen += counts_[i];
            if (seen >= rank) {
                return std::min(upper_edge(i), max_);
            }
        }
        return max_;
    }

    /// Bucket of a value: exact below sub_buckets, then sub_buckets per power of two.
    static std::size_t index_of(std::uint64_t value) noexcept {
        if (value < sub_buckets) {
            return static_cast<std::size_t>(value);
        }
        const unsigned exponent = 63U - static_cast<unsigned>(std::countl_zero(value));
        const unsigned shift = exponent - sub_bucket_bits;
        const std::uint64_t sub = (value >> shift) - sub_buckets;  // 0 .. sub_buckets-1
        return static_cast<std::size_t>(sub_buckets + (exponent - sub_bucket_bits) * sub_buckets +
                                        sub);
    }

    /// Largest value that falls in bucket `index`.
    static std::uint64_t upper_edge(std::size_t index) noexcept {
        if (index < sub_buckets) {
            return index;
        }
        const std::uint64_t group = (index - sub_buckets) / sub_buckets;  // exponent - bits
        const std::uint64_t sub = (index - sub_buckets) % sub_buckets;
        const auto shift = static_cast<unsigned>(group);
        const std::uint64_t lower = (sub_buckets + sub) << shift;
        const std::uint64_t width = std::uint64_t{1} << shift;
        return lower + (width - 1);
    }

private:
    static constexpr std::size_t bucket_count =
        sub_buckets + (max_exponent - sub_bucket_bits + 1) * sub_buckets;

    std::array<std::uint64_t, bucket_count> counts_{};
    std::uint64_t count_ = 0;
    double sum_ = 0;
    std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t max_ = 0;
};

}  // namespace wq::bench
