// The `tbb` back-end: oneTBB task_arena::enqueue, one task per item.
#include "wq/tbb_engine.hpp"

#include <oneapi/tbb/info.h>

#include <algorithm>
#include <thread>

namespace wq::detail {
namespace {
// A TBB thread serves whichever arena needs it: pin it when it enters ours (by its slot there) and
// give it back unpinned when it leaves.
class ArenaPinning final : public tbb::task_scheduler_observer {
public:
    ArenaPinning(tbb::task_arena& arena, std::vector<unsigned> cpus)
        : tbb::task_scheduler_observer(arena), cpus_(std::move(cpus)) {
        observe(true);
    }
    ~ArenaPinning() override { observe(false); }
    ArenaPinning(const ArenaPinning&) = delete;
    ArenaPinning& operator=(const ArenaPinning&) = delete;

    void on_scheduler_entry(bool /*is_worker*/) override {
        const int slot = tbb::this_task_arena::current_thread_index();
        detail::pin_this_thread(cpus_[static_cast<std::size_t>(std::max(slot, 0)) % cpus_.size()]);
    }
    void on_scheduler_exit(bool /*is_worker*/) override { detail::unpin_this_thread(); }

private:
    std::vector<unsigned> cpus_;
};
}  // namespace

TbbCore::TbbCore(const Options& options)
    // TBB numbers arena slots from 0 up to about max_concurrency (a lone worker of a 1-slot arena
    // reports index 1); slots are folded into the counters' array and may share an entry.
    : GatedEngineBase(options, detail::StatsArray::Writers::shared),
      // Application threads never join this arena, so the pool needs `workers` TBB threads; TBB
      // counts the main thread in max_allowed_parallelism, hence + 1.
      parallelism_(std::make_unique<tbb::global_control>(
          tbb::global_control::max_allowed_parallelism,
          std::max<std::size_t>(
              tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism),
              std::size_t{options_.workers} + 1))),
      arena_(static_cast<int>(options_.workers), /*reserved_for_masters=*/0) {
    arena_.initialize();
    if (!options_.worker_cpus.empty()) {
        pinning_ = std::make_unique<ArenaPinning>(arena_, options_.worker_cpus);
    }
}

void TbbCore::run(MFASYNCRESULT* item) noexcept {
    detail::tsan_acquire(item);  // pairs with tsan_release in put_bulk
    const detail::WorkerScope scope(this);
    const auto slot = static_cast<unsigned>(tbb::this_task_arena::current_thread_index());
    dispatch_one(item, stats_[slot % stats_.size()]);
}

HRESULT TbbCore::put_bulk(std::span<MFASYNCRESULT* const> items) noexcept {
    inject_put();
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

void TbbCore::stop() noexcept {
    gate_.close();  // every accepted item is now enqueued, and no other will be
    // TBB offers no wait for enqueued tasks: wait until each accepted item reports dispatched
    // (bumped last in dispatch, so after it no task touches this engine).
    detail::wait_until_dispatched(stats_, gate_.accepted());
    pinning_.reset();  // before the arena goes: the observer is registered with it
    arena_.terminate();
    parallelism_.reset();
}

template class Complete<TbbCore>;

}  // namespace wq::detail
