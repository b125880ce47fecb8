// The `tbb` back-end: oneTBB task_arena::enqueue, one task per item.
#include "wq/tbb_engine.hpp"

#include <oneapi/tbb/info.h>

#include <thread>

namespace wq {

TbbEngine::TbbEngine(const Options& options)
    : options_(detail::resolve_options(backend_name, options)),
      // TBB numbers arena slots from 0 up to about max_concurrency (a lone worker of a 1-slot
      // arena reports index 1); slots are folded into this array and may share an entry.
      stats_(options_.workers + 1, detail::StatsArray::Writers::shared),
      // Application threads never join this arena, so the pool needs `workers` TBB threads; TBB
      // counts the main thread in max_allowed_parallelism, hence + 1.
      parallelism_(std::make_unique<tbb::global_control>(
          tbb::global_control::max_allowed_parallelism,
          std::max<std::size_t>(
              tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism),
              std::size_t{options_.workers} + 1))),
      arena_(static_cast<int>(options_.workers), /*reserved_for_masters=*/0) {
    arena_.initialize();
}

TbbEngine::~TbbEngine() {
    shutdown();
}

void TbbEngine::run(MFASYNCRESULT* item) noexcept {
    detail::tsan_acquire(item);  // pairs with tsan_release in put_bulk
    const detail::WorkerScope scope(this);
    const auto slot = static_cast<unsigned>(tbb::this_task_arena::current_thread_index());
    detail::dispatch(item, stats_[slot % stats_.size()], options_);
}

HRESULT TbbEngine::put(MFASYNCRESULT* item) noexcept {
    return put_bulk(std::span<MFASYNCRESULT* const>(&item, 1));
}

HRESULT TbbEngine::put_bulk(std::span<MFASYNCRESULT* const> items) noexcept {
    return detail::put_each(gate_, items, [this](MFASYNCRESULT* item) noexcept -> HRESULT {
        item->AddRef();
        detail::tsan_release(item);  // TBB's queue is not instrumented; see run()
        try {
            arena_.enqueue([this, item] { run(item); });
        } catch (const std::bad_alloc&) {
            item->Release();  // TBB cannot take back the tasks already enqueued: those stay
            return E_OUTOFMEMORY;
        }
        return S_OK;
    });
}

HRESULT TbbEngine::shutdown() noexcept {
    if (detail::current_worker_engine() == this) {
        return E_ILLEGAL_METHOD_CALL;
    }
    const std::lock_guard serial(shutdown_mutex_);
    if (shut_down_) {
        return S_OK;
    }
    gate_.close();  // every accepted item is now enqueued, and no other will be
    const std::uint64_t accepted = gate_.accepted();
    // TBB offers no wait for enqueued tasks: wait until each accepted item reports dispatched
    // (bumped last in dispatch, so after it no task touches this engine).
    detail::wait_until_dispatched(stats_, accepted);
    arena_.terminate();
    parallelism_.reset();
    shut_down_ = true;
    return S_OK;
}

EngineCounters TbbEngine::counters() const noexcept {
    return stats_.counters(gate_.accepted());
}

}  // namespace wq
