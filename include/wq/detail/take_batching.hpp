// wq/detail/take_batching.hpp — when a consumer that takes whole runs of items should pause
// before its next take, so that a stream arrives in runs rather than one item per line hop.
#pragma once

#include "wq/detail/dispatch.hpp"

#include <algorithm>
#include <cstddef>

namespace wq::detail {

/// For a consumer that takes whole runs of items from a line its producers write (`native`'s
/// workers, the MF layer's serial-queue pumps). While items stream in — every take finds some — a
/// worker taking them a few at a time pulls the inbox's line away from the producer on every take,
/// and the producer's next CAS must pull it back: both sides then move at the line's hop time
/// (~200 ns here), one item per hop. So a worker whose takes keep finding short runs pauses a
/// little before the next one, doubling up to a cap while runs stay short; an empty take (a
/// ping-pong, a sparse stream: nothing to batch) ends the pauses, and long runs shrink them.
class TakeBatching {
public:
    void before_take() const noexcept {
        for (unsigned i = 0; i < pauses_; ++i) {
            cpu_pause();
        }
    }
    void after_take(std::size_t count) noexcept {
        if (count == 0 || (count == 1 && pauses_ >= fruitless)) {
            // Nothing to batch, or a pause that gathered nothing: the items are not streaming in
            // from another thread (a ping-pong, or this worker putting its own next item — a
            // serial queue's pump onto `native`): pausing only delays them.
            pauses_ = 0;
        } else if (count < enough) {
            pauses_ = std::min(max_pauses, std::max(1U, pauses_ * 2));
        } else {
            pauses_ /= 2;
        }
    }

private:
    static constexpr std::size_t enough = 32;
    static constexpr unsigned fruitless = 8;  // ~120 ns of pausing here
    static constexpr unsigned max_pauses = 64;
    unsigned pauses_ = 0;
};

}  // namespace wq::detail
