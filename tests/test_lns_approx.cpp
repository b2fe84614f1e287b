// The approximate LNS operations of /work/spec/lns_approx_spec.md -- lnsadd:FMT --method lut / mitchell
// and the LNS-Madam MAC lnsmac:FMT:ACC[:K] -- against the independent oracle
// tests/oracle/lns_approx_oracle.cpp (written from the spec text alone, MPFR for every table constant
// and for the exact Gaussian logarithms; shares no code with model/). The model is reached only through
// make_operation and Operation::eval.
//
// - LnsApprox.SelfCheck: the oracle against values worked out by hand (lns_approx_oracle.cpp).
// - LnsApprox.LutExhaustiveLns8: lnsadd lut, all pairs of lns8_3 (T = 1..6) and lns8_0 (T = 1), and of
//   lns8_6 (T = 1..9) and lns10_5 (T = 1..8); prints what lns8_3 does with lut_bits left at its default.
// - LnsApprox.MitchellExhaustiveLns8: lnsadd mitchell, all pairs of lns8_3, lns8_0, lns8_6 and lns10_5.
// - LnsApprox.OptionRefusals: the options the spec says lut / mitchell / lnsmac refuse (a rounding mode
//   other than rne, sat, lns_round, lut_bits > DB, madam_bins > F, lnsmac with lns_method) are refused.
// - LnsApprox.Lns16AllDifferences: lns16_10, lut T = 1, 4, 6, 8, 10, 12, 14 and mitchell: every reachable
//   difference d in [0, 2 Lmax] for add and sub, with the larger operand mid-range, at the top (saturation) and at
//   the bottom (underflow), both operand orders; then 1M random pairs (x FMALAB_RANDOM_SCALE); the
//   default lut_bits (8 by the spec) on the first 100k of them.
// - LnsApprox.ErrorTables: each method's max / mean error in ulps against the real log2|a + b| and against
//   the correctly rounded code (spec "error tables"): exact, lut T = 1..6 and mitchell on lns8_3 (all
//   pairs), exact, lut T = 4, 6, 8, 10, 14 (= DB) and mitchell on lns16_10 (every d, both signs);
//   printed as "[ lns err  ] FMT METHOD max_ulp=X mean_ulp=Y max_vs_rounded_ulp=Z ...". Asserts: the
//   exact method <= 0.5 ulp and equal to the correctly rounded code; lut at T = DB within 0.5 + 2^-(GF+1)
//   ulp (the table entry's rounding plus g's); lns16_10 lut's max error non-increasing in T; all finite.
// - LnsApprox.MadamRandom: lnsmac:lns8_3:fx48_16:K, K = 8, 1, 16, madam_bins default (3), 2, 0, madam_cbits
//   8, 12: 200k random rows per configuration (x FMALAB_RANDOM_SCALE), ~5% ZERO and ~0.5% NaN operands.
// - LnsApprox.MadamEdges: all-max products (accumulator wrap), all-min products, cancelling lanes, NaN and
//   ZERO lanes, P below / equal to / above QB + F + CB (and a left shift past the word), narrow
//   accumulators, lns16_10 inputs into 64-bit accumulators, lns8_6 and lns10_5; bins 0..F, cbits 1..24.
// - LnsApprox.MadamErrorVsExact: lnsmac:lns8_3:fx48_16:8 chained over sums of 256 and 4096 products of
//   gaussian lns8_3 codes, its relative error against the exact sum (MPFR), median and max, H = 3 and 2
//   (and the error relative to the sum of the products' magnitudes, which cancellation cannot inflate);
//   printed as "[ madam err] ...".
// A failing test prints the first mismatches (unit, options, inputs, both results) and the seed;
// FMALAB_SEED=0x... replays it.
#include <gtest/gtest.h>
#include <mpfr.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "model/operation.hpp"
#include "oracle/lns_approx_oracle.hpp"
#include "test_support.hpp"

namespace fmalab {
namespace {

using Rng = std::mt19937_64;

long scale() { return test::random_scale(); }

class Timer {
 public:
  double s() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

 private:
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

Options lut_options(int T) {
  Options o;
  o.lns_method = LnsMethod::Lut;
  o.lut_bits = T;
  return o;
}
Options mitchell_options() {
  Options o;
  o.lns_method = LnsMethod::Mitchell;
  return o;
}
Options madam_options(int H, int CB) {
  Options o;
  o.madam_bins = H;
  o.madam_cbits = CB;
  return o;
}

std::unique_ptr<Operation> make_op(const std::string& unit, const Options& o) {
  std::string why;
  auto op = make_operation(unit, o, &why);
  if (!op) throw std::runtime_error(unit + " (" + options_text(o, false) + "): " + why);
  return op;
}

// One operation (unit and options) against the oracle's results: the comparison, the first mismatches
// printed, the count.
class Checker {
 public:
  Checker(std::string unit, const Options& o, uint64_t seed = 0)
      : unit_(std::move(unit)), opts_(options_text(o, false)), seed_(seed), op_(make_op(unit_, o)) {}
  ~Checker() {
    EXPECT_EQ(failed_, 0) << "mismatches of " << checked_ << " " << unit_ << " [" << opts_ << "] vectors"
                          << (seed_ ? " (seed " + test::hexs(seed_) + ")" : "");
  }
  Checker(const Checker&) = delete;

  size_t operands() const { return op_->signature().operand_words(); }

