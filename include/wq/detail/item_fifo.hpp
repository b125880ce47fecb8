// wq/detail/item_fifo.hpp — a FIFO of items linked through their own OVERLAPPED (InternalHigh,
// "used internally to queue the work item"): no allocation per item. Not thread-safe: its owner's
// lock guards it. Used by the priority lanes (priority_lanes.hpp) and the MF layer's pumped
// queues (engine/mf/queues.cpp), which append the chains their lock-free inboxes hold.
#pragma once

#include "wq/types.hpp"

#include <cstddef>
#include <cstdint>

namespace wq::detail {

class ItemFifo {
public:
    [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
    [[nodiscard]] MFASYNCRESULT* front() const noexcept { return head_; }

    void push(MFASYNCRESULT* item) noexcept {
        set_next(item, nullptr);
        if (tail_ == nullptr) {
            head_ = item;
        } else {
            set_next(tail_, item);
        }
        tail_ = item;
    }

    /// The oldest item; the FIFO must not be empty.
    MFASYNCRESULT* pop() noexcept {
        MFASYNCRESULT* item = head_;
        head_ = next_of(item);
        if (head_ == nullptr) {
            tail_ = nullptr;
        }
        return item;
    }

    /// Appends the items of a chain linked newest first (a stack of items, as taken whole), oldest
    /// first; returns how many. A walk of the chain, best done once the chain is the caller's own.
    std::size_t append_chain(MFASYNCRESULT* newest) noexcept {
        MFASYNCRESULT* const last = newest;  // the newest ends up last
        MFASYNCRESULT* first = nullptr;
        std::size_t count = 0;
        while (newest != nullptr) {  // ends: the chain ends in nullptr
            MFASYNCRESULT* older = next_of(newest);
            set_next(newest, first);  // relinked oldest first
            first = newest;
            newest = older;
            ++count;
        }
        if (first == nullptr) {
            return 0;
        }
        if (tail_ == nullptr) {
            head_ = first;
        } else {
            set_next(tail_, first);
        }
        tail_ = last;
        return count;
    }

    /// Takes `item` out wherever it is (a walk: for the rare path that takes back a refused put);
    /// false if it is not here.
    bool remove(const MFASYNCRESULT* item) noexcept {
        MFASYNCRESULT* previous = nullptr;
        for (MFASYNCRESULT* at = head_; at != nullptr; previous = at, at = next_of(at)) {
            if (at != item) {
                continue;
            }
            MFASYNCRESULT* next = next_of(at);
            if (previous == nullptr) {
                head_ = next;
            } else {
                set_next(previous, next);
            }
            if (tail_ == at) {
                tail_ = previous;
            }
            return true;
        }
        return false;
    }

private:
    static MFASYNCRESULT* next_of(const MFASYNCRESULT* item) noexcept {
        return reinterpret_cast<MFASYNCRESULT*>(item->overlapped.InternalHigh);  // NOLINT
    }
    static void set_next(MFASYNCRESULT* item, const MFASYNCRESULT* next) noexcept {
        item->overlapped.InternalHigh = reinterpret_cast<std::uintptr_t>(next);  // NOLINT
    }

    MFASYNCRESULT* head_ = nullptr;
    MFASYNCRESULT* tail_ = nullptr;
};

}  // namespace wq::detail
