// fma:IN:ACC and mac:int8 against the MPFR oracle: exhaustive where the space allows, every (a, b)
// pair with corner addends for the small formats, and random triples with printed seeds; the widest
// inputs and accumulators the unit parser accepts (32-bit inputs, fx64/int64 accumulators) through the
// unit API the CLI uses.
// FMALAB_RANDOM_SCALE multiplies the random counts (make regress).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <memory>
#include <tuple>

#include "model/fma.hpp"
#include "model/op_fma.hpp"
#include "model/vector_source.hpp"
#include "oracle/oracle.hpp"
#include "test_support.hpp"

namespace fmalab {
namespace {

// One unit in one configuration, model against oracle.
class FmaChecker {
 public:
  FmaChecker(const std::string& in, const std::string& acc, Options cfg = {})
      : in_(*parse_format(in)), acc_(*parse_format(acc)), cfg_(cfg), oracle_(setup(in, acc, cfg)) {
    rebuild();
  }

  // The batch path (FmaKernel) is what runs everywhere, so it is what is checked; the table-free
  // fma() is checked against it on a sample in FmaKernel.SameAsTableFreePath.
  void rebuild() {
    for (size_t k = 0; k < pending_.size(); ++k) flush(static_cast<int>(k));
    kernels_.clear();
    for (int mode = 0; mode <= 5; ++mode)
      for (bool sat : {false, true}) {
        Options c = cfg_;
        c.mode = static_cast<Round>(mode);
        c.saturate = sat;
        kernels_.emplace_back(in_, acc_, c);
      }
  }

  void set_mode(int mode, bool sat, uint32_t rnd = 0) {
    cfg_.mode = static_cast<Round>(mode);
    cfg_.saturate = sat;
    rnd_ = RandomBits{rnd, mode == oracle::SR ? 8 : 0};
    oracle_.setup.mode = mode;
    oracle_.setup.sat = sat;
    oracle_.setup.rnd = rnd;
    oracle_.setup.rnd_width = rnd_.width;
  }

  // Every vector is checked through the single call and, except under SR (which the batch does not
  // take), also through both builds of the batch loop (AVX2 where the host has it, and baseline).
  void check(uint64_t a, uint64_t b, uint64_t c) {
    const oracle::Expect want = oracle_(a, b, c);
    const int k = int(cfg_.mode) * 2 + cfg_.saturate;
    compare(a, b, c, k, want, kernels_[k](a, b, c, rnd_), "single");
    ++checked_;
    if (cfg_.mode == Round::SR) return;
    Pending& p = pending_[k];
    p.ops.insert(p.ops.end(), {a, b, c});
    p.want.push_back(want);
    if (p.want.size() == kBatch) flush(k);
  }

  ~FmaChecker() {
    for (size_t k = 0; k < pending_.size(); ++k) flush(static_cast<int>(k));
    EXPECT_EQ(failed_, 0u) << "of " << checked_ << " FMAs";
    std::printf("[ checked  ] %llu FMAs\n", static_cast<unsigned long long>(checked_));
  }

  oracle::FmaOracle& oracle() { return oracle_; }
  const Format& in() const { return in_; }
  const Format& acc() const { return acc_; }

 private:
  static oracle::FmaSetup setup(const std::string& in, const std::string& acc, const Options& cfg) {
    oracle::FmaSetup s;
    s.in = oracle::fmt(in);
    s.acc = oracle::fmt(acc);
    s.window = cfg.window;
    s.sticky = cfg.sticky;
    s.ftz_in = cfg.ftz_in;
    s.ftz_out = cfg.ftz_out;
    return s;
  }
  void compare(uint64_t a, uint64_t b, uint64_t c, int k, const oracle::Expect& want, const Encoded& got,
               const char* path) {
    if (got.bits == want.bits && got.flags == want.flags) return;
    if (++failed_ <= 8)
      ADD_FAILURE() << "fma:" << in_.name << ":" << acc_.name << " a=" << test::hexs(a) << " b=" << test::hexs(b)
                    << " c=" << test::hexs(c) << " mode=" << k / 2 << " sat=" << k % 2 << " window=" << cfg_.window
                    << " sticky=" << cfg_.sticky << " (" << path << "): model " << test::hexs(got.bits) << "/"
                    << test::hexs(got.flags) << ", oracle " << test::hexs(want.bits) << "/" << test::hexs(want.flags);
  }

  void flush(int k) {
    Pending& p = pending_[k];
    const size_t n = p.want.size();
    if (n == 0) return;
    std::vector<Encoded> got(n);
    const FmaKernel& kernel = kernels_[k];
    auto run_and_compare = [&](const char* path) {
      for (size_t i = 0; i < n; ++i)
        compare(p.ops[3 * i], p.ops[3 * i + 1], p.ops[3 * i + 2], k, p.want[i], got[i], path);
    };
    kernel.run_baseline(p.ops.data(), 3, n, got.data());
    run_and_compare("batch baseline");
    if (kernel.host_has_avx2()) {
      kernel.run_avx2(p.ops.data(), 3, n, got.data());
      run_and_compare("batch avx2");
    }
    if (kernel.host_has_avx512()) {
      kernel.run_avx512(p.ops.data(), 3, n, got.data());
      run_and_compare("batch avx512");
    }
    p.ops.clear();
    p.want.clear();
  }

  struct Pending {
    std::vector<uint64_t> ops;  // a b c per vector
    std::vector<oracle::Expect> want;
  };
  static constexpr size_t kBatch = 1021;  // odd, so the four-lane loop's scalar tail runs too

