# The design-space report's tests (issue 17): `fmalab accuracy` against independent computations, and
# the report rendered in headless Chromium. Included from the top-level CMakeLists.txt after CTest.
if(BUILD_TESTING)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  add_test(NAME Report.AccuracyCounts
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/test_accuracy.py $<TARGET_FILE:fmalab>)
endif()
