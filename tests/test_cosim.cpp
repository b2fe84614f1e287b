// Every RTL unit, with either multiplier, against the golden model: every (a, b) pair with the
// corner addends in every rounding mode, then random vectors of every class with a printed seed.
// The expected values come from the golden model, which test_fma checks against MPFR.
#include <gtest/gtest.h>

#include "sim/cosim.hpp"
#include "test_support.hpp"

namespace fmalab {
namespace {

struct Case {
  std::string unit;
  int arch;
};

// How ctest lists a case (instead of "40-byte object <...>").
void PrintTo(const Case& c, std::ostream* os) { *os << c.unit << " " << rtl::variants().at(c.arch); }

std::string case_name(const testing::TestParamInfo<Case>& i) {
  return i.param.unit + "_" + rtl::variants().at(i.param.arch);
}

std::vector<unsigned> modes_of(const rtl::UnitInfo& info) {
  return info.has_rnd ? std::vector<unsigned>{0, 1, 2, 3, 4} : std::vector<unsigned>{0};
}

FmaShape model_unit(const rtl::UnitInfo& info) { return test::fma_shape(info.model); }

class CosimUnit : public testing::TestWithParam<Case> {};

TEST_P(CosimUnit, EveryPairWithCornerAddendsEveryMode) {
  const rtl::UnitInfo& info = *rtl::find_unit(GetParam().unit);
  auto rtl = rtl::make_unit(info.name, GetParam().arch);
  Cosim cosim(info, *rtl, stdout, 10);
  const auto vecs = pair_corner_vectors(model_unit(info), modes_of(info));
  ASSERT_GT(vecs.size(), 65536u);
  CosimReport rep;
  cosim.run(vecs, rep);
  EXPECT_EQ(rep.failed, 0u);
  EXPECT_EQ(rep.passed, vecs.size());
  std::printf("[ checked  ] %zu vectors\n", vecs.size());
}

TEST_P(CosimUnit, RandomVectorsOfEveryClass) {
  const rtl::UnitInfo& info = *rtl::find_unit(GetParam().unit);
  auto rtl = rtl::make_unit(info.name, GetParam().arch);
  Cosim cosim(info, *rtl, stdout, 10);
  const size_t n = static_cast<size_t>(1000000 * test::random_scale());
  // Streamed in chunks: make regress runs 100M vectors per unit without holding them.
  VectorStream stream(model_unit(info), test::seed_for(info.name, 0x5eed0000u + info.name.size()), vector_classes(),
                      modes_of(info));
  std::vector<Vector> chunk(size_t{1} << 20);
  CosimReport rep;
  for (size_t done = 0; done < n; done += chunk.size()) {
    chunk.resize(std::min(chunk.size(), n - done));
    stream.next(chunk);
    cosim.run(chunk, rep);
  }
  EXPECT_EQ(rep.failed, 0u);
  EXPECT_EQ(rep.passed, n);
}

// Every unit of rtl/units.json in every variant it is built in.
std::vector<Case> all_cases() {
  std::vector<Case> c;
  for (const auto& u : rtl::units())
    for (int arch = 0; arch < static_cast<int>(rtl::variants().size()); ++arch)
      if (rtl::make_unit(u.name, arch)) c.push_back({u.name, arch});
  return c;
}

INSTANTIATE_TEST_SUITE_P(Rtl, CosimUnit, testing::ValuesIn(all_cases()), case_name);

// A one-bit fault planted in a stage (the fault builds of rtl/units.json, FMALAB_FAULTS) must make
// the cosimulation fail and name that stage, and only that stage, as the first to differ.
TEST(CosimFault, ReportsThePlantedStage) {
  const char* const stage_names[] = {"none", "unpack", "multiply", "align", "add", "normalize", "round", "pack"};
  ASSERT_FALSE(rtl::fault_builds().empty());
  for (size_t i = 0; i < rtl::fault_builds().size(); ++i) {
    const rtl::FaultBuild& fault = rtl::fault_builds()[i];
    const rtl::UnitInfo& info = *rtl::find_unit(fault.unit);
    const char* const name = stage_names[fault.stage];
    const auto vecs = generate_vectors(model_unit(info), 200000, 12345, vector_classes(), modes_of(info));
    auto rtl = rtl::make_fault_build(i);
    ASSERT_NE(rtl, nullptr);
    Cosim cosim(info, *rtl, stdout, 2);
    CosimReport rep;
    cosim.run(vecs, rep);
    EXPECT_GT(rep.failed, 0u) << name;
    ASSERT_EQ(rep.first_stage.size(), 1u) << name;
    EXPECT_EQ(rep.first_stage.begin()->first, name);
  }
}

}  // namespace
}  // namespace fmalab
