// tests/mf_test_api.hpp — what the MF suites (mfapi_test.cpp, mmcss_test.cpp) share: the calls
// they make (namespace api: wq's layer, the real mfplat.dll with WQ_TEST_REAL_MF, RTWorkQ's names
// with WQ_TEST_RTWQ — tests/rtwq_api.hpp), the bounded waits, a routed callback and the fixture
// that starts a platform per test.
#pragma once
#include "wq/async_result.hpp"
#include "wq/event.hpp"

#if defined(WQ_TEST_RTWQ)
#include "rtwq_api.hpp"
#elif defined(WQ_TEST_REAL_MF)
#include "wq/types.hpp"  // <windows.h>, <mfapi.h>
#else
#include "test_support.hpp"
#include "wq/mfapi.hpp"
#endif

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if !defined(WQ_TEST_RTWQ)
namespace api {
#if defined(WQ_TEST_REAL_MF)
using ::MFAddPeriodicCallback;
using ::MFAllocateSerialWorkQueue;
using ::MFAllocateWorkQueue;
using ::MFAllocateWorkQueueEx;
using ::MFBeginRegisterWorkQueueWithMMCSS;
using ::MFBeginRegisterWorkQueueWithMMCSSEx;
using ::MFBeginUnregisterWorkQueueWithMMCSS;
using ::MFCancelWorkItem;
using ::MFCreateAsyncResult;
using ::MFEndRegisterWorkQueueWithMMCSS;
using ::MFEndUnregisterWorkQueueWithMMCSS;
using ::MFGetWorkQueueMMCSSClass;
using ::MFGetWorkQueueMMCSSPriority;
using ::MFGetWorkQueueMMCSSTaskId;
using ::MFInvokeCallback;
using ::MFLockPlatform;
using ::MFLockSharedWorkQueue;
using ::MFLockWorkQueue;
using ::MFPutWaitingWorkItem;
using ::MFPutWorkItem;
using ::MFPutWorkItem2;
using ::MFPutWorkItemEx;
using ::MFPutWorkItemEx2;
using ::MFRegisterPlatformWithMMCSS;
using ::MFRemovePeriodicCallback;
using ::MFScheduleWorkItem;
using ::MFScheduleWorkItemEx;
using ::MFUnlockPlatform;
using ::MFUnlockWorkQueue;
using ::MFUnregisterPlatformFromMMCSS;
constexpr bool real_mf = true;
inline HRESULT start(const std::string& /*backend*/) {
    return ::MFStartup(MF_VERSION, MFSTARTUP_FULL);
}
inline HRESULT stop() {
    return ::MFShutdown();
}
inline std::vector<std::string> platforms() {
    return {"mfplat_dll"};
}
#else
using namespace wq;  // NOLINT(google-build-using-namespace): the MF names, as the SDK's are global
constexpr bool real_mf = false;
inline HRESULT start(const std::string& backend) {
    wq::Options options;
    options.workers = 4;
    return wq::MFStartupOn(backend, options);
}
inline HRESULT stop() {
    return wq::MFShutdown();
}
inline std::vector<std::string> platforms() {
    return wq::test::built_backends();
}
#endif
}  // namespace api
#endif  // !WQ_TEST_RTWQ

namespace {

#if !WQ_OS_WINDOWS
// The SDK's names are global (macros, enums); wq's are in namespace wq.
using namespace wq;  // NOLINT(google-build-using-namespace)
#endif
using wq::ComPtr;
using wq::DWORD;
using wq::HRESULT;
using wq::IMFAsyncCallback;
using wq::IMFAsyncResult;
using wq::IUnknown;

/// Polls `done` until it holds or 20 s pass (a liveness bound, not a timing assertion).
template <class Done>
bool eventually(const Done& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    return true;
}

/// Waits until `count` reaches `total`; fails only when it stops moving for 20 s (a hang guard
/// for volume tests, which a sanitizer build may take well over 20 s to finish).
template <class Count>
bool finishes(const Count& count, long long total) {
    long long seen = -1;
    auto moved = std::chrono::steady_clock::now();
    for (long long now = count(); now != total; now = count()) {
        if (now != seen) {
            seen = now;
            moved = std::chrono::steady_clock::now();
        } else if (std::chrono::steady_clock::now() - moved > std::chrono::seconds{20}) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    return true;
}

/// A callback whose GetParameters names a queue (or fails, with queue 0), or names `queue` with
/// `flags` whatever it is (the two-argument form).
class RoutedCallback final : public IMFAsyncCallback {
public:
    explicit RoutedCallback(DWORD queue) : queue_(queue), fails_(queue == 0) {}
    RoutedCallback(DWORD queue, DWORD flags) : queue_(queue), flags_(flags), fails_(false) {}
    HRESULT QueryInterface(REFIID riid, void** out) override {
        return wq::detail::query_interface<IMFAsyncCallback>(this, riid, out);
    }
    wq::ULONG AddRef() override { return 1; }  // lives on the test's stack, outlives its items
    wq::ULONG Release() override { return 1; }
    HRESULT GetParameters(DWORD* flags, DWORD* queue) override {
        if (fails_) {
            return E_NOTIMPL;
        }
        *flags = flags_;
        *queue = queue_;
        return S_OK;
    }
    HRESULT Invoke(IMFAsyncResult* /*result*/) override {
        runs.fetch_add(1);
        return S_OK;
    }
    std::atomic<int> runs{0};

private:
    DWORD queue_;
    DWORD flags_ = 0;
    bool fails_;
};

class MfApi : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
#if !defined(WQ_TEST_REAL_MF)
        if (const std::string reason = wq::test::unavailable_reason(GetParam()); !reason.empty()) {
            GTEST_SKIP() << "wq: back-end unavailable: " << reason;
        }
#endif
        ASSERT_EQ(api::start(GetParam()), S_OK);
        started_ = true;
    }
    void TearDown() override {
        drain();
    }
    /// Shuts the platform down (wq's drains every queue), once.
    void drain() {
        if (started_) {
            started_ = false;
            EXPECT_EQ(api::stop(), S_OK);
        }
    }
    bool started_ = false;
};

}  // namespace
