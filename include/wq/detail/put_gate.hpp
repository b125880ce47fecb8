// wq/detail/put_gate.hpp — admission control shared by lock-free back-ends: counts accepted items
// and makes "put after shutdown → MF_E_SHUTDOWN" and "shutdown drains every accepted item" hold
// without a lock on the put path.
//
// A put enters the gate (one locked add on a slot line the calling thread almost always owns
// alone), checks the closed flag, enqueues, and leaves (a second locked add). close() sets the flag
// and waits until no put is between enter and leave. After close() returns, every accepted item has
// been handed to the queue and no further one will be.
#pragma once

#include "wq/config.hpp"
#include "wq/detail/dispatch.hpp"

#include <atomic>
#include <cstdint>
#include <span>
#include <thread>

namespace wq::detail {

/// Producer threads hold put slots: a thread takes the lowest free one of put_slot_count when it
/// first puts and gives it back when it exits, so live producers hold distinct small indices and
/// own their slot's lines alone. Past put_slot_count live producers, the rest share one more slot
/// (index put_slot_count) — still correct, an atomic counter; they just share a line.
inline constexpr unsigned put_slot_count = 64;

/// The slot the threads past put_slot_count share.
inline constexpr unsigned shared_put_slot = put_slot_count;

/// Whether a thread holding `slot` holds it alone (then a count of its own may be bumped without
/// a locked instruction).
constexpr bool exclusive_put_slot(unsigned slot) noexcept {
    return slot < put_slot_count;
}

namespace put_slots {
/// The calling thread's slot; ~0U until its first put. Constant-initialised, so reading it is one
/// thread-local load (no guard, no wrapper call).
constinit inline thread_local unsigned t_slot = ~0U;
/// A thread's first put: takes the lowest free slot (exclusive), or the shared one when none is
/// free, into t_slot, and arranges to give it back when the thread exits (release: the owner's
/// last writes reach the next owner).
unsigned first_use() noexcept;
}  // namespace put_slots

/// The calling thread's put slot, in [0, put_slot_count] (shared_put_slot the last).
inline unsigned this_thread_put_slot() noexcept {
    const unsigned slot = put_slots::t_slot;
    return slot <= shared_put_slot ? slot : put_slots::first_use();
}

/// Items accepted, counted per producer slot: a plain add on a line the calling thread owns alone
/// (a locked add on the shared slot past put_slot_count live producers). For admission that needs
/// no gate (native's closes with its queue word). The total is exact once the puts it should count
/// have returned.
class PutCount {
public:
    void add(std::uint64_t items) noexcept { add(this_thread_put_slot(), items); }
    /// The same, for a caller that has its slot already.
    void add(unsigned slot, std::uint64_t items) noexcept {
        std::atomic<std::uint64_t>& value = slots_[slot].value;
        // relaxed: a count; whoever reads it exactly has synchronised with the puts' returns.
        if (exclusive_put_slot(slot)) {
            // The slot's one writer: a plain add, no locked instruction (its previous owner's
            // last store happens-before: put_slots::release/acquire).
            value.store(value.load(std::memory_order_relaxed) + items, std::memory_order_relaxed);
        } else {
            value.fetch_add(items, std::memory_order_relaxed);
        }
    }
    [[nodiscard]] std::uint64_t total() const noexcept {
        std::uint64_t total = 0;
        for (const Slot& slot : slots_) {
            total += slot.value.load(std::memory_order_relaxed);
        }
        return total;
    }

private:
    struct alignas(cache_line_size) Slot {
        std::atomic<std::uint64_t> value{0};
    };
    Slot slots_[put_slot_count + 1];
};

class PutGate {
public:
    struct alignas(cache_line_size) Slot {
        // Low 16 bits: puts between enter and leave; high 48 bits: items accepted through this
        // slot.
        std::atomic<std::uint64_t> word{0};
    };

    /// Enters the gate; returns the slot to leave through, or nullptr when the gate is closed.
    [[nodiscard]] Slot* try_enter() noexcept {
        Slot& slot = slots_[this_thread_put_slot()];
        // (G1) seq_cst, pairs with (G2): either close() sees this put in flight and waits for it,
        // or this put sees the gate closed. Store-load (Dekker) ordering needs seq_cst on both.
        slot.word.fetch_add(1, std::memory_order_seq_cst);
        if (closed_.load(std::memory_order_seq_cst)) {
            // (G3) release, pairs with (G4).
            slot.word.fetch_sub(1, std::memory_order_release);
            return nullptr;
        }
        return &slot;
    }

    /// Leaves after `accepted` items were enqueued: one locked add does both "no longer in flight"
    /// and "count the items".
    static void leave(Slot* slot, std::uint64_t accepted) noexcept {
        // (G3) release, pairs with (G4): the enqueue happens-before close() returning.
        slot->word.fetch_add((accepted << in_flight_bits) - 1, std::memory_order_release);
    }

    /// Closes the gate and waits for the puts already inside. Idempotent. Blocks (yields) only for
    /// as long as a put takes to enqueue.
    void close() noexcept {
        closed_.store(true, std::memory_order_seq_cst);  // (G2) pairs with (G1)
        for (Slot& slot : slots_) {
            // Ends: no put enters after (G2) without seeing the flag, and each put inside leaves
            // after a bounded enqueue (it may be descheduled, hence yield rather than spin).
            // (G4) acquire, pairs with (G3).
            while ((slot.word.load(std::memory_order_acquire) & in_flight_mask) != 0) {
                std::this_thread::yield();
            }
        }
    }

    [[nodiscard]] bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

    /// Items accepted so far (exact once the gate is closed).
    [[nodiscard]] std::uint64_t accepted() const noexcept {
        std::uint64_t total = 0;
        for (const Slot& slot : slots_) {
            total += slot.word.load(std::memory_order_acquire) >> in_flight_bits;
        }
        return total;
    }

private:
    static constexpr unsigned in_flight_bits = 16;
    static constexpr std::uint64_t in_flight_mask = (std::uint64_t{1} << in_flight_bits) - 1;

    Slot slots_[put_slot_count + 1];
    alignas(cache_line_size) std::atomic<bool> closed_{false};
};

static_assert(sizeof(PutGate::Slot) == cache_line_size);

/// put_bulk for back-ends that hand items over one at a time (a port post, a task, an MF work
/// item): admit every item (admit_items), enter the gate, `post` each until one fails, and leave
/// counting the ones posted — those stay accepted (a post can only fail for lack of system
/// resources); the rest are unmarked.
template <class Post>
HRESULT put_each(PutGate& gate, std::span<MFASYNCRESULT* const> items, Post&& post) noexcept {
    if (const HRESULT hr = admit_items(items); failed(hr)) {
        return hr;
    }
    PutGate::Slot* slot = gate.try_enter();
    if (slot == nullptr) {
        unmark_items(items);
        return MF_E_SHUTDOWN;
    }
    std::size_t posted = 0;
    HRESULT hr = S_OK;
    for (MFASYNCRESULT* item : items) {
        hr = post(item);
        if (failed(hr)) {
            break;
        }
        ++posted;
    }
    unmark_items(items.subspan(posted));
    PutGate::leave(slot, posted);
    return hr;
}

}  // namespace wq::detail
