// wq_soak: a long run per back-end (scripts/soak runs it; --help below). Rounds of random shapes,
// each on a fresh engine or a fresh MF platform over one, until the back-end has completed the
// items asked for. Every item put carries a token; each completion adds its token to a checksum
// and clears the item's in-flight mark, so a round holds when, after its shutdown, the completions
// equal the accepted puts by count and by checksum, no completion found its item not in flight
// (a duplicate), each serial queue ran in order, the engine's counters agree and every item is
// back to the one reference its owner holds. Any failure — or no completion for 60 s while items
// are accepted and not completed (a lost item) — ends the run with exit 1.
//
// Engine rounds mix single, bulk and priority puts, re-entrant puts (a callback puts its own item
// again), throwing callbacks and event items (no callback: the producer collects the signal).
// MF rounds mix priority puts on the multithreaded queue, serial queues (one on it, one on that),
// re-entrant puts, scheduled items (0–2 ms) and waiting items, with cancels racing due times and
// signals. A tenth of the rounds shut down while the producers still put.
#include "test_support.hpp"

#include "wq/engine.hpp"
#include "wq/event.hpp"
#include "wq/mfapi.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

using wq::test::TrackedResult;
using Clock = std::chrono::steady_clock;
using wq::DWORD;
using wq::HRESULT;
using wq::LONG;

constexpr const char* usage =
    "usage: wq_soak [--items N] [--backend NAME]... [--seed N]\n"
    "  --items N      items each back-end completes (default 100000000; k and M suffixes)\n"
    "  --backend NAME a back-end to soak (repeatable; default every available one)\n"
    "  --seed N       the random mix's seed (default 1; a run is reproducible by it)\n"
    "Progress on stderr, one summary line per back-end on stdout. Exit 0 all held, 1 an item was\n"
    "lost or run twice or a reference leaked, 2 bad input.\n";

[[noreturn]] void bad_input(const std::string& message) {
    std::fprintf(stderr, "wq_soak: %s\n", message.c_str());
    std::exit(2);
}

std::uint64_t parse_count(const std::string& flag, const std::string& text) {
    std::uint64_t multiplier = 1;
    std::string digits = text;
    if (!digits.empty() && (digits.back() == 'k' || digits.back() == 'M')) {
        multiplier = digits.back() == 'k' ? 1000 : 1'000'000;
        digits.pop_back();
    }
    const bool all_digits =
        !digits.empty() && digits.size() <= 12 &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    const std::uint64_t value = all_digits ? std::stoull(digits) * multiplier : 0;
    if (value == 0) {
        bad_input(flag + " '" + text + "': use a whole number from 1 (k and M suffixes allowed)");
    }
    return value;
}

/// The process's resident set, in MiB (Linux: /proc/self/statm).
double rss_mib() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0;
    std::uint64_t resident = 0;
    statm >> size >> resident;
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
           (1024.0 * 1024.0);
}

enum class Op : std::uint8_t {
    single,
    bulk,
    priority,
    reentrant,
    throwing,
    event,
    serial,
    scheduled,
    waiting
};

/// The producer's side of an item (written before a put, read by the callback after it).
struct Slot {
    std::atomic<bool> in_flight{false};
    std::uint64_t token = 0;
    std::uint32_t hops = 0;        // re-entrant: puts left for the callback to make
    bool throws = false;           // the callback throws once it has counted
    int serial = -1;               // the serial queue it went to (index into Round::serial_next)
    std::uint64_t serial_seq = 0;  // its place in that queue
    std::unique_ptr<wq::Event> event;  // event items and waiting items (some slots only)
};

struct Failure {
    std::atomic<std::uint64_t> duplicates{0};
    std::atomic<std::uint64_t> out_of_order{0};
    std::atomic<std::uint64_t> refused{0};  // a put refused while the round was open
};

