// Media Foundation's work-queue API, one test source compiled against wq's layer on Linux (every
// back-end), against wq's layer on Windows (mingw-w64, under Wine), and against the real
// mfplat.dll under Wine (WQ_TEST_REAL_MF) — and each of those again through RTWorkQ's names
// (WQ_TEST_RTWQ: wq/rtworkq.hpp, the real rtworkq.dll; tests/rtwq_api.hpp). The same assertions
// run in all; where the real platform and wq's layer differ, a test named KnownDifference*
// asserts each side's own answer, and docs/mf.md lists it.
#include "mf_test_api.hpp"

namespace {

TEST_P(MfApi, PutWorkItemRunsTheCallbackOnceWithItsState) {
    std::atomic<int> runs{0};
    std::atomic<bool> state_seen{false};
    ComPtr<IMFAsyncCallback> state = wq::make_callback([](IMFAsyncResult*) {});  // any IUnknown
    auto callback = wq::make_callback([&](IMFAsyncResult* result) {
        IUnknown* got = nullptr;
        if (result->GetState(&got) == S_OK) {
            state_seen.store(got == state.get());
            got->Release();
        }
        runs.fetch_add(1);
    });
    ASSERT_EQ(api::MFPutWorkItem(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, callback.get(), state.get()),
              S_OK);
    ASSERT_TRUE(eventually([&] { return runs.load() == 1; }));
    EXPECT_TRUE(state_seen.load());
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
    EXPECT_EQ(runs.load(), 1);
}

TEST_P(MfApi, PutWorkItemExRunsACreatedResultWithItsObjectStateAndStatus) {
    std::atomic<int> runs{0};
    std::atomic<HRESULT> status{S_OK};
    ComPtr<IMFAsyncCallback> object = wq::make_callback([](IMFAsyncResult*) {});
    ComPtr<IMFAsyncCallback> state = wq::make_callback([](IMFAsyncResult*) {});
    std::atomic<bool> object_seen{false};
    auto callback = wq::make_callback([&](IMFAsyncResult* result) {
        IUnknown* got = nullptr;
        if (result->GetObject(&got) == S_OK) {
            object_seen.store(got == object.get());
            got->Release();
        }
        status.store(result->GetStatus());
        runs.fetch_add(1);
    });
    IMFAsyncResult* result = nullptr;
    ASSERT_EQ(api::MFCreateAsyncResult(object.get(), callback.get(), state.get(), &result), S_OK);
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(result->GetStateNoAddRef(), state.get());
    ASSERT_EQ(result->SetStatus(static_cast<HRESULT>(0x80004005L)), S_OK);
    ASSERT_EQ(api::MFPutWorkItemEx(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, result), S_OK);
    result->Release();  // the platform holds its own reference while the item waits
    ASSERT_TRUE(eventually([&] { return runs.load() == 1; }));
    EXPECT_TRUE(object_seen.load());
    EXPECT_EQ(status.load(), static_cast<HRESULT>(0x80004005L));
}

TEST_P(MfApi, IdsThatNameNoQueueAreRefused) {
    auto callback = wq::make_callback([](IMFAsyncResult*) {});
    for (const DWORD id : {DWORD{0}, DWORD{6}, DWORD{0x00120001}, DWORD{0x7FFF0003}}) {
        EXPECT_EQ(api::MFPutWorkItem(id, callback.get(), nullptr), MF_E_INVALID_WORKQUEUE)
            << std::hex << id;
    }
    EXPECT_EQ(api::MFLockWorkQueue(0x00120001), MF_E_INVALID_WORKQUEUE);
    EXPECT_EQ(api::MFUnlockWorkQueue(0x00120001), MF_E_INVALID_WORKQUEUE);
    // Platform queues need no lock: locking and unlocking them succeeds and changes nothing.
    EXPECT_EQ(api::MFLockWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED), S_OK);
    EXPECT_EQ(api::MFUnlockWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED), S_OK);
}

TEST_P(MfApi, TheLastUnlockEndsAnAllocatedQueueAfterItsItemsRun) {
    for (const bool multithreaded : {false, true}) {
        DWORD queue = 0;
        if (multithreaded) {
            ASSERT_EQ(api::MFAllocateWorkQueueEx(MF_MULTITHREADED_WORKQUEUE, &queue), S_OK);
        } else {
            ASSERT_EQ(api::MFAllocateWorkQueue(&queue), S_OK);
        }
        EXPECT_NE(queue & MFASYNC_CALLBACK_QUEUE_PRIVATE_MASK, 0U) << std::hex << queue;
        std::atomic<int> runs{0};
        auto callback = wq::make_callback([&](IMFAsyncResult*) { runs.fetch_add(1); });
        ASSERT_EQ(api::MFLockWorkQueue(queue), S_OK);  // two locks now
        ASSERT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
        for (int i = 0; i < 100; ++i) {
            ASSERT_EQ(api::MFPutWorkItem(queue, callback.get(), nullptr), S_OK);
        }
        ASSERT_TRUE(eventually([&] { return runs.load() == 100; }));
        ASSERT_EQ(api::MFUnlockWorkQueue(queue), S_OK);  // the last
        EXPECT_EQ(api::MFPutWorkItem(queue, callback.get(), nullptr), MF_E_INVALID_WORKQUEUE);
        EXPECT_EQ(api::MFLockWorkQueue(queue), MF_E_INVALID_WORKQUEUE);
        EXPECT_EQ(api::MFUnlockWorkQueue(queue), MF_E_INVALID_WORKQUEUE);
    }
}

/// Items that record their order and that no two of them run at once.
struct OrderLog {
    std::mutex mutex;
    std::vector<int> order;
    std::atomic<int> running{0};
    std::atomic<int> overlaps{0};
    void ran(int id) {
        if (running.fetch_add(1) != 0) {
            overlaps.fetch_add(1);
        }
        std::this_thread::yield();  // widen the window an overlap would need
        {
            const std::lock_guard lock(mutex);
            order.push_back(id);
        }
        running.fetch_sub(1);
        finished.fetch_add(1);  // last: a waiter that sees it may destroy the log
    }
    /// How many items have finished with the log (not merely recorded their id).
    [[nodiscard]] std::size_t size() const { return static_cast<std::size_t>(finished.load()); }

    std::atomic<int> finished{0};
};

/// Puts `count` items numbered 0.. onto `queue`, each logging itself.
void put_numbered(DWORD queue, int count, OrderLog& log) {
    for (int i = 0; i < count; ++i) {
        auto callback = wq::make_callback([&log, i](IMFAsyncResult*) { log.ran(i); });
        ASSERT_EQ(api::MFPutWorkItem(queue, callback.get(), nullptr), S_OK);
    }
}

/// Puts `count` numbered items onto `queue` and checks they ran 0, 1, … one at a time.
void expect_serial(DWORD queue, int count) {
    OrderLog log;
    put_numbered(queue, count, log);
    // A volume wait: fails only when no item finishes for 20 s (a stall), not when a loaded
    // machine takes longer than that for all of them.
    ASSERT_TRUE(finishes([&] { return static_cast<long long>(log.size()); }, count));
    EXPECT_EQ(log.overlaps.load(), 0);
    for (int i = 0; i < count; ++i) {
        ASSERT_EQ(log.order[static_cast<std::size_t>(i)], i);
    }
}

TEST_P(MfApi, ASerialQueueRunsItsItemsInOrderOneAtATime) {
    DWORD serial = 0;
    ASSERT_EQ(api::MFAllocateSerialWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, &serial), S_OK);
    EXPECT_NE(serial & MFASYNC_CALLBACK_QUEUE_PRIVATE_MASK, 0U);
    expect_serial(serial, 2000);
    EXPECT_EQ(api::MFUnlockWorkQueue(serial), S_OK);
}

TEST_P(MfApi, ASerialQueueMayTargetAnotherSerialQueue) {
    DWORD outer = 0;
    DWORD inner = 0;
    ASSERT_EQ(api::MFAllocateSerialWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, &outer), S_OK);
    ASSERT_EQ(api::MFAllocateSerialWorkQueue(outer, &inner), S_OK);
    expect_serial(inner, 500);
    EXPECT_EQ(api::MFUnlockWorkQueue(inner), S_OK);
    EXPECT_EQ(api::MFUnlockWorkQueue(outer), S_OK);
}

