// wq/detail/engine_base.hpp — the skeleton every back-end shares, written once (CRTP, so the
// concrete type's calls stay direct): the resolved options and per-worker counters, the worker
// threads (named, pinned, marked as this engine's), the type-erased one-liners, shutdown's frame
// (refused from a callback, serialised, idempotent), put_priority over side lanes, and — through
// Complete — the shutdown on destruction that must run while the back-end's members still exist.
//
// A back-end is a core, `class XCore : public detail::EngineBase<XCore, "name">` (the name
// make_engine knows it by; its other facts are its wq_backend() line's) with a protected
// `explicit XCore(const Options& = {})`, published as `using XEngine = detail::Complete<XCore>;`
// with `extern template class Complete<XCore>;` beside it and `template class Complete<XCore>;`
// in its source (so the vtable, and the type-erased put that inlines put_bulk, live there).
// The core supplies:
//   HRESULT put_bulk(std::span<MFASYNCRESULT* const>) noexcept final;
//   [[nodiscard]] std::uint64_t accepted() const noexcept;  items accepted so far (counters().put)
//   void stop() noexcept;                    shutdown's own part: stop admission, release workers;
//                                            for a pool it does not own, wait for the drain too
// and, if it runs worker threads of its own, calls start_workers() last in its constructor and
//   void worker_main(unsigned index, WorkerStats& stats) noexcept;  returns once drained and
//   stopped
// and hands every item its workers take to dispatch_one(item, stats): the priority lanes' turn
// (wq/detail/priority_lanes.hpp), then the item's dispatch.
// A core whose admission is a PutGate (puts without a lock, counted in the gate) derives from
// GatedEngineBase<XCore, "name"> instead: it supplies gate_ and accepted().
// Every put path (put_bulk, and put where it has its own) calls inject_put() first.
// Optional: `put` (a faster single put than a bulk of one), `static std::string
// unavailable_reason()` (empty when it can run here; the registry asks), and
// `void after_workers_joined() noexcept` (release what the workers used). It befriends the base
// (`friend EngineBase;`) so the hooks may stay private. It declares no destructor of its own that
// shuts down: Complete's does, before any member of the core is destroyed.
#pragma once

#include "wq/detail/dispatch.hpp"
#include "wq/detail/priority_lanes.hpp"
#include "wq/detail/put_gate.hpp"
#include "wq/engine.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

namespace wq::detail {

/// A string literal as a template argument: EngineBase<X, "mutex">.
template <std::size_t Size>
struct FixedName {
    constexpr FixedName(const char (&text)[Size]) {  // NOLINT(google-explicit-constructor)
        std::copy_n(text, Size, chars);
    }
    [[nodiscard]] constexpr std::string_view view() const { return {chars, Size - 1}; }
    char chars[Size]{};
};

template <class Derived, FixedName Name>
class EngineBase : public Engine {
public:
    /// The name make_engine knows the back-end by (its wq_backend() line says the same).
    static constexpr std::string_view backend_name = Name.view();

    /// A bulk of one, unless the back-end has a faster single put of its own.
    HRESULT put(MFASYNCRESULT* item) noexcept override {
        return derived().put_bulk(std::span<MFASYNCRESULT* const>(&item, 1));
    }

    /// Priority 0 is put; ±1 go through the side lanes (wq/detail/priority_lanes.hpp), unless the
    /// back-end has priorities of its own.
    HRESULT put_priority(MFASYNCRESULT* item, LONG priority) noexcept override {
        if (priority == 0) {
            return derived().put(item);
        }
        return lanes_.put(*this, item, priority > 0);
    }

    HRESULT shutdown() noexcept final {
        if (current_worker_engine() == this) {
            return E_ILLEGAL_METHOD_CALL;  // a worker cannot wait for itself
        }
        const std::lock_guard serial(shutdown_mutex_);
        if (shut_down_) {
            return S_OK;
        }
        lanes_.close();  // first: every token put before it is then accepted, and drained
        derived().stop();
        for (std::thread& worker : workers_) {
            worker.join();  // ends: stop() released every worker, and each returns once drained
        }
        derived().after_workers_joined();
        shut_down_ = true;
        return S_OK;
    }

