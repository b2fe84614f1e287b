// dot:IN:ACC:K under the `exact` preset against the independent MPFR oracle: D = sum_{i<K} a_i*b_i + c
// must be the exact sum rounded once into ACC in the chosen mode, with IEEE flags (UF after rounding),
// IEEE overflow, the signed-zero rules stated for dot (DotOracle; kRdnMixedZeros), and NaN/Inf decided
// over the whole row. The expected value is built here: the K products and c are summed exactly with MPFR at 2048
// bits (every operation checked exact), then rounded by oracle::Oracle (tests/oracle, which shares no
// code with model/). The model is reached only through make_operation and Operation::eval.
//
// Corner rows (cancellation to zero and to subnormals, signed zeros, one huge term with many tiny ones,
// terms of the result's last place, alternating signs, overflow, products in ACC's subnormal range,
// subnormal inputs, every NaN/Inf rule) for IN in {fp16, bf16, tf32 (also as e8m10), e4m3, e5m2}, ACC in
// {fp32, fp16}, K in {1, 2, 3, 4, 8, 16, 32, 64} and every mode; random rows (240k) over the same grid;
// rows of K = 4096; and the parser's refusals of bad dot names.
// A failing random test prints its seed; replay with FMALAB_SEED=0x... build/bin/test_dot_exact.
#include <gtest/gtest.h>
#include <mpfr.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "model/operation.hpp"
#include "oracle/oracle.hpp"
#include "test_support.hpp"

namespace fmalab {
namespace {

const char* const kModeName[] = {"rne", "rtz", "rdn", "rup", "rmm"};
constexpr int kModes = 5;
// A sum of zeros of mixed signs under RDN: false gives +0, the rule the model states (-0 only when
// every term is -0); true gives -0, IEEE 754 6.3 applied to each addition (what fma:IN:ACC does).
constexpr bool kRdnMixedZeros = true;
const std::vector<int> kCornerK = {1, 2, 3, 4, 8, 16, 32, 64};

// ---- format facts, from oracle::Fmt's fields only (no model code) ----------------------------------

struct Facts {
  oracle::Fmt f;
  int emin() const { return 1 - f.bias; }
  int emax() const {  // exponent of the largest finite value
    return f.nan == oracle::Nan::MagAllOnes ? (1 << f.ebits) - 1 - f.bias : (1 << f.ebits) - 2 - f.bias;
  }
  int qmin() const { return emin() - f.mbits; }  // exponent of the smallest subnormal
  uint64_t sign() const { return uint64_t{1} << (f.bits - 1); }
  uint64_t max_mag() const {
    if (f.nan == oracle::Nan::MagAllOnes) return (uint64_t{1} << (f.bits - 1)) - 2;
    return ((((uint64_t{1} << f.ebits) - 2)) << f.mbits) | ((uint64_t{1} << f.mbits) - 1);
  }
  uint64_t inf(bool neg) const { return (((uint64_t{1} << f.ebits) - 1) << f.mbits) | (neg ? sign() : 0); }
  uint64_t qnan(bool neg) const {
    if (f.nan == oracle::Nan::MagAllOnes) return (uint64_t{1} << (f.bits - 1)) - 1 + (neg ? sign() : 0);
    return inf(neg) | uint64_t{1} << (f.mbits - 1);
  }
  // A signaling NaN (IEEE-style formats only): quiet bit clear, some payload bit set.
  uint64_t snan(bool neg, uint64_t payload) const {
    const uint64_t p = payload & ((uint64_t{1} << (f.mbits - 1)) - 1);
    return inf(neg) | (p ? p : 1);
  }
};

// A finite value (-1)^neg * sig * 2^lsb.
struct Fin {
  bool neg = false;
  uint64_t sig = 0;
  int lsb = 0;
};

// The value of a finite code, by the field layout (IEEE-style and OCP e4m3 alike).
Fin value_of(const Facts& x, uint64_t code) {
  const uint64_t mag = code & (x.sign() - 1);
  const uint64_t e = mag >> x.f.mbits, m = mag & ((uint64_t{1} << x.f.mbits) - 1);
  Fin v;
  v.neg = (code & x.sign()) != 0;
  if (e == 0) {
    v.sig = m, v.lsb = x.qmin();
  } else {
    v.sig = m | uint64_t{1} << x.f.mbits, v.lsb = static_cast<int>(e) - x.f.bias - x.f.mbits;
  }
  return v;
}

// The code holding (-1)^neg * sig * 2^lsb exactly, if the format has one.
std::optional<uint64_t> exact_code(const Facts& x, bool neg, uint64_t sig, int lsb) {
  const uint64_t s = neg ? x.sign() : 0;
  if (sig == 0) return s;
  while ((sig & 1) == 0) sig >>= 1, ++lsb;
  const int top = lsb + std::bit_width(sig) - 1;
  if (top > x.emax() + 1) return std::nullopt;
  uint64_t field = 0, mant = 0;
  if (top >= x.emin()) {
    const int q = top - x.f.mbits;
    if (lsb < q) return std::nullopt;
    field = static_cast<uint64_t>(top + x.f.bias);
    mant = (sig << (lsb - q)) - (uint64_t{1} << x.f.mbits);
  } else {
    if (lsb < x.qmin()) return std::nullopt;
    mant = sig << (lsb - x.qmin());
  }
  const uint64_t c = field << x.f.mbits | mant;
  if (c > x.max_mag()) return std::nullopt;
  return c | s;
}

std::optional<uint64_t> pow2(const Facts& x, bool neg, int e) { return exact_code(x, neg, 1, e); }

using Rng = std::mt19937_64;

int uniform(Rng& r, int lo, int hi) { return lo >= hi ? lo : lo + static_cast<int>(r() % uint64_t(hi - lo + 1)); }
bool coin(Rng& r, int pct = 50) { return static_cast<int>(r() % 100) < pct; }

// A random code whose value has leading-one exponent e (normal or subnormal), random significand.
std::optional<uint64_t> code_with_exp(const Facts& x, bool neg, int e, Rng& r) {
  if (e > x.emax() || e < x.qmin()) return std::nullopt;
  const uint64_t s = neg ? x.sign() : 0;
  if (e >= x.emin()) {
    for (int t = 0; t < 4; ++t) {
      const uint64_t c = static_cast<uint64_t>(e + x.f.bias) << x.f.mbits | (r() & ((uint64_t{1} << x.f.mbits) - 1));
      if (c <= x.max_mag()) return c | s;
    }
    return static_cast<uint64_t>(e + x.f.bias) << x.f.mbits | s;
  }
  const int pos = e - x.qmin();
  return (uint64_t{1} << pos | (r() & ((uint64_t{1} << pos) - 1))) | s;
}

// Any finite code, uniformly over the codes.
uint64_t any_finite(const Facts& x, Rng& r) {
  for (;;) {
    const uint64_t c = r() & ((uint64_t{1} << x.f.bits) - 1);
    if ((c & (x.sign() - 1)) <= x.max_mag()) return c;
  }
}

struct Row {
  std::vector<uint64_t> a, b;
  uint64_t c = 0;
  std::string family;
};

// ---- one (IN, ACC) pair: the model's operations and the oracle --------------------------------------

struct Pair {
  std::string in_unit, in_oracle, acc;  // unit spelling of IN (tf32 or e8m10), its oracle name, ACC
  Facts in, out;
  Pair(std::string unit_in, std::string oracle_in, std::string acc_name)
      : in_unit(std::move(unit_in)), in_oracle(std::move(oracle_in)), acc(std::move(acc_name)),
        in{oracle::fmt(in_oracle)}, out{oracle::fmt(acc)} {}
  std::string unit(int k) const { return "dot:" + in_unit + ":" + acc + ":" + std::to_string(k); }
  // Product exponents IN can make: from the smallest subnormal squared to just under 2^(2 emax + 2).
  int pmin() const { return 2 * in.qmin(); }
  int pmax() const { return 2 * in.emax() + 1; }
};

std::vector<Pair> pairs(bool both_tf32_spellings) {
  std::vector<Pair> v;
  for (const char* acc : {"fp32", "fp16"}) {
    v.emplace_back("fp16", "fp16", acc);
    v.emplace_back("bf16", "bf16", acc);
    v.emplace_back("tf32", "e8m10", acc);
    if (both_tf32_spellings) v.emplace_back("e8m10", "e8m10", acc);
    v.emplace_back("e4m3", "e4m3", acc);
    v.emplace_back("e5m2", "e5m2", acc);
  }
  return v;
}

// Expected results: the exact sum in MPFR, rounded once by the oracle.
class DotOracle {
 public:
  explicit DotOracle(const Pair& p) : p_(p), out_(p.out.f) {
    mpfr_init2(sum_, 2048);
    mpfr_init2(prod_, 256);
  }
  ~DotOracle() {
    mpfr_clear(sum_);
    mpfr_clear(prod_);
  }
  DotOracle(const DotOracle&) = delete;
  DotOracle& operator=(const DotOracle&) = delete;