// MF's docs: the target "must be either a multithreaded queue or another serial work queue" — an
// existing one. wq refuses a missing target at allocation; Wine's mfplat allocates the serial
// queue anyway (its puts then have nowhere to go).
TEST_P(MfApi, KnownDifferenceASerialQueueOnAMissingTarget) {
    DWORD serial = 0;
    const HRESULT hr = api::MFAllocateSerialWorkQueue(0x00120001, &serial);
    if (api::real_mf) {
        EXPECT_EQ(hr, S_OK) << "Wine's mfplat now refuses it: drop this difference from docs/mf.md";
        if (hr == S_OK) {
            EXPECT_EQ(api::MFUnlockWorkQueue(serial), S_OK);
        }
    } else {
        EXPECT_EQ(hr, MF_E_INVALID_WORKQUEUE);
    }
}

// MF's docs: MF_WINDOW_WORKQUEUE is a queue whose thread runs a message loop. Wine's mfplat and
// wq both give a queue with one thread of its own and no loop: its items run, in order.
TEST_P(MfApi, AWindowQueueIsAQueueWithOneThread) {
    DWORD queue = 0;
    ASSERT_EQ(api::MFAllocateWorkQueueEx(MF_WINDOW_WORKQUEUE, &queue), S_OK);
    EXPECT_NE(queue & MFASYNC_CALLBACK_QUEUE_PRIVATE_MASK, 0U) << std::hex << queue;
    expect_serial(queue, 500);
    EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
}

// MF's docs say a result's OVERLAPPED is "used internally to queue the work item"; wq takes that
// at its word (one queue at a time: a second put of a queued result is refused, as the Engine
// contract refuses it), while Wine's mfplat queues a work item per put and runs the result twice.
TEST_P(MfApi, KnownDifferenceAResultPutTwiceWhileQueued) {
    DWORD queue = 0;
    ASSERT_EQ(api::MFAllocateWorkQueue(&queue), S_OK);
    std::atomic<bool> blocking{false};
    std::atomic<bool> release{false};
    auto blocker = wq::make_callback([&](IMFAsyncResult*) {
        blocking.store(true);
        eventually([&] { return release.load(); });  // ends: released below, or after 20 s
    });
    ASSERT_EQ(api::MFPutWorkItem(queue, blocker.get(), nullptr), S_OK);
    ASSERT_TRUE(eventually([&] { return blocking.load(); }));
    std::atomic<int> runs{0};
    auto callback = wq::make_callback([&](IMFAsyncResult*) { runs.fetch_add(1); });
    IMFAsyncResult* result = nullptr;
    ASSERT_EQ(api::MFCreateAsyncResult(nullptr, callback.get(), nullptr, &result), S_OK);
    ASSERT_EQ(api::MFPutWorkItemEx(queue, result), S_OK);
    const HRESULT second = api::MFPutWorkItemEx(queue, result);
    release.store(true);
    const int expected = api::real_mf ? 2 : 1;
    EXPECT_EQ(second, api::real_mf ? S_OK : MF_E_INVALIDREQUEST);
    EXPECT_TRUE(eventually([&] { return runs.load() == expected; }));
    result->Release();
    EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
}

TEST_P(MfApi, PrioritiesOrderWhatWaitsOnAQueueWithOneThread) {
    DWORD queue = 0;
    ASSERT_EQ(api::MFAllocateWorkQueue(&queue), S_OK);  // STANDARD: a thread of its own
    std::atomic<bool> blocking{false};
    std::atomic<bool> release{false};
    auto blocker = wq::make_callback([&](IMFAsyncResult*) {
        blocking.store(true);
        // Ends: the test releases it once the others wait (or gives up after 20 s).
        eventually([&] { return release.load(); });
    });
    ASSERT_EQ(api::MFPutWorkItem(queue, blocker.get(), nullptr), S_OK);
    ASSERT_TRUE(eventually([&] { return blocking.load(); }));
    OrderLog log;
    for (const int priority : {-1, 0, 1}) {
        auto callback = wq::make_callback([&log, priority](IMFAsyncResult*) { log.ran(priority); });
        ASSERT_EQ(api::MFPutWorkItem2(queue, priority, callback.get(), nullptr), S_OK);
    }
    release.store(true);
    ASSERT_TRUE(eventually([&] { return log.size() == 3; }));
    EXPECT_EQ(log.order, (std::vector<int>{1, 0, -1}));
    EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
}

/// The one-thread queues MF code uses as in-order queues: MFAllocateWorkQueue,
/// MFAllocateWorkQueueEx(MF_STANDARD_WORKQUEUE) and MFASYNC_CALLBACK_QUEUE_STANDARD (0: none to
/// unlock).
std::vector<std::pair<DWORD, bool>> one_thread_queues() {
    std::vector<std::pair<DWORD, bool>> queues;
    DWORD queue = 0;
    EXPECT_EQ(api::MFAllocateWorkQueue(&queue), S_OK);
    queues.emplace_back(queue, true);
    EXPECT_EQ(api::MFAllocateWorkQueueEx(MF_STANDARD_WORKQUEUE, &queue), S_OK);
    queues.emplace_back(queue, true);
    queues.emplace_back(MFASYNC_CALLBACK_QUEUE_STANDARD, false);
    return queues;
}

/// Holds a queue's thread busy until released (or 20 s pass).
class Blocker {
public:
    explicit Blocker(DWORD queue) {
        callback_ = wq::make_callback([this](IMFAsyncResult*) {
            blocking_.store(true);
            eventually([this] { return release_.load(); });  // ends: release(), or 20 s
            done_.store(true);
        });
        EXPECT_EQ(api::MFPutWorkItem(queue, callback_.get(), nullptr), S_OK);
        EXPECT_TRUE(eventually([this] { return blocking_.load(); }));
    }
    Blocker(const Blocker&) = delete;
    Blocker& operator=(const Blocker&) = delete;
    ~Blocker() {
        release();
        eventually([this] { return done_.load(); });
    }
    void release() { release_.store(true); }
    [[nodiscard]] bool done() const { return done_.load(); }

private:
    ComPtr<IMFAsyncCallback> callback_;
    std::atomic<bool> blocking_{false};
    std::atomic<bool> release_{false};
    std::atomic<bool> done_{false};
};

// A one-thread queue runs what is put at one priority in put order, on every back-end, whatever
// the engine's own order (tbb's arena and mpmc's per-producer sub-queues have none): items put one
// after the other by two threads taking turns while the queue's thread is held busy, then a burst
// from one thread.
TEST_P(MfApi, AOneThreadQueueRunsInPutOrder) {
    for (const auto& [one_thread, allocated] : one_thread_queues()) {
        const DWORD queue = one_thread;  // a lambda cannot capture a structured binding (clang 14)
        {
            constexpr int count = 200;
            OrderLog log;
            Blocker blocker(queue);
            std::atomic<int> turn{0};
            auto producer = [&](int parity) {
                for (int i = parity; i < count; i += 2) {
                    // Ends: the other producer takes its turn, or 20 s pass.
                    eventually([&] { return turn.load() == i; });
                    auto callback = wq::make_callback([&log, i](IMFAsyncResult*) { log.ran(i); });
                    EXPECT_EQ(api::MFPutWorkItem(queue, callback.get(), nullptr), S_OK);
                    turn.store(i + 1);  // after the put returned: the next put comes after it
                }
            };
            std::thread other(producer, 1);
            producer(0);
            other.join();
            ASSERT_EQ(turn.load(), count);
            blocker.release();
            ASSERT_TRUE(finishes([&] { return static_cast<long long>(log.size()); }, count));
            int out_of_order = 0;
            for (std::size_t i = 1; i < log.order.size(); ++i) {
                out_of_order += log.order[i] < log.order[i - 1] ? 1 : 0;
            }
            EXPECT_EQ(out_of_order, 0) << std::hex << queue << ": adjacent pairs out of order";
        }
        expect_serial(queue, 5000);  // a burst, the thread free
        if (allocated) {
            EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
        }
    }
}

