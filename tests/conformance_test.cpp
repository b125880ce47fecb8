// The conformance suite: every contract point of wq/engine.hpp, run against every back-end the
// registry lists (a new back-end is tested by registering it). ctest runs it once per back-end.
#include "test_support.hpp"

#include "wq/async_result.hpp"
#include "wq/engine.hpp"
#include "wq/event.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace wq::test {
namespace {

using namespace std::chrono_literals;

class Conformance : public ::testing::TestWithParam<std::string> {
protected:
    // Every back-end this build has is instantiated; one that cannot run on this machine (iocp
    // without io_uring) is skipped with the registry's reason. ctest reports the whole back-end as
    // skipped on the marker below.
    void SetUp() override {
        if (const std::string reason = unavailable_reason(GetParam()); !reason.empty()) {
            GTEST_SKIP() << "wq: back-end unavailable: " << reason;
        }
    }

    std::unique_ptr<Engine> make(Options options = {}) {
        if (options.workers == 0) {
            options.workers = 2;
        }
        return make_engine(GetParam(), options);
    }
};

// `count` items whose callbacks each sleep `each` and count themselves: work queued behind slow
// callbacks, for the shutdown-drains tests.
struct SlowItems {
    SlowItems(std::size_t count, std::chrono::microseconds each)
        : callback(make_callback([this, each](IMFAsyncResult*) {
              std::this_thread::sleep_for(each);
              dispatched.fetch_add(1);
          })),
          items(count) {
        for (TrackedResult& item : items) {
            item.pCallback = callback.get();
        }
    }
    ::testing::AssertionResult put_all(Engine& engine) {
        for (TrackedResult& item : items) {
            if (const HRESULT hr = engine.put(&item); hr != S_OK) {
                return ::testing::AssertionFailure() << "put returned " << hr;
            }
        }
        return ::testing::AssertionSuccess();
    }

    std::atomic<int> dispatched{0};
    ComPtr<IMFAsyncCallback> callback;
    std::vector<TrackedResult> items;
};

// One worker held inside a callback until release(), and a callback that records the ids of the
// items it runs, in order: what waits behind the held worker, and the order it then ran in.
struct HeldWorker {
    HeldWorker()
        : hold_callback(make_callback([this](IMFAsyncResult*) {
              holding = true;
              // Ends: the test calls release() once everything is queued.
              while (!released.load()) {
                  std::this_thread::sleep_for(100us);
              }
          })),
          record(make_callback([this](IMFAsyncResult* result) {
              const std::lock_guard lock(order_mutex);
              order.push_back(static_cast<TrackedResult*>(result)->id);
          })) {
        blocker.pCallback = hold_callback.get();
    }
    /// Puts the blocker and waits until the worker runs it.
    ::testing::AssertionResult hold(Engine& engine) {
        if (const HRESULT hr = engine.put(&blocker); hr != S_OK) {
            return ::testing::AssertionFailure() << "the blocker's put returned " << hr;
        }
        if (!eventually([&] { return holding.load(); })) {
            return ::testing::AssertionFailure() << "the worker never ran the blocker";
        }
        return ::testing::AssertionSuccess();
    }
    void release() { released = true; }
    std::size_t recorded() {
        const std::lock_guard lock(order_mutex);
        return order.size();
    }