  void check(const uint64_t* in, size_t n, lnsa::Result want) {
    uint64_t y = ~uint64_t{0};
    const uint8_t flags = op_->eval(std::span(in, n), std::span(&y, 1));
    ++checked_;
    if (y == want.bits && flags == want.flags) return;
    if (++failed_ > 12) return;
    std::ostringstream s;
    s << unit_ << " [" << opts_ << "] in =";
    for (size_t i = 0; i < n; ++i) s << " " << test::hexs(in[i]);
    s << ": model " << test::hexs(y) << " flags " << test::hexs(flags) << ", oracle " << test::hexs(want.bits)
      << " flags " << test::hexs(want.flags);
    if (seed_) s << " (seed " << test::hexs(seed_) << ")";
    ADD_FAILURE() << s.str();
  }
  void check2(uint64_t a, uint64_t b, lnsa::Result want) {
    const uint64_t in[2] = {a, b};
    check(in, 2, want);
  }
  long checked() const { return checked_; }
  long failed() const { return failed_; }

 private:
  std::string unit_, opts_;
  uint64_t seed_;
  std::unique_ptr<Operation> op_;
  long checked_ = 0, failed_ = 0;
};

// ---- the oracle itself ----------------------------------------------------------------------------------

TEST(LnsApprox, SelfCheck) { EXPECT_EQ(lnsa::self_check(), ""); }

// ---- lnsadd lut / mitchell on all lns8 pairs ----------------------------------------------------------------

TEST(LnsApprox, LutExhaustiveLns8) {
  const Timer t;
  long n = 0;
  for (const std::string fmt : {"lns8_3", "lns8_0", "lns8_6", "lns10_5"}) {
    const lnsa::Lns f = lnsa::lns(fmt);
    const uint64_t codes = uint64_t{1} << f.W;
    for (int T = 1; T <= f.db(); ++T) {
      const lnsa::Lut lut(f, T);
      Checker ck("lnsadd:" + fmt, lut_options(T));
      for (uint64_t a = 0; a < codes; ++a)
        for (uint64_t b = 0; b < codes; ++b) ck.check2(a, b, lnsa::lnsadd(f, &lut, a, b));
      n += ck.checked();
    }
  }
  std::printf("[ counts   ] lnsadd lut: %ld vectors (all pairs: lns8_3 T = 1..6, lns8_0 T = 1, lns8_6 T = 1..9, "
              "lns10_5 T = 1..8), %.1f s\n",
              n, t.s());
  // lut_bits left at its default on lns8_3, where the spec's default 8 exceeds DB = 6: what the model does.
  {
    const lnsa::Lns f = lnsa::lns("lns8_3");
    Options o;
    o.lns_method = LnsMethod::Lut;
    std::string why;
    const auto op = make_operation("lnsadd:lns8_3", o, &why);
    std::string said = op ? "matches no T" : "refused: " + why;
    if (op)
      for (int T = f.db(); T >= 1; --T) {
        const lnsa::Lut lut(f, T);
        bool same = true;
        for (uint64_t a = 0; a < 256 && same; ++a)
          for (uint64_t b = 0; b < 256 && same; ++b) {
            const uint64_t in[2] = {a, b};
            uint64_t y = 0;
            const uint8_t fl = op->eval(in, std::span(&y, 1));
            same = lnsa::lnsadd(f, &lut, a, b) == lnsa::Result{y, fl};
          }
        if (same) {
          said = "behaves as T=" + std::to_string(T);
          break;
        }
      }
    std::printf("[ note     ] lnsadd:lns8_3 --method lut, lut_bits at its default (spec: 8 > DB = 6): %s\n", said.c_str());
  }
}

TEST(LnsApprox, MitchellExhaustiveLns8) {
  const Timer t;
  long n = 0;
  for (const std::string fmt : {"lns8_3", "lns8_0", "lns8_6", "lns10_5"}) {
    const lnsa::Lns f = lnsa::lns(fmt);
    const uint64_t codes = uint64_t{1} << f.W;
    Checker ck("lnsadd:" + fmt, mitchell_options());
    for (uint64_t a = 0; a < codes; ++a)
      for (uint64_t b = 0; b < codes; ++b) ck.check2(a, b, lnsa::lnsadd(f, nullptr, a, b));
    n += ck.checked();
  }
  std::printf("[ counts   ] lnsadd mitchell: %ld vectors (lns8_3, lns8_0, lns8_6, lns10_5 all pairs), %.1f s\n", n, t.s());
}

// ---- the options the spec says these operations refuse ------------------------------------------------------

TEST(LnsApprox, OptionRefusals) {
  auto refused = [](const std::string& unit, const Options& o) {
    std::string why;
    return make_operation(unit, o, &why) == nullptr;
  };
  for (const Options& base : {lut_options(4), mitchell_options()}) {
    const std::string m = base.lns_method == LnsMethod::Lut ? "lut" : "mitchell";
    EXPECT_FALSE(refused("lnsadd:lns16_10", base)) << m;
    for (Round r : {Round::RTZ, Round::RDN, Round::RUP, Round::RMM, Round::SR}) {
      Options o = base;
      o.mode = r;
      EXPECT_TRUE(refused("lnsadd:lns16_10", o)) << m << " with a rounding mode other than rne";
    }
    Options o = base;
    o.saturate = true;
    EXPECT_TRUE(refused("lnsadd:lns16_10", o)) << m << " with sat";
    o = base;
    o.lns_round = LnsRound::Linear;
    EXPECT_TRUE(refused("lnsadd:lns16_10", o)) << m << " with lns_round linear";
    o = base;
    o.madam_bins = 2;
    EXPECT_TRUE(refused("lnsadd:lns16_10", o)) << m << " with madam_bins";
  }
  EXPECT_FALSE(refused("lnsadd:lns8_3", lut_options(6)));
  EXPECT_TRUE(refused("lnsadd:lns8_3", lut_options(7))) << "lut_bits > DB = 6";
  EXPECT_FALSE(refused("lnsadd:lns16_10", lut_options(14)));
  EXPECT_TRUE(refused("lnsadd:lns16_10", lut_options(15))) << "lut_bits > DB = 14";
  EXPECT_FALSE(refused("lnsmac:lns8_3:fx48_16:8", madam_options(3, 8)));
  EXPECT_FALSE(refused("lnsmac:lns8_3:fx48_16", madam_options(0, 24)));
  EXPECT_TRUE(refused("lnsmac:lns8_3:fx48_16:8", madam_options(4, 8))) << "madam_bins > F = 3";
  {
    Options o = madam_options(-1, 8);
    o.mode = Round::RTZ;
    EXPECT_TRUE(refused("lnsmac:lns8_3:fx48_16:8", o)) << "lnsmac with a rounding mode";
    o = madam_options(-1, 8);
    o.lns_method = LnsMethod::Lut;
    EXPECT_TRUE(refused("lnsmac:lns8_3:fx48_16:8", o)) << "lnsmac with lns_method";
    o = madam_options(-1, 8);
    o.saturate = true;
    EXPECT_TRUE(refused("lnsmac:lns8_3:fx48_16:8", o)) << "lnsmac with sat";
  }
  EXPECT_TRUE(refused("lnsmac:lns8_3:fx48_16:0", Options{})) << "K = 0";
  EXPECT_TRUE(refused("lnsmac:e4m3:fx48_16:8", Options{})) << "FMT not LNS";
  EXPECT_TRUE(refused("lnsmac:lns8_3:fp32:8", Options{})) << "ACC not fixed point";
  // K defaults to 1: a[1], b[1], c.
  {
    std::string why;
    const auto op = make_operation("lnsmac:lns8_3:fx48_16", Options{}, &why);
    ASSERT_TRUE(op) << why;
    EXPECT_EQ(op->signature().operand_words(), 3u);
  }
}

// ---- lns16_10: every difference, placed mid-range and at both ends; random pairs -------------------------

// The pairs (a, b) of lns16_10 for every reachable d in [0, 2 Lmax] (2^15 - 1 = 2 Lmax + 1 is no pair's
// difference), add and sub: larger operand mid-range, at Lmax, a little below Lmax, smaller operand at
// -Lmax and a little above it; the larger one's sign alternating; both orders.
std::vector<std::pair<uint64_t, uint64_t>> all_difference_pairs(const lnsa::Lns& f) {
  std::vector<std::pair<uint64_t, uint64_t>> v;
  const int64_t lmax = f.lmax();
  for (int64_t d = 0; d <= 2 * lmax; ++d) {
    const int64_t j1 = (d * 7919) % 1100, j2 = (d * 104729) % 12000;
    const int64_t bigs[] = {(d + 1) / 2,                              // mid-range
                            lmax,                                     // top: saturation for small d, add
                            std::max(lmax - j1, d - lmax),            // near the top
                            d - lmax,                                 // bottom: underflow for small d, sub
                            std::min(-lmax + j2 + d, lmax)};          // near the bottom
    for (int p = 0; p < 5; ++p) {
      const int64_t big = bigs[p], small = big - d;
      for (int sub = 0; sub < 2; ++sub) {
        const bool sb = ((d + p) & 1) != 0, ss = sub ? !sb : sb;
        const uint64_t cb = lnsa::encode(f, sb, big), cs = lnsa::encode(f, ss, small);
        v.emplace_back(cb, cs);
        v.emplace_back(cs, cb);
      }
    }
  }
  return v;
}

std::vector<std::pair<uint64_t, uint64_t>> random_pairs(const lnsa::Lns& f, Rng& rng, long count) {
  std::vector<std::pair<uint64_t, uint64_t>> v;
  v.reserve(static_cast<size_t>(count));
  const int64_t lmax = f.lmax(), span = 2 * lmax + 1, n = f.one();
  const uint64_t mask = f.mask();
  auto code = [&](bool neg, int64_t L) { return lnsa::encode(f, neg, std::clamp(L, -lmax, lmax)); };
  for (long i = 0; i < count; ++i) {
    const bool sa = rng() & 1, sb = rng() & 1;
    const int64_t La = static_cast<int64_t>(rng() % span) - lmax;
    uint64_t a, b;
    switch (rng() % 8) {
      case 0:  // any codes (ZERO, NaN, far apart)
        a = rng() & mask, b = rng() & mask;
        break;
      case 1:  // close logs: cancellation, 2x
        a = code(sa, La), b = code(sb, La + static_cast<int64_t>(rng() % 65) - 32);
        break;
      case 2:  // d inside the lut's first table steps and around d = one (x - x/2)
        a = code(sa, La), b = code(sb, La - static_cast<int64_t>(rng() % (3 * n)));
        break;
      case 3:  // near the top: saturation
        a = code(sa, lmax - static_cast<int64_t>(rng() % 2048)), b = code(sb, lmax - static_cast<int64_t>(rng() % 4096));
        break;
      case 4: {  // near the bottom: underflow by cancellation
        const int64_t Lb = -lmax + static_cast<int64_t>(rng() % 12000);
        a = code(sa, Lb), b = code(rng() % 4 ? !sa : sa, Lb + static_cast<int64_t>(rng() % 257) - 128);
        break;
      }
      case 5:  // around the lut's cut-off d = 2^DB and mitchell's (F + 2, F + 3 binades)
        a = code(sa, La), b = code(sb, La - (int64_t{1} << f.db()) + static_cast<int64_t>(rng() % 4096) - 2048);
        break;
      default:  // logs within a few binades
        a = code(sa, La), b = code(sb, La + static_cast<int64_t>(rng() % 16384) - 8192);
        break;
    }
    if (rng() & 1) std::swap(a, b);
    v.emplace_back(a, b);
  }
  return v;
}

TEST(LnsApprox, Lns16AllDifferences) {
  const Timer t;
  const uint64_t seed = test::seed_for("LnsApprox.Lns16AllDifferences", 0x6c6e73a00001);
  Rng rng(seed);
  const lnsa::Lns f = lnsa::lns("lns16_10");
  const auto det = all_difference_pairs(f);
  const long count = 1000000 * scale();
  const auto rnd = random_pairs(f, rng, count);
  long n = 0;
  for (int T : {1, 4, 6, 8, 10, 12, 14, 0}) {  // 0: mitchell
    const std::unique_ptr<lnsa::Lut> lut = T ? std::make_unique<lnsa::Lut>(f, T) : nullptr;
    Checker ck("lnsadd:lns16_10", T ? lut_options(T) : mitchell_options(), seed);
    long saturated = 0, underflowed = 0;
    for (const auto& [a, b] : det) {
      const lnsa::Result r = lnsa::lnsadd(f, lut.get(), a, b);
      saturated += r.flags == (lnsa::OF | lnsa::NX);
      underflowed += r.flags == (lnsa::UF | lnsa::NX);
      ck.check2(a, b, r);
    }
    // Both range ends must have been reached by the placed pairs.
    EXPECT_GT(saturated, 0) << "T=" << T;
    EXPECT_GT(underflowed, 0) << "T=" << T;
    for (const auto& [a, b] : rnd) ck.check2(a, b, lnsa::lnsadd(f, lut.get(), a, b));
    std::printf("[ counts   ] lnsadd:lns16_10 %s: %ld vectors (%zu placed, %ld random; placed: %ld saturated, "
                "%ld underflowed)\n",
                T ? ("lut T=" + std::to_string(T)).c_str() : "mitchell", ck.checked(), det.size(), count, saturated,
                underflowed);
    n += ck.checked();
  }
  {
    // lut_bits left at its default: T = 8 by the spec.
    const lnsa::Lut lut(f, 8);
    Options o;
    o.lns_method = LnsMethod::Lut;
    Checker ck("lnsadd:lns16_10", o, seed);
    for (size_t i = 0; i < rnd.size() && i < 100000; ++i) {
      const auto [a, b] = rnd[i];
      ck.check2(a, b, lnsa::lnsadd(f, &lut, a, b));
    }
    n += ck.checked();
  }
  std::printf("[ counts   ] lnsadd:lns16_10 lut / mitchell: %ld vectors, %.1f s\n", n, t.s());
}

// ---- error tables --------------------------------------------------------------------------------------

struct ErrStat {
  double max = 0, sum = 0, max_r = 0, sum_r = 0;
  long n = 0;
  void add(double e, double er) {
    max = std::max(max, e), sum += e, max_r = std::max(max_r, er), sum_r += er, ++n;
  }
  double mean() const { return n ? sum / n : std::numeric_limits<double>::quiet_NaN(); }
  double mean_r() const { return n ? sum_r / n : std::numeric_limits<double>::quiet_NaN(); }
  bool finite() const { return n > 0 && std::isfinite(max) && std::isfinite(sum) && std::isfinite(max_r); }
  void print(const std::string& fmt, const std::string& method) const {
    std::printf("[ lns err  ] %s %s max_ulp=%.6f mean_ulp=%.6f max_vs_rounded_ulp=%g mean_vs_rounded_ulp=%.6f n=%ld\n",
                fmt.c_str(), method.c_str(), max, mean(), max_r, mean_r(), n);
  }
};

// phi(d, sub) = 2^F log2(1 +- 2^(-d/2^F)) and its nearest integer, d in [0, dmax].
struct PhiTable {
  std::vector<double> v[2];
  std::vector<int64_t> r[2];
  PhiTable(int F, int64_t dmax) {
    for (int sub = 0; sub < 2; ++sub) {
      v[sub].assign(static_cast<size_t>(dmax + 1), std::numeric_limits<double>::quiet_NaN());
      r[sub].assign(static_cast<size_t>(dmax + 1), 0);
      for (int64_t d = sub; d <= dmax; ++d) {
        v[sub][static_cast<size_t>(d)] = lnsa::phi(F, d, sub);
        r[sub][static_cast<size_t>(d)] = lnsa::phi_rounded(F, d, sub);
      }
    }
  }
};

TEST(LnsApprox, ErrorTables) {
  const Timer t;
  const double slack = 1e-9;  // phi is a double (error ~1e-13 ulp at most)
  // lns8_3: every pair of nonzero, non-NaN codes whose exact sum is nonzero and whose correctly
  // rounded result is neither saturated nor underflowed.
  {
    const lnsa::Lns f = lnsa::lns("lns8_3");
    const int64_t lmax = f.lmax();
    const PhiTable phi(f.F, 2 * lmax);
    std::vector<std::unique_ptr<lnsa::Lut>> luts;
    for (int T = 1; T <= f.db(); ++T) luts.push_back(std::make_unique<lnsa::Lut>(f, T));
    const auto exact = make_op("lnsadd:lns8_3", Options{});
    ErrStat se, sm;
    std::vector<ErrStat> sl(luts.size());
    for (uint64_t a = 0; a < 256; ++a)
      for (uint64_t b = 0; b < 256; ++b) {
        const lnsa::Val va = lnsa::decode(f, a), vb = lnsa::decode(f, b);
        if (va.kind != lnsa::Val::Fin || vb.kind != lnsa::Val::Fin) continue;
        const bool sub = va.neg != vb.neg;
        const int64_t big = std::max(va.L, vb.L), d = std::abs(va.L - vb.L);
        if (sub && d == 0) continue;
        const double y = static_cast<double>(big) + phi.v[sub][static_cast<size_t>(d)];
        const int64_t Lr = big + phi.r[sub][static_cast<size_t>(d)];
        if (y < static_cast<double>(-lmax) || Lr > lmax) continue;
        // exact: the model's code
        const uint64_t in[2] = {a, b};
        uint64_t out = 0;
        exact->eval(in, std::span(&out, 1));
        const lnsa::Val vr = lnsa::decode(f, out);
        const double Re = vr.kind == lnsa::Val::Fin ? static_cast<double>(vr.L) : std::numeric_limits<double>::infinity();
        se.add(std::fabs(Re - y), std::fabs(Re - static_cast<double>(Lr)));
        // lut, mitchell: the method's log R = big.L + g (before saturation), from the oracle (which the
        // tests above hold the model to)
        for (size_t k = 0; k < luts.size(); ++k) {
          int64_t R = 0;
          lnsa::lnsadd(f, luts[k].get(), a, b, &R);
          sl[k].add(std::fabs(static_cast<double>(R) - y), std::fabs(static_cast<double>(R - Lr)));
        }
        int64_t R = 0;
        lnsa::lnsadd(f, nullptr, a, b, &R);
        sm.add(std::fabs(static_cast<double>(R) - y), std::fabs(static_cast<double>(R - Lr)));
      }
    se.print("lns8_3", "exact");
    for (size_t k = 0; k < luts.size(); ++k) sl[k].print("lns8_3", "lut" + std::to_string(k + 1));
    sm.print("lns8_3", "mitchell");
    EXPECT_TRUE(se.finite());
    EXPECT_LE(se.max, 0.5 + slack);
    EXPECT_EQ(se.max_r, 0);
    for (auto& s : sl) EXPECT_TRUE(s.finite());
    EXPECT_TRUE(sm.finite());
    EXPECT_LE(sl.back().max, 0.5 + std::ldexp(1.0, -(lnsa::GF + 1)) + slack) << "lut T = DB";
  }
  // lns16_10: the error is a function of (d, sub) alone away from the range ends: every d in [0, 2 Lmax]
  // for both signs, each (d, sub) once. exact: the model's code for a pair placed in range (the larger
  // log at max(0, d - Lmax)).
  {
    const lnsa::Lns f = lnsa::lns("lns16_10");
    const int64_t lmax = f.lmax();
    const PhiTable phi(f.F, 2 * lmax);
    const int Ts[] = {4, 6, 8, 10, 14};
    std::vector<std::unique_ptr<lnsa::Lut>> luts;
    for (int T : Ts) luts.push_back(std::make_unique<lnsa::Lut>(f, T));
    const auto exact = make_op("lnsadd:lns16_10", Options{});
    ErrStat se, sm;
    std::vector<ErrStat> sl(luts.size());
    long skipped = 0;
    for (int sub = 0; sub < 2; ++sub)
      for (int64_t d = sub; d <= 2 * lmax; ++d) {
        const double p = phi.v[sub][static_cast<size_t>(d)];
        const int64_t pr = phi.r[sub][static_cast<size_t>(d)];
        const int64_t big = std::max<int64_t>(0, d - lmax);
        const double y = static_cast<double>(big) + p;
        if (y < static_cast<double>(-lmax) || big + pr > lmax) {
          ++skipped;
          continue;
        }
        const uint64_t in[2] = {lnsa::encode(f, false, big), lnsa::encode(f, sub, big - d)};
        uint64_t out = 0;
        exact->eval(in, std::span(&out, 1));
        const lnsa::Val vr = lnsa::decode(f, out);
        const double Re = vr.kind == lnsa::Val::Fin ? static_cast<double>(vr.L) : std::numeric_limits<double>::infinity();
        se.add(std::fabs(Re - y), std::fabs(Re - static_cast<double>(big + pr)));
        for (size_t k = 0; k < luts.size(); ++k) {
          const int64_t g = luts[k]->g(d, sub);
          sl[k].add(std::fabs(static_cast<double>(g) - p), std::fabs(static_cast<double>(g - pr)));
        }
        const int64_t g = lnsa::mitchell_g(f.F, d, sub);
        sm.add(std::fabs(static_cast<double>(g) - p), std::fabs(static_cast<double>(g - pr)));
      }
    EXPECT_EQ(skipped, 0);
    se.print("lns16_10", "exact");
    for (size_t k = 0; k < luts.size(); ++k) sl[k].print("lns16_10", "lut" + std::to_string(Ts[k]));
    sm.print("lns16_10", "mitchell");
    EXPECT_TRUE(se.finite());
    EXPECT_LE(se.max, 0.5 + slack);
    EXPECT_EQ(se.max_r, 0);
    for (size_t k = 0; k < luts.size(); ++k) {
      EXPECT_TRUE(sl[k].finite());
      if (k > 0) {
        EXPECT_LE(sl[k].max, sl[k - 1].max) << "lut T=" << Ts[k] << " vs T=" << Ts[k - 1];
      }
    }
    EXPECT_LE(sl.back().max, 0.5 + std::ldexp(1.0, -(lnsa::GF + 1)) + slack) << "lut T = DB";
    EXPECT_TRUE(sm.finite());
  }
  std::printf("[ counts   ] error tables: %.1f s\n", t.s());
}

// ---- lnsmac (LNS-Madam) -------------------------------------------------------------------------------------

struct MacConfig {
  std::string fmt, acc;
  int K, H, CB;
  std::string unit() const { return "lnsmac:" + fmt + ":" + acc + ":" + std::to_string(K); }
  std::string text() const { return unit() + " H=" + std::to_string(H) + " CB=" + std::to_string(CB); }
};

// One configuration: the model's operation and the oracle.
class MacCheck {
 public:
  MacCheck(const MacConfig& c, uint64_t seed)
      : cfg_(c), f_(lnsa::lns(c.fmt)), acc_(lnsa::acc(c.acc)), madam_(f_, acc_, c.K, c.H, c.CB),
        ck_(c.unit(), madam_options(c.H, c.CB), seed), in_(2 * static_cast<size_t>(c.K) + 1) {
    EXPECT_EQ(ck_.operands(), in_.size()) << c.unit();
  }
  const lnsa::Lns& f() const { return f_; }
  const lnsa::Acc& acc() const { return acc_; }
  int K() const { return cfg_.K; }
  // a[K], b[K], c
  void check(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b, uint64_t c) {
    std::copy(a.begin(), a.end(), in_.begin());
    std::copy(b.begin(), b.end(), in_.begin() + cfg_.K);
    in_.back() = c & acc_.mask();
    ck_.check(in_.data(), in_.size(), madam_.eval(a.data(), b.data(), in_.back()));
  }
  long checked() const { return ck_.checked(); }
  long failed() const { return ck_.failed(); }