/// A queue of each kind that can be unlocked, and how to make it.
std::vector<std::pair<std::string, DWORD>> unlockable_queues() {
    std::vector<std::pair<std::string, DWORD>> queues;
    DWORD queue = 0;
    EXPECT_EQ(api::MFAllocateWorkQueue(&queue), S_OK);
    queues.emplace_back("standard", queue);
    EXPECT_EQ(api::MFAllocateWorkQueueEx(MF_MULTITHREADED_WORKQUEUE, &queue), S_OK);
    queues.emplace_back("multithreaded", queue);
    EXPECT_EQ(api::MFAllocateSerialWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, &queue), S_OK);
    queues.emplace_back("serial", queue);
    return queues;
}

// The last MFUnlockWorkQueue, called from outside the queue's callbacks: wq returns once no
// callback of that queue is running, having run what was pending (drained, not cancelled), so
// every item put has run and none runs after — on every kind of queue. Real MF (Wine) promises
// neither: seen returning while the callback still ran (a serial queue's always, a standard
// queue's at times) and dropping what was pending; only the dead id is asserted there.
TEST_P(MfApi, KnownDifferenceTheLastUnlockWaitsForTheQueuesCallbacks) {
    for (const auto& [kind, unlockable] : unlockable_queues()) {
        const DWORD queue = unlockable;  // captured below (clang 14: not a structured binding)
        constexpr int pending = 50;
        std::atomic<bool> release{false};
        std::atomic<bool> blocker_done{false};
        std::atomic<int> runs{0};
        auto blocker = wq::make_callback([&](IMFAsyncResult*) {
            eventually([&] { return release.load(); });  // ends: released below, or 20 s
            blocker_done.store(true);
        });
        auto counted = wq::make_callback([&](IMFAsyncResult*) { runs.fetch_add(1); });
        ASSERT_EQ(api::MFPutWorkItem(queue, blocker.get(), nullptr), S_OK);
        // A multithreaded queue's other threads run the counted ones at once; on a one-thread
        // queue they wait behind the blocker.
        for (int i = 0; i < pending; ++i) {
            ASSERT_EQ(api::MFPutWorkItem(queue, counted.get(), nullptr), S_OK);
        }
        // Released while the unlock waits (if it waits: a layer that returned at once would
        // return with the blocker still running).
        std::thread releaser([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds{30});
            release.store(true);
        });
        ASSERT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
        const bool done_at_return = blocker_done.load();
        const int runs_at_return = runs.load();
        releaser.join();
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
        if (!api::real_mf) {
            EXPECT_TRUE(done_at_return) << kind << ": returned while its callback ran";
            EXPECT_EQ(runs.load(), runs_at_return) << kind << ": an item ran after the last unlock";
            EXPECT_EQ(runs_at_return, pending) << kind << ": what was pending has run";
        }
        EXPECT_EQ(api::MFPutWorkItem(queue, counted.get(), nullptr), MF_E_INVALID_WORKQUEUE);
    }
}

// The last unlock from one of the queue's own callbacks: wq's returns S_OK at once (it does not
// wait for the callback that called it), and the id is dead from then on. Real MF (Wine) waits
// for its own callback there and never returns: not run against it.
TEST_P(MfApi, KnownDifferenceTheLastUnlockFromItsOwnCallback) {
    if (api::real_mf) {
        GTEST_SKIP() << "Wine's mfplat deadlocks here (the queue's thread waits for itself)";
    }
    for (const auto& [kind, queue] : unlockable_queues()) {
        std::atomic<HRESULT> unlocked{E_FAIL};
        std::atomic<HRESULT> put_after{E_FAIL};
        std::atomic<int> runs{0};
        auto counted = wq::make_callback([&](IMFAsyncResult*) { runs.fetch_add(1); });
        const DWORD id = queue;
        auto unlocker = wq::make_callback([&, id](IMFAsyncResult*) {
            unlocked.store(api::MFUnlockWorkQueue(id));
            put_after.store(api::MFPutWorkItem(id, counted.get(), nullptr));
        });
        ASSERT_EQ(api::MFPutWorkItem(queue, unlocker.get(), nullptr), S_OK);
        // put_after is the callback's last word: once it is set, both are.
        ASSERT_TRUE(eventually([&] { return put_after.load() != E_FAIL; })) << kind;
        EXPECT_EQ(unlocked.load(), S_OK) << kind;
        EXPECT_EQ(put_after.load(), MF_E_INVALID_WORKQUEUE) << kind;
    }
}

// The queue named, told by what holds it up — not by thread identity (a one-worker `tbb` arena
// may change threads between items): with that queue's one thread held busy, the routed item
// waits until it is released.
TEST_P(MfApi, InvokeCallbackPutsOnTheQueueGetParametersNames) {
    DWORD queue = 0;
    ASSERT_EQ(api::MFAllocateWorkQueue(&queue), S_OK);
    RoutedCallback routed(queue);
    IMFAsyncResult* result = nullptr;
    {
        Blocker blocker(queue);
        ASSERT_EQ(api::MFCreateAsyncResult(nullptr, &routed, nullptr, &result), S_OK);
        ASSERT_EQ(api::MFInvokeCallback(result), S_OK);
        result->Release();
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
        EXPECT_EQ(routed.runs.load(), 0) << "MFInvokeCallback did not use the queue named";
        blocker.release();
        ASSERT_TRUE(eventually([&] { return routed.runs.load() == 1; }));
    }

    // GetParameters failing: the callback still runs (on the standard queue).
    RoutedCallback unrouted(0);
    ASSERT_EQ(api::MFCreateAsyncResult(nullptr, &unrouted, nullptr, &result), S_OK);
    ASSERT_EQ(api::MFInvokeCallback(result), S_OK);
    result->Release();
    ASSERT_TRUE(eventually([&] { return unrouted.runs.load() == 1; }));
    EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
}

// As Wine: a GetParameters that names a platform id is taken at its word (0 names no queue); one
// that names an allocated queue that is gone falls back to the STANDARD queue.
TEST_P(MfApi, InvokeCallbackTakesAPlatformIdAsItIs) {
    RoutedCallback nowhere(0, 0);
    IMFAsyncResult* result = nullptr;
    ASSERT_EQ(api::MFCreateAsyncResult(nullptr, &nowhere, nullptr, &result), S_OK);
    EXPECT_EQ(api::MFInvokeCallback(result), MF_E_INVALID_WORKQUEUE);
    result->Release();

    DWORD gone = 0;
    ASSERT_EQ(api::MFAllocateWorkQueue(&gone), S_OK);
    ASSERT_EQ(api::MFUnlockWorkQueue(gone), S_OK);
    RoutedCallback stale(gone, 0);
    ASSERT_EQ(api::MFCreateAsyncResult(nullptr, &stale, nullptr, &result), S_OK);
    EXPECT_EQ(api::MFInvokeCallback(result), S_OK);
    result->Release();
    EXPECT_TRUE(eventually([&] { return stale.runs.load() == 1; }));
}

// MF's docs (IMFAsyncCallback::GetParameters): a callback flagged FAST_IO_PROCESSING or SIGNAL
// "must be invoked from" MFASYNC_CALLBACK_QUEUE_IO or _TIMER, and the platform answers
// MF_E_INVALID_WORKQUEUE for a queue that is not compatible. wq does so; Wine's mfplat does not
// look at the flags and runs it.
TEST_P(MfApi, KnownDifferenceFastIoCallbacksOnlyOnTheIoAndTimerQueues) {
    for (const DWORD flag :
         {DWORD{MFASYNC_FAST_IO_PROCESSING_CALLBACK}, DWORD{MFASYNC_SIGNAL_CALLBACK}}) {
        RoutedCallback fast(MFASYNC_CALLBACK_QUEUE_IO, flag);
        for (const DWORD queue :
             {DWORD{MFASYNC_CALLBACK_QUEUE_IO}, DWORD{MFASYNC_CALLBACK_QUEUE_TIMER}}) {
            EXPECT_EQ(api::MFPutWorkItem(queue, &fast, nullptr), S_OK) << flag << " on " << queue;
        }
        const HRESULT elsewhere =
            api::MFPutWorkItem(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, &fast, nullptr);
        EXPECT_EQ(elsewhere, api::real_mf ? S_OK : MF_E_INVALID_WORKQUEUE) << flag;
        const int runs = elsewhere == S_OK ? 3 : 2;
        EXPECT_TRUE(eventually([&] { return fast.runs.load() == runs; })) << flag;
    }
}

