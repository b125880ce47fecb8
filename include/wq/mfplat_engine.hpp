// wq/mfplat_engine.hpp — the reference on Windows: Media Foundation's own platform work queue.
//
// MFStartup, a multithreaded work queue from MFAllocateWorkQueueEx, MFPutWorkItemEx2 (with the
// priority of put_priority, 0 for put) with the caller's own result object, MFShutdown when the
// engine shuts down. MF takes its own reference on the result while it is queued (so this engine
// adds none) and calls pCallback->Invoke on one of its threads. To keep the contract's failure
// counting and shutdown drain, the item's pCallback is swapped for a trampoline while it is in MF's
// hands and restored before the caller's Invoke runs.
//
// Where MF differs from the contract (tested as such by the conformance suite):
//   - an item without a callback is refused with E_POINTER: MFPutWorkItemEx calls the callback's
//     GetParameters when it queues the item (Wine's MF crashes on a NULL callback);
//   - MF owns its threads: `workers` = 1 gets a STANDARD queue (one thread of its own), any other
//     value MF's multithreaded queue, sized by MF; parks are not observable (read 0).
//
// Thread-safety: all members, any thread. put allocates (MF's work item, and a map entry here).
#pragma once

#include "wq/detail/engine_base.hpp"

#include <mutex>
#include <unordered_map>

namespace wq::detail {

class MfplatCore : public GatedEngineBase<MfplatCore, "mfplat"> {
public:
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept final;
    /// MF's own priorities (MFPutWorkItemEx2), not the side lanes.
    HRESULT put_priority(MFASYNCRESULT* item, LONG priority) noexcept final;
    /// The MF work queue identifier (for MF APIs that take one).
    [[nodiscard]] DWORD work_queue() const noexcept { return queue_; }

protected:
    /// Only as Complete<MfplatCore> (MfplatEngine), which shuts down before the members go.
    explicit MfplatCore(const Options& options = {});

private:
    /// The callback MF sees while an item is queued: puts the caller's callback back and runs it
    /// with the engine's failure handling and counting. Owned by the engine, which outlives every
    /// item, so its reference count is fixed.
    class Trampoline final : public IMFAsyncCallback {
    public:
        explicit Trampoline(MfplatCore& engine) : engine_(engine) {}
        HRESULT QueryInterface(REFIID riid, void** out) override;
        ULONG AddRef() override { return 2; }
        ULONG Release() override { return 1; }
        HRESULT GetParameters(DWORD* /*flags*/, DWORD* /*queue*/) override { return E_NOTIMPL; }
        HRESULT Invoke(IMFAsyncResult* result) override;

    private:
        MfplatCore& engine_;
    };
    friend EngineBase;

    HRESULT put_at(std::span<MFASYNCRESULT* const> items, LONG priority) noexcept;
    HRESULT post(MFASYNCRESULT* item, LONG priority) noexcept;
    void run(IMFAsyncResult* result) noexcept;
    void stop() noexcept;

    Trampoline trampoline_{*this};
    std::mutex callbacks_mutex_;
    std::unordered_map<MFASYNCRESULT*, IMFAsyncCallback*> callbacks_;  // item → caller's callback
    DWORD queue_ = 0;
};

// The vtable and virtual members are emitted with the back-end's source, where put_bulk is
// visible: the type-erased put (a bulk of one) inlines it there.
extern template class Complete<MfplatCore>;

}  // namespace wq::detail

namespace wq {

using MfplatEngine = detail::Complete<detail::MfplatCore>;

}  // namespace wq