  Format in_, acc_;
  Options cfg_;
  RandomBits rnd_;
  std::vector<FmaKernel> kernels_;  // by mode * 2 + saturate
  oracle::FmaOracle oracle_;
  std::vector<Pending> pending_ = std::vector<Pending>(12);
  uint64_t checked_ = 0, failed_ = 0;
};

// --- exhaustive: all 2^24 triples, all five modes, in shards of 32 values of a ---------------------

class Exhaustive8 : public testing::TestWithParam<std::tuple<std::string, int>> {};

TEST_P(Exhaustive8, AllTriplesAllModes) {
  const auto& [fmt, shard] = GetParam();
  FmaChecker k(fmt, fmt);
  for (uint64_t a = shard * 32; a < (shard + 1) * 32u; ++a)
    for (uint64_t b = 0; b < 256; ++b)
      for (uint64_t c = 0; c < 256; ++c)
        for (int mode = 0; mode <= 4; ++mode) {
          k.set_mode(mode, ((a ^ b ^ c) & 1) != 0);  // both saturation settings, half the triples each
          k.check(a, b, c);
        }
}

INSTANTIATE_TEST_SUITE_P(Fma, Exhaustive8, testing::Combine(testing::Values("e4m3", "e5m2"), testing::Range(0, 8)),
                         [](const auto& p) { return std::get<0>(p.param) + "_shard" + std::to_string(std::get<1>(p.param)); });

// --- every (a, b) pair against corner addends ------------------------------------------------------

const std::vector<std::string> kSmallIn = {"e4m3", "e5m2", "e4m3fnuz", "e5m2fnuz", "e3m2", "e2m3", "e2m1"};
const std::vector<std::string> kFloatAcc = {"fp32", "fp16", "bf16"};

// Addends that matter for this product: the classes of background.md section 8, and values placed
// by the oracle relative to the exact product (cancelling, near-cancelling, powers of two nearby).
std::vector<uint64_t> corner_addends(FmaChecker& k, uint64_t a, uint64_t b) {
  const oracle::Fmt& acc = k.oracle().setup.acc;
  const uint64_t sign = uint64_t{1} << (acc.bits - 1);
  const uint64_t exp_ones = ((uint64_t{1} << acc.ebits) - 1) << acc.mbits;
  const uint64_t min_norm = uint64_t{1} << acc.mbits;
  std::vector<uint64_t> v = {0, 1, min_norm - 1, min_norm, exp_ones - 1, exp_ones, exp_ones | 1,
                             exp_ones | (uint64_t{1} << (acc.mbits - 1))};
  oracle::Real x, y;
  oracle::Oracle::decode(k.oracle().setup.in, a, x);
  oracle::Oracle::decode(k.oracle().setup.in, b, y);
  if (x.kind == oracle::Real::Finite && y.kind == oracle::Real::Finite && !mpfr_zero_p(x.v) && !mpfr_zero_p(y.v)) {
    oracle::Real p;
    mpfr_mul(p.v, x.v, y.v, MPFR_RNDN);
    p.sign = x.sign != y.sign;
    const uint64_t pc = k.oracle().out().round(p, oracle::RNE, true).bits & ~sign;
    // -product and its neighbours (massive cancellation), +product (carry-out).
    for (uint64_t d : {0, 1, 2}) {
      v.push_back(pc + d);
      if (pc >= d) v.push_back(pc - d);
    }
    const long e = mpfr_get_exp(p.v) - 1;
    for (long k2 : {-40L, -27L, -26L, -25L, -24L, -12L, -3L, -2L, -1L, 1L, 2L, 12L, 24L, 25L, 26L}) {
      oracle::Real q;
      mpfr_set_ui(q.v, 1, MPFR_RNDN);
      mpfr_mul_2si(q.v, q.v, e + k2, MPFR_RNDN);
      v.push_back(k.oracle().out().round(q, oracle::RNE, true).bits);
    }
  }
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i) v.push_back(v[i] ^ sign);
  return v;
}

class PairsWithCorners : public testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(PairsWithCorners, EveryPairAllModes) {
  const auto& [in, acc] = GetParam();
  FmaChecker k(in, acc);
  const uint64_t n = uint64_t{1} << k.in().bits;
  for (uint64_t a = 0; a < n; ++a)
    for (uint64_t b = 0; b < n; ++b) {
      const auto cs = corner_addends(k, a, b);
      for (int mode = 0; mode <= 4; ++mode)
        for (uint64_t c : cs) {
          k.set_mode(mode, (c & 1) != 0);
          k.check(a, b, c);
        }
    }
}

std::string io_name(const testing::TestParamInfo<std::tuple<std::string, std::string>>& p) {
  return std::get<0>(p.param) + "_" + std::get<1>(p.param);
}

INSTANTIATE_TEST_SUITE_P(Fma, PairsWithCorners, testing::Combine(testing::ValuesIn(kSmallIn), testing::ValuesIn(kFloatAcc)),
                         io_name);

// --- random triples: 1M per (IN, ACC, mode) ------------------------------------------------------

class RandomTriples : public testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(RandomTriples, MillionPerMode) {
  const auto& [in, acc] = GetParam();
  FmaChecker k(in, acc);
  std::mt19937_64 rng(test::seed_for("fma:" + in + ":" + acc, 0x5eedf0a0));
  const oracle::Fmt& of = k.oracle().setup.acc;
  const oracle::Fmt& oi = k.oracle().setup.in;
  const long count = 1000000 * test::random_scale();
  for (int mode = 0; mode <= 5; ++mode)
    for (long i = 0; i < (mode == oracle::SR ? count / 4 : count); ++i) {
      const uint64_t r = rng(), r2 = rng();
      const uint64_t a = r & ((uint64_t{1} << oi.bits) - 1);
      const uint64_t b = (r >> 20) & ((uint64_t{1} << oi.bits) - 1);
      uint64_t c = r2 & ((uint64_t{1} << of.bits) - 1);
      if (!of.fixed && (r2 >> 40) % 4 != 0) {
        // Most addends near the product's binade, where alignment, cancellation and rounding interact.
        const int ein = oi.fixed ? 0 : 2 * (int(((a >> oi.mbits) + (b >> oi.mbits)) & ((1u << oi.ebits) - 1)) - oi.bias);
        const int e = std::clamp(ein + int((r2 >> 44) % 61) - 30 + of.bias, 0, (1 << of.ebits) - 1);
        c = (c & ~(((uint64_t{1} << of.ebits) - 1) << of.mbits)) | uint64_t(e) << of.mbits;
      }
      k.set_mode(mode, ((r2 >> 60) & 1) != 0, static_cast<uint32_t>(r >> 56));
      k.check(a, b, c);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Fma, RandomTriples,
    testing::Combine(testing::Values("e4m3", "e5m2", "e4m3fnuz", "e5m2fnuz", "e3m2", "e2m3", "e2m1", "fp16", "bf16"),
                     testing::Values("fp32", "fp16", "bf16")),
    io_name);

// --- fixed-point accumulators and mac:int8 ---------------------------------------------------------

class FixedAcc : public testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(FixedAcc, EveryPairCornerAccumulatorsAllModes) {
  const auto& [in, acc] = GetParam();
  FmaChecker k(in, acc);
  const Format& f = k.acc();
  const uint64_t max = static_cast<uint64_t>(f.fixed_max()), min = static_cast<uint64_t>(f.fixed_min()) & f.mask();
  std::vector<uint64_t> cs = {0, 1, f.mask(), max, min, max - 1, min + 1, uint64_t{1} << f.frac_bits,
                              (~(uint64_t{1} << f.frac_bits) + 1) & f.mask(), max - (max >> 3), min + (max >> 3)};
  const uint64_t n = uint64_t{1} << k.in().bits;
  std::mt19937_64 rng(test::seed_for("fma:" + in + ":" + acc, 0x5eedf1c5));
  for (uint64_t a = 0; a < n; ++a)
    for (uint64_t b = 0; b < n; ++b)
      for (int mode = 0; mode <= 4; ++mode) {
        for (uint64_t c : cs) {
          k.set_mode(mode, ((a + c) & 1) != 0);
          k.check(a, b, c);
        }
        k.set_mode(mode, (b & 1) != 0);
        k.check(a, b, rng() & f.mask());
      }
}

INSTANTIATE_TEST_SUITE_P(Fma, FixedAcc,
                         testing::Values(std::make_tuple("e4m3", "fx48_18"), std::make_tuple("e5m2", "fx48_18"),
                                         std::make_tuple("e2m1", "fx16_4"), std::make_tuple("int8", "int32")),
                         io_name);

TEST(MacInt8, AllPairsCornerAccumulatorsBothSaturations) {
  FmaChecker k("int8", "int32");
  for (uint64_t a = 0; a < 256; ++a)
    for (uint64_t b = 0; b < 256; ++b)
      for (uint64_t c : {0x0ull, 0x1ull, 0xffffffffull, 0x7fffffffull, 0x80000000ull, 0x7fffc000ull, 0x80003f00ull,
                         0x12345678ull, 0xedcba988ull})
        for (bool sat : {false, true}) {
          k.set_mode(oracle::RNE, sat);
          k.check(a, b, c);
        }
}

// --- datapath settings: narrow windows, no sticky, flush to zero -----------------------------------

class Settings : public testing::TestWithParam<std::tuple<std::string, int, bool>> {};

TEST_P(Settings, WindowRuleMatchesIndependentModel) {
  const auto& [in, window, sticky] = GetParam();
  Options cfg;
  cfg.window = window;
  cfg.sticky = sticky;
  FmaChecker k(in, "fp32", cfg);
  std::mt19937_64 rng(test::seed_for("window " + in, 0x5eedc0de + window));
  const int bits = k.in().bits;
  for (long i = 0; i < 200000 * test::random_scale(); ++i) {
    const uint64_t r = rng(), r2 = rng();
    const uint64_t a = r & ((uint64_t{1} << bits) - 1), b = (r >> 20) & ((uint64_t{1} << bits) - 1);
    // Addend exponents within +-40 of 1.0, so shifts cover 0..past the window.
    const uint64_t c = (r2 & 0x807fffffull) | uint64_t(127 - 40 + (r2 >> 40) % 81) << 23;
    k.set_mode(int((r >> 40) % 5), false);
    k.check(a, b, c);
  }
}

INSTANTIATE_TEST_SUITE_P(Fma, Settings,
                         testing::Combine(testing::Values("e4m3", "e5m2", "fp16"), testing::Values(4, 8, 14, 24, 30),
                                          testing::Bool()),
                         [](const auto& p) {
                           return std::get<0>(p.param) + "_w" + std::to_string(std::get<1>(p.param)) +
                                  (std::get<2>(p.param) ? "_sticky" : "_nosticky");
                         });

TEST(FmaSettings, FlushToZero) {
  for (auto [in_ftz, out_ftz] : {std::pair{true, false}, {false, true}, {true, true}}) {
    Options cfg;
    cfg.ftz_in = in_ftz;
    cfg.ftz_out = out_ftz;
    FmaChecker k("e5m2", "fp16", cfg);
    for (uint64_t a = 0; a < 256; ++a)
      for (uint64_t b = 0; b < 256; ++b)
        for (uint64_t c : {0x0000ull, 0x0001ull, 0x03ffull, 0x0400ull, 0x8001ull, 0x8400ull, 0x3c00ull})
          for (int mode = 0; mode <= 4; ++mode) {
            k.set_mode(mode, false);
            k.check(a, b, c);
          }
  }
}

TEST(FmaKernel, SameAsTableFreePath) {
  std::mt19937_64 rng(test::seed_for("kernel vs fma()", 0x5eedcafe));
  for (const char* in : {"e4m3", "fp16", "e2m1"})
    for (const char* acc : {"fp32", "e5m2", "fx48_18"}) {
      Options cfg;
      cfg.mode = Round::RDN;
      const Format fi = *parse_format(in), fa = *parse_format(acc);
      const FmaKernel k(fi, fa, cfg);
      for (int i = 0; i < 20000; ++i) {
        const uint64_t a = rng() & fi.mask(), b = rng() & fi.mask(), c = rng() & fa.mask();
        const Encoded x = k(a, b, c), y = fma(fi, fa, a, b, c, cfg);
        ASSERT_EQ(x.bits, y.bits);
        ASSERT_EQ(x.flags, y.flags);
      }
    }
}

// The SIMD fast path writes the rounding and overflow rule a second time (vectorized, per mode); the
// one rule is encode()'s round_up, which the staged path uses. Every (a, b) pair of the 8-bit inputs
// against the corner addends and 16 random ones, in every mode (each with plain, saturating or FTZ
// options in turn), must give the same result and flags on both paths, so the two cannot drift apart.
TEST(FmaKernel, FastPathIsTheStagedRuleOnEveryPair) {
  std::mt19937_64 rng(test::seed_for("fast vs staged", 0xfa57));
  uint64_t checked = 0, fast = 0;
  for (const char* in : {"e4m3", "e5m2"})
    for (const char* acc : {"fp32", "fp16", "bf16", "e5m2", "e4m3"}) {
      const Format fi = *parse_format(in), fa = *parse_format(acc);
      std::vector<uint64_t> cs = corner_codes(fa);
      for (int i = 0; i < 16; ++i) cs.push_back(rng() & fa.mask());
      for (int mode = 0; mode < 5; ++mode) {
        {
          const int variant = mode % 3;
          Options o;
          o.mode = static_cast<Round>(mode);
          o.saturate = variant == 1;
          o.ftz_in = o.ftz_out = variant == 2;
          const FmaKernel k(fi, fa, o);
          FmaStages st;
          for (uint64_t a = 0; a < 256; ++a)
            for (uint64_t b = 0; b < 256; ++b)
              for (uint64_t c : cs) {
                const Encoded x = k(a, b, c), y = k(a, b, c, {}, &st);
                if (x.bits != y.bits || x.flags != y.flags)
                  FAIL() << in << "->" << acc << " mode " << mode << " variant " << variant << " a=" << a << " b=" << b
                         << " c=" << c << ": fast " << x.bits << "/" << int(x.flags) << ", staged " << y.bits << "/"
                         << int(y.flags);
                ++checked;
              }
          fast += k.has_fast_path() ? 1 : 0;
        }
      }
    }
  EXPECT_GT(fast, 0u);
  std::printf("[ checked  ] %llu FMAs on both paths\n", static_cast<unsigned long long>(checked));
}

// --- the widest units the parser accepts: 32-bit inputs of up to 32 bits of precision, fp32 and
// 64-bit fixed-point accumulators, through the unit API (fmalab eval) and both batch loops -------------

// One fma:IN:ACC unit under every (mode, saturation), model against oracle. Each vector goes through
// the single call (Operation::eval) and, except under SR, through the batch API (Operation::eval_batch)
// and both builds of FmaKernel's batch loop (baseline, and AVX2 where the host has it).
class WideChecker {
 public:
  WideChecker(const std::string& unit, const Options& base) : name_(unit), base_(base) {
    for (int mode = 0; mode <= 5; ++mode)
      for (bool sat : {false, true}) {
        Options o = base;
        o.mode = static_cast<Round>(mode);
        o.saturate = sat;
        o.sr_width = kSr;
        paths_.push_back(std::make_unique<Path>(unit, o));
      }
    const FmaShape& shape = as_fma(*paths_[0]->op)->shape();
    oracle_ = std::make_unique<oracle::FmaOracle>(setup(shape, base));
  }
  WideChecker(const WideChecker&) = delete;