// MF's docs (MFAllocateWorkQueueEx) define three queue types; wq refuses another value
// (E_INVALIDARG), Wine's mfplat makes a queue of it.
TEST_P(MfApi, KnownDifferenceAnUnknownQueueType) {
    DWORD queue = 0;
    const HRESULT hr = api::MFAllocateWorkQueueEx(static_cast<MFASYNC_WORKQUEUE_TYPE>(3), &queue);
    if (api::real_mf) {
        EXPECT_EQ(hr, S_OK) << "Wine now refuses it: update docs/mf.md";
        if (hr == S_OK) {
            EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
        }
    } else {
        EXPECT_EQ(hr, E_INVALIDARG);
    }
}

// MF's docs (MFLockSharedWorkQueue): "If the value of wszClass is an empty string, this parameter
// [pdwTaskId] must be NULL" — both refuse one (E_INVALIDARG); without one, both give a queue.
TEST_P(MfApi, AnEmptyClassTakesNoTaskPointer) {
    DWORD task = 0;
    DWORD queue = 0;
    EXPECT_EQ(api::MFLockSharedWorkQueue(L"", 0, &task, &queue), E_INVALIDARG);
    ASSERT_EQ(api::MFLockSharedWorkQueue(L"", 0, nullptr, &queue), S_OK);
    std::atomic<int> runs{0};
    auto callback = wq::make_callback([&](IMFAsyncResult*) { runs.fetch_add(1); });
    EXPECT_EQ(api::MFPutWorkItem(queue, callback.get(), nullptr), S_OK);
    EXPECT_TRUE(eventually([&] { return runs.load() == 1; }));
    EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
}

// MF's docs: MFLockSharedWorkQueue gives the queue of its class (an MMCSS task class). wq keeps
// one queue per class name; Wine's mfplat ignores the name ("Class name is ignored"): one queue
// for every class.
TEST_P(MfApi, KnownDifferenceOneSharedQueuePerClass) {
    DWORD audio = 0;
    DWORD capture = 0;
    ASSERT_EQ(api::MFLockSharedWorkQueue(L"Audio", 0, nullptr, &audio), S_OK);
    ASSERT_EQ(api::MFLockSharedWorkQueue(L"Capture", 0, nullptr, &capture), S_OK);
    if (api::real_mf) {
        EXPECT_EQ(audio, capture) << "Wine now keeps a queue per class: update docs/mf.md";
    } else {
        EXPECT_NE(audio, capture);
    }
    EXPECT_EQ(api::MFUnlockWorkQueue(audio), S_OK);
    EXPECT_EQ(api::MFUnlockWorkQueue(capture), S_OK);
}

// MFShutdown with a callback running: wq's drains — it returns once the callback (and what is
// queued) has run. Wine's returns at once, the callback still running.
TEST_P(MfApi, KnownDifferenceShutdownWithACallbackRunning) {
    std::atomic<bool> release{false};
    std::atomic<bool> started{false};
    std::atomic<bool> done{false};
    auto blocker = wq::make_callback([&](IMFAsyncResult*) {
        started.store(true);
        eventually([&] { return release.load(); });  // ends: released below, or 20 s
        done.store(true);
    });
    ASSERT_EQ(api::MFPutWorkItem(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, blocker.get(), nullptr),
              S_OK);
    ASSERT_TRUE(eventually([&] { return started.load(); }));
    // wq's shutdown waits for the callback, so something must release it meanwhile; Wine's returns
    // first and the release comes after.
    std::thread releaser;
    if (!api::real_mf) {
        releaser = std::thread([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds{30});
            release.store(true);
        });
    }
    drain();
    const bool done_at_return = done.load();
    release.store(true);
    if (releaser.joinable()) {
        releaser.join();
    }
    EXPECT_EQ(done_at_return, !api::real_mf);
    EXPECT_TRUE(eventually([&] { return done.load(); }));
}

// Null arguments: wq answers E_POINTER; real MF dereferences them (an access violation), so the
// real side is not run.
TEST_P(MfApi, KnownDifferenceNullArguments) {
    if (api::real_mf) {
        GTEST_SKIP() << "mfplat dereferences null arguments";
    }
    EXPECT_EQ(api::MFAllocateWorkQueue(nullptr), E_POINTER);
    EXPECT_EQ(api::MFAllocateWorkQueueEx(MF_STANDARD_WORKQUEUE, nullptr), E_POINTER);
    EXPECT_EQ(api::MFAllocateSerialWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, nullptr),
              E_POINTER);
    EXPECT_EQ(api::MFPutWorkItem(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, nullptr, nullptr),
              E_POINTER);
    EXPECT_EQ(api::MFPutWorkItemEx(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, nullptr), E_POINTER);
    EXPECT_EQ(api::MFInvokeCallback(nullptr), E_POINTER);
    EXPECT_EQ(api::MFCreateAsyncResult(nullptr, nullptr, nullptr, nullptr), E_POINTER);
    EXPECT_EQ(api::MFScheduleWorkItemEx(nullptr, -1, nullptr), E_POINTER);
    EXPECT_EQ(api::MFLockSharedWorkQueue(nullptr, 0, nullptr, nullptr), E_POINTER);
    EXPECT_EQ(api::MFAddPeriodicCallback(nullptr, nullptr, nullptr), E_POINTER);
}

TEST_P(MfApi, ASharedQueueIsOnePerClass) {
    DWORD first = 0;
    DWORD second = 0;
    DWORD task = 0;
    ASSERT_EQ(api::MFLockSharedWorkQueue(L"Audio", 0, &task, &first), S_OK);
    ASSERT_EQ(api::MFLockSharedWorkQueue(L"Audio", 0, &task, &second), S_OK);
    EXPECT_EQ(first, second);
    std::atomic<int> runs{0};
    auto callback = wq::make_callback([&](IMFAsyncResult*) { runs.fetch_add(1); });
    ASSERT_EQ(api::MFPutWorkItem(first, callback.get(), nullptr), S_OK);
    ASSERT_TRUE(eventually([&] { return runs.load() == 1; }));
    EXPECT_EQ(api::MFUnlockWorkQueue(first), S_OK);
    EXPECT_EQ(api::MFUnlockWorkQueue(second), S_OK);
}

/// An item's state carrying who put it and its number in that producer's order.
class Tag final : public wq::detail::HeapObject<Tag, IUnknown, IUnknown> {
public:
    static ComPtr<Tag> create(int producer, int sequence) {
        return ComPtr<Tag>::adopt(new Tag(producer, sequence));
    }
    const int producer;
    const int sequence;

private:
    friend class wq::detail::HeapObject<Tag, IUnknown, IUnknown>;
    Tag(int producer_, int sequence_) : producer(producer_), sequence(sequence_) {}
    ~Tag() = default;
};

