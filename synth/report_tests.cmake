# The design-space report's tests (issue 17): `fmalab accuracy` against independent computations, and
# the report rendered in headless Chromium. Included from the top-level CMakeLists.txt after CTest.
if(BUILD_TESTING)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  add_test(NAME Report.AccuracyCounts
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/test_accuracy.py $<TARGET_FILE:fmalab>)
  # A report from a fixture (seconds), and the main job's build/report again via --from-json when it
  # exists (about a minute: accuracy re-measured for every unit); no synthesis either way.
  add_test(NAME Report.Browser
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/test_report_browser.py $<TARGET_FILE:fmalab>
                   ${CMAKE_BINARY_DIR}/report)
  set_tests_properties(Report.Browser PROPERTIES TIMEOUT 600)
endif()