/// One round: a fresh engine or platform, P producers with their slots, and the tallies.
struct Round {
    bool mf = false;
    wq::Engine* engine = nullptr;
    wq::Platform* platform = nullptr;
    int producers = 1;
    static constexpr std::size_t slots_per_producer = 256;
    std::vector<TrackedResult> items;
    std::vector<Slot> slots;
    std::vector<std::array<DWORD, 2>> serial_queues;      // per producer: on MT, on the first
    std::vector<std::atomic<std::uint64_t>> serial_last;  // per serial queue: last seq run
    std::atomic<bool> closing{false};                     // shutdown under load has begun
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> expected_checksum{0};
    std::atomic<std::uint64_t> completed{0};
    std::atomic<std::uint64_t> checksum{0};
    std::atomic<std::uint64_t> thrown{0};
    std::atomic<std::uint64_t> cancelled{0};
    std::atomic<std::uint64_t> timed{0};  // scheduled and waiting items put
    Failure failure;
    wq::ComPtr<wq::IMFAsyncCallback> callback;

    void accept(std::uint64_t token) noexcept {
        accepted.fetch_add(1, std::memory_order_relaxed);
        expected_checksum.fetch_add(token, std::memory_order_relaxed);
    }
    void complete(Slot& slot) noexcept {
        completed.fetch_add(1, std::memory_order_relaxed);
        checksum.fetch_add(slot.token, std::memory_order_relaxed);
    }
    HRESULT put_again(TrackedResult* item) const noexcept {
        return mf ? platform->PutWorkItemEx(wq::MFASYNC_CALLBACK_QUEUE_MULTITHREADED, item)
                  : engine->put(item);
    }
};

std::uint64_t next_token(std::uint64_t token) noexcept {
    return token * 6364136223846793005ULL + 1442695040888963407ULL;
}

/// Every callback of a round: count, check order, put again or finish (and maybe throw).
void on_dispatch(Round& round, wq::IMFAsyncResult* result) {
    auto* item = static_cast<TrackedResult*>(result);
    Slot& slot = round.slots[item->id];
    round.complete(slot);
    if (slot.serial >= 0) {
        auto& last = round.serial_last[static_cast<std::size_t>(slot.serial)];
        if (last.load(std::memory_order_relaxed) + 1 != slot.serial_seq) {
            round.failure.out_of_order.fetch_add(1, std::memory_order_relaxed);
        }
        last.store(slot.serial_seq, std::memory_order_relaxed);
    }
    if (slot.hops != 0) {
        --slot.hops;
        slot.token = next_token(slot.token);
        round.accept(slot.token);  // before the put: it may run at once
        if (round.put_again(item) == wq::S_OK) {
            return;
        }
        round.accepted.fetch_sub(1, std::memory_order_relaxed);  // refused: shut down meanwhile
        round.expected_checksum.fetch_sub(slot.token, std::memory_order_relaxed);
    }
    const bool throws = slot.throws;
    if (!slot.in_flight.exchange(false, std::memory_order_acq_rel)) {
        round.failure.duplicates.fetch_add(1, std::memory_order_relaxed);
    }
    if (throws) {
        round.thrown.fetch_add(1, std::memory_order_relaxed);
        throw std::runtime_error("wq_soak: a callback that throws");
    }
}

/// A producer: puts its share through its slots, each re-used once its item completed.
class Producer {
public:
    Producer(Round& round, int index, std::uint64_t share, std::uint64_t seed)
        : round_(round),
          index_(index),
          share_(share),
          rng_(seed),
          first_(static_cast<std::size_t>(index) * Round::slots_per_producer) {}