  oracle::Expect operator()(int mode, const Row& row) {
    const size_t k = row.a.size();
    oracle::Real x, y, c;
    // NaN and Inf over the whole row.
    bool nan = false, invalid = false, pos = false, neg = false;
    oracle::Oracle::decode(p_.out.f, row.c, c);
    if (c.kind == oracle::Real::NaN) nan = true, invalid = invalid || c.signaling;
    if (c.kind == oracle::Real::Inf) (c.sign ? neg : pos) = true;
    for (size_t i = 0; i < k; ++i) {
      oracle::Oracle::decode(p_.in.f, row.a[i], x);
      oracle::Oracle::decode(p_.in.f, row.b[i], y);
      invalid = invalid || x.signaling || y.signaling;
      if (x.kind == oracle::Real::NaN || y.kind == oracle::Real::NaN) {
        nan = true;
        continue;
      }
      if (x.kind == oracle::Real::Inf || y.kind == oracle::Real::Inf) {
        const bool zero = (x.kind == oracle::Real::Finite && mpfr_zero_p(x.v)) ||
                          (y.kind == oracle::Real::Finite && mpfr_zero_p(y.v));
        if (zero) nan = invalid = true;  // 0 * Inf
        else ((x.sign != y.sign) ? neg : pos) = true;
      }
    }
    if (pos && neg) nan = invalid = true;  // +Inf with -Inf
    oracle::Real r;
    if (nan) {
      r.kind = oracle::Real::NaN;
      r.signaling = invalid;  // the oracle raises NV for a signaling NaN; here: whenever invalid
      const oracle::Expect e = out_.round(r, mode, false);
      return {e.bits, invalid ? oracle::NV : uint8_t{0}};
    }
    if (pos || neg) {
      r.kind = oracle::Real::Inf;
      r.sign = neg;
      return out_.round(r, mode, false);
    }
    // Finite: the exact sum.
    mpfr_set_zero(sum_, 1);
    bool nonzero = false, all_negative = c.sign, any_negative = c.sign;
    for (size_t i = 0; i < k; ++i) {
      oracle::Oracle::decode(p_.in.f, row.a[i], x);
      oracle::Oracle::decode(p_.in.f, row.b[i], y);
      const bool s = x.sign != y.sign;
      all_negative = all_negative && s;
      any_negative = any_negative || s;
      if (mpfr_zero_p(x.v) || mpfr_zero_p(y.v)) continue;
      nonzero = true;
      exact(mpfr_mul(prod_, x.v, y.v, MPFR_RNDN), "product");
      exact(s ? mpfr_sub(sum_, sum_, prod_, MPFR_RNDN) : mpfr_add(sum_, sum_, prod_, MPFR_RNDN), "sum");
    }
    if (!mpfr_zero_p(c.v)) {
      nonzero = true;
      exact(c.sign ? mpfr_sub(sum_, sum_, c.v, MPFR_RNDN) : mpfr_add(sum_, sum_, c.v, MPFR_RNDN), "sum with c");
    }
    r.kind = oracle::Real::Finite;
    if (mpfr_zero_p(sum_)) {
      // The rule for dot: an exact zero sum of nonzero terms is +0 (-0 in RDN); a sum of zeros is -0
      // only when every term (each product's sign, and c) is -0. (IEEE 754 6.3 read term by term would
      // also make a sum of zeros of mixed signs -0 in RDN, as fma:IN:ACC does; see kRdnMixedZeros.)
      r.sign = nonzero ? mode == oracle::RDN : all_negative || (kRdnMixedZeros && mode == oracle::RDN && any_negative);
      mpfr_set_zero(r.v, 1);
    } else {
      r.sign = mpfr_sgn(sum_) < 0;
      exact(mpfr_abs(r.v, sum_, MPFR_RNDN), "copy into the oracle's Real");
    }
    return out_.round(r, mode, false);
  }

  // The value of a code of ACC, for classifying results.
  oracle::Oracle& out() { return out_; }

 private:
  static void exact(int ternary, const char* what) {
    if (ternary != 0) throw std::runtime_error(std::string("MPFR not exact: ") + what);
  }
  const Pair& p_;
  oracle::Oracle out_;
  mpfr_t sum_, prod_;
};

// What the expected results were, so a test can show (and require) that it reached each case.
struct Tally {
  std::map<std::string, long> n;
  void add(const Facts& out, const oracle::Expect& e) {
    const uint64_t mag = e.bits & (out.sign() - 1);
    const bool neg = (e.bits & out.sign()) != 0;
    if (mag > out.max_mag()) {
      const bool is_nan = mag != out.inf(false);
      ++n[is_nan ? (e.flags & oracle::NV ? "nan_nv" : "nan_quiet") : (e.flags & oracle::OF ? "inf_of" : "inf")];
    } else if (mag == 0) {
      ++n[neg ? "-0" : "+0"];
      if (e.flags & oracle::NX) ++n["zero_nx"];
    } else {
      if ((mag >> out.f.mbits) == 0) ++n["subnormal"];
      if (mag == out.max_mag() && (e.flags & oracle::OF)) ++n["max_of"];
    }
    if (e.flags & oracle::NX) ++n["nx"];
    if (e.flags & oracle::UF) ++n["uf"];
    ++n["rows"];
  }
  std::string str() const {
    std::string s;
    for (const auto& [k, v] : n) s += " " + k + "=" + std::to_string(v);
    return s;
  }
};

// Runs rows through the model (preset "" and, when asked, "exact" too) and compares with the oracle.
class Checker {
 public:
  explicit Checker(const Pair& p) : p_(p), oracle_(p) {}
  ~Checker() {
    EXPECT_EQ(failed_, 0) << "of " << checked_ << " rows of dot:" << p_.in_unit << ":" << p_.acc;
  }

