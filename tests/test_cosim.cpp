// Every RTL unit, with either multiplier, against the golden model: every (a, b) pair with the
// corner addends in every rounding mode, then random vectors of every class with a printed seed.
// The expected values come from the golden model, which test_fma checks against MPFR.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

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
  return info.has_rnd() ? std::vector<unsigned>{0, 1, 2, 3, 4} : std::vector<unsigned>{0};
}

class CosimUnit : public testing::TestWithParam<Case> {};

TEST_P(CosimUnit, EveryPairWithCornerAddendsEveryMode) {
  const rtl::UnitInfo& info = *rtl::find_unit(GetParam().unit);
  auto rtl = rtl::make_unit(info.name, GetParam().arch);
  Cosim cosim(info, *rtl, stdout, 10);
  const auto vecs = sweep_vectors(cosim.model(0), modes_of(info));
  if (vecs.empty()) GTEST_SKIP() << "operands too wide to sweep (a dot product): CornerRowsEveryMode covers the unit";
  ASSERT_GT(vecs.size(), 65536u);
  CosimReport rep;
  cosim.run(vecs, rep);
  EXPECT_EQ(rep.failed, 0u);
  EXPECT_EQ(rep.passed, vecs.size());
  std::printf("[ checked  ] %zu vectors\n", vecs.size());
}

// Units whose operands are too many to sweep (dot products: 2K + 1 operands): rows of every
// corner class of the operation (all but "random": specials over the row, zeros of both signs,
// subnormals, max-magnitude products, cancellation to zero and to subnormals, one huge term,
// terms at the window's edge, clustered exponents), 20k per class in every mode.
TEST_P(CosimUnit, CornerRowsEveryMode) {
  const rtl::UnitInfo& info = *rtl::find_unit(GetParam().unit);
  auto rtl = rtl::make_unit(info.name, GetParam().arch);
  Cosim cosim(info, *rtl, stdout, 10);
  const Operation& op = cosim.model(0);
  if (!sweep_vectors(op, {0}).empty()) GTEST_SKIP() << "swept whole by EveryPairWithCornerAddendsEveryMode";
  std::vector<std::string> classes;
  for (const auto& c : op.vector_classes())
    if (c != "random") classes.push_back(c);
  ASSERT_FALSE(classes.empty());
  const size_t n = 20000 * classes.size() * modes_of(info).size();
  const auto vecs = generate_vectors(op, n, test::seed_for(info.name, 0xc0u), classes, modes_of(info));
  CosimReport rep;
  cosim.run(vecs, rep);
  EXPECT_EQ(rep.failed, 0u);
  EXPECT_EQ(rep.passed, n);
  for (const auto& [stage, count] : rep.first_stage) std::printf("[ mismatch ] first differing stage %s: %llu\n", stage.c_str(), static_cast<unsigned long long>(count));
  std::printf("[ checked  ] %zu rows\n", n);
}

