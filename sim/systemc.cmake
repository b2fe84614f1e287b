# The SystemC cosimulation (fmalab cosim UNIT --systemc): every RTL unit of rtl/units.json Verilated
# with --sc once (the first variant it is built in, with its stage-value port), wrapped from the
# registry with no per-unit code (sim/sc_units.cpp; the table generated here into
# ${FMALAB_GEN_DIR}/sc_units_table.inc the way CMakeLists.txt generates rtl_units_table.inc), and a
# testbench of sc_modules (sim/sc_cosim.cpp). Included by CMakeLists.txt; skipped without SystemC.
find_path(SYSTEMC_INCLUDEDIR NAMES systemc.h HINTS ENV SYSTEMC_INCLUDE ENV SYSTEMC_ROOT PATH_SUFFIXES include)
find_library(SYSTEMC_LIBRARY NAMES systemc HINTS ENV SYSTEMC_LIBDIR ENV SYSTEMC_ROOT PATH_SUFFIXES lib)
if(NOT SYSTEMC_INCLUDEDIR OR NOT SYSTEMC_LIBRARY)
  message(STATUS "SystemC not found: fmalab cosim --systemc is left out")
  return()
endif()

# The C++ standard libsystemc was built for: its headers check it (sc_api_version_2_3_4_cxx<N>),
# and Debian's 2.3.4 is C++17, while fmalab is C++20.
file(STRINGS ${SYSTEMC_LIBRARY} _sc_api REGEX "sc_api_version_[0-9_]+cxx[0-9]+L" LIMIT_COUNT 1)
if(_sc_api MATCHES "cxx([0-9]+)L")
  set(FMALAB_SC_CPLUSPLUS ${CMAKE_MATCH_1}L)
else()
  set(FMALAB_SC_CPLUSPLUS 201703L)
endif()

add_library(fmalab_sc STATIC sim/sc_units.cpp sim/sc_cosim.cpp)
target_include_directories(fmalab_sc PUBLIC ${SYSTEMC_INCLUDEDIR} PRIVATE ${FMALAB_GEN_DIR})
target_compile_definitions(fmalab_sc PUBLIC SC_CPLUSPLUS=${FMALAB_SC_CPLUSPLUS})
target_link_libraries(fmalab_sc PUBLIC fmalab_cosim ${SYSTEMC_LIBRARY})
# Generated models need no cross-module inlining: without LTO the fmalab link stays short.
set_target_properties(fmalab_sc PROPERTIES INTERPROCEDURAL_OPTIMIZATION OFF)

# fmalab_sc_signals(CODE UNIT_INDEX PREFIX): a Signals struct per unit (see sc_units_table.inc.in).
function(fmalab_sc_signals code i prefix)
  set(decls "")
  set(binds "")
  foreach(direction in out)
    string(JSON n LENGTH "${FMALAB_UNITS_JSON}" units ${i} ${direction})
    math(EXPR last "${n} - 1")
    foreach(k RANGE ${last})
      fmalab_json(port units ${i} ${direction} ${k})
      string(REGEX REPLACE ":.*" "" pname "${port}")
      string(APPEND decls "      Signal<decltype(V::${pname})> ${pname}{\"${pname}\"};\n")
      string(APPEND binds "    v.${pname}(m.${pname});\n")
    endforeach()
  endforeach()
  string(APPEND decls "      Signal<decltype(V::stages)> stages{\"stages\"};\n")
  string(APPEND binds "    v.stages(m.stages);\n")
  fmalab_ports(drive in_ports ${i} in put)
  fmalab_ports(read out_ports ${i} out get)
  set(${code} "struct Ports_${prefix} {\n  template <class V>\n  struct Signals {\n    struct {\n${decls}    } m;\n"
      "  void bind(V& v) {\n${binds}  }\n  void drive(const uint64_t* w) {\n${drive}  }\n"
      "  void read(uint64_t* w) const {\n${read}  }\n  };\n};\n\n" PARENT_SCOPE)
endfunction()

