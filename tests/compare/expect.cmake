# Runs scripts/compare on two fixtures and checks its exit status and one line of its output.
#   cmake -DPYTHON=... -DCOMPARE=... -DBASE=... -DNEW=... -DEXPECT_CODE=N -DEXPECT_OUTPUT=regex
#         [-DEXTRA=arg] -P expect.cmake
execute_process(COMMAND "${PYTHON}" "${COMPARE}" "${BASE}" "${NEW}" ${EXTRA}
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT code STREQUAL "${EXPECT_CODE}")
  message(FATAL_ERROR "scripts/compare exited with ${code}, expected ${EXPECT_CODE}")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT_OUTPUT}")
  message(FATAL_ERROR "scripts/compare's output does not match '${EXPECT_OUTPUT}'")
endif()