  const Operation& op(int k, int mode, const std::string& preset) {
    auto& slot = ops_[{k, mode, preset}];
    if (!slot) {
      Options o;
      o.mode = static_cast<Round>(mode);
      o.preset = preset;
      std::string why;
      slot = make_operation(p_.unit(k), o, &why);
      if (!slot) throw std::runtime_error(p_.unit(k) + ": " + why);
    }
    return *slot;
  }

  // Returns the expected result.
  oracle::Expect check(int mode, const Row& row, bool both_presets = false) {
    const oracle::Expect want = oracle_(mode, row);
    tally.add(p_.out, want);
    const int k = static_cast<int>(row.a.size());
    words_.assign(row.a.begin(), row.a.end());
    words_.insert(words_.end(), row.b.begin(), row.b.end());
    words_.push_back(row.c);
    for (const char* preset : {"", "exact"}) {
      if (*preset && !both_presets) break;
      uint64_t y = ~uint64_t{0};
      const uint8_t flags = op(k, mode, preset).eval(words_, std::span(&y, 1));
      ++checked_;
      if (y != want.bits || flags != want.flags) report(mode, row, preset, want, y, flags);
    }
    return want;
  }

  oracle::Expect expect(int mode, const Row& row) { return oracle_(mode, row); }
  long failed() const { return failed_; }
  long checked() const { return checked_; }
  Tally tally;

 private:
  void report(int mode, const Row& row, const char* preset, const oracle::Expect& want, uint64_t y, uint8_t flags) {
    if (++failed_ > 12) return;
    std::ostringstream s;
    s << p_.unit(static_cast<int>(row.a.size())) << " --round " << kModeName[mode] << " preset='" << preset << "' ["
      << row.family << "]";
    if (row.a.size() <= 64) {
      s << "\n  a =";
      for (auto v : row.a) s << " " << test::hexs(v);
      s << "\n  b =";
      for (auto v : row.b) s << " " << test::hexs(v);
    } else {
      size_t nz = 0;
      for (size_t i = 0; i < row.a.size(); ++i) nz += (row.a[i] & (p_.in.sign() - 1)) && (row.b[i] & (p_.in.sign() - 1));
      s << "\n  (" << row.a.size() << " products, " << nz << " nonzero)";
    }
    s << "\n  c = " << test::hexs(row.c) << "\n  model " << test::hexs(y) << " flags " << test::hexs(flags)
      << ", oracle " << test::hexs(want.bits) << " flags " << test::hexs(want.flags);
    ADD_FAILURE() << s.str();
  }

  const Pair& p_;
  DotOracle oracle_;
  std::map<std::tuple<int, int, std::string>, std::unique_ptr<Operation>> ops_;
  std::vector<uint64_t> words_;
  long checked_ = 0, failed_ = 0;
};

// ---- building rows -------------------------------------------------------------------------------

class Builder {
 public:
  Builder(const Pair& p, int k, Rng& r) : p(p), in(p.in), out(p.out), k(k), rng(r) {}

  Row zeros(const std::string& family) const {
    Row row;
    row.a.assign(k, 0);
    row.b.assign(k, 0);
    row.family = family;
    return row;
  }

  // a, b with a*b = (-1)^neg * sig * 2^lsb exactly: one factor a power of two, at a random split.
  std::optional<std::pair<uint64_t, uint64_t>> factor(bool neg, uint64_t sig, int lsb) {
    if (sig == 0) return std::pair<uint64_t, uint64_t>{0, 0};
    const int top = lsb + std::bit_width(sig) - 1;
    const int lo = std::max(in.qmin(), top - in.emax() - 1), hi = std::min(in.emax(), top - in.qmin());
    if (lo > hi) return std::nullopt;
    const int start = uniform(rng, lo, hi);
    for (int i = 0; i <= hi - lo; ++i) {
      const int ea = lo + (start - lo + i) % (hi - lo + 1);
      const bool sa = coin(rng);
      const auto a = pow2(in, sa, ea);
      const auto b = exact_code(in, sa != neg, sig, lsb - ea);
      if (a && b) return coin(rng) ? std::pair{*a, *b} : std::pair{*b, *a};
    }
    return std::nullopt;
  }
  bool put(Row& row, int i, bool neg, uint64_t sig, int lsb) {
    const auto f = factor(neg, sig, lsb);
    if (!f) return false;
    row.a[i] = f->first, row.b[i] = f->second;
    return true;
  }

  // A product of two random codes (random significands) with leading exponent e or e + 1.
  std::optional<std::pair<uint64_t, uint64_t>> product_near(bool neg, int e) {
    const int lo = std::max(in.qmin(), e - in.emax()), hi = std::min(in.emax(), e - in.qmin());
    if (lo > hi) return std::nullopt;
    const int ea = uniform(rng, lo, hi);
    const bool sa = coin(rng);
    const auto a = code_with_exp(in, sa, ea, rng), b = code_with_exp(in, sa != neg, e - ea, rng);
    if (!a || !b) return std::nullopt;
    return std::pair{*a, *b};
  }
  bool put_near(Row& row, int i, bool neg, int e) {
    const auto f = product_near(neg, e);
    if (!f) return false;
    row.a[i] = f->first, row.b[i] = f->second;
    return true;
  }

  // A random finite nonzero IN code with exponent in [lo, hi].
  uint64_t in_code(int lo, int hi, bool neg) {
    lo = std::max(lo, in.qmin()), hi = std::min(hi, in.emax());
    return *code_with_exp(in, neg, uniform(rng, lo, hi), rng);
  }
  // A zero of IN or of ACC with a random sign.
  uint64_t zero_in(bool neg) const { return neg ? in.sign() : 0; }

  int clamp_prod(int e) const { return std::clamp(e, p.pmin(), p.pmax() - 1); }
  // A product exponent where results land in ACC's normal range (when IN can reach it).
  int mid_exp() {
    const int lo = std::max(p.pmin() + 8, out.emin() + 2), hi = std::min(p.pmax() - 2, out.emax() - 8);
    return lo <= hi ? uniform(rng, lo, hi) : clamp_prod((lo + hi) / 2);
  }

