// Helpers shared by the tests: seeds that are printed, and mismatch reporting.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>

#include "model/op_fma.hpp"

namespace fmalab::test {

// The formats of an FMA-family unit by name (fma:IN:ACC, mac:int8), for the vector and cosim tools.
inline FmaShape fma_shape(const std::string& unit) {
  std::string why;
  const auto op = make_operation(unit, Options{}, &why);
  if (!op || !as_fma(*op)) throw std::runtime_error(unit + ": " + why);
  return as_fma(*op)->shape();
}

// FMALAB_SEED overrides the default so a failure seen elsewhere can be replayed.
inline uint64_t seed_for(const std::string& what, uint64_t fallback) {
  const char* env = std::getenv("FMALAB_SEED");
  const uint64_t s = env ? std::strtoull(env, nullptr, 0) : fallback;
  std::printf("[ seed     ] %s: FMALAB_SEED=0x%llx\n", what.c_str(), static_cast<unsigned long long>(s));
  return s;
}

// FMALAB_RANDOM_SCALE multiplies the random counts (make regress).
inline long random_scale() {
  const char* s = std::getenv("FMALAB_RANDOM_SCALE");
  return s ? std::max(1L, std::strtol(s, nullptr, 10)) : 1;
}

inline std::string hexs(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace fmalab::test
