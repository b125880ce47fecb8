// wq/engine.hpp — the dispatch contract every back-end keeps, and the registry that builds them.
//
// An Engine dispatches MFASYNCRESULT items on its worker threads:
//   - put(item): accepted (S_OK) → dispatched exactly once. Dispatch calls
//     item->pCallback->Invoke(item), or signals item->hEvent when pCallback is NULL. The engine
//     AddRefs the item on put and Releases it after dispatch. hrStatusResult and
//     dwBytesTransferred travel unchanged. pCallback and hEvent both NULL → E_INVALIDARG, a NULL
//     item → E_POINTER; nothing is queued in either case.
//   - put_bulk(items): all or nothing — every item is validated first; then all are accepted or,
//     after shutdown, none.
//   - An item is queued once at a time (its OVERLAPPED is "used internally to queue the work item",
//     as in MF): from the put that accepts it until its dispatch begins, overlapped.Internal reads
//     0x103 (STATUS_PENDING), and a put of it — or a bulk holding it twice — returns
//     MF_E_INVALIDREQUEST and queues nothing. Its callback may put it again. The engine owns
//     `overlapped` while the item is queued (`native` links items through it).
//   - put_priority(item, priority): put with MF's priority (MFPutWorkItemEx2): among items
//     waiting in the engine, those put at a priority > 0 run before those at 0 (put), and those
//     before the ones at < 0; the classes above and below 0 are FIFO, 0 keeps the back-end's
//     order (FIFO with one worker, but tbb's). With one worker exactly so; with W workers an
//     item below 0 waits until at most W items besides its class are in the engine (they may be
//     running). No starvation freedom (MF promises none): an endless stream of 0s delays a -1
//     for ever; during shutdown's drain a -1 no longer waits for 0s. Otherwise as put
//     (wq/detail/priority_lanes.hpp has the protocol).
//   - Callbacks may put more items (re-entrancy). A callback that throws does not kill its worker:
//     the failure is counted (counters().callback_failures) and reported to
//     Options::on_callback_failure. The HRESULT that Invoke returns is ignored, as MF ignores it.
//   - shutdown(): from then on put returns MF_E_SHUTDOWN (also from callbacks). It returns once
//     every accepted item has been dispatched — drained, not cancelled — and the workers have
//     stopped. Idempotent and thread-safe; the destructor calls it. From a callback of the same
//     engine it returns E_ILLEGAL_METHOD_CALL and does nothing (a worker cannot wait for itself).
//
// Thread-safety: every member function may be called from any thread, concurrently.
// Allocation (BackendTraits::put_allocates; ctest allocations.<name> counts over 10^6 puts): put
// or dispatch may allocate on `mutex` and `iocp` (a deque block every few dozen items), `mfplat`
// (a map node) and `mpmc` (a few blocks per 10^6 items as its queue turns over); `native` and `tbb`
// (its task pool recycles) allocate nothing once warm. No put blocks, except on `mutex`, which
// takes its lock.
//
//   auto engine = wq::make_engine("mpmc", {.workers = 2});
//   auto item = wq::AsyncResult::create(callback.get());
//   if (wq::failed(engine->put(item.get()))) { ... }
#pragma once

