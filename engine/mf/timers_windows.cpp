// The MF layer's reactor on Windows (mf_timers.hpp): one thread sleeping on a condition variable
// until the earliest due time; each waiting item a TP_WAIT of the system thread pool (the wait
// takes the signal, so an auto-reset event releases one waiter per signal, as WaitForSingleObject).
#include "timers.hpp"

#include <condition_variable>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

namespace wq::mf_detail {

struct Wait {
    PTP_WAIT wait;
    Timers* owner;
    MFWORKITEM_KEY key;
};

namespace {

void CALLBACK on_wait_signalled(PTP_CALLBACK_INSTANCE /*instance*/, void* context,
                                PTP_WAIT /*wait*/, TP_WAIT_RESULT /*result*/) {
    const auto* wait = static_cast<const Wait*>(context);
    // on_event may end the wait (release_fired frees it): read it first.
    Timers* owner = wait->owner;
    const MFWORKITEM_KEY key = wait->key;
    owner->on_event(key);
}

}  // namespace

struct Reactor::Impl {
    explicit Impl(Timers& owner_) : owner(owner_) {}

    void run() {
        std::unique_lock lock(mutex);
        // Ends: stop() sets stopping and wakes this thread.
        while (!stopping) {
            if (due == Clock::time_point::max()) {
                wake.wait(lock);
                continue;
            }
            const Clock::time_point until = due;  // a copy: arm() may change it while we sleep
            if (Clock::now() < until) {
                wake.wait_until(lock, until);
                continue;
            }
            due = Clock::time_point::max();
            lock.unlock();
            owner.on_timer();  // arms again if anything is left
            lock.lock();
        }
    }

    Timers& owner;
    std::mutex mutex;
    std::condition_variable wake;
    Clock::time_point due = Clock::time_point::max();  // guarded by mutex
    bool stopping = false;                             // guarded by mutex
};

Reactor::Impl* Reactor::make_impl(Timers& owner) {
    return new Impl(owner);
}

void Reactor::ImplDeleter::operator()(Impl* impl) const noexcept {
    delete impl;
}

void Reactor::run() noexcept {
    impl_->run();
}

void Reactor::arm(Clock::time_point due) noexcept {
    {
        const std::lock_guard lock(impl_->mutex);
        impl_->due = due;
    }
    impl_->wake.notify_one();
}

Wait* Reactor::add_wait(HANDLE event, MFWORKITEM_KEY key) noexcept {
    if (event == nullptr) {
        return nullptr;
    }
    auto* wait = new (std::nothrow) Wait{nullptr, &impl_->owner, key};
    if (wait == nullptr) {
        return nullptr;
    }
    wait->wait = ::CreateThreadpoolWait(on_wait_signalled, wait, nullptr);
    if (wait->wait == nullptr) {
        delete wait;
        return nullptr;
    }
    ::SetThreadpoolWait(wait->wait, event, nullptr);
    return wait;
}

void Reactor::signalled(std::uint64_t tag, std::vector<MFWORKITEM_KEY>& released) {
    released.push_back(tag);  // a wait's tag is its key; the thread pool's wait took the signal
}

void Reactor::detach(Wait* wait) noexcept {
    ::SetThreadpoolWait(wait->wait, nullptr, nullptr);  // no new callback
}

void Reactor::release_fired(Wait* wait) noexcept {
    ::CloseThreadpoolWait(wait->wait);  // from its own callback: freed once that returns
    delete wait;
}

void Reactor::release_unfired(Wait* wait) noexcept {
    ::WaitForThreadpoolWaitCallbacks(wait->wait, TRUE);  // a callback under way finds no entry
    ::CloseThreadpoolWait(wait->wait);
    delete wait;
}

void Reactor::tell_stop() noexcept {
    {
        const std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_one();
}

}  // namespace wq::mf_detail
