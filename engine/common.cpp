// What every back-end shares: counters, option checks, failure reports, the worker mark.
#include "wq/detail/dispatch.hpp"
#include "wq/detail/put_gate.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

namespace wq::detail {

EngineCounters StatsArray::counters(std::uint64_t put) const noexcept {
    EngineCounters out;
    out.put = put;
    for (unsigned i = 0; i < slots_; ++i) {
        // acquire: pairs with WorkerStats::bump's release write.
        out.dispatched += stats_[i].dispatched.load(std::memory_order_acquire);
        out.callback_failures += stats_[i].callback_failures.load(std::memory_order_acquire);
        out.parks += stats_[i].parks.load(std::memory_order_acquire);
        out.wakeups += stats_[i].wakeups.load(std::memory_order_acquire);
    }
    return out;
}

std::uint64_t StatsArray::dispatched() const noexcept {
    std::uint64_t total = 0;
    for (unsigned i = 0; i < slots_; ++i) {
        total += stats_[i].dispatched.load(std::memory_order_acquire);
    }
    return total;
}

namespace {
constexpr unsigned max_workers = 1024;
constexpr unsigned max_dequeue_batch = 4096;
constexpr auto max_spin = std::chrono::seconds{1};

[[noreturn]] void reject(std::string_view backend, std::string_view field, const std::string& value,
                         std::string_view allowed) {
    throw std::invalid_argument("wq: back-end '" + std::string(backend) +
                                "': Options::" + std::string(field) + " = " + value +
                                " is out of range; " + std::string(allowed));
}
}  // namespace

Options resolve_options(std::string_view backend, const Options& options) {
    Options resolved = options;
    const unsigned hardware = std::max(1U, std::thread::hardware_concurrency());
    if (resolved.workers > max_workers) {
        reject(backend, "workers", std::to_string(resolved.workers),
               "use 1.." + std::to_string(max_workers) + ", or 0 for one per hardware thread");
    }
    if (resolved.workers == 0) {
        resolved.workers = hardware;
    }
    if (resolved.spin_before_park < std::chrono::nanoseconds::zero() ||
        resolved.spin_before_park > max_spin) {
        reject(backend, "spin_before_park",
               std::to_string(resolved.spin_before_park.count()) + " ns",
               "use 0 ns (park at once) up to 1 s");
    }
    if (resolved.max_spinning_workers > resolved.workers) {
        reject(backend, "max_spinning_workers", std::to_string(resolved.max_spinning_workers),
               "use 0 (automatic) up to workers = " + std::to_string(resolved.workers));
    }
    if (resolved.max_spinning_workers == 0) {
        resolved.max_spinning_workers = std::max(1U, std::min(resolved.workers, hardware / 2));
    }
    if (resolved.concurrency > max_workers) {
        reject(backend, "concurrency", std::to_string(resolved.concurrency),
               "use 1.." + std::to_string(max_workers) + ", or 0 for one per hardware thread");
    }
    if (resolved.concurrency == 0) {
        resolved.concurrency = hardware;
    }
    if (resolved.dequeue_batch == 0 || resolved.dequeue_batch > max_dequeue_batch) {
        reject(backend, "dequeue_batch", std::to_string(resolved.dequeue_batch),
               "use 1.." + std::to_string(max_dequeue_batch));
    }
    if (!resolved.worker_cpus.empty()) {
        const std::vector<unsigned> allowed = allowed_cpus();
        for (const unsigned cpu : resolved.worker_cpus) {
            if (std::find(allowed.begin(), allowed.end(), cpu) == allowed.end()) {
                std::string why = "CPU " + std::to_string(cpu);
                why += " is not one this process may run on (allowed:";
                for (const unsigned a : allowed) {
                    why += ' ';
                    why += std::to_string(a);
                }
                why += ')';
                reject(backend, "worker_cpus", "{.., " + std::to_string(cpu) + ", ..}", why);
            }
        }
    }
    return resolved;
}

void refuse_worker_cpus(std::string_view backend, const Options& options, std::string_view owner) {
    if (!options.worker_cpus.empty()) {
        throw std::invalid_argument("wq: back-end '" + std::string(backend) +
                                    "': Options::worker_cpus is not supported: " +
                                    std::string(owner) + " owns its threads; leave it empty");
    }
}

void report_failure(const Options& options, MFASYNCRESULT* item,
                    std::exception_ptr error) noexcept {
    if (!options.on_callback_failure) {
        return;
    }
    try {
        options.on_callback_failure(CallbackFailure{item, std::move(error)});
    } catch (...) {  // NOLINT(bugprone-empty-catch): documented: the hook must not kill the worker
    }
}

namespace {
// A store per round, a loop the compiler must keep — into the thread's own sink, so the injected
// work is time on its thread and never a line another thread touches. (With one shared sink
// beside the amounts the workers read, 'put:*=10%' slowed native's stream and P1 W1 rows by
// 41-44% in a scripts/regress run; with these, by 7-8%.)
thread_local volatile std::uint64_t t_spin_sink = 0;

// A runtime-injection build's amounts, read on every put and dispatch and written only between
// benchmarks: a line of their own.
struct alignas(64) RuntimeLoops {
    std::atomic<std::uint32_t> loops[2]{};  // [InjectPath]: put, dispatch
};
RuntimeLoops g_runtime;
}  // namespace

WQ_NOINLINE void injected_work(std::uint32_t loops) noexcept {
    for (std::uint32_t i = 0; i < loops; ++i) {
        t_spin_sink = i;
    }
}

void set_runtime_injection(std::uint32_t put_loops, std::uint32_t dispatch_loops) noexcept {
    g_runtime.loops[static_cast<int>(InjectPath::put)].store(put_loops, std::memory_order_relaxed);
    g_runtime.loops[static_cast<int>(InjectPath::dispatch)].store(dispatch_loops,
                                                                  std::memory_order_relaxed);
}

std::uint32_t runtime_injected_loops(InjectPath path) noexcept {
    return g_runtime.loops[static_cast<int>(path)].load(std::memory_order_relaxed);
}

void start_worker_thread(std::string_view backend, unsigned index,
                         const Options& options) noexcept {
    name_this_thread(backend, index);
    if (!options.worker_cpus.empty()) {
        // Validated in resolve_options; a refusal now (the mask changed since) leaves it unpinned.
        pin_this_thread(options.worker_cpus[index % options.worker_cpus.size()]);
    }
}

void WorkerSchedules::record(unsigned index) noexcept {
    threads_[index] = this_thread_schedule();
    recorded_.fetch_add(1, std::memory_order_release);  // publishes the slot to set()
}

HRESULT WorkerSchedules::set(const WorkerScheduling& wanted) noexcept {
    const std::lock_guard lock(mutex_);
    // The workers record themselves as their first step: a wait of a thread start at most.
    while (recorded_.load(std::memory_order_acquire) < threads_.size()) {
        std::this_thread::yield();
    }
    for (std::size_t i = 0; i < threads_.size(); ++i) {
        if (const HRESULT hr = set_thread_schedule(threads_[i], wanted); failed(hr)) {
            for (std::size_t done = 0; done < i; ++done) {
                (void)set_thread_schedule(threads_[done], now_);  // back: all or none
            }
            return hr;
        }
    }
    now_ = wanted;
    return S_OK;
}

namespace {
thread_local const Engine* t_worker_engine = nullptr;
}

const Engine* current_worker_engine() noexcept {
    return t_worker_engine;
}

WorkerScope::WorkerScope(const Engine* engine) noexcept : previous_(t_worker_engine) {
    t_worker_engine = engine;
}

namespace {
// Bit i set: put slot i is held by a live thread.
std::atomic<std::uint64_t> g_slots_held{0};
static_assert(put_slot_count == 64, "one bit per slot in a 64-bit word");

unsigned take_free_slot() noexcept {
    std::uint64_t held = g_slots_held.load(std::memory_order_relaxed);
    // Ends: a CAS fails only when another thread took or gave back a slot.
    while (held != ~std::uint64_t{0}) {
        const auto index = static_cast<unsigned>(std::countr_one(held));
        // acquire, pairs with the release in ~SlotReturn: the previous owner's writes to the
        // slot's lines happen-before ours.
        if (g_slots_held.compare_exchange_weak(held, held | (std::uint64_t{1} << index),
                                               std::memory_order_acquire,
                                               std::memory_order_relaxed)) {
            return index;
        }
    }
    return shared_put_slot;
}

// Gives the calling thread's exclusive slot back when it exits; a put after that (from a later
// thread-exit hook) shares.
struct SlotReturn {
    SlotReturn() = default;
    SlotReturn(const SlotReturn&) = delete;
    SlotReturn& operator=(const SlotReturn&) = delete;
    ~SlotReturn() {
        const unsigned slot = put_slots::t_slot;
        put_slots::t_slot = shared_put_slot;
        if (exclusive_put_slot(slot)) {
            g_slots_held.fetch_and(~(std::uint64_t{1} << slot), std::memory_order_release);
        }
    }
};
}  // namespace

unsigned put_slots::first_use() noexcept {
    t_slot = take_free_slot();
    if (exclusive_put_slot(t_slot)) {
        thread_local const SlotReturn give_back;  // constructed once, destroyed at thread exit
    }
    return t_slot;
}

WorkerScope::~WorkerScope() {
    t_worker_engine = previous_;
}

}  // namespace wq::detail
