// dot:IN:ACC:K under the GPU presets against the measured tensor cores: every vector Khattak and
// Mikaitis measured on V100, A100, A2, RTX 1000 Ada, L40S, H100, H200 and B200 (5000 per GPU, input
// and output format; north-numerical-computing/MATLAB-tensor-core@b12b5a7, model_validation/, BSD-2;
// shipped as tests/data/tensor_cores/vectors.tar.xz, see its README.md) must come out bit for bit.
// The expected values are the GPUs' own results, not the model's.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "model/op_dot.hpp"
#include "model/operation.hpp"

namespace fmalab {
namespace {

std::unique_ptr<Operation> dot_op(const std::string& unit, const std::string& preset, Round mode = Round::RNE) {
  Options o;
  o.preset = preset;
  o.mode = mode;
  std::string why;
  auto op = make_operation(unit, o, &why);
  if (!op) throw std::runtime_error(why);
  return op;
}

struct DataSet {
  std::string unit, preset, gpu;
  size_t vectors = 0, mismatches = 0;
  std::string first;
};

// Every data set of the archive: the files come out of `tar -xJO` one after another, each starting
// with its `// fmalab-vectors 2 unit=... preset=...` header.
std::vector<DataSet> run_archive(const std::string& archive) {
  std::vector<DataSet> sets;
  const std::string cmd = "tar -xJOf '" + archive + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return sets;
  std::unique_ptr<Operation> op;
  std::vector<uint64_t> words, result(1);
  char buf[1 << 16];
  while (std::fgets(buf, sizeof buf, pipe.get())) {
    std::string line(buf);
    if (line.rfind("// fmalab-vectors 2", 0) == 0) {
      DataSet d;
      std::istringstream in(line.substr(19));
      for (std::string tok; in >> tok;) {
        const size_t eq = tok.find('=');
        const std::string k = tok.substr(0, eq), v = tok.substr(eq + 1);
        if (k == "unit") d.unit = v;
        if (k == "preset") d.preset = v;
        if (k == "gpu") d.gpu = v;
      }
      op = dot_op(d.unit, d.preset);
      words.resize(op->signature().operand_words());
      sets.push_back(d);
      continue;
    }
    if (!op || line.find_first_not_of(" \n") == std::string::npos) continue;
    std::istringstream in(line);
    for (auto& w : words) in >> std::hex >> w;
    uint64_t want = 0;
    in >> std::hex >> want;
    op->eval(words, result);
    DataSet& d = sets.back();
    ++d.vectors;
    if (result[0] != want && d.mismatches++ == 0) {
      char msg[96];
      std::snprintf(msg, sizeof msg, "vector %zu: model 0x%llx, GPU 0x%llx", d.vectors,
                    static_cast<unsigned long long>(result[0]), static_cast<unsigned long long>(want));
      d.first = msg;
    }
  }
  return sets;
}

TEST(Dot, PresetsReproduceTheMeasuredGpus) {
  const auto sets = run_archive(FMALAB_TC_DATA);
  // 48 data sets: every GPU x input x output format of the upstream model_validation/.
  ASSERT_EQ(sets.size(), 48u) << "tests/data/tensor_cores/vectors.tar.xz (tar and xz must be installed)";
  std::map<std::string, std::pair<size_t, size_t>> by_preset;
  for (const auto& d : sets) {
    std::printf("[ gpu      ] %-6s %-22s %5zu vectors, %zu mismatches\n", d.preset.c_str(), d.unit.c_str(), d.vectors,
                d.mismatches);
    EXPECT_EQ(d.vectors, 5000u) << d.preset << " " << d.unit;
    EXPECT_EQ(d.mismatches, 0u) << d.preset << " " << d.unit << ": " << d.first;
    by_preset[d.preset].first += d.vectors;
    by_preset[d.preset].second += d.mismatches;
  }
  for (const auto& [p, n] : by_preset)
    std::printf("[ preset   ] %-6s %6zu vectors, %zu mismatches\n", p.c_str(), n.first, n.second);
}

// 69 small rows that each isolate one rule (window and truncation, unnormalised products, min_exp,
// negative neab, block chaining, the FP8 mma.sync path, NaN/Inf, overflow, MI300), with the expected
// codes from the independent Python model (tests/data/tensor_cores/examples.txt).
TEST(Dot, HandCheckedExamples) {
  std::ifstream in(FMALAB_TC_EXAMPLES);
  ASSERT_TRUE(in) << FMALAB_TC_EXAMPLES;
  size_t checked = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream f(line.substr(0, line.find('#')));
    std::string preset, unit, a, b, c, y;
    f >> preset >> unit >> a >> b >> c >> y;
    const auto op = dot_op(unit, preset);
    const size_t k = op->signature().operands[0].count;
    std::vector<uint64_t> words(2 * k + 1, 0);
    for (const auto& [spec, base] : {std::pair{a, size_t{0}}, {b, k}}) {
      if (spec == "-") continue;
      std::istringstream items(spec);
      for (std::string item; std::getline(items, item, ',');)
        words[base + std::stoul(item.substr(0, item.find(':')))] = std::stoull(item.substr(item.find(':') + 1), nullptr, 16);
    }
    words[2 * k] = std::stoull(c, nullptr, 16);
    uint64_t got = 0;
    op->eval(words, std::span(&got, 1));
    EXPECT_EQ(got, std::stoull(y, nullptr, 16)) << line;
    ++checked;
  }
  EXPECT_EQ(checked, 69u);
}

// The rules the measured rows do not reach (they hold no NaN or Inf), by hand.
TEST(Dot, SpecialsAreDecidedOverTheWholeRow) {
  const auto op = dot_op("dot:fp16:fp32:4", "h100");
  const auto run = [&](std::vector<uint64_t> in) {
    uint64_t y = 0;
    op->eval(in, std::span(&y, 1));
    return y;
  };
  // fp16: 0x3c00 = 1, 0x7c00 = +Inf, 0xfc00 = -Inf, 0x7e00 = NaN; c fp32.
  EXPECT_EQ(run({0x7c00, 0x3c00, 0, 0, 0x3c00, 0x3c00, 0, 0, 0}), 0x7f800000u);            // +Inf * 1
  EXPECT_EQ(run({0x7c00, 0xfc00, 0, 0, 0x3c00, 0x3c00, 0, 0, 0}), 0x7fffffffu);            // +Inf + -Inf: NaN
  EXPECT_EQ(run({0x7c00, 0x3c00, 0, 0, 0, 0x3c00, 0, 0, 0}), 0x7fffffffu);                 // Inf * 0: NaN
  EXPECT_EQ(run({0x3c00, 0, 0, 0, 0x3c00, 0, 0, 0, 0xff800000}), 0xff800000u);             // c = -Inf
  EXPECT_EQ(run({0x7e00, 0, 0, 0, 0x3c00, 0, 0, 0, 0}), 0x7fffffffu);                      // NaN operand
  EXPECT_EQ(run({0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00, 0}), 0x40800000u);  // 4
  // A row of zeros is +0 on the GPU presets.
  EXPECT_EQ(run({0x8000, 0, 0, 0, 0x3c00, 0, 0, 0, 0x80000000}), 0u);
}

// The H100 FP8 -> fp32 window: about 14 bits below the largest product, cut without sticky and
// rounded toward zero; exact rounds 1 + 2^-20 to nearest.
TEST(Dot, TheH100Fp8WindowDropsWhatExactKeeps) {
  // e4m3: 0x38 = 1, 0x08 = 2^-6 (x 2^-6 = 2^-12 product), 0x01 = 2^-9 (smallest subnormal).
  std::vector<uint64_t> in(65, 0);
  in[0] = 0x38, in[32] = 0x38;  // 1 * 1
  in[1] = 0x01, in[33] = 0x01;  // 2^-18: below the 14-bit window of the H100, kept by exact
  uint64_t y = 0;
  dot_op("dot:e4m3:fp32:32", "h100")->eval(in, std::span(&y, 1));
  EXPECT_EQ(y, 0x3f800000u);
  dot_op("dot:e4m3:fp32:32", "exact")->eval(in, std::span(&y, 1));
  EXPECT_EQ(y, 0x3f800020u);  // 1 + 2^-18 = 1 + 32 ulps, exact in fp32
}

// --dot changes one parameter of a preset: a wider window keeps the 2^-18 product the H100 drops.
TEST(Dot, ParametersChangeOneAtATime) {
  std::vector<uint64_t> in(65, 0);
  in[0] = 0x38, in[32] = 0x38, in[1] = 0x01, in[33] = 0x01;  // 1 + 2^-18
  Options o;
  o.preset = "h100";
  o.dot = "neab=0";
  std::string why;
  auto op = make_operation("dot:e4m3:fp32:32", o, &why);
  ASSERT_NE(op, nullptr) << why;
  uint64_t y = 0;
  op->eval(in, std::span(&y, 1));
  EXPECT_EQ(y, 0x3f800020u);
  EXPECT_EQ(static_cast<const DotOperation&>(*op).params().neab, 0);
  EXPECT_EQ(static_cast<const DotOperation&>(*op).params().n, 32);  // the rest stays the preset's
  for (const auto& [spec, what] : {std::pair{"neab=x", "neab takes a whole number"}, {"n=0", "n takes a whole number"},
                                   {"round=sr", "round takes rtz"}, {"bogus=1", "unknown key"}}) {
    o.dot = spec;
    EXPECT_EQ(make_operation("dot:e4m3:fp32:32", o, &why), nullptr) << spec;
    EXPECT_NE(why.find(what), std::string::npos) << why;
  }
}

// exact honours the rounding options as fma does (--sat, --ftz, --round sr with its random word); a
// GPU preset refuses them rather than ignore them.
TEST(Dot, ExactTakesTheRoundingOptionsAndPresetsRefuseThem) {
  const auto run = [](const Options& o, std::vector<uint64_t> in) {
    std::string why;
    auto op = make_operation("dot:fp16:fp16:1", o, &why);
    EXPECT_NE(op, nullptr) << why;
    uint64_t y = 0;
    op->eval(in, std::span(&y, 1));
    return y;
  };
  Options o;
  o.saturate = true;
  EXPECT_EQ(run(o, {0x7bff, 0x7bff, 0}), 0x7bffu);  // 65504^2 saturates to max, not Inf
  o = Options{};
  o.ftz_out = true;
  EXPECT_EQ(run(o, {0x0001, 0x3c00, 0}), 0u);  // the smallest subnormal flushes
  o = Options{};
  o.mode = Round::SR;
  o.sr_width = 8;
  // 1 + 0.75 ulp: rounds up when 192 + r >= 256.
  EXPECT_EQ(run(o, {0x1200, 0x3c00, 0x3c00, 0x3f}), 0x3c00u);
  EXPECT_EQ(run(o, {0x1200, 0x3c00, 0x3c00, 0x40}), 0x3c01u);
  for (const auto& change : {+[](Options& x) { x.saturate = true; }, +[](Options& x) { x.mode = Round::RTZ; },
                             +[](Options& x) { x.ftz_in = true; }}) {
    Options g;
    g.preset = "a100";
    change(g);
    std::string why;
    EXPECT_EQ(make_operation("dot:fp16:fp32:8", g, &why), nullptr);
    EXPECT_NE(why.find("a GPU preset rounds as the part does"), std::string::npos) << why;
  }
}

TEST(Dot, PresetsNameWhatTheyLack) {
  for (const auto& [unit, preset, what] :
       {std::tuple{"dot:e4m3:fp32:32", "v100", "preset v100 has no dot product of e4m3 into fp32"},
        {"dot:fp16:fp32:4", "k80", "unknown preset 'k80'"},
        {"dot:e4m3:fp32:0", "h100", "K takes a whole number from 1 to 65536"},
        {"dot:int8:fp32:4", "h100", "dot takes float inputs"}}) {
    Options o;
    o.preset = preset;
    std::string why;
    EXPECT_EQ(make_operation(unit, o, &why), nullptr) << unit;
    EXPECT_NE(why.find(what), std::string::npos) << why;
  }
}

// --trace shows every product, the block's largest exponent, each term's shift and cut, the
// integer sum and the rounding.
TEST(Dot, TraceShowsEveryStage) {
  struct Lines : TraceSink {
    std::string text;
    void stage(std::string_view name, const std::string& values) override {
      text += std::string(name) + " " + values + "\n";
    }
  } t;
  std::vector<uint64_t> in = {0x3c00, 0x4000, 0, 0, 0x3c00, 0x3c00, 0, 0, 0x3f800000};
  uint64_t y = 0;
  dot_op("dot:fp16:fp32:4", "a100")->eval(in, std::span(&y, 1), &t);
  EXPECT_EQ(y, 0x40800000u) << t.text;  // 1 + 2 + 1
  for (const char* s : {"block0.term0 sign=0 exp=0", "block0.term1 sign=0 exp=1", "shift=1", "block0.max_exp exp=1",
                        "block0.add sum=", "block0.round bits=0x40800000", "pack bits=0x40800000"})
    EXPECT_NE(t.text.find(s), std::string::npos) << s << " in\n" << t.text;
}

}  // namespace
}  // namespace fmalab
