// The `native` back-end: the item is the queue node (wq/native_engine.hpp).
//
// The inbox is a few lanes (one with one worker), each a lock-free stack of items linked through
// overlapped.InternalHigh on a line of its own. A producer pushes onto its own lane (the one its
// put slot maps to: wq/detail/put_gate.hpp) with one CAS; a worker takes a whole lane with one
// CAS and reverses it, oldest first, going round the lanes from where its last take succeeded. No
// one pops a single node, so a stack has no ABA: a push's CAS that still sees the head it linked
// to is right even if that item left and came back, and a take reads the links only after its
// CAS made the stack its own. Bit 0 of a lane word is the admission gate: shutdown sets it in
// every lane, a push that sees it is refused, a take keeps it. Bit 1 is the idle protocol's
// doorbell (DoorbellIdle): a worker about to park sets it in every lane while the lanes are empty;
// the push that clears one wakes a parked worker.
//
// The idle protocol is wq/detail/idle_workers.hpp's DoorbellIdle. The publications it orders are
// the push (P1: the CAS on the word the doorbell lives in) and the move of a remainder to the
// ready list (R1, then F1, against park's F2 and its re-check of ready_size_ in has_ready). Park
// arms a lane's doorbell only on a lane word that holds no items — the very word a push writes,
// never a link written afterwards — so no wake-up is lost. A worker holding a run it took is
// busy, not idle: it moves any remainder to the ready list before it runs its own share, then
// wakes a parked worker for it.
//
// Order: with one worker there is one lane, so that worker runs items in put order. With several,
// a lane is FIFO and a thread always pushes onto the same lane, so each producer's items are taken
// in the order it put them (no order is promised across workers).
#include "wq/native_engine.hpp"

#include "wq/detail/take_batching.hpp"

#include <algorithm>
#include <bit>

