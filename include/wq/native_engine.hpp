// wq/native_engine.hpp — the engine's own dispatcher: the item is the queue node. Its OVERLAPPED
// (MF: "used internally to queue the work item") links it into the queue, so a put allocates
// nothing, has no slot array, and touches one shared line beyond the item: its producer's lane.
//
// Put path: the queue-once mark in overlapped.Internal, then one CAS that pushes the item — or a
// whole bulk, linked beforehand — onto the calling thread's lane of the inbox (a lane per CPU, each
// a lock-free stack whose link is overlapped.InternalHigh, on a line of its own; a thread's lane is
// its put slot's, so producers up to the lane count each write a line no other producer writes;
// with one worker there is one lane, so its order is the put order),
// which is its own admission gate (shutdown closes every lane with a bit in its word: no put
// gate); then a count on the producer's own line, and a wake-up system call only when the lane's
// doorbell was rung (a worker parked). No producer ever waits for another thread: there is no
// window between publishing and linking (the CAS does both).
//
// Worker path: go round the lanes from where the last take succeeded, take the first lane holding
// items whole with one CAS and reverse it (oldest first). With one worker (one lane) it runs the
// batch in order: FIFO. With more workers, it keeps a fair share and moves the rest to a shared
// ready list, from which idle workers take their own shares — a bulk spreads over the workers it
// keeps busy. The ready list sits behind a try-lock that no worker waits on to take work (it goes
// to the lanes instead); a worker moving a remainder in waits only for another worker's O(share)
// list walk.
//
// Idle path: a worker spins only as long as its recent idle gaps say a spin will pay off (learned
// per worker, capped by spin_before_park), then rings every lane's doorbell and parks on a futex
// (WaitOnAddress on Windows): the next push onto any lane wakes it (DoorbellIdle, wq/detail/
// idle_workers.hpp). An idle engine ends with every worker parked.
//
// What a put writes that another thread reads, per put and per batch, and why: docs/backends.md.
//
// Thread-safety: all members, any thread. put never blocks and never allocates.
//
//   wq::NativeEngine engine({.workers = 2});
//   engine.put(item);
//   engine.shutdown();
#pragma once

#include "wq/detail/engine_base.hpp"
#include "wq/detail/idle_workers.hpp"
#include "wq/detail/spin_mutex.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace wq::detail {

class NativeCore : public EngineBase<NativeCore, "native"> {
public:
    HRESULT put(MFASYNCRESULT* item) noexcept final;
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept final;

protected:
    /// Only as Complete<NativeCore> (NativeEngine), which shuts down before the members go.
    explicit NativeCore(const Options& options = {});

private:
    friend EngineBase;
    /// A FIFO run of items linked through their OVERLAPPEDs.
    struct Run {
        MFASYNCRESULT* first = nullptr;
        MFASYNCRESULT* last = nullptr;
        std::size_t count = 0;
        [[nodiscard]] std::size_t size() const noexcept { return count; }
    };
    /// Pushes admitted items (oldest first) onto the inbox with one CAS, or refuses them all with
    /// MF_E_SHUTDOWN once the inbox is closed.
    HRESULT enqueue(std::span<MFASYNCRESULT* const> items) noexcept;
    [[nodiscard]] std::uint64_t accepted() const noexcept { return accepted_.total(); }
    /// A run of work for the calling worker (empty when there is none right now); `cursor` is
    /// the worker's place in its round of the lanes.
    Run take(std::size_t& cursor) noexcept;
    Run take_ready() noexcept;
    void give_ready(Run run) noexcept;
    [[nodiscard]] bool has_ready() const noexcept;

    void worker_main(unsigned index, detail::WorkerStats& stats) noexcept;
    void stop() noexcept;

    // The inbox: lanes, each the newest pushed item's address (bit 0: closed, bit 1: doorbell),
    // linked to older ones, on a line of its own; a lane is written by the producers whose put
    // slot maps to it (one each, up to as many producers as lanes) and the workers taking it.
    std::vector<DoorbellIdle::Word> lanes_;
    std::size_t lane_mask_;
    PutCount accepted_;
    // The ready list (items moved out of the inbox for other workers), behind ready_lock_.
    alignas(cache_line_size) SpinMutex ready_lock_;
    std::atomic<std::size_t> ready_size_{0};  // written under ready_lock_, read by anyone
    Run ready_;                               // guarded by ready_lock_
    DoorbellIdle idle_;                       // its doorbell is a bit of each lane
};

// The vtable and virtual members are emitted with the back-end's source.
extern template class Complete<NativeCore>;

}  // namespace wq::detail

namespace wq {

using NativeEngine = detail::Complete<detail::NativeCore>;

}  // namespace wq
