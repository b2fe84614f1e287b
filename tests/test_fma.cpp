// fma:IN:ACC and mac:int8 against the MPFR oracle: exhaustive where the space allows, every (a, b)
// pair with corner addends for the small formats, and random triples with printed seeds.
// FMALAB_RANDOM_SCALE multiplies the random counts (make regress).
#include <gtest/gtest.h>

#include <cstdlib>
#include <tuple>

#include "model/fma.hpp"
#include "oracle/oracle.hpp"
#include "test_support.hpp"

namespace fmalab {
namespace {

// One unit in one configuration, model against oracle.
class FmaChecker {
 public:
  FmaChecker(const std::string& in, const std::string& acc, FmaConfig cfg = {})
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
        FmaConfig c = cfg_;
        c.mode = static_cast<Round>(mode);
        c.saturate = sat;
        kernels_.emplace_back(in_, acc_, c);
      }
  }

  void set_mode(int mode, bool sat, uint32_t rnd = 0) {
    cfg_.mode = static_cast<Round>(mode);
    cfg_.saturate = sat;
    cfg_.rnd = RandomBits{rnd, mode == oracle::SR ? 8 : 0};
    oracle_.setup.mode = mode;
    oracle_.setup.sat = sat;
    oracle_.setup.rnd = rnd;
    oracle_.setup.rnd_width = cfg_.rnd.width;
  }

  // Every vector is checked through the single call and, except under SR (which the batch does not
  // take), also through both builds of the batch loop (AVX2 where the host has it, and baseline).
  void check(uint64_t a, uint64_t b, uint64_t c) {
    const oracle::Expect want = oracle_(a, b, c);
    const int k = int(cfg_.mode) * 2 + cfg_.saturate;
    compare(a, b, c, k, want, kernels_[k](a, b, c, cfg_.rnd), "single");
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
  static oracle::FmaSetup setup(const std::string& in, const std::string& acc, const FmaConfig& cfg) {
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
    p.ops.clear();
    p.want.clear();
  }

  struct Pending {
    std::vector<uint64_t> ops;  // a b c per vector
    std::vector<oracle::Expect> want;
  };
  static constexpr size_t kBatch = 1021;  // odd, so the four-lane loop's scalar tail runs too

  Format in_, acc_;
  FmaConfig cfg_;
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
  FmaConfig cfg;
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
    FmaConfig cfg;
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
      FmaConfig cfg;
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

}  // namespace
}  // namespace fmalab