  void check(uint64_t a, uint64_t b, uint64_t c, int mode, bool sat, uint32_t rnd = 0) {
    oracle::FmaOracle& oracle = *oracle_;
    oracle.setup.mode = mode;
    oracle.setup.sat = sat;
    oracle.setup.rnd = rnd & ((1u << kSr) - 1);
    oracle.setup.rnd_width = mode == oracle::SR ? kSr : 0;
    const oracle::Expect want = oracle(a, b, c);
    Path& p = *paths_[mode * 2 + sat];
    const uint64_t in[4] = {a, b, c, rnd & ((1u << kSr) - 1)};
    uint64_t y = 0;
    const uint8_t flags = p.op->eval(std::span(in, mode == oracle::SR ? 4 : 3), std::span(&y, 1));
    compare(in, mode, sat, want, Encoded{y, flags}, "Operation::eval");
    ++checked_;
    if (mode == oracle::SR) return;
    p.ops.insert(p.ops.end(), {a, b, c});
    p.want.push_back(want);
    if (p.want.size() == kBatch) flush(mode * 2 + sat);
  }

  ~WideChecker() {
    for (size_t k = 0; k < paths_.size(); ++k) flush(static_cast<int>(k));
    EXPECT_EQ(failed_, 0u) << "of " << checked_ << " FMAs in " << name_;
    std::printf("[ checked  ] %llu FMAs\n", static_cast<unsigned long long>(checked_));
  }

