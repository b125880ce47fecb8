// The registry: every back-end of this build, taken from the one list (wq/backend_list.hpp,
// generated from the wq_backend() lines of CMakeLists.txt). Nothing here names a back-end.
#include "wq/backend_list.hpp"
#include "wq/engine.hpp"

#include <array>
#include <stdexcept>

namespace wq {
namespace {

struct Backend {
    BackendTraits traits;
    /// Empty when the back-end can run on this machine, else why not (checked at each call).
    std::string (*unavailable_reason)();
    std::unique_ptr<Engine> (*make)(const Options&);
};

template <class Concrete>
std::unique_ptr<Engine> make(const Options& options) {
    return std::make_unique<Concrete>(options);
}

template <class... Engines>
constexpr std::array<Backend, sizeof...(Engines)> table(detail::BackendList<Engines...> /*list*/) {
    return {Backend{detail::traits_of<Engines>, &detail::unavailable_reason<Engines>,
                    &make<Engines>}...};
}

constexpr auto backends = table(detail::Backends{});

std::string known_names() {
    std::string names;
    for (const Backend& backend : backends) {
        names += names.empty() ? "" : ", ";
        names += backend.traits.name;
    }
    return names;
}

std::string not_built_reason(const detail::NotBuilt& left_out) {
    return "not in this build: " + std::string(left_out.reason);
}

}  // namespace

std::vector<BackendInfo> backend_catalogue() {
    std::vector<BackendInfo> catalogue;
    for (const Backend& backend : backends) {
        std::string reason = backend.unavailable_reason();
        const bool available = reason.empty();
        catalogue.push_back(
            BackendInfo{std::string(backend.traits.name), std::string(backend.traits.description),
                        available, std::move(reason), std::string(backend.traits.idle_wait),
                        backend.traits.owns_threads, backend.traits.parks_observable,
                        backend.traits.pins_workers, backend.traits.put_allocates,
                        backend.traits.one_worker_fifo, backend.traits.producer_fifo,
                        backend.traits.event_items, backend.traits.workers_bound_callbacks});
    }
    for (const detail::NotBuilt& left_out : detail::not_built) {
        BackendInfo info;
        info.name = left_out.name;
        info.description = left_out.description;
        info.unavailable_reason = not_built_reason(left_out);
        catalogue.push_back(std::move(info));
    }
    return catalogue;
}

std::vector<std::string> available_backends() {
    std::vector<std::string> names;
    for (const BackendInfo& info : backend_catalogue()) {
        if (info.available) {
            names.push_back(info.name);
        }
    }
    return names;
}

std::unique_ptr<Engine> make_engine(std::string_view name, const Options& options) {
    for (const Backend& backend : backends) {
        if (backend.traits.name != name) {
            continue;
        }
        if (std::string reason = backend.unavailable_reason(); !reason.empty()) {
            throw std::runtime_error("wq: back-end '" + std::string(name) +
                                     "' is not available here: " + reason);
        }
        return backend.make(options);
    }
    for (const detail::NotBuilt& left_out : detail::not_built) {
        if (left_out.name == name) {
            throw std::runtime_error("wq: back-end '" + std::string(name) +
                                     "' is not available here: " + not_built_reason(left_out));
        }
    }
    throw std::invalid_argument("wq: unknown back-end '" + std::string(name) +
                                "'; this build has: " + known_names());
}

}  // namespace wq