    [[nodiscard]] EngineCounters counters() const noexcept override {
        const std::uint64_t reputs = lanes_.reputs();  // first: never more than the counts hold
        EngineCounters counters = stats_.counters(derived().accepted());
        counters.put -= std::min(reputs, counters.put);
        counters.dispatched -= std::min(reputs, counters.dispatched);
        return counters;
    }
    [[nodiscard]] std::string_view name() const noexcept final { return backend_name; }
    [[nodiscard]] unsigned worker_count() const noexcept final { return options_.workers; }
    /// On the workers start_workers() started; E_NOTIMPL for a back-end whose threads are a
    /// pool's (it never calls start_workers).
    HRESULT set_worker_scheduling(const WorkerScheduling& scheduling) noexcept final {
        if (!schedules_) {
            return E_NOTIMPL;
        }
        return schedules_->set(scheduling);
    }

protected:
    /// Resolves (validates) the options and lays out the counters: one slot per worker, each
    /// written by its worker alone, or — where pool threads come and go (Writers::shared) — one
    /// more slot than workers, written with atomic adds.
    EngineBase(const Options& options, StatsArray::Writers writers)
        : options_(resolve_options(backend_name, options)),
          stats_(options_.workers + (writers == StatsArray::Writers::shared ? 1 : 0), writers) {
        if constexpr (injecting) {
            for (unsigned i = 0; i < stats_.size(); ++i) {
                stats_[i].injected_dispatch_loops =
                    injected_loops(backend_name, InjectPath::dispatch);
            }
        }
    }
    ~EngineBase() override = default;  // copying is deleted by Engine

    /// Starts options_.workers threads, each running Derived::worker_main(i, stats_[i]) named,
    /// pinned (Options::worker_cpus) and marked as this engine's worker.
    void start_workers() {
        workers_.reserve(options_.workers);
        schedules_ = std::make_unique<WorkerSchedules>(options_.workers);
        for (unsigned i = 0; i < options_.workers; ++i) {
            workers_.emplace_back([this, i] {
                schedules_->record(i);
                start_worker_thread(backend_name, i, options_);
                const WorkerScope scope(this);
                derived().worker_main(i, stats_[i]);
            });
        }
    }

    /// What a worker calls for each item it takes: the lanes' part while priorities are in use
    /// (higher ones first, a lower one's turn), then the item's dispatch.
    void dispatch_one(MFASYNCRESULT* item, WorkerStats& stats) noexcept {
        if (lanes_.active() && lanes_.dispatch(*this, item, stats, options_)) [[unlikely]] {
            return;  // a lane token: done
        }
        dispatch(item, stats, options_);
    }

    /// Called first in every put path: the put injection of a gate-validation build
    /// (wq/detail/inject.hpp); nothing in a real build.
    static void inject_put() noexcept {
        if constexpr (injecting_at_runtime) {
            if (const std::uint32_t loops = runtime_injected_loops(InjectPath::put); loops != 0) {
                injected_work(loops);
            }
        } else if constexpr (constexpr std::uint32_t loops =
                                 injected_loops(backend_name, InjectPath::put);
                             loops != 0) {
            injected_work(loops);
        }
    }

    /// Default: nothing to release once the workers are gone.
    void after_workers_joined() noexcept {}

    const Options options_;
    StatsArray stats_;

private:
    [[nodiscard]] Derived& derived() noexcept { return static_cast<Derived&>(*this); }
    [[nodiscard]] const Derived& derived() const noexcept {
        return static_cast<const Derived&>(*this);
    }

    PriorityLanes lanes_;
    std::mutex shutdown_mutex_;  // serialises shutdown() callers
    bool shut_down_ = false;     // guarded by shutdown_mutex_
    std::vector<std::thread> workers_;
    std::unique_ptr<WorkerSchedules> schedules_;  // set by start_workers, before any worker runs
};

/// EngineBase for back-ends that admit puts through a PutGate (no lock on the put path): the gate
/// is theirs to enter and close, and it counts what they accepted.
template <class Derived, FixedName Name>
class GatedEngineBase : public EngineBase<Derived, Name> {
protected:
    using EngineBase<Derived, Name>::EngineBase;
    ~GatedEngineBase() override = default;

    PutGate gate_;

private:
    friend EngineBase<Derived, Name>;
    [[nodiscard]] std::uint64_t accepted() const noexcept { return gate_.accepted(); }
};

/// The complete back-end type: the core, shut down (drained, workers joined) by the destructor
/// before any of the core's members goes — so no back-end can forget to, and none writes it. A
/// core's constructor is protected: this is the only way to make one.
template <class Core>
class Complete final : public Core {
public:
    explicit Complete(const Options& options = {}) : Core(options) {}
    ~Complete() override { this->shutdown(); }
};

/// True for Complete<Core> whose Core cannot be made on its own (what wq_backend() checks).
template <class Engine>
inline constexpr bool is_complete_backend = false;
template <class Core>
inline constexpr bool is_complete_backend<Complete<Core>> =
    !std::is_constructible_v<Core, const Options&>;

}  // namespace wq::detail
