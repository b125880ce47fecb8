// MMCSS's work-queue calls (MFBeginRegisterWorkQueueWithMMCSS(Ex) and the rest), compiled into
// the same suites as mfapi_test.cpp: wq's layer on every back-end, the real mfplat.dll and
// rtworkq.dll under Wine, and through RTWorkQ's names. Wine implements none of them (each answers
// E_NOTIMPL): the KnownDifference* tests assert that side and Microsoft's documented one for wq.
// The scheduling the registration gives a queue's threads is wq's own and checked on wq's layer:
// as the OS allowed it (realtime as root), and where the process may not (an unprivileged run).
#include "mf_test_api.hpp"

#include <array>

#if !WQ_OS_WINDOWS
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#endif

namespace {

using wq::LONG;

// HRESULT_FROM_WIN32 of AvSetMmThreadCharacteristics' refusals (an unknown class, task index).
constexpr HRESULT invalid_task_name = static_cast<HRESULT>(0x8007060EU);
constexpr HRESULT invalid_task_index = static_cast<HRESULT>(0x8007060FU);

class Mmcss : public MfApi {
protected:
    /// MFBeginRegisterWorkQueueWithMMCSSEx, then its done callback's End: the begin's answer if
    /// it failed, else the end's; `*task` in: the task to join (0: a new one), out: the end's.
    static HRESULT register_queue(DWORD queue, const wchar_t* usage_class, DWORD* task,
                                  LONG priority) {
        std::atomic<bool> done{false};
        HRESULT ended = E_FAIL;
        DWORD got = 0;
        ComPtr<IMFAsyncCallback> callback = wq::make_callback([&](IMFAsyncResult* result) {
            ended = api::MFEndRegisterWorkQueueWithMMCSS(result, &got);
            done.store(true);
        });
        const HRESULT begun = api::MFBeginRegisterWorkQueueWithMMCSSEx(
            queue, usage_class, *task, priority, callback.get(), nullptr);
        if (wq::failed(begun)) {
            return begun;
        }
        EXPECT_TRUE(eventually([&] { return done.load(); })) << "the done callback never ran";
        *task = got;
        return ended;
    }
    static HRESULT unregister_queue(DWORD queue) {
        std::atomic<bool> done{false};
        HRESULT ended = E_FAIL;
        ComPtr<IMFAsyncCallback> callback = wq::make_callback([&](IMFAsyncResult* result) {
            ended = api::MFEndUnregisterWorkQueueWithMMCSS(result);
            done.store(true);
        });
        const HRESULT begun =
            api::MFBeginUnregisterWorkQueueWithMMCSS(queue, callback.get(), nullptr);
        if (wq::failed(begun)) {
            return begun;
        }
        EXPECT_TRUE(eventually([&] { return done.load(); })) << "the done callback never ran";
        return ended;
    }
    /// MFGetWorkQueueMMCSSClass into a string (its length protocol checked on the way).
    static std::wstring class_of(DWORD queue) {
        DWORD length = 0;
        EXPECT_EQ(api::MFGetWorkQueueMMCSSClass(queue, nullptr, &length), MF_E_BUFFERTOOSMALL);
        EXPECT_GE(length, 1U);  // the terminator counts
        std::wstring name(length, L'?');
        DWORD size = length;
        EXPECT_EQ(api::MFGetWorkQueueMMCSSClass(queue, name.data(), &size), S_OK);
        EXPECT_EQ(size, length);
        name.resize(length - 1);
        return name;
    }
};

// Microsoft's documentation: the begin completes through the done callback, whose End gives the
// task id; the getters then answer the class, the task and the relative priority; unregistered,
// the class is empty. Wine: E_NOTIMPL for every one of them.
TEST_P(Mmcss, KnownDifferenceAQueueRegistersAndUnregisters) {
    DWORD queue = 0;
    ASSERT_EQ(api::MFAllocateWorkQueueEx(MF_MULTITHREADED_WORKQUEUE, &queue), S_OK);
    DWORD task = 0;
    if (api::real_mf) {
        EXPECT_EQ(register_queue(queue, L"Audio", &task, 1), E_NOTIMPL);
        DWORD length = 0;
        EXPECT_EQ(api::MFGetWorkQueueMMCSSClass(queue, nullptr, &length), E_NOTIMPL);
        EXPECT_EQ(api::MFGetWorkQueueMMCSSTaskId(queue, &task), E_NOTIMPL);
        LONG priority = 0;
        EXPECT_EQ(api::MFGetWorkQueueMMCSSPriority(queue, &priority), E_NOTIMPL);
        EXPECT_EQ(unregister_queue(queue), E_NOTIMPL);
        EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
        return;
    }
    EXPECT_EQ(class_of(queue), L"");  // not registered
    ASSERT_EQ(register_queue(queue, L"Audio", &task, 1), S_OK);
    EXPECT_GE(task, 1U);
    EXPECT_EQ(class_of(queue), L"Audio");
    DWORD small = 3;  // "Audio" needs 6
    std::array<wchar_t, 3> buffer{};
    EXPECT_EQ(api::MFGetWorkQueueMMCSSClass(queue, buffer.data(), &small), MF_E_BUFFERTOOSMALL);
    EXPECT_EQ(small, 6U);
    DWORD got_task = 0;
    EXPECT_EQ(api::MFGetWorkQueueMMCSSTaskId(queue, &got_task), S_OK);
    EXPECT_EQ(got_task, task);
    LONG priority = 0;
    EXPECT_EQ(api::MFGetWorkQueueMMCSSPriority(queue, &priority), S_OK);
    EXPECT_EQ(priority, 1);
    // The plain form registers at relative priority 0.
    DWORD plain = 0;
    ASSERT_EQ(api::MFAllocateWorkQueue(&plain), S_OK);
    std::atomic<bool> done{false};
    ComPtr<IMFAsyncCallback> callback = wq::make_callback([&](IMFAsyncResult* result) {
        DWORD joined = 0;
        EXPECT_EQ(api::MFEndRegisterWorkQueueWithMMCSS(result, &joined), S_OK);
        EXPECT_EQ(joined, task);
        done.store(true);
    });
    ASSERT_EQ(
        api::MFBeginRegisterWorkQueueWithMMCSS(plain, L"capture", task, callback.get(), nullptr),
        S_OK);
    ASSERT_TRUE(eventually([&] { return done.load(); }));
    EXPECT_EQ(api::MFGetWorkQueueMMCSSPriority(plain, &priority), S_OK);
    EXPECT_EQ(priority, 0);
    EXPECT_EQ(class_of(plain), L"capture");  // as given: classes are matched without case

    EXPECT_EQ(unregister_queue(queue), S_OK);
    EXPECT_EQ(class_of(queue), L"");
    EXPECT_EQ(api::MFGetWorkQueueMMCSSTaskId(queue, &got_task), S_OK);
    EXPECT_EQ(got_task, 0U);
    EXPECT_EQ(unregister_queue(queue), S_OK);  // not registered: nothing to undo
    EXPECT_EQ(api::MFUnlockWorkQueue(plain), S_OK);
    EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
}

// Windows' MMCSS refuses a class it has no task for and a task id it did not hand out; MF passes
// the refusal to End. A queue id that is not a live allocated queue is refused by the begin.
TEST_P(Mmcss, KnownDifferenceUnknownClassesTasksAndQueues) {
    DWORD queue = 0;
    ASSERT_EQ(api::MFAllocateWorkQueue(&queue), S_OK);
    DWORD task = 0;
    const HRESULT unknown_class = register_queue(queue, L"No Such Class", &task, 0);
    task = 987654;
    const HRESULT unknown_task = register_queue(queue, L"Audio", &task, 0);
    task = 0;
    const HRESULT platform_queue =
        register_queue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, L"Audio", &task, 0);
    EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
    task = 0;
    const HRESULT dead_queue = register_queue(queue, L"Audio", &task, 0);
    if (api::real_mf) {
        for (const HRESULT hr : {unknown_class, unknown_task, platform_queue, dead_queue}) {
            EXPECT_EQ(hr, E_NOTIMPL);
        }
        return;
    }
    EXPECT_EQ(unknown_class, invalid_task_name);
    EXPECT_EQ(unknown_task, invalid_task_index);
    EXPECT_EQ(platform_queue, MF_E_INVALID_WORKQUEUE);
    EXPECT_EQ(dead_queue, MF_E_INVALID_WORKQUEUE);
    EXPECT_EQ(api::MFGetWorkQueueMMCSSTaskId(queue, &task), MF_E_INVALID_WORKQUEUE);
}

