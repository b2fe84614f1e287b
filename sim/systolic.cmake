# fmalab systolic: the SystemC model of an output-stationary systolic array (sim/systolic.*), the
# command (sim/cmd_systolic.cpp) and its test. Debian's libsystemc-dev ships no CMake package, so
# the library and header are found directly; without them the command says so (exit 2).
find_library(FMALAB_SYSTEMC_LIBRARY systemc)
find_path(FMALAB_SYSTEMC_INCLUDE_DIR systemc.h)
target_sources(fmalab PRIVATE ${CMAKE_CURRENT_LIST_DIR}/cmd_systolic.cpp)
if(FMALAB_SYSTEMC_LIBRARY AND FMALAB_SYSTEMC_INCLUDE_DIR)
  target_sources(fmalab PRIVATE ${CMAKE_CURRENT_LIST_DIR}/systolic.cpp)
  target_include_directories(fmalab PRIVATE ${FMALAB_SYSTEMC_INCLUDE_DIR})
  target_link_libraries(fmalab PRIVATE ${FMALAB_SYSTEMC_LIBRARY})
  # Debian builds libsystemc as C++17: its headers check the API version by C++ standard, so the
  # one file that includes them asks for the library's (fmalab itself is C++20).
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/systolic.cpp PROPERTIES COMPILE_DEFINITIONS SC_CPLUSPLUS=201703L)
else()
  message(WARNING "SystemC not found (Debian: libsystemc-dev): fmalab systolic is left out")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cmd_systolic.cpp PROPERTIES COMPILE_DEFINITIONS FMALAB_NO_SYSTEMC)
endif()

if(BUILD_TESTING AND FMALAB_SYSTEMC_LIBRARY AND FMALAB_SYSTEMC_INCLUDE_DIR)
  # test_systolic.py runs under Debian's python3 (numpy) whatever Python3_EXECUTABLE is.
  add_test(NAME Systolic.Cli COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/test_systolic.py $<TARGET_FILE:fmalab>)
  set_tests_properties(Systolic.Cli PROPERTIES TIMEOUT 300)
endif()