  oracle::FmaOracle& oracle() { return *oracle_; }

 private:
  static constexpr int kSr = 8;
  static constexpr size_t kBatch = 509;  // odd: the four-lane loop's scalar tail runs too

  struct Path {
    Path(const std::string& unit, const Options& o) : op(need(unit, o)), kernel(as_fma(*op)->kernel()) {}
    static std::unique_ptr<Operation> need(const std::string& unit, const Options& o) {
      std::string why;
      auto op = make_operation(unit, o, &why);
      if (!op) throw std::runtime_error(why);
      return op;
    }
    std::unique_ptr<Operation> op;
    const FmaKernel& kernel;
    std::vector<uint64_t> ops;  // a b c per vector
    std::vector<oracle::Expect> want;
  };

  static oracle::FmaSetup setup(const FmaShape& u, const Options& o) {
    oracle::FmaSetup s;
    s.in = oracle::fmt(u.in.name);
    s.acc = oracle::fmt(u.acc.name);
    s.window = o.window;
    s.sticky = o.sticky;
    s.ftz_in = o.ftz_in;
    s.ftz_out = o.ftz_out;
    return s;
  }

  void compare(const uint64_t* in, int mode, bool sat, const oracle::Expect& want, const Encoded& got,
               const char* path) {
    if (got.bits == want.bits && got.flags == want.flags) return;
    if (++failed_ <= 8)
      ADD_FAILURE() << name_ << " a=" << test::hexs(in[0]) << " b=" << test::hexs(in[1])
                    << " c=" << test::hexs(in[2]) << " mode=" << round_name(static_cast<Round>(mode))
                    << " sat=" << sat << " window=" << base_.window << " sticky=" << base_.sticky
                    << (mode == oracle::SR ? " rnd=" + test::hexs(in[3]) : std::string()) << " (" << path
                    << "): model " << test::hexs(got.bits) << "/" << test::hexs(got.flags) << ", oracle "
                    << test::hexs(want.bits) << "/" << test::hexs(want.flags);
  }