// The platform's queues register together (MFRegisterPlatformWithMMCSS); a serial queue runs on
// its target's threads, so the getters answer for those, and it registers nothing itself.
TEST_P(Mmcss, KnownDifferenceThePlatformRegistersItsQueues) {
    DWORD serial = 0;
    ASSERT_EQ(api::MFAllocateSerialWorkQueue(MFASYNC_CALLBACK_QUEUE_STANDARD, &serial), S_OK);
    DWORD task = 0;
    const HRESULT registered = api::MFRegisterPlatformWithMMCSS(L"Pro Audio", &task, 0);
    if (api::real_mf) {
        EXPECT_EQ(registered, E_NOTIMPL);
        EXPECT_EQ(api::MFUnregisterPlatformFromMMCSS(), E_NOTIMPL);
        EXPECT_EQ(api::MFUnlockWorkQueue(serial), S_OK);
        return;
    }
    ASSERT_EQ(registered, S_OK);
    EXPECT_GE(task, 1U);
    for (const DWORD queue :
         std::array<DWORD, 4>{MFASYNC_CALLBACK_QUEUE_MULTITHREADED, MFASYNC_CALLBACK_QUEUE_STANDARD,
                              MFASYNC_CALLBACK_QUEUE_RT, serial}) {
        EXPECT_EQ(class_of(queue), L"Pro Audio") << queue;
        DWORD got = 0;
        EXPECT_EQ(api::MFGetWorkQueueMMCSSTaskId(queue, &got), S_OK);
        EXPECT_EQ(got, task) << queue;
    }
    DWORD serial_task = 0;
    EXPECT_EQ(register_queue(serial, L"Audio", &serial_task, 0), MF_E_INVALID_WORKQUEUE);
    DWORD missing = 0;
    EXPECT_EQ(api::MFRegisterPlatformWithMMCSS(L"No Such Class", &missing, 0), invalid_task_name);
    EXPECT_EQ(class_of(MFASYNC_CALLBACK_QUEUE_MULTITHREADED), L"Pro Audio");  // unchanged
    EXPECT_EQ(api::MFUnregisterPlatformFromMMCSS(), S_OK);
    EXPECT_EQ(class_of(serial), L"");
    EXPECT_EQ(api::MFUnregisterPlatformFromMMCSS(), S_OK);
    EXPECT_EQ(api::MFUnlockWorkQueue(serial), S_OK);
}

