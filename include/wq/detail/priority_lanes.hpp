// wq/detail/priority_lanes.hpp — Engine::put_priority for every back-end without priorities of
// its own (all but mfplat, which hands the priority to MF): two side lanes, one for priority 1
// ("high", any positive) and one for -1 ("low", any negative), beside the back-end's own queue,
// which stays the priority-0 lane — so a put at 0 is put(), and a run with no priorities pays one
// relaxed load per dispatch (active()).
//
// The protocol (EngineBase::dispatch_one is the hook every back-end's worker calls):
//  - A put at ±1 admits the item as put() does (queue-once mark, AddRef) and, under the lanes'
//    spin lock, appends it to its lane, counts one token out (tokens_out_) and puts that token
//    through the back-end's own put — the token is what wakes a worker and what the engine counts
//    (one accepted, one dispatched per put, as for any item). The token's put is under the lock,
//    so a refused token (out of memory) takes its own item back before any worker can see it.
//  - Every dispatch, while any token is out, first runs every high item waiting: so among items
//    waiting, a 1 runs before any 0 or -1 that a worker takes after it was put (on any worker).
//    A high token's own dispatch is such a dispatch; the token itself then does nothing.
//  - A low token's dispatch runs the oldest low item — unless some item of priority ≥ 0 is sure
//    to be waiting: more items in the engine, besides the low tokens, than it has workers. Then it
//    waits: parked aside if another low token is going round the back-end's queue (that one comes
//    back for it), else sent round itself (a put of the token). A token whose turn comes runs its
//    item and then the parked tokens' items while nothing of priority ≥ 0 waits; if something
//    does, it sends one parked token round for the rest. So one low token goes round per pass,
//    however many wait, and a parked token's dispatch (its count) ends when its item runs. With one
//    worker that is exact: a -1 runs only when no 0 or 1 waits. With W workers it runs when at
//    most W items are in the engine besides the low ones — the others may be running, not waiting.
//    No starvation freedom: under an endless stream of 0s a -1 waits for ever (MF promises none
//    either); each pass costs one put of a token (counted neither as a put nor as a dispatch).
//  - Shutdown closes the lanes (under their lock) before the back-end stops admitting: a put at
//    ±1 is refused with MF_E_SHUTDOWN from then on, and every token put before is accepted, so the
//    back-end's drain runs every lane item. A deferral refused (the back-end is draining) runs its
//    item at once: during shutdown's drain a -1 no longer waits for the 0s queued behind it.
//
// A back-end whose put dispatches on the calling thread cannot use the lanes (the token's put
// would dispatch under their lock); every real back-end hands items to its workers.
#pragma once

#include "wq/async_result.hpp"
#include "wq/config.hpp"
#include "wq/detail/dispatch.hpp"
#include "wq/detail/item_fifo.hpp"
#include "wq/detail/spin_mutex.hpp"
#include "wq/engine.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace wq::detail {

/// Marks an item as a lane token (tokens are recognised by it; it is never invoked).
inline UncountedCallback<void (*)(IMFAsyncResult*)> lane_token_callback(
    [](IMFAsyncResult* /*token*/) {});

// The padding is the point: what every dispatch reads and what priority puts lock, on lines apart.
class PriorityLanes {  // NOLINT(clang-analyzer-optin.performance.Padding)
public:
    PriorityLanes() = default;
    PriorityLanes(const PriorityLanes&) = delete;
    PriorityLanes& operator=(const PriorityLanes&) = delete;
    ~PriorityLanes() = default;

    /// Whether any token is in the engine (so dispatch must look at the lanes). relaxed: a token's
    /// increment happens-before its own dispatch (through the back-end's queue), so the dispatch
    /// of a token always sees it; another dispatch may miss a put racing it, as it may miss the
    /// put's item.
    [[nodiscard]] bool active() const noexcept {
        return tokens_out_.load(std::memory_order_relaxed) != 0;
    }

