// wq/event.hpp — the event object behind MFASYNCRESULT::hEvent.
//
// When an item has no callback, the engine signals its hEvent at dispatch. On Windows hEvent is a
// Win32 event (CreateEvent); on Linux it is a handle to an event object provided here, backed by an
// eventfd, so a waiter can block on it with wait_event() or put event_fd() into its own epoll loop.
//
// Semantics follow Win32 events:
//   - manual-reset: stays signalled until reset_event(); every waiter is released.
//   - auto-reset: wait_event() that returns signalled also resets it; one waiter is released per
//     signal; setting an already-signalled event has no further effect.
//
// Thread-safety: every function may be called from any thread on a live handle; close_event() must
// not race with other uses of the same handle. set_event() is a single write(2) and never blocks.
//
//   wq::Event done{wq::EventReset::manual};
//   item->hEvent = done.handle();          // engine signals it at dispatch
//   done.wait(std::chrono::seconds{1});    // WaitStatus::signalled
#pragma once

#include "wq/types.hpp"

#include <chrono>
#include <cstdint>
#include <stdexcept>

namespace wq {

enum class EventReset : std::uint8_t { automatic, manual };
enum class WaitStatus : std::uint8_t { signalled, timeout, failed };

/// Wait forever.
inline constexpr std::chrono::milliseconds infinite_wait{-1};

/// Creates an event; returns nullptr on failure (out of file descriptors, for instance).
HANDLE create_event(EventReset reset, bool initially_signalled) noexcept;
/// Signals the event. Returns false only for an invalid handle or a failed system call.
bool set_event(HANDLE event) noexcept;
/// Resets a signalled event. Returns false only for an invalid handle or a failed system call.
bool reset_event(HANDLE event) noexcept;
/// Waits up to `timeout` (infinite_wait: forever). An auto-reset event is reset by a successful
/// wait.
WaitStatus wait_event(HANDLE event, std::chrono::milliseconds timeout) noexcept;
/// Destroys the event. Returns false for an invalid handle.
bool close_event(HANDLE event) noexcept;

#if WQ_OS_LINUX
/// The eventfd behind the handle, for epoll/poll (readable while signalled). For an auto-reset
/// event, consume the signal with wait_event(handle, 0ms) after epoll reports it.
int event_fd(HANDLE event) noexcept;
/// Whether the event is manual-reset (false for an auto-reset event or an invalid handle).
bool event_is_manual(HANDLE event) noexcept;
#endif

/// Owning wrapper: creates the event, closes it on destruction. Not copyable, movable.
class Event {
public:
    explicit Event(EventReset reset = EventReset::automatic, bool initially_signalled = false)
        : handle_(create_event(reset, initially_signalled)) {
        if (handle_ == nullptr) {
            throw std::runtime_error("wq::Event: the system refused to create an event object");
        }
    }
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    Event(Event&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
    Event& operator=(Event&& other) noexcept {
        if (this != &other) {
            reset_handle();
            handle_ = other.handle_;
            other.handle_ = nullptr;
        }
        return *this;
    }
    ~Event() { reset_handle(); }

    [[nodiscard]] HANDLE handle() const noexcept { return handle_; }
    bool set() noexcept { return set_event(handle_); }
    bool reset() noexcept { return reset_event(handle_); }
    WaitStatus wait(std::chrono::milliseconds timeout = infinite_wait) noexcept {
        return wait_event(handle_, timeout);
    }

private:
    void reset_handle() noexcept {
        if (handle_ != nullptr) {
            close_event(handle_);
            handle_ = nullptr;
        }
    }
    HANDLE handle_;
};

}  // namespace wq
