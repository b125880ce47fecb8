# Installs the wqbench build in WQ_BUILD_DIR into a scratch prefix, then builds and runs the consumer
# project against it. Any failing step fails the test with the step's output.
file(REMOVE_RECURSE "${WQ_SCRATCH}")
set(prefix "${WQ_SCRATCH}/prefix")
set(build "${WQ_SCRATCH}/build")

function(step description)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "consumer test: ${description} failed (${result}):\n${out}\n${err}")
  endif()
  message(STATUS "${description}: ok\n${out}")
endfunction()

step("install wqbench" ${CMAKE_COMMAND} --install "${WQ_BUILD_DIR}" --prefix "${prefix}")
step("configure consumer" ${CMAKE_COMMAND} -S "${WQ_CONSUMER_SOURCE}" -B "${build}"
     -G "${WQ_GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_COMPILER=${WQ_CXX_COMPILER}"
     "-DCMAKE_CXX_FLAGS=${WQ_CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${WQ_LINKER_FLAGS}"
     "-DCMAKE_BUILD_TYPE=${WQ_BUILD_TYPE}")
step("build consumer" ${CMAKE_COMMAND} --build "${build}")
step("run consumer" "${build}/wq_consumer")
