# Runs every benchmark once, briefly, then checks the JSON it wrote.
execute_process(COMMAND "${BENCH}" --wq_full --benchmark_min_time=0.01 "--benchmark_out=${OUT}"
                        --benchmark_out_format=json
                RESULT_VARIABLE run_result OUTPUT_QUIET)
if(NOT run_result EQUAL 0)
  message(FATAL_ERROR "wq_bench exited with ${run_result}")
endif()
execute_process(COMMAND "${PYTHON}" "${CHECK}" "${OUT}" "${BACKENDS}" "${PEERS}" RESULT_VARIABLE check_result)
if(NOT check_result EQUAL 0)
  message(FATAL_ERROR "benchmark results do not match the documented names and counters")
endif()
