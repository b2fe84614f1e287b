// The LNS formats (cvt into, out of and between lnsW_F, lnsmul, lnsadd exact; /work/spec/lns_spec.md)
// against the independent exact oracle tests/oracle/lns_oracle.cpp, which shares no code with model/
// (float and fixed-point formats through tests/oracle/oracle.cpp). The model is reached only through
// make_operation and Operation::eval.
//
// - LnsOracle.SelfCheck: the oracle against values worked out by hand (lns_oracle.cpp).
// - LnsOracle.FromLnsExhaustive: every code of lns8_3, lns8_0, lns8_6, lns16_10 into fp32, fp16, bf16, e4m3,
//   e5m2, e2m1, int8, five modes, saturation off and on.
// - LnsOracle.ToLnsExhaustive: every code of e4m3, e5m2, e3m2, e2m3, e2m1, int8, fp16, bf16 into lns8_3,
//   lns8_0, lns16_10, five modes, both domains, saturation off (and on in the log domain: the Inf rule).
// - LnsOracle.LnsToLnsExhaustive: every lns16_10 code into lns8_3 and lns8_0, every lns8_3 code into lns16_10,
//   lns8_0 and lns8_6, every lns8_0 and lns8_6 code into lns8_3; five modes, both domains.
// - LnsOracle.Fp32SourceCorners / Fp32SourceRandom: fp32 into lns16_10 and lns8_3: powers of two and their
//   neighbours over fp32's whole range, every grid point and log / linear midpoint of the destination (and
//   m_min / 2, max) with fp32 neighbours, subnormals, +-0, Inf, NaN, sNaN; then 1M random values (x
//   FMALAB_RANDOM_SCALE; FMALAB_REGRESS=1 gives x100), five modes, both domains.
// - LnsOracle.LnsmulExhaustive: all pairs of lns8_3 and of lns8_0, five modes, both domains.
// - LnsOracle.LnsaddExhaustive: all pairs of lns8_3 and of lns8_0, five modes, both domains.
// - LnsOracle.LnsaddRandom: 1M random lns16_10 pairs in RNE log, the first 200k of them in every other
//   mode and domain (x FMALAB_RANDOM_SCALE / FMALAB_REGRESS).
// A failing test prints the first mismatches (inputs, mode, domain, both results) and the seed;
// FMALAB_SEED=0x... replays it.
#include <gtest/gtest.h>
#include <mpfr.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "model/operation.hpp"
#include "oracle/lns_oracle.hpp"
#include "oracle/oracle.hpp"
#include "test_support.hpp"

namespace fmalab {
namespace {

using Rng = std::mt19937_64;
constexpr int kModes[] = {lnso::RNE, lnso::RTZ, lnso::RDN, lnso::RUP, lnso::RMM};
constexpr int kDomains[] = {lnso::Log, lnso::Linear};

// Random counts: FMALAB_RANDOM_SCALE (make regress), or FMALAB_REGRESS=1 for x100.
long scale() {
  if (std::getenv("FMALAB_RANDOM_SCALE")) return test::random_scale();
  const char* r = std::getenv("FMALAB_REGRESS");
  return r && std::string(r) == "1" ? 100 : 1;
}

int bits_of(const std::string& fmt) {
  if (lnso::is_lns(fmt)) return lnso::lns(fmt).W;
  return oracle::fmt(fmt).bits;
}

class Timer {
 public:
  double s() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

 private:
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

// One unit name in every mode / domain / saturation it is asked for: the model's operations by
// options, the comparison, the first mismatches printed, the count.
class Checker {
 public:
  explicit Checker(std::string unit, uint64_t seed = 0) : unit_(std::move(unit)), seed_(seed) {}
  ~Checker() {
    EXPECT_EQ(failed_, 0) << "mismatches of " << checked_ << " " << unit_ << " vectors"
                          << (seed_ ? " (seed " + test::hexs(seed_) + ")" : "");
  }
  Checker(const Checker&) = delete;

