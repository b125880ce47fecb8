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

#include "wq/detail/dispatch.hpp"
#include "wq/detail/put_gate.hpp"
#include "wq/engine.hpp"

#include <memory>
#include <mutex>
#include <unordered_map>

namespace wq {

class MfplatEngine final : public Engine {
public:
    static constexpr std::string_view backend_name = "mfplat";

    explicit MfplatEngine(const Options& options = {});
    ~MfplatEngine() override;

    HRESULT put(MFASYNCRESULT* item) noexcept override;
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept override;
    HRESULT shutdown() noexcept override;
    [[nodiscard]] EngineCounters counters() const noexcept override;
    [[nodiscard]] std::string_view name() const noexcept override { return backend_name; }
    [[nodiscard]] unsigned worker_count() const noexcept override { return options_.workers; }
    /// The MF work queue identifier (for MF APIs that take one).
    [[nodiscard]] DWORD work_queue() const noexcept { return queue_; }

private:
    class Trampoline;
    friend class Trampoline;

    HRESULT post(MFASYNCRESULT* item) noexcept;
    void run(IMFAsyncResult* result) noexcept;

    const Options options_;
    detail::PutGate gate_;
    detail::StatsArray stats_;  // MF's threads share one slot
    std::unique_ptr<Trampoline> trampoline_;
    std::mutex callbacks_mutex_;
    std::unordered_map<MFASYNCRESULT*, IMFAsyncCallback*> callbacks_;  // item → caller's callback
    DWORD queue_ = 0;
    std::mutex shutdown_mutex_;  // serialises shutdown() callers
    bool shut_down_ = false;     // guarded by shutdown_mutex_
};

}  // namespace wq
