// The SystemC testbench must catch a planted fault (rtl/units.json faults[0], Verilated --sc with
// FMALAB_FAULTS) and name the stage it was planted in as the first to differ, in its report and in
// its mismatch lines. One test: a SystemC simulation runs once per process.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim/sc_cosim.hpp"

namespace fmalab {
namespace {

TEST(SystemCFault, NamesThePlantedStage) {
  // fmalab_pkg::stage_e, written out here rather than taken from the code under test.
  const char* const stage_names[] = {"none", "unpack", "multiply", "align", "add", "normalize", "round", "pack"};
  const rtl::FaultBuild* fault = sc_fault_unit();
  ASSERT_NE(fault, nullptr);
  ASSERT_GE(fault->stage, 1);
  ASSERT_LE(fault->stage, 7);
  const std::string stage = stage_names[fault->stage];
  const rtl::UnitInfo& info = *rtl::find_unit(fault->unit);
  const UnitBinding binding(info);
  std::vector<unsigned> modes = {0};
  if (info.has_rnd()) modes = {0, 1, 2, 3, 4};
  bool given = false;
  const VectorSupply next = [&](VectorBatch& chunk) {
    if (given) return false;
    chunk = generate_vectors(binding.model(0), 200000, 12345, binding.model(0).vector_classes(), modes);
    return given = true;
  };
  char* text = nullptr;
  size_t size = 0;
  std::FILE* log = open_memstream(&text, &size);
  CosimReport rep;
  sc_cosim(info, next, {.log = log, .max_lines = 2, .fault = true}, rep);
  std::fclose(log);
  const std::string lines(text ? text : "");
  std::free(text);
  EXPECT_EQ(rep.passed + rep.failed, 200000u);
  EXPECT_GT(rep.failed, 0u);
  ASSERT_EQ(rep.first_stage.size(), 1u) << lines;
  EXPECT_EQ(rep.first_stage.begin()->first, stage);
  EXPECT_NE(lines.find("MISMATCH " + info.name + " a=0x"), std::string::npos) << lines;
  EXPECT_NE(lines.find("first-differing-stage=" + stage + " "), std::string::npos) << lines;
}

}  // namespace
}  // namespace fmalab