TEST_P(CosimUnit, RandomVectorsOfEveryClass) {
  const rtl::UnitInfo& info = *rtl::find_unit(GetParam().unit);
  auto rtl = rtl::make_unit(info.name, GetParam().arch);
  Cosim cosim(info, *rtl, stdout, 10);
  const size_t n = static_cast<size_t>(1000000 * test::random_scale());
  // Streamed in chunks: make regress runs 100M vectors per unit without holding them.
  const Operation& op = cosim.model(0);
  VectorStream stream(op, test::seed_for(info.name, 0x5eed0000u + info.name.size()), op.vector_classes(),
                      modes_of(info));
  VectorBatch chunk(op.signature().operand_words(), size_t{1} << 20);
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

// The RTL packs its stage words as sim/stage_words.hpp lays them out: on every vector, every stage
// the vector goes through has the model's value in the RTL's word (results equal or not), so the
// one description and the SV cannot drift apart unnoticed.
TEST_P(CosimUnit, StageWordsAgree) {
  const rtl::UnitInfo& info = *rtl::find_unit(GetParam().unit);
  auto rtl = rtl::make_unit(info.name, GetParam().arch);
  Cosim cosim(info, *rtl);
  const Operation& op = cosim.model(0);
  const auto vecs = generate_vectors(op, 100000, test::seed_for(info.name, 0x57a6e5u), op.vector_classes(), modes_of(info));
  std::string first;
  EXPECT_EQ(cosim.stage_disagreements(vecs, &first), 0u) << first;
}

INSTANTIATE_TEST_SUITE_P(Rtl, CosimUnit, testing::ValuesIn(all_cases()), case_name);

// Ports map to the model's fields by name and width: a unit whose registry row names a port the
// operation lacks, or leaves an operand without a port, is refused with the port named.
TEST(Cosim, RefusesPortsThatDoNotMatchTheModel) {
  rtl::UnitInfo info = *rtl::find_unit("fma_e4m3_fp32");
  auto rtl = rtl::make_unit(info.name, 0);
  rtl::UnitInfo wrong = info;
  wrong.in[2].bits = 16;  // c is 32 bits in fma:e4m3:fp32
  try {
    Cosim c(wrong, *rtl);
    FAIL() << "a 16-bit c port was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("c:16"), std::string::npos) << e.what();
  }
  wrong = info;
  wrong.in.erase(wrong.in.begin() + 1);  // no b port
  try {
    Cosim c(wrong, *rtl);
    FAIL() << "a unit without a b port was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("b has no port"), std::string::npos) << e.what();
  }
}

// A mismatch names the differing stage's fields (from stage_words.hpp), not raw words.
TEST(CosimFault, NamesTheDifferingFields) {
  size_t index = 0;
  while (index < rtl::fault_builds().size() && rtl::fault_builds()[index].stage != 3) ++index;  // align
  ASSERT_LT(index, rtl::fault_builds().size());
  const rtl::UnitInfo& info = *rtl::find_unit(rtl::fault_builds()[index].unit);
  auto rtl = rtl::make_fault_build(index);
  char* text = nullptr;
  size_t size = 0;
  std::FILE* log = open_memstream(&text, &size);
  Cosim cosim(info, *rtl, log, 1);
  CosimReport rep;
  cosim.run(generate_vectors(cosim.model(0), 20000, 3, cosim.model(0).vector_classes(), modes_of(info)), rep);
  std::fclose(log);
  const std::string line(text ? text : "");
  std::free(text);
  ASSERT_GT(rep.failed, 0u);
  EXPECT_NE(line.find("first-differing-stage=align aligned_addend: value model=0x"), std::string::npos) << line;
  EXPECT_NE(line.find(" a=0x"), std::string::npos) << line;
}

// A one-bit fault planted in a stage (the fault builds of rtl/units.json, FMALAB_FAULTS) must make
// the cosimulation fail and name that stage, and only that stage, as the first to differ.
TEST(CosimFault, ReportsThePlantedStage) {
  const char* const stage_names[] = {"none", "unpack", "multiply", "align", "add", "normalize", "round", "pack"};
  ASSERT_FALSE(rtl::fault_builds().empty());
  for (size_t i = 0; i < rtl::fault_builds().size(); ++i) {
    const rtl::FaultBuild& fault = rtl::fault_builds()[i];
    const rtl::UnitInfo& info = *rtl::find_unit(fault.unit);
    const char* const name = stage_names[fault.stage];
    auto rtl = rtl::make_fault_build(i);
    ASSERT_NE(rtl, nullptr);
    Cosim cosim(info, *rtl, stdout, 2);
    const auto vecs = generate_vectors(cosim.model(0), 200000, 12345, cosim.model(0).vector_classes(), modes_of(info));
    CosimReport rep;
    cosim.run(vecs, rep);
    EXPECT_GT(rep.failed, 0u) << name;
    ASSERT_EQ(rep.first_stage.size(), 1u) << name;
    EXPECT_EQ(rep.first_stage.begin()->first, name);
  }
}

}  // namespace
}  // namespace fmalab
