// The item, its interfaces, the ready-made objects and the registry.
#include "test_support.hpp"

#include "wq/async_result.hpp"
#include "wq/build_config.hpp"
#include "wq/engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>

namespace wq::test {
namespace {

// The static_asserts in types.hpp check the layout at compile time; this checks the same offsets
// on a live object, through real addresses.
TEST(Item, LayoutIsOneCacheLineWithMfOffsets) {
    TrackedResult result;
    MFASYNCRESULT* item = &result;
    const auto* base = reinterpret_cast<const unsigned char*>(item);
    EXPECT_EQ(sizeof(MFASYNCRESULT), 64U);
    EXPECT_EQ(reinterpret_cast<const unsigned char*>(&item->overlapped) - base, 8);
    EXPECT_EQ(reinterpret_cast<const unsigned char*>(&item->pCallback) - base, 40);
    EXPECT_EQ(reinterpret_cast<const unsigned char*>(&item->hrStatusResult) - base, 48);
    EXPECT_EQ(reinterpret_cast<const unsigned char*>(&item->dwBytesTransferred) - base, 52);
    EXPECT_EQ(reinterpret_cast<const unsigned char*>(&item->hEvent) - base, 56);
    EXPECT_EQ(item_from_overlapped(&item->overlapped), item);
}

TEST(Item, FieldsStartZeroed) {
    TrackedResult result;
    EXPECT_EQ(result.pCallback, nullptr);
    EXPECT_EQ(result.hEvent, nullptr);
    EXPECT_EQ(result.hrStatusResult, S_OK);
    EXPECT_EQ(result.dwBytesTransferred, 0U);
    EXPECT_EQ(result.overlapped.Internal, 0U);
}

TEST(Item, HresultValuesAreMediaFoundations) {
    EXPECT_EQ(static_cast<std::uint32_t>(MF_E_SHUTDOWN), 0xC00D3E85U);
    EXPECT_EQ(static_cast<std::uint32_t>(MF_E_INVALID_WORKQUEUE), 0xC00D36FFU);
    EXPECT_EQ(static_cast<std::uint32_t>(E_INVALIDARG), 0x80070057U);
    EXPECT_EQ(static_cast<std::uint32_t>(E_POINTER), 0x80004003U);
    EXPECT_TRUE(failed(MF_E_SHUTDOWN));
    EXPECT_TRUE(succeeded(S_OK));
}

class CountedUnknown final : public IUnknown {
public:
    HRESULT QueryInterface(REFIID /*riid*/, void** out) override {
        *out = nullptr;
        return E_NOINTERFACE;
    }
    ULONG AddRef() override { return ++refs; }
    ULONG Release() override { return --refs; }
    ULONG refs = 1;
};

TEST(AsyncResult, HoldsCallbackStateAndObjectAndReleasesThem) {
    CountedUnknown state;
    CountedUnknown object;
    int invoked = 0;
    auto callback = make_callback([&](IMFAsyncResult*) { ++invoked; });
    {
        ComPtr<AsyncResult> result = AsyncResult::create(callback.get(), &state, &object);
        ASSERT_TRUE(result);
        EXPECT_EQ(state.refs, 2U);
        EXPECT_EQ(object.refs, 2U);
        EXPECT_EQ(result->GetStateNoAddRef(), &state);
        IUnknown* out = nullptr;
        ASSERT_EQ(result->GetState(&out), S_OK);
        EXPECT_EQ(out, &state);
        EXPECT_EQ(state.refs, 3U);
        out->Release();
        ASSERT_EQ(result->GetObject(&out), S_OK);
        EXPECT_EQ(out, &object);
        out->Release();
        EXPECT_EQ(result->SetStatus(E_FAIL), S_OK);
        EXPECT_EQ(result->GetStatus(), E_FAIL);
        EXPECT_EQ(result->pCallback, callback.get());
        void* as_result = nullptr;
        ASSERT_EQ(result->QueryInterface(IID_IMFAsyncResult, &as_result), S_OK);
        static_cast<IMFAsyncResult*>(as_result)->Release();
        void* as_callback = nullptr;
        EXPECT_EQ(result->QueryInterface(IID_IMFAsyncCallback, &as_callback), E_NOINTERFACE);
        EXPECT_EQ(result->pCallback->Invoke(result.get()), S_OK);
    }
    EXPECT_EQ(invoked, 1);
    EXPECT_EQ(state.refs, 1U) << "the result must release its state when freed";
    EXPECT_EQ(object.refs, 1U);
}

TEST(AsyncResult, MissingStateIsReportedLikeMf) {
    auto callback = make_callback([](IMFAsyncResult*) {});
    ComPtr<AsyncResult> result = AsyncResult::create(callback.get());
    IUnknown* out = &*result;
    EXPECT_EQ(result->GetState(&out), E_POINTER);
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(result->GetState(nullptr), E_POINTER);
}

TEST(FunctionCallback, ReturnsTheCallablesHresult) {
    auto callback = make_callback([](IMFAsyncResult*) { return E_FAIL; });
    EXPECT_EQ(callback->Invoke(nullptr), E_FAIL);
    DWORD flags = 0;
    DWORD queue = 0;
    EXPECT_EQ(callback->GetParameters(&flags, &queue), E_NOTIMPL);
}

// The registry lists exactly the back-ends CMake built (WQ_EXPECTED_BACKENDS), in order.
TEST(Registry, ListsEveryBackendThisBuildHas) {
    std::vector<std::string> expected;
    std::stringstream names(WQ_EXPECTED_BACKENDS);
    for (std::string name; std::getline(names, name, ',');) {
        expected.push_back(name);
    }
    std::vector<std::string> catalogued;
    for (const BackendInfo& info : backend_catalogue()) {
        catalogued.push_back(info.name);
        EXPECT_FALSE(info.description.empty());
        EXPECT_EQ(info.available, info.unavailable_reason.empty());
    }
    EXPECT_EQ(catalogued, expected);
    const std::vector<std::string> available = available_backends();
    for (const std::string& name : available) {
        EXPECT_NE(std::find(expected.begin(), expected.end(), name), expected.end());
    }
}

TEST(Registry, UnknownNameIsAnErrorListingTheKnownOnes) {
    try {
        make_engine("nope");
        FAIL() << "an unknown back-end was created";
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("'nope'"), std::string::npos) << message;
        EXPECT_NE(message.find("mutex"), std::string::npos) << message;
        EXPECT_NE(message.find("mpmc"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace wq::test
