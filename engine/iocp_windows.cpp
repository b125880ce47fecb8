// The `iocp` back-end on Windows: a native I/O completion port.
#include "wq/iocp_engine.hpp"

#include <stdexcept>
#include <string>

namespace wq::detail {

struct IocpCore::Port {
    HANDLE handle = nullptr;
    std::atomic<std::uint64_t> dequeues{0};
};

namespace {
// A packet with no OVERLAPPED tells one worker to leave (posted only after the put gate closed, so
// FIFO order puts every accepted item ahead of it).
constexpr ULONG_PTR stop_key = ~ULONG_PTR{0};

// The item's status travels as the completion key (a posted packet has no status field of its own).
ULONG_PTR status_key(HRESULT status) noexcept {
    return static_cast<ULONG_PTR>(static_cast<std::uint32_t>(status));
}
HRESULT status_from_key(ULONG_PTR key) noexcept {
    return static_cast<HRESULT>(static_cast<std::uint32_t>(key));
}
}  // namespace

IocpCore::IocpCore(const Options& options)
    : GatedEngineBase(options, detail::StatsArray::Writers::one_per_slot),
      port_(std::make_unique<Port>()) {
    port_->handle = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, options_.concurrency);
    if (port_->handle == nullptr) {
        throw std::runtime_error("wq: back-end 'iocp': CreateIoCompletionPort failed, error " +
                                 std::to_string(GetLastError()));
    }
    start_workers();
}

IocpCore::~IocpCore() = default;

HRESULT IocpCore::post(MFASYNCRESULT* item) noexcept {
    item->AddRef();  // before the packet is visible: a worker may Release it at once
    if (PostQueuedCompletionStatus(port_->handle, item->dwBytesTransferred,
                                   status_key(item->hrStatusResult), &item->overlapped) == FALSE) {
        const DWORD error = GetLastError();
        item->Release();
        return HRESULT_FROM_WIN32(error);
    }
    return S_OK;
}

void IocpCore::worker_main(unsigned /*index*/, detail::WorkerStats& stats) noexcept {
    std::vector<OVERLAPPED_ENTRY> entries(options_.dequeue_batch);
    const auto capacity = static_cast<ULONG>(entries.size());
    for (;;) {
        ULONG taken = 0;
        // Poll first, so that blocking in the kernel can be counted as a park.
        if (GetQueuedCompletionStatusEx(port_->handle, entries.data(), capacity, &taken, 0,
                                        FALSE) == FALSE) {
            stats.bump(stats.parks);
            if (GetQueuedCompletionStatusEx(port_->handle, entries.data(), capacity, &taken,
                                            INFINITE, FALSE) == FALSE) {
                continue;  // nothing dequeued (an alerted wait); wait again
            }
            stats.bump(stats.wakeups);
        }
        port_->dequeues.fetch_add(1, std::memory_order_relaxed);
        unsigned stops = 0;
        for (ULONG i = 0; i < taken; ++i) {
            const OVERLAPPED_ENTRY& entry = entries[i];
            if (entry.lpOverlapped == nullptr) {
                ++stops;
                continue;
            }
            MFASYNCRESULT* item = item_from_overlapped(entry.lpOverlapped);
            item->dwBytesTransferred = entry.dwNumberOfBytesTransferred;
            item->hrStatusResult = status_from_key(entry.lpCompletionKey);
            dispatch_one(item, stats);
        }
        if (stops != 0) {
            // One stop per worker: hand back any extra this batch took for the others.
            for (unsigned extra = 1; extra < stops; ++extra) {
                PostQueuedCompletionStatus(port_->handle, 0, stop_key, nullptr);
            }
            return;
        }
    }
}

void IocpCore::stop() noexcept {
    gate_.close();  // every accepted packet is now in the port, ahead of the stops below
    for (unsigned i = 0; i < options_.workers; ++i) {
        PostQueuedCompletionStatus(port_->handle, 0, stop_key, nullptr);
    }
}

void IocpCore::after_workers_joined() noexcept {
    CloseHandle(port_->handle);
    port_->handle = nullptr;
}

std::string IocpCore::unavailable_reason() {
    return {};  // completion ports exist on every supported Windows
}

std::uint64_t IocpCore::dequeues() const noexcept {
    return port_->dequeues.load(std::memory_order_relaxed);
}

template class Complete<IocpCore>;

}  // namespace wq::detail