set(SC_INCLUDES "")
set(SC_PORTS "")
set(SC_ROWS "")
set(FMALAB_SC_UNITS "")
foreach(i RANGE ${FMALAB_LAST_UNIT})
  fmalab_json(name units ${i} name)
  fmalab_json_default(top ${name} units ${i} top)
  fmalab_params(row_params units ${i} params)
  # The first variant the unit is built in (a row's own "variants" list restricts it, as in CMakeLists.txt).
  string(JSON unit_variants ERROR_VARIABLE no_variant_list GET "${FMALAB_UNITS_JSON}" units ${i} variants)
  set(variant "")
  foreach(v ${FMALAB_VARIANTS})
    if(no_variant_list OR unit_variants MATCHES "\"${v}\"")
      set(variant ${v})
      break()
    endif()
  endforeach()
  if(NOT variant)
    message(FATAL_ERROR "rtl/units.json: units ${i} (${name}) is built in no variant")
  endif()
  fmalab_params(variant_params variants ${variant})
  set(prefix Vsc_${name})
  verilate(fmalab_sc SYSTEMC SOURCES rtl/${FMALAB_PACKAGE} rtl/${top}.sv TOP_MODULE ${top} PREFIX ${prefix}
           OPT_FAST -O2 VERILATOR_ARGS ${VERILATE_ARGS} ${variant_params} ${row_params})
  fmalab_sc_signals(ports ${i} ${name})
  string(APPEND SC_PORTS "${ports}")
  string(APPEND SC_INCLUDES "#include \"${prefix}.h\"\n")
  string(APPEND SC_ROWS "      {\"${name}\", \"${variant}\", &make<${prefix}, Ports_${name}>},\n")
  list(APPEND FMALAB_SC_UNITS ${name})
endforeach()

# One planted-fault build (rtl/units.json faults[0]), for the testbench's own test.
set(SC_FAULT_ROWS "")
if(FMALAB_FAULT_COUNT GREATER 0)
  fmalab_json(unit faults 0 unit)
  fmalab_json(stage faults 0 stage)
  fmalab_json(bit faults 0 bit)
  list(FIND FMALAB_SC_UNITS ${unit} at)
  fmalab_json_default(top ${unit} units ${at} top)
  fmalab_params(row_params units ${at} params)
  set(prefix Vsc_fault_${unit}_s${stage}_b${bit})
  verilate(fmalab_sc SYSTEMC SOURCES rtl/${FMALAB_PACKAGE} rtl/${top}.sv TOP_MODULE ${top} PREFIX ${prefix}
           OPT_FAST -O2 VERILATOR_ARGS ${VERILATE_ARGS} ${row_params} +define+FMALAB_FAULTS
           +define+FMALAB_FAULT_STAGE=${stage} +define+FMALAB_FAULT_BIT=${bit})
  string(APPEND SC_INCLUDES "#include \"${prefix}.h\"\n")
  string(APPEND SC_FAULT_ROWS "      {{\"${unit}\", ${stage}, ${bit}}, &make<${prefix}, Ports_${unit}>},\n")
endif()
configure_file(sim/sc_units_table.inc.in ${FMALAB_GEN_DIR}/sc_units_table.inc @ONLY)

# fmalab_rtl already carries the Verilator runtime (verilated.cpp, ...; the same code with or without
# --sc): a second copy here would only risk duplicate symbols in the fmalab link.
get_target_property(_sc_sources fmalab_sc SOURCES)
list(FILTER _sc_sources EXCLUDE REGEX "/include/verilated[a-z_]*\\.cpp$")
set_property(TARGET fmalab_sc PROPERTY SOURCES ${_sc_sources})

target_link_libraries(fmalab PRIVATE fmalab_sc)
target_compile_definitions(fmalab PRIVATE FMALAB_SYSTEMC=1)

if(BUILD_TESTING)
  # Per unit: 100k vectors over every vector class (the corner cases of each and the random ones), in
  # every mode its rnd takes; all 19 together take seconds.
  foreach(name ${FMALAB_SC_UNITS})
    add_test(NAME SystemC.${name} COMMAND fmalab cosim ${name} --systemc --count 100000 --seed 7)
    set_tests_properties(SystemC.${name} PROPERTIES PASS_REGULAR_EXPRESSION "(^|\n)100000 passed, 0 failed" TIMEOUT 120)
  endforeach()
  # The testbench must fail on a planted fault and name its stage (tests/test_sc_cosim.cpp).
  find_package(GTest)
  if(FMALAB_FAULT_COUNT GREATER 0 AND GTest_FOUND)
    add_executable(test_sc_cosim tests/test_sc_cosim.cpp)
    target_link_libraries(test_sc_cosim PRIVATE fmalab_sc GTest::gtest GTest::gtest_main)
    set_target_properties(test_sc_cosim PROPERTIES INTERPROCEDURAL_OPTIMIZATION OFF)
    add_test(NAME SystemC.FaultNamesItsStage COMMAND test_sc_cosim)
    set_tests_properties(SystemC.FaultNamesItsStage PROPERTIES TIMEOUT 120)
  endif()
endif()