    void run() {
        std::vector<std::size_t> free;
        while (put_ < share_ && !stopped_) {
            collect_events();
            free.clear();
            for (std::size_t i = 0; i < Round::slots_per_producer && free.size() < 64; ++i) {
                const std::size_t slot = first_ + (cursor_ + i) % Round::slots_per_producer;
                if (!round_.slots[slot].in_flight.load(std::memory_order_acquire)) {
                    free.push_back(slot);
                }
            }
            cursor_ = (cursor_ + 61) % Round::slots_per_producer;
            if (free.empty()) {
                std::this_thread::yield();
                continue;
            }
            put_some(free);
        }
        // Ends when every item this producer put completed (the round's watchdog ends a hang).
        for (;;) {
            collect_events();
            bool busy = false;
            for (std::size_t i = 0; i < Round::slots_per_producer && !busy; ++i) {
                busy = round_.slots[first_ + i].in_flight.load(std::memory_order_acquire);
            }
            if (!busy) {
                return;
            }
            std::this_thread::sleep_for(std::chrono::microseconds{100});
        }
    }

private:
    Op pick(bool has_event) {
        const unsigned roll = std::uniform_int_distribution<unsigned>(0, 99)(rng_);
        if (round_.mf) {
            if (roll < 2 && has_event) {
                return Op::waiting;
            }
            if (roll < 4) {
                return Op::scheduled;
            }
            return roll < 40 ? Op::serial : roll < 50 ? Op::reentrant : Op::priority;
        }
        if (roll < 2 && has_event) {
            return Op::event;
        }
        return roll < 40   ? Op::single
               : roll < 75 ? Op::bulk
               : roll < 85 ? Op::priority
               : roll < 95 ? Op::reentrant
                           : Op::throwing;
    }

    TrackedResult* arm(std::size_t index, bool with_callback) {
        Slot& slot = round_.slots[index];
        TrackedResult* item = &round_.items[index];
        slot.token = next_token(token_base_ + ++sequence_);
        slot.hops = 0;
        slot.throws = false;
        slot.serial = -1;
        item->pCallback = with_callback ? round_.callback.get() : nullptr;
        item->hEvent = with_callback ? nullptr : slot.event->handle();
        slot.in_flight.store(true, std::memory_order_relaxed);  // the put publishes it
        return item;
    }

    /// A put's answer. `counted`: the item was counted as accepted before the put (it may run at
    /// once), and a refusal takes that back. A refusal ends this producer's puts (shut down under
    /// load; a failure when the round is not closing).
    bool settle(std::size_t index, HRESULT hr, bool counted) {
        Slot& slot = round_.slots[index];
        if (hr == wq::S_OK) {
            ++put_;
            return true;
        }
        if (counted) {
            round_.accepted.fetch_sub(1, std::memory_order_relaxed);
            round_.expected_checksum.fetch_sub(slot.token, std::memory_order_relaxed);
        }
        slot.in_flight.store(false, std::memory_order_relaxed);
        if (!round_.closing.load(std::memory_order_acquire) || hr != wq::MF_E_SHUTDOWN) {
            round_.failure.refused.fetch_add(1, std::memory_order_relaxed);
        }
        stopped_ = true;
        return false;
    }

    void put_some(const std::vector<std::size_t>& free) {
        const std::size_t index = free.front();
        const Op op = pick(round_.slots[index].event != nullptr);
        switch (op) {
            case Op::bulk: {
                const std::size_t n = std::min<std::size_t>(
                    free.size(), std::uniform_int_distribution<std::size_t>(2, 64)(rng_));
                std::vector<wq::MFASYNCRESULT*> batch;
                for (std::size_t k = 0; k < n; ++k) {
                    batch.push_back(arm(free[k], true));
                    round_.accept(round_.slots[free[k]].token);  // before: they may run at once
                }
                const HRESULT hr = round_.engine->put_bulk(batch);
                for (std::size_t k = 0; k < n; ++k) {
                    settle(free[k], hr, true);
                }
                return;
            }
            case Op::event: {
                TrackedResult* item = arm(index, false);
                round_.accept(round_.slots[index].token);
                settle(index, round_.engine->put(item), true);
                return;
            }
            case Op::scheduled:
            case Op::waiting:
                put_timed(index, op);
                return;
            default:
                break;
        }
        TrackedResult* item = arm(index, true);
        Slot& slot = round_.slots[index];
        const LONG priority = std::uniform_int_distribution<LONG>(-1, 1)(rng_);
        slot.hops =
            op == Op::reentrant ? std::uniform_int_distribution<std::uint32_t>(1, 4)(rng_) : 0;
        slot.throws = op == Op::throwing;
        HRESULT hr = wq::S_OK;
        round_.accept(slot.token);
        if (op == Op::serial) {
            const unsigned which = std::uniform_int_distribution<unsigned>(0, 1)(rng_);
            slot.serial = index_ * 2 + static_cast<int>(which);
            slot.serial_seq = ++serial_seq_[which];
            hr = round_.platform->PutWorkItemEx(
                round_.serial_queues[static_cast<std::size_t>(index_)][which], item);
            if (hr != wq::S_OK) {
                --serial_seq_[which];
            }
        } else if (round_.mf) {
            hr = round_.platform->PutWorkItemEx2(wq::MFASYNC_CALLBACK_QUEUE_MULTITHREADED,
                                                 op == Op::priority ? priority : 0, item);
        } else if (op == Op::priority) {
            hr = round_.engine->put_priority(item, priority);
        } else {
            hr = round_.engine->put(item);
        }
        settle(index, hr, true);
    }

