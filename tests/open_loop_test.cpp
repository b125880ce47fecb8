// Open-loop latency is measured from the intended send time: a backlog the engine cannot avoid
// must show up in full. With one worker and callbacks that take 10 µs, item k cannot start before
// k × 10 µs after the first, while it was due at k × 5 µs (200 000 sends per second): its latency
// is at least k × 5 µs on any machine, however fast. A measurement from the actual put, or one that
// paused the sender while the engine was busy, would report far less.
#include "open_loop.hpp"
#include "test_support.hpp"

#include "wq/engine.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace wq::bench {
namespace {

constexpr std::size_t sends = 400;

// One worker, callbacks of 10 µs, 400 items due 5 µs apart: a backlog on any machine.
class OpenLoop : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (const std::string reason = test::unavailable_reason(GetParam()); !reason.empty()) {
            GTEST_SKIP() << "wq: back-end unavailable: " << reason;
        }
        Options options;
        options.workers = 1;
        options.concurrency = 1;
        engine = make_engine(GetParam(), options);
        config.rate_per_second = 200'000;
        config.sends = sends;
        config.callback_work = std::chrono::microseconds{10};
    }

    std::unique_ptr<Engine> engine;
    OpenLoopConfig config;
};

// Whether one worker really means one callback at a time (BackendTraits::workers_bound_callbacks):
// not on mfplat, where Media Foundation ignores `workers` (wq/mfplat_engine.hpp) and its pool may
// run callbacks on several threads at once — there the one-worker bounds do not hold.
bool one_worker_guaranteed(const std::string& backend) {
    return test::info_of(backend).workers_bound_callbacks;
}

TEST_P(OpenLoop, InjectedCallbackDelayShowsUpAsBacklog) {
    const OpenLoopResult result = run_open_loop(*engine, config);
    ASSERT_FALSE(result.put_failed);
    ASSERT_EQ(result.sent, sends);
    ASSERT_EQ(result.latency.count(), sends) << "every dispatched item is recorded once";
    if (!one_worker_guaranteed(GetParam())) {
        GTEST_SKIP() << GetParam() << " does not apply workers = 1: one at a time is not promised";
    }
    // Item k waits at least k × 5 µs: the median item (k ≥ 199) at least 995 µs, the last 1995 µs.
    EXPECT_GE(result.latency.value_at_quantile(0.5), 995'000U);
    EXPECT_GE(result.latency.max(), 1'995'000U);
    EXPECT_GE(result.latency.value_at_quantile(0.99), 1'970'000U);
}

// The same backlog with two sending threads and arrivals of four items (one put_bulk each): item k
// is due at floor(k / 4) × 20 µs ≤ 1980 µs, and one worker spending 10 µs per callback cannot
// start the j-th item it dispatches (from 0) before j × 10 µs. So the last 120 items to start
// (j ≥ 280) wait at least 2800 − 1980 = 820 µs, making the 75th percentile at least that, and the
// last one at least 3990 − 1980 = 2010 µs — whichever sender won which race. Every item is sent
// once and recorded once.
TEST_P(OpenLoop, BatchedArrivalsFromSeveralSendersKeepTheBacklog) {
    config.batch = 4;
    config.senders = 2;
    std::atomic<unsigned> started{0};
    std::atomic<unsigned> ended{0};
    config.on_sender_start = [&](unsigned) { started.fetch_add(1); };
    config.on_sender_end = [&](unsigned) { ended.fetch_add(1); };
    std::size_t drained_sent = 0;
    config.when_drained = [&](const OpenLoopResult& sent) { drained_sent = sent.sent; };
    const OpenLoopResult result = run_open_loop(*engine, config);
    ASSERT_FALSE(result.put_failed);
    EXPECT_EQ(started.load(), 2U) << "each sender thread announces its start";
    EXPECT_EQ(ended.load(), 2U) << "and its end";
    ASSERT_EQ(result.sent, sends);
    EXPECT_EQ(drained_sent, sends) << "when_drained sees every item sent";
    ASSERT_EQ(result.latency.count(), sends) << "every dispatched item is recorded once";
    if (!one_worker_guaranteed(GetParam())) {
        GTEST_SKIP() << GetParam() << " does not apply workers = 1: one at a time is not promised";
    }
    EXPECT_GE(result.latency.value_at_quantile(0.75), 820'000U);
    EXPECT_GE(result.latency.max(), 2'010'000U);
}

INSTANTIATE_TEST_SUITE_P(Backends, OpenLoop, ::testing::ValuesIn(test::built_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace wq::bench
