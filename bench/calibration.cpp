// bench/calibration.cpp — the calibration engines as the run's context lists them.
#include "calibration.hpp"

namespace wq::bench {

std::string calibration_engines_json() {
    std::string json = "[";
    CalibrationEngines::for_each([&]<class EngineT>() {
        constexpr BackendTraits traits = detail::traits_of<EngineT>;
        json += json.size() > 1 ? "," : "";
        json += "{\"name\":\"" + std::string(traits.name) +
                "\",\"delay_ns\":" + std::to_string(EngineT::delay_ns) + ",\"description\":\"" +
                std::string(traits.description) + "\"}";
    });
    return json + "]";
}

}  // namespace wq::bench
