// wq_api_misuse: the API half of docs/cli.md's bad-input table ("Exit codes and bad input", API
// misuse). Each row of that table is one entry below, under the same text; ctest cli.table runs
// this program and requires every row to have an entry, every entry a row, and each answer, on
// every back-end available here, to be the row's.
//
// Usage: wq_api_misuse   prints "BACKEND<TAB>CALL<TAB>ANSWER" for every entry and back-end.
// An answer is the HRESULT's name, or "throws TYPE: what()". Linux builds (the table's checker
// runs there).
#include "test_support.hpp"

#include "wq/engine.hpp"
#include "wq/event.hpp"
#include "wq/mfapi.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using wq::DWORD;
using wq::test::TrackedResult;

std::string name_of(wq::HRESULT hr) {
    static const std::pair<wq::HRESULT, const char*> names[] = {
        {wq::S_OK, "S_OK"},
        {wq::S_FALSE, "S_FALSE"},
        {wq::E_POINTER, "E_POINTER"},
        {wq::E_INVALIDARG, "E_INVALIDARG"},
        {wq::E_ILLEGAL_METHOD_CALL, "E_ILLEGAL_METHOD_CALL"},
        {wq::E_UNEXPECTED, "E_UNEXPECTED"},
        {wq::E_NOTIMPL, "E_NOTIMPL"},
        {wq::E_FAIL, "E_FAIL"},
        {wq::MF_E_INVALIDREQUEST, "MF_E_INVALIDREQUEST"},
        {wq::MF_E_INVALID_WORKQUEUE, "MF_E_INVALID_WORKQUEUE"},
        {wq::MF_E_BAD_STARTUP_VERSION, "MF_E_BAD_STARTUP_VERSION"},
        {wq::MF_E_SHUTDOWN, "MF_E_SHUTDOWN"},
        {wq::MF_E_NOT_FOUND, "MF_E_NOT_FOUND"},
    };
    for (const auto& [value, name] : names) {
        if (value == hr) {
            return name;
        }
    }
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(hr));
    return hex;
}

/// The answer of a call that may throw: its HRESULT's name, or what it threw.
std::string answer(const std::function<wq::HRESULT()>& call) {
    try {
        return name_of(call());
    } catch (const std::invalid_argument& error) {
        return std::string("throws std::invalid_argument: ") + error.what();
    } catch (const std::runtime_error& error) {
        return std::string("throws std::runtime_error: ") + error.what();
    }
}

std::unique_ptr<wq::Engine> engine_on(const std::string& backend) {
    wq::Options options;
    options.workers = 1;
    return wq::make_engine(backend, options);
}

const auto nothing = wq::make_callback([](wq::IMFAsyncResult*) {});
constexpr DWORD no_such_queue = 0x12345678;
constexpr wq::MFWORKITEM_KEY no_such_key = 0x123456789;

using Run = std::function<std::string(const std::string& backend)>;

/// Runs `call` on a fresh platform over `backend`, with one result ready to put.
Run on_platform(std::function<wq::HRESULT(wq::Platform&, wq::IMFAsyncResult*)> call) {
    return [call = std::move(call)](const std::string& backend) {
        wq::Platform platform(backend);
        TrackedResult item;
        item.pCallback = nothing.get();
        return answer([&] { return call(platform, &item); });
    };
}

using Rows = std::vector<std::pair<std::string, Run>>;