    /// A scheduled or waiting item, cancelled (or signalled, or both) at once: the cancel's answer
    /// says whether it will run, and the round counts it that way.
    void put_timed(std::size_t index, Op op) {
        TrackedResult* item = arm(index, true);
        Slot& slot = round_.slots[index];
        wq::MFWORKITEM_KEY key = 0;
        HRESULT hr = wq::S_OK;
        if (op == Op::scheduled) {
            const auto delay = std::chrono::nanoseconds{
                std::uniform_int_distribution<std::int64_t>(0, 2'000'000)(rng_)};
            hr = round_.platform->ScheduleWorkItemAfter(item, delay, &key);
        } else {
            hr = round_.platform->PutWaitingWorkItem(slot.event->handle(), 0, item, &key);
        }
        if (!settle(index, hr, false)) {
            return;
        }
        round_.timed.fetch_add(1, std::memory_order_relaxed);
        const unsigned roll = std::uniform_int_distribution<unsigned>(0, 3)(rng_);
        if (op == Op::waiting && roll != 0) {
            slot.event->set();  // roll 1, 2: signal; 3: signal, then cancel (a race)
        }
        const bool cancel = op == Op::scheduled ? roll < 2 : (roll == 0 || roll == 3);
        // The token is expected before a cancel that may answer "not found": it runs then.
        const std::uint64_t token = slot.token;
        round_.accept(token);
        if (cancel && round_.platform->CancelWorkItem(key) == wq::S_OK) {
            round_.accepted.fetch_sub(1, std::memory_order_relaxed);
            round_.expected_checksum.fetch_sub(token, std::memory_order_relaxed);
            round_.cancelled.fetch_add(1, std::memory_order_relaxed);
            slot.in_flight.store(false, std::memory_order_release);  // it will not run
        }
    }

    /// Event items have no callback: their completion is the signal, collected here.
    void collect_events() {
        if (round_.mf) {
            return;
        }
        for (std::size_t i = 0; i < Round::slots_per_producer; i += event_stride) {
            Slot& slot = round_.slots[first_ + i];
            if (slot.in_flight.load(std::memory_order_acquire) &&
                round_.items[first_ + i].pCallback == nullptr &&
                slot.event->wait(std::chrono::milliseconds{0}) == wq::WaitStatus::signalled) {
                round_.complete(slot);
                slot.in_flight.store(false, std::memory_order_release);
            }
        }
    }

public:
    static constexpr std::size_t event_stride = 16;  // slots 0, 16, 32, … have an event

private:
    Round& round_;
    int index_;
    std::uint64_t share_;
    std::mt19937_64 rng_;
    std::size_t first_;
    std::size_t cursor_ = 0;
    std::uint64_t put_ = 0;
    std::uint64_t sequence_ = 0;
    std::uint64_t token_base_ = static_cast<std::uint64_t>(index_ + 1) << 48;
    std::array<std::uint64_t, 2> serial_seq_{};
    bool stopped_ = false;
};

