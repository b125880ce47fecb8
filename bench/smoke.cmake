# ctest's benchmark smoke runs: wq_bench once, briefly, then `python3 -m wqbench check` on the
# JSON it wrote (names and counters from bench/scenarios.json, back-ends from the run's own
# catalogue). Timings are not looked at.
#   -DBENCH -DOUT -DPYTHON -DSCRIPTS [-DEMULATOR: what runs BENCH, Wine for a Windows build], and
#   either
#   -DPEERS=a,b,...        the full suite; these peer queues must have run
#   "-DWORKLOADS=spec;..." wq_bench --wq_workload=spec for each; workload/<b>/<suffix>, nothing else
#   -DCALIBRATION=1        the calibration engines alone: each ran, and a delay shows as one
if(DEFINED WORKLOADS)
  set(args "")
  set(check --workload)
  foreach(spec IN LISTS WORKLOADS)
    list(APPEND args "--wq_workload=${spec}")
    # producers:2,workers:2,work_ns:200,rate:20000,batch:4,sends:800 -> producers:2/.../batch:4
    string(REGEX REPLACE ",sends:[0-9]+" "" suffix "${spec}")
    string(REPLACE "," "/" suffix "${suffix}")
    list(APPEND check "${suffix}")
  endforeach()
elseif(DEFINED CALIBRATION)
  # The calibration engines alone, long enough for a steady median (bench/calibration.hpp).
  set(args "--benchmark_filter=/inline")
  set(min_time 0.2)
  set(check --calibration)
else()
  set(args --wq_full)
  set(check --peers "${PEERS}")
endif()
if(NOT DEFINED min_time)
  set(min_time 0.01)
endif()
# The progress lines (one per benchmark, on stderr) are kept out of the test's output, so that a
# failure's own lines are what a truncated log still shows: the last of them are printed then.
execute_process(COMMAND ${EMULATOR} "${BENCH}" ${args} --benchmark_min_time=${min_time} "--benchmark_out=${OUT}"
                        --benchmark_out_format=json
                RESULT_VARIABLE run_result OUTPUT_QUIET ERROR_VARIABLE run_stderr)
if(NOT run_result EQUAL 0)
  string(REGEX REPLACE "\n$" "" run_stderr "${run_stderr}")
  string(REPLACE "\n" ";" run_lines "${run_stderr}")
  list(LENGTH run_lines count)
  if(count GREATER 30)
    math(EXPR first "${count} - 30")
    list(SUBLIST run_lines ${first} 30 run_lines)
  endif()
  list(JOIN run_lines "\n  " tail)
  message(FATAL_ERROR "wq_bench exited with ${run_result}; the last lines it wrote:\n  ${tail}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E env "PYTHONPATH=${SCRIPTS}"
                        "${PYTHON}" -m wqbench check "${OUT}" ${check}
                RESULT_VARIABLE check_result)
if(NOT check_result EQUAL 0)
  message(FATAL_ERROR "benchmark results do not match bench/scenarios.json's names and counters")
endif()
