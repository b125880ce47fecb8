// The MF layer's queue ids (wq/mfapi.hpp), internal to wq::mf: the platform queues by their fixed
// ids, allocated queues by the ids MFAllocateWorkQueue(Ex), MFAllocateSerialWorkQueue and
// MFLockSharedWorkQueue hand out, with their lock counts and the shared queues' class names.
//
// A put looks its queue up without a lock (find: two acquire loads); everything else takes the
// table's lock. Queue objects stay until the platform goes (a pump, or a put racing the last
// unlock, may still point at one); their ids die at the last unlock.
#pragma once

#include "queues.hpp"

#include "wq/mfapi.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace wq::mf_detail {

inline bool is_platform_queue(DWORD id) noexcept {
    return (id & MFASYNC_CALLBACK_QUEUE_PRIVATE_MASK) == 0;
}

class QueueTable {
public:
    /// A queue whose last lock went: closed, its id dead; the caller drains and stops it, then
    /// unlocks `target` (a serial queue's allocated target, or 0).
    struct Ended {
        Queue* queue = nullptr;
        DWORD target = 0;
        bool empty = false;  ///< it held nothing pending when it closed
    };

    /// The queue a platform id names (set once, before any lookup).
    void set_platform(DWORD id, std::unique_ptr<Queue> queue);

    /// The live queue `id` names, or nullptr. Lock-free.
    [[nodiscard]] Queue* find(DWORD id) const noexcept;

    /// Gives `make()`'s queue an id (one lock on it). `target`: a serial queue's allocated target,
    /// already locked by lock_target, unlocked when the new queue ends. MF_E_SHUTDOWN once
    /// closed; E_OUTOFMEMORY when out of ids. Throws what make throws.
    HRESULT add(const std::function<std::unique_ptr<Queue>()>& make, DWORD target, DWORD* id);
    /// A serial queue's target: a platform queue, or an allocated one, which is locked for it.
    /// nullptr when `id` names no live queue.
    Queue* lock_target(DWORD id) noexcept;
    /// MFLockWorkQueue on an allocated id.
    HRESULT lock(DWORD id) noexcept;
    /// MFUnlockWorkQueue on an allocated id: S_OK, and `ended` filled when it was the last lock.
    HRESULT unlock(DWORD id, Ended& ended) noexcept;
    /// MFLockSharedWorkQueue: the queue of class `name` locked once more, or a new one made by
    /// `make`. Throws what make throws.
    HRESULT lock_shared(const std::wstring& name,
                        const std::function<std::unique_ptr<Queue>()>& make, DWORD* id);

    /// Shutdown: refuses every later add; returns every queue, allocated ones in the order made
    /// (a serial queue after its target), platform queues last. Idempotent: empty the second
    /// time.
    std::vector<Queue*> close_all();
    [[nodiscard]] bool closed() noexcept;
    /// True if the calling thread is one of any queue's own (a worker of an engine it owns).
    [[nodiscard]] bool is_own_thread() noexcept;

private:
    struct Slot {
        Queue* queue = nullptr;  // nullptr: free
        ULONG locks = 0;
        DWORD target = 0;  // a serial queue's allocated target (unlocked when it ends), or 0
        std::uint16_t generation = 0;
    };

    Slot* slot_of(DWORD id) noexcept;
    HRESULT add_slot(Queue* queue, DWORD target, DWORD* id);

    static constexpr std::size_t max_slots = 0xFFFE;
    // The readers' copy of each slot's queue, in chunks that never move once made.
    static constexpr std::size_t chunk_size = 256;
    using Chunk = std::array<std::atomic<Queue*>, chunk_size>;
    static_assert(chunk_size * chunk_size > max_slots);

    std::mutex mutex_;
    std::array<Queue*, MFASYNC_CALLBACK_QUEUE_LONG_FUNCTION + 1> platform_{};  // by id; set once
    std::vector<std::unique_ptr<Queue>> platform_owned_;                       // set once
    std::vector<std::unique_ptr<Queue>> owned_;                                // guarded by mutex_
    std::vector<Slot> slots_;                                                  // guarded by mutex_
    std::array<std::atomic<Chunk*>, chunk_size> chunks_{};  // written under mutex_
    std::vector<std::unique_ptr<Chunk>> chunk_store_;       // guarded by mutex_
    std::map<std::wstring, DWORD> shared_;                  // guarded by mutex_
    std::uint16_t generation_ = 0;                          // guarded by mutex_
    bool closed_ = false;                                   // guarded by mutex_
};

}  // namespace wq::mf_detail
