// wq/mfplat_engine.hpp — the reference on Windows: Media Foundation's own platform work queue.
//
// MFStartup, a multithreaded work queue from MFAllocateWorkQueueEx, MFPutWorkItemEx with the
// caller's own result object, MFShutdown when the engine shuts down. MF takes its own reference on
// the result while it is queued (so this engine adds none) and calls pCallback->Invoke on one of
// its threads. To keep the contract's failure counting and shutdown drain, the item's pCallback is
// swapped for a trampoline while it is in MF's hands and restored before the caller's Invoke runs.
//
// Where MF differs from the contract (tested as such by the conformance suite):
//   - an item without a callback is refused with E_POINTER: MFPutWorkItemEx calls the callback's
//     GetParameters when it queues the item (Wine's MF crashes on a NULL callback);
//   - MF owns its threads: `workers` is not applied, and parks are not observable (read 0).
//
// Thread-safety: all members, any thread. put allocates (MF's work item, and a map entry here).
#pragma once

#include "wq/detail/engine_base.hpp"
#include "wq/detail/put_gate.hpp"

#include <memory>
#include <mutex>
#include <unordered_map>

namespace wq {

class MfplatEngine final : public detail::EngineBase<MfplatEngine, "mfplat"> {
public:
    explicit MfplatEngine(const Options& options = {});
    ~MfplatEngine() override;

    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept override;
    /// The MF work queue identifier (for MF APIs that take one).
    [[nodiscard]] DWORD work_queue() const noexcept { return queue_; }

private:
    class Trampoline;
    friend class Trampoline;
    friend EngineBase;

    HRESULT post(MFASYNCRESULT* item) noexcept;
    void run(IMFAsyncResult* result) noexcept;
    void stop() noexcept;
    [[nodiscard]] std::uint64_t accepted() const noexcept { return gate_.accepted(); }

    detail::PutGate gate_;
    std::unique_ptr<Trampoline> trampoline_;
    std::mutex callbacks_mutex_;
    std::unordered_map<MFASYNCRESULT*, IMFAsyncCallback*> callbacks_;  // item → caller's callback
    DWORD queue_ = 0;
};

}  // namespace wq