  const Operation& op(int mode, int domain, bool sat) {
    auto& slot = ops_[{mode, domain, sat}];
    if (!slot) {
      Options o;
      o.mode = static_cast<Round>(mode);
      o.saturate = sat;
      o.lns_round = domain == lnso::Linear ? LnsRound::Linear : LnsRound::Log;
      std::string why;
      slot = make_operation(unit_, o, &why);
      if (!slot) throw std::runtime_error(unit_ + ": " + why);
    }
    return *slot;
  }

  void check(std::initializer_list<uint64_t> in, int mode, int domain, bool sat, lnso::Result want) {
    in_.assign(in.begin(), in.end());
    uint64_t y = ~uint64_t{0};
    const uint8_t flags = op(mode, domain, sat).eval(in_, std::span(&y, 1));
    ++checked_;
    if (y == want.bits && flags == want.flags) return;
    if (++failed_ > 12) return;
    std::ostringstream s;
    s << unit_ << " in =";
    for (uint64_t v : in_) s << " " << test::hexs(v);
    s << " --round " << lnso::mode_name(mode) << " --lns-round " << lnso::domain_name(domain)
      << (sat ? " --sat" : "") << ": model " << test::hexs(y) << " flags " << test::hexs(flags) << ", oracle "
      << test::hexs(want.bits) << " flags " << test::hexs(want.flags);
    if (seed_) s << " (seed " << test::hexs(seed_) << ")";
    ADD_FAILURE() << s.str();
  }
  long checked() const { return checked_; }
  long failed() const { return failed_; }

