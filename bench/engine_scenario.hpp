// bench/engine_scenario.hpp — what the engine scenarios (bench/scenarios/*.cpp) share, one header
// per kind of thing: how a scenario gets its engine (engine_source.hpp), the CPU clocks
// (cpu_clocks.hpp), exactly-once tallies and round signals (exactly_once.hpp), the shared ping-pong
// and stream loops and latency counters (shared_loops.hpp), and the open-loop iterations
// (open_loop_run.hpp). A scenario includes this, or only the parts it uses.
#pragma once

#include "cpu_clocks.hpp"
#include "engine_source.hpp"
#include "exactly_once.hpp"
#include "open_loop_run.hpp"
#include "shared_loops.hpp"
