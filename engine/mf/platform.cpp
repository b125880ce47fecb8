// The MF layer's platform (platform.hpp): the queue calls, timers and waits, periodic callbacks
// and shutdown, over one engine.
#include "platform.hpp"

#include "wq/detail/dispatch.hpp"

#include <array>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

namespace wq::mf_detail {

namespace {

bool one_worker_fifo(std::string_view backend) {
    for (const BackendInfo& info : backend_catalogue()) {
        if (info.name == backend) {
            return info.one_worker_fifo;
        }
    }
    return false;  // make_engine has refused an unknown name already
}

}  // namespace

PlatformState::PlatformState(std::string_view backend, const Options& options)
    : backend_(backend),
      options_(options),
      engine_(make_engine(backend, options)),
      timers_(
          [](void* self, MFASYNCRESULT* item, LONG priority) {
              return static_cast<PlatformState*>(self)->invoke_callback(item, priority);
          },
          this) {
    one_worker_fifo_ = one_worker_fifo(backend);
    for (const DWORD id :
         std::array<DWORD, 5>{MFASYNC_CALLBACK_QUEUE_MULTITHREADED, MFASYNC_CALLBACK_QUEUE_RT,
                              MFASYNC_CALLBACK_QUEUE_IO, MFASYNC_CALLBACK_QUEUE_TIMER,
                              MFASYNC_CALLBACK_QUEUE_LONG_FUNCTION}) {
        queues_.set_platform(id, std::make_unique<PoolQueue>(*engine_));
    }
    std::unique_ptr<Queue> standard = make_own(1);
    standard_ = standard.get();
    queues_.set_platform(MFASYNC_CALLBACK_QUEUE_STANDARD, std::move(standard));
}

std::unique_ptr<Queue> PlatformState::make_own(unsigned workers) const {
    Options own = options_;
    own.workers = workers;
    auto pool = std::make_unique<PoolQueue>(make_engine(backend_, own));
    if (workers == 1 && !one_worker_fifo_) {
        return std::make_unique<PumpedQueue>(std::move(pool), PumpedQueue::Order::priority);
    }
    return pool;
}

EngineCounters PlatformState::counters() const noexcept {
    EngineCounters counters = engine_->counters();
    // relaxed: a count, read after (or while) what it counts ran; never ahead of them (advance).
    counters.dispatched +=
        static_cast<std::uint64_t>(extra_dispatches_.load(std::memory_order_relaxed));
    return counters;
}

HRESULT PlatformState::allocate(MFASYNC_WORKQUEUE_TYPE type, DWORD* id) noexcept {
    if (id == nullptr) {
        return E_POINTER;
    }
    *id = MFASYNC_CALLBACK_QUEUE_UNDEFINED;
    // MF_WINDOW_WORKQUEUE: a thread of its own, as a STANDARD queue's, without the message loop
    // MF's runs there (as Wine's; docs/mf.md).
    if (type != MF_STANDARD_WORKQUEUE && type != MF_WINDOW_WORKQUEUE &&
        type != MF_MULTITHREADED_WORKQUEUE) {
        return E_INVALIDARG;
    }
    try {
        const unsigned workers = type == MF_MULTITHREADED_WORKQUEUE ? engine_->worker_count() : 1;
        return queues_.add([&] { return make_own(workers); }, 0, id);
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    } catch (const std::exception&) {
        return E_FAIL;  // the back-end could not start another engine
    }
}

HRESULT PlatformState::allocate_serial(DWORD target, DWORD* id) noexcept {
    if (id == nullptr) {
        return E_POINTER;
    }
    *id = MFASYNC_CALLBACK_QUEUE_UNDEFINED;
    if (queues_.closed()) {
        return MF_E_SHUTDOWN;
    }
    Queue* target_queue = queues_.lock_target(target);
    if (target_queue == nullptr) {
        return MF_E_INVALID_WORKQUEUE;
    }
    const DWORD held = is_platform_queue(target) ? 0 : target;
    HRESULT hr = E_OUTOFMEMORY;
    try {
        hr = queues_.add(
            [&] {
                return std::make_unique<PumpedQueue>(*target_queue, PumpedQueue::Order::put,
                                                     &extra_dispatches_);
            },
            held, id);
    } catch (const std::bad_alloc&) {
        hr = E_OUTOFMEMORY;
    }
    if (failed(hr) && held != 0) {
        (void)unlock(held);
    }
    return hr;
}

HRESULT PlatformState::lock(DWORD id) noexcept {
    if (is_platform_queue(id)) {
        return S_OK;  // MF: platform queues are always there
    }
    return queues_.lock(id);
}

HRESULT PlatformState::unlock(DWORD id) noexcept {
    if (is_platform_queue(id)) {
        return S_OK;
    }
    QueueTable::Ended ended;
    if (const HRESULT hr = queues_.unlock(id, ended); failed(hr) || ended.queue == nullptr) {
        return hr;
    }
    if (on_own_thread()) {
        // From a callback: waiting could need this very thread. What the queue holds still runs;
        // its engine stops at shutdown. A serial queue still holding entries keeps its target
        // locked until then, so the target outlives them.
        if (ended.target != 0 && ended.empty) {
            (void)unlock(ended.target);
        }
        return S_OK;
    }
    // From outside the platform's callbacks: when this returns, nothing of the queue is running
    // or will run — what it held has run (drained, not cancelled).
    ended.queue->wait_drained();
    ended.queue->stop();
    if (ended.target != 0) {
        (void)unlock(ended.target);
    }
    return S_OK;
}

HRESULT PlatformState::lock_shared(const wchar_t* usage_class, LONG base_priority, DWORD* task_id,
                                   DWORD* id) noexcept {
    if (usage_class == nullptr || id == nullptr) {
        return E_POINTER;
    }
    if (*usage_class == L'\0' && task_id != nullptr) {
        return E_INVALIDARG;  // MF's docs: with an empty class, pdwTaskId must be NULL
    }
    try {
        const unsigned workers = engine_->worker_count();
        if (const HRESULT hr = queues_.lock_shared(
                std::wstring(usage_class), [&] { return make_own(workers); }, id);
            failed(hr) || task_id == nullptr) {
            return hr;
        }
        // A class MMCSS knows registers the queue's threads once, in the caller's task (0: a
        // new one); a later lock gets the same task. Another class: a queue of its own, no task.
        Queue* queue = queues_.find(*id);
        if (queue != nullptr && mmcss_.task(queue) == 0 &&
            class_scheduling(usage_class, base_priority).has_value()) {
            DWORD task = *task_id;
            (void)mmcss_.enroll(queue, mmcss_engines(queue), usage_class, &task, base_priority);
        }
        *task_id = queue != nullptr ? mmcss_.task(queue) : 0;
        return S_OK;
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    } catch (const std::exception&) {
        return E_FAIL;  // the back-end could not start another engine
    }
}

HRESULT PlatformState::put(DWORD id, LONG priority, IMFAsyncResult* result) noexcept {
    if (result == nullptr) {
        return E_POINTER;
    }
    Queue* queue = queues_.find(id);
    if (queue == nullptr) {
        return shut_down() ? MF_E_SHUTDOWN : MF_E_INVALID_WORKQUEUE;
    }
    auto* item = static_cast<MFASYNCRESULT*>(result);  // MF's own cast: results are MFASYNCRESULTs
    if (const HRESULT hr = detail::validate_item(item); failed(hr)) {
        return hr;  // no callback and no event
    }
    DWORD flags = 0;
    DWORD queue_id = 0;
    if (item->pCallback == nullptr || failed(item->pCallback->GetParameters(&flags, &queue_id))) {
        flags = 0;
    }
    // MF's docs (IMFAsyncCallback::GetParameters): a FAST_IO or SIGNAL callback "must be invoked
    // from" the IO or TIMER queue; on another, the platform answers MF_E_INVALID_WORKQUEUE.
    if ((flags & (MFASYNC_FAST_IO_PROCESSING_CALLBACK | MFASYNC_SIGNAL_CALLBACK)) != 0 &&
        id != MFASYNC_CALLBACK_QUEUE_IO && id != MFASYNC_CALLBACK_QUEUE_TIMER) {
        return MF_E_INVALID_WORKQUEUE;
    }
    // Kept with the item. Before the queue-once check: a result put twice is the same result, its
    // callback the same, so a refused put rewrites the same flags.
    item->overlapped.OffsetHigh = flags;
    return queue->put_user(item, rank_of(priority));
}

HRESULT PlatformState::invoke_callback(IMFAsyncResult* result, LONG priority) noexcept {
    if (result == nullptr) {
        return E_POINTER;
    }
    auto* item = static_cast<MFASYNCRESULT*>(result);
    DWORD flags = 0;
    DWORD id = MFASYNC_CALLBACK_QUEUE_STANDARD;
    // As MF: a GetParameters that fails, or names an allocated queue that is gone, means the
    // STANDARD queue; a platform id is taken as it is (0 or one MF does not define:
    // MF_E_INVALID_WORKQUEUE).
    if (item->pCallback == nullptr || failed(item->pCallback->GetParameters(&flags, &id)) ||
        (!is_platform_queue(id) && queues_.find(id) == nullptr)) {
        id = MFASYNC_CALLBACK_QUEUE_STANDARD;
    }
    return put(id, priority, result);
}

HRESULT PlatformState::schedule(IMFAsyncResult* result, std::int64_t timeout,
                                MFWORKITEM_KEY* key) noexcept {
    // MF: a negative timeout is a delay in ms; a positive one, an absolute time, is long past.
    // (Beyond ~70 years, a delay is as good as forever: clamped, so the clock cannot wrap.)
    constexpr std::int64_t longest_ms = std::int64_t{1} << 41;
    const std::int64_t delay_ms = timeout < 0 ? (timeout < -longest_ms ? longest_ms : -timeout) : 0;
    return schedule_after(result, std::chrono::milliseconds{delay_ms}, key);
}

HRESULT PlatformState::schedule_after(IMFAsyncResult* result, std::chrono::nanoseconds delay,
                                      MFWORKITEM_KEY* key) noexcept {
    if (delay.count() < 0) {
        return E_INVALIDARG;
    }
    return hold(result, [&](MFASYNCRESULT* item) { return timers_.schedule(item, delay, key); });
}

HRESULT PlatformState::put_waiting(HANDLE event, LONG priority, IMFAsyncResult* result,
                                   MFWORKITEM_KEY* key) noexcept {
    return hold(result,
                [&](MFASYNCRESULT* item) { return timers_.wait(event, priority, item, key); });
}

template <class ToTimers>
HRESULT PlatformState::hold(IMFAsyncResult* result, const ToTimers& to_timers) noexcept {
    if (result == nullptr) {
        return E_POINTER;
    }
    auto* item = static_cast<MFASYNCRESULT*>(result);
    if (const HRESULT hr = detail::admit_item(item); failed(hr)) {
        return hr;  // no callback and no event, or queued already
    }
    const HRESULT hr = to_timers(item);
    if (failed(hr)) {
        detail::unmark_items({&item, 1});
    }
    return hr;
}

bool PlatformState::on_own_thread() noexcept {
    return detail::current_worker_engine() == engine_.get() || queues_.is_own_thread();
}

HRESULT PlatformState::shutdown() noexcept {
    if (on_own_thread()) {
        return E_ILLEGAL_METHOD_CALL;  // a callback cannot wait for its own queues
    }
    // First: what is scheduled or waiting is handed to the queues, which still take it.
    timers_.stop();
    const std::vector<Queue*> queues = queues_.close_all();
    if (queues.empty()) {
        return S_OK;  // shut down already
    }
    for (Queue* queue : queues) {
        (void)queue->close();
    }
    for (Queue* queue : queues) {
        queue->wait_drained();
    }
    for (Queue* queue : queues) {
        queue->stop();
    }
    return engine_->shutdown();
}

// ---- Periodic callbacks

HRESULT PeriodicCallbacks::add(MFPERIODICCALLBACK callback, IUnknown* context,
                               DWORD* key) noexcept {
    if (callback == nullptr) {
        return E_POINTER;
    }
    try {
        auto gate = std::make_shared<Gate>();
        ComPtr<IUnknown> held = ComPtr<IUnknown>::share(context);
        auto tick = make_callback([callback, held, gate](IMFAsyncResult* /*result*/) {
            {
                const std::lock_guard lock(gate->mutex);
                if (gate->removed) {
                    return;  // removed while this tick was queued: it does not start
                }
                gate->running_on = std::this_thread::get_id();
            }
            const OnExit done([&gate] {
                const std::lock_guard lock(gate->mutex);
                gate->running_on = std::thread::id{};
                gate->idle.notify_all();
            });
            callback(held.get());
        });
        const ComPtr<AsyncResult> result = AsyncResult::create(tick.get(), nullptr, context);
        if (!result) {
            return E_OUTOFMEMORY;
        }
        const std::lock_guard lock(mutex_);
        MFWORKITEM_KEY timer_key = 0;
        if (const HRESULT hr = timers_.add_periodic(
                result.get(), std::chrono::milliseconds{periodic_period_ms}, &timer_key);
            failed(hr)) {
            return hr;
        }
        if (++last_ == 0) {
            last_ = 1;
        }
        keys_.emplace(last_, Registered{timer_key, std::move(gate)});
        if (key != nullptr) {
            *key = last_;
        }
        return S_OK;
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    }
}

HRESULT PeriodicCallbacks::remove(DWORD key) noexcept {
    Registered registered;
    {
        const std::lock_guard lock(mutex_);
        const auto found = keys_.find(key);
        if (found == keys_.end()) {
            return MF_E_NOT_FOUND;
        }
        registered = std::move(found->second);
        keys_.erase(found);
    }
    {
        std::unique_lock lock(registered.gate->mutex);
        registered.gate->removed = true;
        // Ends: a running tick finishes (unless it is this thread's own: then no wait).
        registered.gate->idle.wait(lock, [&] {
            return registered.gate->running_on == std::thread::id{} ||
                   registered.gate->running_on == std::this_thread::get_id();
        });
    }
    (void)timers_.cancel(registered.timer_key);  // a tick queued now finds the gate removed
    return S_OK;
}

}  // namespace wq::mf_detail