 private:
  std::string unit_;
  uint64_t seed_;
  std::map<std::tuple<int, int, bool>, std::unique_ptr<Operation>> ops_;
  std::vector<uint64_t> in_;
  long checked_ = 0, failed_ = 0;
};

// Codes of a non-LNS source into an LNS destination: the analysis once per code, then every mode /
// domain (saturation off) and every mode in the log domain with saturation on.
void to_lns_codes(Checker& ck, const std::string& src, const std::string& dst, const std::vector<uint64_t>& codes,
                  bool both_sat = true) {
  const oracle::Fmt s = oracle::fmt(src);
  const lnso::Lns d = lnso::lns(dst);
  for (uint64_t c : codes) {
    const lnso::Prepared p = lnso::to_lns(s, c, d, false);
    for (int dom : kDomains)
      for (int m : kModes) ck.check({c}, m, dom, false, lnso::finish(d, p, m, dom));
    if (both_sat) {
      const lnso::Prepared ps = lnso::to_lns(s, c, d, true);
      for (int m : kModes) ck.check({c}, m, lnso::Log, true, lnso::finish(d, ps, m, lnso::Log));
    }
  }
}

long to_lns_codes(const std::string& src, const std::string& dst, const std::vector<uint64_t>& codes) {
  Checker ck("cvt:" + src + ":" + dst);
  to_lns_codes(ck, src, dst, codes);
  return ck.checked();
}

std::vector<uint64_t> all_codes(int bits) {
  std::vector<uint64_t> v(size_t{1} << bits);
  for (size_t i = 0; i < v.size(); ++i) v[i] = i;
  return v;
}

// ---- the oracle itself ------------------------------------------------------------------------------

TEST(LnsOracle, SelfCheck) { EXPECT_EQ(lnso::self_check(), ""); }

// ---- out of LNS ---------------------------------------------------------------------------------------

TEST(LnsOracle, FromLnsExhaustive) {
  const Timer t;
  const std::vector<std::string> dsts = {"fp32", "fp16", "bf16", "e4m3", "e5m2", "e2m1", "int8"};
  std::vector<std::unique_ptr<oracle::Oracle>> od;
  for (const auto& d : dsts) od.push_back(std::make_unique<oracle::Oracle>(oracle::fmt(d)));
  long n = 0;
  lnso::FromLns fl;
  for (const std::string src : {"lns8_3", "lns8_0", "lns8_6", "lns16_10"}) {
    const lnso::Lns s = lnso::lns(src);
    std::vector<std::unique_ptr<Checker>> ck;
    for (const auto& d : dsts) ck.push_back(std::make_unique<Checker>("cvt:" + src + ":" + d));
    for (uint64_t c = 0; c < (uint64_t{1} << s.W); ++c) {
      fl.set(s, c);
      for (size_t i = 0; i < dsts.size(); ++i)
        for (bool sat : {false, true})
          for (int m : kModes) ck[i]->check({c}, m, lnso::Log, sat, fl.round(*od[i], m, sat));
    }
    for (auto& k : ck) n += k->checked();
  }
  std::printf("[ counts   ] out of LNS: %ld vectors (4 sources x 7 destinations x 5 modes x sat off/on), %.1f s\n",
              n, t.s());
}

// ---- into LNS -----------------------------------------------------------------------------------------

TEST(LnsOracle, ToLnsExhaustive) {
  const Timer t;
  long n = 0;
  for (const std::string src : {"e4m3", "e5m2", "e3m2", "e2m3", "e2m1", "int8", "fp16", "bf16"})
    for (const std::string dst : {"lns8_3", "lns8_0", "lns16_10"}) n += to_lns_codes(src, dst, all_codes(bits_of(src)));
  std::printf("[ counts   ] into LNS: %ld vectors (8 sources x 3 destinations, 5 modes x 2 domains + sat), %.1f s\n",
              n, t.s());
}

TEST(LnsOracle, LnsToLnsExhaustive) {
  const Timer t;
  long n = 0;
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"lns16_10", "lns8_3"}, {"lns16_10", "lns8_0"}, {"lns8_3", "lns16_10"}, {"lns8_3", "lns8_0"},
      {"lns8_3", "lns8_6"},   {"lns8_0", "lns8_3"},   {"lns8_6", "lns8_3"}};
  for (const auto& [src, dst] : pairs) {
    const lnso::Lns s = lnso::lns(src), d = lnso::lns(dst);
    Checker ck("cvt:" + src + ":" + dst);
    for (uint64_t c = 0; c < (uint64_t{1} << s.W); ++c) {
      const lnso::Prepared p = lnso::lns_to_lns(s, c, d);
      for (int dom : kDomains)
        for (int m : kModes) ck.check({c}, m, dom, false, lnso::finish(d, p, m, dom));
    }
    n += ck.checked();
  }
  std::printf("[ counts   ] LNS to LNS: %ld vectors (7 pairs, 5 modes x 2 domains), %.1f s\n", n, t.s());
}

// ---- fp32 sources -------------------------------------------------------------------------------------

uint32_t f2u(float f) { return std::bit_cast<uint32_t>(f); }

// The fp32 codes next to a real t (given as a double; the neighbours cover double's error): the nearest
// and k codes either side, both signs.
void around(double t, int k, std::vector<uint64_t>& out) {
  if (!(t > 0) || t >= 3.4028234663852886e38) return;
  const uint32_t c = f2u(static_cast<float>(t));
  for (int i = -k; i <= k; ++i) {
    const int64_t v = int64_t{c} + i;
    if (v < 0 || v > 0x7F7FFFFF) continue;
    out.push_back(static_cast<uint64_t>(v));
    out.push_back(static_cast<uint64_t>(v) | 0x80000000u);
  }
}

std::vector<uint64_t> fp32_corners(const lnso::Lns& d) {
  std::vector<uint64_t> v = {0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7FC00001,
                             0x7F800001, 0xFF800001, 0x7FA00000, 0x7FBFFFFF, 0xFFFFFFFF, 0x7F7FFFFF, 0xFF7FFFFF,
                             0x00000001, 0x80000001, 0x00000002, 0x007FFFFF, 0x807FFFFF, 0x00800000, 0x00400000};
  // Powers of two over fp32's whole range (subnormal ones too) and their neighbours.
  for (int e = -149; e <= 127; ++e) around(std::ldexp(1.0, e), 2, v);
  // Every grid point 2^(L/n) of the destination, its log midpoint 2^((L + 1/2)/n) and linear midpoint
  // (lo + hi) / 2, from L = Lmin - n - 1 (m_min / 2 and below) to Lmax + 1 (above max).
  const double n = static_cast<double>(d.n());
  for (int64_t L = d.lmin() - d.n() - 2; L <= d.lmax() + 2; ++L) {
    const double lo = std::exp2(L / n), hi = std::exp2((L + 1) / n);
    around(lo, 2, v);
    around(std::exp2((L + 0.5) / n), 1, v);
    around((lo + hi) / 2, 1, v);
  }
  return v;
}

TEST(LnsOracle, Fp32SourceCorners) {
  const Timer t;
  long n = 0;
  for (const std::string dst : {"lns16_10", "lns8_3"}) {
    const std::vector<uint64_t> v = fp32_corners(lnso::lns(dst));
    n += to_lns_codes("fp32", dst, v);
  }
  std::printf("[ counts   ] fp32 corners into lns16_10 and lns8_3: %ld vectors (5 modes x 2 domains + sat), %.1f s\n",
              n, t.s());
}

TEST(LnsOracle, Fp32SourceRandom) {
  const Timer t;
  const uint64_t seed = test::seed_for("LnsOracle.Fp32SourceRandom", 0x6c6e73000004);
  Rng rng(seed);
  const long count = 1000000 * scale();
  long n = 0;
  for (const std::string dst : {"lns16_10", "lns8_3"}) {
    const lnso::Lns d = lnso::lns(dst);
    // Exponents that land in and just around the destination's range; a quarter any code at all.
    // In chunks: make regress draws 100M values.
    const int emax = static_cast<int>(d.lmax() >> d.F) + 3;
    Checker ck("cvt:fp32:" + dst, seed);
    std::vector<uint64_t> v;
    for (long done = 0; done < count && ck.failed() <= 12;) {
      v.clear();
      for (; done < count && v.size() < 1000000; ++done) {
        uint32_t c = static_cast<uint32_t>(rng());
        if (done % 4 != 0) {
          const int e = static_cast<int>(rng() % (2 * emax + 1)) - emax;
          c = (c & 0x807FFFFFu) | static_cast<uint32_t>(e + 127) << 23;
        }
        v.push_back(c);
      }
      to_lns_codes(ck, "fp32", dst, v, false);
    }
    n += ck.checked();
  }
  std::printf("[ counts   ] fp32 random into lns16_10 and lns8_3: %ld vectors (%ld values each, 5 modes x 2 domains), %.1f s\n",
              n, count, t.s());
}

// ---- lnsmul, lnsadd -------------------------------------------------------------------------------------

TEST(LnsOracle, LnsmulExhaustive) {
  const Timer t;
  long n = 0;
  for (const std::string fmt : {"lns8_3", "lns8_0"}) {
    const lnso::Lns f = lnso::lns(fmt);
    Checker ck("lnsmul:" + fmt);
    for (uint64_t a = 0; a < 256; ++a)
      for (uint64_t b = 0; b < 256; ++b) {
        const lnso::Prepared p = lnso::lnsmul(f, a, b);
        for (int dom : kDomains)
          for (int m : kModes) ck.check({a, b}, m, dom, false, lnso::finish(f, p, m, dom));
      }
    n += ck.checked();
  }
  std::printf("[ counts   ] lnsmul: %ld vectors (lns8_3, lns8_0 all pairs, 5 modes x 2 domains), %.1f s\n", n, t.s());
}

TEST(LnsOracle, LnsaddExhaustive) {
  const Timer t;
  long n = 0;
  for (const std::string fmt : {"lns8_3", "lns8_0"}) {
    const lnso::Lns f = lnso::lns(fmt);
    Checker ck("lnsadd:" + fmt);
    for (uint64_t a = 0; a < 256; ++a)
      for (uint64_t b = 0; b < 256; ++b) {
        const lnso::Prepared p = lnso::lnsadd(f, a, b);
        for (int dom : kDomains)
          for (int m : kModes) ck.check({a, b}, m, dom, false, lnso::finish(f, p, m, dom));
      }
    n += ck.checked();
  }
  std::printf("[ counts   ] lnsadd: %ld vectors (lns8_3, lns8_0 all pairs, 5 modes x 2 domains), %.1f s\n", n, t.s());
}

TEST(LnsOracle, LnsaddRandom) {
  const Timer t;
  const uint64_t seed = test::seed_for("LnsOracle.LnsaddRandom", 0x6c6e73000006);
  Rng rng(seed);
  const lnso::Lns f = lnso::lns("lns16_10");
  const long count = 1000000 * scale(), every = 200000 * scale();
  Checker ck("lnsadd:lns16_10", seed);
  const int64_t lmax = f.lmax(), span = 2 * lmax + 1;
  auto code = [&](bool neg, int64_t L) {
    L = std::clamp(L, f.lmin(), lmax);
    return lnso::encode(f, neg, L);
  };
  std::map<std::string, long> tally;
  for (long i = 0; i < count; ++i) {
    const int fam = static_cast<int>(rng() % 8);
    uint64_t a, b;
    const bool sa = rng() & 1, sb = rng() & 1;
    const int64_t La = static_cast<int64_t>(rng() % span) - lmax;
    switch (fam) {
      case 0:  // any codes (zero, NaN, far apart)
        a = rng() & 0xFFFF, b = rng() & 0xFFFF;
        break;
      case 1:
      case 2:  // close logs: cancellation, the d = 1 linear ties, x + x, x - x
        a = code(sa, La), b = code(sb, La + static_cast<int64_t>(rng() % 33) - 16);
        break;
      case 3:  // near x - x/2 (d = n) and the next binades
        a = code(sa, La), b = code(!sa, La - f.n() * static_cast<int64_t>(1 + rng() % 3) + static_cast<int64_t>(rng() % 9) - 4);
        break;
      case 4:  // near the top: overflow
        a = code(sa, lmax - static_cast<int64_t>(rng() % 2048)), b = code(sb, lmax - static_cast<int64_t>(rng() % 4096));
        break;
      case 5: {  // near the bottom: tiny results by cancellation or small operands
        const int64_t Lb = f.lmin() + static_cast<int64_t>(rng() % 4096);
        a = code(sa, Lb), b = code(rng() % 4 ? !sa : sa, Lb + static_cast<int64_t>(rng() % 129) - 64);
        break;
      }
      default:  // logs within a few binades
        a = code(sa, La), b = code(sb, La + static_cast<int64_t>(rng() % 16384) - 8192);
        break;
    }
    if (rng() % 2) std::swap(a, b);
    const lnso::Prepared p = lnso::lnsadd(f, a, b);
    if (!p.special) {
      if (p.an.tiny) ++tally["tiny"];
      else if (p.an.exact) ++tally["exact"];
      else if (p.an.lin_mid == 0) ++tally["linear tie"];
      if (!p.an.tiny && p.an.L0 >= lmax) ++tally["overflow or max"];
    } else {
      ++tally["special"];
    }
    ck.check({a, b}, lnso::RNE, lnso::Log, false, lnso::finish(f, p, lnso::RNE, lnso::Log));
    if (i < every)
      for (int dom : kDomains)
        for (int m : kModes)
          if (m != lnso::RNE || dom != lnso::Log) ck.check({a, b}, m, dom, false, lnso::finish(f, p, m, dom));
  }
  std::printf("[ counts   ] lnsadd:lns16_10 random: %ld pairs in rne/log, %ld of them in the 9 other mode/domain pairs: %ld vectors, %.1f s;",
              count, std::min(count, every), ck.checked(), t.s());
  for (const auto& [k, v] : tally) std::printf(" %s=%ld", k.c_str(), v);
  std::printf("\n");
}

}  // namespace
}  // namespace fmalab
