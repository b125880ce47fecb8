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
// Linux: the same semantics on io_uring (engine/iocp_linux.cpp): FIFO packet queue and LIFO stack
// of waiting workers under one lock, each waiting worker blocked on its own ring, a hand-off being
// an IORING_OP_MSG_RING completion that carries the packet into the chosen worker's ring. One
// difference: a worker whose callback blocks still counts against `concurrency` (Linux cannot tell
// the port that a thread blocked). When io_uring is unavailable, unavailable_reason() says why and
// the constructor throws std::runtime_error with that reason.
//
// Thread-safety: all members, any thread. put is one system call and never blocks.
//
//   wq::IocpEngine engine({.workers = 4, .concurrency = 2});
//   engine.put(item);
#pragma once

#include "wq/detail/engine_base.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace wq::detail {

class IocpCore : public GatedEngineBase<IocpCore, "iocp"> {
public:
    /// Like PostQueuedCompletionStatus, one packet per item.
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept final {
        inject_put();
        return detail::put_each(gate_, items,
                                [this](MFASYNCRESULT* item) noexcept { return post(item); });
    }
    /// How many workers the port lets run callbacks at once.
    [[nodiscard]] unsigned concurrency() const noexcept { return options_.concurrency; }
    /// Dequeues that returned packets (each like one GetQueuedCompletionStatusEx call): with
    /// batching, fewer than the packets dispatched.
    [[nodiscard]] std::uint64_t dequeues() const noexcept;
    /// Empty when the port can be created here, else why not (io_uring disabled, too old, ...).
    static std::string unavailable_reason();

protected:
    /// Only as Complete<IocpCore> (IocpEngine), which shuts down before the members go.
    explicit IocpCore(const Options& options = {});
    ~IocpCore() override;  // where Port is complete

private:
    friend EngineBase;
    struct Port;  // the platform's completion port, defined by iocp_<os>.cpp

    HRESULT post(MFASYNCRESULT* item) noexcept;
    void worker_main(unsigned index, detail::WorkerStats& stats) noexcept;
    /// Closes admission, then queues one stop packet per worker behind every accepted packet.
    void stop() noexcept;
    void after_workers_joined() noexcept;  // closes the port

    std::unique_ptr<Port> port_;
};

#if WQ_OS_LINUX
/// Test hook: makes every io_uring setup fail with `error` (an errno value; 0 restores the real
/// behaviour), so the unavailable path can be tested on machines where io_uring works.
void simulate_io_uring_setup_failure(int error) noexcept;
#endif

// The vtable and virtual members are emitted with the back-end's source, where put_bulk is
// visible: the type-erased put (a bulk of one) inlines it there.
extern template class Complete<IocpCore>;

}  // namespace wq::detail

namespace wq {

using IocpEngine = detail::Complete<detail::IocpCore>;

}  // namespace wq
