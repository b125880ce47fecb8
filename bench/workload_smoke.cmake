# Runs wq_bench --wq_workload for each spec in WORKLOADS (a list), once each, briefly, then checks
# the JSON: workload/<b>/<suffix> for every back-end and spec, with its counters.
set(args "")
set(suffixes "")
foreach(spec IN LISTS WORKLOADS)
  list(APPEND args "--wq_workload=${spec}")
  # producers:2,workers:2,work_ns:200,rate:20000,batch:4,sends:800 -> producers:2/.../batch:4
  string(REGEX REPLACE ",sends:[0-9]+" "" suffix "${spec}")
  string(REPLACE "," "/" suffix "${suffix}")
  list(APPEND suffixes "${suffix}")
endforeach()
execute_process(COMMAND "${BENCH}" ${args} --benchmark_min_time=0.01 "--benchmark_out=${OUT}"
                        --benchmark_out_format=json
                RESULT_VARIABLE run_result OUTPUT_QUIET)
if(NOT run_result EQUAL 0)
  message(FATAL_ERROR "wq_bench exited with ${run_result}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E env "PYTHONPATH=${SCRIPTS}"
                        "${PYTHON}" -m wqbench check "${OUT}" --workload ${suffixes}
                RESULT_VARIABLE check_result)
if(NOT check_result EQUAL 0)
  message(FATAL_ERROR "workload results do not match the documented names and counters")
endif()