#include "wq/types.hpp"

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wq {

/// What Options::on_callback_failure receives when a callback throws (or hEvent cannot be set).
struct CallbackFailure {
    MFASYNCRESULT* item;       ///< still referenced by the engine during the call
    std::exception_ptr error;  ///< null when the failure was a failed SetEvent
};

/// Engine configuration. Every field is validated by the back-end's constructor, which throws
/// std::invalid_argument naming the field, the bad value and the accepted range.
struct Options {
    /// Worker threads; 0 means std::thread::hardware_concurrency().
    unsigned workers = 0;
    /// mpmc: how long an idle worker spins (polling the queue) before it parks in the kernel.
    /// Spinning keeps latency near the cache-line floor; parking costs a wake-up (tens of µs on a
    /// VM) but burns no CPU. 0 parks at once. At most 1 s.
    std::chrono::nanoseconds spin_before_park = std::chrono::microseconds{50};
    /// mpmc: at most this many idle workers spin at once; the rest park straight away. 0 means
    /// max(1, min(workers, hardware threads / 2)), so spinners never crowd out producers.
    unsigned max_spinning_workers = 0;
    /// iocp: how many workers the completion port lets run callbacks at once (the port's
    /// NumberOfConcurrentThreads); 0 means one per hardware thread. At most 1024.
    unsigned concurrency = 0;
    /// mpmc, iocp: most items a worker takes in one dequeue (1..4096). An mpmc worker takes its
    /// fair share (queue depth / workers) up to this, so a shallow queue is never hoarded.
    unsigned dequeue_batch = 32;
    /// Pins worker i to CPU worker_cpus[i % size()] (by the OS's CPU numbering); empty leaves the
    /// workers to the scheduler. Each CPU must be one this process may run on (allowed_cpus()).
    /// tbb pins a pool thread while it serves this engine's arena and unpins it when it leaves.
    std::vector<unsigned> worker_cpus;
    /// Called on the worker thread after a callback throws. Must not throw (an exception from it is
    /// swallowed).
    std::function<void(const CallbackFailure&)> on_callback_failure;
};

/// A snapshot of an engine's counters. Each is exact once the engine is quiescent; while it runs,
/// the fields are read one after another and need not add up.
struct EngineCounters {
    std::uint64_t put = 0;                ///< items accepted
    std::uint64_t dispatched = 0;         ///< items whose dispatch finished
    std::uint64_t callback_failures = 0;  ///< callbacks that threw, events that failed to set
    std::uint64_t parks = 0;              ///< times a worker blocked in the kernel waiting for work
    std::uint64_t wakeups = 0;            ///< parks that ended because work was signalled
};

/// How an engine's worker threads are scheduled (Engine::set_worker_scheduling; the MF layer's
/// MMCSS registration sets it on a queue's threads).
///   normal    as the workers were started (what they inherited from the thread that made them)
///   raised    Linux: SCHED_OTHER at nice -level (level 1..20); Windows: THREAD_PRIORITY_HIGHEST
///   realtime  Linux: SCHED_RR at priority `level` (1..99); Windows: THREAD_PRIORITY_TIME_CRITICAL
/// Raising needs the right on Linux (CAP_SYS_NICE, or RLIMIT_NICE / RLIMIT_RTPRIO allowing it).
/// On Windows `level` is not used when set; read back (this_thread_scheduling) it is the thread
/// priority (1 ABOVE_NORMAL, 2 HIGHEST, 15 TIME_CRITICAL).
struct WorkerScheduling {
    enum class Kind : std::uint8_t { normal, raised, realtime };
    Kind kind = Kind::normal;
    int level = 0;
    friend bool operator==(const WorkerScheduling&, const WorkerScheduling&) = default;
};

/// The calling thread's scheduling in WorkerScheduling's terms (a Linux SCHED_FIFO thread reads
/// as realtime; a thread at nice n < 0 as raised to level -n, at n >= 0 as normal; on Windows
/// TIME_CRITICAL as realtime, ABOVE_NORMAL and HIGHEST as raised).
[[nodiscard]] WorkerScheduling this_thread_scheduling() noexcept;

/// The type-erased engine. Concrete back-ends (MutexEngine, MpmcEngine, TbbEngine, ...) derive
/// from it as `final` classes, so a call through the concrete type has no virtual hop.
class Engine {
public:
    Engine() = default;
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;
    virtual ~Engine() = default;

    virtual HRESULT put(MFASYNCRESULT* item) noexcept = 0;
    virtual HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept = 0;
    virtual HRESULT put_priority(MFASYNCRESULT* item, LONG priority) noexcept = 0;
    virtual HRESULT shutdown() noexcept = 0;
    [[nodiscard]] virtual EngineCounters counters() const noexcept = 0;
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
    [[nodiscard]] virtual unsigned worker_count() const noexcept = 0;
    /// Schedules every worker thread as `scheduling` says, all or none: S_OK; E_ACCESSDENIED
    /// when the OS refused (each worker stays as it was); E_INVALIDARG for a level out of range;
    /// E_NOTIMPL where the threads are not the engine's own (tbb's are the process's shared pool,
    /// mfplat's are Media Foundation's).
    virtual HRESULT set_worker_scheduling(const WorkerScheduling& scheduling) noexcept {
        (void)scheduling;
        return E_NOTIMPL;
    }
};

/// What a back-end is, declared once, by its wq_backend() line in CMakeLists.txt (the build turns
/// it into wq::detail::traits_of<Engine>): the registry, the benchmarks' JSON context and every
/// script read it from there.
struct BackendTraits {
    std::string_view name;         ///< make_engine's name; benchmark names use it
    std::string_view description;  ///< one line for listings
    /// Where an idle worker waits ("futex", "io_uring_enter", ...): what a wake-up costs, and
    /// what tools that intercept system calls (valgrind) make of it.
    std::string_view idle_wait;
    /// Whether the engine starts and owns its worker threads (false where a library or the OS
    /// does: tbb, mfplat).
    bool owns_threads = true;
    /// Whether counters().parks/wakeups are measured (false where the threads' sleeping cannot be
    /// seen).
    bool parks_observable = true;
    /// Whether Options::worker_cpus is honoured (false where the threads are placed by someone
    /// else and the engine refuses it: mfplat).
    bool pins_workers = true;
    /// Whether put or dispatch allocates in steady state (a deque block, a task, a map node);
    /// false means no heap allocation on either path once the engine is warm.
    bool put_allocates = false;
    /// Whether one worker runs items in the order they were put (put one after the other, from
    /// one thread or several): false where the queue's order is its own (tbb's arena, mpmc's
    /// per-producer sub-queues). The MF layer orders a one-thread queue itself where it is false.
    bool one_worker_fifo = true;
    /// Whether one worker runs each producer thread's items in the order that thread put them:
    /// false where even that order is the queue's own (tbb's arena). native and mpmc keep it
    /// (a sub-queue per producer) where they give up one_worker_fifo.
    bool producer_fifo = true;
    /// Whether an item with no callback (hEvent only) is accepted: false where the queue beneath
    /// calls the callback when it queues the item (mfplat: MFPutWorkItemEx calls GetParameters),
    /// and such an item is refused with E_POINTER, nothing queued.
    bool event_items = true;
    /// Whether at most Options::workers callbacks run at once: false where the pool beneath sizes
    /// itself (mfplat: MF's multithreaded queue), so one worker need not mean one at a time.
    bool workers_bound_callbacks = true;
};

/// One entry of the registry: every back-end this build knows, with whether it can run here.
struct BackendInfo {
    std::string name;
    std::string description;
    bool available = false;
    std::string unavailable_reason;       ///< empty when available
    std::string idle_wait;                ///< BackendTraits::idle_wait
    bool owns_threads = true;             ///< BackendTraits::owns_threads
    bool parks_observable = true;         ///< BackendTraits::parks_observable
    bool pins_workers = true;             ///< BackendTraits::pins_workers
    bool put_allocates = false;           ///< BackendTraits::put_allocates
    bool one_worker_fifo = true;          ///< BackendTraits::one_worker_fifo
    bool producer_fifo = true;            ///< BackendTraits::producer_fifo
    bool event_items = true;              ///< BackendTraits::event_items
    bool workers_bound_callbacks = true;  ///< BackendTraits::workers_bound_callbacks
};

/// Every back-end compiled into this build, available or not, in registry order.
std::vector<BackendInfo> backend_catalogue();

/// The CPUs this process may run on (on Linux, its affinity mask when it started: a thread that
/// pins itself later does not shrink it), ascending: the values Options::worker_cpus accepts.
std::vector<unsigned> allowed_cpus();
/// Names of the back-ends that can be created on this machine, in registry order.
std::vector<std::string> available_backends();
/// Creates the named back-end. Throws std::invalid_argument for an unknown name (listing the known
/// ones) or bad options, std::runtime_error when the back-end is unavailable here (with the cause).
std::unique_ptr<Engine> make_engine(std::string_view name, const Options& options = {});

}  // namespace wq