// MFLockSharedWorkQueue's class is an MMCSS class: the shared queue is registered in the caller's
// task (0: a new one) and a later lock gets the same task back. Wine gives no task (0).
TEST_P(Mmcss, KnownDifferenceASharedQueueOfAClassIsRegistered) {
    DWORD first = 0;
    DWORD second = 0;
    DWORD task = 0;
    ASSERT_EQ(api::MFLockSharedWorkQueue(L"Playback", 0, &task, &first), S_OK);
    DWORD again = 0;
    ASSERT_EQ(api::MFLockSharedWorkQueue(L"Playback", 0, &again, &second), S_OK);
    EXPECT_EQ(first, second);
    if (api::real_mf) {
        EXPECT_EQ(task, 0U);
        EXPECT_EQ(again, 0U);
    } else {
        EXPECT_GE(task, 1U);
        EXPECT_EQ(again, task);
        EXPECT_EQ(class_of(first), L"Playback");
    }
    EXPECT_EQ(api::MFUnlockWorkQueue(first), S_OK);
    EXPECT_EQ(api::MFUnlockWorkQueue(second), S_OK);
}

#if !defined(WQ_TEST_REAL_MF)
/// Runs `threads` items on `queue` and returns how each one's thread was scheduled. Each waits a
/// moment for the others to start, so that they spread over the queue's threads (a spread, not a
/// promise: iocp runs no more at once than its concurrency, whatever blocks).
std::vector<wq::WorkerScheduling> scheduling_seen(DWORD queue, unsigned threads) {
    std::mutex mutex;
    std::vector<wq::WorkerScheduling> seen;
    std::atomic<unsigned> arrived{0};
    std::atomic<unsigned> finished{0};
    ComPtr<IMFAsyncCallback> callback = wq::make_callback([&](IMFAsyncResult*) {
        const wq::WorkerScheduling mine = wq::this_thread_scheduling();
        arrived.fetch_add(1);
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds{50};
        while (arrived.load() < threads && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds{1});
        }
        {
            const std::lock_guard lock(mutex);
            seen.push_back(mine);
        }
        finished.fetch_add(1);
    });
    for (unsigned i = 0; i < threads; ++i) {
        EXPECT_EQ(api::MFPutWorkItem(queue, callback.get(), nullptr), S_OK);
    }
    EXPECT_TRUE(eventually([&] { return finished.load() == threads; }));
    return seen;
}

