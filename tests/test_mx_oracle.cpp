// mxq:FMT[:SRC], mxdq:FMT and mxdot:FMT[:K] (the MX / NVFP4 block formats, issue 14) against the
// independent exact oracle tests/oracle/mx_oracle.cpp, which shares no code with model/ and was
// written from the specification alone. The model is reached only through make_operation and
// Operation::eval, operands and results in the specification's order.
//
// - MxOracle.SelfCheck: the oracle against values worked out by hand (in mx_oracle.cpp's comments).
// Formats: the six MX names, nvfp4, mx:e3m4:16:e8m0 (Formats/...), and mx:e2m1:16:e4m3, mx:e4m3:32:e4m3
// (E4m3Scale/...: a generic e4m3 scale, which the specification only names; mx_oracle.cpp states the
// reading checked). The one reading where the oracle and the model differ today: a signaling e5m2 /
// e3m4 element NaN in mxdq (oracle NV, model no flag; kDqElemSnanNv in mx_oracle.cpp).
// - MxqCorners.*: per format, every rule (nvfp4: its
//   recipe), every mode, clamp on and off, fp32 and bf16 sources: zeros of both signs, subnormal-only
//   blocks, amax at, just below and just above every binade edge of fp32 (powers of two, max_elem * 2^j,
//   and the even rule's sqrt(2) midpoints), amax beyond the E8M0 range at both ends, NaN and Inf
//   anywhere, negative zero, ties in every element; nvfp4 with S_enc from amax_tensor.
// - MxqRandom.*: kRandomBlocks blocks per format and rule (x FMALAB_RANDOM_SCALE; make regress gives
//   1M), a random mode, clamp and source per block, five value families (gaussian with a random
//   block exponent, wide exponents, exact grid values, ties, binade edges), some NaN/Inf blocks.
// - MxdqExhaustive.*: every scale code x every element code (8 bits and less); nvfp4 with random S_enc.
// - MxdotCorners.* / MxdotRandom.*: corner rows and kRandomRows rows per format in every mode, K from
//   1 to k, and the --window/--no-sticky variant on a share of them.
// A failing test prints the block, both results and the seed; FMALAB_SEED=0x... replays it.
#include <gtest/gtest.h>
#include <mpfr.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "model/operation.hpp"
#include "oracle/mx_oracle.hpp"
#include "test_support.hpp"

