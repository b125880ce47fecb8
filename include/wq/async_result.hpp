// wq/async_result.hpp — ready-to-use COM objects: a reference-counted async result (what
// MFCreateAsyncResult returns), a callback made from any C++ callable, and a minimal ComPtr.
//
// Thread-safety: AddRef/Release are atomic and may be called from any thread; GetStatus/SetStatus
// read and write hrStatusResult without synchronisation, as MF's do (the engine's dispatch
// provides the happens-before between a producer's SetStatus and the callback's GetStatus).
//
//   wq::ComPtr<wq::IMFAsyncCallback> cb = wq::make_callback([](wq::IMFAsyncResult*) { work(); });
//   wq::ComPtr<wq::AsyncResult> item = wq::AsyncResult::create(cb.get());
//   engine.put(item.get());   // the engine holds its own reference while queued
#pragma once

#include "wq/types.hpp"

#include <atomic>
#include <new>
#include <type_traits>
#include <utility>

namespace wq {

/// Owns one COM reference. Not thread-safe itself (like std::shared_ptr's object, not its count).
template <class T>
class ComPtr {
public:
    ComPtr() noexcept = default;
    ComPtr(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor): like a pointer
    /// Takes over a reference the caller already owns (no AddRef).
    static ComPtr adopt(T* pointer) noexcept {
        ComPtr result;
        result.pointer_ = pointer;
        return result;
    }
    /// Adds a reference of its own.
    static ComPtr share(T* pointer) noexcept {
        if (pointer != nullptr) {
            pointer->AddRef();
        }
        return adopt(pointer);
    }
    ComPtr(const ComPtr& other) noexcept : pointer_(other.pointer_) {
        if (pointer_ != nullptr) {
            pointer_->AddRef();
        }
    }
    ComPtr(ComPtr&& other) noexcept : pointer_(std::exchange(other.pointer_, nullptr)) {}
    ComPtr& operator=(ComPtr other) noexcept {
        std::swap(pointer_, other.pointer_);
        return *this;
    }
    ~ComPtr() { reset(); }

    [[nodiscard]] T* get() const noexcept { return pointer_; }
    T* operator->() const noexcept { return pointer_; }
    T& operator*() const noexcept { return *pointer_; }
    explicit operator bool() const noexcept { return pointer_ != nullptr; }
    /// Gives up ownership of the reference without releasing it.
    T* detach() noexcept { return std::exchange(pointer_, nullptr); }
    void reset() noexcept {
        if (T* old = std::exchange(pointer_, nullptr)) {
            old->Release();
        }
    }

private:
    T* pointer_ = nullptr;
};

namespace detail {
/// QueryInterface for an object implementing IUnknown and `Interface`: the one answer every COM
/// object here gives (AddRef on success, E_NOINTERFACE otherwise).
template <class Interface>
HRESULT query_interface(Interface* self, REFIID riid, void** out) noexcept {
    if (out == nullptr) {
        return E_POINTER;
    }
    if (same_guid(riid, iid_of<IUnknown>()) || same_guid(riid, iid_of<Interface>())) {
        *out = self;
        self->AddRef();
        return S_OK;
    }
    *out = nullptr;
    return E_NOINTERFACE;
}

/// Zeroes the item's fields, as MF requires of callers. Needed on Windows, where the SDK's
/// MFASYNCRESULT has no initialisers; a no-op in effect elsewhere.
inline void zero_item_fields(MFASYNCRESULT& item) noexcept {
    item.overlapped = {};
    item.pCallback = nullptr;
    item.hrStatusResult = S_OK;
    item.dwBytesTransferred = 0;
    item.hEvent = nullptr;
}

/// QueryInterface, AddRef and Release of a ready-made heap object (below), written once: an atomic
/// count that starts at 1 (the creator's reference) and deletes the object at the last Release.
/// `Self` is the object (it befriends this class if its destructor is private), `Base` what it
/// derives from (MFASYNCRESULT or an interface), `Interface` what QueryInterface answers for.
template <class Self, class Base, class Interface>
class HeapObject : public Base {
public:
    HRESULT QueryInterface(REFIID riid, void** out) override {
        return query_interface<Interface>(this, riid, out);
    }
    ULONG AddRef() override { return count_.fetch_add(1, std::memory_order_relaxed) + 1; }
    ULONG Release() override {
        // acq_rel: the last Release must see every write made through the other references
        // before it destroys the object.
        const ULONG left = count_.fetch_sub(1, std::memory_order_acq_rel) - 1;
        if (left == 0) {
            delete static_cast<Self*>(this);
        }
        return left;
    }

protected:
    HeapObject() noexcept = default;
    ~HeapObject() = default;  // deleted as Self only

private:
    std::atomic<ULONG> count_{1};
};
}  // namespace detail

/// An MFASYNCRESULT for items whose lifetime the owner manages (embedded in a larger object, kept
/// in an array, pooled): no state and no object, status kept in hrStatusResult. The derived class
/// supplies AddRef/Release — atomically, since the engine calls them from producer and worker.
class EmbeddedResult : public MFASYNCRESULT {
public:
    HRESULT QueryInterface(REFIID riid, void** out) override {
        return detail::query_interface<IMFAsyncResult>(this, riid, out);
    }
    HRESULT GetState(IUnknown** state) override { return no_unknown(state); }
    HRESULT GetStatus() override { return hrStatusResult; }
    HRESULT SetStatus(HRESULT status) override {
        hrStatusResult = status;
        return S_OK;
    }
    HRESULT GetObject(IUnknown** object) override { return no_unknown(object); }
    IUnknown* GetStateNoAddRef() override { return nullptr; }

protected:
    EmbeddedResult() noexcept { detail::zero_item_fields(*this); }
    EmbeddedResult(const EmbeddedResult&) = default;
    EmbeddedResult& operator=(const EmbeddedResult&) = default;
    ~EmbeddedResult() = default;

private:
    static HRESULT no_unknown(IUnknown** out) noexcept {
        if (out != nullptr) {
            *out = nullptr;
        }
        return E_POINTER;  // MF: "no state/object was set"
    }
};

/// The ready-made MFASYNCRESULT: holds references to its callback, state and object, like MF's
/// MFCreateAsyncResult. Allocates once at create(); never blocks.
class AsyncResult final : public detail::HeapObject<AsyncResult, MFASYNCRESULT, IMFAsyncResult> {
public:
    /// Returns nullptr only when out of memory. `callback` may be null when `event` is set.
    /// `destroyed`, if given, is called when the result is destroyed (the MF layer's
    /// MFCreateAsyncResult unlocks the platform there).
    static ComPtr<AsyncResult> create(IMFAsyncCallback* callback, IUnknown* state = nullptr,
                                      IUnknown* object = nullptr, HANDLE event = nullptr,
                                      void (*destroyed)() = nullptr) noexcept {
        return ComPtr<AsyncResult>::adopt(
            new (std::nothrow) AsyncResult(callback, state, object, event, destroyed));
    }