/// The Engine contract's rows.
Rows engine_rows() {
    return {
        {"engine->put(nullptr)",
         [](const std::string& b) { return answer([&] { return engine_on(b)->put(nullptr); }); }},
        {"engine->put(item), item with neither callback nor event",
         [](const std::string& b) {
             TrackedResult item;
             return answer([&] { return engine_on(b)->put(&item); });
         }},
        {"engine->put(item), item still queued",
         [](const std::string& b) {
             auto engine = engine_on(b);
             std::promise<void> release;
             std::shared_future<void> released = release.get_future().share();
             auto blocking =
                 wq::make_callback([released](wq::IMFAsyncResult*) { released.wait(); });
             TrackedResult blocker;
             blocker.pCallback = blocking.get();
             TrackedResult queued;
             queued.pCallback = nothing.get();
             (void)engine->put(&blocker);  // the one worker waits in it
             (void)engine->put(&queued);   // so this one stays queued
             std::string result = answer([&] { return engine->put(&queued); });
             release.set_value();
             (void)engine->shutdown();
             return result;
         }},
        {"engine->put_bulk({item, nullptr})",
         [](const std::string& b) {
             TrackedResult item;
             item.pCallback = nothing.get();
             wq::MFASYNCRESULT* bulk[] = {&item, nullptr};
             return answer([&] { return engine_on(b)->put_bulk(bulk); });
         }},
        {"engine->put(item) after engine->shutdown()",
         [](const std::string& b) {
             auto engine = engine_on(b);
             (void)engine->shutdown();
             TrackedResult item;
             item.pCallback = nothing.get();
             return answer([&] { return engine->put(&item); });
         }},
        {"engine->shutdown() from one of its callbacks",
         [](const std::string& b) {
             auto engine = engine_on(b);
             std::promise<wq::HRESULT> from_callback;
             auto callback = wq::make_callback(
                 [&](wq::IMFAsyncResult*) { from_callback.set_value(engine->shutdown()); });
             TrackedResult item;
             item.pCallback = callback.get();
             (void)engine->put(&item);
             std::string result = name_of(from_callback.get_future().get());
             (void)engine->shutdown();
             return result;
         }},
        {"make_engine(\"nope\")",
         [](const std::string&) {
             return answer([] { return wq::make_engine("nope") ? wq::S_OK : wq::E_FAIL; });
         }},
        {"make_engine(backend, {.dequeue_batch = 0})",
         [](const std::string& b) {
             wq::Options options;
             options.dequeue_batch = 0;
             return answer([&] { return wq::make_engine(b, options) ? wq::S_OK : wq::E_FAIL; });
         }},
        {"make_engine(backend, {.spin_before_park = 2s})",
         [](const std::string& b) {
             wq::Options options;
             options.spin_before_park = std::chrono::seconds{2};
             return answer([&] { return wq::make_engine(b, options) ? wq::S_OK : wq::E_FAIL; });
         }},
        {"make_engine(backend, {.concurrency = 5000})",
         [](const std::string& b) {
             wq::Options options;
             options.concurrency = 5000;
             return answer([&] { return wq::make_engine(b, options) ? wq::S_OK : wq::E_FAIL; });
         }},
    };
}

