// wq/types.hpp — the unit of work: Media Foundation's MFASYNCRESULT, and the COM-shaped interfaces
// around it.
//
// On Windows the item *is* the SDK's MFASYNCRESULT (<mfapi.h>), so real Media Foundation code can
// post its own result objects into a wq engine. Elsewhere a layout-identical portable definition is
// used: HRESULT is int32, DWORD uint32, HANDLE and pointers 8 bytes, and on x86-64 the struct is
// exactly one 64-byte cache line:
//
//   offset  0  vtable pointer (IMFAsyncResult)
//   offset  8  overlapped          OVERLAPPED (32 bytes); a completion port carries &overlapped
//   offset 40  pCallback           IMFAsyncCallback*; NULL means "signal hEvent instead"
//   offset 48  hrStatusResult      HRESULT, GetStatus/SetStatus
//   offset 52  dwBytesTransferred  DWORD, from the completion packet
//   offset 56  hEvent              HANDLE, signalled at dispatch when pCallback is NULL
//
// Both layouts are checked by static_assert below. HRESULT values are MF's own; inside namespace wq
// (or with `using namespace wq`) the names S_OK, E_INVALIDARG, MF_E_SHUTDOWN, ... mean the same on
// both platforms (SDK macros on Windows, constants here elsewhere).
#pragma once

#include "wq/config.hpp"

#include <cstddef>
#include <cstdint>

#if WQ_OS_WINDOWS
// The item must be the SDK's struct, so <mfapi.h> (and with it <windows.h>) is unavoidable here.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>  // first: the MF headers below depend on it

#include <mfapi.h>
#include <mferror.h>
#include <mfobjects.h>
#endif