struct Tally {
    std::uint64_t completed = 0;
    std::uint64_t rounds = 0;
    std::uint64_t mf_rounds = 0;
    std::uint64_t closed_under_load = 0;
    std::uint64_t thrown = 0;
    std::uint64_t timed = 0;
    std::uint64_t cancelled = 0;
};

/// Lists what is wrong with a finished round (empty: it held).
std::vector<std::string> check_round(Round& round, const wq::EngineCounters* counters) {
    std::vector<std::string> problems;
    const auto want = [&](bool ok, const std::string& what) {
        if (!ok) {
            problems.push_back(what);
        }
    };
    const std::uint64_t accepted = round.accepted.load();
    const std::uint64_t completed = round.completed.load();
    want(completed == accepted, std::to_string(completed) + " completions of " +
                                    std::to_string(accepted) + " accepted items");
    want(round.checksum.load() == round.expected_checksum.load(), "checksum differs");
    want(round.failure.duplicates.load() == 0,
         std::to_string(round.failure.duplicates.load()) + " completions of items not in flight");
    want(round.failure.out_of_order.load() == 0,
         std::to_string(round.failure.out_of_order.load()) + " serial items out of order");
    want(round.failure.refused.load() == 0,
         std::to_string(round.failure.refused.load()) + " puts refused while open");
    std::uint64_t leaked = 0;
    for (const TrackedResult& item : round.items) {
        leaked += (item.refs() != 1 || item.over_released.load()) ? 1U : 0U;
    }
    want(leaked == 0, std::to_string(leaked) + " items not back to one reference");
    if (counters != nullptr) {
        want(counters->put == accepted && counters->dispatched == accepted,
             "engine counted " + std::to_string(counters->put) + " put, " +
                 std::to_string(counters->dispatched) + " dispatched, of " +
                 std::to_string(accepted));
        want(counters->callback_failures == round.thrown.load(),
             "engine counted " + std::to_string(counters->callback_failures) +
                 " callback failures, " + std::to_string(round.thrown.load()) + " thrown");
    }
    return problems;
}

[[noreturn]] void fail(const std::string& backend, std::uint64_t round_number,
                       const std::vector<std::string>& problems, std::uint64_t seed) {
    std::string text;
    for (const std::string& problem : problems) {
        text += (text.empty() ? "" : "; ") + problem;
    }
    std::printf("soak %s: FAIL in round %" PRIu64 " (seed %" PRIu64 "): %s\n", backend.c_str(),
                round_number, seed, text.c_str());
    std::fflush(stdout);
    std::_Exit(1);  // threads may hang on a lost item: do not wait for them
}

