// The completion port's own semantics, beyond the shared contract: FIFO packets, LIFO release of
// waiting workers, the concurrency limit, batched dequeues, and (Linux) the unavailable path.
#include "test_support.hpp"

#include "wq/event.hpp"
#include "wq/iocp_engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace wq::test {
namespace {

using namespace std::chrono_literals;

Options port_options(unsigned workers, unsigned concurrency, unsigned batch = 32) {
    Options options;
    options.workers = workers;
    options.concurrency = concurrency;
    options.dequeue_batch = batch;
    return options;
}

class Iocp : public ::testing::Test {
protected:
    void SetUp() override {
        if (const std::string reason = IocpEngine::unavailable_reason(); !reason.empty()) {
            GTEST_SKIP() << "wq: back-end unavailable: " << reason;
        }
    }
    // The port's scheduling (concurrency limit, LIFO release) is the kernel's on Windows; Wine's
    // completion ports do not implement it, so those tests prove nothing there. They run on Linux
    // (our io_uring port) and on real Windows.
    static bool kernel_scheduling_is_emulated() { return running_under_wine(); }
};

// A callback that blocks its worker until `open` is set, so packets pile up in the port.
struct Blocker {
    Event inside{EventReset::manual};
    Event open{EventReset::manual};
    ComPtr<IMFAsyncCallback> callback = make_callback([this](IMFAsyncResult*) {
        inside.set();
        open.wait(60s);
    });
};

TEST_F(Iocp, PacketsAreTakenInPostOrder) {
    if (kernel_scheduling_is_emulated()) {
        GTEST_SKIP() << "Wine's completion ports ignore the concurrency limit and LIFO release";
    }
    // One callback at a time (concurrency 1) over three workers: dispatch order is dequeue order.
    IocpEngine engine(port_options(3, 1));
    Blocker blocker;
    TrackedResult first;
    first.pCallback = blocker.callback.get();
    ASSERT_EQ(engine.put(&first), S_OK);
    ASSERT_EQ(blocker.inside.wait(60s), WaitStatus::signalled);

    std::mutex order_mutex;
    std::vector<std::uint64_t> order;
    auto record = make_callback([&](IMFAsyncResult* result) {
        const std::lock_guard lock(order_mutex);
        order.push_back(static_cast<TrackedResult*>(result)->id);
    });
    std::vector<TrackedResult> items(200);
    for (std::size_t i = 0; i < items.size(); ++i) {
        items[i].id = i;
        items[i].pCallback = record.get();
        ASSERT_EQ(engine.put(&items[i]), S_OK);
    }
    blocker.open.set();
    ASSERT_EQ(engine.shutdown(), S_OK);
    ASSERT_EQ(order.size(), items.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        ASSERT_EQ(order[i], i) << "packet " << i << " was not dispatched in post order";
    }
}

TEST_F(Iocp, MostRecentlyWaitingWorkerTakesTheNextPacket) {
    if (kernel_scheduling_is_emulated()) {
        GTEST_SKIP() << "Wine's completion ports ignore the concurrency limit and LIFO release";
    }
    constexpr unsigned workers = 4;
    IocpEngine engine(port_options(workers, workers));
    auto all_waiting = [&] {
        const EngineCounters c = engine.counters();
        return c.parks - c.wakeups == workers;
    };
    ASSERT_TRUE(eventually(all_waiting)) << "workers never all waited";

    std::mutex threads_mutex;
    std::set<std::thread::id> threads;
    auto record = make_callback([&](IMFAsyncResult*) {
        const std::lock_guard lock(threads_mutex);
        threads.insert(std::this_thread::get_id());
    });
    // One packet at a time, each after the previous worker went back to waiting: LIFO release
    // hands every one of them to that same, most recent waiter (FIFO release would rotate).
    std::vector<TrackedResult> items(20);
    for (std::size_t i = 0; i < items.size(); ++i) {
        items[i].pCallback = record.get();
        ASSERT_EQ(engine.put(&items[i]), S_OK);
        ASSERT_TRUE(eventually([&] { return engine.counters().dispatched == i + 1; }));
        ASSERT_TRUE(eventually(all_waiting));
    }
    ASSERT_EQ(engine.shutdown(), S_OK);
    EXPECT_EQ(threads.size(), 1U) << "packets were spread over " << threads.size()
                                  << " workers: waiting workers were not released LIFO";
}

TEST_F(Iocp, NoMoreThanConcurrencyCallbacksRunAtOnce) {
    if (kernel_scheduling_is_emulated()) {
        GTEST_SKIP() << "Wine's completion ports ignore the concurrency limit and LIFO release";
    }
    // Four workers, a port that lets two run, one packet per dequeue (with batches one worker
    // could take every packet itself). Each callback spins (a running thread on every OS) until a
    // partner is inside, then 30 ms more: the first two overlap, and a third would have been
    // released during those 30 ms if the port did not hold it back.
    IocpEngine engine(port_options(4, 2, 1));
    std::atomic<unsigned> inside{0};
    std::atomic<unsigned> most{0};
    auto busy = make_callback([&](IMFAsyncResult*) {
        const unsigned now = inside.fetch_add(1) + 1;
        unsigned seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        const auto give_up = std::chrono::steady_clock::now() + 10s;
        while (inside.load() < 2 && std::chrono::steady_clock::now() < give_up) {
            detail::cpu_pause();
        }
        const auto hold = std::chrono::steady_clock::now() + 30ms;
        while (std::chrono::steady_clock::now() < hold) {
            detail::cpu_pause();
        }
        inside.fetch_sub(1);
    });
    std::vector<TrackedResult> items(4);
    for (TrackedResult& item : items) {
        item.pCallback = busy.get();
        ASSERT_EQ(engine.put(&item), S_OK);
    }
    ASSERT_EQ(engine.shutdown(), S_OK);
    EXPECT_EQ(most.load(), 2U) << "the port's concurrency is 2";
    EXPECT_EQ(engine.counters().dispatched, 4U);
}

TEST_F(Iocp, WorkersDequeueInBatches) {
    // One worker, blocked while 64 packets queue; released, it takes them 16 per dequeue.
    IocpEngine engine(port_options(1, 1, 16));
    Blocker blocker;
    TrackedResult first;
    first.pCallback = blocker.callback.get();
    ASSERT_EQ(engine.put(&first), S_OK);
    ASSERT_EQ(blocker.inside.wait(60s), WaitStatus::signalled);
    const std::uint64_t before = engine.dequeues();

    auto noop = make_callback([](IMFAsyncResult*) {});
    std::vector<TrackedResult> items(64);
    for (TrackedResult& item : items) {
        item.pCallback = noop.get();
        ASSERT_EQ(engine.put(&item), S_OK);
    }
    blocker.open.set();
    ASSERT_TRUE(eventually([&] { return engine.counters().dispatched == 65; }));
    EXPECT_EQ(engine.dequeues() - before, 4U) << "64 queued packets, batches of 16";
    ASSERT_EQ(engine.shutdown(), S_OK);
}

TEST_F(Iocp, StatusAndBytesTravelWithThePacket) {
    IocpEngine engine(port_options(2, 2));
    std::atomic<DWORD> bytes{0};
    std::atomic<HRESULT> status{S_OK};
    auto check = make_callback([&](IMFAsyncResult* result) {
        bytes.store(static_cast<MFASYNCRESULT*>(result)->dwBytesTransferred);
        status.store(result->GetStatus());
    });
    TrackedResult item;
    item.pCallback = check.get();
    item.dwBytesTransferred = 0xFFFF'FFF0U;  // a full 32-bit count survives the trip
    item.hrStatusResult = E_FAIL;
    ASSERT_EQ(engine.put(&item), S_OK);
    ASSERT_EQ(engine.shutdown(), S_OK);
    EXPECT_EQ(bytes.load(), 0xFFFF'FFF0U);
    EXPECT_EQ(status.load(), E_FAIL);
}

#if WQ_OS_LINUX
// io_uring can be missing (kernel.io_uring_disabled, seccomp, old kernels). The hook makes ring
// setup fail as it would there; the registry must say so and creation must fail cleanly.
TEST(IocpUnavailable, RingSetupFailureIsReportedNotFatal) {
    detail::simulate_io_uring_setup_failure(EPERM);
    const std::vector<std::string> available = available_backends();
    std::string reason;
    for (const BackendInfo& info : backend_catalogue()) {
        if (info.name == "iocp") {
            EXPECT_FALSE(info.available);
            reason = info.unavailable_reason;
        }
    }
    std::string make_error;
    try {
        make_engine("iocp");
    } catch (const std::runtime_error& error) {
        make_error = error.what();
    }
    std::string ctor_error;
    try {
        IocpEngine engine(port_options(2, 2));
    } catch (const std::runtime_error& error) {
        ctor_error = error.what();
    }
    detail::simulate_io_uring_setup_failure(0);

    EXPECT_EQ(std::count(available.begin(), available.end(), "iocp"), 0);
    EXPECT_NE(reason.find("io_uring setup failed"), std::string::npos) << reason;
    EXPECT_NE(reason.find("io_uring_disabled"), std::string::npos) << reason;
    EXPECT_NE(make_error.find("not available here"), std::string::npos) << make_error;
    EXPECT_NE(make_error.find("io_uring"), std::string::npos) << make_error;
    EXPECT_NE(ctor_error.find("io_uring setup failed"), std::string::npos) << ctor_error;
    // And with the hook off again the port works.
    EXPECT_TRUE(IocpEngine::unavailable_reason().empty());
}
#endif

}  // namespace
}  // namespace wq::test
