// tests/backend/fifo_engine.hpp — a test-only back-end, built only with -DWQ_TEST_BACKEND=ON: a
// locked vector read in order (FIFO), workers on a condition variable, each taking a fair share of
// what is queued. Trivially correct, and not meant for use: it exists to prove that a back-end is
// its own files plus one wq_backend() line in CMakeLists.txt — the ctest entry backend.one_line
// builds it and checks that the conformance suite, every engine scenario of wq_bench, the smoke
// check and the report take it with no other edit.
#pragma once

#include "wq/detail/engine_base.hpp"

#include <condition_variable>
#include <mutex>
#include <vector>

namespace wq::test {

class FifoCore : public detail::EngineBase<FifoCore, "fifo"> {
public:
    HRESULT put_bulk(std::span<MFASYNCRESULT* const> items) noexcept final;

protected:
    /// Only as Complete<FifoCore> (FifoEngine), which shuts down before the members go.
    explicit FifoCore(const Options& options = {})
        : EngineBase(options, detail::StatsArray::Writers::one_per_slot) {
        start_workers();
    }

private:
    friend EngineBase;

    void worker_main(unsigned index, detail::WorkerStats& stats) noexcept;
    void stop() noexcept {
        {
            const std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        pushed_.notify_all();
    }
    [[nodiscard]] std::uint64_t accepted() const noexcept {
        const std::lock_guard lock(mutex_);
        return accepted_;
    }

    mutable std::mutex mutex_;
    std::condition_variable pushed_;
    std::vector<MFASYNCRESULT*> items_;  // guarded by mutex_: [next_, size) are queued
    std::size_t next_ = 0;               // guarded by mutex_
    std::uint64_t accepted_ = 0;         // guarded by mutex_
    bool stopping_ = false;              // guarded by mutex_
};

using FifoEngine = detail::Complete<FifoCore>;

}  // namespace wq::test

// Its vtable and virtual members are emitted with fifo_engine.cpp, where put_bulk can inline.
extern template class wq::detail::Complete<wq::test::FifoCore>;
