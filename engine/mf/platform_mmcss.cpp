// The MF layer's platform (platform.hpp): its MMCSS calls over Mmcss (mmcss.hpp).
#include "platform.hpp"

#include <new>

namespace wq::mf_detail {

namespace {

// The task id a begin hands its done callback's result, as the result's object: End reads it back.
// Only the layer's own outcome answers this interface id.
const GUID iid_task_outcome = {
    0x6d3c2a41, 0x8f0e, 0x4b7a, {0x9c, 0x51, 0x2e, 0x70, 0x1b, 0xd4, 0x33, 0xa8}};

class TaskOutcome final : public detail::HeapObject<TaskOutcome, IUnknown, IUnknown> {
public:
    static ComPtr<IUnknown> create(DWORD task) noexcept {
        return ComPtr<IUnknown>::adopt(new (std::nothrow) TaskOutcome(task));
    }
    HRESULT QueryInterface(REFIID riid, void** out) override {
        if (out != nullptr && detail::same_guid(riid, iid_task_outcome)) {
            AddRef();
            *out = this;
            return S_OK;
        }
        return HeapObject::QueryInterface(riid, out);
    }
    [[nodiscard]] DWORD task() const noexcept { return task_; }

private:
    friend class detail::HeapObject<TaskOutcome, IUnknown, IUnknown>;
    explicit TaskOutcome(DWORD task) noexcept : task_(task) {}
    ~TaskOutcome() = default;
    DWORD task_;
};

}  // namespace

HRESULT PlatformState::mmcss_owner(DWORD id, Mmcss::Owner* owner) noexcept {
    Queue* queue = queues_.find(id);
    if (queue == nullptr) {
        return shut_down() ? MF_E_SHUTDOWN : MF_E_INVALID_WORKQUEUE;
    }
    Queue& runs_on = queue->runs_on();
    const bool platform = &runs_on == standard_ || runs_on.own_engine() == nullptr;
    *owner = platform ? nullptr : &runs_on;
    return S_OK;
}

std::vector<Engine*> PlatformState::mmcss_engines(Mmcss::Owner owner) {
    if (owner == nullptr) {
        return {engine_.get(), standard_->own_engine()};  // every platform queue's threads
    }
    return {owner->own_engine()};
}

HRESULT PlatformState::complete(IMFAsyncCallback* done, IUnknown* state, HRESULT status,
                                DWORD task) noexcept {
    const ComPtr<IUnknown> outcome = TaskOutcome::create(task);
    const ComPtr<AsyncResult> result =
        outcome ? AsyncResult::create(done, state, outcome.get()) : nullptr;
    if (!result) {
        return E_OUTOFMEMORY;
    }
    result->SetStatus(status);
    return invoke_callback(result.get());
}

HRESULT PlatformState::begin_register_mmcss(DWORD id, const wchar_t* usage_class, DWORD task,
                                            LONG priority, IMFAsyncCallback* done,
                                            IUnknown* state) noexcept {
    if (usage_class == nullptr || done == nullptr) {
        return E_POINTER;
    }
    // A queue with threads of its own: the platform's are registered with
    // MFRegisterPlatformWithMMCSS, a serial queue has none.
    Queue* queue = is_platform_queue(id) ? nullptr : queues_.find(id);
    if (queue == nullptr || queue->own_engine() == nullptr) {
        return queue == nullptr && shut_down() ? MF_E_SHUTDOWN : MF_E_INVALID_WORKQUEUE;
    }
    try {
        const HRESULT status =
            mmcss_.enroll(queue, mmcss_engines(queue), usage_class, &task, priority);
        return complete(done, state, status, succeeded(status) ? task : 0);
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    }
}

HRESULT PlatformState::begin_unregister_mmcss(DWORD id, IMFAsyncCallback* done,
                                              IUnknown* state) noexcept {
    if (done == nullptr) {
        return E_POINTER;
    }
    Queue* queue = is_platform_queue(id) ? nullptr : queues_.find(id);
    if (queue == nullptr || queue->own_engine() == nullptr) {
        return queue == nullptr && shut_down() ? MF_E_SHUTDOWN : MF_E_INVALID_WORKQUEUE;
    }
    try {
        return complete(done, state, mmcss_.withdraw(queue, mmcss_engines(queue)), 0);
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    }
}

HRESULT PlatformState::end_mmcss(IMFAsyncResult* result, DWORD* task) noexcept {
    if (result == nullptr) {
        return E_POINTER;
    }
    IUnknown* object = nullptr;
    if (failed(result->GetObject(&object)) || object == nullptr) {
        return E_INVALIDARG;  // not a begin's result
    }
    void* outcome = nullptr;
    const HRESULT found = object->QueryInterface(iid_task_outcome, &outcome);
    object->Release();
    if (failed(found)) {
        return E_INVALIDARG;
    }
    auto* own = static_cast<TaskOutcome*>(static_cast<IUnknown*>(outcome));
    if (task != nullptr) {
        *task = own->task();
    }
    own->Release();
    return result->GetStatus();
}

HRESULT PlatformState::mmcss_class(DWORD id, wchar_t* buffer, DWORD* length) noexcept {
    Mmcss::Owner owner = nullptr;
    if (const HRESULT hr = mmcss_owner(id, &owner); failed(hr)) {
        return hr;
    }
    return mmcss_.usage_class(owner, buffer, length);
}

namespace {
/// A getter's frame: `out` checked, the queue's registration found, `read` of it written out.
template <class Out, class Read>
HRESULT answer(PlatformState& platform, DWORD id, Out* out, const Read& read) noexcept {
    if (out == nullptr) {
        return E_POINTER;
    }
    Mmcss::Owner owner = nullptr;
    if (const HRESULT hr = platform.mmcss_owner(id, &owner); failed(hr)) {
        return hr;
    }
    *out = read(owner);
    return S_OK;
}
}  // namespace

HRESULT PlatformState::mmcss_task(DWORD id, DWORD* task) noexcept {
    return answer(*this, id, task, [&](Mmcss::Owner owner) { return mmcss_.task(owner); });
}

HRESULT PlatformState::mmcss_priority(DWORD id, LONG* priority) noexcept {
    return answer(*this, id, priority, [&](Mmcss::Owner owner) { return mmcss_.priority(owner); });
}

HRESULT PlatformState::scheduling(DWORD id, WorkerScheduling* applied) noexcept {
    return answer(*this, id, applied, [&](Mmcss::Owner owner) { return mmcss_.applied(owner); });
}

HRESULT PlatformState::register_platform_mmcss(const wchar_t* usage_class, DWORD* task,
                                               LONG priority) noexcept {
    if (usage_class == nullptr || task == nullptr) {
        return E_POINTER;
    }
    if (shut_down()) {
        return MF_E_SHUTDOWN;
    }
    try {
        return mmcss_.enroll(nullptr, mmcss_engines(nullptr), usage_class, task, priority);
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    }
}

HRESULT PlatformState::unregister_platform_mmcss() noexcept {
    if (shut_down()) {
        return MF_E_SHUTDOWN;
    }
    try {
        return mmcss_.withdraw(nullptr, mmcss_engines(nullptr));
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    }
}

}  // namespace wq::mf_detail