  // Fills products [from, to) with pairs that cancel exactly (x, -x), the negation moved to a random
  // factor and the factors sometimes swapped; an odd one out is left zero (signed at random).
  void cancelling_pairs(Row& row, int from, int to, int e_lo, int e_hi) {
    int i = from;
    for (; i + 1 < to; i += 2) {
      const bool neg = coin(rng);
      auto f = product_near(neg, uniform(rng, e_lo, e_hi));
      if (!f) f = product_near(neg, clamp_prod(e_lo));
      if (!f) continue;
      row.a[i] = f->first, row.b[i] = f->second;
      uint64_t a = f->first, b = f->second;
      if (coin(rng)) a ^= in.sign();
      else b ^= in.sign();
      if (coin(rng)) std::swap(a, b);
      row.a[i + 1] = a, row.b[i + 1] = b;
    }
    if (i < to) row.a[i] = zero_in(coin(rng)), row.b[i] = coin(rng) ? zero_in(coin(rng)) : in_code(-3, 3, coin(rng));
  }

  // Random permutation of the products (c stays).
  void shuffle(Row& row) {
    for (int i = k - 1; i > 0; --i) {
      const int j = static_cast<int>(rng() % uint64_t(i + 1));
      std::swap(row.a[i], row.a[j]);
      std::swap(row.b[i], row.b[j]);
    }
  }

