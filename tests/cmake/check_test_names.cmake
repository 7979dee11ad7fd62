# Fails if a Catch2 test name would be split or mangled by CTest: catch_discover_tests stores
# names in CMake lists (';' and unbalanced '[' ']' break them, silently merging many tests
# into one), and passes them back to Catch2 as filters (',' separates filters, '\' escapes).
#   cmake -DPROGRAM=<odesynth_tests> -P check_test_names.cmake
execute_process(COMMAND "${PROGRAM}" --list-test-names-only OUTPUT_VARIABLE names
                RESULT_VARIABLE rc)
# Catch2 v2 exits with the number of tests listed, so only an empty list is an error.
if(names STREQUAL "")
  message(FATAL_ERROR "${PROGRAM} --list-test-names-only listed nothing (exit code ${rc})")
endif()
string(REGEX MATCHALL "[^\n]*[][;,\\][^\n]*" bad "${names}")
if(bad)
  message(FATAL_ERROR "test names with characters CTest cannot pass through ([ ] ; , \\):\n  ${bad}")
endif()
string(REGEX MATCHALL "\n" lines "${names}")
list(LENGTH lines count)
message(STATUS "${count} test names are safe for CTest")