  void flush(int k) {
    Path& p = *paths_[k];
    const size_t n = p.want.size();
    if (n == 0) return;
    std::vector<Encoded> got(n);
    auto compare_all = [&](const char* path) {
      for (size_t i = 0; i < n; ++i) compare(&p.ops[3 * i], k / 2, k % 2, p.want[i], got[i], path);
    };
    std::vector<uint64_t> y(n);
    std::vector<uint8_t> flags(n);
    p.op->eval_batch(p.ops, y, flags);
    for (size_t i = 0; i < n; ++i) got[i] = Encoded{y[i], flags[i]};
    compare_all("Operation::eval_batch");
    p.kernel.run_baseline(p.ops.data(), 3, n, got.data());
    compare_all("run_baseline");
    if (p.kernel.host_has_avx2()) {
      p.kernel.run_avx2(p.ops.data(), 3, n, got.data());
      compare_all("run_avx2");
    }
    if (p.kernel.host_has_avx512()) {
      p.kernel.run_avx512(p.ops.data(), 3, n, got.data());
      compare_all("run_avx512");
    }
    p.ops.clear();
    p.want.clear();
  }

  std::string name_;
  Options base_;
  std::vector<std::unique_ptr<Path>> paths_;  // by mode * 2 + saturate
  std::unique_ptr<oracle::FmaOracle> oracle_;
  uint64_t checked_ = 0, failed_ = 0;
};

uint64_t low_mask(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

uint64_t negated(const oracle::Fmt& f, uint64_t code) {
  if (f.fixed) return (~code + 1) & low_mask(f.bits);
  return code ^ (uint64_t{1} << (f.bits - 1));
}

// The code of a value that the format holds exactly (rounded to nearest, saturating, otherwise).
uint64_t code_for(oracle::Oracle& o, double v) {
  oracle::Real r;
  mpfr_set_d(r.v, std::abs(v), MPFR_RNDN);
  r.sign = v < 0;
  return o.round(r, oracle::RNE, true).bits;
}

// The codes that decide an operand's handling: zeros, the ends of the subnormal and normal ranges,
// 1 and its neighbours, 3 (an odd significand), Inf and the NaNs, with signs; fixed point: the ends of
// the range, one ulp, 1.0, -1.
std::vector<uint64_t> wide_operands(const oracle::Fmt& f) {
  const uint64_t mask = low_mask(f.bits);
  std::vector<uint64_t> v;
  if (f.fixed) {
    const uint64_t max = mask >> 1, one = f.frac < f.bits - 1 ? uint64_t{1} << f.frac : 3;
    v = {0, 1, 3, one, negated(f, one), max, max + 1, max + 2, mask, max >> 1, (max >> 1) + 1, negated(f, 3)};
  } else {
    oracle::Oracle o(f);
    const uint64_t one = code_for(o, 1.0), mones = low_mask(f.mbits);
    v = {0, 1, mones, mones + 1, one, one + 1, one - 1, code_for(o, 3.0), o.max_mag_code(), o.max_mag_code() - 1};
    if (f.nan == oracle::Nan::ExpAllOnes) v.push_back((low_mask(f.ebits) << f.mbits) | (mones + 1) / 2);  // qNaN
    if (f.nan == oracle::Nan::ExpAllOnes) v.push_back((low_mask(f.ebits) << f.mbits) | 1);                // sNaN
    if (f.nan == oracle::Nan::MagAllOnes) v.push_back(mask >> 1);
    if (f.inf) v.push_back(low_mask(f.ebits) << f.mbits);
    for (uint64_t x : {uint64_t{0}, one, uint64_t{1}, o.max_mag_code()}) v.push_back(negated(f, x));
  }
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Addends for one product: the accumulator's own corners, the product itself and -product rounded into
// the accumulator with the codes either side (carry-out, massive and near cancellation), and powers of
// two around the product's leading one (alignment shifts up to past the window).
std::vector<uint64_t> wide_addends(oracle::FmaOracle& fo, uint64_t a, uint64_t b) {
  const oracle::Fmt& acc = fo.setup.acc;
  const uint64_t mask = low_mask(acc.bits);
  std::vector<uint64_t> v;
  if (acc.fixed) {
    const uint64_t max = mask >> 1;
    v = {0, 1, mask, max, max + 1, max - 1, max + 2};
    if (acc.frac < acc.bits - 1) v.insert(v.end(), {uint64_t{1} << acc.frac, negated(acc, uint64_t{1} << acc.frac)});
  } else {
    const uint64_t mones = low_mask(acc.mbits), one = code_for(fo.out(), 1.0);
    v = {0, negated(acc, 0), 1, mones, mones + 1, one, fo.out().max_mag_code(), negated(acc, fo.out().max_mag_code())};
    if (acc.inf) v.insert(v.end(), {low_mask(acc.ebits) << acc.mbits, negated(acc, low_mask(acc.ebits) << acc.mbits)});
    if (acc.nan == oracle::Nan::ExpAllOnes) v.push_back((low_mask(acc.ebits) << acc.mbits) | 1);
  }
  oracle::Real x, y;
  oracle::Oracle::decode(fo.setup.in, a, x);
  oracle::Oracle::decode(fo.setup.in, b, y);
  if (x.kind == oracle::Real::Finite && y.kind == oracle::Real::Finite && !mpfr_zero_p(x.v) && !mpfr_zero_p(y.v)) {
    oracle::Real p;
    mpfr_mul(p.v, x.v, y.v, MPFR_RNDN);
    for (bool neg : {false, true}) {
      p.sign = neg;
      const uint64_t pc = fo.out().round(p, oracle::RNE, true).bits;
      for (uint64_t d : {0, 1, 2}) {
        v.push_back((pc + d) & mask);
        v.push_back((pc - d) & mask);
      }
    }
    const long e = mpfr_get_exp(p.v) - 1;
    int i = 0;
    for (long k : {-130L, -70L, -66L, -40L, -26L, -25L, -24L, -2L, -1L, 1L, 2L, 25L, 40L, 66L}) {
      oracle::Real q;
      mpfr_set_ui(q.v, 1, MPFR_RNDN);
      mpfr_mul_2si(q.v, q.v, e + k, MPFR_RNDN);
      q.sign = (i++ & 1) != 0;
      v.push_back(fo.out().round(q, oracle::RNE, true).bits);
    }
  }
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

using WideUnit = std::tuple<std::string, std::string>;

// fp32 and tf32 inputs take the fast path through binary32 bit patterns (fma_kernel.hpp): no table.
const std::vector<std::string> kWideIn = {"int32", "int31",   "int30",   "e2m29fn", "e1m30fn",
                                          "e8m23", "fx32_16", "fx32_126", "fp32",    "tf32"};
const std::vector<std::string> kWideAcc = {"fp32", "e8m23", "fx64_126", "fx64_0", "int64", "bf16", "tf32"};

// The unit's name, or nullopt (printed) when the parser rejects it: such units are not "accepted widths".
std::optional<std::string> wide_unit(const std::string& in, const std::string& acc) {
  std::string err;
  const std::string name = "fma:" + in + ":" + acc;
  if (!make_operation(name, Options{}, &err)) {
    std::printf("[ skipped  ] %s: the parser rejects it: %s\n", name.c_str(), err.c_str());
    return std::nullopt;
  }
  return name;
}

class WideFma : public testing::TestWithParam<WideUnit> {};

TEST_P(WideFma, CornerOperandsCornerAddendsAllModes) {
  const auto& [in, acc] = GetParam();
  const auto unit = wide_unit(in, acc);
  if (!unit) GTEST_SKIP() << "parser rejects fma:" << in << ":" << acc;
  WideChecker k(*unit, Options{});
  const auto ops = wide_operands(k.oracle().setup.in);
  for (uint64_t a : ops)
    for (uint64_t b : ops) {
      const auto cs = wide_addends(k.oracle(), a, b);
      for (size_t i = 0; i < cs.size(); ++i)
        for (int mode = 0; mode <= 4; ++mode) k.check(a, b, cs[i], mode, ((i + mode) & 1) != 0);
    }
}

TEST_P(WideFma, RandomTriples) {
  const auto& [in, acc] = GetParam();
  const auto unit = wide_unit(in, acc);
  if (!unit) GTEST_SKIP() << "parser rejects fma:" << in << ":" << acc;
  WideChecker k(*unit, Options{});
  std::mt19937_64 rng(test::seed_for("fma:" + in + ":" + acc, 0x5eedf064));
  const oracle::Fmt fi = k.oracle().setup.in, fa = k.oracle().setup.acc;
  // Inputs: fixed point with magnitudes of every size, floats with random fields. Addends: random
  // codes, codes near the product's binade (floats), or -product plus a few ulps (cancellation).
  auto operand = [&](uint64_t r) {
    uint64_t x = r & low_mask(fi.bits);
    if (fi.fixed && (r >> 62) != 0) x = negated(fi, (x >> ((r >> 56) % 64)) & (low_mask(fi.bits) >> 1));
    return x & low_mask(fi.bits);
  };
  const long count = 22000 * test::random_scale();  // 48 units: a million triples in all
  oracle::Real x, y, p;
  for (long i = 0; i < count; ++i) {
    const uint64_t r1 = rng(), r2 = rng(), r3 = rng();
    const uint64_t a = operand(r1), b = operand(r2);
    uint64_t c = r3 & low_mask(fa.bits);
    oracle::Oracle::decode(fi, a, x);
    oracle::Oracle::decode(fi, b, y);
    const bool finite = x.kind == oracle::Real::Finite && y.kind == oracle::Real::Finite && !mpfr_zero_p(x.v) &&
                        !mpfr_zero_p(y.v);
    const int pick = static_cast<int>((r3 >> 60) % 4);
    if (finite && pick == 1) {  // -product (or +product) rounded into the accumulator, +-0..7 codes
      mpfr_mul(p.v, x.v, y.v, MPFR_RNDN);
      p.sign = (x.sign == y.sign) != ((r3 >> 59) & 1);
      const int mode = static_cast<int>((r3 >> 52) % 5);
      c = (k.oracle().out().round(p, mode, true).bits + ((r3 >> 40) % 15) - 7) & low_mask(fa.bits);
    } else if (finite && pick >= 2 && !fa.fixed) {  // near the product's binade
      mpfr_mul(p.v, x.v, y.v, MPFR_RNDN);
      const long e = mpfr_get_exp(p.v) - 1 + static_cast<long>((r3 >> 40) % 141) - 70;
      const uint64_t field = static_cast<uint64_t>(std::clamp(e + fa.bias, 0L, (1L << fa.ebits) - 1));
      c = (c & ~(low_mask(fa.ebits) << fa.mbits)) | field << fa.mbits;
    } else if (pick >= 2) {  // fixed accumulator: magnitudes of every size
      c = (c >> ((r3 >> 40) % 64)) & (low_mask(fa.bits) >> 1);
      if ((r3 >> 59) & 1) c = negated(fa, c);
    }
    const int mode = static_cast<int>((r1 >> 32) % 6);  // RNE RTZ RDN RUP RMM and SR
    k.check(a, b, c, mode, ((r2 >> 33) & 1) != 0, static_cast<uint32_t>(r3));
  }
}

std::string wide_unit_name(const testing::TestParamInfo<WideUnit>& p) {
  return std::get<0>(p.param) + "_" + std::get<1>(p.param);
}

INSTANTIATE_TEST_SUITE_P(Fma, WideFma, testing::Combine(testing::ValuesIn(kWideIn), testing::ValuesIn(kWideAcc)),
                         wide_unit_name);

// Flushing subnormal operands, results or both, on units whose fast path reads binary32 patterns:
// operands with every exponent field (subnormals a quarter of the time), addends near the product.
TEST(WideFmaFtz, Binary32InputsFlushToZero) {
  for (const char* unit : {"fma:fp32:fp32", "fma:tf32:fp32", "fma:fp32:tf32", "fma:bf16:fp32"})
    for (auto [ftz_in, ftz_out] : {std::pair{true, false}, {false, true}, {true, true}}) {
      Options o;
      o.ftz_in = ftz_in;
      o.ftz_out = ftz_out;
      WideChecker k(unit, o);
      const oracle::Fmt fi = k.oracle().setup.in, fa = k.oracle().setup.acc;
      std::mt19937_64 rng(test::seed_for(std::string(unit) + " ftz" + std::to_string(ftz_in) + std::to_string(ftz_out),
                                         0x5eedf7a0));
      auto pick = [&](const oracle::Fmt& f, uint64_t r, int64_t e) {
        uint64_t x = r & low_mask(f.bits);
        if ((r >> 62) == 0) return x & ~(low_mask(f.ebits) << f.mbits);  // zero exponent field: subnormal or zero
        const uint64_t field = static_cast<uint64_t>(std::clamp<int64_t>(e, 1, (int64_t{1} << f.ebits) - 2));
        return (x & ~(low_mask(f.ebits) << f.mbits)) | field << f.mbits;
      };
      for (long i = 0; i < 20000 * test::random_scale(); ++i) {
        const uint64_t r1 = rng(), r2 = rng(), r3 = rng();
        const int64_t ea = 1 + static_cast<int64_t>((r1 >> 40) % 254), eb = 1 + static_cast<int64_t>((r2 >> 40) % 254);
        const uint64_t a = pick(fi, r1, ea), b = pick(fi, r2, eb);
        const uint64_t c = pick(fa, r3, ea + eb - 127 + static_cast<int64_t>((r3 >> 40) % 61) - 30);
        k.check(a, b, c, static_cast<int>((r3 >> 32) % 5), ((r3 >> 36) & 1) != 0);
      }
    }
}

// A narrowed adder (--window) at these widths, up to the model's widest window, with and without sticky.
class WideFmaWindow : public testing::TestWithParam<std::tuple<std::string, int, bool>> {};

TEST_P(WideFmaWindow, WindowRuleMatchesOracle) {
  const auto& [in, w, sticky] = GetParam();
  const int window = w > 0 ? w : kMaxWindow;
  const auto unit = wide_unit(in, "fp32");
  if (!unit) GTEST_SKIP();
  Options o;
  o.window = window;
  o.sticky = sticky;
  WideChecker k(*unit, o);
  std::mt19937_64 rng(test::seed_for("window " + in + " w" + std::to_string(window), 0x5eedc064 + window));
  const oracle::Fmt fi = k.oracle().setup.in;
  oracle::Real x, y, p;
  for (long i = 0; i < 20000 * test::random_scale(); ++i) {
    const uint64_t r1 = rng(), r2 = rng(), r3 = rng();
    uint64_t a = r1 & low_mask(fi.bits), b = r2 & low_mask(fi.bits);
    if (fi.fixed) {
      a = (a >> ((r1 >> 58) % 32)) & low_mask(fi.bits);
      b = (b >> ((r2 >> 58) % 32)) & low_mask(fi.bits);
    }
    // Addend exponents within +-80 of the product's, so shifts run from 0 to past every window.
    long e = 0;
    oracle::Oracle::decode(fi, a, x);
    oracle::Oracle::decode(fi, b, y);
    if (x.kind == oracle::Real::Finite && y.kind == oracle::Real::Finite && !mpfr_zero_p(x.v) && !mpfr_zero_p(y.v)) {
      mpfr_mul(p.v, x.v, y.v, MPFR_RNDN);
      e = mpfr_get_exp(p.v) - 1;
    }
    e += static_cast<long>((r3 >> 40) % 161) - 80;
    const uint64_t c = (r3 & 0x807fffffull) | uint64_t(std::clamp(e + 127, 0L, 254L)) << 23;
    k.check(a, b, c, static_cast<int>((r3 >> 32) % 5), ((r3 >> 36) & 1) != 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Fma, WideFmaWindow,
                         testing::Combine(testing::Values("int32", "e2m29fn", "e8m23", "fx32_16"),
                                          testing::Values(24, 60, 0), testing::Bool()),
                         [](const auto& p) {
                           const int w = std::get<1>(p.param);
                           return std::get<0>(p.param) + (w ? "_w" + std::to_string(w) : std::string("_wmax")) +
                                  (std::get<2>(p.param) ? "_sticky" : "_nosticky");
                         });

// The oracle's fma at binary32 against the host's correctly rounded fmaf (round to nearest even).
TEST(WideFmaOracle, MatchesHostFmaf) {
  std::mt19937_64 rng(test::seed_for("oracle vs fmaf", 0x5eedf065));
  oracle::FmaSetup s;
  s.in = s.acc = oracle::fmt("fp32");
  oracle::FmaOracle fo(s);
  long bad = 0;
  for (int i = 0; i < 200000; ++i) {
    const uint64_t r = rng(), r2 = rng();
    uint32_t a = static_cast<uint32_t>(r), b = static_cast<uint32_t>(r >> 32), c = static_cast<uint32_t>(r2);
    // Keep exponents near each other half of the time so the sum's rounding matters.
    if (r2 >> 63) {
      a = (a & 0x81ffffffu) | 0x3e000000u;
      b = (b & 0x81ffffffu) | 0x3e000000u;
      c = (c & 0x81ffffffu) | 0x3c000000u;
    }
    const float want = std::fma(std::bit_cast<float>(a), std::bit_cast<float>(b), std::bit_cast<float>(c));
    if (std::isnan(want)) continue;
    const oracle::Expect got = fo(a, b, c);
    if (got.bits != std::bit_cast<uint32_t>(want) && ++bad <= 8)
      ADD_FAILURE() << "fma " << test::hexs(a) << " " << test::hexs(b) << " " << test::hexs(c) << ": oracle "
                    << test::hexs(got.bits) << ", host " << test::hexs(std::bit_cast<uint32_t>(want));
  }
  EXPECT_EQ(bad, 0);
}

// The campaign's reproducers by name, through the unit the CLI runs (echo 'A B C' | fmalab eval UNIT).
void expect_fma(const std::string& name, uint64_t a, uint64_t b, uint64_t c, uint64_t bits, uint8_t flags) {
  const auto unit = wide_unit(name.substr(4, name.rfind(':') - 4), name.substr(name.rfind(':') + 1));
  ASSERT_TRUE(unit);
  std::string why;
  const auto op = make_operation(*unit, Options{}, &why);
  const uint64_t in[3] = {a, b, c};
  uint64_t y = 0;
  const uint8_t f = op->eval(in, std::span(&y, 1));
  const Encoded single{y, f};
  uint8_t bf = 0;
  op->eval_batch(in, std::span(&y, 1), std::span(&bf, 1));
  const Encoded batch{y, bf};
  for (const auto& [path, got] : {std::pair{"single", single}, std::pair{"batch", batch}}) {
    EXPECT_EQ(got.bits, bits) << name << " " << test::hexs(a) << " " << test::hexs(b) << " " << test::hexs(c) << " ("
                              << path << "): model " << test::hexs(got.bits) << "/" << test::hexs(got.flags)
                              << ", want " << test::hexs(bits) << "/" << test::hexs(flags);
    EXPECT_EQ(got.flags, flags) << name << " (" << path << ")";
  }
  oracle::FmaSetup s;
  s.in = oracle::fmt(as_fma(*op)->shape().in.name);
  s.acc = oracle::fmt(as_fma(*op)->shape().acc.name);
  oracle::FmaOracle fo(s);
  const oracle::Expect want = fo(a, b, c);
  EXPECT_EQ(want.bits, bits) << "oracle disagrees with the expectation for " << name;
  EXPECT_EQ(want.flags, flags) << "oracle disagrees with the expectation for " << name;
}

TEST(WideFmaReproducer, Int32TwoTimesThreeIsSix) { expect_fma("fma:int32:fp32", 2, 3, 0, 0x40c00000, 0); }
TEST(WideFmaReproducer, Int31TwoTimesThreeIsSix) { expect_fma("fma:int31:fp32", 2, 3, 0, 0x40c00000, 0); }
TEST(WideFmaReproducer, Int30TwoTimesThreeIsSix) { expect_fma("fma:int30:fp32", 2, 3, 0, 0x40c00000, 0); }
TEST(WideFmaReproducer, E2m29fnOneTimesOneIsOne) {
  expect_fma("fma:e2m29fn:fp32", 0x20000000, 0x20000000, 0, 0x3f800000, 0);
}

}  // namespace
}  // namespace fmalab
