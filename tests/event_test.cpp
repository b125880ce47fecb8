// The hEvent object: Win32 event semantics (manual and auto reset, timeouts), and on Linux its use
// from an epoll loop.
#include "wq/event.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#if WQ_OS_LINUX
#include <sys/epoll.h>
#include <unistd.h>
#endif

namespace wq {
namespace {

using namespace std::chrono_literals;

TEST(Event, ManualResetStaysSignalledUntilReset) {
    Event event{EventReset::manual};
    EXPECT_EQ(event.wait(0ms), WaitStatus::timeout);
    ASSERT_TRUE(event.set());
    EXPECT_EQ(event.wait(0ms), WaitStatus::signalled);
    EXPECT_EQ(event.wait(0ms), WaitStatus::signalled) << "a manual-reset wait must not consume";
    ASSERT_TRUE(event.set());  // setting twice is still one signalled state
    ASSERT_TRUE(event.reset());
    EXPECT_EQ(event.wait(0ms), WaitStatus::timeout);
}

TEST(Event, AutoResetReleasesOneWaitPerSignal) {
    Event event{EventReset::automatic};
    ASSERT_TRUE(event.set());
    ASSERT_TRUE(event.set());  // already signalled: no effect
    EXPECT_EQ(event.wait(0ms), WaitStatus::signalled);
    EXPECT_EQ(event.wait(0ms), WaitStatus::timeout) << "the wait must have reset it";
}

TEST(Event, InitiallySignalled) {
    Event manual{EventReset::manual, true};
    EXPECT_EQ(manual.wait(0ms), WaitStatus::signalled);
    Event automatic{EventReset::automatic, true};
    EXPECT_EQ(automatic.wait(0ms), WaitStatus::signalled);
    EXPECT_EQ(automatic.wait(0ms), WaitStatus::timeout);
}

TEST(Event, TimeoutExpiresWhenNobodySignals) {
    Event event;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(event.wait(20ms), WaitStatus::timeout);
    // A lower bound only: the wait may take longer on a busy machine, never shorter.
    EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
}

TEST(Event, WaiterOnAnotherThreadIsReleased) {
    Event event;
    std::atomic<int> status{-1};
    std::thread waiter([&] { status = static_cast<int>(event.wait(infinite_wait)); });
    ASSERT_TRUE(event.set());
    waiter.join();
    EXPECT_EQ(status.load(), static_cast<int>(WaitStatus::signalled));
}

TEST(Event, AutoResetWakesExactlyOneOfManyWaitersPerSignal) {
    Event event{EventReset::automatic};
    constexpr int waiters = 4;
    std::atomic<int> released{0};
    std::vector<std::thread> threads;
    threads.reserve(waiters);
    for (int i = 0; i < waiters; ++i) {
        threads.emplace_back([&] {
            if (event.wait(60s) == WaitStatus::signalled) {
                released.fetch_add(1);
            }
        });
    }
    for (int i = 0; i < waiters; ++i) {
        // Each signal releases one waiter; wait for that before the next, so signals do not merge.
        const int before = released.load();
        ASSERT_TRUE(event.set());
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (released.load() == before && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(100us);
        }
        ASSERT_EQ(released.load(), before + 1);
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(released.load(), waiters);
}

TEST(Event, InvalidHandleIsAnErrorNotACrash) {
    EXPECT_FALSE(set_event(nullptr));
    EXPECT_FALSE(reset_event(nullptr));
    EXPECT_EQ(wait_event(nullptr, 0ms), WaitStatus::failed);
    EXPECT_FALSE(close_event(nullptr));
}

#if WQ_OS_LINUX
TEST(Event, FitsAnEpollLoop) {
    Event event{EventReset::automatic};
    const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    ASSERT_GE(epoll, 0);
    epoll_event interest{};
    interest.events = EPOLLIN;
    interest.data.u64 = 7;
    ASSERT_EQ(::epoll_ctl(epoll, EPOLL_CTL_ADD, event_fd(event.handle()), &interest), 0);
    epoll_event ready{};
    EXPECT_EQ(::epoll_wait(epoll, &ready, 1, 0), 0);
    std::thread setter([&] { event.set(); });
    EXPECT_EQ(::epoll_wait(epoll, &ready, 1, 60'000), 1);
    EXPECT_EQ(ready.data.u64, 7U);
    setter.join();
    EXPECT_EQ(event.wait(0ms), WaitStatus::signalled) << "consume the signal after epoll";
    EXPECT_EQ(::epoll_wait(epoll, &ready, 1, 0), 0) << "consumed: no longer readable";
    ::close(epoll);
}
#endif

}  // namespace
}  // namespace wq
