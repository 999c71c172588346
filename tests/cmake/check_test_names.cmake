# ctest runs each doctest case by name; CMake splits a name at ';' (its list separator), so
# a case named with ';' silently runs nothing under ctest. This check fails on such a name.
# cmake -DTESTS_DIR=<tests/> -P check_test_names.cmake
file(GLOB_RECURSE sources "${TESTS_DIR}/*.cpp")
set(bad "")
foreach(source IN LISTS sources)
  file(READ "${source}" text)
  # Out of CMake's way first: ';' would split every list below.
  string(REPLACE ";" "<semicolon>" text "${text}")
  string(REGEX MATCHALL "TEST_CASE[A-Z_]*\\([^\"]*\"[^\"]*\"" names "${text}")
  foreach(name IN LISTS names)
    if(name MATCHES "<semicolon>")
      string(REPLACE "<semicolon>" ";" name "${name}")
      list(APPEND bad "${source}: ${name}")
    endif()
  endforeach()
endforeach()
if(bad)
  list(JOIN bad "\n" text)
  message(FATAL_ERROR "test names must not contain ';' (ctest would run nothing):\n${text}")
endif()
