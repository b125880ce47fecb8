// bench/calibration.cpp — the calibration engines as the run's context lists them.
#include "calibration.hpp"

namespace wq::bench {

std::string calibration_engines_json() {
    std::string json = "[";
    CalibrationEngines::for_each([&]<class EngineT>() {
        constexpr BackendTraits traits = detail::traits_of<EngineT>;
        json += json.size() > 1 ? "," : "";
        json += R"({"name":")" + std::string(traits.name) + R"(","delay_ns":)" +
                std::to_string(EngineT::delay_ns) + R"(,"description":")" +
                std::string(traits.description) + R"("})";
    });
    return json + "]";
}

}  // namespace wq::bench
