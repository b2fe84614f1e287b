# The peers make bench measures fmalab beside (tests/bench/bench_peers.cpp), from the source archives at
# FMALAB_PEERS (../shared/peers by default; its README names them). They are unpacked into the build
# directory and never linked into fmalab. A missing archive leaves its rows out, and bench_peers says so.
set(FMALAB_PEERS "$ENV{FMALAB_PEERS}" CACHE PATH "Folder of the peer source archives (SoftFloat, ac_types, universal)")
if(NOT FMALAB_PEERS)
  set(FMALAB_PEERS "${CMAKE_SOURCE_DIR}/../shared/peers")
endif()
set(PEER_DIR ${CMAKE_BINARY_DIR}/peers)

# The newest archive matching GLOB at FMALAB_PEERS, unpacked once into PEER_DIR; OUT is the folder it
# holds (TOP), or empty when there is no such archive.
function(fmalab_peer out glob top)
  file(GLOB archives "${FMALAB_PEERS}/${glob}")
  set(${out} "" PARENT_SCOPE)
  if(NOT archives)
    message(STATUS "bench_peers: no ${glob} at ${FMALAB_PEERS}; its rows are skipped")
    return()
  endif()
  list(SORT archives)
  list(GET archives -1 archive)
  if(NOT EXISTS ${PEER_DIR}/${top})
    file(ARCHIVE_EXTRACT INPUT ${archive} DESTINATION ${PEER_DIR})
  endif()
  set(${out} ${PEER_DIR}/${top} PARENT_SCOPE)
endfunction()

fmalab_peer(SOFTFLOAT_DIR "berkeley-softfloat-3-*.tar.gz" berkeley-softfloat-3)
fmalab_peer(AC_TYPES_DIR "ac_types-*.tar.gz" ac_types)
fmalab_peer(UNIVERSAL_DIR "universal-*.tar.gz" universal)

add_executable(bench_peers bench/bench_peers.cpp)
target_include_directories(bench_peers PRIVATE ${CMAKE_SOURCE_DIR})
target_link_libraries(bench_peers PRIVATE fmalab_model)

if(SOFTFLOAT_DIR)
  # SoftFloat's own Makefile, RISC-V specialization (canonical NaN, as fmalab), run in the build tree.
  set(sf_build ${PEER_DIR}/softfloat-build)
  add_custom_command(OUTPUT ${sf_build}/softfloat.a
                     COMMAND ${CMAKE_COMMAND} -E copy_directory ${SOFTFLOAT_DIR}/build/Linux-x86_64-GCC ${sf_build}
                     COMMAND make -C ${sf_build} SPECIALIZE_TYPE=RISCV SOURCE_DIR=${SOFTFLOAT_DIR}/source softfloat.a
                     COMMENT "Building the SoftFloat 3e peer" VERBATIM)
  add_custom_target(softfloat_peer DEPENDS ${sf_build}/softfloat.a)
  add_dependencies(bench_peers softfloat_peer)
  target_include_directories(bench_peers SYSTEM PRIVATE ${SOFTFLOAT_DIR}/source/include)
  target_link_libraries(bench_peers PRIVATE ${sf_build}/softfloat.a)
  target_compile_definitions(bench_peers PRIVATE FMALAB_HAVE_SOFTFLOAT)
endif()
if(AC_TYPES_DIR)
  target_include_directories(bench_peers SYSTEM PRIVATE ${AC_TYPES_DIR}/include)
  target_compile_definitions(bench_peers PRIVATE FMALAB_HAVE_AC_TYPES)
endif()
if(UNIVERSAL_DIR)
  target_include_directories(bench_peers SYSTEM PRIVATE ${UNIVERSAL_DIR}/include/sw)
  target_compile_definitions(bench_peers PRIVATE FMALAB_HAVE_UNIVERSAL)
endif()