/// The kinds must agree; on Linux the levels too (Windows reads back its own priority values).
void expect_scheduled(const std::vector<wq::WorkerScheduling>& seen,
                      const wq::WorkerScheduling& applied) {
    for (const wq::WorkerScheduling& thread : seen) {
        EXPECT_EQ(thread.kind, applied.kind);
        if (!WQ_OS_WINDOWS) {
            EXPECT_EQ(thread.level, applied.level);
        }
    }
}

// Engine::set_worker_scheduling schedules threads an engine owns (BackendTraits::owns_threads);
// a library's or the OS's pool (tbb, mfplat, winpool) stays as it is.
bool threads_are_the_queues_own(const std::string& backend) {
    for (const wq::BackendInfo& info : wq::backend_catalogue()) {
        if (info.name == backend) {
            return info.owns_threads;
        }
    }
    return true;
}

// wq's own: a registered queue's threads run as work_queue_scheduling says, which is what the OS
// allowed of the class — SCHED_RR 20 for "Pro Audio" at priority 0 where the process may (root
// may), TIME_CRITICAL on Windows — and as they were once it is unregistered.
TEST_P(Mmcss, ARegisteredQueuesThreadsAreScheduledForItsClass) {
    DWORD queue = 0;
    ASSERT_EQ(api::MFAllocateWorkQueueEx(MF_MULTITHREADED_WORKQUEUE, &queue), S_OK);
    const unsigned threads = 4;  // the platform's worker count (mf_test_api.hpp)
    expect_scheduled(scheduling_seen(queue, threads), wq::WorkerScheduling{});
    DWORD task = 0;
    ASSERT_EQ(register_queue(queue, L"Pro Audio", &task, 0), S_OK);
    wq::WorkerScheduling applied;
    ASSERT_EQ(wq::work_queue_scheduling(queue, &applied), S_OK);
    if (!threads_are_the_queues_own(GetParam())) {
        EXPECT_EQ(applied, wq::WorkerScheduling{});
    } else if (WQ_OS_WINDOWS) {
        EXPECT_EQ(applied.kind, wq::WorkerScheduling::Kind::realtime);
    }
#if !WQ_OS_WINDOWS
    if (threads_are_the_queues_own(GetParam()) && geteuid() == 0) {
        EXPECT_EQ(applied, (wq::WorkerScheduling{wq::WorkerScheduling::Kind::realtime, 20}));
    }
#endif
    expect_scheduled(scheduling_seen(queue, threads), applied);

    // A one-thread queue, and a platform registration seen from a serial queue.
    DWORD single = 0;
    ASSERT_EQ(api::MFAllocateWorkQueue(&single), S_OK);
    ASSERT_EQ(register_queue(single, L"Audio", &task, -1), S_OK);
    ASSERT_EQ(wq::work_queue_scheduling(single, &applied), S_OK);
    expect_scheduled(scheduling_seen(single, 1), applied);

    EXPECT_EQ(unregister_queue(queue), S_OK);
    ASSERT_EQ(wq::work_queue_scheduling(queue, &applied), S_OK);
    EXPECT_EQ(applied, wq::WorkerScheduling{});
    expect_scheduled(scheduling_seen(queue, threads), wq::WorkerScheduling{});
    EXPECT_EQ(api::MFUnlockWorkQueue(single), S_OK);
    EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
}

TEST_P(Mmcss, ThePlatformsThreadsAreScheduledForItsClass) {
    DWORD serial = 0;
    ASSERT_EQ(api::MFAllocateSerialWorkQueue(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, &serial), S_OK);
    DWORD task = 0;
    ASSERT_EQ(api::MFRegisterPlatformWithMMCSS(L"Games", &task, 2), S_OK);
    wq::WorkerScheduling applied;
    ASSERT_EQ(wq::work_queue_scheduling(serial, &applied), S_OK);
    wq::WorkerScheduling standard;
    ASSERT_EQ(wq::work_queue_scheduling(MFASYNC_CALLBACK_QUEUE_STANDARD, &standard), S_OK);
    EXPECT_EQ(standard, applied);
#if !WQ_OS_WINDOWS
    if (threads_are_the_queues_own(GetParam()) && geteuid() == 0) {
        EXPECT_EQ(applied, (wq::WorkerScheduling{wq::WorkerScheduling::Kind::realtime, 24}));
    }
#endif
    expect_scheduled(scheduling_seen(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, 4), applied);
    expect_scheduled(scheduling_seen(MFASYNC_CALLBACK_QUEUE_STANDARD, 1), applied);
    expect_scheduled(scheduling_seen(serial, 1), applied);
    EXPECT_EQ(api::MFUnregisterPlatformFromMMCSS(), S_OK);
    expect_scheduled(scheduling_seen(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, 4),
                     wq::WorkerScheduling{});
    EXPECT_EQ(api::MFUnlockWorkQueue(serial), S_OK);
}

