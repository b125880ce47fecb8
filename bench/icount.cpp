// wq_icount — the deterministic half of the regression gate: instructions per dispatched item on
// the put → dispatch path of one back-end, counted by valgrind's callgrind (scripts/icount).
//
//   valgrind --tool=callgrind --instr-atstart=no wq_icount mpmc 2000
//
// One worker. It is first held inside a callback, so this thread's `items` puts run alone (no
// wake-up needed, nobody else on the queue); then it is let go and dispatches them alone. Counting
// (CALLGRIND_START/STOP_INSTRUMENTATION, every thread) starts once the worker is blocked, this
// thread stops collecting its own instructions when it has nothing left but waiting, and the last
// callback stops the count itself: the count ends at the same instruction in every run, whichever
// thread valgrind runs in between. A warm-up round first grows the queues and faults the pages
// in. Outside valgrind the requests are no-ops. scripts/icount --repeat N checks the counts agree.
//
//   wq_icount --list      the back-ends this build has: "name" (counted), or "name<TAB>why not"
#include "open_loop.hpp"
#include "wq/event.hpp"

#include <valgrind/callgrind.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace {

// Why valgrind cannot count a back-end here (by where its idle worker waits), or "".
std::string not_countable(const wq::BackendInfo& info) {
    if (info.idle_wait == "io_uring_enter") {
        return "valgrind 3.19 keeps its thread lock across io_uring_enter, so the worker waiting "
               "for a hand-off stops the thread that would post it: the run never ends";
    }
    return {};
}

// The counted run (see the top of the file): one engine, one worker, rounds of puts.
class Rounds {
public:
    // The warm-up puts twice as many items as the measured round. A back-end may free an item's
    // state after its callback returns (oneTBB frees each task into the putting thread's
    // small-object pool), so the warm-up's last free can land before or after the measured
    // round's holding put; with twice the items, whatever the putting thread's caches gained
    // covers every measured put either way, and the measured puts take the same path in every run
    // (with as many items as measured, one put in a few runs found oneTBB's private list empty
    // and took 6 instructions more).
    Rounds(std::string backend, unsigned long items)
        : backend_(std::move(backend)), pool_((2 * items) + 1) {
        wq::Options options;
        options.workers = 1;
        options.concurrency = 1;
        options.spin_before_park = std::chrono::nanoseconds::zero();  // no clock-bounded spinning
        engine_ = wq::make_engine(backend_, options);
    }

    /// One round of `count_items` puts: the worker is first held inside a callback (blocked on
    /// `go_`), so the puts run alone: no wake-up is needed and nobody else touches the queue. Then
    /// the worker is let go and dispatches them alone while this thread waits. When `measured`,
    /// counting starts before the puts and is stopped by the last callback itself, so the count
    /// ends at the same instruction of the same thread in every run, whichever thread valgrind
    /// happens to run in between.
    void run(unsigned long count_items, bool measured) {
        pool_[0].pCallback = hold_.get();
        if (engine_->put(pool_.data()) != wq::S_OK ||
            wq::wait_event(held_.handle(), std::chrono::seconds{60}) != wq::WaitStatus::signalled) {
            fail("the holding item was not dispatched");
        }
        // `held_` is set just before the worker blocks on `go_`: sleeping lets it get there (under
        // valgrind it runs as soon as this thread blocks), so counting starts with it blocked.
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
        remaining_.store(count_items, std::memory_order_relaxed);
        if (measured) {
            CALLGRIND_START_INSTRUMENTATION;
        }
        for (unsigned long i = 1; i <= count_items; ++i) {
            pool_[i].pCallback = count_.get();
            if (engine_->put(&pool_[i]) != wq::S_OK) {
                fail("put failed");
            }
        }
        // From here this thread only waits: it stops collecting its own instructions (a
        // per-thread switch), or how far it got before valgrind ran the worker would count.
        if (measured) {
            CALLGRIND_TOGGLE_COLLECT;
        }
        wq::set_event(go_.handle());
        const bool dispatched =
            wq::wait_event(done_.handle(), std::chrono::seconds{60}) == wq::WaitStatus::signalled;
        if (measured) {
            CALLGRIND_TOGGLE_COLLECT;
        }
        if (!dispatched) {
            fail("the items were not dispatched");
        }
    }

    void shutdown() { engine_->shutdown(); }

private:
    [[noreturn]] void fail(const char* what) const {
        std::fprintf(stderr, "wq_icount: %s: %s\n", backend_.c_str(), what);
        std::exit(1);
    }

    std::string backend_;
    wq::Event done_{wq::EventReset::automatic};
    wq::Event go_{wq::EventReset::automatic};
    wq::Event held_{wq::EventReset::automatic};
    std::atomic<unsigned long> remaining_{0};
    wq::ComPtr<wq::IMFAsyncCallback> hold_ = wq::make_callback([this](wq::IMFAsyncResult*) {
        wq::set_event(held_.handle());
        wq::wait_event(go_.handle(), std::chrono::seconds{60});
    });
    wq::ComPtr<wq::IMFAsyncCallback> count_ = wq::make_callback([this](wq::IMFAsyncResult*) {
        if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            CALLGRIND_STOP_INSTRUMENTATION;
            wq::set_event(done_.handle());
        }
    });
    std::vector<wq::bench::BenchItem> pool_;
    std::unique_ptr<wq::Engine> engine_;  // last: shut down (destroyed) first
};

int usage() {
    std::fprintf(stderr,
                 "usage: wq_icount BACKEND ITEMS   (ITEMS 1..1000000)\n       wq_icount --list\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "--list") {
        for (const wq::BackendInfo& info : wq::backend_catalogue()) {
            if (info.available) {
                const std::string why = not_countable(info);
                std::printf("%s%s%s\n", info.name.c_str(), why.empty() ? "" : "\t", why.c_str());
            }
        }
        return 0;
    }
    if (argc != 3) {
        return usage();
    }
    const std::string backend = argv[1];
    char* end = nullptr;
    const unsigned long items = std::strtoul(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || items == 0 || items > 1'000'000) {
        std::fprintf(stderr, "wq_icount: ITEMS = '%s': use a whole number from 1 to 1000000\n",
                     argv[2]);
        return 2;
    }
    try {
        Rounds rounds(backend, items);
        rounds.run(2 * items, false);  // warm-up: grows the queues, faults the pages in
        rounds.run(items, true);
        rounds.shutdown();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "wq_icount: %s\n", error.what());
        return 2;
    }
    return 0;
}
