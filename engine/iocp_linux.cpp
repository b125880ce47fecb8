// The `iocp` back-end on Linux: a completion port with IOCP's semantics, built on io_uring.
//
// Design (one ring per worker, one posting ring):
//   - The port's packet queue (FIFO) and its stack of waiting workers (LIFO) live under one lock,
//     as the Windows kernel keeps them under its queue's lock. `running` counts workers that are
//     not waiting; a packet is handed to a waiter only while running < concurrency, exactly IOCP's
//     rule.
//   - A waiting worker blocks in io_uring_enter on its *own* ring. A hand-off is an
//     IORING_OP_MSG_RING completion posted into that ring from the posting ring: user_data carries
//     the item pointer and res the byte count, so the packet itself travels through the kernel.
//     One ring per worker is what makes LIFO release exact: the poster chooses which waiter wakes,
//     where several threads blocked on one shared CQ would be woken in the kernel's order and race
//     for its head.
//   - The posting ring is shared by all producers behind a mutex (an SQ has one producer at a time)
//     and waits for the MSG_RING's own completion (it runs inline in io_uring_enter), so a failed
//     hand-off is seen at once and the packet goes back to the queue instead of being lost.
//   - Worker rings are plain: no SINGLE_ISSUER/DEFER_TASKRUN. They are created by the engine's
//     thread and waited on by their worker, while SINGLE_ISSUER ties a ring to one task and
//     DEFER_TASKRUN runs completions only when that task waits with GETEVENTS. MSG_RING wake-ups
//     have had missed-notification reports on older kernels (liburing issue #839, 6.1 on arm64):
//     the FIFO/LIFO tests and the stress runs exercise this wake path on every CI run.
//
// Where it differs from Windows: the kernel cannot tell us that a callback blocked, so a worker
// counts as running from the moment it takes a packet until it asks for the next one, even while
// its callback sleeps; Windows would let another worker run in the meantime.
#include "wq/iocp_engine.hpp"

#include <liburing.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>
#include <utility>

namespace wq::detail {
namespace {

std::atomic<int> g_simulated_setup_error{0};

// A packet: the item (nullptr: "leave", posted one per worker at shutdown), its byte count and
// status as posted.
struct Packet {
    MFASYNCRESULT* item = nullptr;
    std::uint32_t bytes = 0;
    HRESULT status = S_OK;
};

// Worker rings receive at most one hand-off per wait; 8 entries leave room for nothing else to do.
constexpr unsigned worker_ring_entries = 8;
constexpr unsigned post_ring_entries = 8;

int init_ring(io_uring& ring, unsigned entries) noexcept {
    if (const int simulated = g_simulated_setup_error.load(std::memory_order_relaxed);
        simulated != 0) {
        return -simulated;
    }
    return io_uring_queue_init(entries, &ring, 0);
}

std::string describe_setup_failure(int error) {
    std::string reason = "io_uring setup failed: " + std::string(std::strerror(error)) +
                         " (errno " + std::to_string(error) + ")";
    if (error == EPERM || error == EACCES) {
        reason +=
            "; io_uring is disabled (sysctl kernel.io_uring_disabled) or forbidden by seccomp";
    } else if (error == ENOSYS) {
        reason += "; this kernel has no io_uring";
    } else if (error == ENOMEM) {
        reason += "; locked-memory limit too low for the rings (ulimit -l)";
    }
    return reason;
}

}  // namespace

void simulate_io_uring_setup_failure(int error) noexcept {
    g_simulated_setup_error.store(error, std::memory_order_relaxed);
}

struct IocpCore::Port {
    struct Worker {
        io_uring ring{};
        bool initialised = false;
    };

    explicit Port(const Options& options)
        : concurrency(options.concurrency),
          workers(new Worker[options.workers]),
          worker_count(options.workers),
          running(options.workers) {
        if (const int rc = init_ring(post_ring, post_ring_entries); rc < 0) {
            throw std::runtime_error("wq: back-end 'iocp': " + describe_setup_failure(-rc));
        }
        post_ring_initialised = true;
        for (unsigned i = 0; i < worker_count; ++i) {
            if (const int rc = init_ring(workers[i].ring, worker_ring_entries); rc < 0) {
                close_rings();
                throw std::runtime_error("wq: back-end 'iocp': " + describe_setup_failure(-rc));
            }
            workers[i].initialised = true;
        }
    }
    Port(const Port&) = delete;
    Port& operator=(const Port&) = delete;
    ~Port() { close_rings(); }

