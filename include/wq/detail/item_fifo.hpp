// wq/detail/item_fifo.hpp — a FIFO of items linked through their own OVERLAPPED (InternalHigh,
// "used internally to queue the work item"): no allocation per item. Not thread-safe: its owner's
// lock guards it. Used by the priority lanes (priority_lanes.hpp) and the MF layer's pumped
// queues (engine/mf/queues.cpp).
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

    /// Moves the oldest items to `into` (empty), at most `most` of them, while `keep(item)` holds
    /// for the next one; returns how many moved. A walk of the moved items.
    template <class Keep>
    std::size_t take_front(std::size_t most, const Keep& keep, ItemFifo& into) noexcept {
        std::size_t taken = 0;
        MFASYNCRESULT* last = nullptr;
        for (MFASYNCRESULT* at = head_; at != nullptr && taken < most && keep(at);
             last = at, at = next_of(at)) {
            ++taken;
        }
        if (taken == 0) {
            return 0;
        }
        into.head_ = head_;
        into.tail_ = last;
        head_ = next_of(last);
        set_next(last, nullptr);
        if (head_ == nullptr) {
            tail_ = nullptr;
        }
        return taken;
    }

    /// Puts every item of `front` before this FIFO's oldest, in their order; `front` is left
    /// empty.
    void prepend(ItemFifo& front) noexcept {
        if (front.head_ == nullptr) {
            return;
        }
        set_next(front.tail_, head_);
        if (tail_ == nullptr) {
            tail_ = front.tail_;
        }
        head_ = front.head_;
        front.head_ = front.tail_ = nullptr;
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
