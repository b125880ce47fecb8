// The latency histogram against distributions whose quantiles are known exactly.
#include "histogram.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace wq::bench {
namespace {

TEST(Histogram, EmptyReportsZeros) {
    const Histogram h;
    EXPECT_EQ(h.count(), 0U);
    EXPECT_EQ(h.min(), 0U);
    EXPECT_EQ(h.max(), 0U);
    EXPECT_EQ(h.value_at_quantile(0.5), 0U);
    EXPECT_EQ(h.mean(), 0.0);
}

// Below 64 every value has a bucket of its own: quantiles are exact ranks.
TEST(Histogram, SmallValuesAreExact) {
    Histogram h;
    for (std::uint64_t v = 1; v <= 50; ++v) {
        h.record(v);
    }
    EXPECT_EQ(h.value_at_quantile(0.0), 1U);
    EXPECT_EQ(h.value_at_quantile(0.5), 25U);   // rank ceil(0.5 * 50) = 25
    EXPECT_EQ(h.value_at_quantile(0.9), 45U);   // rank 45
    EXPECT_EQ(h.value_at_quantile(0.99), 50U);  // rank ceil(49.5) = 50
    EXPECT_EQ(h.value_at_quantile(1.0), 50U);
    EXPECT_EQ(h.min(), 1U);
    EXPECT_EQ(h.max(), 50U);
    EXPECT_DOUBLE_EQ(h.mean(), 25.5);
}

TEST(Histogram, ConstantDistributionIsExactAtEveryQuantile) {
    Histogram h;
    h.record_n(123'456, 1000);
    for (const double q : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0}) {
        EXPECT_EQ(h.value_at_quantile(q), 123'456U) << q;  // clamped to the exact max
    }
}

// 990 fast and 10 slow values: p99 is fast, p99.9 is slow — the tail must not be smeared. (63 has a
// bucket of its own; the slow value is the exact max.)
TEST(Histogram, BimodalTailIsNotHidden) {
    Histogram h;
    h.record_n(63, 990);
    h.record_n(1'000'000, 10);
    EXPECT_EQ(h.value_at_quantile(0.5), 63U);
    EXPECT_EQ(h.value_at_quantile(0.99), 63U);          // rank 990
    EXPECT_EQ(h.value_at_quantile(0.991), 1'000'000U);  // rank 991
    EXPECT_EQ(h.value_at_quantile(0.999), 1'000'000U);
    EXPECT_EQ(h.max(), 1'000'000U);
}

// Uniform 1..100000: the k-th quantile is k*100000; the report is never below it and at most one
// bucket width (1/32 of the value) above.
TEST(Histogram, UniformQuantilesWithinOneBucket) {
    Histogram h;
    for (std::uint64_t v = 1; v <= 100'000; ++v) {
        h.record(v);
    }
    for (const double q : {0.5, 0.9, 0.99, 0.999}) {
        const auto truth = static_cast<std::uint64_t>(q * 100'000);
        const std::uint64_t reported = h.value_at_quantile(q);
        EXPECT_GE(reported, truth) << q;
        EXPECT_LE(reported, truth + truth / Histogram::sub_buckets) << q;
    }
}

TEST(Histogram, BucketsBoundEveryValueFromAbove) {
    std::mt19937_64 random(42);
    for (int i = 0; i < 100'000; ++i) {
        const std::uint64_t value = random() >> (random() % 64);
        const std::uint64_t edge = Histogram::upper_edge(Histogram::index_of(value));
        ASSERT_GE(edge, value);
        ASSERT_LE(edge - value, value / Histogram::sub_buckets) << value;
    }
    EXPECT_GE(Histogram::upper_edge(Histogram::index_of(UINT64_MAX)), UINT64_MAX);
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
    Histogram a;
    Histogram b;
    Histogram all;
    for (std::uint64_t v = 1; v <= 10'000; ++v) {
        (v % 3 == 0 ? a : b).record(v * 7);
        all.record(v * 7);
    }
    a.merge(b);
    EXPECT_EQ(a.count(), all.count());
    EXPECT_EQ(a.min(), all.min());
    EXPECT_EQ(a.max(), all.max());
    for (const double q : {0.1, 0.5, 0.99}) {
        EXPECT_EQ(a.value_at_quantile(q), all.value_at_quantile(q));
    }
}

}  // namespace
}  // namespace wq::bench