// Four producers put onto one serial queue of a multithreaded pool: never two callbacks at once,
// each producer's items in its order, every item once.
TEST_P(MfApi, ASerialQueueKeepsEachProducersOrderUnderFourProducers) {
    constexpr int producers = 4;
    // 10^6 items in all on Linux ($WQ_STRESS_ITEMS in the sanitizer builds); 10^5 under Wine,
    // where a real completion port's post is a round trip to the Wine server (correctness there,
    // not volume).
#if defined(WQ_TEST_REAL_MF)
    const int per_producer = 25'000;
#else
    const int per_producer =
        WQ_OS_WINDOWS ? 25'000 : static_cast<int>(wq::test::stress_items(1'000'000) / producers);
#endif
    DWORD serial = 0;
    ASSERT_EQ(api::MFAllocateSerialWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, &serial), S_OK);
    std::atomic<int> running{0};
    std::atomic<int> overlaps{0};
    std::atomic<int> out_of_order{0};
    std::atomic<long long> ran{0};
    std::vector<int> next(producers, 0);  // touched only by the serial queue's callbacks
    auto callback = wq::make_callback([&](IMFAsyncResult* result) {
        if (running.fetch_add(1) != 0) {
            overlaps.fetch_add(1);
        }
        const auto* tag = static_cast<const Tag*>(result->GetStateNoAddRef());
        int& expected = next[static_cast<std::size_t>(tag->producer)];
        if (tag->sequence != expected) {
            out_of_order.fetch_add(1);
        }
        expected = tag->sequence + 1;
        running.fetch_sub(1);
        ran.fetch_add(1);
    });
    std::atomic<int> put_failures{0};
    std::vector<std::thread> threads;
    threads.reserve(producers);
    for (int p = 0; p < producers; ++p) {
        threads.emplace_back([&, p] {
            for (int i = 0; i < per_producer; ++i) {
                const ComPtr<Tag> tag = Tag::create(p, i);
                if (api::MFPutWorkItem(serial, callback.get(), tag.get()) != S_OK) {
                    put_failures.fetch_add(1);
                    return;
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    const long long total = static_cast<long long>(producers) * per_producer;
    EXPECT_EQ(put_failures.load(), 0);
    EXPECT_TRUE(finishes([&] { return ran.load(); }, total)) << ran.load() << " of " << total;
    drain();  // before the callback's captures go, whatever happened
    EXPECT_EQ(overlaps.load(), 0);
    EXPECT_EQ(out_of_order.load(), 0);
    for (int p = 0; p < producers; ++p) {
        EXPECT_EQ(next[static_cast<std::size_t>(p)], per_producer);
    }
}

// ---- Scheduled items (MFScheduleWorkItem(Ex), MFCancelWorkItem)

/// A callback that records which of its items ran, in order, with the status each carried.
struct TimedLog {
    std::mutex mutex;
    std::vector<int> order;
    std::vector<HRESULT> statuses;
    std::atomic<int> finished{0};
    ComPtr<IMFAsyncCallback> callback(int id) {
        return wq::make_callback([this, id](IMFAsyncResult* result) {
            {
                const std::lock_guard lock(mutex);
                order.push_back(id);
                statuses.push_back(result->GetStatus());
            }
            finished.fetch_add(1);  // last: a waiter that sees it may destroy the log
        });
    }
};

/// A result for `callback`, created by the API under test; the caller releases it.
ComPtr<IMFAsyncResult> new_result(IMFAsyncCallback* callback) {
    IMFAsyncResult* result = nullptr;
    EXPECT_EQ(api::MFCreateAsyncResult(nullptr, callback, nullptr, &result), S_OK);
    return ComPtr<IMFAsyncResult>::adopt(result);
}

/// Whether `event` is signalled now (an auto-reset event's signal is taken by asking).
bool signalled_now(wq::Event& event) {
    return event.wait(std::chrono::milliseconds{0}) == wq::WaitStatus::signalled;
}

// Due order, whatever the scheduler does: a round counts only when each item's due time is
// known to be apart from the others' (each schedule's call bracketed by clock reads, the due times
// at least 10 ms apart); a round a preemption blurred is done again, at most 10 times.
TEST_P(MfApi, ScheduledItemsRunInDueOrder) {
    using Clock = std::chrono::steady_clock;
    bool compared = false;
    for (int round = 0; round < 10 && !compared; ++round) {
        TimedLog log;
        std::vector<ComPtr<IMFAsyncCallback>> callbacks;
        std::vector<std::pair<Clock::time_point, Clock::time_point>> due;  // earliest, latest
        for (const int delay_ms : {90, 30, 60}) {
            callbacks.push_back(log.callback(delay_ms));
            MFWORKITEM_KEY key = 0;
            const auto before = Clock::now();
            ASSERT_EQ(api::MFScheduleWorkItem(callbacks.back().get(), nullptr, -delay_ms, &key),
                      S_OK);
            const auto delay = std::chrono::milliseconds{delay_ms};
            due.emplace_back(before + delay, Clock::now() + delay);
            EXPECT_NE(key, 0U);
        }
        ASSERT_TRUE(eventually([&] { return log.finished.load() == 3; }));
        EXPECT_EQ(log.statuses, (std::vector<HRESULT>{S_OK, S_OK, S_OK}));
        std::vector<int> expected{30, 60, 90};
        std::vector<std::size_t> by_due{1, 2, 0};  // 30, 60, 90 as put: 90, 30, 60
        bool apart = true;
        for (std::size_t i = 1; i < by_due.size(); ++i) {
            apart = apart && due[by_due[i - 1]].second + std::chrono::milliseconds{10} <
                                 due[by_due[i]].first;
        }
        if (apart) {
            compared = true;
            EXPECT_EQ(log.order, expected);
        }
    }
    EXPECT_TRUE(compared) << "in 10 rounds no schedule ran unpreempted for 10 ms";
}

// The return code says which happened: S_OK, the item will not run; MF_E_NOT_FOUND, it was due
// already and runs. (Cancelled at once, 300 ms before it is due, it is S_OK unless this thread
// stalls that long; either answer is checked against what happens.)
TEST_P(MfApi, CancelStopsAScheduledItemOrSaysItIsTooLate) {
    TimedLog log;
    auto callback = log.callback(1);
    IMFAsyncResult* result = nullptr;
    ASSERT_EQ(api::MFCreateAsyncResult(nullptr, callback.get(), nullptr, &result), S_OK);
    MFWORKITEM_KEY key = 0;
    ASSERT_EQ(api::MFScheduleWorkItemEx(result, -300, &key), S_OK);
    result->Release();
    const HRESULT cancelled = api::MFCancelWorkItem(key);
    if (cancelled == S_OK) {
        std::this_thread::sleep_for(std::chrono::milliseconds{600});
        EXPECT_EQ(log.finished.load(), 0) << "cancelled, yet it ran";
    } else {
        EXPECT_EQ(cancelled, MF_E_NOT_FOUND);
        EXPECT_TRUE(eventually([&] { return log.finished.load() == 1; }));
    }
    EXPECT_EQ(api::MFCancelWorkItem(key), MF_E_NOT_FOUND) << "a key is cancelled once";
}

TEST_P(MfApi, CancelOfAKeyNeverIssuedIsNotFound) {
    EXPECT_EQ(api::MFCancelWorkItem(0x1234567890ULL), MF_E_NOT_FOUND);
}

#if !defined(WQ_TEST_REAL_MF)
// wq's own ScheduleWorkItemAfter takes delays finer than MF's milliseconds; MF's longest timeout
// is held (as good as forever), not wrapped round to "due now".
TEST_P(MfApi, ScheduleAfterAnyDelayAndTheLongestTimeout) {
    wq::Platform platform(GetParam());
    TimedLog log;
    auto callback = log.callback(1);
    MFWORKITEM_KEY key = 0;
    EXPECT_EQ(platform.ScheduleWorkItemAfter(new_result(callback.get()).get(),
                                             std::chrono::microseconds{-1}, &key),
              E_INVALIDARG);
    ASSERT_EQ(platform.ScheduleWorkItemAfter(new_result(callback.get()).get(),
                                             std::chrono::microseconds{200}, &key),
              S_OK);
    ASSERT_TRUE(eventually([&] { return log.finished.load() == 1; }));
    ASSERT_EQ(platform.ScheduleWorkItem(callback.get(), nullptr,
                                        std::numeric_limits<std::int64_t>::min(), &key),
              S_OK);
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    EXPECT_EQ(log.finished.load(), 1) << "the longest timeout ran at once";
    EXPECT_EQ(platform.CancelWorkItem(key), S_OK);
}

/// A cancel race's verdict: every other item (the even ones) was cancelled, its answer in
/// `answers`; each item ends exactly once as that answer says (S_OK: never ran; MF_E_NOT_FOUND or
/// not cancelled: ran once, with status S_OK), released; and the race happened both ways.
void expect_each_ended_once(std::vector<wq::test::TrackedResult>& items,
                            const std::vector<HRESULT>& answers) {
    const std::size_t count = items.size();
    std::size_t wrong = 0;
    std::size_t in_time = 0;
    std::size_t too_late = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const auto runs = items[i].dispatches.load();
        wrong += runs == 1 && items[i].GetStatus() != S_OK ? 1U : 0U;  // ran when due or signalled
        in_time += answers[i] == S_OK ? 1U : 0U;
        too_late += answers[i] == MF_E_NOT_FOUND ? 1U : 0U;
        const bool right = i % 2 == 1 ? runs == 1
                                      : (answers[i] == S_OK && runs == 0) ||
                                            (answers[i] == MF_E_NOT_FOUND && runs == 1);
        wrong += right && items[i].refs() == 1 ? 0U : 1U;
    }
    EXPECT_EQ(wrong, 0U) << "items not ended exactly once as their cancel's answer says, or "
                            "not released";
    // Both answers, whatever the scheduler did: the racers' sets (RaceEnds) give each by
    // construction, so each branch of the check above ran.
    EXPECT_GT(in_time, 0U);
    EXPECT_GT(too_late, 0U);
}

/// The two ends of a cancel race, made so whatever the machine does: `sure` items are cancelled
/// while nothing can hand them over yet (S_OK), `late` ones only after they ran (MF_E_NOT_FOUND).
/// Indices [first, first + 2 * pairs) of the test's items: even ones cancelled, odd ones not.
struct RaceEnds {
    std::size_t first;
    std::size_t pairs;
    [[nodiscard]] bool sure(std::size_t i) const { return i >= first && i < first + pairs; }
    [[nodiscard]] bool late(std::size_t i) const {
        return i >= first + pairs && i < first + 2 * pairs;
    }
    /// Cancels the late ones' even items once each has run.
    void cancel_late(std::vector<wq::test::TrackedResult>& items,
                     const std::vector<MFWORKITEM_KEY>& keys, std::vector<HRESULT>& answers) const {
        for (std::size_t i = first + pairs; i < first + 2 * pairs; ++i) {
            if (i % 2 == 0) {
                // Ends: a late item is due at once (or already signalled), or 20 s pass.
                EXPECT_TRUE(eventually([&] { return items[i].dispatches.load() == 1; }));
                answers[i] = api::MFCancelWorkItem(keys[i]);
            }
        }
    }
};

// wq's answer to MF's documented race: every item ends exactly once, as cancelled (S_OK) or run
// (MF_E_NOT_FOUND). Real MF under Wine answers S_OK also when the callback won (docs/mf.md).
TEST_P(MfApi, CancelRacingTheDueTimeEndsEachItemExactlyOnce) {
    const std::size_t racing = wq::test::running_under_wine() ? 20'000 : 100'000;
    const RaceEnds ends{racing, 64};
    const std::size_t count = racing + 2 * ends.pairs;
    std::vector<wq::test::TrackedResult> items(count);
    auto callback = wq::make_callback([](IMFAsyncResult* result) {
        static_cast<wq::test::TrackedResult*>(result)->dispatches.fetch_add(1);
    });
    std::vector<MFWORKITEM_KEY> keys(count);
    std::uint64_t random = 0x9E3779B97F4A7C15ULL;
    auto next = [&random] {
        random ^= random << 13U;
        random ^= random >> 7U;
        random ^= random << 17U;
        return random;
    };
    // The racers: delays of 0 to 20 ms; each even one is cancelled `lag` schedules later —
    // before, at or after its due time, depending on its delay and the machine. Then the sure
    // ones (an hour ahead, cancelled at once) and the late ones (due at once, cancelled once run).
    const std::size_t lag = 500;
    std::vector<HRESULT> answers(count, E_FAIL);
    auto cancel = [&](std::size_t i) {
        if (i % 2 == 0) {
            answers[i] = api::MFCancelWorkItem(keys[i]);
        }
    };
    for (std::size_t i = 0; i < count; ++i) {
        items[i].pCallback = callback.get();
        const bool sure = ends.sure(i) && i % 2 == 0;
        const auto delay_ms = sure ? std::int64_t{3'600'000}
                              : ends.late(i) || ends.sure(i)
                                  ? 0
                                  : static_cast<std::int64_t>(next() % 21);
        ASSERT_EQ(api::MFScheduleWorkItemEx(&items[i], -delay_ms, &keys[i]), S_OK);
        if (sure) {
            cancel(i);
        } else if (i >= lag && i < racing) {
            cancel(i - lag);
        }
    }
    for (std::size_t i = racing - lag; i < racing; ++i) {
        cancel(i);
    }
    ends.cancel_late(items, keys, answers);
    // Every item not cancelled runs when it is due (not at shutdown, which would complete it
    // early with MF_E_SHUTDOWN).
    const auto stopped = static_cast<std::size_t>(std::count(answers.begin(), answers.end(), S_OK));
    ASSERT_TRUE(finishes(
        [&] {
            long long ran = 0;
            for (const auto& item : items) {
                ran += item.dispatches.load();
            }
            return ran;
        },
        static_cast<long long>(count - stopped)));
    drain();
    expect_each_ended_once(items, answers);
}

#endif

// ---- Waiting items (MFPutWaitingWorkItem, MFCancelWorkItem)

TEST_P(MfApi, AWaitingItemRunsWhenItsEventIsSignalled) {
    TimedLog log;
    auto callback = log.callback(1);
    wq::Event event{wq::EventReset::automatic};
    MFWORKITEM_KEY key = 0;
    ASSERT_EQ(api::MFPutWaitingWorkItem(event.handle(), 0, new_result(callback.get()).get(), &key),
              S_OK);
    EXPECT_NE(key, 0U);
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    EXPECT_EQ(log.finished.load(), 0) << "ran before its event was signalled";
    ASSERT_TRUE(event.set());
    ASSERT_TRUE(eventually([&] { return log.finished.load() == 1; }));
    EXPECT_EQ(log.statuses, (std::vector<HRESULT>{S_OK}));
    EXPECT_FALSE(signalled_now(event)) << "the wait takes an auto-reset event's signal";
    EXPECT_EQ(api::MFCancelWorkItem(key), MF_E_NOT_FOUND) << "it ran: nothing left to cancel";
}

TEST_P(MfApi, AWaitOnASignalledEventRunsAtOnce) {
    TimedLog log;
    auto callback = log.callback(1);
    wq::Event event{wq::EventReset::manual, true};
    ASSERT_EQ(
        api::MFPutWaitingWorkItem(event.handle(), 0, new_result(callback.get()).get(), nullptr),
        S_OK);
    ASSERT_TRUE(eventually([&] { return log.finished.load() == 1; }));
    EXPECT_TRUE(signalled_now(event)) << "a manual-reset event stays signalled";
}

// A waiting item cancelled before its event: wq's does not run (S_OK means it will not, as for a
// scheduled item) and takes no signal; real MF under Wine answers S_OK and runs its callback at
// once with status MF_E_OPERATION_CANCELLED.
TEST_P(MfApi, KnownDifferenceCancelOfAWaitingItem) {
    TimedLog log;
    auto callback = log.callback(1);
    wq::Event event{wq::EventReset::automatic};
    MFWORKITEM_KEY key = 0;
    ASSERT_EQ(api::MFPutWaitingWorkItem(event.handle(), 0, new_result(callback.get()).get(), &key),
              S_OK);
    EXPECT_EQ(api::MFCancelWorkItem(key), S_OK);
    EXPECT_EQ(api::MFCancelWorkItem(key), MF_E_NOT_FOUND) << "a key is cancelled once";
    if (api::real_mf) {
        ASSERT_TRUE(eventually([&] { return log.finished.load() == 1; }));
        EXPECT_EQ(log.statuses, (std::vector<HRESULT>{MF_E_OPERATION_CANCELLED}));
    } else {
        ASSERT_TRUE(event.set());
        std::this_thread::sleep_for(std::chrono::milliseconds{200});
        EXPECT_EQ(log.finished.load(), 0) << "cancelled, yet it ran";
        EXPECT_TRUE(signalled_now(event)) << "a cancelled wait takes no signal";
    }
}

// Win32's rule: one signal of an auto-reset event releases one waiter.
TEST_P(MfApi, OneSignalOfAnAutoResetEventReleasesOneWaitingItem) {
    TimedLog log;
    auto first = log.callback(1);
    auto second = log.callback(2);
    wq::Event event{wq::EventReset::automatic};
    ASSERT_EQ(api::MFPutWaitingWorkItem(event.handle(), 0, new_result(first.get()).get(), nullptr),
              S_OK);
    ASSERT_EQ(api::MFPutWaitingWorkItem(event.handle(), 0, new_result(second.get()).get(), nullptr),
              S_OK);
    ASSERT_TRUE(event.set());
    ASSERT_TRUE(eventually([&] { return log.finished.load() == 1; }));
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
    EXPECT_EQ(log.finished.load(), 1) << "one signal released both waiting items";
    ASSERT_TRUE(event.set());
    ASSERT_TRUE(eventually([&] { return log.finished.load() == 2; }));
}

#if !defined(WQ_TEST_REAL_MF)
// Waits racing their cancels and their events' signals: every item ends exactly once, as
// cancelled (S_OK: never runs) or run (MF_E_NOT_FOUND, or not cancelled); a signal of an
// auto-reset event is taken by one item at most.
TEST_P(MfApi, CancelRacingTheSignalEndsEachWaitingItemExactlyOnce) {
    const std::size_t racing = wq::test::running_under_wine() ? 5'000 : 50'000;
    const RaceEnds ends{racing, 64};
    const std::size_t count = racing + 2 * ends.pairs;
    constexpr std::size_t event_count = 16;
    std::vector<wq::Event> events;
    for (std::size_t e = 0; e < event_count; ++e) {
        events.emplace_back(e % 2 == 0 ? wq::EventReset::automatic : wq::EventReset::manual);
    }
    std::vector<wq::test::TrackedResult> items(count);
    auto callback = wq::make_callback([](IMFAsyncResult* result) {
        static_cast<wq::test::TrackedResult*>(result)->dispatches.fetch_add(1);
    });
    std::atomic<bool> signalling{true};
    std::thread signaller([&] {
        std::size_t e = 0;
        while (signalling.load()) {
            wq::Event& event = events[e++ % event_count];
            event.set();
            std::this_thread::yield();
            event.reset();  // a manual-reset event releases what waits meanwhile
        }
    });
    std::vector<MFWORKITEM_KEY> keys(count);
    std::vector<HRESULT> answers(count, E_FAIL);
    const std::size_t lag = 64;
    for (std::size_t i = 0; i < racing; ++i) {
        items[i].pCallback = callback.get();
        ASSERT_EQ(
            api::MFPutWaitingWorkItem(events[i % event_count].handle(), 0, &items[i], &keys[i]),
            S_OK);
        if (i % 8 == 7) {
            events[(i / 8) % event_count].set();  // this thread signals too: the race happens
        }                                         // whether or not the signaller gets a CPU
        if (i >= lag && (i - lag) % 2 == 0) {
            answers[i - lag] = api::MFCancelWorkItem(keys[i - lag]);
        }
    }
    for (std::size_t i = racing - lag; i < racing; ++i) {
        if (i % 2 == 0) {
            answers[i] = api::MFCancelWorkItem(keys[i]);
        }
    }
    signalling.store(false);
    signaller.join();
    // The sure ones wait on an event nobody signals until they are cancelled (the odd ones: until
    // below); the late ones on one signalled for good.
    wq::Event never{wq::EventReset::manual};
    wq::Event always{wq::EventReset::manual, true};
    for (std::size_t i = racing; i < count; ++i) {
        items[i].pCallback = callback.get();
        ASSERT_EQ(api::MFPutWaitingWorkItem((ends.sure(i) ? never : always).handle(), 0, &items[i],
                                            &keys[i]),
                  S_OK);
        if (ends.sure(i) && i % 2 == 0) {
            answers[i] = api::MFCancelWorkItem(keys[i]);
        }
    }
    ends.cancel_late(items, keys, answers);
    ASSERT_TRUE(never.set());  // the sure ones' odd items run now
    const auto stopped = static_cast<long long>(std::count(answers.begin(), answers.end(), S_OK));
    auto ran = [&] {
        long long sum = 0;
        for (const auto& item : items) {
            sum += item.dispatches.load();
        }
        return sum;
    };
    // What still waits runs when its event is signalled: signal every event until all ran.
    std::thread finisher([&] {
        while (ran() < static_cast<long long>(count) - stopped) {
            for (wq::Event& event : events) {
                event.set();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds{1});
        }
    });
    const bool finished = finishes(ran, static_cast<long long>(count) - stopped);
    if (!finished) {
        drain();  // ends the finisher's loop: shutdown hands every waiting item over
    }
    finisher.join();
    ASSERT_TRUE(finished) << ran() << " of " << static_cast<long long>(count) - stopped;
    drain();
    expect_each_ended_once(items, answers);
}
#endif

// ---- Periodic callbacks (MFAddPeriodicCallback, MFRemovePeriodicCallback)

class TickCounter final : public wq::detail::HeapObject<TickCounter, IUnknown, IUnknown> {
public:
    static ComPtr<TickCounter> create() { return ComPtr<TickCounter>::adopt(new TickCounter()); }
    static void tick(IUnknown* context) { static_cast<TickCounter*>(context)->ticks.fetch_add(1); }
    /// Ticks, and removes its own periodic callback at the first tick that knows its key.
    static void tick_then_remove(IUnknown* context) {
        auto* counter = static_cast<TickCounter*>(context);
        const int ticks = counter->ticks.fetch_add(1) + 1;
        if (const DWORD key = counter->key.load(); key != 0 && counter->removed.load() == E_FAIL) {
            const HRESULT hr = api::MFRemovePeriodicCallback(key);
            counter->ticks_at_remove.store(ticks);
            counter->removed.store(hr);  // last: a waiter that sees it sees the count
        }
    }
    std::atomic<int> ticks{0};
    std::atomic<int> ticks_at_remove{0};
    std::atomic<DWORD> key{0};
    std::atomic<HRESULT> removed{E_FAIL};

private:
    friend class wq::detail::HeapObject<TickCounter, IUnknown, IUnknown>;
    TickCounter() = default;
    ~TickCounter() = default;
};

#if !defined(WQ_TEST_REAL_MF)
// A periodic callback removed from its own tick: the remove does not wait for that tick (it would
// wait for itself) and no tick starts after it.
TEST_P(MfApi, APeriodicCallbackRemovedFromItsOwnTick) {
    const ComPtr<TickCounter> counter = TickCounter::create();
    DWORD key = 0;
    ASSERT_EQ(api::MFAddPeriodicCallback(TickCounter::tick_then_remove, counter.get(), &key), S_OK);
    counter->key.store(key);  // ticks before this only count
    ASSERT_TRUE(eventually([&] { return counter->removed.load() != E_FAIL; }));
    EXPECT_EQ(counter->removed.load(), S_OK);
    std::this_thread::sleep_for(std::chrono::milliseconds{100});  // ten periods
    EXPECT_EQ(counter->ticks.load(), counter->ticks_at_remove.load())
        << "it ticked after it removed itself";
}
#endif

/// The references `object` holds now.
ULONG references(IUnknown* object) {
    object->AddRef();
    return object->Release();
}

// wq: once MFRemovePeriodicCallback returns S_OK (from outside its own tick), no tick is running
// and none starts — also one already queued behind a busy STANDARD thread — and the context's
// reference goes. Real MF (Wine) only stops issuing ticks: what is queued still runs; and it keeps
// the context's reference. Both hold the context while it is registered.
TEST_P(MfApi, KnownDifferenceNoTickAfterThePeriodicCallbackIsRemoved) {
    const ComPtr<TickCounter> counter = TickCounter::create();
    const ULONG unheld = references(counter.get());
    DWORD key = 0;
    ASSERT_EQ(api::MFAddPeriodicCallback(TickCounter::tick, counter.get(), &key), S_OK);
    EXPECT_GT(references(counter.get()), unheld) << "the context is held while registered";
    ASSERT_TRUE(eventually([&] { return counter->ticks.load() >= 3; }));
    EXPECT_EQ(api::MFRemovePeriodicCallback(key), S_OK);
    EXPECT_EQ(api::MFRemovePeriodicCallback(key), MF_E_NOT_FOUND);
    if (api::real_mf) {
        // Ends when a tick under way or queued has run: ticks stop changing (bounded).
        int ticks = -1;
        for (int tries = 0; tries < 20 && ticks != counter->ticks.load(); ++tries) {
            ticks = counter->ticks.load();
            std::this_thread::sleep_for(std::chrono::milliseconds{100});
        }
        EXPECT_EQ(counter->ticks.load(), ticks) << "it kept ticking after it was removed";
    } else {
        const int ticks = counter->ticks.load();
        std::this_thread::sleep_for(std::chrono::milliseconds{100});  // ten periods
        EXPECT_EQ(counter->ticks.load(), ticks) << "it ticked after the remove returned";
    }
    if (api::real_mf) {
        // Wine's mfplat keeps the context's reference after the remove (its timer's result is
        // not released): known difference.
        EXPECT_GT(references(counter.get()), unheld) << "Wine now releases it: update docs/mf.md";
    } else {
        EXPECT_TRUE(eventually([&] { return references(counter.get()) == unheld; }))
            << "the context is released once removed";
    }

    // A tick queued behind the STANDARD queue's busy thread when the remove returns.
    const ComPtr<TickCounter> held_back = TickCounter::create();
    std::optional<Blocker> blocker(std::in_place, MFASYNC_CALLBACK_QUEUE_STANDARD);
    ASSERT_EQ(api::MFAddPeriodicCallback(TickCounter::tick, held_back.get(), &key), S_OK);
    std::this_thread::sleep_for(std::chrono::milliseconds{50});  // ticks come due meanwhile
    EXPECT_EQ(api::MFRemovePeriodicCallback(key), S_OK);
    blocker.reset();  // released, and its callback returned
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
    if (api::real_mf) {
        EXPECT_GE(held_back->ticks.load(), 1) << "Wine now drops a queued tick at the remove";
    } else {
        EXPECT_EQ(held_back->ticks.load(), 0) << "a queued tick ran after the remove returned";
    }
}

#if !defined(WQ_TEST_REAL_MF)
/// Sets wq's platform_shutdown_wait for a scope, then puts the old one back.
class ShutdownWait {
public:
    explicit ShutdownWait(std::chrono::milliseconds wait) : old_(wq::platform_shutdown_wait()) {
        wq::set_platform_shutdown_wait(wait);
    }
    ShutdownWait(const ShutdownWait&) = delete;
    ShutdownWait& operator=(const ShutdownWait&) = delete;
    ~ShutdownWait() { wq::set_platform_shutdown_wait(old_); }

private:
    std::chrono::milliseconds old_;
};
#endif

// Shutdown with items still scheduled or waiting. Their results (MFCreateAsyncResult's) hold the
// platform, so the last MFShutdown waits for them (MF's docs; wq bounds the wait, here to 0): wq
// then completes what is still held — handed to its queue at once with status MF_E_SHUTDOWN. Real
// MF under Wine returns from MFShutdown at once and keeps the platform while results hold it: the
// scheduled item runs at its due time with S_OK.
TEST_P(MfApi, KnownDifferenceShutdownWithItemsScheduledOrWaiting) {
#if !defined(WQ_TEST_REAL_MF)
    const ShutdownWait no_wait(std::chrono::milliseconds{0});
#endif
    TimedLog log;
    auto scheduled = log.callback(7);
    auto waiting = log.callback(8);
    wq::Event event{wq::EventReset::automatic};
    MFWORKITEM_KEY key = 0;
    ASSERT_EQ(api::MFScheduleWorkItemEx(new_result(scheduled.get()).get(),
                                        api::real_mf ? -300 : -60'000, &key),
              S_OK);
    ASSERT_EQ(api::MFPutWaitingWorkItem(event.handle(), 0, new_result(waiting.get()).get(), &key),
              S_OK);
    drain();
    if (api::real_mf) {
        ASSERT_TRUE(eventually([&] { return log.finished.load() >= 1; }));
        EXPECT_EQ(log.order.front(), 7) << "the scheduled item first, at its due time";
        EXPECT_EQ(log.statuses.front(), S_OK);
    } else {
        EXPECT_EQ(log.finished.load(), 2);
        std::sort(log.order.begin(), log.order.end());
        EXPECT_EQ(log.order, (std::vector<int>{7, 8}));
        EXPECT_EQ(log.statuses, (std::vector<HRESULT>{MF_E_SHUTDOWN, MF_E_SHUTDOWN}));
        EXPECT_EQ(api::MFScheduleWorkItem(scheduled.get(), nullptr, -1, &key), MF_E_SHUTDOWN);
        EXPECT_EQ(
            api::MFPutWaitingWorkItem(event.handle(), 0, new_result(waiting.get()).get(), &key),
            MF_E_SHUTDOWN);
    }
}

// The platform lock. MF's docs: MFShutdown "blocks until the platform is unlocked, or until a fixed
// wait period has elapsed"; MFCreateAsyncResult's result holds the platform until it is released,
// as MFLockPlatform does until MFUnlockPlatform. While a holder keeps it after MFShutdown was
// called, puts, allocations, schedules and cancels are served, on both sides. wq's MFShutdown
// waits meanwhile (as the docs say) and shuts the platform down once it is let go; Wine's returns
// at once and the platform lives on until the last lock in the process goes.
TEST_P(MfApi, KnownDifferenceShutdownWhileSomethingHoldsThePlatform) {
#if !defined(WQ_TEST_REAL_MF)
    const ShutdownWait hang_guard(std::chrono::seconds{60});  // a hang guard, not a timing
#endif
    for (const bool by_result : {true, false}) {
        if (!started_) {
            ASSERT_EQ(api::start(GetParam()), S_OK);
            started_ = true;
        }
        auto callback = wq::make_callback([](IMFAsyncResult*) {});
        IMFAsyncResult* held = nullptr;
        if (by_result) {
            ASSERT_EQ(api::MFCreateAsyncResult(nullptr, callback.get(), nullptr, &held), S_OK);
        } else {
            ASSERT_EQ(api::MFLockPlatform(), S_OK);
        }
        std::atomic<bool> returned{false};
        std::thread shutdown([&] {
            EXPECT_EQ(api::stop(), S_OK);
            returned.store(true);
        });
        started_ = false;  // stopped here
        if (api::real_mf) {
            shutdown.join();  // Wine's returns at once
        } else {
            // Likely waiting by now; if not, the calls below come before it and hold the same.
            std::this_thread::sleep_for(std::chrono::milliseconds{20});
        }
        DWORD queue = 0;
        EXPECT_EQ(api::MFAllocateWorkQueue(&queue), S_OK);
        std::atomic<int> runs{0};
        auto counted = wq::make_callback([&](IMFAsyncResult*) { runs.fetch_add(1); });
        EXPECT_EQ(api::MFPutWorkItem(queue, counted.get(), nullptr), S_OK);
        EXPECT_TRUE(eventually([&] { return runs.load() == 1; }));
        MFWORKITEM_KEY key = 0;
        EXPECT_EQ(api::MFScheduleWorkItem(counted.get(), nullptr, -3'600'000, &key), S_OK);
        EXPECT_EQ(api::MFCancelWorkItem(key), S_OK);
        EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
        if (!api::real_mf) {
            EXPECT_FALSE(returned.load()) << "MFShutdown returned while the platform was held";
        }
        if (by_result) {
            held->Release();  // the last lock
        } else {
            ASSERT_EQ(api::MFUnlockPlatform(), S_OK);
        }
        if (!api::real_mf) {
            // (Wine's platform lives on while anything in the process holds it: results earlier
            // tests left, such as a periodic callback's, keep it up there.)
            shutdown.join();
            EXPECT_EQ(
                api::MFPutWorkItem(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, counted.get(), nullptr),
                MF_E_SHUTDOWN)
                << "the platform did not shut down once it was let go";
        }
    }
}

#if !defined(WQ_TEST_REAL_MF)
// wq's wait is bounded (set_platform_shutdown_wait): a result kept past it does not keep the
// platform; MFShutdown shuts it down after the wait, and the late release is harmless.
TEST_P(MfApi, ShutdownWaitsForThePlatformLockOnlySoLong) {
    const ShutdownWait short_wait(std::chrono::milliseconds{20});
    auto callback = wq::make_callback([](IMFAsyncResult*) {});
    IMFAsyncResult* held = nullptr;
    ASSERT_EQ(api::MFCreateAsyncResult(nullptr, callback.get(), nullptr, &held), S_OK);
    drain();
    EXPECT_EQ(api::MFPutWorkItem(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, callback.get(), nullptr),
              MF_E_SHUTDOWN);
    held->Release();
    EXPECT_EQ(api::MFUnlockPlatform(), S_OK) << "an unlock with no lock held changes nothing";
}
#endif

INSTANTIATE_TEST_SUITE_P(Platforms, MfApi, ::testing::ValuesIn(api::platforms()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             return param.param;
                         });

}  // namespace
