// The cosimulation: RTL unit and golden model on the same vectors, result and flags compared;
// on a mismatch, the first datapath stage whose value differs.
#pragma once

#include <cstdio>
#include <map>
#include <span>
#include <string>

#include "rtl_units.hpp"
#include "vectors.hpp"

namespace fmalab {

struct CosimReport {
  uint64_t passed = 0, failed = 0;
  std::map<std::string, uint64_t> first_stage;  // mismatches by the first stage that differs
};

class Cosim {
 public:
  // `log` gets one line per mismatch, up to max_lines of them.
  Cosim(const rtl::UnitInfo& info, rtl::Unit& rtl, std::FILE* log = nullptr, uint64_t max_lines = 20);
  void run(std::span<const Vector> vectors, CosimReport& report);

 private:
  std::string first_difference(const Vector& v, std::string* detail);

  const rtl::UnitInfo& info_;
  rtl::Unit& rtl_;
  FmaShape unit_;
  std::vector<FmaKernel> kernels_;  // per rounding mode
  std::FILE* log_;
  uint64_t max_lines_;
};

}  // namespace fmalab
