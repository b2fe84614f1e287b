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

std::string case_name(const testing::TestParamInfo<Case>& i) {
  return i.param.unit + (i.param.arch ? "_booth4" : "_array");
}

std::vector<unsigned> modes_of(const rtl::UnitInfo& info) {
  return info.has_rnd ? std::vector<unsigned>{0, 1, 2, 3, 4} : std::vector<unsigned>{0};
}

Unit model_unit(const rtl::UnitInfo& info) {
  std::string why;
  return *parse_unit(info.model, &why);
}

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

std::vector<Case> all_cases() {
  std::vector<Case> c;
  for (const auto& u : rtl::units())
    for (int arch : {0, 1}) c.push_back({u.name, arch});
  return c;
}

INSTANTIATE_TEST_SUITE_P(Rtl, CosimUnit, testing::ValuesIn(all_cases()), case_name);

// A one-bit fault planted in a stage of fma_e4m3_bf16 (FAULT_STAGE/FAULT_BIT, see CMakeLists) must
// make the cosimulation fail and name that stage, and only that stage, as the first to differ.
TEST(CosimFault, ReportsThePlantedStage) {
  const rtl::UnitInfo& info = *rtl::find_unit("fma_e4m3_bf16");
  const std::pair<int, const char*> planted[] = {{2, "multiply"}, {3, "align"}, {6, "round"}};
  const auto vecs = generate_vectors(model_unit(info), 200000, 12345, vector_classes(), {0, 1, 2, 3, 4});
  for (const auto& [stage, name] : planted) {
    auto rtl = rtl::make_faulty_unit(stage);
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
