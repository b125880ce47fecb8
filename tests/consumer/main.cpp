// Uses the installed wq package: every available back-end dispatches one item through the
// type-erased registry, the concrete mpmc type works directly, and the MF layer (wq::mf) runs one
// item through a platform.
#include <wq/async_result.hpp>
#include <wq/engine.hpp>
#include <wq/event.hpp>
#include <wq/mfapi.hpp>
#include <wq/mpmc_engine.hpp>

#include <chrono>
#include <cstdio>

int main() {
    using namespace wq;
    int failures = 0;
    for (const std::string& name : available_backends()) {
        auto engine = make_engine(name, {.workers = 1});
        Event done;
        ComPtr<AsyncResult> item = AsyncResult::create(nullptr, nullptr, nullptr, done.handle());
        const bool ok = engine->put(item.get()) == S_OK &&
                        done.wait(std::chrono::seconds{60}) == WaitStatus::signalled &&
                        engine->shutdown() == S_OK && engine->counters().dispatched == 1;
        std::printf("%s: %s\n", name.c_str(), ok ? "ok" : "FAILED");
        failures += ok ? 0 : 1;
    }
    MpmcEngine concrete({.workers = 1});
    Event done;
    ComPtr<AsyncResult> item = AsyncResult::create(nullptr, nullptr, nullptr, done.handle());
    const bool ok = concrete.put(item.get()) == S_OK &&
                    done.wait(std::chrono::seconds{60}) == WaitStatus::signalled;
    std::printf("MpmcEngine direct: %s\n", ok ? "ok" : "FAILED");
    Platform platform("mutex");
    Event mf_done;
    ComPtr<AsyncResult> mf_item = AsyncResult::create(nullptr, nullptr, nullptr, mf_done.handle());
    const bool mf_ok =
        platform.PutWorkItemEx(MFASYNC_CALLBACK_QUEUE_MULTITHREADED, mf_item.get()) == S_OK &&
        mf_done.wait(std::chrono::seconds{60}) == WaitStatus::signalled;
    std::printf("wq::mf platform: %s\n", mf_ok ? "ok" : "FAILED");
    return failures == 0 && ok && mf_ok ? 0 : 1;
}