/// Runs one round of `items` completions; adds what it did to `tally`.
void run_round(const std::string& backend, std::uint64_t items, std::mt19937_64& rng,
               std::uint64_t seed, Tally& tally) {
    auto roll = [&](unsigned lo, unsigned hi) {
        return std::uniform_int_distribution<unsigned>(lo, hi)(rng);
    };
    Round round;
    round.mf = roll(0, 9) < 3;
    round.producers = static_cast<int>(roll(1, 4));
    const bool close_under_load = roll(0, 9) == 0;
    wq::Options options;
    options.workers = roll(1, 4);  // up to 8 threads on 2 CPUs: oversubscribed on purpose
    options.spin_before_park =
        roll(0, 1) == 0 ? std::chrono::nanoseconds{0} : std::chrono::nanoseconds{50'000};
    options.concurrency = roll(1, options.workers);
    options.dequeue_batch = roll(0, 1) == 0 ? 1 : 32;
    options.on_callback_failure = [](const wq::CallbackFailure&) {};
    const std::size_t total_slots =
        Round::slots_per_producer * static_cast<std::size_t>(round.producers);
    round.items = std::vector<TrackedResult>(total_slots);
    round.slots = std::vector<Slot>(total_slots);
    round.serial_last =
        std::vector<std::atomic<std::uint64_t>>(static_cast<std::size_t>(round.producers) * 2);
    for (std::size_t i = 0; i < total_slots; ++i) {
        round.items[i].id = i;
        if (i % Producer::event_stride == 0) {
            round.slots[i].event = std::make_unique<wq::Event>(wq::EventReset::automatic);
        }
    }
    round.callback =
        wq::make_callback([&round](wq::IMFAsyncResult* result) { on_dispatch(round, result); });
    std::unique_ptr<wq::Engine> engine;
    std::optional<wq::Platform> platform;
    if (round.mf) {
        platform.emplace(backend, options);
        round.platform = &*platform;
        round.serial_queues.resize(static_cast<std::size_t>(round.producers));
        for (auto& queues : round.serial_queues) {
            if (platform->AllocateSerialWorkQueue(wq::MFASYNC_CALLBACK_QUEUE_MULTITHREADED,
                                                  queues.data()) != wq::S_OK ||
                platform->AllocateSerialWorkQueue(queues[0], &queues[1]) != wq::S_OK) {
                fail(backend, tally.rounds + 1, {"a serial queue could not be allocated"}, seed);
            }
        }
    } else {
        engine = wq::make_engine(backend, options);
        round.engine = engine.get();
    }
    const std::uint64_t share = std::max<std::uint64_t>(
        1, items / static_cast<std::uint64_t>(round.producers) * 2 / 3);  // re-puts make the rest
    std::vector<std::thread> threads;
    std::vector<std::unique_ptr<Producer>> producers;
    threads.reserve(static_cast<std::size_t>(round.producers));
    producers.reserve(static_cast<std::size_t>(round.producers));
    for (int p = 0; p < round.producers; ++p) {
        producers.push_back(std::make_unique<Producer>(round, p, share, rng()));
    }
    std::atomic<int> running{round.producers};
    for (auto& producer : producers) {
        threads.emplace_back([&producer, &running] {
            producer->run();
            running.fetch_sub(1, std::memory_order_release);
        });
    }
    const auto shut_down = [&] {
        round.closing.store(true, std::memory_order_release);
        return round.mf ? platform->Shutdown() : engine->shutdown();
    };
    const Clock::time_point close_at = Clock::now() + std::chrono::milliseconds{roll(0, 50)};
    bool closed = false;
    std::uint64_t last_completed = 0;
    Clock::time_point last_progress = Clock::now();
    // Ends when every producer's items completed; a watchdog fails the run when nothing completes
    // for 60 s (a lost item leaves its producer waiting for it forever).
    while (running.load(std::memory_order_acquire) != 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
        if (close_under_load && !closed && Clock::now() >= close_at) {
            closed = true;
            if (const HRESULT hr = shut_down(); hr != wq::S_OK) {
                fail(backend, tally.rounds + 1, {"shutdown under load failed"}, seed);
            }
        }
        const std::uint64_t completed = round.completed.load(std::memory_order_relaxed);
        if (completed != last_completed) {
            last_completed = completed;
            last_progress = Clock::now();
        } else if (Clock::now() - last_progress > std::chrono::seconds{60}) {
            fail(backend, tally.rounds + 1,
                 {"no completion for 60 s with " +
                  std::to_string(round.accepted.load() - completed) +
                  " accepted items not completed (lost)"},
                 seed);
        }
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    if (round.mf) {
        for (const auto& queues : round.serial_queues) {
            (void)platform->UnlockWorkQueue(queues[1]);  // after a shutdown: refused, harmless
            (void)platform->UnlockWorkQueue(queues[0]);
        }
    }
    if (!closed && shut_down() != wq::S_OK) {
        fail(backend, tally.rounds + 1, {"shutdown failed"}, seed);
    }
    const wq::EngineCounters counters = round.mf ? wq::EngineCounters{} : engine->counters();
    if (const auto problems = check_round(round, round.mf ? nullptr : &counters);
        !problems.empty()) {
        fail(backend, tally.rounds + 1, problems, seed);
    }
    platform.reset();  // before the items and the callback it ran
    tally.completed += round.completed.load();
    tally.rounds += 1;
    tally.mf_rounds += round.mf ? 1 : 0;
    tally.closed_under_load += close_under_load ? 1 : 0;
    tally.thrown += round.thrown.load();
    tally.timed += round.timed.load();
    tally.cancelled += round.cancelled.load();
}

void soak(const std::string& backend, std::uint64_t items, std::uint64_t seed) {
    std::mt19937_64 rng(seed ^ std::hash<std::string>{}(backend));
    Tally tally;
    const Clock::time_point start = Clock::now();
    const double rss_start = rss_mib();
    double rss_peak = rss_start;
    double rss_first_quarter = rss_start;
    Clock::time_point last_report = start;
    while (tally.completed < items) {
        const std::uint64_t left = items - tally.completed;
        const std::uint64_t round_items =
            std::min(left, std::uniform_int_distribution<std::uint64_t>(
                               std::max<std::uint64_t>(items / 200, 2000),
                               std::max<std::uint64_t>(items / 50, 8000))(rng));
        run_round(backend, round_items, rng, seed, tally);
        const double rss = rss_mib();
        rss_peak = std::max(rss_peak, rss);
        if (tally.completed * 4 <= items) {
            rss_first_quarter = std::max(rss_first_quarter, rss);
        }
        if (Clock::now() - last_report > std::chrono::seconds{5}) {
            last_report = Clock::now();
            std::fprintf(stderr,
                         "soak %s: %.1f M of %.1f M items, %" PRIu64 " rounds, RSS %.0f MiB\n",
                         backend.c_str(), static_cast<double>(tally.completed) / 1e6,
                         static_cast<double>(items) / 1e6, tally.rounds, rss);
        }
    }
    const double minutes = std::chrono::duration<double>(Clock::now() - start).count() / 60.0;
    const double rss_end = rss_mib();
    // Flat: what the first quarter of the run reached, plus room for the allocator's arenas. A
    // leak of one byte per item would be ~100 MiB at 10^8 items.
    constexpr double rss_slack_mib = 64;
    const bool flat = rss_end <= rss_first_quarter + rss_slack_mib;
    std::printf("soak %s: %" PRIu64 " items in %.2f min (%.2f M/s, seed %" PRIu64 "), %" PRIu64
                " rounds (%" PRIu64 " MF, %" PRIu64 " shut down under load), %" PRIu64
                " throws, %" PRIu64 " timed (%" PRIu64
                " cancelled); RSS start %.0f, peak %.0f, end %.0f MiB: %s\n",
                backend.c_str(), tally.completed, minutes,
                static_cast<double>(tally.completed) / (minutes * 60e6), seed, tally.rounds,
                tally.mf_rounds, tally.closed_under_load, tally.thrown, tally.timed,
                tally.cancelled, rss_start, rss_peak, rss_end, flat ? "ok" : "FAIL (RSS grew)");
    std::fflush(stdout);
    if (!flat) {
        std::exit(1);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t items = 100'000'000;
    std::uint64_t seed = 1;
    std::vector<std::string> backends;
    const std::vector<std::string> available = wq::available_backends();
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
        if (i + 1 >= argc || (arg != "--items" && arg != "--seed" && arg != "--backend")) {
            bad_input("unknown argument '" + arg +
                      "'; use --items N, --backend NAME or --seed N (see --help)");
        }
        const std::string value = argv[++i];
        if (arg == "--items") {
            items = parse_count(arg, value);
        } else if (arg == "--seed") {
            seed = parse_count(arg, value);
        } else if (std::find(available.begin(), available.end(), value) != available.end()) {
            backends.push_back(value);
        } else {
            std::string names;
            for (const std::string& name : available) {
                names += names.empty() ? "" : ", ";
                names += name;
            }
            std::string message = "--backend '" + value + "'";
            message += ": use one of the back-ends available here (" + names + ")";
            bad_input(message);
        }
    }
    if (backends.empty()) {
        backends = available;
    }
    for (const std::string& backend : backends) {
        soak(backend, items, seed);
    }
    return 0;
}
