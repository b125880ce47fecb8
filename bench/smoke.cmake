# Runs every benchmark once, briefly, then checks the JSON it wrote.
execute_process(COMMAND "${BENCH}" --wq_full --benchmark_min_time=0.01 "--benchmark_out=${OUT}"
                        --benchmark_out_format=json
                RESULT_VARIABLE run_result OUTPUT_QUIET)
if(NOT run_result EQUAL 0)
  message(FATAL_ERROR "wq_bench exited with ${run_result}")
endif()
# The check takes the back-ends from the run's own catalogue and the rules from bench/scenarios.json.
execute_process(COMMAND "${CMAKE_COMMAND}" -E env "PYTHONPATH=${SCRIPTS}"
                        "${PYTHON}" -m wqbench check "${OUT}" --peers "${PEERS}"
                RESULT_VARIABLE check_result)
if(NOT check_result EQUAL 0)
  message(FATAL_ERROR "benchmark results do not match the documented names and counters")
endif()