/// MF's work-queue API's rows.
Rows platform_rows() {
    return {
        {"Platform(\"nope\")",
         [](const std::string&) {
             return answer([] {
                 wq::Platform platform("nope");
                 return wq::S_OK;
             });
         }},
        {"MFStartup(0x12345)",
         [](const std::string&) { return answer([] { return wq::MFStartup(0x12345); }); }},
        {"MFPutWorkItemEx(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, result) before MFStartup",
         [](const std::string&) {
             TrackedResult item;
             item.pCallback = nothing.get();
             return answer([&] {
                 return wq::MFPutWorkItemEx(wq::MFASYNC_CALLBACK_QUEUE_MULTITHREADED, &item);
             });
         }},
        {"PutWorkItemEx(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, nullptr)",
         on_platform([](wq::Platform& p, wq::IMFAsyncResult*) {
             return p.PutWorkItemEx(wq::MFASYNC_CALLBACK_QUEUE_MULTITHREADED, nullptr);
         })},
        {"PutWorkItemEx(an unknown queue, result)",
         on_platform([](wq::Platform& p, wq::IMFAsyncResult* r) {
             return p.PutWorkItemEx(no_such_queue, r);
         })},
        {"PutWorkItemEx(queue, result) after Shutdown()",
         on_platform([](wq::Platform& p, wq::IMFAsyncResult* r) {
             (void)p.Shutdown();
             return p.PutWorkItemEx(wq::MFASYNC_CALLBACK_QUEUE_MULTITHREADED, r);
         })},
        {"AllocateWorkQueue(nullptr)", on_platform([](wq::Platform& p, wq::IMFAsyncResult*) {
             return p.AllocateWorkQueue(nullptr);
         })},
        {"AllocateSerialWorkQueue(an unknown queue, &queue)",
         on_platform([](wq::Platform& p, wq::IMFAsyncResult*) {
             DWORD queue = 0;
             return p.AllocateSerialWorkQueue(no_such_queue, &queue);
         })},
        {"LockWorkQueue(an unknown queue)", on_platform([](wq::Platform& p, wq::IMFAsyncResult*) {
             return p.LockWorkQueue(no_such_queue);
         })},
        {"UnlockWorkQueue(an unknown queue)", on_platform([](wq::Platform& p, wq::IMFAsyncResult*) {
             return p.UnlockWorkQueue(no_such_queue);
         })},
        {"UnlockWorkQueue(queue) once more than it was locked",
         on_platform([](wq::Platform& p, wq::IMFAsyncResult*) {
             DWORD queue = 0;
             (void)p.AllocateWorkQueue(&queue);
             (void)p.UnlockWorkQueue(queue);
             return p.UnlockWorkQueue(queue);
         })},
        {"CancelWorkItem(a key never issued)",
         on_platform(
             [](wq::Platform& p, wq::IMFAsyncResult*) { return p.CancelWorkItem(no_such_key); })},
        {"CancelWorkItem(key) a second time",
         on_platform([](wq::Platform& p, wq::IMFAsyncResult* r) {
             wq::MFWORKITEM_KEY key = 0;
             (void)p.ScheduleWorkItemEx(r, -60'000, &key);
             (void)p.CancelWorkItem(key);
             return p.CancelWorkItem(key);
         })},
        {"ScheduleWorkItemEx(nullptr, -1, &key)",
         on_platform([](wq::Platform& p, wq::IMFAsyncResult*) {
             wq::MFWORKITEM_KEY key = 0;
             return p.ScheduleWorkItemEx(nullptr, -1, &key);
         })},
        {"ScheduleWorkItemAfter(result, -1ns, &key)",
         on_platform([](wq::Platform& p, wq::IMFAsyncResult* r) {
             wq::MFWORKITEM_KEY key = 0;
             return p.ScheduleWorkItemAfter(r, std::chrono::nanoseconds{-1}, &key);
         })},
        {"PutWaitingWorkItem(nullptr, 0, result, &key)",
         on_platform([](wq::Platform& p, wq::IMFAsyncResult* r) {
             wq::MFWORKITEM_KEY key = 0;
             return p.PutWaitingWorkItem(nullptr, 0, r, &key);
         })},
        {"AddPeriodicCallback(nullptr, nullptr, &key)",
         on_platform([](wq::Platform& p, wq::IMFAsyncResult*) {
             DWORD key = 0;
             return p.AddPeriodicCallback(nullptr, nullptr, &key);
         })},
        {"RemovePeriodicCallback(a key never issued)",
         on_platform([](wq::Platform& p, wq::IMFAsyncResult*) {
             return p.RemovePeriodicCallback(0x1234);
         })},
    };
}

const Rows& rows() {
    static const Rows table = [] {
        Rows all = engine_rows();
        Rows more = platform_rows();
        all.insert(all.end(), std::make_move_iterator(more.begin()),
                   std::make_move_iterator(more.end()));
        return all;
    }();
    return table;
}

}  // namespace

int main() {
    for (const std::string& backend : wq::available_backends()) {
        for (const auto& [call, run] : rows()) {
            std::printf("%s\t%s\t%s\n", backend.c_str(), call.c_str(), run(backend).c_str());
        }
    }
    return 0;
}