namespace wq::detail {
namespace {

// The item's link in a lane and the ready list: its OVERLAPPED's InternalHigh (the byte count
// of an I/O the item never has). Plain accesses: the lanes' CASes and the ready list's lock
// order them.
MFASYNCRESULT* next_of(const MFASYNCRESULT* item) noexcept {
    return reinterpret_cast<MFASYNCRESULT*>(item->overlapped.InternalHigh);  // NOLINT
}
void set_next(MFASYNCRESULT* item, const MFASYNCRESULT* next) noexcept {
    item->overlapped.InternalHigh = reinterpret_cast<std::uintptr_t>(next);  // NOLINT
}

// A lane word: the newest item's address, with bit 0 set once shutdown closed the lane and
// bit 1 the idle protocol's doorbell (an item is pointer-aligned: the low bits of its address
// are clear).
constexpr std::uintptr_t closed_bit = 1;
constexpr std::uintptr_t flag_bits = closed_bit | DoorbellIdle::doorbell_bit;
static_assert(alignof(MFASYNCRESULT) > flag_bits);
bool is_closed(std::uintptr_t word) noexcept {
    return (word & closed_bit) != 0;
}
MFASYNCRESULT* items_of(std::uintptr_t word) noexcept {
    return reinterpret_cast<MFASYNCRESULT*>(word & ~flag_bits);  // NOLINT
}
std::uintptr_t word_of(const MFASYNCRESULT* newest) noexcept {
    return reinterpret_cast<std::uintptr_t>(newest);  // NOLINT
}

/// The item `steps` links after `item`.
MFASYNCRESULT* walk(MFASYNCRESULT* item, std::size_t steps) noexcept {
    for (; steps != 0; --steps) {
        item = next_of(item);
    }
    return item;
}

/// One worker: one lane, so the lane's order is the put order (one worker runs every item in put
/// order, as MF's one-thread queues do; one consumer bounds the rate anyway). Several: one lane per
/// CPU the process may use (at least 2, so every machine runs the lane logic; at most one per put
/// slot, since a thread's lane is its slot's), a power of two.
std::size_t lane_count(unsigned workers) {
    if (workers == 1) {
        return 1;
    }
    const std::size_t cpus = allowed_cpus().size();
    return std::bit_ceil(std::clamp<std::size_t>(cpus, 2, put_slot_count));
}

}  // namespace

NativeCore::NativeCore(const Options& options)
    : EngineBase(options, StatsArray::Writers::one_per_slot),
      lanes_(lane_count(options_.workers)),
      lane_mask_(lanes_.size() - 1),
      idle_(lanes_, ~flag_bits, closed_bit) {
    start_workers();
}

HRESULT NativeCore::enqueue(std::span<MFASYNCRESULT* const> items) noexcept {
    const unsigned slot = this_thread_put_slot();
    std::atomic<std::uintptr_t>& lane = lanes_[slot & lane_mask_].word;
    // relaxed: a first look; the CAS below decides.
    std::uintptr_t head = lane.load(std::memory_order_relaxed);
    if (is_closed(head)) {
        unmark_items(items);  // shut down: nothing was counted or referenced
        return MF_E_SHUTDOWN;
    }
    items[0]->AddRef();  // before an item is visible: a worker may dispatch and Release it at once
    for (std::size_t i = 1; i < items.size(); ++i) {
        items[i]->AddRef();
        set_next(items[i], items[i - 1]);  // newest → … → oldest, as the stack holds them
    }
    const std::uintptr_t newest = word_of(items.back());
    MFASYNCRESULT* oldest = items.front();
    do {
        if (is_closed(head)) {
            // Shutdown closed the lane since our first look: take back what we did.
            for (MFASYNCRESULT* item : items) {
                item->Release();
            }
            unmark_items(items);
            return MF_E_SHUTDOWN;
        }
        set_next(oldest, items_of(head));
        // (P1) release: the run's links and the items' fields happen-before the worker's CAS
        // (acquire) that takes them; acquire: reading a doorbell, the sleeper's arming (and its
        // read of the epoch) happen-before our wake-up. One word, one modification order: a push
        // lands before stop()'s closing RMW of its lane (and is drained) or sees it (refused),
        // and before a sleeper's arming CAS of its lane (which then fails) or after it (and
        // wakes). seq_cst for the argument's sake: on x86 every locked RMW is.
    } while (!lane.compare_exchange_weak(head, newest, std::memory_order_seq_cst,
                                         std::memory_order_relaxed));
    accepted_.add(slot, items.size());
    // After the push the engine may already have drained and stopped (a shutdown on another
    // thread): the count above and a wake-up below touch only members, which live as long as
    // the engine, and a wake-up with nobody parked is harmless.
    idle_.after_push(head);  // the push cleared the doorbell: wake the worker that rang it
    return S_OK;
}

HRESULT NativeCore::put(MFASYNCRESULT* item) noexcept {
    inject_put();
    if (const HRESULT hr = detail::admit_item(item); failed(hr)) {
        return hr;
    }
    return enqueue({&item, 1});
}

HRESULT NativeCore::put_bulk(std::span<MFASYNCRESULT* const> items) noexcept {
    inject_put();
    if (const HRESULT hr = detail::admit_items(items); failed(hr)) {
        return hr;
    }
    if (items.empty()) {
        return idle_.stopping() ? MF_E_SHUTDOWN : S_OK;
    }
    return enqueue(items);  // one CAS for the whole bulk
}

NativeCore::Run NativeCore::take(std::size_t& cursor) noexcept {
    // relaxed: a hint whether to try the ready list; its lock orders what we take from it.
    if (options_.workers > 1 && ready_size_.load(std::memory_order_relaxed) != 0) {
        if (Run run = take_ready(); run.count != 0) {
            return run;
        }
    }
    // The lanes round from `cursor`: the first that holds items is taken whole.
    std::uintptr_t head = 0;
    for (std::size_t looked = 0;; ++looked) {
        if (looked == lanes_.size()) {
            return {};  // every lane empty, or other workers took them since our look
        }
        std::atomic<std::uintptr_t>& lane = lanes_[(cursor + looked) & lane_mask_].word;
        // relaxed: a look before the CAS, so polling an empty lane only reads its line instead
        // of taking it exclusively; the CAS below orders what we take.
        head = lane.load(std::memory_order_relaxed);
        // Take every item, keep the flags. Ends: a CAS fails only when a push or another
        // worker's take changed the word — progress elsewhere.
        while (items_of(head) != nullptr &&
               // acquire, pairs with (P1): the items and their links are visible.
               !lane.compare_exchange_weak(head, head & flag_bits, std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
        }
        if (items_of(head) != nullptr) {
            // Next time start after it: every lane with items is taken in turn, none starves.
            cursor += looked + 1;
            break;
        }
    }
    MFASYNCRESULT* item = items_of(head);
    Run run;
    run.last = item;
    MFASYNCRESULT* newer = nullptr;
    // Ends: the stack is finite and private now (nobody else can reach these links).
    while (item != nullptr) {
        MFASYNCRESULT* older = next_of(item);
        set_next(item, newer);
        newer = item;
        item = older;
        ++run.count;
    }
    run.first = newer;
    if (options_.workers == 1 || run.count == 1) {
        return run;
    }
    // Keep a fair share; the rest goes to the ready list for the other workers.
    const std::size_t share = (run.count + options_.workers - 1) / options_.workers;
    MFASYNCRESULT* cut = walk(run.first, share - 1);
    Run rest{next_of(cut), run.last, run.count - share};
    set_next(cut, nullptr);
    run.last = cut;
    run.count = share;
    give_ready(rest);
    return run;
}

NativeCore::Run NativeCore::take_ready() noexcept {
    if (!ready_lock_.try_lock()) {
        return {};  // busy: the caller looks at the lanes instead of waiting
    }
    Run run;
    if (ready_.count != 0) {
        const std::size_t share = (ready_.count + options_.workers - 1) / options_.workers;
        MFASYNCRESULT* cut = walk(ready_.first, share - 1);
        run = {ready_.first, cut, share};
        ready_ =
            ready_.count == share ? Run{} : Run{next_of(cut), ready_.last, ready_.count - share};
        set_next(cut, nullptr);
        // relaxed: taking items away never has to wake anyone.
        ready_size_.store(ready_.count, std::memory_order_relaxed);
    }
    ready_lock_.unlock();
    if (ready_size_.load(std::memory_order_relaxed) != 0) {
        idle_.wake_one_if_sleeping();  // more than our share is left: ramp another worker up
    }
    return run;
}

void NativeCore::give_ready(Run run) noexcept {
    ready_lock_.lock();  // held by another worker only for a walk of one share
    if (ready_.count == 0) {
        ready_ = run;
    } else {
        set_next(ready_.last, run.first);
        ready_.last = run.last;
        ready_.count += run.count;
    }
    // (R1) relaxed store; the F1 fence in wake_one_if_sleeping orders it before the read of the
    // sleepers' count, pairing with park's F2 and its re-check of ready_size_ (has_ready).
    ready_size_.store(ready_.count, std::memory_order_relaxed);
    ready_lock_.unlock();
    idle_.wake_one_if_sleeping();
}

bool NativeCore::has_ready() const noexcept {
    // relaxed: park's re-check, ordered by its F2 fence (wq/detail/idle_workers.hpp); park
    // looks at the lanes itself, in the CASes that arm the doorbells.
    return ready_size_.load(std::memory_order_relaxed) != 0;
}

void NativeCore::worker_main(unsigned index, detail::WorkerStats& stats) noexcept {
    LearnedSpin spin(options_.spin_before_park);
    const auto run = [&](const Run& taken) {
        MFASYNCRESULT* item = taken.first;
        for (std::size_t i = 0; i < taken.count; ++i) {
            MFASYNCRESULT* next = next_of(item);  // before dispatch: the callback may put it again
            dispatch_one(item, stats);
            item = next;
        }
    };
    TakeBatching batching;
    std::size_t cursor = index;  // workers start their rounds of the lanes apart
    const auto take_batched = [&] {
        batching.before_take();
        Run taken = take(cursor);
        batching.after_take(taken.count);
        return taken;
    };
    const auto has_work = [this] { return has_ready(); };
    spin_then_park(idle_, stats, options_.max_spinning_workers, spin, take_batched, run, has_work);
}

void NativeCore::stop() noexcept {
    // Close every lane, the last one last: from a lane's closing RMW on every push onto it is
    // refused, and every accepted one is in the lane before it (one modification order), so a
    // worker that sees the last lane closed (stopping(), acquire) and then finds every lane
    // empty has drained them. seq_cst: ordered with the pushes' CASes (P1).
    for (DoorbellIdle::Word& lane : lanes_) {
        lane.word.fetch_or(closed_bit, std::memory_order_seq_cst);
    }
    idle_.stop();  // wakes every parked worker; their stopping() sees the bit
}

template class Complete<NativeCore>;

}  // namespace wq::detail
