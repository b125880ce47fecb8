// wq/detail/backend_list.hpp — a compile-time list of back-end classes and what every user of the
// list needs: whether one can run here, and a visit of each in registry order. The build's own
// list is wq/backend_list.hpp, generated from the wq_backend() lines of CMakeLists.txt; the
// registry (make_engine), the benchmarks and wq_icount all walk it.
#pragma once

#include "wq/engine.hpp"

#include <string>
#include <string_view>

namespace wq::detail {

/// A back-end this build leaves out (its wq_backend_not_built() line): listed by the catalogue as
/// unavailable, with why.
struct NotBuilt {
    std::string_view name;
    std::string_view description;
    std::string_view reason;
};

/// Back-end E's facts; each back-end's specialisation is generated from its wq_backend() line.
template <class E>
inline constexpr BackendTraits traits_of{};

template <class... Engines>
struct BackendList {
    static constexpr std::size_t size = sizeof...(Engines);

    /// Calls visit.template operator()<E>() for each back-end class E, in registry order.
    template <class Visit>
    static void for_each(Visit&& visit) {
        (visit.template operator()<Engines>(), ...);
    }
};

/// Empty when back-end E can run on this machine, else why not (a back-end that may be missing
/// at run time declares `static std::string unavailable_reason()`).
template <class E>
std::string unavailable_reason() {
    if constexpr (requires { E::unavailable_reason(); }) {
        return E::unavailable_reason();
    } else {
        return {};
    }
}

}  // namespace wq::detail