    void close_rings() noexcept {
        for (unsigned i = 0; i < worker_count; ++i) {
            if (std::exchange(workers[i].initialised, false)) {
                io_uring_queue_exit(&workers[i].ring);
            }
        }
        if (std::exchange(post_ring_initialised, false)) {
            io_uring_queue_exit(&post_ring);
        }
    }

    /// Queues a packet and hands queued packets to waiters while the concurrency allows.
    void deliver(const Packet& packet) {
        std::vector<std::pair<unsigned, Packet>> handoffs;
        {
            const std::lock_guard guard(lock);
            packets.push_back(packet);
            take_handoffs_locked(handoffs);
        }
        send_all(handoffs);
    }

    /// IOCP's release rule: the oldest packet goes to the most recent waiter while fewer than
    /// `concurrency` workers run. The chosen worker counts as running from here on.
    void take_handoffs_locked(std::vector<std::pair<unsigned, Packet>>& handoffs) {
        while (!packets.empty() && !waiters.empty() && running < concurrency) {
            handoffs.emplace_back(waiters.back(), packets.front());
            waiters.pop_back();
            packets.pop_front();
            ++running;
        }
    }

    void send_all(const std::vector<std::pair<unsigned, Packet>>& handoffs) {
        for (const auto& [target, packet] : handoffs) {
            if (!send(target, packet)) {
                // Cannot happen by construction (the target's ring has room and stays open until
                // its worker is joined); if it does, the packet is not lost: it goes back to the
                // head of the queue and the worker back to the waiters, and the next hand-off or a
                // running worker takes it.
                const std::lock_guard guard(lock);
                packets.push_front(packet);
                waiters.push_back(target);
                --running;
            }
        }
    }

    /// One MSG_RING into the target's ring: user_data = item, res = byte count.
    bool send(unsigned target, const Packet& packet) noexcept {
        const std::lock_guard guard(post_lock);
        io_uring_sqe* sqe = io_uring_get_sqe(&post_ring);
        if (sqe == nullptr) {  // never: each send is submitted and reaped before the next
            return false;
        }
        io_uring_prep_msg_ring(sqe, workers[target].ring.ring_fd, packet.bytes,
                               reinterpret_cast<std::uintptr_t>(packet.item), 0);
        int submitted = 0;
        do {
            submitted = io_uring_submit_and_wait(&post_ring, 1);
        } while (submitted == -EINTR);
        io_uring_cqe* cqe = nullptr;
        if (submitted < 1 || io_uring_peek_cqe(&post_ring, &cqe) != 0 || cqe == nullptr) {
            return false;
        }
        const bool delivered = cqe->res >= 0;
        io_uring_cqe_seen(&post_ring, cqe);
        return delivered;
    }

    std::mutex lock;                // the port lock: packets, waiters, running
    std::deque<Packet> packets;     // FIFO
    std::vector<unsigned> waiters;  // LIFO: back() began waiting last
    const unsigned concurrency;     // workers allowed to run at once
    std::unique_ptr<Worker[]> workers;
    const unsigned worker_count;
    unsigned running;      // workers not waiting (guarded by lock)
    std::mutex post_lock;  // the posting ring's SQ: one producer at a time
    io_uring post_ring{};
    bool post_ring_initialised = false;
    std::atomic<std::uint64_t> dequeues{0};
};

std::string IocpCore::unavailable_reason() {
    io_uring ring{};
    if (const int rc = init_ring(ring, 2); rc < 0) {
        return describe_setup_failure(-rc);
    }
    io_uring_probe* probe = io_uring_get_probe_ring(&ring);
    const bool has_msg_ring =
        probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_MSG_RING) != 0;
    if (probe != nullptr) {
        io_uring_free_probe(probe);
    }
    io_uring_queue_exit(&ring);
    return has_msg_ring
               ? std::string{}
               : std::string("io_uring lacks IORING_OP_MSG_RING (needs Linux 5.18 or later)");
}

IocpCore::IocpCore(const Options& options)
    : GatedEngineBase(options, detail::StatsArray::Writers::one_per_slot),
      port_(std::make_unique<Port>(options_)) {
    start_workers();
}

IocpCore::~IocpCore() = default;

