# The DPI-C view of the golden model (README: DPI-C): libfmalab_dpi.so, the `import "DPI-C"`
# package sim/fmalab_dpi.svh, and Verilator testbenches generated per RTL unit (sim/dpi_tb.py) that
# check the unit against the library on its vectors, as a UVM scoreboard would.

# One self-contained library: the model's PIC objects inside, compiled against svdpi.h alone so any
# simulator can load it. Only the fmalab_* C functions are exported: the model's C++ symbols stay
# private and cannot clash with a simulator's own.
set(FMALAB_SVDPI_DIR ${VERILATOR_ROOT}/include/vltstd)
set(FMALAB_DPI_EXPORTS ${CMAKE_BINARY_DIR}/generated/fmalab_dpi.map)
file(CONFIGURE OUTPUT ${FMALAB_DPI_EXPORTS} CONTENT "{\n  global: fmalab_*;\n  local: *;\n};\n")
add_library(fmalab_dpi SHARED sim/fmalab_dpi.cpp sim/vectors.cpp $<TARGET_OBJECTS:fmalab_objects>)
target_include_directories(fmalab_dpi PRIVATE ${CMAKE_SOURCE_DIR} ${FMALAB_INCLUDE_DIR} ${FMALAB_SVDPI_DIR})
target_link_libraries(fmalab_dpi PRIVATE quadmath)
target_link_options(fmalab_dpi PRIVATE -Wl,--version-script=${FMALAB_DPI_EXPORTS})
set_property(TARGET fmalab_dpi APPEND PROPERTY LINK_DEPENDS ${FMALAB_DPI_EXPORTS})

install(TARGETS fmalab_dpi LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${CMAKE_SOURCE_DIR}/sim/fmalab_dpi.svh DESTINATION ${CMAKE_INSTALL_DATADIR}/fmalab)

# The tests (README: DPI-C): for every RTL unit, its generated testbench Verilated against the
# library (Dpi.Build.UNIT) and run on 100k vectors of the `random` class and of every class
# (Dpi.UNIT.random, Dpi.UNIT.all); two planted mismatches (the model opened with options the unit
# does not implement) that must be reported; and the functions' own test (Dpi.Api: error paths,
# trace, one-shot and batch evaluation against `fmalab eval`).
if(BUILD_TESTING)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  find_program(FMALAB_VERILATOR verilator REQUIRED)
  set(FMALAB_DPI_WORK ${CMAKE_BINARY_DIR}/dpi_test)
  foreach(i RANGE ${FMALAB_LAST_UNIT})
    fmalab_json(unit units ${i} name)
    add_test(NAME Dpi.Build.${unit}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/sim/dpi_tb.py --fmalab $<TARGET_FILE:fmalab>
                     --unit ${unit} --out ${FMALAB_DPI_WORK} --build --dpi $<TARGET_FILE:fmalab_dpi>
                     --verilator ${FMALAB_VERILATOR})
    # The build compiles on two cores (verilator -j 2).
    set_tests_properties(Dpi.Build.${unit} PROPERTIES FIXTURES_SETUP dpi_${unit} PROCESSORS 2 TIMEOUT 300)
    foreach(classes random all)
      add_test(NAME Dpi.${unit}.${classes}
               COMMAND ${FMALAB_DPI_WORK}/${unit}/tb_${unit} +vectors=100000 +seed=1 +classes=${classes})
      set_tests_properties(Dpi.${unit}.${classes} PROPERTIES FIXTURES_REQUIRED dpi_${unit} TIMEOUT 120)
    endforeach()
  endforeach()

  # A wrong option on the model side must show as mismatches and a failing run: the harness can
  # fail. The run must both end nonzero ($fatal, which Verilator ends by abort(), so through sh:
  # ctest counts a signal as a failure whatever it expects) and print the scoreboard's verdict.
  set(planted "fma_e4m3_fp32:ftz_in=1" "dot16_e4m3_fp32:preset=exact")
  foreach(p ${planted})
    string(REPLACE ":" ";" p ${p})
    list(GET p 0 unit)
    list(GET p 1 options)
    add_test(NAME Dpi.PlantedMismatch.${unit}
             COMMAND sh -c "\"$0\" \"$@\" > planted_${unit}.log 2>&1; s=$?; cat planted_${unit}.log; [ $s -ne 0 ] && grep -q 'tb_${unit}: FAIL: [1-9][0-9]* of 20000 vectors mismatch' planted_${unit}.log"
                     ${FMALAB_DPI_WORK}/${unit}/tb_${unit} +vectors=20000 +seed=2 +options=${options}
             WORKING_DIRECTORY ${FMALAB_DPI_WORK})
    set_tests_properties(Dpi.PlantedMismatch.${unit} PROPERTIES FIXTURES_REQUIRED dpi_${unit} TIMEOUT 120)
  endforeach()

  set(FMALAB_DPI_API ${FMALAB_DPI_WORK}/api)
  add_test(NAME Dpi.Build.Api
           COMMAND ${FMALAB_VERILATOR} --binary -j 2 --top-module dpi_api_tb --Mdir ${FMALAB_DPI_API} -o dpi_api_tb
                   ${CMAKE_SOURCE_DIR}/sim/fmalab_dpi.svh ${CMAKE_SOURCE_DIR}/sim/dpi_api_tb.sv
                   $<TARGET_FILE:fmalab_dpi> -LDFLAGS -Wl,-rpath,$<TARGET_FILE_DIR:fmalab_dpi>)
  set_tests_properties(Dpi.Build.Api PROPERTIES FIXTURES_SETUP dpi_api PROCESSORS 2 TIMEOUT 300)
  # It writes its scratch files (the CLI's input and output) in its working directory.
  add_test(NAME Dpi.Api COMMAND ${FMALAB_DPI_API}/dpi_api_tb +fmalab=$<TARGET_FILE:fmalab>
           WORKING_DIRECTORY ${FMALAB_DPI_API})
  set_tests_properties(Dpi.Api PROPERTIES FIXTURES_REQUIRED dpi_api TIMEOUT 120)
endif()
