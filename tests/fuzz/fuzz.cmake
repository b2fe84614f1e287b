# Fuzz targets (tests/fuzz/fuzz_<target>.cpp, each an LLVMFuzzerTestOneInput) for the parsers of
# outside input: unit names, vector lines, vector files, .npy files.
#  - Every build with tests: fuzz_replay_<target>, the target with a main that runs it over its seed
#    corpus and its crash inputs (tests/fuzz/corpus/<target>/, tests/fuzz/crashes/<target>/), as
#    ctest Fuzz.Replay.<target>: an input that once crashed stays a regression test.
#  - -DFMALAB_FUZZ=ON with clang (and -DFMALAB_SANITIZE=ON: no GCC-style LTO): fuzz_<target>,
#    libFuzzer executables under ASan + UBSan, for `make fuzz`. They need the model and a few sim/
#    files only; the RTL registry is replaced by an empty one (tests/fuzz/no_rtl_units.cpp).
# Every tests/fuzz/fuzz_<name>.cpp is a target: a new one is a file (and its corpus), not an edit here.
file(GLOB _fuzz_sources RELATIVE ${CMAKE_SOURCE_DIR}/tests/fuzz CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_*.cpp)
list(TRANSFORM _fuzz_sources REPLACE "^fuzz_(.*)\\.cpp$" "\\1" OUTPUT_VARIABLE FMALAB_FUZZ_TARGETS)
set(FMALAB_FUZZ_DIR ${CMAKE_SOURCE_DIR}/tests/fuzz)
set(FMALAB_FUZZ_SIM sim/cli_io.cpp sim/vector_file.cpp sim/npy.cpp sim/cmd_eval.cpp)

if(FMALAB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "FMALAB_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(NOT FMALAB_SANITIZE)
    message(FATAL_ERROR "FMALAB_FUZZ needs -DFMALAB_SANITIZE=ON (ASan + UBSan, and no GCC-style LTO)")
  endif()
  # Clang does not search GCC's own include directory, where libquadmath's header lives; a copy of
  # that one header, not the directory (whose intrinsics headers would shadow clang's).
  execute_process(COMMAND gcc -print-file-name=include OUTPUT_VARIABLE _gcc_include OUTPUT_STRIP_TRAILING_WHITESPACE)
  file(COPY ${_gcc_include}/quadmath.h DESTINATION ${CMAKE_BINARY_DIR}/quadmath)
  target_include_directories(fmalab_objects SYSTEM PRIVATE ${CMAKE_BINARY_DIR}/quadmath)
  # Coverage feedback from the code under test, not only from the targets.
  target_compile_options(fmalab_objects PRIVATE -fsanitize=fuzzer-no-link)
  add_library(fmalab_fuzz_sim STATIC ${FMALAB_FUZZ_SIM} sim/vectors.cpp tests/fuzz/no_rtl_units.cpp)
  target_link_libraries(fmalab_fuzz_sim PUBLIC fmalab_model)
  target_compile_options(fmalab_fuzz_sim PRIVATE -fsanitize=fuzzer-no-link)
  foreach(t ${FMALAB_FUZZ_TARGETS})
    add_executable(fuzz_${t} tests/fuzz/fuzz_${t}.cpp)
    target_link_libraries(fuzz_${t} PRIVATE fmalab_fuzz_sim)
    target_compile_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
  endforeach()
  add_custom_target(fuzz_targets)
  list(TRANSFORM FMALAB_FUZZ_TARGETS PREPEND fuzz_ OUTPUT_VARIABLE _fuzz_exes)
  add_dependencies(fuzz_targets ${_fuzz_exes})
elseif(BUILD_TESTING)
  # Linked without LTO: the model's objects are fat, and the replays gain nothing from it.
  add_library(fmalab_fuzz_sim STATIC ${FMALAB_FUZZ_SIM})
  target_link_libraries(fmalab_fuzz_sim PUBLIC fmalab_model fmalab_cosim)
  set_target_properties(fmalab_fuzz_sim PROPERTIES INTERPROCEDURAL_OPTIMIZATION OFF)
  foreach(t ${FMALAB_FUZZ_TARGETS})
    add_executable(fuzz_replay_${t} tests/fuzz/fuzz_${t}.cpp tests/fuzz/replay_main.cpp)
    target_link_libraries(fuzz_replay_${t} PRIVATE fmalab_fuzz_sim)
    set_target_properties(fuzz_replay_${t} PROPERTIES INTERPROCEDURAL_OPTIMIZATION OFF)
    add_test(NAME Fuzz.Replay.${t} COMMAND fuzz_replay_${t} ${FMALAB_FUZZ_DIR}/corpus/${t} ${FMALAB_FUZZ_DIR}/crashes/${t})
  endforeach()
endif()