namespace wq {

#if WQ_OS_WINDOWS

using ::DWORD;
using ::GUID;
using ::HANDLE;
using ::HRESULT;
using ::IMFAsyncCallback;
using ::IMFAsyncResult;
using ::IUnknown;
using ::LONG;
using ::MFASYNCRESULT;
using ::OVERLAPPED;
using ::ULONG;
// REFIID is a macro in the SDK; it needs no declaration here.

#ifndef E_ILLEGAL_METHOD_CALL  // newer SDKs define it; mingw-w64's winerror.h does not
inline constexpr HRESULT E_ILLEGAL_METHOD_CALL = static_cast<HRESULT>(0x8000000EL);
#endif

namespace detail {
template <class Interface>
inline const GUID& iid_of() noexcept {
    return __uuidof(Interface);
}
inline bool same_guid(const GUID& a, const GUID& b) noexcept {
    return IsEqualGUID(a, b) != 0;
}
}  // namespace detail

#else  // portable definitions, layout-identical to the SDK's on x86-64 and AArch64

using HRESULT = std::int32_t;
using DWORD = std::uint32_t;
using ULONG = std::uint32_t;
using LONG = std::int32_t;
using HANDLE = void*;

struct GUID {
    std::uint32_t Data1;
    std::uint16_t Data2;
    std::uint16_t Data3;
    std::uint8_t Data4[8];
};
using REFIID = const GUID&;

/// Windows' OVERLAPPED. The SDK's third member is a union of {Offset, OffsetHigh} and a PVOID;
/// only the offset view is spelled out here (an anonymous struct in a union is not ISO C++), the
/// size and alignment are the same.
struct OVERLAPPED {
    std::uintptr_t Internal;
    std::uintptr_t InternalHigh;
    DWORD Offset;
    DWORD OffsetHigh;
    HANDLE hEvent;
};

// The HRESULTs MF defines and the engine returns. Values are the SDK's (winerror.h, mferror.h).
inline constexpr HRESULT S_OK = 0;
inline constexpr HRESULT S_FALSE = 1;
inline constexpr HRESULT E_NOTIMPL = static_cast<HRESULT>(0x80004001U);
inline constexpr HRESULT E_NOINTERFACE = static_cast<HRESULT>(0x80004002U);
inline constexpr HRESULT E_POINTER = static_cast<HRESULT>(0x80004003U);
inline constexpr HRESULT E_FAIL = static_cast<HRESULT>(0x80004005U);
inline constexpr HRESULT E_ILLEGAL_METHOD_CALL = static_cast<HRESULT>(0x8000000EU);
inline constexpr HRESULT E_UNEXPECTED = static_cast<HRESULT>(0x8000FFFFU);
inline constexpr HRESULT E_OUTOFMEMORY = static_cast<HRESULT>(0x8007000EU);
inline constexpr HRESULT E_INVALIDARG = static_cast<HRESULT>(0x80070057U);
inline constexpr HRESULT E_ACCESSDENIED = static_cast<HRESULT>(0x80070005U);
inline constexpr HRESULT MF_E_BUFFERTOOSMALL = static_cast<HRESULT>(0xC00D36B1U);
inline constexpr HRESULT MF_E_INVALIDREQUEST = static_cast<HRESULT>(0xC00D36B2U);
inline constexpr HRESULT MF_E_INVALID_WORKQUEUE = static_cast<HRESULT>(0xC00D36FFU);
inline constexpr HRESULT MF_E_BAD_STARTUP_VERSION = static_cast<HRESULT>(0xC00D36E3U);
inline constexpr HRESULT MF_E_SHUTDOWN = static_cast<HRESULT>(0xC00D3E85U);
inline constexpr HRESULT MF_E_NOT_FOUND = static_cast<HRESULT>(0xC00D36D5U);
inline constexpr HRESULT MF_E_OPERATION_CANCELLED = static_cast<HRESULT>(0xC00D36EDU);

// COM interfaces keep the SDK's vtable order. They have no virtual destructor (COM objects are
// destroyed by Release), so the destructor is protected: deleting through an interface pointer
// does not compile.
struct IUnknown {
    virtual HRESULT QueryInterface(REFIID riid, void** object) = 0;
    virtual ULONG AddRef() = 0;
    virtual ULONG Release() = 0;

protected:
    IUnknown() = default;
    IUnknown(const IUnknown&) = default;
    IUnknown& operator=(const IUnknown&) = default;
    ~IUnknown() = default;
};

struct IMFAsyncResult : IUnknown {
    virtual HRESULT GetState(IUnknown** state) = 0;
    virtual HRESULT GetStatus() = 0;
    virtual HRESULT SetStatus(HRESULT status) = 0;
    virtual HRESULT GetObject(IUnknown** object) = 0;
    virtual IUnknown* GetStateNoAddRef() = 0;

protected:
    ~IMFAsyncResult() = default;
};

struct IMFAsyncCallback : IUnknown {
    virtual HRESULT GetParameters(DWORD* flags, DWORD* queue) = 0;
    virtual HRESULT Invoke(IMFAsyncResult* result) = 0;

protected:
    ~IMFAsyncCallback() = default;
};

/// The item. Every IMFAsyncResult the engine dispatches inherits this, exactly as MF requires of
/// custom async results: callers zero `overlapped` and `dwBytesTransferred`, set `pCallback` (or
/// `hEvent` when there is no callback), and the engine does the rest.
struct MFASYNCRESULT : IMFAsyncResult {
    OVERLAPPED overlapped{};
    IMFAsyncCallback* pCallback = nullptr;
    HRESULT hrStatusResult = 0;
    DWORD dwBytesTransferred = 0;
    HANDLE hEvent = nullptr;

protected:
    MFASYNCRESULT() = default;
    MFASYNCRESULT(const MFASYNCRESULT&) = default;
    MFASYNCRESULT& operator=(const MFASYNCRESULT&) = default;
    ~MFASYNCRESULT() = default;
};

// Interface identifiers: the SDK's values, so a QueryInterface written here answers the same.
inline constexpr GUID IID_IUnknown = {
    0x00000000, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
inline constexpr GUID IID_IMFAsyncResult = {
    0xac6b7889, 0x0740, 0x4d51, {0x86, 0x19, 0x90, 0x59, 0x94, 0xa5, 0x5c, 0xc6}};
inline constexpr GUID IID_IMFAsyncCallback = {
    0xa27003cf, 0x2354, 0x4f2a, {0x8d, 0x6a, 0xab, 0x7c, 0xff, 0x15, 0x43, 0x7e}};

namespace detail {
template <class Interface>
inline const GUID& iid_of() noexcept;
template <>
inline const GUID& iid_of<IUnknown>() noexcept {
    return IID_IUnknown;
}
template <>
inline const GUID& iid_of<IMFAsyncResult>() noexcept {
    return IID_IMFAsyncResult;
}
template <>
inline const GUID& iid_of<IMFAsyncCallback>() noexcept {
    return IID_IMFAsyncCallback;
}
inline bool same_guid(const GUID& a, const GUID& b) noexcept {
    bool same = a.Data1 == b.Data1 && a.Data2 == b.Data2 && a.Data3 == b.Data3;
    for (std::size_t i = 0; i < sizeof a.Data4; ++i) {
        same = same && a.Data4[i] == b.Data4[i];
    }
    return same;
}
}  // namespace detail

#endif  // WQ_OS_WINDOWS

constexpr bool succeeded(HRESULT hr) noexcept {
    return hr >= 0;
}
constexpr bool failed(HRESULT hr) noexcept {
    return hr < 0;
}

/// The item's layout on 64-bit targets, as documented above. The engine relies on it (a completion
/// port recovers the item from &overlapped), and the Windows build proves the SDK agrees.
struct item_layout {
    static constexpr std::size_t size = 64;
    static constexpr std::size_t overlapped = 8;
    static constexpr std::size_t pCallback = 40;
    static constexpr std::size_t hrStatusResult = 48;
    static constexpr std::size_t dwBytesTransferred = 52;
    static constexpr std::size_t hEvent = 56;
};

// offsetof on a polymorphic class is "conditionally supported"; GCC, Clang and MSVC all support it
// and compute the real offset, which is exactly what must be checked here.
#if WQ_COMPILER_GCC || WQ_COMPILER_CLANG
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
#endif
static_assert(sizeof(void*) == 8, "wqbench targets 64-bit platforms");
static_assert(sizeof(OVERLAPPED) == 32);
static_assert(sizeof(MFASYNCRESULT) == item_layout::size, "MFASYNCRESULT must be one cache line");
static_assert(offsetof(MFASYNCRESULT, overlapped) == item_layout::overlapped);
static_assert(offsetof(MFASYNCRESULT, pCallback) == item_layout::pCallback);
static_assert(offsetof(MFASYNCRESULT, hrStatusResult) == item_layout::hrStatusResult);
static_assert(offsetof(MFASYNCRESULT, dwBytesTransferred) == item_layout::dwBytesTransferred);
static_assert(offsetof(MFASYNCRESULT, hEvent) == item_layout::hEvent);
static_assert(item_layout::size == cache_line_size);
#if WQ_COMPILER_GCC || WQ_COMPILER_CLANG
#pragma GCC diagnostic pop
#endif

/// Recovers the item from the OVERLAPPED* a completion port hands back (CONTAINING_RECORD).
inline MFASYNCRESULT* item_from_overlapped(OVERLAPPED* overlapped) noexcept {
    auto* bytes = reinterpret_cast<unsigned char*>(overlapped) - item_layout::overlapped;
    return reinterpret_cast<MFASYNCRESULT*>(bytes);
}

}  // namespace wq