    std::atomic<bool> released{false};
    std::atomic<bool> holding{false};
    std::mutex order_mutex;
    std::vector<std::uint64_t> order;  // read once the engine has shut down
    ComPtr<IMFAsyncCallback> hold_callback;
    ComPtr<IMFAsyncCallback> record;
    TrackedResult blocker;
};

// Every item dispatched exactly once, by Invoke with the item itself, and released afterwards.
TEST_P(Conformance, PutDispatchesEachItemOnceThroughItsCallback) {
    constexpr int count = 1000;
    std::vector<TrackedResult> items(count);
    std::atomic<int> wrong_pointer{0};
    auto callback = make_callback([&](IMFAsyncResult* result) {
        auto* item = static_cast<TrackedResult*>(result);
        if (item < items.data() || item >= items.data() + count) {
            wrong_pointer.fetch_add(1);
            return;
        }
        item->dispatches.fetch_add(1);
    });
    auto engine = make();
    for (TrackedResult& item : items) {
        item.pCallback = callback.get();
        ASSERT_EQ(engine->put(&item), S_OK);
    }
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(wrong_pointer.load(), 0);
    for (const TrackedResult& item : items) {
        EXPECT_EQ(item.dispatches.load(), 1U);
        EXPECT_EQ(item.refs(), 1U) << "the engine must Release what it AddRef'd";
        EXPECT_EQ(item.adds.load(), item.releases.load());
        EXPECT_FALSE(item.over_released.load());
    }
    const EngineCounters counters = engine->counters();
    EXPECT_EQ(counters.put, static_cast<std::uint64_t>(count));
    EXPECT_EQ(counters.dispatched, static_cast<std::uint64_t>(count));
    EXPECT_EQ(counters.callback_failures, 0U);
}

TEST_P(Conformance, ItemWithoutCallbackSignalsItsEvent) {
    auto engine = make();
    Event done{EventReset::manual};
    TrackedResult item;
    item.hEvent = done.handle();
    if (!info_of(GetParam()).event_items) {
        // mfplat's difference, kept visible: MFPutWorkItemEx calls the callback's GetParameters
        // when it queues the item (Wine's MF crashes on a NULL one), so such items are refused.
        EXPECT_EQ(engine->put(&item), E_POINTER);
        EXPECT_EQ(item.adds.load(), 0U);
        EXPECT_EQ(done.wait(0ms), WaitStatus::timeout);
        ASSERT_EQ(engine->shutdown(), S_OK);
        EXPECT_EQ(engine->counters().put, 0U);
        return;
    }
    ASSERT_EQ(engine->put(&item), S_OK);
    EXPECT_EQ(done.wait(60s), WaitStatus::signalled);
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(item.refs(), 1U);
    EXPECT_EQ(engine->counters().dispatched, 1U);
}

TEST_P(Conformance, CallbackAndEventBothNullIsRejectedAndNothingQueued) {
    auto engine = make();
    TrackedResult item;  // pCallback and hEvent both NULL
    EXPECT_EQ(engine->put(&item), E_INVALIDARG);
    EXPECT_EQ(item.adds.load(), 0U) << "a rejected item must not be referenced";
    EXPECT_EQ(engine->put(nullptr), E_POINTER);
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(engine->counters().put, 0U);
    EXPECT_EQ(engine->counters().dispatched, 0U);
}

TEST_P(Conformance, BulkPutIsAllOrNothingOnBadInput) {
    auto callback = make_callback([](IMFAsyncResult*) {});
    auto engine = make();
    std::vector<TrackedResult> items(8);
    std::vector<MFASYNCRESULT*> pointers;
    for (TrackedResult& item : items) {
        item.pCallback = callback.get();
        pointers.push_back(&item);
    }
    items[5].pCallback = nullptr;  // neither callback nor event
    EXPECT_EQ(engine->put_bulk(pointers), E_INVALIDARG);
    pointers[5] = nullptr;
    EXPECT_EQ(engine->put_bulk(pointers), E_POINTER);
    for (const TrackedResult& item : items) {
        EXPECT_EQ(item.adds.load(), 0U);
    }
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(engine->counters().put, 0U);
}

TEST_P(Conformance, BulkPutDispatchesEveryItemOnce) {
    std::atomic<int> dispatched{0};
    auto callback = make_callback([&](IMFAsyncResult* result) {
        static_cast<TrackedResult*>(result)->dispatches.fetch_add(1);
        dispatched.fetch_add(1);
    });
    auto engine = make();
    std::vector<TrackedResult> items(4096);
    std::vector<MFASYNCRESULT*> pointers;
    for (TrackedResult& item : items) {
        item.pCallback = callback.get();
        pointers.push_back(&item);
    }
    const std::span<MFASYNCRESULT* const> all(pointers);
    for (std::size_t offset = 0; offset < all.size(); offset += 512) {
        ASSERT_EQ(engine->put_bulk(all.subspan(offset, 512)), S_OK);
    }
    ASSERT_EQ(engine->put_bulk({}), S_OK);
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(dispatched.load(), 4096);
    for (const TrackedResult& item : items) {
        ASSERT_EQ(item.dispatches.load(), 1U);
        ASSERT_EQ(item.refs(), 1U);
    }
    EXPECT_EQ(engine->counters().put, 4096U);
}

TEST_P(Conformance, ReferenceIsHeldWhileQueuedAndDuringInvoke) {
    std::atomic<ULONG> refs_during_invoke{0};
    auto callback = make_callback([&](IMFAsyncResult* result) {
        refs_during_invoke.store(static_cast<TrackedResult*>(result)->refs());
    });
    auto engine = make();
    TrackedResult item;
    item.pCallback = callback.get();
    ASSERT_EQ(engine->put(&item), S_OK);
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(refs_during_invoke.load(), 2U) << "owner + the engine's reference";
    EXPECT_EQ(item.refs(), 1U);
    EXPECT_EQ(item.adds.load(), 1U);
    EXPECT_EQ(item.releases.load(), 1U);
}

TEST_P(Conformance, ReadyMadeAsyncResultIsFreedAfterDispatch) {
    // The caller drops its reference right after put: the engine's reference keeps the item alive
    // until dispatch, and its Release frees it (ASan would report a leak or a use-after-free).
    Event done{EventReset::manual};
    std::atomic<HRESULT> seen_status{E_FAIL};
    auto callback = make_callback([&](IMFAsyncResult* result) {
        seen_status.store(result->GetStatus());
        done.set();
    });
    auto engine = make();
    {
        ComPtr<AsyncResult> item = AsyncResult::create(callback.get());
        ASSERT_TRUE(item);
        item->SetStatus(static_cast<HRESULT>(0x12345));
        ASSERT_EQ(engine->put(item.get()), S_OK);
    }
    EXPECT_EQ(done.wait(60s), WaitStatus::signalled);
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(seen_status.load(), static_cast<HRESULT>(0x12345));
}

TEST_P(Conformance, StatusAndByteCountArrivePreserved) {
    std::atomic<HRESULT> status{0};
    std::atomic<DWORD> bytes{0};
    auto callback = make_callback([&](IMFAsyncResult* result) {
        auto* item = static_cast<MFASYNCRESULT*>(result);
        status.store(result->GetStatus());
        bytes.store(item->dwBytesTransferred);
    });
    auto engine = make();
    TrackedResult item;
    item.pCallback = callback.get();
    item.hrStatusResult = MF_E_INVALID_WORKQUEUE;
    item.dwBytesTransferred = 4242;
    ASSERT_EQ(engine->put(&item), S_OK);
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(status.load(), MF_E_INVALID_WORKQUEUE);
    EXPECT_EQ(bytes.load(), 4242U);
}

// A chain: each callback puts the next item from the worker thread.
TEST_P(Conformance, CallbacksMayPutMoreItems) {
    constexpr std::size_t chain = 2000;
    std::vector<TrackedResult> items(chain);
    Engine* engine_ptr = nullptr;
    std::atomic<int> put_failures{0};
    Event done{EventReset::manual};
    auto callback = make_callback([&](IMFAsyncResult* result) {
        auto* item = static_cast<TrackedResult*>(result);
        item->dispatches.fetch_add(1);
        const std::size_t next = static_cast<std::size_t>(item - items.data()) + 1;
        if (next == chain) {
            done.set();
        } else if (engine_ptr->put(&items[next]) != S_OK) {
            put_failures.fetch_add(1);
        }
    });
    for (TrackedResult& item : items) {
        item.pCallback = callback.get();
    }
    auto engine = make();
    engine_ptr = engine.get();
    ASSERT_EQ(engine->put(items.data()), S_OK);
    EXPECT_EQ(done.wait(60s), WaitStatus::signalled);
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(put_failures.load(), 0);
    for (const TrackedResult& item : items) {
        ASSERT_EQ(item.dispatches.load(), 1U);
        ASSERT_EQ(item.refs(), 1U);
    }
}

// The queue-once rule (wq/detail/dispatch.hpp): an item is queued once at a time. A put of an item
// still queued — or a bulk holding one item twice — is refused with MF_E_INVALIDREQUEST and
// changes nothing; once its dispatch begins the item may be put again, from its own callback too.
TEST_P(Conformance, AnItemIsQueuedOnceAtATime) {
    Options options;
    options.workers = 1;
    auto engine = make(options);
    Engine* engine_ptr = engine.get();
    auto noop = make_callback([](IMFAsyncResult*) {});

    TrackedResult twice;
    twice.pCallback = noop.get();
    MFASYNCRESULT* pair[] = {&twice, &twice};
    EXPECT_EQ(engine->put_bulk(pair), MF_E_INVALIDREQUEST);
    EXPECT_EQ(twice.adds.load(), 0U) << "a refused bulk references nothing";

    // Puts from a callback: with the one worker busy running it, `target` stays queued between
    // them (where the threads are the engine's own; a library's pool may run it in between).
    auto counting = make_callback([](IMFAsyncResult* result) {
        static_cast<TrackedResult*>(result)->dispatches.fetch_add(1);
    });
    TrackedResult target;
    TrackedResult other;
    target.pCallback = counting.get();
    other.pCallback = counting.get();
    std::atomic<HRESULT> first{E_FAIL};
    std::atomic<HRESULT> second{E_FAIL};
    std::atomic<HRESULT> mixed_bulk{E_FAIL};
    auto trigger_callback = make_callback([&](IMFAsyncResult*) {
        first = engine_ptr->put(&target);
        second = engine_ptr->put(&target);
        MFASYNCRESULT* mixed[] = {&other, &target};
        mixed_bulk = engine_ptr->put_bulk(mixed);
    });
    TrackedResult trigger;
    trigger.pCallback = trigger_callback.get();

    // A callback that puts its own item again, three times in all.
    std::atomic<int> self_runs{0};
    std::atomic<int> self_failures{0};
    TrackedResult self;
    auto again = make_callback([&](IMFAsyncResult*) {
        if (self_runs.fetch_add(1) + 1 < 3 && engine_ptr->put(&self) != S_OK) {
            self_failures.fetch_add(1);
        }
    });
    self.pCallback = again.get();

    ASSERT_EQ(engine->put(&trigger), S_OK);
    ASSERT_EQ(engine->put(&self), S_OK);
    ASSERT_TRUE(eventually([&] {
        const EngineCounters now = engine->counters();
        return self_runs.load() == 3 && mixed_bulk.load() != E_FAIL && now.dispatched == now.put;
    }));  // before shutdown: from then on a callback's put is refused
    ASSERT_EQ(engine->shutdown(), S_OK);

    EXPECT_EQ(first.load(), S_OK);
    if (info_of(GetParam()).owns_threads) {
        EXPECT_EQ(second.load(), MF_E_INVALIDREQUEST);
        EXPECT_EQ(mixed_bulk.load(), MF_E_INVALIDREQUEST);
    }
    // Everywhere: each accepted put dispatched once, each refused one never.
    const auto accepted = [](HRESULT hr) { return hr == S_OK ? 1U : 0U; };
    EXPECT_EQ(target.dispatches.load(), accepted(first) + accepted(second) + accepted(mixed_bulk));
    EXPECT_EQ(other.dispatches.load(), accepted(mixed_bulk));
    EXPECT_EQ(self_runs.load(), 3);
    EXPECT_EQ(self_failures.load(), 0);
    const EngineCounters counters = engine->counters();
    EXPECT_EQ(counters.put, counters.dispatched);
    for (const TrackedResult* item : {&twice, &target, &other, &self, &trigger}) {
        EXPECT_EQ(item->refs(), 1U);
    }
}

TEST_P(Conformance, ThrowingCallbackIsCountedReportedAndWorkerSurvives) {
    std::atomic<int> reported{0};
    std::atomic<int> reported_with_message{0};
    Options options;
    options.workers = 1;  // a single worker: if it died, nothing after the throw would run
    options.on_callback_failure = [&](const CallbackFailure& failure) {
        reported.fetch_add(1);
        try {
            std::rethrow_exception(failure.error);
        } catch (const std::runtime_error& error) {
            if (std::string(error.what()) == "boom") {
                reported_with_message.fetch_add(1);
            }
        } catch (...) {
        }
    };
    std::atomic<int> survived{0};
    auto thrower = make_callback([](IMFAsyncResult*) { throw std::runtime_error("boom"); });
    auto counter = make_callback([&](IMFAsyncResult*) { survived.fetch_add(1); });
    auto engine = make(options);
    std::vector<TrackedResult> items(20);
    for (std::size_t i = 0; i < items.size(); ++i) {
        items[i].pCallback = (i % 2 == 0 ? thrower : counter).get();
        ASSERT_EQ(engine->put(&items[i]), S_OK);
    }
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(survived.load(), 10);
    EXPECT_EQ(reported.load(), 10);
    EXPECT_EQ(reported_with_message.load(), 10);
    const EngineCounters counters = engine->counters();
    EXPECT_EQ(counters.callback_failures, 10U);
    EXPECT_EQ(counters.dispatched, 20U);
    for (const TrackedResult& item : items) {
        EXPECT_EQ(item.refs(), 1U) << "a throwing callback's item is released too";
    }
}

// put_priority: with the one worker held busy, what waits runs 1s, then 0s, then -1s — the
// ordering MF's MFPutWorkItemEx2 promises.
TEST_P(Conformance, PrioritiesRunHighestFirst) {
    Options options;
    options.workers = 1;
    auto engine = make(options);
    HeldWorker held;
    ASSERT_TRUE(held.hold(*engine));
    const LONG priorities[] = {-1, 0, 1, -1, 0, 1, 7, -3};  // any positive is 1, negative -1
    std::vector<TrackedResult> items(std::size(priorities));
    for (std::size_t i = 0; i < items.size(); ++i) {
        items[i].id = i;
        items[i].pCallback = held.record.get();
        ASSERT_EQ(engine->put_priority(&items[i], priorities[i]), S_OK) << "item " << i;
    }
    held.release();
    // Before shutdown: its drain runs what is left without the -1s' wait (engine.hpp).
    ASSERT_TRUE(eventually([&] { return held.recorded() == items.size(); }));
    ASSERT_EQ(engine->shutdown(), S_OK);
    const std::vector<std::uint64_t>& order = held.order;
    // The 1s and the -1s wait in the engine's lanes, FIFO; the 0s in the back-end's own queue,
    // in its order (FIFO with one worker, except tbb's arena, which is only roughly FIFO).
    ASSERT_EQ(order.size(), items.size());
    EXPECT_EQ(std::vector(order.begin(), order.begin() + 3), (std::vector<std::uint64_t>{2, 5, 6}));
    EXPECT_EQ(std::set(order.begin() + 3, order.begin() + 5), (std::set<std::uint64_t>{1, 4}));
    EXPECT_EQ(std::vector(order.begin() + 5, order.end()), (std::vector<std::uint64_t>{0, 3, 7}));
    for (const TrackedResult& item : items) {
        EXPECT_EQ(item.refs(), 1U);
    }
    const EngineCounters counters = engine->counters();
    EXPECT_EQ(counters.put, items.size() + 1) << "one accepted per put, whatever its priority";
    EXPECT_EQ(counters.dispatched, items.size() + 1);
}

// With one worker, each producer thread's items run in the order that thread put them, on every
// back-end whose traits say so (producer_fifo; tbb's arena keeps only a rough order) — also where
// items of different producers may pass each other (one_worker_fifo false: mpmc's sub-queues),
// which the test then allows. The worker is held busy until every producer has put all its items,
// so they wait in the queue together, interleaved as the producers raced.
TEST_P(Conformance, OneWorkerKeepsEachProducersOrder) {
    const BackendInfo info = info_of(GetParam());
    if (!info.producer_fifo || !info.workers_bound_callbacks) {
        GTEST_SKIP() << "wq: " << GetParam() << " keeps no producer's order (its traits)";
    }
    Options options;
    options.workers = 1;
    auto engine = make(options);
    HeldWorker held;
    ASSERT_TRUE(held.hold(*engine));
    constexpr std::uint64_t producers = 4;
    constexpr std::uint64_t per_producer = 500;
    std::vector<TrackedResult> items(producers * per_producer);
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (std::uint64_t p = 0; p < producers; ++p) {
        threads.emplace_back([&, p] {
            for (std::uint64_t i = 0; i < per_producer; ++i) {
                TrackedResult& item = items[p * per_producer + i];
                item.id = p * per_producer + i;  // producer p's i-th put
                item.pCallback = held.record.get();
                if (engine->put(&item) != S_OK) {
                    refused.fetch_add(1);
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    held.release();
    ASSERT_EQ(engine->shutdown(), S_OK);
    ASSERT_EQ(refused.load(), 0);
    ASSERT_EQ(held.order.size(), items.size());
    std::vector<std::uint64_t> next(producers, 0);
    for (const std::uint64_t id : held.order) {
        const std::uint64_t p = id / per_producer;
        ASSERT_EQ(id % per_producer, next[p]) << "producer " << p << "'s items out of order";
        ++next[p];
    }
}

// put_priority answers bad input, a second put of a queued item, a throwing callback and a put
// after shutdown as put does, at every priority.
TEST_P(Conformance, PriorityPutsKeepThePutContract) {
    std::atomic<int> failures_reported{0};
    Options options;
    options.workers = 1;
    options.on_callback_failure = [&](const CallbackFailure&) { failures_reported.fetch_add(1); };
    auto engine = make(options);
    Engine* engine_ptr = engine.get();
    auto thrower = make_callback([](IMFAsyncResult*) { throw std::runtime_error("boom"); });
    TrackedResult empty;  // neither callback nor event
    TrackedResult queued;
    queued.pCallback = thrower.get();
    std::atomic<HRESULT> again{E_FAIL};
    auto put_again = make_callback([&](IMFAsyncResult*) {
        // `queued` waits behind this callback on the one worker (the engine's own threads).
        again = engine_ptr->put_priority(&queued, -1);
    });
    TrackedResult first;
    first.pCallback = put_again.get();
    for (const LONG priority : {1, -1}) {
        SCOPED_TRACE("priority " + std::to_string(priority));
        EXPECT_EQ(engine->put_priority(nullptr, priority), E_POINTER);
        EXPECT_EQ(engine->put_priority(&empty, priority), E_INVALIDARG);
        EXPECT_EQ(empty.adds.load(), 0U);
    }
    ASSERT_EQ(engine->put_priority(&first, 1), S_OK);
    ASSERT_EQ(engine->put_priority(&queued, 1), S_OK);
    ASSERT_EQ(engine->shutdown(), S_OK);
    if (info_of(GetParam()).owns_threads) {
        EXPECT_EQ(again.load(), MF_E_INVALIDREQUEST) << "a queued item is queued once";
    }
    EXPECT_EQ(engine->counters().callback_failures, 1U);
    EXPECT_EQ(failures_reported.load(), 1);
    EXPECT_EQ(queued.refs(), 1U);
    for (const LONG priority : {1, 0, -1}) {
        EXPECT_EQ(engine->put_priority(&queued, priority), MF_E_SHUTDOWN);
    }
    EXPECT_EQ(queued.adds.load(), queued.releases.load()) << "a refused put holds no reference";
    EXPECT_EQ(queued.refs(), 1U);
}

TEST_P(Conformance, PutAfterShutdownIsRefused) {
    auto callback = make_callback([](IMFAsyncResult*) {});
    auto engine = make();
    ASSERT_EQ(engine->shutdown(), S_OK);
    TrackedResult item;
    item.pCallback = callback.get();
    MFASYNCRESULT* pointer = &item;
    EXPECT_EQ(engine->put(&item), MF_E_SHUTDOWN);
    EXPECT_EQ(engine->put_bulk({&pointer, 1}), MF_E_SHUTDOWN);
    EXPECT_EQ(item.adds.load(), 0U);
    EXPECT_EQ(engine->shutdown(), S_OK) << "shutdown is idempotent";
    EXPECT_EQ(engine->counters().put, 0U);
}

// Shutdown drains: items queued behind slow callbacks are all dispatched before it returns.
TEST_P(Conformance, ShutdownDispatchesEveryAcceptedItem) {
    auto engine = make();
    SlowItems slow(300, 100us);
    ASSERT_TRUE(slow.put_all(*engine));
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(slow.dispatched.load(), 300);
    for (const TrackedResult& item : slow.items) {
        ASSERT_EQ(item.refs(), 1U);
    }
}

TEST_P(Conformance, ShutdownFromACallbackIsRefused) {
    std::atomic<HRESULT> from_callback{S_OK};
    std::atomic<HRESULT> put_from_callback{E_FAIL};
    Engine* engine_ptr = nullptr;
    TrackedResult follow_up;
    auto noop = make_callback([](IMFAsyncResult*) {});
    follow_up.pCallback = noop.get();
    Event returned{EventReset::manual};
    auto callback = make_callback([&](IMFAsyncResult*) {
        from_callback.store(engine_ptr->shutdown());
        put_from_callback.store(engine_ptr->put(&follow_up));
        returned.set();
    });
    auto engine = make();
    engine_ptr = engine.get();
    TrackedResult item;
    item.pCallback = callback.get();
    ASSERT_EQ(engine->put(&item), S_OK);
    ASSERT_EQ(returned.wait(60s), WaitStatus::signalled);  // our own shutdown must not race it
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(from_callback.load(), E_ILLEGAL_METHOD_CALL);
    EXPECT_EQ(put_from_callback.load(), S_OK) << "the refused shutdown must not close the engine";
    EXPECT_EQ(follow_up.releases.load(), 1U) << "the follow-up item was dispatched and released";
    EXPECT_EQ(follow_up.refs(), 1U);
}

// Producers keep putting while shutdown starts: every S_OK item is dispatched exactly once, every
// refused one is untouched, and no reference leaks.
TEST_P(Conformance, ShutdownWhileProducersArePutting) {
    constexpr int producers = 3;
    constexpr std::size_t per_producer = 20000;
    std::vector<TrackedResult> items(producers * per_producer);
    auto callback = make_callback([](IMFAsyncResult* result) {
        static_cast<TrackedResult*>(result)->dispatches.fetch_add(1);
    });
    for (TrackedResult& item : items) {
        item.pCallback = callback.get();
    }
    auto engine = make();
    std::vector<std::vector<HRESULT>> outcomes(producers,
                                               std::vector<HRESULT>(per_producer, E_FAIL));
    std::atomic<std::size_t> started{0};
    std::vector<std::thread> threads;
    threads.reserve(producers);
    for (int p = 0; p < producers; ++p) {
        threads.emplace_back([&, p] {
            for (std::size_t i = 0; i < per_producer; ++i) {
                MFASYNCRESULT* item = &items[static_cast<std::size_t>(p) * per_producer + i];
                outcomes[static_cast<std::size_t>(p)][i] =
                    (i % 3 == 0) ? engine->put_bulk({&item, 1}) : engine->put(item);
                started.fetch_add(1, std::memory_order_relaxed);
            }
        });
    }
    // Shut down mid-stream (a liveness wait, not a timing assumption: any point mid-way will do).
    ASSERT_TRUE(eventually([&] { return started.load() > producers * per_producer / 4; }));
    ASSERT_EQ(engine->shutdown(), S_OK);
    for (std::thread& thread : threads) {
        thread.join();
    }
    std::uint64_t accepted = 0;
    bool refused_seen = false;
    for (int p = 0; p < producers; ++p) {
        bool refused = false;
        for (std::size_t i = 0; i < per_producer; ++i) {
            const HRESULT hr = outcomes[static_cast<std::size_t>(p)][i];
            const TrackedResult& item = items[static_cast<std::size_t>(p) * per_producer + i];
            ASSERT_TRUE(hr == S_OK || hr == MF_E_SHUTDOWN) << std::hex << hr;
            if (hr == S_OK) {
                ASSERT_FALSE(refused) << "a put succeeded after one on the same thread was refused";
                ++accepted;
                ASSERT_EQ(item.dispatches.load(), 1U);
            } else {
                refused = true;
                ASSERT_EQ(item.dispatches.load(), 0U);
                // A put racing the shutdown may reference the item and take it back (native
                // AddRefs before its push decides): refused leaves no reference held.
                ASSERT_EQ(item.adds.load(), item.releases.load());
            }
            ASSERT_EQ(item.refs(), 1U);
        }
        refused_seen = refused_seen || refused;
    }
    const EngineCounters counters = engine->counters();
    EXPECT_EQ(counters.put, accepted);
    EXPECT_EQ(counters.dispatched, accepted);
    EXPECT_GT(accepted, 0U);
    // Not asserted: whether any put was refused depends on scheduling. Recorded for the log.
    RecordProperty("refused_any", refused_seen ? "yes" : "no");
}

TEST_P(Conformance, ConcurrentShutdownCallsAllReturnAfterTheDrain) {
    auto engine = make();
    SlowItems slow(200, 50us);
    ASSERT_TRUE(slow.put_all(*engine));
    std::atomic<int>& dispatched = slow.dispatched;
    std::vector<std::thread> closers;
    std::vector<int> seen(4, -1);
    closers.reserve(seen.size());
    for (int& slot : seen) {
        closers.emplace_back([&engine, &dispatched, &slot] {
            EXPECT_EQ(engine->shutdown(), S_OK);
            slot = dispatched.load();
        });
    }
    for (std::thread& closer : closers) {
        closer.join();
    }
    for (const int value : seen) {
        EXPECT_EQ(value, 200) << "a shutdown call returned before the drain finished";
    }
}

// Every configured worker exists and runs callbacks at the same time: `workers` items each wait
// until all of them are inside Invoke. Each item is put only once the previous one is running, so a
// back-end that dequeues in batches cannot hold two of them on one worker.
TEST_P(Conformance, AllWorkersRunConcurrently) {
    constexpr unsigned workers = 4;  // more than this machine's cores on purpose
    Options options;
    options.workers = workers;
    options.concurrency = workers;  // iocp: let them all run (its limit has tests of its own)
    std::atomic<unsigned> inside{0};
    std::atomic<unsigned> met{0};
    auto rendezvous = make_callback([&](IMFAsyncResult*) {
        inside.fetch_add(1);
        if (eventually([&] { return inside.load() >= workers; }, 30s)) {
            met.fetch_add(1);
        }
    });
    auto engine = make(options);
    EXPECT_EQ(engine->worker_count(), workers);
    std::vector<TrackedResult> items(workers);
    for (unsigned i = 0; i < workers; ++i) {
        items[i].pCallback = rendezvous.get();
        ASSERT_EQ(engine->put(&items[i]), S_OK);
        ASSERT_TRUE(eventually([&] { return inside.load() > i; })) << "item " << i << " never ran";
    }
    ASSERT_EQ(engine->shutdown(), S_OK);
    EXPECT_EQ(met.load(), workers) << "fewer than " << workers << " workers ran at once";
}

// An idle engine parks its workers (it must not spin forever) and they stay parked.
TEST_P(Conformance, IdleWorkersParkAndStayParked) {
    Options options;
    options.workers = 2;
    options.spin_before_park = 1ms;
    auto engine = make(options);
    auto noop = make_callback([](IMFAsyncResult*) {});
    TrackedResult item;
    item.pCallback = noop.get();
    ASSERT_EQ(engine->put(&item), S_OK);
    if (!info_of(GetParam()).parks_observable) {
        ASSERT_EQ(engine->shutdown(), S_OK);
        GTEST_SKIP() << GetParam()
                     << " parks threads it owns itself; parks are not observable "
                        "(an idle engine's CPU burn belongs to the benchmarks)";
    }
    // Parked and quiet: both workers blocked and the park count no longer moving over 100 ms.
    // (A wake-up still in flight when both first look parked adds one more cycle; an engine that
    // spins forever or loops park→wake never gets here and fails after the limit.)
    EngineCounters settled;
    ASSERT_TRUE(eventually([&] {
        const EngineCounters before = engine->counters();
        std::this_thread::sleep_for(100ms);
        settled = engine->counters();
        return settled.dispatched == 1 && settled.parks == before.parks &&
               settled.parks - settled.wakeups >= 2;
    })) << "workers never settled parked: they spin or wake up over and over";
    const EngineCounters& later = settled;
    // And a put after the idle period wakes one of them.
    TrackedResult second;
    second.pCallback = noop.get();
    ASSERT_EQ(engine->put(&second), S_OK);
    ASSERT_TRUE(eventually([&] { return engine->counters().dispatched == 2; }));
    EXPECT_GE(engine->counters().wakeups, later.wakeups + 1);
    ASSERT_EQ(engine->shutdown(), S_OK);
}

TEST_P(Conformance, BadOptionsAreRejectedNamingTheValue) {
    Options too_many;
    too_many.workers = 5000;
    try {
        make_engine(GetParam(), too_many);
        FAIL() << "workers = 5000 was accepted";
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("workers"), std::string::npos) << message;
        EXPECT_NE(message.find("5000"), std::string::npos) << message;
    }
    Options no_batch;
    no_batch.dequeue_batch = 0;
    EXPECT_THROW(make_engine(GetParam(), no_batch), std::invalid_argument);
    Options negative_spin;
    negative_spin.spin_before_park = std::chrono::nanoseconds{-1};
    EXPECT_THROW(make_engine(GetParam(), negative_spin), std::invalid_argument);
    Options spinners;
    spinners.workers = 2;
    spinners.max_spinning_workers = 3;
    EXPECT_THROW(make_engine(GetParam(), spinners), std::invalid_argument);
}

// Options::worker_cpus: every callback runs on the CPU its workers were pinned to. Pinned once to
// the first allowed CPU and once to the last, so workers that merely happen to sit on one CPU are
// caught.
TEST_P(Conformance, PinnedWorkersRunOnTheirCpu) {
    const std::vector<unsigned> cpus = allowed_cpus();
    ASSERT_FALSE(cpus.empty());
    for (const unsigned target : {cpus.front(), cpus.back()}) {
        Options options;
        options.workers = 2;
        options.worker_cpus = {target};
        if (!info_of(GetParam()).pins_workers) {  // NO_PINNING (mfplat, winpool): refused, named
            EXPECT_THROW(make_engine(GetParam(), options), std::invalid_argument);
            return;
        }
        constexpr int items_count = 200;
        std::atomic<int> elsewhere{0};
        auto record = make_callback([&](IMFAsyncResult*) {
            if (current_cpu() != target) {
                elsewhere.fetch_add(1);
            }
        });
        auto engine = make(options);
        std::vector<TrackedResult> items(items_count);
        for (TrackedResult& item : items) {
            item.pCallback = record.get();
            ASSERT_EQ(engine->put(&item), S_OK);
        }
        ASSERT_EQ(engine->shutdown(), S_OK);
        EXPECT_EQ(engine->counters().dispatched, std::uint64_t{items_count});
        EXPECT_EQ(elsewhere.load(), 0) << "callbacks ran off CPU " << target;
    }
}

TEST_P(Conformance, PinningToACpuTheProcessCannotUseIsRejected) {
    Options options;
    options.worker_cpus = {100'000};
    try {
        make_engine(GetParam(), options);
        FAIL() << "worker_cpus = {100000} was accepted";
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("worker_cpus"), std::string::npos) << message;
        if (info_of(GetParam()).pins_workers) {
            EXPECT_NE(message.find("100000"), std::string::npos) << message;
        }
    }
}

TEST_P(Conformance, ZeroWorkersMeansOnePerHardwareThread) {
    auto engine = make_engine(GetParam(), Options{});
    EXPECT_EQ(engine->worker_count(), std::max(1U, std::thread::hardware_concurrency()));
    EXPECT_EQ(engine->name(), GetParam());
}

// ---- Stress: exactly-once under many producers, workers and put shapes
// ---------------------------

struct StressShape {
    int producers;
    unsigned workers;
    std::size_t batch;  // 1: single put; otherwise put_bulk of this many; 0: put_priority, 1/0/-1
};

void run_stress(const std::string& backend, const StressShape& shape, std::size_t total) {
    SCOPED_TRACE("producers=" + std::to_string(shape.producers) + " workers=" +
                 std::to_string(shape.workers) + " batch=" + std::to_string(shape.batch));
    const std::size_t per_producer = total / static_cast<std::size_t>(shape.producers);
    const std::size_t count = per_producer * static_cast<std::size_t>(shape.producers);
    std::vector<TrackedResult> items(count);
    std::atomic<std::uint64_t> checksum{0};
    auto callback = make_callback([&](IMFAsyncResult* result) {
        auto* item = static_cast<TrackedResult*>(result);
        item->dispatches.fetch_add(1, std::memory_order_relaxed);
        checksum.fetch_add(item->id, std::memory_order_relaxed);
    });
    std::uint64_t expected = 0;
    for (std::size_t i = 0; i < count; ++i) {
        items[i].id = i * 2654435761U + 1;  // distinct, spread-out ids
        items[i].pCallback = callback.get();
        expected += items[i].id;
    }
    Options options;
    options.workers = shape.workers;
    auto engine = make_engine(backend, options);
    std::atomic<int> failures{0};
    std::vector<std::thread> producers;
    producers.reserve(static_cast<std::size_t>(shape.producers));
    for (int p = 0; p < shape.producers; ++p) {
        producers.emplace_back([&, p] {
            const std::size_t begin = static_cast<std::size_t>(p) * per_producer;
            std::vector<MFASYNCRESULT*> batch;
            const std::size_t step = std::max<std::size_t>(shape.batch, 1);
            for (std::size_t i = begin; i < begin + per_producer; i += step) {
                if (shape.batch == 0) {
                    const auto priority = static_cast<LONG>(i % 3) - 1;
                    failures.fetch_add(engine->put_priority(&items[i], priority) != S_OK ? 1 : 0);
                    continue;
                }
                const std::size_t n = std::min(shape.batch, begin + per_producer - i);
                if (n == 1) {
                    failures.fetch_add(engine->put(&items[i]) != S_OK ? 1 : 0);
                    continue;
                }
                batch.clear();
                for (std::size_t k = 0; k < n; ++k) {
                    batch.push_back(&items[i + k]);
                }
                failures.fetch_add(engine->put_bulk(batch) != S_OK ? 1 : 0);
            }
        });
    }
    for (std::thread& producer : producers) {
        producer.join();
    }
    ASSERT_EQ(engine->shutdown(), S_OK);
    ASSERT_EQ(failures.load(), 0);
    EXPECT_EQ(checksum.load(), expected);
    std::size_t wrong = 0;
    for (const TrackedResult& item : items) {
        wrong += (item.dispatches.load() != 1 || item.refs() != 1 || item.over_released.load())
                     ? 1U
                     : 0U;
    }
    EXPECT_EQ(wrong, 0U) << "items not dispatched exactly once or not released exactly once";
    const EngineCounters counters = engine->counters();
    EXPECT_EQ(counters.put, count);
    EXPECT_EQ(counters.dispatched, count);
}

TEST_P(Conformance, StressExactlyOnceAcrossShapes) {
    const StressShape shapes[] = {
        {1, 1, 1},   // 1P1C, single puts
        {2, 2, 1},   // contended both sides
        {3, 4, 64},  // oversubscribed, bulk puts
        {4, 1, 7},   // many producers, one worker, odd batch
        {2, 2, 0},   // priorities 1, 0, -1 mixed, contended both sides
        {3, 1, 0},   // priorities under producers crowding one worker
    };
    const std::size_t total = wq::test::stress_items(1'200'000);  // ≥ 10^6 in the default run
    for (const StressShape& shape : shapes) {
        run_stress(GetParam(), shape, total / std::size(shapes));
    }
}

std::string backend_name(const ::testing::TestParamInfo<std::string>& info) {
    return info.param;
}

INSTANTIATE_TEST_SUITE_P(Backends, Conformance, ::testing::ValuesIn(built_backends()),
                         backend_name);

}  // namespace
}  // namespace wq::test
