// The registry: every back-end this build has, one line each. Adding a back-end is its own file
// plus one line in `backends` below.
#include "wq/build_config.hpp"
#include "wq/engine.hpp"
#include "wq/mpmc_engine.hpp"
#include "wq/mutex_engine.hpp"
#if WQ_HAVE_TBB
#include "wq/tbb_engine.hpp"
#endif
#if WQ_HAVE_IOCP
#include "wq/iocp_engine.hpp"
#endif
#if WQ_HAVE_MFPLAT
#include "wq/mfplat_engine.hpp"
#endif

#include <stdexcept>

namespace wq {
namespace {

struct Backend {
    std::string_view name;
    std::string_view description;
    /// Empty when the back-end can run on this machine, else why not (checked at each call).
    std::string (*unavailable_reason)();
    std::unique_ptr<Engine> (*make)(const Options&);
    bool parks_observable = true;
};

std::string always_available() {
    return {};
}

template <class Concrete>
std::unique_ptr<Engine> make(const Options& options) {
    return std::make_unique<Concrete>(options);
}

constexpr Backend backends[] = {
    {MutexEngine::backend_name, "std::mutex + condition_variable deque (the reference)",
     &always_available, &make<MutexEngine>},
    {MpmcEngine::backend_name, "moodycamel::ConcurrentQueue, workers spin then park",
     &always_available, &make<MpmcEngine>},
#if WQ_HAVE_IOCP
    {IocpEngine::backend_name,
     WQ_OS_WINDOWS ? "completion port: native IOCP"
                   : "completion port: io_uring with IOCP semantics",
     &IocpEngine::unavailable_reason, &make<IocpEngine>},
#endif
#if WQ_HAVE_MFPLAT
    {MfplatEngine::backend_name, "Media Foundation platform work queue (MFPutWorkItemEx)",
     &always_available, &make<MfplatEngine>, /*parks_observable=*/false},
#endif
#if WQ_HAVE_TBB
    {TbbEngine::backend_name, "oneTBB task_arena::enqueue", &always_available, &make<TbbEngine>,
     /*parks_observable=*/false},
#endif
};

std::string known_names() {
    std::string names;
    for (const Backend& backend : backends) {
        names += names.empty() ? "" : ", ";
        names += backend.name;
    }
    return names;
}

}  // namespace

std::vector<BackendInfo> backend_catalogue() {
    std::vector<BackendInfo> catalogue;
    for (const Backend& backend : backends) {
        std::string reason = backend.unavailable_reason();
        const bool available = reason.empty();
        catalogue.push_back(BackendInfo{std::string(backend.name), std::string(backend.description),
                                        available, std::move(reason), backend.parks_observable});
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
        if (backend.name != name) {
            continue;
        }
        if (std::string reason = backend.unavailable_reason(); !reason.empty()) {
            throw std::runtime_error("wq: back-end '" + std::string(name) +
                                     "' is not available here: " + reason);
        }
        return backend.make(options);
    }
    throw std::invalid_argument("wq: unknown back-end '" + std::string(name) +
                                "'; this build has: " + known_names());
}

}  // namespace wq