#if !WQ_OS_WINDOWS
// Where the process may not raise threads (no CAP_SYS_NICE, RLIMIT_RTPRIO and RLIMIT_NICE 0) the
// registration still succeeds — MMCSS's own does whatever the boost it gives — and the threads
// stay as they were; work_queue_scheduling says so. Run in a child of this binary that gives up
// the rights first (UnprivilegedSide below): rights given up cannot be taken back.
TEST_P(Mmcss, WhereTheProcessMayNotRaiseThreads) {
    std::array<char, 4096> self{};
    const ssize_t length = readlink("/proc/self/exe", self.data(), self.size() - 1);
    ASSERT_GT(length, 0);
    const std::string filter = std::string("Platforms/Mmcss.UnprivilegedSide/") + GetParam();
    const std::string command = "WQ_TEST_UNPRIVILEGED=1 '" + std::string(self.data()) +
                                "' --gtest_filter=" + filter + " 2>&1";
    FILE* child = popen(command.c_str(), "r");
    ASSERT_NE(child, nullptr);
    std::string output;
    std::array<char, 512> chunk{};
    while (fgets(chunk.data(), static_cast<int>(chunk.size()), child) != nullptr) {
        output += chunk.data();
    }
    const int status = pclose(child);
    EXPECT_EQ(status, 0) << output;
    EXPECT_NE(output.find("[  PASSED  ] 1 test"), std::string::npos) << output;
    EXPECT_EQ(output.find("SKIPPED"), std::string::npos) << output;
}

/// Gives up the right to raise threads: as root, becomes nobody; then both limits go to 0.
void give_up_raising() {
    if (geteuid() == 0) {
        ASSERT_EQ(setgroups(0, nullptr), 0);
        ASSERT_EQ(setgid(65534), 0);
        ASSERT_EQ(setuid(65534), 0);  // every thread of the process (glibc)
        // The uid change made the process undumpable; LeakSanitizer's exit check must still be
        // able to attach to its threads.
        ASSERT_EQ(prctl(PR_SET_DUMPABLE, 1), 0);
    }
    const rlimit none{0, 0};
    ASSERT_EQ(setrlimit(RLIMIT_RTPRIO, &none), 0);
    ASSERT_EQ(setrlimit(RLIMIT_NICE, &none), 0);
    sched_param param{};
    param.sched_priority = 1;
    ASSERT_NE(sched_setscheduler(0, SCHED_RR, &param), 0) << "still allowed to raise threads";
}

TEST_P(Mmcss, UnprivilegedSide) {
    if (std::getenv("WQ_TEST_UNPRIVILEGED") == nullptr) {
        GTEST_SKIP() << "run by WhereTheProcessMayNotRaiseThreads, in a child without the right";
    }
    drain();  // the fixture's platform: started with the rights
    give_up_raising();
    ASSERT_EQ(api::start(GetParam()), S_OK);
    started_ = true;
    DWORD queue = 0;
    ASSERT_EQ(api::MFAllocateWorkQueueEx(MF_MULTITHREADED_WORKQUEUE, &queue), S_OK);
    DWORD task = 0;
    ASSERT_EQ(register_queue(queue, L"Pro Audio", &task, 0), S_OK);
    EXPECT_GE(task, 1U);
    EXPECT_EQ(class_of(queue), L"Pro Audio");
    wq::WorkerScheduling applied{wq::WorkerScheduling::Kind::realtime, 1};
    ASSERT_EQ(wq::work_queue_scheduling(queue, &applied), S_OK);
    EXPECT_EQ(applied, wq::WorkerScheduling{});
    expect_scheduled(scheduling_seen(queue, 4), wq::WorkerScheduling{});
    DWORD platform_task = 0;
    EXPECT_EQ(api::MFRegisterPlatformWithMMCSS(L"Audio", &platform_task, 0), S_OK);
    expect_scheduled(scheduling_seen(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, 4),
                     wq::WorkerScheduling{});
    EXPECT_EQ(api::MFUnlockWorkQueue(queue), S_OK);
}
#endif  // !WQ_OS_WINDOWS
#endif  // !WQ_TEST_REAL_MF

INSTANTIATE_TEST_SUITE_P(Platforms, Mmcss, ::testing::ValuesIn(api::platforms()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             return param.param;
                         });

}  // namespace