 private:
  MacConfig cfg_;
  lnsa::Lns f_;
  lnsa::Acc acc_;
  lnsa::Madam madam_;
  Checker ck_;
  std::vector<uint64_t> in_;
};

// A random operand: ~5% ZERO, ~0.5% NaN, else any finite code.
uint64_t random_operand(const lnsa::Lns& f, Rng& rng) {
  const uint64_t r = rng() % 1000;
  if (r < 50) return f.zero();
  if (r < 55) return f.nan();
  for (;;) {
    const uint64_t c = rng() & f.mask();
    if (c != f.zero() && c != f.nan()) return c;
  }
}

TEST(LnsApprox, MadamRandom) {
  const Timer t;
  const uint64_t seed = test::seed_for("LnsApprox.MadamRandom", 0x6c6e73a00002);
  Rng rng(seed);
  const long rows = 200000 * scale();
  long n = 0;
  for (int K : {8, 1, 16})
    for (int H : {-1, 2, 0})
      for (int CB : {8, 12}) {
        MacCheck mc({"lns8_3", "fx48_16", K, H, CB}, seed);
        std::vector<uint64_t> a(static_cast<size_t>(K)), b(static_cast<size_t>(K));
        for (long r = 0; r < rows && mc.failed() <= 12; ++r) {
          for (int i = 0; i < K; ++i) a[i] = random_operand(mc.f(), rng), b[i] = random_operand(mc.f(), rng);
          mc.check(a, b, rng());
        }
        n += mc.checked();
      }
  std::printf("[ counts   ] lnsmac:lns8_3:fx48_16:{8,1,16} x bins {3,2,0} x cbits {8,12}: %ld rows, %.1f s\n", n, t.s());
}

TEST(LnsApprox, MadamEdges) {
  const Timer t;
  const uint64_t seed = test::seed_for("LnsApprox.MadamEdges", 0x6c6e73a00003);
  Rng rng(seed);
  std::vector<MacConfig> cfgs;
  // lns8_3: QB + F + CB = 27 at CB = 8 (31 at 12, 20 at 1, 43 at 24). P below (fx48_16, int32, fx16_8,
  // fx32_16: narrow, wrapping), equal (fx40_27), above (fx64_40), and far above (fx64_126: the shift
  // passes the word, X = 0 mod 2^64).
  for (const std::string acc : {"fx48_16", "fx64_40", "fx40_27", "int32", "fx32_16", "fx16_8", "fx64_126", "fx24_4"})
    for (int K : {1, 8, 16})
      for (int H : {-1, 3, 2, 1, 0})
        for (int CB : {8, 12, 1, 24}) {
          if ((acc != "fx48_16" && acc != "fx64_40") && (CB == 1 || CB == 24 || H == 1)) continue;
          cfgs.push_back({"lns8_3", acc, K, H, CB});
        }
  // lns16_10: QB = 32, QB + F + CB = 50 at CB = 8 (54 at 12, 66 at 24).
  for (const std::string acc : {"fx64_32", "fx64_50", "fx64_60", "int64", "fx48_16"})
    for (int K : {1, 4, 16})
      for (int H : {-1, 5, 0})
        for (int CB : {8, 12, 24}) cfgs.push_back({"lns16_10", acc, K, H, CB});
  // lns8_6 (QB = 2: a short bin range) and lns10_5 (QB = 8).
  for (const std::string fmt : {"lns8_6", "lns10_5"})
    for (const std::string acc : {"fx32_12", "fx64_40", "int16"})
      for (int K : {1, 8})
        for (int H : {-1, 3, 0})
          for (int CB : {8, 12}) cfgs.push_back({fmt, acc, K, H, CB});
  long n = 0;
  for (const MacConfig& c : cfgs) {
    MacCheck mc(c, seed);
    const lnsa::Lns& f = mc.f();
    const int K = c.K;
    const uint64_t mx = lnsa::encode(f, false, f.lmax()), mxn = lnsa::encode(f, true, f.lmax());
    const uint64_t mn = lnsa::encode(f, false, -f.lmax()), mnn = lnsa::encode(f, true, -f.lmax());
    const uint64_t one = lnsa::encode(f, false, 0);
    const uint64_t mask = mc.acc().mask();
    const uint64_t cs[] = {0, 1, mask, mask >> 1, (mask >> 1) + 1, mask - 12345, rng() & mask};
    std::vector<uint64_t> a(static_cast<size_t>(K)), b(static_cast<size_t>(K));
    auto fill = [&](uint64_t x, uint64_t y) { std::fill(a.begin(), a.end(), x), std::fill(b.begin(), b.end(), y); };
    for (uint64_t cc : cs) {
      fill(mx, mx);  // all-max products: the largest bins (wrap of narrow accumulators)
      mc.check(a, b, cc);
      fill(mxn, mx);  // all-max, negative
      mc.check(a, b, cc);
      fill(mn, mn);  // all-min products: q = -QB
      mc.check(a, b, cc);
      fill(mnn, mn);
      mc.check(a, b, cc);
      fill(mx, mn);  // e = 0 exactly
      mc.check(a, b, cc);
      fill(f.zero(), mx);  // ZERO lanes: y = c
      mc.check(a, b, cc);
      fill(mx, mx);  // a NaN in the last lane: y = 0, NV
      a.back() = f.nan();
      mc.check(a, b, cc);
      fill(mx, f.nan());
      b[0] = f.zero();
      mc.check(a, b, cc);
      // cancelling lanes: each product met by its negation (V = 0 in any bin layout), then one left over
      for (int rep = 0; rep < 4; ++rep) {
        for (int i = 0; i + 1 < K; i += 2) {
          const uint64_t x = random_operand(f, rng) & ~(uint64_t{1} << (f.W - 1)), y = random_operand(f, rng);
          const bool ok = x != f.zero() && x != f.nan() && y != f.nan();
          a[i] = ok ? x : one, b[i] = ok ? y : mx;
          a[i + 1] = a[i] ^ (uint64_t{1} << (f.W - 1)), b[i + 1] = b[i];
        }
        if (K % 2) a.back() = rep & 1 ? mx : one, b.back() = rep & 2 ? mnn : mx;
        mc.check(a, b, cc);
      }
      // one max product against K-1 min products of the other sign, and the reverse
      fill(mnn, mn);
      a[0] = mx, b[0] = mx;
      mc.check(a, b, cc);
      fill(mx, mx);
      a[0] = mnn, b[0] = mn;
      mc.check(a, b, cc);
      // every lane the same product near a bin boundary: r = 2^F - 1 and r = 0 with q moving
      for (int64_t e : {int64_t{-1}, int64_t{0}, f.one() - 1, f.one(), -f.one(), -f.one() - 1, 2 * f.lmax() - 1}) {
        const int64_t La = std::clamp<int64_t>(e, -f.lmax(), f.lmax()), Lb = e - La;
        if (Lb < -f.lmax() || Lb > f.lmax()) continue;
        fill(lnsa::encode(f, false, La), lnsa::encode(f, (rng() & 1) != 0, Lb));
        mc.check(a, b, cc);
      }
    }
    // random rows: any finite codes, and codes from the top and bottom of the range
    for (int r = 0; r < 2000; ++r) {
      for (int i = 0; i < K; ++i) {
        if (r % 3 == 0) {
          a[i] = random_operand(f, rng), b[i] = random_operand(f, rng);
        } else {
          const int64_t span = 1 + static_cast<int64_t>(rng() % 64);
          const bool top = r % 3 == 1;
          auto pick = [&] {
            const int64_t off = static_cast<int64_t>(rng() % span);
            const int64_t L = top ? f.lmax() - off : -f.lmax() + off;
            return lnsa::encode(f, (rng() & 1) != 0, L);
          };
          a[i] = pick(), b[i] = pick();
        }
      }
      mc.check(a, b, rng() & mask);
    }
    n += mc.checked();
  }
  std::printf("[ counts   ] lnsmac edges: %zu configurations, %ld rows, %.1f s\n", cfgs.size(), n, t.s());
}

// ---- the Madam sum against the exact sum -------------------------------------------------------------------

// A gaussian real into lns8_3 (nearest in log2; below m_min: zero or m_min by the tiny rule of RNE).
uint64_t to_lns(const lnsa::Lns& f, double x) {
  const double ax = std::fabs(x);
  const double lmin = static_cast<double>(-f.lmax());
  const double y = std::log2(ax) * static_cast<double>(f.one());
  if (y < lmin) {
    const double m_min = std::exp2(lmin / static_cast<double>(f.one()));
    return ax <= m_min / 2 ? f.zero() : lnsa::encode(f, x < 0, -f.lmax());
  }
  const int64_t L = std::min<int64_t>(static_cast<int64_t>(std::nearbyint(y)), f.lmax());
  return lnsa::encode(f, x < 0, L);
}

TEST(LnsApprox, MadamErrorVsExact) {
  const Timer t;
  const uint64_t seed = test::seed_for("LnsApprox.MadamErrorVsExact", 0x6c6e73a00004);
  Rng rng(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  const lnsa::Lns f = lnsa::lns("lns8_3");
  const lnsa::Acc acc = lnsa::acc("fx48_16");
  constexpr int K = 8;
  // 2^(e/8), e in [-126, 126], at 256 bits.
  std::vector<__mpfr_struct> pw(253);
  for (int e = -126; e <= 126; ++e) {
    mpfr_ptr p = &pw[static_cast<size_t>(e + 126)];
    mpfr_init2(p, 256);
    mpfr_set_si(p, e, MPFR_RNDN);
    mpfr_div_2ui(p, p, 3, MPFR_RNDN);
    mpfr_exp2(p, p, MPFR_RNDN);
  }
  mpfr_t sum, asum, tmp;
  mpfr_inits2(256, sum, asum, tmp, static_cast<mpfr_ptr>(nullptr));
  long mismatches = 0;
  for (int H : {3, 2}) {
    const lnsa::Madam madam(f, acc, K, H, 8);
    const auto op = make_op("lnsmac:lns8_3:fx48_16:8", madam_options(H, 8));
    for (int N : {256, 4096}) {
      const int trials = N == 256 ? 400 : 60;
      std::vector<double> rel, nrm;
      for (int tr = 0; tr < trials; ++tr) {
        mpfr_set_zero(sum, 1);
        mpfr_set_zero(asum, 1);
        uint64_t c = 0;
        std::vector<uint64_t> in(2 * K + 1);
        for (int base = 0; base < N; base += K) {
          for (int i = 0; i < K; ++i) {
            in[i] = to_lns(f, gauss(rng));
            in[K + i] = to_lns(f, gauss(rng));
            const lnsa::Val va = lnsa::decode(f, in[i]), vb = lnsa::decode(f, in[K + i]);
            if (va.kind != lnsa::Val::Fin || vb.kind != lnsa::Val::Fin) continue;
            if (va.neg != vb.neg)
              mpfr_sub(sum, sum, &pw[static_cast<size_t>(va.L + vb.L + 126)], MPFR_RNDN);
            else
              mpfr_add(sum, sum, &pw[static_cast<size_t>(va.L + vb.L + 126)], MPFR_RNDN);
            mpfr_add(asum, asum, &pw[static_cast<size_t>(va.L + vb.L + 126)], MPFR_RNDN);
          }
          in[2 * K] = c;
          uint64_t y = 0;
          const uint8_t fl = op->eval(in, std::span(&y, 1));
          const lnsa::Result want = madam.eval(in.data(), in.data() + K, c);
          if ((y != want.bits || fl != want.flags) && ++mismatches <= 5)
            ADD_FAILURE() << "lnsmac:lns8_3:fx48_16:8 H=" << H << " c=" << test::hexs(c) << ": model " << test::hexs(y)
                          << " flags " << test::hexs(fl) << ", oracle " << test::hexs(want.bits) << " flags "
                          << test::hexs(want.flags) << " (seed " << test::hexs(seed) << ")";
          c = y;
        }
        // y as a signed 48-bit value with 16 fraction bits
        int64_t sy = static_cast<int64_t>(c << 16) >> 16;
        mpfr_set_si(tmp, sy, MPFR_RNDN);
        mpfr_div_2ui(tmp, tmp, static_cast<unsigned long>(acc.P), MPFR_RNDN);
        mpfr_sub(tmp, tmp, sum, MPFR_RNDN);
        const double err = std::fabs(mpfr_get_d(tmp, MPFR_RNDN));
        rel.push_back(err / std::fabs(mpfr_get_d(sum, MPFR_RNDN)));
        nrm.push_back(err / mpfr_get_d(asum, MPFR_RNDN));
      }
      std::sort(rel.begin(), rel.end());
      std::sort(nrm.begin(), nrm.end());
      double mean = 0;
      for (double r : rel) mean += r;
      mean /= static_cast<double>(rel.size());
      const double med = rel[rel.size() / 2], mx = rel.back();
      std::printf("[ madam err] lns8_3 fx48_16 K=8 H=%d CB=8 sum_of=%d trials=%d median_rel=%.3e mean_rel=%.3e max_rel=%.3e"
                  " median_err_over_abs_sum=%.3e max_err_over_abs_sum=%.3e\n",
                  H, N, trials, med, mean, mx, nrm[nrm.size() / 2], nrm.back());
      EXPECT_TRUE(std::isfinite(mx));
    }
  }
  EXPECT_EQ(mismatches, 0);
  mpfr_clears(sum, asum, tmp, static_cast<mpfr_ptr>(nullptr));
  for (auto& p : pw) mpfr_clear(&p);
  std::printf("[ counts   ] madam error study: %.1f s\n", t.s());
}

}  // namespace
}  // namespace fmalab
