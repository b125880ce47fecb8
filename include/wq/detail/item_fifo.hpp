// wq/detail/item_fifo.hpp — a FIFO of items linked through their own OVERLAPPED (InternalHigh,
// "used internally to queue the work item"): no allocation per item. Not thread-safe: its owner's
// lock guards it. Used by the priority lanes (priority_lanes.hpp) and the MF layer's pumped
// queues (engine/mf/queues.cpp), which also use ItemStack (below).
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

    /// Appends the items of a chain ItemStack::take() returned, oldest first: a walk of the chain,
    /// best done outside the lock that guarded the stack.
    void append_chain(MFASYNCRESULT* newest) noexcept {
        MFASYNCRESULT* const last = newest;  // the newest ends up last
        MFASYNCRESULT* first = nullptr;
        while (newest != nullptr) {  // ends: the chain ends in nullptr
            MFASYNCRESULT* older = next_of(newest);
            set_next(newest, first);  // relinked oldest first
            first = newest;
            newest = older;
        }
        if (first == nullptr) {
            return;
        }
        if (tail_ == nullptr) {
            head_ = first;
        } else {
            set_next(tail_, first);
        }
        tail_ = last;
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
    friend class ItemStack;
    static MFASYNCRESULT* next_of(const MFASYNCRESULT* item) noexcept {
        return reinterpret_cast<MFASYNCRESULT*>(item->overlapped.InternalHigh);  // NOLINT
    }
    static void set_next(MFASYNCRESULT* item, const MFASYNCRESULT* next) noexcept {
        item->overlapped.InternalHigh = reinterpret_cast<std::uintptr_t>(next);  // NOLINT
    }

    MFASYNCRESULT* head_ = nullptr;
    MFASYNCRESULT* tail_ = nullptr;
};

/// Items pushed one on another, taken all at once (a LIFO chain; ItemFifo::append_chain puts it
/// back in push order). A push writes only the new item and the stack's head — never the item
/// pushed before it, whose line a consumer on another core may be reading — so a producer and a
/// consumer that takes whole chains do not pull each other's item lines back and forth, as a
/// FIFO's tail link would. Not thread-safe: its owner's lock guards it.
class ItemStack {
public:
    [[nodiscard]] bool empty() const noexcept { return newest_ == nullptr; }
    /// The first item pushed since the last take(); the stack must not be empty.
    [[nodiscard]] MFASYNCRESULT* oldest() const noexcept { return oldest_; }

    void push(MFASYNCRESULT* item) noexcept {
        ItemFifo::set_next(item, newest_);
        newest_ = item;
        if (oldest_ == nullptr) {
            oldest_ = item;
        }
    }

    /// Every item, as a chain newest first (for ItemFifo::append_chain); the stack is left empty.
    MFASYNCRESULT* take() noexcept {
        MFASYNCRESULT* chain = newest_;
        newest_ = oldest_ = nullptr;
        return chain;
    }

private:
    MFASYNCRESULT* newest_ = nullptr;
    MFASYNCRESULT* oldest_ = nullptr;
};

}  // namespace wq::detail