    /// put_priority at a priority other than 0: see the protocol above. `engine` is the engine
    /// these lanes belong to (its put takes the token).
    HRESULT put(Engine& engine, MFASYNCRESULT* item, bool high) noexcept {
        if (const HRESULT hr = admit_item(item); failed(hr)) {
            return hr;
        }
        item->AddRef();  // before it is visible: a worker may run and Release it at once
        HRESULT hr = S_OK;
        {
            const std::lock_guard lock(mutex_);
            Token* token = closed_ ? nullptr : take_token(high);
            if (token != nullptr) {
                lane(high).push(item);
                if (high) {
                    high_items_.fetch_add(1, std::memory_order_relaxed);  // published by the unlock
                }
                count_out(token);
                hr = engine.put(token);
                if (failed(hr)) {
                    (void)lane(high).remove(item);  // no worker can have taken it: we hold the lock
                    if (high) {
                        high_items_.fetch_sub(1, std::memory_order_relaxed);
                    }
                    give_back(token);
                }
            } else {
                hr = closed_ ? MF_E_SHUTDOWN : E_OUTOFMEMORY;
            }
        }
        if (failed(hr)) {
            unmark_items({&item, 1});
            item->Release();
        }
        return hr;
    }

    /// The puts and dispatches of low tokens sent round again (must_wait): the engine's counters
    /// leave them out, so that they count the items put, one each.
    [[nodiscard]] std::uint64_t reputs() const noexcept {
        return reputs_.load(std::memory_order_relaxed);
    }

    /// Shutdown's first step, before the back-end stops admitting: puts at ±1 are refused from now.
    void close() noexcept {
        const std::lock_guard lock(mutex_);
        closed_ = true;
    }

    /// Called by a worker, while active(), before it dispatches `item`: runs every high item
    /// waiting, then — if `item` is a token — what the token stands for, and returns true (the
    /// token's dispatch is done, counted in `stats`); false for any other item, which the caller
    /// dispatches as usual.
    /// Out of line: the dispatch path of a run without priorities stays as it was.
    WQ_NOINLINE bool dispatch(Engine& engine, MFASYNCRESULT* item, WorkerStats& stats,
                              const Options& options) noexcept {
        run_high(stats, options);
        if (item->pCallback != &lane_token_callback) {
            return false;
        }
        // The token leaves the engine's queue (the queue-once rule): it may be put again.
        pending_mark(item).store(0, std::memory_order_release);
        auto* token = static_cast<Token*>(item);
        if (token->high) {
            const std::lock_guard lock(mutex_);
            give_back(token);  // its item ran above, or on the worker that took it first
        } else if (!run_low(engine, token, stats, options)) {
            return true;  // parked: its dispatch ends when its turn comes
        }
        stats.bump(stats.dispatched);  // last: the engine may be destroyed once it is seen
        return true;
    }

private:
    /// A token: an item of the back-end's own queue that stands for one lane item. Owned by the
    /// lanes, which outlive every dispatch: no reference count.
    class Token final : public EmbeddedResult {
    public:
        explicit Token(bool is_high) noexcept : high(is_high) { pCallback = &lane_token_callback; }
        ULONG AddRef() override { return 2; }
        ULONG Release() override { return 1; }

        bool high;                   // set once, before the token is first put
        Token* next_free = nullptr;  // guarded by the lanes' mutex
    };

    ItemFifo& lane(bool high) noexcept { return high ? high_ : low_; }

    /// A free token, or a new one; nullptr when out of memory. Under mutex_.
    Token* take_token(bool high) noexcept {
        Token*& free = high ? free_high_ : free_low_;
        if (free != nullptr) {
            Token* token = free;
            free = token->next_free;
            return token;
        }
        try {
            tokens_.push_back(std::make_unique<Token>(high));
        } catch (const std::bad_alloc&) {
            return nullptr;
        }
        return tokens_.back().get();
    }

    /// A token goes into the engine's queue. Under mutex_.
    void count_out(const Token* token) noexcept {
        tokens_out_.fetch_add(1, std::memory_order_relaxed);  // published by the unlock
        if (!token->high) {
            ++low_tokens_out_;
        }
    }

    /// A token is back from the engine's queue. Under mutex_.
    void give_back(Token* token) noexcept {
        Token*& free = token->high ? free_high_ : free_low_;
        token->next_free = free;
        free = token;
        if (!token->high) {
            --low_tokens_out_;
        }
        tokens_out_.fetch_sub(1, std::memory_order_relaxed);
    }

    void run_high(WorkerStats& stats, const Options& options) noexcept {
        // relaxed: a high token's dispatch sees its own item's count (its put happens-before);
        // another dispatch may miss a put racing it.
        // Ends: each round takes one item out; puts that race it add items a later round takes.
        while (high_items_.load(std::memory_order_relaxed) != 0) {
            MFASYNCRESULT* item = nullptr;
            {
                const std::lock_guard lock(mutex_);
                if (high_.empty()) {
                    return;  // another worker took the last one
                }
                item = high_.pop();
                high_items_.fetch_sub(1, std::memory_order_relaxed);
            }
            invoke(item, stats, options);
            item->Release();
        }
    }

