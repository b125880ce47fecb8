// bench/calibration.hpp — the calibration engines, in the benchmark build only. `inline` runs each
// item's callback inside put, on the putting thread; `inline_10us` does the same after a 10 µs busy
// delay. Run through the scenarios that host them (bench/scenarios.json "calibration": latency/,
// pingpong/ and wakeup/), they measure the harness itself: inline's figure is what the harness
// adds to every result (the stamps, the put call, the dispatch, the record), and inline_10us's
// must come out 10 µs above it — a known delay reported as such. They are not back-ends:
// make_engine does not know them, the run's context lists them apart (wq.calibration_engines), and
// the summary reports them as the harness overhead, never in a ranking.
#pragma once

#include "common.hpp"
#include "wq/detail/backend_list.hpp"
#include "wq/detail/engine_base.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace wq::bench {

template <std::uint64_t DelayNs, detail::FixedName Name>
class InlineCore : public detail::GatedEngineBase<InlineCore<DelayNs, Name>, Name> {
    using Base = detail::GatedEngineBase<InlineCore<DelayNs, Name>, Name>;

public:
    /// The busy delay before each dispatch.
    static constexpr std::uint64_t delay_ns = DelayNs;
    static constexpr std::string_view description =
        DelayNs == 0 ? "calibration: the callback runs inside put (the harness's own overhead)"
                     : "calibration: inline after a busy delay (a known delay, reported)";

    /// Dispatches every item before returning: the engine's reference is taken and released as a
    /// queue's would be, and shutdown waits for a put in progress (the gate) like for a queue's
    /// accepted items.
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept final {
        return detail::put_each(this->gate_, items, [this](MFASYNCRESULT* item) noexcept {
            item->AddRef();
            if constexpr (DelayNs > 0) {
                busy_work(DelayNs);
            }
            const detail::WorkerScope scope(this);  // shutdown from the callback is refused
            this->dispatch_one(item, this->stats_[0]);
            return S_OK;
        });
    }

protected:
    /// Only as detail::Complete<InlineCore> (its puts count in one shared slot).
    explicit InlineCore(const Options& options = {})
        : Base(options, detail::StatsArray::Writers::shared) {}

private:
    friend detail::EngineBase<InlineCore, Name>;
    void stop() noexcept { this->gate_.close(); }  // a put returns only once it dispatched
};

using InlineEngine = detail::Complete<InlineCore<0, "inline">>;
using InlineDelayEngine = detail::Complete<InlineCore<10'000, "inline_10us">>;

/// The calibration engines, in the order the summary reports them.
using CalibrationEngines = detail::BackendList<InlineEngine, InlineDelayEngine>;

/// wq.calibration_engines: [{"name", "delay_ns", "description"}], what the scripts know of them.
std::string calibration_engines_json();

}  // namespace wq::bench

namespace wq::detail {

/// Their traits, from the engine itself (BackendTraits: what listings and the scripts read).
template <std::uint64_t DelayNs, FixedName Name>
inline constexpr BackendTraits traits_of<Complete<bench::InlineCore<DelayNs, Name>>>{
    .name = Name.view(),
    .description = bench::InlineCore<DelayNs, Name>::description,
    .idle_wait = "none: no worker",
    .owns_threads = false,
    .parks_observable = false};

}  // namespace wq::detail