  const Pair& p;
  const Facts &in, &out;
  const int k;
  Rng& rng;
};

// The product (as Fin) of two finite IN codes.
Fin product(const Facts& in, uint64_t a, uint64_t b) {
  const Fin x = value_of(in, a), y = value_of(in, b);
  return Fin{x.neg != y.neg, x.sig * y.sig, x.lsb + y.lsb};
}

// --- the corner families ---

void zero_cancellation(Builder& g, std::vector<Row>& rows) {
  const int k = g.k;
  for (int t = 0; t < 4 && k >= 2; ++t) {  // pairs cancel, c a signed zero
    Row row = g.zeros("cancel to zero");
    const int e = g.mid_exp();
    g.cancelling_pairs(row, 0, k, e - 20, e + 4);
    row.c = coin(g.rng) ? g.out.sign() : 0;
    g.shuffle(row);
    rows.push_back(row);
  }
  for (int t = 0; t < 4; ++t) {  // pairs cancel and c cancels the last product
    Row row = g.zeros("cancel to zero with c");
    g.cancelling_pairs(row, 0, k - 1, g.mid_exp() - 10, g.mid_exp());
    for (int tries = 0; tries < 40; ++tries) {
      const auto f = g.product_near(coin(g.rng), g.mid_exp());
      if (!f) continue;
      const Fin pr = product(g.in, f->first, f->second);
      const auto c = exact_code(g.out, !pr.neg, pr.sig, pr.lsb);
      if (!c) continue;
      row.a[k - 1] = f->first, row.b[k - 1] = f->second, row.c = *c;
      break;
    }
    g.shuffle(row);
    rows.push_back(row);
  }
  // Rows of zeros: every sign pattern that matters; products of a nonzero and a zero included.
  const auto zero_product = [&](bool neg) {
    const bool sa = coin(g.rng);
    switch (g.rng() % 3) {
      case 0: return std::pair{g.zero_in(sa), g.zero_in(sa != neg)};
      case 1: return std::pair{g.in_code(-4, 4, sa), g.zero_in(sa != neg)};
      default: return std::pair{g.zero_in(sa), g.in_code(g.in.qmin(), g.in.emax(), sa != neg)};
    }
  };
  for (int pattern = 0; pattern < 6; ++pattern) {
    Row row = g.zeros("zeros " + std::to_string(pattern));
    for (int i = 0; i < k; ++i) {
      // 0: all -0; 1: all -0 but c = +0; 2: all -0 but one product +0; 3: all +0; 4, 5: random signs.
      bool neg = pattern == 0 || pattern == 1 || pattern == 2 ? true : pattern == 3 ? false : coin(g.rng);
      if (pattern == 2 && i == k / 2) neg = false;
      std::tie(row.a[i], row.b[i]) = zero_product(neg);
    }
    row.c = (pattern == 0 || pattern == 2) ? g.out.sign() : pattern == 1 || pattern == 3 ? 0 : coin(g.rng) ? g.out.sign() : 0;
    rows.push_back(row);
  }
  // Zero products with a nonzero c: the result is c.
  for (int t = 0; t < 2; ++t) {
    Row row = g.zeros("zero products, c");
    for (int i = 0; i < k; ++i) std::tie(row.a[i], row.b[i]) = zero_product(coin(g.rng));
    row.c = any_finite(g.out, g.rng);
    rows.push_back(row);
  }
}

void subnormal_cancellation(Builder& g, std::vector<Row>& rows) {
  const int k = g.k;
  const Facts& out = g.out;
  for (int t = 0; t < 8; ++t) {
    Row row = g.zeros("cancel to subnormal");
    const int e = g.mid_exp();
    const int pairs_end = k >= 3 ? 2 * ((k - 1) / 2) : 0;
    g.cancelling_pairs(row, 0, pairs_end, e - 10, e + 2);
    // The rest: products in and just below ACC's subnormal range, or a subnormal c.
    for (int i = pairs_end; i < k; ++i) {
      const int pe = uniform(g.rng, out.qmin() - 4, out.emin() - 1);
      if (!g.put_near(row, i, coin(g.rng), pe)) row.a[i] = g.zero_in(false), row.b[i] = g.zero_in(coin(g.rng));
    }
    row.c = coin(g.rng, 60) ? *code_with_exp(out, coin(g.rng), uniform(g.rng, out.qmin(), out.emin() - 1), g.rng)
                            : (coin(g.rng) ? out.sign() : 0);
    g.shuffle(row);
    rows.push_back(row);
  }
  // Around the smallest normal: 2^emin (c or a product) less a little, so that tininess after
  // rounding decides UF; and p - p' with p, p' one ulp apart landing under 2^emin.
  for (int t = 0; t < 6; ++t) {
    Row row = g.zeros("around 2^emin");
    const bool neg = coin(g.rng);
    row.c = *pow2(out, neg, out.emin());
    for (int i = 0; i < k; ++i) {
      const int d = uniform(g.rng, out.f.mbits, out.f.mbits + 4);
      const bool sub = i == 0 || coin(g.rng, 30);
      if (!g.put(row, i, sub ? !neg : neg, 1, out.emin() - d - (sub ? 0 : uniform(g.rng, 2, 12))))
        g.put_near(row, i, coin(g.rng), out.qmin() - uniform(g.rng, 0, 4));
    }
    g.shuffle(row);
    rows.push_back(row);
  }
}

void huge_and_tiny(Builder& g, std::vector<Row>& rows, std::vector<std::pair<Row, Row>>* sticky_pairs) {
  const int k = g.k;
  const Facts& out = g.out;
  for (int variant = 0; variant < 10; ++variant) {
    // H has at most ACC's precision so that H + half an ulp is an exact tie: H = a0 * 2^j.
    Row row = g.zeros("huge+tiny " + std::to_string(variant));
    const bool neg = coin(g.rng);
    int eh = 0;
    bool ok = false;
    for (int tries = 0; tries < 20 && !ok; ++tries) {
      eh = g.mid_exp();
      const uint64_t a0 = g.in_code(-3, 3, neg);
      const Fin v = value_of(g.in, a0);
      if (static_cast<int>(std::bit_width(v.sig)) > out.f.mbits + 1) continue;
      const int top = v.lsb + std::bit_width(v.sig) - 1;
      if (variant % 3 == 2) {  // H as c
        const auto c = exact_code(out, neg, v.sig, v.lsb + (eh - top));
        if (c) row.c = *c, ok = true;
      } else if (g.put(row, 0, neg, v.sig, v.lsb + (eh - top))) {
        ok = true;
      }
    }
    if (!ok) continue;
    const int half = eh - out.f.mbits - 1;  // exponent of half an ulp of H in ACC
    int i = variant % 3 == 2 ? 0 : 1;
    // variants 0, 1, 3, 4: an exact tie term; then tiny terms: all one sign, exactly cancelling,
    // or mixed.
    const bool tie = variant % 5 != 2;
    if (tie && i < k) {
      if (g.put(row, i, variant % 2 ? !neg : neg, 1, half)) ++i;
    }
    const Row no_tiny = row;
    const int mode_of_tiny = variant % 4;  // 0 same sign as H, 1 opposite, 2 cancelling, 3 mixed
    for (; i < k; ++i) {
      const int e = half - uniform(g.rng, 1, 40);
      bool s = mode_of_tiny == 0 ? neg : mode_of_tiny == 1 ? !neg : coin(g.rng);
      if (mode_of_tiny == 2 && i + 1 < k) {
        if (g.put_near(row, i, s, std::max(e, g.p.pmin()))) {
          row.a[i + 1] = row.a[i] ^ g.in.sign(), row.b[i + 1] = row.b[i];
          ++i;
        }
        continue;
      }
      g.put_near(row, i, s, std::max(e, g.p.pmin()));
    }
    if (k == 1 && variant % 3 != 2) row.c = *code_with_exp(out, coin(g.rng), std::max(out.qmin(), half - 8), g.rng);
    if (sticky_pairs) sticky_pairs->emplace_back(row, no_tiny);
    rows.push_back(row);
  }
}

void last_place(Builder& g, std::vector<Row>& rows) {
  const int k = g.k;
  const Facts& out = g.out;
  // c with exponent e, every product +-ulp, ulp/2, ulp/4 or 2 ulp of c's binade.
  for (int variant = 0; variant < 8; ++variant) {
    Row row = g.zeros("last place " + std::to_string(variant));
    const bool neg = coin(g.rng);
    const int e = variant < 6 ? std::clamp(g.mid_exp(), out.emin(), out.emax()) : out.emin();
    row.c = *code_with_exp(out, neg, e, g.rng);
    if (variant == 5) row.c = *pow2(out, neg, e);  // a power of two: the ulp below it is half as big
    const int shift = variant % 4 == 0 ? 0 : variant % 4 == 1 ? -1 : variant % 4 == 2 ? -2 : 1;
    const bool tneg = variant == 5 ? !neg : variant % 2 ? neg : !neg;
    for (int i = 0; i < k; ++i)
      if (!g.put(row, i, tneg, 1, e - out.f.mbits + shift)) g.put_near(row, i, tneg, g.p.pmin());
    rows.push_back(row);
  }
  // c = 0: every product the smallest subnormal of ACC (or half of it), when IN can make it.
  for (int d : {0, -1, 1}) {
    Row row = g.zeros("min subnormal terms");
    const bool neg = coin(g.rng);
    bool any = false;
    for (int i = 0; i < k; ++i) any = g.put(row, i, neg, 1, out.qmin() + d) || any;
    if (any) rows.push_back(row);
  }
  // c = +-max, every product an ulp (or half) of max: the overflow threshold itself.
  for (int d : {0, -1}) {
    Row row = g.zeros("max + ulps");
    const bool neg = coin(g.rng);
    row.c = out.max_mag() | (neg ? out.sign() : 0);
    bool any = false;
    for (int i = 0; i < k; ++i) any = g.put(row, i, neg, 1, out.emax() - out.f.mbits + d) || any;
    if (any) rows.push_back(row);
  }
}

void alternating(Builder& g, std::vector<Row>& rows) {
  const int k = g.k;
  for (int t = 0; t < 6; ++t) {
    Row row = g.zeros("alternating");
    const int e = g.mid_exp();
    const int spread = t % 3 == 0 ? 0 : t % 3 == 1 ? 2 : 12;
    for (int i = 0; i < k; ++i) g.put_near(row, i, (i % 2) != (t % 2), g.clamp_prod(e - uniform(g.rng, 0, spread)));
    row.c = coin(g.rng) ? *code_with_exp(g.out, coin(g.rng), std::clamp(e - uniform(g.rng, 0, 30), g.out.qmin(), g.out.emax()), g.rng) : 0;
    rows.push_back(row);
  }
}

void overflow(Builder& g, std::vector<Row>& rows) {
  const int k = g.k;
  const Facts& out = g.out;
  const int ulp = out.emax() - out.f.mbits;
  for (bool neg : {false, true}) {
    const uint64_t max = out.max_mag() | (neg ? out.sign() : 0);
    // c = max; products: a tie (half an ulp), the tie +- tiny, a whole ulp.
    for (int variant = 0; variant < 4; ++variant) {
      Row row = g.zeros("max + " + std::string(variant == 0 ? "tie" : variant == 1 ? "tie - tiny" : variant == 2 ? "tie + tiny" : "ulp"));
      row.c = max;
      if (!g.put(row, 0, neg, 1, variant == 3 ? ulp : ulp - 1)) continue;
      for (int i = 1; i < k; ++i)
        if (variant == 1 || variant == 2) g.put_near(row, i, variant == 1 ? !neg : neg, ulp - uniform(g.rng, 4, 30));
      if (k == 1 && (variant == 1 || variant == 2)) continue;
      g.shuffle(row);
      rows.push_back(row);
    }
    // No c: K products that together pass max by a little or a lot.
    for (int variant = 0; variant < 3; ++variant) {
      Row row = g.zeros("products past max " + std::to_string(variant));
      const int lg = std::bit_width(static_cast<unsigned>(k)) - 1;  // floor(log2 K)
      bool ok = true;
      for (int i = 0; i < k && ok; ++i) {
        const int e = variant == 0 ? out.emax() - lg : variant == 1 ? out.emax() + 1 - lg : out.emax() + 6;
        ok = g.put_near(row, i, neg, e);
      }
      if (!ok) continue;
      row.c = coin(g.rng) ? *code_with_exp(out, neg, uniform(g.rng, out.emax() - 5, out.emax()), g.rng) : 0;
      rows.push_back(row);
    }
    // Past max on the way but not at the end: +-huge cancel, the rest lands near max.
    if (k >= 3) {
      Row row = g.zeros("huge cancels back under max");
      if (g.put_near(row, 0, neg, out.emax() + 4)) {
        row.a[1] = row.a[0] ^ g.in.sign(), row.b[1] = row.b[0];
        bool ok = true;
        for (int i = 2; i < k && ok; ++i) ok = g.put_near(row, i, neg, out.emax() - (std::bit_width(unsigned(k)) - 1));
        if (ok) {
          row.c = max ^ (coin(g.rng) ? out.sign() : 0);
          g.shuffle(row);
          rows.push_back(row);
        }
      }
    }
  }
}

void subnormal_products(Builder& g, std::vector<Row>& rows) {
  const int k = g.k;
  const Facts& out = g.out;
  for (int t = 0; t < 6; ++t) {
    Row row = g.zeros("products in ACC subnormals");
    const bool one_sign = t % 2 == 0;
    const bool neg = coin(g.rng);
    for (int i = 0; i < k; ++i)
      g.put_near(row, i, one_sign ? neg : coin(g.rng), uniform(g.rng, out.qmin() - 3, out.emin()));
    row.c = coin(g.rng) ? *code_with_exp(out, coin(g.rng), uniform(g.rng, out.qmin(), out.emin() - 1), g.rng)
                        : (coin(g.rng) ? out.sign() : 0);
    rows.push_back(row);
  }
}

void subnormal_inputs(Builder& g, std::vector<Row>& rows) {
  const int k = g.k;
  const Facts& in = g.in;
  for (int t = 0; t < 6; ++t) {
    Row row = g.zeros("subnormal inputs");
    for (int i = 0; i < k; ++i) {
      row.a[i] = *code_with_exp(in, coin(g.rng), uniform(g.rng, in.qmin(), in.emin() - 1), g.rng);
      // The partner: subnormal too, or normal of any size, or one at the top of the range.
      const int pick = static_cast<int>(g.rng() % 3);
      const int e = pick == 0 ? uniform(g.rng, in.qmin(), in.emin() - 1) : pick == 1 ? uniform(g.rng, in.emin(), in.emax())
                                                                                      : uniform(g.rng, in.emax() - 2, in.emax());
      row.b[i] = *code_with_exp(in, coin(g.rng), e, g.rng);
      if (coin(g.rng)) std::swap(row.a[i], row.b[i]);
    }
    row.c = t % 3 == 0 ? 0 : t % 3 == 1 ? *code_with_exp(g.out, coin(g.rng), uniform(g.rng, g.out.qmin(), g.out.emin() - 1), g.rng)
                                        : any_finite(g.out, g.rng);
    rows.push_back(row);
  }
}

void specials(Builder& g, std::vector<Row>& rows) {
  const int k = g.k;
  const Facts &in = g.in, &out = g.out;
  const bool in_inf = in.f.inf, in_snan = in.f.nan == oracle::Nan::ExpAllOnes;
  // A finite row to start from: moderate products, c finite.
  const auto base = [&](const std::string& fam) {
    Row row = g.zeros(fam);
    for (int i = 0; i < k; ++i) g.put_near(row, i, coin(g.rng), g.mid_exp());
    row.c = coin(g.rng) ? *code_with_exp(out, coin(g.rng), std::clamp(g.mid_exp(), out.qmin(), out.emax()), g.rng) : 0;
    return row;
  };
  const auto at = [&]() { return static_cast<int>(g.rng() % uint64_t(k)); };
  const auto in_qnan = [&]() { return in.qnan(coin(g.rng)) | (in.f.nan == oracle::Nan::ExpAllOnes ? (g.rng() & ((uint64_t{1} << (in.f.mbits - 1)) - 1)) : 0); };
  const auto put_a_or_b = [&](Row& row, int i, uint64_t v) { (coin(g.rng) ? row.a[i] : row.b[i]) = v; };
  // NaN operands (quiet): in a, in b, in c; NaN * 0, NaN * Inf. e4m3's only NaNs are 0x7f and 0xff.
  for (int t = 0; t < 3; ++t) {
    Row row = base("qnan in a/b");
    put_a_or_b(row, at(), in_qnan());
    rows.push_back(row);
  }
  {
    Row row = base("qnan in c");
    row.c = out.qnan(coin(g.rng)) | (g.rng() & ((uint64_t{1} << (out.f.mbits - 1)) - 1));
    rows.push_back(row);
  }
  {
    Row row = base("qnan * 0");
    const int i = at();
    row.a[i] = in_qnan(), row.b[i] = g.zero_in(coin(g.rng));
    if (coin(g.rng)) std::swap(row.a[i], row.b[i]);
    rows.push_back(row);
  }
  if (in.f.nan == oracle::Nan::MagAllOnes) {  // both e4m3 NaN codes, every position
    for (uint64_t nan : {uint64_t{0x7f}, uint64_t{0xff}}) {
      Row row = base("e4m3 nan " + test::hexs(nan));
      row.a[at()] = nan;
      rows.push_back(row);
      Row row2 = base("e4m3 nan in b " + test::hexs(nan));
      row2.b[k - 1] = nan;
      row2.c = out.inf(coin(g.rng));  // with an Inf c: NaN still
      rows.push_back(row2);
    }
  }
  // Signaling NaNs: in a or b (IN with IEEE NaNs), in c; with Inf elsewhere.
  if (in_snan) {
    for (int t = 0; t < 3; ++t) {
      Row row = base("snan in a/b");
      put_a_or_b(row, at(), in.snan(coin(g.rng), g.rng()));
      if (t == 2) row.c = out.qnan(false);  // sNaN with a quiet NaN elsewhere: still NV
      rows.push_back(row);
    }
  }
  for (int t = 0; t < 2; ++t) {
    Row row = base("snan in c");
    row.c = out.snan(coin(g.rng), g.rng());
    if (t == 1 && in_inf) put_a_or_b(row, at(), in.inf(coin(g.rng)));
    rows.push_back(row);
  }
  // Inf rows.
  if (in_inf) {
    for (int t = 0; t < 2; ++t) {
      Row row = base("0 * inf");
      const int i = at();
      row.a[i] = in.inf(coin(g.rng)), row.b[i] = g.zero_in(coin(g.rng));
      if (coin(g.rng)) std::swap(row.a[i], row.b[i]);
      if (t == 1) row.c = out.qnan(false);  // 0 * Inf with a quiet NaN c: NV
      rows.push_back(row);
    }
    {
      Row row = base("qnan * inf");
      const int i = at();
      row.a[i] = in_qnan(), row.b[i] = in.inf(coin(g.rng));
      rows.push_back(row);
    }
    for (int t = 0; t < 3; ++t) {
      Row row = base("inf product");
      const int i = at();
      const bool s = coin(g.rng);
      row.a[i] = in.inf(s), row.b[i] = g.in_code(in.qmin(), in.emax(), coin(g.rng));
      if (coin(g.rng)) std::swap(row.a[i], row.b[i]);
      const bool psign = ((row.a[i] ^ row.b[i]) & in.sign()) != 0;  // the Inf product's sign
      if (t == 1) row.c = out.inf(psign);                             // a same-sign Inf c
      if (t == 2 && k >= 2) {  // a same-sign Inf from another product, and a finite product past max
        const int j = (i + 1) % k, m = (i + 2) % k;
        row.a[j] = in.inf(psign), row.b[j] = in.max_mag();
        if (m != i) row.a[m] = in.max_mag(), row.b[m] = in.max_mag() | (psign ? in.sign() : 0);
      }
      rows.push_back(row);
    }
    if (k >= 2) {
      Row row = base("+inf with -inf products");
      const int i = at(), j = (i + 1) % k;
      row.a[i] = in.inf(false), row.b[i] = g.in_code(-2, 2, false);
      row.a[j] = g.in_code(-2, 2, true), row.b[j] = in.inf(false);
      rows.push_back(row);
    }
    {
      Row row = base("inf product with opposite inf c");
      const int i = at();
      const bool s = coin(g.rng);
      row.a[i] = in.inf(s), row.b[i] = g.in_code(-2, 2, false);
      row.c = out.inf(!s);
      rows.push_back(row);
    }
  }
  for (bool s : {false, true}) {
    Row row = base("inf c");
    row.c = out.inf(s);
    rows.push_back(row);
    Row row2 = base("inf c, products past max");
    for (int i = 0; i < k; ++i) g.put_near(row2, i, !s, g.clamp_prod(out.emax() + 2));
    row2.c = out.inf(s);
    rows.push_back(row2);
  }
}

std::vector<Row> corner_rows(const Pair& p, int k, Rng& rng, std::vector<std::pair<Row, Row>>* sticky_pairs) {
  Builder g(p, k, rng);
  std::vector<Row> rows;
  zero_cancellation(g, rows);
  subnormal_cancellation(g, rows);
  huge_and_tiny(g, rows, sticky_pairs);
  last_place(g, rows);
  alternating(g, rows);
  overflow(g, rows);
  subnormal_products(g, rows);
  subnormal_inputs(g, rows);
  specials(g, rows);
  return rows;
}

// ---- random rows ------------------------------------------------------------------------------------

Row random_row(Builder& g) {
  const int k = g.k;
  const Facts &in = g.in, &out = g.out;
  Row row = g.zeros("random");
  const int style = static_cast<int>(g.rng() % 100);
  if (style < 15) {  // uniform finite codes
    row.family = "random uniform";
    for (int i = 0; i < k; ++i) row.a[i] = any_finite(in, g.rng), row.b[i] = any_finite(in, g.rng);
    row.c = coin(g.rng, 30) ? 0 : any_finite(out, g.rng);
  } else if (style < 50) {  // products clustered around one binade, random spread and signs
    row.family = "random clustered";
    const int e = g.mid_exp();
    const int spread = std::array{0, 2, 8, 24, 60}[g.rng() % 5];
    const int neg_pct = std::array{0, 50, 100, 20}[g.rng() % 4];
    for (int i = 0; i < k; ++i) g.put_near(row, i, coin(g.rng, neg_pct), g.clamp_prod(e - uniform(g.rng, 0, spread)));
    const int cs = static_cast<int>(g.rng() % 10);
    if (cs < 3) row.c = coin(g.rng) ? out.sign() : 0;
    else if (cs < 8) row.c = *code_with_exp(out, coin(g.rng), std::clamp(e + uniform(g.rng, -30, 6), out.qmin(), out.emax()), g.rng);
    else row.c = any_finite(out, g.rng);
  } else if (style < 70) {  // near-cancelling: pairs x, -x' with x' one ulp of a factor away
    row.family = "random near-cancel";
    const int e = g.mid_exp();
    g.cancelling_pairs(row, 0, k, e - 6, e + 2);
    for (int i = 0; i < k; ++i)
      if (coin(g.rng, 30) && (row.a[i] & (in.sign() - 1)) > 1 && (row.a[i] & (in.sign() - 1)) < in.max_mag())
        row.a[i] += coin(g.rng) ? 1 : -1;
    if (coin(g.rng, 40)) row.c = *code_with_exp(out, coin(g.rng), std::clamp(e - uniform(g.rng, 0, 40), out.qmin(), out.emax()), g.rng);
    g.shuffle(row);
  } else if (style < 82) {  // products spread over IN's whole range
    row.family = "random wide";
    for (int i = 0; i < k; ++i) g.put_near(row, i, coin(g.rng), uniform(g.rng, g.p.pmin(), g.p.pmax() - 1));
    row.c = coin(g.rng, 30) ? 0 : any_finite(out, g.rng);
  } else if (style < 94) {  // subnormal-heavy: subnormal inputs and results near ACC's subnormals
    row.family = "random subnormal";
    for (int i = 0; i < k; ++i) {
      if (coin(g.rng)) {
        row.a[i] = *code_with_exp(in, coin(g.rng), uniform(g.rng, in.qmin(), in.emin() - 1), g.rng);
        row.b[i] = any_finite(in, g.rng);
      } else {
        g.put_near(row, i, coin(g.rng), g.clamp_prod(uniform(g.rng, out.qmin() - 6, out.emin() + 2)));
      }
    }
    row.c = coin(g.rng) ? *code_with_exp(out, coin(g.rng), uniform(g.rng, out.qmin(), out.emin()), g.rng) : 0;
  } else {  // a clustered row with specials and signed zeros sprinkled in
    row.family = "random specials";
    const int e = g.mid_exp();
    for (int i = 0; i < k; ++i) g.put_near(row, i, coin(g.rng), g.clamp_prod(e - uniform(g.rng, 0, 10)));
    row.c = coin(g.rng) ? 0 : *code_with_exp(out, coin(g.rng), std::clamp(e, out.qmin(), out.emax()), g.rng);
    const int n = 1 + static_cast<int>(g.rng() % 3);
    for (int t = 0; t < n; ++t) {
      const int i = static_cast<int>(g.rng() % uint64_t(k));
      uint64_t& slot = coin(g.rng) ? row.a[i] : row.b[i];
      const int what = static_cast<int>(g.rng() % 6);
      const bool s = coin(g.rng);
      if (what == 0) slot = g.zero_in(s);
      else if (what == 1) slot = in.qnan(s);
      else if (what == 2 && in.f.nan == oracle::Nan::ExpAllOnes) slot = in.snan(s, g.rng());
      else if (what == 3 && in.f.inf) slot = in.inf(s);
      else if (what == 4) row.c = coin(g.rng) ? out.inf(s) : coin(g.rng) ? out.qnan(s) : out.snan(s, g.rng());
      else slot = g.zero_in(s);
    }
  }
  return row;
}

// ---- the tests --------------------------------------------------------------------------------------

TEST(DotExact, CornerRowsEveryFormatKAndMode) {
  Rng rng(test::seed_for("dot exact corners", 0xd07c0123));
  std::map<std::string, Tally> by_acc;
  for (const Pair& p : pairs(true)) {
    Checker chk(p);
    std::vector<std::pair<Row, Row>> sticky;
    long sticky_mattered = 0;
    for (int k : kCornerK) {
      for (int mode = 0; mode < kModes; ++mode) {
        sticky.clear();
        for (const Row& row : corner_rows(p, k, rng, &sticky)) chk.check(mode, row, true);
        // The tiny terms change the result (value or flags) of some huge+tiny rows: sticky matters.
        for (const auto& [with, without] : sticky)
          if (with.a.size() >= 2) {
            const oracle::Expect x = chk.expect(mode, with), y = chk.expect(mode, without);
            sticky_mattered += x.bits != y.bits || x.flags != y.flags;
          }
      }
    }
    EXPECT_GT(sticky_mattered, 0) << p.unit(0) << ": no row where the tiny terms changed the rounding";
    std::printf("[ corners  ] dot:%s:%s %ld rows (both presets), sticky decided %ld;%s\n", p.in_unit.c_str(),
                p.acc.c_str(), chk.checked(), sticky_mattered, chk.tally.str().c_str());
    for (const auto& [key, v] : chk.tally.n) by_acc[p.acc].n[key] += v;
  }
  // The corners reach every kind of result in each accumulator.
  for (const auto& [acc, t] : by_acc)
    for (const char* key : {"+0", "-0", "subnormal", "uf", "nx", "inf_of", "max_of", "inf", "nan_nv", "nan_quiet"})
      EXPECT_GT(t.n.count(key) ? t.n.at(key) : 0, 0) << acc << ": no expected result of kind " << key;
}

TEST(DotExact, RandomRows) {
  Rng rng(test::seed_for("dot exact random", 0xd07a4d0e));
  const long per = 600 * test::random_scale();  // per (IN, ACC, K, mode): 400 combinations, 240k rows
  long total = 0;
  for (const Pair& p : pairs(false)) {
    // tf32 under both spellings: the K index decides which.
    Pair alt("e8m10", "e8m10", p.acc);
    Checker chk(p), chk_alt(alt);
    for (size_t ki = 0; ki < kCornerK.size(); ++ki) {
      const int k = kCornerK[ki];
      const bool use_alt = p.in_unit == "tf32" && ki % 2 == 1;
      Checker& c = use_alt ? chk_alt : chk;
      Builder g(use_alt ? alt : p, k, rng);
      for (int mode = 0; mode < kModes; ++mode)
        for (long i = 0; i < per; ++i) c.check(mode, random_row(g));
    }
    total += chk.checked() + chk_alt.checked();
    Tally t = chk.tally;
    for (const auto& [key, v] : chk_alt.tally.n) t.n[key] += v;
    std::printf("[ random   ] dot:%s:%s%s%s\n", p.in_unit.c_str(), p.acc.c_str(), p.in_unit == "tf32" ? " (and e8m10)" : "",
                t.str().c_str());
  }
  EXPECT_GE(total, 200000);
}

TEST(DotExact, K4096) {
  Rng rng(test::seed_for("dot exact K=4096", 0xd074096));
  constexpr int k = 4096;
  for (const Pair& p : pairs(false)) {
    Checker chk(p);
    Builder g(p, k, rng);
    for (int t = 0; t < 30; ++t) {
      const int mode = t % kModes;
      Row row;
      if (t % 3 == 0) {
        row = random_row(g);
      } else {
        // Built to cancel: 2047 pairs x, -x, and two leftover terms that decide the result: a small
        // product (below ACC's normal range when t % 3 == 2) and c.
        row = g.zeros("4096 cancelling");
        const int e = g.mid_exp();
        g.cancelling_pairs(row, 0, k - 2, e - 12, e + 4);
        const int small = t % 3 == 2 ? uniform(rng, p.out.qmin() - 3, p.out.emin()) : e - uniform(rng, 20, 40);
        g.put_near(row, k - 2, coin(rng), g.clamp_prod(small));
        g.put_near(row, k - 1, coin(rng), g.clamp_prod(small - uniform(rng, 0, 30)));
        row.c = coin(rng) ? (coin(rng) ? p.out.sign() : 0)
                          : *code_with_exp(p.out, coin(rng), std::clamp(small, p.out.qmin(), p.out.emax()), rng);
        g.shuffle(row);
      }
      chk.check(mode, row);
      // Every pair cancelled, c zero: an exact zero of nonzero terms.
      if (t % 6 == 1) {
        Row z = g.zeros("4096 exact zero");
        const int ez = g.mid_exp();
        g.cancelling_pairs(z, 0, k, ez - 30, ez);
        z.c = coin(rng) ? p.out.sign() : 0;
        g.shuffle(z);
        chk.check(mode, z);
      }
    }
    std::printf("[ K=4096   ] dot:%s:%s%s\n", p.in_unit.c_str(), p.acc.c_str(), chk.tally.str().c_str());
  }
}

// The parser refuses bad dot names with a message naming the problem.
TEST(DotExact, ParseRejectsBadNames) {
  struct Bad {
    const char* unit;
    const char* what;
  };
  const std::vector<Bad> bad = {
      {"dot:fp16:fp32:0", "K takes a whole number from 1 to 65536, got '0'"},
      {"dot:fp16:fp32:65537", "K takes a whole number from 1 to 65536, got '65537'"},
      {"dot:fp16:fp32:4294967297", "K takes a whole number from 1 to 65536"},
      {"dot:fp16:fp32:-4", "K takes a whole number from 1 to 65536, got '-4'"},
      {"dot:fp16:fp32:x", "K takes a whole number from 1 to 65536, got 'x'"},
      {"dot:fp16:fp32:4x", "K takes a whole number from 1 to 65536, got '4x'"},
      {"dot:fp16:fp32:", "K takes a whole number from 1 to 65536"},
      {"dot:int8:fp32:4", "dot takes float inputs"},
      {"dot:fp16:int32:4", "float accumulator"},
      {"dot:fx16_8:fp32:4", "dot takes float inputs"},
      {"dot:e4m3:fx32_16:4", "float accumulator"},
      {"dot:e11m52:fp32:4", "at most 24 bits of precision"},
      {"dot:fp16:e11m52:4", "accumulator of at most 32 bits"},
      {"dot:fp16:fp32", "needs the form dot:IN:ACC:K"},
      {"dot:fp16:fp32:4:4", "needs the form dot:IN:ACC:K"},
      {"dot:fp17:fp32:4", "fp17"},
  };
  for (const char* preset : {"", "exact"}) {
    Options o;
    o.preset = preset;
    for (const auto& [unit, what] : bad) {
      std::string why;
      EXPECT_EQ(make_operation(unit, o, &why), nullptr) << unit;
      EXPECT_NE(why.find(what), std::string::npos) << unit << ": message '" << why << "' lacks '" << what << "'";
      EXPECT_NE(why.find(std::string(unit).substr(0, 20)), std::string::npos) << unit << ": message '" << why << "' does not name the unit";
    }
  }
  // The limits themselves are accepted.
  for (const char* unit : {"dot:fp16:fp32:1", "dot:e4m3:fp16:65536", "dot:tf32:fp32:3", "dot:e8m10:fp16:5"}) {
    std::string why;
    EXPECT_NE(make_operation(unit, Options{}, &why), nullptr) << unit << ": " << why;
  }
}

}  // namespace
}  // namespace fmalab
