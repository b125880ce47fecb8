# ctest backend.one_line: the test-only `fifo` back-end (tests/backend/), registered by its one
# wq_backend() line when WQ_TEST_BACKEND is on, goes everywhere a back-end goes, with no other
# edit: a scratch build of this source tree with the option on, then
#   1. the conformance suite passes for it;
#   2. wq_bench runs it in every engine scenario, and `python3 -m wqbench check` (the rules of
#      bench/scenarios.json, the back-ends of the run's own catalogue) accepts the run;
#   3. scripts/report draws it in every plot that draws back-ends;
# and the scratch build leaves tbb out (-DWQ_WITH_TBB=OFF, its wq_backend_not_built() line), so
#   4. the catalogue still lists tbb, unavailable, with the reason: the tests skip it saying so,
#      and the run's context carries it.
# Arguments: -DSOURCE -DSCRATCH -DGENERATOR -DCXX -DBUILD_TYPE -DPYTHON -DREPORT_PYTHON
function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${what} failed (${result}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

run_step("configure with -DWQ_TEST_BACKEND=ON"
  ${CMAKE_COMMAND} -S ${SOURCE} -B ${SCRATCH} -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DWQ_TEST_BACKEND=ON -DWQ_WITH_TBB=OFF)
run_step("build" ${CMAKE_COMMAND} --build ${SCRATCH} --target wq_conformance wq_bench)

run_step("conformance suite for fifo"
  ${SCRATCH}/tests/wq_conformance --gtest_filter=*/fifo --gtest_brief=1)
if(NOT step_output MATCHES "PASSED  \\] [1-9][0-9]* test")
  message(FATAL_ERROR "conformance for fifo ran no test:\n${step_output}")
endif()

set(not_built "not in this build: configured with WQ_WITH_TBB=OFF")
run_step("conformance suite for tbb, left out"
  ${SCRATCH}/tests/wq_conformance --gtest_filter=*/tbb --gtest_brief=0)
if(NOT step_output MATCHES "wq: back-end unavailable: ${not_built}")
  message(FATAL_ERROR "the tests did not skip the left-out tbb with its reason:\n${step_output}")
endif()

set(results ${SCRATCH}/one_line.json)
run_step("wq_bench (default suite, tiny minimum time)"
  ${SCRATCH}/bench/wq_bench --benchmark_min_time=0.01 --benchmark_out=${results}
    --benchmark_out_format=json)
run_step("the smoke check"
  ${CMAKE_COMMAND} -E env PYTHONPATH=${SOURCE}/scripts ${PYTHON} -m wqbench check ${results})
if(NOT step_output MATCHES "back-ends \\([^)]*fifo")
  message(FATAL_ERROR "the check did not count fifo among the run's back-ends:\n${step_output}")
endif()
file(READ ${results} json)
string(JSON catalogue GET "${json}" context wq.backend_catalogue)
if(NOT catalogue MATCHES "\"name\":\"tbb\"[^}]*\"available\":false[^}]*${not_built}")
  message(FATAL_ERROR "the run's catalogue does not list tbb as left out:\n${catalogue}")
endif()

set(page ${SCRATCH}/one_line.html)
run_step("scripts/report" ${CMAKE_COMMAND} -E env PYTHONPATH=${SOURCE}/scripts
  ${REPORT_PYTHON} -m wqbench report -o ${page} ${results})
file(READ ${page} html)
string(REGEX MATCHALL "data-series='[^']*'" plots "${html}")
set(drawn 0)
foreach(plot IN LISTS plots)
  if(plot MATCHES "mutex")  # a plot of back-ends (the first registered one is in each)
    if(NOT plot MATCHES "fifo")
      message(FATAL_ERROR "a plot of back-ends leaves fifo out: ${plot}")
    endif()
    math(EXPR drawn "${drawn} + 1")
  endif()
endforeach()
if(drawn LESS 3)
  message(FATAL_ERROR "only ${drawn} plots of back-ends in the report")
endif()
message(STATUS "fifo: conformance passed, every engine scenario ran and checked, drawn in ${drawn} plots")