    /// A low token's turn, its dispatch begun. Returns false if the token parked (its dispatch
    /// goes on until a token going round ends it), true once its dispatch is over.
    bool run_low(Engine& engine, Token* token, WorkerStats& stats,
                 const Options& options) noexcept {
        std::unique_lock lock(mutex_);
        bool draining = false;
        if (must_wait(engine, /*self_is_low=*/true)) {
            if (low_tokens_out_ - parked_count_ > 1) {
                park(token);  // another low token goes round: it comes back for this one
                return false;
            }
            if (send_round(engine, token)) {
                return true;
            }
            draining = true;  // refused: nothing of priority ≥ 0 can come any more
        }
        // This token's item, then the parked tokens' as long as nothing of priority ≥ 0 waits.
        // (Whose turn it is is a flag, not a pointer: once given back, this token may be put
        // again, dispatched, parked — and come round here as a parked one.)
        Token* turn = token;
        bool parked_turn = false;
        // Ends: each round runs one low item; the parked tokens are finite.
        for (;;) {
            MFASYNCRESULT* item = low_.pop();  // tokens out = low items waiting: there is one
            give_back(turn);
            lock.unlock();
            invoke(item, stats, options);
            item->Release();
            if (parked_turn) {
                stats.bump(stats.dispatched);  // a parked token's dispatch ends with its item
            }
            lock.lock();
            if (parked_ == nullptr) {
                return true;
            }
            turn = unpark();
            parked_turn = true;
            if (!draining && must_wait(engine, /*self_is_low=*/false)) {
                // The parked ones need a token going round: this one (its parked dispatch ends).
                if (send_round(engine, turn)) {
                    stats.bump(stats.dispatched);
                    return true;
                }
                draining = true;
            }
        }
    }

    /// Sends a low token round the back-end's queue again. Under mutex_ (as put's token).
    bool send_round(Engine& engine, Token* token) noexcept {
        // Counted first: counters() may then read one put and one dispatch too few for a moment,
        // never too many (it saturates); exact once the engine is quiescent.
        reputs_.fetch_add(1, std::memory_order_relaxed);
        if (succeeded(engine.put(token))) {
            return true;
        }
        reputs_.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }

    void park(Token* token) noexcept {
        token->next_free = parked_;
        parked_ = token;
        ++parked_count_;
    }
    Token* unpark() noexcept {
        Token* token = parked_;
        parked_ = token->next_free;
        --parked_count_;
        return token;
    }

    /// Whether an item of priority ≥ 0 is sure to be waiting: more items in the engine, besides
    /// the low tokens, than its workers can be running — W, one of them the caller, which runs
    /// a low token of its own (`self_is_low`) or an item already counted apart. Under mutex_.
    [[nodiscard]] bool must_wait(const Engine& engine, bool self_is_low) const noexcept {
        const EngineCounters counters = engine.counters();
        // The two counters are read one after the other: a dispatched count ahead of the put
        // count reads as an empty engine.
        const std::uint64_t in_engine =
            counters.put > counters.dispatched ? counters.put - counters.dispatched : 0;
        const std::uint64_t running_beside = engine.worker_count() - (self_is_low ? 1 : 0);
        return high_items_.load(std::memory_order_relaxed) != 0 ||
               in_engine > low_tokens_out_ + running_beside;
    }

    // Read on every dispatch (tokens_out_) and, while priorities are in use, on every dispatch
    // again (high_items_); written by the puts and dispatches at ±1 alone, under mutex_.
    alignas(cache_line_size) std::atomic<std::uint64_t> tokens_out_{0};
    std::atomic<std::uint64_t> high_items_{0};  // items in high_
    alignas(cache_line_size) SpinMutex mutex_;
    std::atomic<std::uint64_t> reputs_{0};
    ItemFifo high_;                               // guarded by mutex_
    ItemFifo low_;                                // guarded by mutex_
    bool closed_ = false;                         // guarded by mutex_
    std::uint64_t low_tokens_out_ = 0;            // guarded by mutex_: low tokens in the engine
    Token* parked_ = nullptr;                     // guarded by mutex_: low tokens waiting aside
    std::uint64_t parked_count_ = 0;              // guarded by mutex_
    Token* free_high_ = nullptr;                  // guarded by mutex_
    Token* free_low_ = nullptr;                   // guarded by mutex_
    std::vector<std::unique_ptr<Token>> tokens_;  // guarded by mutex_
};

}  // namespace wq::detail