    HRESULT GetState(IUnknown** state) override { return share_out(state_, state); }
    HRESULT GetStatus() override { return hrStatusResult; }
    HRESULT SetStatus(HRESULT status) override {
        hrStatusResult = status;
        return S_OK;
    }
    HRESULT GetObject(IUnknown** object) override { return share_out(object_, object); }
    IUnknown* GetStateNoAddRef() override { return state_; }

private:
    friend class detail::HeapObject<AsyncResult, MFASYNCRESULT, IMFAsyncResult>;
    AsyncResult(IMFAsyncCallback* callback, IUnknown* state, IUnknown* object, HANDLE event,
                void (*destroyed)()) noexcept
        : state_(state), object_(object), destroyed_(destroyed) {
        detail::zero_item_fields(*this);
        pCallback = callback;
        hEvent = event;
        for (IUnknown* held : {static_cast<IUnknown*>(callback), state, object}) {
            if (held != nullptr) {
                held->AddRef();
            }
        }
    }
    ~AsyncResult() {
        for (IUnknown* held : {static_cast<IUnknown*>(pCallback), state_, object_}) {
            if (held != nullptr) {
                held->Release();
            }
        }
        if (destroyed_ != nullptr) {
            destroyed_();
        }
    }
    static HRESULT share_out(IUnknown* held, IUnknown** out) noexcept {
        if (out == nullptr) {
            return E_POINTER;
        }
        *out = held;
        if (held == nullptr) {
            return E_POINTER;  // MF: "no state/object was set"
        }
        held->AddRef();
        return S_OK;
    }

    IUnknown* state_;
    IUnknown* object_;
    void (*destroyed_)();
};

/// An IMFAsyncCallback that calls `F` — any callable taking IMFAsyncResult*. If F returns HRESULT,
/// Invoke returns it; otherwise S_OK. Exceptions propagate to the engine, which counts them.
template <class F>
class FunctionCallback final
    : public detail::HeapObject<FunctionCallback<F>, IMFAsyncCallback, IMFAsyncCallback> {
public:
    explicit FunctionCallback(F function) : function_(std::move(function)) {}

    HRESULT GetParameters(DWORD* /*flags*/, DWORD* /*queue*/) override { return E_NOTIMPL; }
    HRESULT Invoke(IMFAsyncResult* result) override {
        if constexpr (std::is_same_v<std::invoke_result_t<F&, IMFAsyncResult*>, HRESULT>) {
            return function_(result);
        } else {
            function_(result);
            return S_OK;
        }
    }

private:
    friend class detail::HeapObject<FunctionCallback<F>, IMFAsyncCallback, IMFAsyncCallback>;
    ~FunctionCallback() = default;
    F function_;
};

/// An IMFAsyncCallback whose lifetime its owner manages (a static, a member, an object that
/// outlives every item that names it): no reference count; Invoke calls `F` with the result.
template <class F>
class UncountedCallback final : public IMFAsyncCallback {
public:
    explicit UncountedCallback(F function) noexcept(std::is_nothrow_move_constructible_v<F>)
        : function_(std::move(function)) {}

    HRESULT QueryInterface(REFIID riid, void** out) override {
        return detail::query_interface<IMFAsyncCallback>(this, riid, out);
    }
    ULONG AddRef() override { return 2; }  // never the last reference
    ULONG Release() override { return 1; }
    HRESULT GetParameters(DWORD* /*flags*/, DWORD* /*queue*/) override { return E_NOTIMPL; }
    HRESULT Invoke(IMFAsyncResult* result) override {
        function_(result);
        return S_OK;
    }

private:
    F function_;
};

/// Wraps a callable as a reference-counted IMFAsyncCallback (the returned ComPtr owns the first
/// reference). Throws std::bad_alloc when out of memory.
template <class F>
ComPtr<IMFAsyncCallback> make_callback(F function) {
    return ComPtr<IMFAsyncCallback>::adopt(new FunctionCallback<F>(std::move(function)));
}

}  // namespace wq
