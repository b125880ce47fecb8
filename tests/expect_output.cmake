# Runs a command and checks its exit status and that its output (stdout and stderr) matches a
# regular expression.
#   cmake -DCOMMAND=prog "-DARGS=a;b;c" -DCODE=N -DEXPECT=regex -P expect_output.cmake
execute_process(COMMAND "${COMMAND}" ${ARGS}
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT code STREQUAL "${CODE}")
  message(FATAL_ERROR "${COMMAND} ${ARGS} exited with ${code}, expected ${CODE}")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "the output does not match '${EXPECT}'")
endif()
