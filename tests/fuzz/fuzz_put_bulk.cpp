// libFuzzer target: Engine::put_bulk on every back-end, with random mixes of valid and invalid
// items (the contract in include/wq/engine.hpp; the admission in wq/detail/dispatch.hpp).
//
// Input: byte 0 picks the back-end (of available_backends()); each further byte is one entry of
// the bulk (at most 64): 0–3 a fresh item with a callback, 4 a fresh item with an event and no
// callback, 5 an item with neither (E_INVALIDARG), 6 a null pointer (E_POINTER), 7 an item
// already in this bulk (MF_E_INVALIDREQUEST: queued once at a time).
// Holds: the answer is the first bad entry's (null or neither, in order), else
// MF_E_INVALIDREQUEST for a repeat, else S_OK; a refused bulk takes no reference, queues nothing
// and leaves every item free to put again; an accepted one runs each item exactly once (callback
// or event) and releases every reference it took; the engine's counters agree.
#include "test_support.hpp"

#include "wq/engine.hpp"
#include "wq/event.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using wq::test::TrackedResult;

void require(bool condition) {
    if (!condition) {
        std::abort();  // libFuzzer reports the input that broke the property
    }
}

/// One engine per back-end, for the whole run (engines are not what is fuzzed here).
wq::Engine& engine_for(const std::string& name) {
    static std::map<std::string, std::unique_ptr<wq::Engine>> engines;
    auto& engine = engines[name];
    if (!engine) {
        wq::Options options;
        options.workers = 2;
        engine = wq::make_engine(name, options);
    }
    return *engine;
}

wq::EngineCounters quiescent_counters(wq::Engine& engine, std::uint64_t put) {
    // Ends when every accepted item was dispatched; a lost one ends the run (abort) after 30 s.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    for (;;) {
        const wq::EngineCounters counters = engine.counters();
        if (counters.dispatched == put) {
            return counters;
        }
        require(std::chrono::steady_clock::now() < deadline);
        std::this_thread::yield();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<std::string> backends = wq::available_backends();
    if (size == 0 || backends.empty()) {
        return 0;
    }
    wq::Engine& engine = engine_for(backends[data[0] % backends.size()]);
    const std::size_t entries = std::min<std::size_t>(size - 1, 64);
    std::vector<TrackedResult> items(entries);
    std::vector<std::unique_ptr<wq::Event>> events(entries);
    std::vector<wq::MFASYNCRESULT*> bulk;
    std::vector<std::size_t> fresh;  // indices of the distinct items in the bulk
    auto callback = wq::make_callback([](wq::IMFAsyncResult* result) {
        static_cast<TrackedResult*>(result)->dispatches.fetch_add(1, std::memory_order_relaxed);
    });
    bool repeat = false;
    for (std::size_t i = 0; i < entries; ++i) {
        const unsigned kind = data[1 + i] % 8;
        TrackedResult& item = items[i];
        if (kind <= 3) {
            item.pCallback = callback.get();
        } else if (kind == 4) {
            events[i] = std::make_unique<wq::Event>(wq::EventReset::manual);
            item.hEvent = events[i]->handle();
        }
        if (kind == 6) {
            bulk.push_back(nullptr);
        } else if (kind == 7 && !fresh.empty()) {
            bulk.push_back(&items[fresh[data[1 + i] / 8 % fresh.size()]]);
            repeat = true;
        } else if (kind != 7) {
            bulk.push_back(&item);
            fresh.push_back(i);
        }
    }
    // Validation finds the first null or bad entry, in order, before any repeat is looked for.
    wq::HRESULT expected = repeat ? wq::MF_E_INVALIDREQUEST : wq::S_OK;
    for (wq::MFASYNCRESULT* entry : bulk) {
        if (entry == nullptr || (entry->pCallback == nullptr && entry->hEvent == nullptr)) {
            expected = entry == nullptr ? wq::E_POINTER : wq::E_INVALIDARG;
            break;
        }
    }
    const std::uint64_t put_before = engine.counters().put;
    const wq::HRESULT hr = engine.put_bulk(bulk);
    require(hr == expected);
    if (hr != wq::S_OK) {
        require(engine.counters().put == put_before);
        for (const TrackedResult& item : items) {
            require(item.refs() == 1 && item.dispatches.load() == 0);
            require(item.overlapped.Internal == 0);  // not left marked: free to put again
        }
        return 0;
    }
    const wq::EngineCounters counters = quiescent_counters(engine, put_before + bulk.size());
    require(counters.put == put_before + bulk.size());
    for (const std::size_t i : fresh) {
        const TrackedResult& item = items[i];
        // Released: dispatched is counted after the Release, so refs are back by now.
        require(item.refs() == 1 && !item.over_released.load());
        if (events[i] != nullptr) {
            require(events[i]->wait(std::chrono::milliseconds{0}) == wq::WaitStatus::signalled);
        } else {
            require(item.dispatches.load() == 1);
        }
    }
    return 0;
}