HRESULT IocpCore::post(MFASYNCRESULT* item) noexcept {
    item->AddRef();  // before the packet is visible: a worker may Release it at once
    const Packet packet{item, item->dwBytesTransferred, item->hrStatusResult};
    // A hand-off crosses the kernel (MSG_RING), which ThreadSanitizer cannot see; pairs with the
    // tsan_acquire in worker_main. The queue path is ordered by the port lock anyway.
    detail::tsan_release(item);
    try {
        port_->deliver(packet);
    } catch (const std::bad_alloc&) {
        item->Release();
        return E_OUTOFMEMORY;
    }
    return S_OK;
}

void IocpCore::worker_main(unsigned index, detail::WorkerStats& stats) noexcept {
    Port& port = *port_;
    io_uring& ring = port.workers[index].ring;
    std::vector<Packet> batch(options_.dequeue_batch);
    std::vector<io_uring_cqe*> cqes(options_.dequeue_batch);
    for (;;) {
        std::size_t taken = 0;
        {
            const std::lock_guard guard(port.lock);
            // A running worker takes queued packets itself (GetQueuedCompletionStatusEx returning
            // at once), up to the batch size, unless the port is above its concurrency.
            if (port.running <= port.concurrency) {
                while (taken < batch.size() && !port.packets.empty()) {
                    batch[taken++] = port.packets.front();
                    port.packets.pop_front();
                }
            }
            if (taken == 0) {
                --port.running;
                port.waiters.push_back(index);
            }
        }
        if (taken == 0) {
            stats.bump(stats.parks);
            // Ends: a poster hands this worker exactly one packet (a stop at shutdown, at the
            // latest) before anyone may close the ring.
            io_uring_cqe* first = nullptr;
            int rc = 0;
            do {
                rc = io_uring_wait_cqe(&ring, &first);
            } while (rc == -EINTR || rc == -EAGAIN);
            const unsigned seen =
                io_uring_peek_batch_cqe(&ring, cqes.data(), static_cast<unsigned>(cqes.size()));
            for (unsigned i = 0; i < seen; ++i) {
                auto* item = static_cast<MFASYNCRESULT*>(io_uring_cqe_get_data(cqes[i]));
                if (item != nullptr) {
                    detail::tsan_acquire(item);  // pairs with tsan_release in post()
                }
                // The byte count comes from the packet; the status has no room in a MSG_RING
                // completion and stays the item's own (the value the poster would have sent).
                batch[taken++] = Packet{item, static_cast<std::uint32_t>(cqes[i]->res),
                                        item != nullptr ? item->hrStatusResult : S_OK};
            }
            io_uring_cq_advance(&ring, seen);
            stats.bump(stats.wakeups);
        }
        port.dequeues.fetch_add(1, std::memory_order_relaxed);
        unsigned stops = 0;
        for (std::size_t i = 0; i < taken; ++i) {
            MFASYNCRESULT* item = batch[i].item;
            if (item == nullptr) {
                ++stops;
                continue;
            }
            item->dwBytesTransferred = batch[i].bytes;
            item->hrStatusResult = batch[i].status;
            dispatch_one(item, stats);
        }
        if (stops != 0) {
            // Leaving: stop counting as running, let queued packets (the other workers' stops)
            // reach waiters, and hand back any extra stop this batch took.
            std::vector<std::pair<unsigned, Packet>> handoffs;
            {
                const std::lock_guard guard(port.lock);
                --port.running;
                for (unsigned extra = 1; extra < stops; ++extra) {
                    port.packets.push_back(Packet{});
                }
                port.take_handoffs_locked(handoffs);
            }
            port.send_all(handoffs);
            return;
        }
    }
}

void IocpCore::stop() noexcept {
    gate_.close();  // every accepted packet is now queued or handed off, ahead of the stops
    try {
        for (unsigned i = 0; i < options_.workers; ++i) {
            port_->deliver(Packet{});
        }
    } catch (const std::bad_alloc&) {
        std::terminate();  // cannot stop the workers without queueing their stop packets
    }
}

void IocpCore::after_workers_joined() noexcept {
    port_->close_rings();
}

std::uint64_t IocpCore::dequeues() const noexcept {
    return port_->dequeues.load(std::memory_order_relaxed);
}

template class Complete<IocpCore>;

}  // namespace wq::detail