namespace fmalab {
namespace {

using Rng = std::mt19937_64;
constexpr long kRandomBlocks = 100000;  // per format and rule; x100 under make regress
constexpr long kRandomRows = 100000;   // per format, each row in every mode; x100 under make regress
const std::vector<std::string> kFormats = {"mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3",
                                "mxfp4_e2m1", "mxint8",     "nvfp4",      "mx:e3m4:16:e8m0"};
// A generic block with an e4m3 scale: the specification names it only (see mx_oracle.cpp's reading).
const std::vector<std::string> kE4m3Scaled = {"mx:e2m1:16:e4m3", "mx:e4m3:32:e4m3"};

std::string fmt_name(const testing::TestParamInfo<std::string>& i) {
  std::string s = i.param;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

bool e4m3_scale(const mxo::Block& b) { return b.scale.name == "e4m3"; }

uint32_t f2u(float f) { return std::bit_cast<uint32_t>(f); }
float u2f(uint32_t u) { return std::bit_cast<float>(u); }
int uniform(Rng& r, int lo, int hi) { return lo >= hi ? lo : lo + static_cast<int>(r() % uint64_t(hi - lo + 1)); }
bool coin(Rng& r, int pct = 50) { return static_cast<int>(r() % 100) < pct; }

// The model's options through its option table (the text interface), so this file does not depend
// on how Options spells rule and clamp.
void set_option(Options& o, const char* key, const std::string& value) {
  const OptionField* f = find_option_field(key);
  if (!f) throw std::runtime_error(std::string("the model has no option '") + key + "'");
  std::string why;
  if (!f->set(o, value, &why)) throw std::runtime_error(std::string(key) + "=" + value + ": " + why);
}

// The value of an element code as a double (exact for these formats), from the oracle's decoding.
double elem_value(const mxo::Fmt& f, uint64_t code) {
  mxo::Val v(64);
  mxo::decode(f, code, v);
  if (v.kind != mxo::Val::Fin) return NAN;
  return (v.neg ? -1 : 1) * mpfr_get_d(v.mag, MPFR_RNDN);
}

// fp32 code of a double rounded to nearest (for making inputs; any fp32 code is a fine input).
uint32_t to_f32(double x) {
  if (std::isnan(x)) return 0x7FC00000;
  const double m = 3.4028234663852886e38;
  if (x > m) x = m;
  if (x < -m) x = -m;
  return f2u(static_cast<float>(x));
}

struct Names {
  mxo::Block b;
  std::string fmt;
  explicit Names(const std::string& f) : b(mxo::block(f)), fmt(f) {}
};

// ---- mxq ------------------------------------------------------------------------------------------

struct QCase {
  std::vector<uint64_t> v;  // k codes of the source
  bool bf16 = false;
  int rule = mxo::OCP, mode = mxo::RNE;
  bool clamp = true;
  uint32_t ts = 0x3F800000;
  std::string family;
};

class MxqChecker {
 public:
  MxqChecker(const std::string& fmt, uint64_t seed) : n_(fmt), seed_(seed) {}
  ~MxqChecker() {
    EXPECT_EQ(failed_, 0) << "of " << checked_ << " mxq:" << n_.fmt << " blocks (seed " << test::hexs(seed_) << ")";
  }

  const Operation& op(const QCase& c) {
    const std::tuple<bool, int, int, bool> key{c.bf16, c.rule, c.mode, c.clamp};
    auto& slot = ops_[key];
    if (!slot) {
      Options o;
      o.mode = static_cast<Round>(c.mode);
      if (c.rule != mxo::OCP) set_option(o, "rule", mxo::rule_name(c.rule));
      if (!c.clamp) set_option(o, "clamp", "0");
      std::string why;
      const std::string name = "mxq:" + n_.fmt + (c.bf16 ? ":bf16" : "");
      slot = make_operation(name, o, &why);
      if (!slot) throw std::runtime_error(name + ": " + why);
    }
    return *slot;
  }

  void check(const QCase& c) {
    const mxo::Fmt src = mxo::fmt(c.bf16 ? "bf16" : "fp32");
    const mxo::QuantOut want = mxo::mxq(n_.b, src, c.v, c.rule, c.mode, c.clamp, c.ts);
    in_.assign(c.v.begin(), c.v.end());
    if (n_.b.nvfp4) in_.push_back(c.ts);
    out_.assign(1 + c.v.size(), ~uint64_t{0});
    const uint8_t flags = op(c).eval(in_, out_);
    ++checked_;
    ++tally[c.family];
    if (want.flags & mxo::OF) ++tally[c.clamp ? "(of)" : "(of, no clamp)"];
    if (want.flags & mxo::UF) ++tally["(uf)"];
    if (want.flags & mxo::NV) ++tally["(nv)"];
    if (!n_.b.nvfp4 && (want.E == -127 || want.E == 127 || (e4m3_scale(n_.b) && (want.E == -9 || want.E == 8))) &&
        !(want.flags & mxo::NV))
      ++tally["(E at a range end)"];
    bool same = out_[0] == want.scale && flags == want.flags;
    for (size_t i = 0; same && i < c.v.size(); ++i) same = out_[1 + i] == want.p[i];
    if (!same) report(c, want, flags);
  }
  long failed() const { return failed_; }
  std::map<std::string, long> tally;

 private:
  void report(const QCase& c, const mxo::QuantOut& want, uint8_t flags) {
    if (++failed_ > 10) return;
    std::ostringstream s;
    s << "mxq:" << n_.fmt << (c.bf16 ? ":bf16" : "") << " --rule " << mxo::rule_name(c.rule) << " --round "
      << mxo::mode_name(c.mode) << (c.clamp ? "" : " --no-clamp") << " [" << c.family << "] seed "
      << test::hexs(seed_) << "\n  v =";
    for (auto x : c.v) s << " " << test::hexs(x);
    if (n_.b.nvfp4) s << "\n  ts = " << test::hexs(c.ts);
    s << "\n  model  scale " << test::hexs(out_[0]) << " p =";
    for (size_t i = 0; i < c.v.size(); ++i) s << " " << test::hexs(out_[1 + i]);
    s << " flags " << test::hexs(flags) << "\n  oracle scale " << test::hexs(want.scale) << " p =";
    for (auto x : want.p) s << " " << test::hexs(x);
    s << " flags " << test::hexs(want.flags) << " (E = " << want.E << ")";
    ADD_FAILURE() << s.str();
  }
  Names n_;
  uint64_t seed_;
  std::map<std::tuple<bool, int, int, bool>, std::unique_ptr<Operation>> ops_;
  std::vector<uint64_t> in_, out_;
  long checked_ = 0, failed_ = 0;
};

// Blocks of values; the amax is placed at a random position.
class QBuilder {
 public:
  QBuilder(const mxo::Block& b, Rng& r) : b(b), rng(r) {}

  // A random fp32 value with leading exponent e (normal or subnormal; clipped to fp32's range).
  uint32_t with_exp(bool neg, int e) {
    const uint32_t s = neg ? 0x80000000u : 0;
    e = std::clamp(e, -149, 127);
    if (e >= -126) return s | uint32_t(e + 127) << 23 | uint32_t(rng() & 0x7FFFFF);
    const int pos = e + 149;  // bit of the leading one in the subnormal field
    return s | (1u << pos) | uint32_t(rng() & ((1u << pos) - 1));
  }
  // Fills v with values at most amax in magnitude, the amax at one position.
  std::vector<uint64_t> around(uint32_t amax_code, int spread) {
    std::vector<uint64_t> v(b.k);
    const int ea = exp_of(amax_code);
    for (auto& x : v) {
      const int e = ea - uniform(rng, 0, spread);
      uint32_t c = with_exp(coin(rng), e);
      if ((c & 0x7FFFFFFF) > (amax_code & 0x7FFFFFFF)) c = (c & 0x80000000u) | (amax_code & 0x7FFFFFFF);
      if (coin(rng, 5)) c = coin(rng) ? 0x80000000u : 0;
      x = c;
    }
    v[rng() % b.k] = amax_code | (coin(rng) ? 0x80000000u : 0);
    return v;
  }
  static int exp_of(uint32_t c) {
    c &= 0x7FFFFFFF;
    if (c >= 0x00800000) return int(c >> 23) - 127;
    return c ? std::bit_width(c) - 1 - 149 : -150;
  }
  // max_elem * 2^j as fp32 (0 when out of range).
  uint32_t max_times(int j) const {
    const double m = elem_value(b.elem, b.elem.max_mag());
    const double x = std::ldexp(m, j);
    if (x >= 3.4028234663852886e38 || x < std::ldexp(1, -149)) return 0;
    const uint32_t c = to_f32(x);
    return double(u2f(c)) == x ? c : 0;
  }
  // The fp32 values just below and just above max_elem * 2^(j + 1/2) (the even rule's midpoint).
  std::pair<uint32_t, uint32_t> sqrt2_midpoint(int j) const {
    const double m = elem_value(b.elem, b.elem.max_mag());
    const double x = std::ldexp(m * std::sqrt(2.0), j);
    if (x >= 3.0e38 || x < std::ldexp(1, -140)) return {0, 0};
    uint32_t c = to_f32(x);
    // step to the two fp32 neighbours around the irrational midpoint (double's error is far below fp32's ulp)
    if (double(u2f(c)) > x) return {c - 1, c};
    return {c, c + 1};
  }
  // Ties: one element is the exact amax max_elem * 2^E, the others midpoints of the element grid * 2^E.
  std::vector<uint64_t> ties(int E) {
    std::vector<uint64_t> v(b.k);
    const uint64_t maxc = b.elem.max_mag();
    for (auto& x : v) {
      const uint64_t c = rng() % maxc;  // c and c + 1 both finite magnitudes
      const double mid = (elem_value(b.elem, c) + elem_value(b.elem, c + 1)) / 2;
      const double val = std::ldexp(mid, E);
      x = to_f32(coin(rng) ? -val : val);
      if (double(std::fabs(u2f(uint32_t(x)))) != std::fabs(val)) x = to_f32(std::ldexp(elem_value(b.elem, c), E));
    }
    const uint32_t a = max_times(E);
    if (a) v[rng() % b.k] = a | (coin(rng) ? 0x80000000u : 0);
    return v;
  }
  // Exact element-grid values times 2^E.
  std::vector<uint64_t> grid(int E) {
    std::vector<uint64_t> v(b.k);
    for (auto& x : v) {
      const double val = elem_value(b.elem, rng() % (b.elem.max_mag() + 1));
      x = to_f32(coin(rng) ? -std::ldexp(val, E) : std::ldexp(val, E));
    }
    return v;
  }
  const mxo::Block& b;
  Rng& rng;
};

// bf16 codes from fp32 ones: the upper half (the value truncated; still any bf16 code).
std::vector<uint64_t> to_bf16(const std::vector<uint64_t>& v) {
  std::vector<uint64_t> w(v.size());
  for (size_t i = 0; i < v.size(); ++i) w[i] = (v[i] >> 16) & 0xFFFF;
  return w;
}

// nvfp4's S_enc = fp32(448 * 6 / amax_tensor) as the caller computes it (1 when amax_tensor is 0 or
// not finite, or when the quotient is not finite).
uint32_t s_enc(uint32_t amax_tensor) {
  const float a = u2f(amax_tensor & 0x7FFFFFFF);
  if (a == 0 || !std::isfinite(a)) return 0x3F800000;
  const uint32_t q = mxo::fp32_div(0x45280000 /* 2688 */, amax_tensor & 0x7FFFFFFF);
  return std::isfinite(u2f(q)) ? q : 0x3F800000;
}

uint32_t block_amax(const std::vector<uint64_t>& v, bool bf16) {
  uint32_t m = 0;
  for (auto x : v) m = std::max(m, uint32_t(bf16 ? (x & 0x7FFF) << 16 : x & 0x7FFFFFFF));
  return m;
}

// A tensor amax at or above the block's (up to 2^24 times it), as fp32.
uint32_t tensor_amax(Rng& r, uint32_t block) {
  const double a = std::max(double(u2f(block)), std::ldexp(1, -149));
  return to_f32(std::min(a * std::ldexp(1 + (r() % 1000) / 1000.0, coin(r, 80) ? uniform(r, 0, 8) : uniform(r, 0, 24)),
                         3.0e38));
}

class MxqCorners : public testing::TestWithParam<std::string> {};

TEST_P(MxqCorners, EveryRuleModeAndClamp) {
  const std::string fmt = GetParam();
  const uint64_t seed = test::seed_for("MxqCorners " + fmt, 0x6d78710001);
  Rng rng(seed);
  MxqChecker ck(fmt, seed);
  const mxo::Block& b = mxo::block(fmt);
  QBuilder qb(b, rng);
  const std::vector<int> rules = b.nvfp4 ? std::vector<int>{mxo::OCP} : std::vector<int>{mxo::OCP, mxo::CEIL, mxo::EVEN};
  long n = 0;
  // Runs a block in every rule, mode and clamp (clamp only matters where the element has Inf/NaN, and
  // nvfp4 has no clamp option), from fp32 and (with bf16) from its bf16 truncation.
  auto all = [&](const std::vector<uint64_t>& v, const std::string& family, bool also_bf16 = true) {
    for (int rule : rules)
      for (int mode = 0; mode < 5; ++mode)
        for (int clamp = 1; clamp >= (b.nvfp4 ? 1 : 0); --clamp)
          for (int bf = 0; bf <= (also_bf16 ? 1 : 0); ++bf) {
            QCase c;
            c.v = bf ? to_bf16(v) : v;
            c.bf16 = bf;
            c.rule = rule, c.mode = mode, c.clamp = clamp;
            c.family = family;
            if (b.nvfp4) c.ts = coin(rng, 30) ? 0x3F800000 : s_enc(tensor_amax(rng, block_amax(c.v, bf)));
            ck.check(c);
            ++n;
          }
  };
  const int k = b.k;
  all(std::vector<uint64_t>(k, 0), "zeros");
  all(std::vector<uint64_t>(k, 0x80000000), "-zeros");
  {
    std::vector<uint64_t> v(k);
    for (auto& x : v) x = coin(rng) ? 0x80000000 : 0;
    all(v, "mixed zeros");
  }
  for (int t = 0; t < 4; ++t) {  // subnormal elements only (fp32 subnormals; bf16 keeps the top ones)
    std::vector<uint64_t> v(k);
    for (auto& x : v) x = qb.with_exp(coin(rng), uniform(rng, t < 2 ? -149 : -133, -127));
    all(v, "subnormal");
  }
  // amax at, just below and just above binade edges: 2^j, max_elem * 2^j, and the sqrt(2) midpoints,
  // for every j fp32 has (each edge in every rule, its mode and clamp cycled to keep the count down).
  auto edge = [&](uint32_t a, const std::string& family, int j) {
    if (!a || (a & 0x7FFFFFFF) >= 0x7F800000) return;
    const std::vector<uint64_t> v = qb.around(a, coin(rng) ? 3 : 30);
    for (int rule : rules) {
      QCase c;
      c.v = v;
      c.rule = rule, c.mode = (j + rule) % 5 < 0 ? 0 : (j + 300 + rule) % 5, c.clamp = b.nvfp4 || coin(rng, 70);
      c.family = family;
      c.bf16 = coin(rng, 20);
      if (c.bf16) c.v = to_bf16(v);
      if (b.nvfp4) c.ts = coin(rng, 30) ? 0x3F800000 : s_enc(tensor_amax(rng, block_amax(c.v, c.bf16)));
      ck.check(c);
      ++n;
    }
  };
  for (int j = -149; j <= 127; ++j) {
    const uint32_t p2 = j >= -126 ? uint32_t(j + 127) << 23 : 1u << (j + 149);
    edge(p2, "amax 2^j", j);
    edge(p2 - 1, "amax 2^j - ulp", j);
    edge(p2 + 1, "amax 2^j + ulp", j);
    const uint32_t m = qb.max_times(j);
    if (m) {
      edge(m, "amax max*2^j", j);
      edge(m - 1, "amax max*2^j - ulp", j);
      edge(m + 1, "amax max*2^j + ulp", j);
    }
    const auto [lo, hi] = qb.sqrt2_midpoint(j);
    if (lo) {
      edge(lo, "amax below sqrt2 midpoint", j);
      edge(hi, "amax above sqrt2 midpoint", j);
    }
  }
  // Beyond the E8M0 range: the largest fp32 values (the ceil rule of mxint8 wants E = 128) and the
  // smallest (every rule wants E < -127).
  for (uint32_t a : {0x7F7FFFFFu, 0x7F7FFFFEu, 0x7F000000u, 0x7EFFFFFFu}) {
    std::vector<uint64_t> v(k, a);
    for (int i = 1; i < k; i += 2) v[i] = qb.with_exp(coin(rng), uniform(rng, 100, 127));
    all(v, "amax near fp32 max", false);
    all(qb.around(a, 40), "amax near fp32 max, spread", false);
  }
  for (uint32_t a : {1u, 2u, 3u, 0x7FFu, 0x00400000u}) {
    std::vector<uint64_t> v(k);
    for (auto& x : v) x = coin(rng) ? (a | 0x80000000u) : (rng() % (a + 1));
    all(v, "amax tiny", false);
  }
  // NaN and Inf anywhere (quiet, signaling, +-Inf), from fp32 and bf16.
  for (uint32_t sp : {0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0x7FA00000u, 0x7F800000u, 0xFF800000u}) {
    std::vector<uint64_t> v = qb.around(qb.with_exp(false, uniform(rng, -20, 20)), 10);
    v[rng() % k] = sp;
    all(v, "nan/inf", true);
  }
  // Negative zero among values; ties in every element (grid midpoints, in every mode).
  for (int t = 0; t < 4; ++t) {
    std::vector<uint64_t> v = qb.around(qb.with_exp(false, uniform(rng, -30, 30)), 8);
    for (int i = 0; i < k; i += 3) v[i] = 0x80000000;
    all(v, "-0 among values");
  }
  for (int E : {-130, -127, -100, -9, -1, 0, 1, 5, 60, 118}) {
    all(qb.ties(E), "ties");
    all(qb.grid(E), "grid", false);
  }
  std::printf("[ counts   ] mxq:%s corner blocks: %ld;", fmt.c_str(), n);
  for (const auto& [f, c] : ck.tally) std::printf(" %s=%ld", f.c_str(), c);
  std::printf("\n");
}

INSTANTIATE_TEST_SUITE_P(Formats, MxqCorners, testing::ValuesIn(kFormats), fmt_name);
INSTANTIATE_TEST_SUITE_P(E4m3Scale, MxqCorners, testing::ValuesIn(kE4m3Scaled), fmt_name);

class MxqRandom : public testing::TestWithParam<std::string> {};

TEST_P(MxqRandom, EveryRule) {
  const std::string fmt = GetParam();
  const uint64_t seed = test::seed_for("MxqRandom " + fmt, 0x6d78710002 + std::hash<std::string>{}(fmt) % 4096);
  Rng rng(seed);
  MxqChecker ck(fmt, seed);
  const mxo::Block& b = mxo::block(fmt);
  QBuilder qb(b, rng);
  const std::vector<int> rules = b.nvfp4 ? std::vector<int>{mxo::OCP} : std::vector<int>{mxo::OCP, mxo::CEIL, mxo::EVEN};
  const long count = kRandomBlocks * test::random_scale();
  const auto t0 = std::chrono::steady_clock::now();
  std::normal_distribution<double> gauss;
  for (int rule : rules) {
    for (long i = 0; i < count; ++i) {
      QCase c;
      c.rule = rule;
      c.mode = uniform(rng, 0, 4);
      c.clamp = b.nvfp4 || coin(rng, 60);
      c.v.resize(b.k);
      const int family = uniform(rng, 0, 9);
      if (family <= 2) {  // gaussian with a random block exponent (most of fp32's range)
        const int eb = uniform(rng, -150, 125);
        for (auto& x : c.v) x = to_f32(std::ldexp(gauss(rng), eb));
        c.family = "gaussian";
      } else if (family <= 4) {  // every element its own exponent over a wide range
        const int lo = uniform(rng, -149, 120), hi = std::min(127, lo + uniform(rng, 1, 80));
        for (auto& x : c.v) x = coin(rng, 3) ? (coin(rng) ? 0x80000000 : 0) : qb.with_exp(coin(rng), uniform(rng, lo, hi));
        c.family = "wide";
      } else if (family <= 6) {
        const int E = uniform(rng, -135, 120);
        c.v = coin(rng) ? qb.grid(E) : qb.ties(E);
        c.family = "grid/ties";
      } else if (family <= 8) {  // amax at or next to a binade edge
        const int j = uniform(rng, -149, 126);
        uint32_t a = j >= -126 ? uint32_t(j + 127) << 23 : 1u << (j + 149);
        if (coin(rng)) {
          const uint32_t m = qb.max_times(j);
          if (m) a = m;
        } else if (coin(rng)) {
          const auto [lo, hi] = qb.sqrt2_midpoint(j);
          if (lo) a = coin(rng) ? lo : hi;
        }
        a += uniform(rng, -2, 2);
        c.v = qb.around(a, uniform(rng, 1, 40));
        c.family = "edge";
      } else {  // any fp32 codes, some NaN/Inf
        for (auto& x : c.v) x = uint32_t(rng());
        if (!coin(rng, 20))
          for (auto& x : c.v)
            if ((x & 0x7F800000) == 0x7F800000) x &= 0xBFFFFFFF;
        c.family = "any codes";
      }
      if (coin(rng, 15)) {
        c.bf16 = true;
        c.v = to_bf16(c.v);
      }
      if (b.nvfp4) {
        const uint32_t am = block_amax(c.v, c.bf16);
        c.ts = coin(rng, 20) ? 0x3F800000 : s_enc(tensor_amax(rng, am >= 0x7F800000 ? 0x3F800000 : am));
      }
      ck.check(c);
      if (ck.failed() > 10) break;
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ counts   ] mxq:%s random: %ld blocks per rule x %zu rules, %.1f s;", fmt.c_str(), count, rules.size(), s);
  for (const auto& [f, c] : ck.tally) std::printf(" %s=%ld", f.c_str(), c);
  std::printf("\n");
}

INSTANTIATE_TEST_SUITE_P(Formats, MxqRandom, testing::ValuesIn(kFormats), fmt_name);
INSTANTIATE_TEST_SUITE_P(E4m3Scale, MxqRandom, testing::ValuesIn(kE4m3Scaled), fmt_name);

// ---- mxdq -----------------------------------------------------------------------------------------

const Operation& dq_op(const std::string& fmt, std::unique_ptr<Operation>& slot) {
  if (!slot) {
    std::string why;
    slot = make_operation("mxdq:" + fmt, Options{}, &why);
    if (!slot) throw std::runtime_error("mxdq:" + fmt + ": " + why);
  }
  return *slot;
}

class MxdqExhaustive : public testing::TestWithParam<std::string> {};

TEST_P(MxdqExhaustive, EveryScaleAndElementCode) {
  const std::string fmt = GetParam();
  const mxo::Block& b = mxo::block(fmt);
  const uint64_t seed = test::seed_for("MxdqExhaustive " + fmt, 0x6d78710003);
  Rng rng(seed);
  std::unique_ptr<Operation> op;
  const uint64_t ncodes = uint64_t{1} << b.elem.bits;
  // nvfp4: the scale codes with sign 0 (0x00..0x7F, 0x7F the NaN), each with several S_enc values.
  const uint64_t nscales = e4m3_scale(b) ? 0x80 : 0x100;
  const int ts_per_scale = b.nvfp4 ? 8 : 1;
  long checked = 0, failed = 0;
  std::vector<uint64_t> in(1 + b.k + (b.nvfp4 ? 1 : 0)), out(b.k);
  for (uint64_t x = 0; x < nscales; ++x)
    for (int t = 0; t < ts_per_scale; ++t)
      for (uint64_t first = 0; first < ncodes; first += b.k) {
        std::vector<uint64_t> p(b.k);
        for (int i = 0; i < b.k; ++i) p[i] = (first + i) % ncodes;
        uint32_t ts = 0x3F800000;
        if (b.nvfp4 && t > 0) ts = s_enc(to_f32(std::ldexp(1 + (rng() % 4096) / 4096.0, uniform(rng, -140, 126))));
        const mxo::DequantOut want = mxo::mxdq(b, x, p, ts);
        in[0] = x;
        std::copy(p.begin(), p.end(), in.begin() + 1);
        if (b.nvfp4) in.back() = ts;
        const uint8_t flags = dq_op(fmt, op).eval(in, out);
        ++checked;
        if (flags != want.flags || !std::equal(out.begin(), out.end(), want.v.begin())) {
          if (++failed > 10) continue;
          std::ostringstream s;
          s << "mxdq:" << fmt << " scale " << test::hexs(x) << (b.nvfp4 ? " ts " + test::hexs(ts) : "") << "\n  p =";
          for (auto c : p) s << " " << test::hexs(c);
          s << "\n  model  v =";
          for (auto c : out) s << " " << test::hexs(c);
          s << " flags " << test::hexs(flags) << "\n  oracle v =";
          for (auto c : want.v) s << " " << test::hexs(c);
          s << " flags " << test::hexs(want.flags);
          ADD_FAILURE() << s.str();
        }
      }
  EXPECT_EQ(failed, 0) << "of " << checked << " mxdq:" << fmt << " blocks";
  std::printf("[ counts   ] mxdq:%s: %ld blocks (%llu scale codes x %llu element codes%s)\n", fmt.c_str(), checked,
              static_cast<unsigned long long>(nscales), static_cast<unsigned long long>(ncodes),
              b.nvfp4 ? " x 8 S_enc" : "");
}

INSTANTIATE_TEST_SUITE_P(Formats, MxdqExhaustive, testing::ValuesIn(kFormats), fmt_name);
INSTANTIATE_TEST_SUITE_P(E4m3Scale, MxdqExhaustive, testing::ValuesIn(kE4m3Scaled), fmt_name);

// ---- mxdot ----------------------------------------------------------------------------------------

struct DRow {
  uint64_t xa = 0x7F, xb = 0x7F;
  std::vector<uint64_t> a, b;
  uint32_t c = 0;
  std::string family;
};

class DotChecker {
 public:
  DotChecker(const std::string& fmt, uint64_t seed) : n_(fmt), seed_(seed) {}
  ~DotChecker() {
    EXPECT_EQ(failed_, 0) << "of " << checked_ << " mxdot:" << n_.fmt << " rows (seed " << test::hexs(seed_) << ")";
  }
  const Operation& op(int K, int mode, int window, bool sticky) {
    auto& slot = ops_[{K, mode, window, sticky}];
    if (!slot) {
      Options o;
      o.mode = static_cast<Round>(mode);
      o.window = window;
      o.sticky = sticky;
      std::string why;
      const std::string name = "mxdot:" + n_.fmt + ":" + std::to_string(K);
      slot = make_operation(name, o, &why);
      if (!slot) throw std::runtime_error(name + ": " + why);
    }
    return *slot;
  }
  // The row in every mode (and, when window > 0, in that truncating variant too).
  void check(const DRow& r, int window = 0, bool sticky = true) {
    const int K = static_cast<int>(r.a.size());
    in_.clear();
    in_.push_back(r.xa);
    in_.insert(in_.end(), r.a.begin(), r.a.end());
    in_.push_back(r.xb);
    in_.insert(in_.end(), r.b.begin(), r.b.end());
    in_.push_back(r.c);
    for (int mode = 0; mode < 5; ++mode) {
      const mxo::DotOut want = mxo::mxdot(n_.b, r.xa, r.a, r.xb, r.b, r.c, mode, window, sticky);
      uint64_t y = ~uint64_t{0};
      const uint8_t flags = op(K, mode, window, sticky).eval(in_, std::span(&y, 1));
      ++checked_;
      ++tally[r.family];
      if (want.flags & mxo::OF) ++tally["(of)"];
      if (want.flags & mxo::UF) ++tally["(uf)"];
      if (want.flags & mxo::NV) ++tally["(nv)"];
      if (y != want.y || flags != want.flags) report(r, mode, window, sticky, want, y, flags);
    }
  }
  long failed() const { return failed_; }
  std::map<std::string, long> tally;

 private:
  void report(const DRow& r, int mode, int window, bool sticky, const mxo::DotOut& want, uint64_t y, uint8_t flags) {
    if (++failed_ > 10) return;
    std::ostringstream s;
    s << "mxdot:" << n_.fmt << ":" << r.a.size() << " --round " << mxo::mode_name(mode);
    if (window) s << " --window " << window << (sticky ? "" : " --no-sticky");
    s << " [" << r.family << "] seed " << test::hexs(seed_) << "\n  xa = " << test::hexs(r.xa) << " a =";
    for (auto x : r.a) s << " " << test::hexs(x);
    s << "\n  xb = " << test::hexs(r.xb) << " b =";
    for (auto x : r.b) s << " " << test::hexs(x);
    s << "\n  c = " << test::hexs(r.c) << "\n  model " << test::hexs(y) << " flags " << test::hexs(flags)
      << ", oracle " << test::hexs(want.y) << " flags " << test::hexs(want.flags);
    ADD_FAILURE() << s.str();
  }
  Names n_;
  uint64_t seed_;
  std::map<std::tuple<int, int, int, bool>, std::unique_ptr<Operation>> ops_;
  std::vector<uint64_t> in_;
  long checked_ = 0, failed_ = 0;
};

class DBuilder {
 public:
  DBuilder(const mxo::Block& b, Rng& r) : b(b), rng(r) {}
  bool is_nan_or_inf(uint64_t c) const { return !std::isfinite(elem_value(b.elem, c)); }
  uint64_t finite_code() {
    for (;;) {
      const uint64_t c = rng() & ((uint64_t{1} << b.elem.bits) - 1);
      if (!is_nan_or_inf(c)) return c;
    }
  }
  uint64_t scale_code() {  // a finite scale code
    if (e4m3_scale(b)) return rng() % 0x7F;
    return rng() % 0xFF;
  }
  uint64_t scale_near(int e) {  // e8m0: 2^e; e4m3: a value near 2^e
    if (e4m3_scale(b)) {
      const int f = std::clamp(e + 7, 0, 15);
      uint64_t c = uint64_t(f) << 3 | (rng() & 7);
      return std::min<uint64_t>(c, 0x7E);
    }
    return uint64_t(std::clamp(e + 127, 0, 254));
  }
  uint64_t neg(uint64_t c) const {  // the code of -value (two's complement for fixed point)
    if (b.elem.fixed) return (~c + 1) & ((uint64_t{1} << b.elem.bits) - 1);
    return c ^ b.elem.sign_bit();
  }
  std::vector<uint64_t> codes(int K) {
    std::vector<uint64_t> v(K);
    for (auto& x : v) x = finite_code();
    return v;
  }
  // The exponent of X_A X_B S's leading one, roughly (for placing c next to it).
  int term_exp(const DRow& r) {
    double s = 0;
    for (size_t i = 0; i < r.a.size(); ++i) s += elem_value(b.elem, r.a[i]) * elem_value(b.elem, r.b[i]);
    double xa = 1, xb = 1;
    mxo::Val v(64);
    mxo::decode(b.scale, r.xa, v);
    if (v.kind == mxo::Val::Fin) xa = mpfr_get_d(v.mag, MPFR_RNDN);
    mxo::decode(b.scale, r.xb, v);
    if (v.kind == mxo::Val::Fin) xb = mpfr_get_d(v.mag, MPFR_RNDN);
    if (s == 0 || xa == 0 || xb == 0) return 0;
    return std::ilogb(s) + std::ilogb(xa) + std::ilogb(xb);
  }
  uint32_t f32_with_exp(bool neg, int e) {
    e = std::clamp(e, -149, 127);
    const uint32_t s = neg ? 0x80000000u : 0;
    if (e >= -126) return s | uint32_t(e + 127) << 23 | uint32_t(rng() & 0x7FFFFF);
    const int pos = e + 149;
    return s | (1u << pos) | uint32_t(rng() & ((1u << pos) - 1));
  }
  const mxo::Block& b;
  Rng& rng;
};

std::vector<int> corner_ks(const mxo::Block& b) {
  std::vector<int> ks = {1, 2, 3, 8};
  if (b.k >= 16) ks.push_back(16);
  ks.push_back(b.k);
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
  ks.erase(std::remove_if(ks.begin(), ks.end(), [&](int k) { return k > b.k; }), ks.end());
  return ks;
}

class MxdotCorners : public testing::TestWithParam<std::string> {};

TEST_P(MxdotCorners, EveryMode) {
  const std::string fmt = GetParam();
  const uint64_t seed = test::seed_for("MxdotCorners " + fmt, 0x6d78710004);
  Rng rng(seed);
  const mxo::Block& b = mxo::block(fmt);
  DotChecker ck(fmt, seed);
  DBuilder db(b, rng);
  const mxo::Fmt& e = b.elem;
  const uint64_t maxc = e.max_mag(), minc = 1, sgn = e.sign_bit();
  const uint64_t one = [&] {  // the code of 1.0 (or the largest element below it)
    uint64_t best = 0;
    for (uint64_t c = 0; c <= maxc; ++c)
      if (elem_value(e, c) <= 1) best = c;
    return best;
  }();
  const bool e4 = e4m3_scale(b);
  const uint64_t x1 = e4 ? 0x38 : 0x7F;    // scale 1
  const uint64_t xmax = e4 ? 0x7E : 0xFE;  // largest scale
  const uint64_t xmin = e4 ? 0x01 : 0x00;  // smallest nonzero scale
  const uint64_t xnan = e4 ? 0x7F : 0xFF;
  long n = 0;
  for (int K : corner_ks(b)) {
    auto row = [&](const std::string& fam) {
      DRow r;
      r.xa = r.xb = x1;
      r.a.assign(K, 0);
      r.b.assign(K, 0);
      r.family = fam;
      return r;
    };
    auto run = [&](const DRow& r) {
      ck.check(r);
      ++n;
    };
    // Zeros of every sign with c = +-0.
    for (uint32_t c : {0u, 0x80000000u})
      for (int t = 0; t < 4; ++t) {
        DRow r = row("zeros");
        for (int i = 0; i < K; ++i) {
          if (t & 1) r.a[i] = sgn;
          if ((t & 2) && i % 2 == 0) r.b[i] = sgn;
          if (t == 3) r.b[i] = coin(rng) ? db.finite_code() : 0;
        }
        r.c = c;
        run(r);
      }
    // Exact cancellation to zero (pairs x*y and x*(-y)), with c = +-0 and with c nonzero.
    if (K >= 2)
      for (uint32_t c : {0u, 0x80000000u, 0x3F800000u, 0x00000001u, 0x80800000u}) {
        DRow r = row("cancel");
        r.xa = db.scale_code(), r.xb = db.scale_code();
        for (int i = 0; i + 1 < K; i += 2) {
          r.a[i] = r.a[i + 1] = db.finite_code();
          r.b[i] = db.finite_code();
          r.b[i + 1] = db.neg(r.b[i]);
        }
        r.c = c;
        run(r);
      }
    // Overflow: the largest scales and elements; the largest scales with c = -max (near cancellation).
    {
      DRow r = row("overflow");
      r.xa = r.xb = xmax;
      for (int i = 0; i < K; ++i) r.a[i] = maxc, r.b[i] = (i % 3 == 2) ? maxc | sgn : maxc;
      run(r);
      r.c = 0xFF7FFFFF;
      run(r);
      for (int i = 0; i < K; ++i) r.b[i] |= sgn;
      r.c = 0x7F7FFFFF;
      run(r);
    }
    // Underflow: the smallest scales and elements (fp32 subnormals and below), c = 0 or tiny.
    for (uint32_t c : {0u, 1u, 0x80000001u, 0x00800000u}) {
      DRow r = row("underflow");
      r.xa = r.xb = xmin;
      for (int i = 0; i < K; ++i) r.a[i] = minc | (rng() & 1 ? sgn : 0), r.b[i] = db.finite_code();
      r.c = c;
      run(r);
      r.xa = e4 ? 0x08 : 0x30;  // scales whose product brings the terms near fp32's subnormals
      r.xb = e4 ? 0x10 : 0x30;
      run(r);
    }
    // Ties and sticky bits against a large c: c = 2^24 (ulp 2) and 1 or 3 in the term, etc.
    for (uint32_t c : {0x4B800000u, 0xCB800000u, 0x4B800001u, 0x3F800000u, 0x33800000u}) {
      DRow r = row("tie/sticky");
      r.a[0] = one, r.b[0] = one;
      if (K > 1) r.a[1] = one, r.b[1] = coin(rng) ? db.neg(one) : one;
      r.c = c;
      run(r);
      r.xb = b.nvfp4 ? 0x30 : 0x7E;  // 0.5
      run(r);
    }
    // Specials: NaN scales, NaN elements, Inf elements (e5m2 and e3m4), c NaN / sNaN / Inf.
    {
      DRow r = row("nan scale");
      r.a = db.codes(K), r.b = db.codes(K);
      r.xa = xnan;
      run(r);
      r.xa = x1, r.xb = xnan;
      r.c = 0x7F800001;
      run(r);
    }
    for (uint32_t c : {0x7FC00000u, 0x7F800001u, 0x7F800000u, 0xFF800000u, 0xFFA00000u}) {
      DRow r = row("special c");
      r.a = db.codes(K), r.b = db.codes(K);
      r.c = c;
      run(r);
    }
    if (e.nan != mxo::NanStyle::None && !e.fixed) {
      std::vector<uint64_t> specials;
      for (uint64_t c = 0; c < (uint64_t{1} << e.bits); ++c)
        if (db.is_nan_or_inf(c)) specials.push_back(c);
      for (uint64_t s : specials) {
        for (uint64_t other : {uint64_t{0}, sgn, one, one | sgn}) {
          DRow r = row("special element");
          r.a = db.codes(K), r.b = db.codes(K);
          r.a[rng() % K] = s;
          r.b[rng() % K] = other;
          run(r);
          r.b = r.a;  // Inf * Inf products
          run(r);
          if (e.has_inf) {
            r.c = (s & sgn) ? 0x7F800000u : 0xFF800000u;  // Inf - Inf against c
            run(r);
          }
        }
      }
    }
    // Mixed-sign zero products in rdn with c = -0 / +0, and c alone.
    {
      DRow r = row("c alone");
      r.c = db.f32_with_exp(coin(rng), uniform(rng, -149, 127));
      run(r);
      r.c = 0x00000005;
      for (int i = 0; i < K; ++i) r.a[i] = db.finite_code(), r.b[i] = (i % 2) ? sgn : 0;
      run(r);
    }
  }
  // The truncating variant on corner-ish rows: several windows, sticky and not.
  for (int w : {2, 3, 8, 13, 24, 25, 40, 64}) {
    for (bool st : {true, false}) {
      for (int t = 0; t < 20; ++t) {
        const int K = corner_ks(b)[rng() % corner_ks(b).size()];
        DRow r;
        r.family = "window";
        r.xa = db.scale_near(uniform(rng, -10, 10));
        r.xb = db.scale_near(uniform(rng, -10, 10));
        r.a = db.codes(K), r.b = db.codes(K);
        const int te = db.term_exp(r);
        r.c = db.f32_with_exp(coin(rng), te + uniform(rng, -30, 30));
        if (t % 5 == 0) r.c = 0;
        ck.check(r, w, st);
        ++n;
      }
    }
  }
  std::printf("[ counts   ] mxdot:%s corner rows: %ld (x5 modes)\n", fmt.c_str(), n);
}

INSTANTIATE_TEST_SUITE_P(Formats, MxdotCorners, testing::ValuesIn(kFormats), fmt_name);
INSTANTIATE_TEST_SUITE_P(E4m3Scale, MxdotCorners, testing::ValuesIn(kE4m3Scaled), fmt_name);

class MxdotRandom : public testing::TestWithParam<std::string> {};

TEST_P(MxdotRandom, EveryMode) {
  const std::string fmt = GetParam();
  const uint64_t seed = test::seed_for("MxdotRandom " + fmt, 0x6d78710005 + std::hash<std::string>{}(fmt) % 4096);
  Rng rng(seed);
  const mxo::Block& b = mxo::block(fmt);
  DotChecker ck(fmt, seed);
  DBuilder db(b, rng);
  const long count = kRandomRows * test::random_scale();
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<int> ks = corner_ks(b);
  for (long i = 0; i < count && ck.failed() <= 10; ++i) {
    DRow r;
    const int K = coin(rng, 60) ? ks[rng() % ks.size()] : uniform(rng, 1, b.k);
    const int family = uniform(rng, 0, 9);
    r.a = db.codes(K), r.b = db.codes(K);
    if (family <= 3) {  // scales and c of comparable size: the sum and c overlap
      r.xa = db.scale_near(uniform(rng, -20, 20));
      r.xb = db.scale_near(uniform(rng, -20, 20));
      r.c = coin(rng, 10) ? (coin(rng) ? 0x80000000u : 0u)
                          : db.f32_with_exp(coin(rng), db.term_exp(r) + uniform(rng, -40, 40));
      r.family = "comparable";
    } else if (family <= 5) {  // any finite scales and c (overflow, underflow, one term dominating)
      r.xa = db.scale_code(), r.xb = db.scale_code();
      r.c = db.f32_with_exp(coin(rng), uniform(rng, -149, 127));
      if (coin(rng, 20)) r.c &= 0x80000000u;
      r.family = "any scales";
    } else if (family <= 7) {  // cancellation: pairs x*y, x*(-y) with a few terms left over
      r.xa = db.scale_near(uniform(rng, -30, 30));
      r.xb = db.scale_near(uniform(rng, -30, 30));
      for (int j = 0; j + 1 < K; j += 2)
        if (coin(rng, 80)) r.a[j + 1] = r.a[j], r.b[j + 1] = db.neg(r.b[j]);
      r.c = coin(rng, 30) ? (coin(rng) ? 0x80000000u : 0u)
                          : db.f32_with_exp(coin(rng), db.term_exp(r) + uniform(rng, -30, 10));
      r.family = "cancel";
    } else if (family == 8) {  // scales near fp32's range ends
      const bool hi = coin(rng);
      r.xa = db.scale_near(hi ? uniform(rng, 50, 127) : uniform(rng, -127, -50));
      r.xb = db.scale_near(hi ? uniform(rng, 50, 127) : uniform(rng, -127, -50));
      r.c = db.f32_with_exp(coin(rng), db.term_exp(r) + uniform(rng, -10, 10));
      r.family = "range ends";
    } else {  // any codes: NaN/Inf elements and scales, any c
      for (auto& x : r.a) x = rng() & ((uint64_t{1} << b.elem.bits) - 1);
      for (auto& x : r.b) x = rng() & ((uint64_t{1} << b.elem.bits) - 1);
      r.xa = e4m3_scale(b) ? rng() % 0x80 : rng() & 0xFF;
      r.xb = e4m3_scale(b) ? rng() % 0x80 : rng() & 0xFF;
      r.c = uint32_t(rng());
      r.family = "any codes";
    }
    if (coin(rng, 10)) {
      const int w = uniform(rng, 2, 64);
      ck.check(r, w, coin(rng));
      ++ck.tally["(window)"];
    } else {
      ck.check(r);
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ counts   ] mxdot:%s random: %ld rows x 5 modes, %.1f s;", fmt.c_str(), count, s);
  for (const auto& [f, c] : ck.tally) std::printf(" %s=%ld", f.c_str(), c);
  std::printf("\n");
}

INSTANTIATE_TEST_SUITE_P(Formats, MxdotRandom, testing::ValuesIn(kFormats), fmt_name);
INSTANTIATE_TEST_SUITE_P(E4m3Scale, MxdotRandom, testing::ValuesIn(kE4m3Scaled), fmt_name);

// ---- the oracle itself ------------------------------------------------------------------------------

TEST(MxOracle, SelfCheck) { EXPECT_EQ(mxo::self_check(), ""); }

}  // namespace
}  // namespace fmalab
