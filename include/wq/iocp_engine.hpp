// wq/iocp_engine.hpp — the completion-port back-end, the mechanism Media Foundation's own work
// queues sit on: the item's `overlapped` is what travels through the port, and a worker recovers
// the item from the OVERLAPPED* it dequeues (CONTAINING_RECORD), setting hrStatusResult and
// dwBytesTransferred from the packet before dispatch.
//
// Windows: a native I/O completion port (engine/iocp_windows.cpp): PostQueuedCompletionStatus
// carries &item->overlapped, the byte count and the status (as the completion key); workers wait in
// GetQueuedCompletionStatusEx for up to dequeue_batch packets. The kernel keeps IOCP's semantics:
// packets FIFO, waiting workers released LIFO, at most `concurrency` workers running at once.
//
// Thread-safety: all members, any thread. put is one system call and never blocks.
//
//   wq::IocpEngine engine({.workers = 4, .concurrency = 2});
//   engine.put(item);
#pragma once

#include "wq/detail/dispatch.hpp"
#include "wq/detail/put_gate.hpp"
#include "wq/engine.hpp"

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace wq {

class IocpEngine final : public Engine {
public:
    static constexpr std::string_view backend_name = "iocp";

    explicit IocpEngine(const Options& options = {});
    ~IocpEngine() override;

    HRESULT put(MFASYNCRESULT* item) noexcept override;
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept override;
    HRESULT shutdown() noexcept override;
    [[nodiscard]] EngineCounters counters() const noexcept override;
    [[nodiscard]] std::string_view name() const noexcept override { return backend_name; }
    [[nodiscard]] unsigned worker_count() const noexcept override { return options_.workers; }
    /// How many workers the port lets run callbacks at once.
    [[nodiscard]] unsigned concurrency() const noexcept { return options_.concurrency; }

private:
    struct Port;  // the platform's completion port, defined by iocp_<os>.cpp

    HRESULT post(MFASYNCRESULT* item) noexcept;
    void worker_main(unsigned index) noexcept;

    const Options options_;
    detail::PutGate gate_;
    detail::StatsArray stats_;
    std::unique_ptr<Port> port_;
    std::mutex shutdown_mutex_;  // serialises shutdown() callers
    std::vector<std::thread> workers_;
};

}  // namespace wq
