# fmalab regress: sharded, resumable regression campaigns (sim/cmd_regress.cpp, sim/regress.cpp).
target_sources(fmalab PRIVATE sim/cmd_regress.cpp sim/regress.cpp)

if(BUILD_TESTING)
  if(NOT Python3_EXECUTABLE)
    find_package(Python3 REQUIRED COMPONENTS Interpreter)
  endif()
  foreach(t ShardsEqual ResumeAfterKill Junit BadInput)
    add_test(NAME Regress.${t} COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/test_regress.py $<TARGET_FILE:fmalab> ${t})
    set_tests_properties(Regress.${t} PROPERTIES TIMEOUT 300)
  endforeach()
endif()
