// The LNS oracle (see lns_oracle.hpp for how every question is decided exactly).
#include "oracle/lns_oracle.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <tuple>

namespace lnso {

namespace {

constexpr int kLadder[] = {256, 1024, 4096, 16384};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "lns_oracle: %s\n", why.c_str());
  std::abort();
}

using i128 = __int128;

int sgn128(i128 v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }

// A closed interval [lo, hi] of reals, MPFR at a given precision.
struct Iv {
  mpfr_t lo, hi;
  explicit Iv(mpfr_prec_t p) { mpfr_inits2(p, lo, hi, static_cast<mpfr_ptr>(nullptr)); }
  ~Iv() { mpfr_clears(lo, hi, static_cast<mpfr_ptr>(nullptr)); }
  Iv(const Iv&) = delete;
  Iv& operator=(const Iv&) = delete;
};

// Sign of (the real in [lo, hi]) - q, or 2 when the interval holds q (undecided).
int cmp_iv(mpfr_srcptr lo, mpfr_srcptr hi, mpfr_srcptr q) {
  if (mpfr_cmp(hi, q) < 0) return -1;
  if (mpfr_cmp(lo, q) > 0) return 1;
  return 2;
}

// An exact rational num / 2^s as an MPFR number (precision ample for 128-bit num).
struct Q {
  mpfr_t v;
  Q() { mpfr_init2(v, 192); }
  ~Q() { mpfr_clear(v); }
  Q(const Q&) = delete;
  void set(i128 num, int s) {
    const bool neg = num < 0;
    unsigned __int128 m = neg ? -static_cast<unsigned __int128>(num) : static_cast<unsigned __int128>(num);
    mpfr_set_ui(v, static_cast<unsigned long>(m >> 64), MPFR_RNDN);
    mpfr_mul_2ui(v, v, 64, MPFR_RNDN);
    mpfr_add_ui(v, v, static_cast<unsigned long>(m & ~uint64_t{0}), MPFR_RNDN);
    if (neg) mpfr_neg(v, v, MPFR_RNDN);
    mpfr_div_2si(v, v, s, MPFR_RNDN);
  }
};

// C_F = n * log2((1 + 2^(1/n)) / 2), the linear midpoint's offset in units of the grid, as an
// interval at precision p (cached).
const Iv& lin_offset(int F, int p) {
  static std::map<std::pair<int, int>, std::unique_ptr<Iv>> cache;
  auto& slot = cache[{F, p}];
  if (slot) return *slot;
  slot = std::make_unique<Iv>(p);
  Iv t(p);
  mpfr_t e;
  mpfr_init2(e, 64);
  mpfr_set_ui(e, 1, MPFR_RNDN);
  mpfr_div_2si(e, e, F, MPFR_RNDN);  // 1/n exactly
  mpfr_exp2(t.lo, e, MPFR_RNDD);
  mpfr_exp2(t.hi, e, MPFR_RNDU);
  mpfr_add_ui(t.lo, t.lo, 1, MPFR_RNDD);
  mpfr_add_ui(t.hi, t.hi, 1, MPFR_RNDU);
  mpfr_div_2ui(t.lo, t.lo, 1, MPFR_RNDD);
  mpfr_div_2ui(t.hi, t.hi, 1, MPFR_RNDU);
  mpfr_log2(slot->lo, t.lo, MPFR_RNDD);
  mpfr_log2(slot->hi, t.hi, MPFR_RNDU);
  mpfr_mul_2si(slot->lo, slot->lo, F, MPFR_RNDD);
  mpfr_mul_2si(slot->hi, slot->hi, F, MPFR_RNDU);
  mpfr_clear(e);
  return *slot;
}

// g(d) = n * log2(1 +- 2^(-d/n)) as an interval at precision p (cached: lnsadd meets few d).
const Iv& sum_offset(int F, int64_t d, bool minus, int p) {
  static std::map<std::tuple<int, int64_t, bool, int>, std::unique_ptr<Iv>> cache;
  auto& slot = cache[{F, d, minus, p}];
  if (slot) return *slot;
  slot = std::make_unique<Iv>(p);
  Iv t(p), u(p);
  mpfr_t e;
  mpfr_init2(e, 64);
  mpfr_set_si(e, -d, MPFR_RNDN);
  mpfr_div_2si(e, e, F, MPFR_RNDN);
  mpfr_exp2(t.lo, e, MPFR_RNDD);
  mpfr_exp2(t.hi, e, MPFR_RNDU);
  if (minus) {
    mpfr_ui_sub(u.lo, 1, t.hi, MPFR_RNDD);
    mpfr_ui_sub(u.hi, 1, t.lo, MPFR_RNDU);
  } else {
    mpfr_add_ui(u.lo, t.lo, 1, MPFR_RNDD);
    mpfr_add_ui(u.hi, t.hi, 1, MPFR_RNDU);
  }
  if (mpfr_sgn(u.lo) <= 0) die("sum interval reaches zero");
  mpfr_log2(slot->lo, u.lo, MPFR_RNDD);
  mpfr_log2(slot->hi, u.hi, MPFR_RNDU);
  mpfr_mul_2si(slot->lo, slot->lo, F, MPFR_RNDD);
  mpfr_mul_2si(slot->hi, slot->hi, F, MPFR_RNDU);
  mpfr_clear(e);
  return *slot;
}

// Sign of (rational frac) - C_F, never 0 (see the header), by intervals.
int frac_vs_offset(int F, mpfr_srcptr frac) {
  for (int p : kLadder) {
    const Iv& c = lin_offset(F, p);
    if (mpfr_cmp(frac, c.lo) < 0) return -1;
    if (mpfr_cmp(frac, c.hi) > 0) return 1;
  }
  die("a rational equal to the linear midpoint offset? (F = " + std::to_string(F) + ")");
}

// The analysis of a magnitude whose y = n log2|x| is known only by intervals (y(p, lo, hi) fills
// them at precision p). dyadic: |x| exactly, for F = 0's exact linear midpoint. tie_L0: the L0 at
// which |x| is exactly the linear midpoint (INT64_MIN: none).
template <class YFun>
Analysis analyze_intervals(const Lns& dst, YFun&& y, mpfr_srcptr dyadic, int64_t tie_L0, const char* what) {
  Q q;
  for (int p : kLadder) {
    Iv Y(p + 64);
    y(p, Y.lo, Y.hi);
    Analysis an;
    q.set(dst.lmin(), 0);
    const int t = cmp_iv(Y.lo, Y.hi, q.v);
    if (t == 2) continue;
    an.tiny = t < 0;
    if (an.tiny) {
      q.set(dst.lmin() - dst.n(), 0);
      an.half = cmp_iv(Y.lo, Y.hi, q.v);
      if (an.half == 2) continue;
      return an;
    }
    // floor(y): both ends strictly inside the same unit interval.
    const long f_lo = mpfr_get_si(Y.lo, MPFR_RNDD), f_hi = mpfr_get_si(Y.hi, MPFR_RNDD);
    if (f_lo != f_hi || mpfr_integer_p(Y.lo)) continue;
    an.L0 = f_lo;
    an.exact = false;
    q.set(i128{2} * an.L0 + 1, 1);
    an.log_half = cmp_iv(Y.lo, Y.hi, q.v);
    if (an.log_half == 2) continue;
    if (tie_L0 != INT64_MIN) {
      if (an.L0 != tie_L0) die(std::string(what) + ": the linear tie is not at the expected L0");
      an.lin_mid = 0;
    } else if (dyadic && dst.F == 0) {
      mpfr_t mid;
      mpfr_init2(mid, 8);
      mpfr_set_ui(mid, 3, MPFR_RNDN);
      mpfr_mul_2si(mid, mid, an.L0 - 1, MPFR_RNDN);
      an.lin_mid = mpfr_cmp(dyadic, mid);
      an.lin_mid = an.lin_mid < 0 ? -1 : an.lin_mid > 0;
      mpfr_clear(mid);
    } else {
      const Iv& c = lin_offset(dst.F, p);
      Iv m(p + 64);
      q.set(an.L0, 0);
      mpfr_add(m.lo, c.lo, q.v, MPFR_RNDD);
      mpfr_add(m.hi, c.hi, q.v, MPFR_RNDU);
      if (mpfr_cmp(Y.hi, m.lo) < 0) an.lin_mid = -1;
      else if (mpfr_cmp(Y.lo, m.hi) > 0) an.lin_mid = 1;
      else continue;
    }
    return an;
  }
  die(std::string("undecided at 16384 bits: ") + what);
}

}  // namespace

const char* mode_name(int m) {
  static const char* const names[] = {"rne", "rtz", "rdn", "rup", "rmm"};
  return m >= 0 && m < 5 ? names[m] : "?";
}
const char* domain_name(int d) { return d == Linear ? "linear" : "log"; }

bool is_lns(const std::string& name) {
  int w = 0, f = 0, used = 0;
  return std::sscanf(name.c_str(), "lns%d_%d%n", &w, &f, &used) == 2 && used == static_cast<int>(name.size());
}

Lns lns(const std::string& name) {
  int w = 0, f = 0, used = 0;
  if (std::sscanf(name.c_str(), "lns%d_%d%n", &w, &f, &used) != 2 || used != static_cast<int>(name.size()))
    die("not an LNS format: " + name);
  if (w < 3 || w > 32 || f < 0 || f > w - 2) die("LNS format out of range: " + name);
  Lns l;
  l.name = name;
  l.W = w;
  l.F = f;
  return l;
}

LnsVal decode(const Lns& f, uint64_t code) {
  code &= f.mask();
  LnsVal v;
  v.neg = (code >> (f.W - 1)) & 1;
  const uint64_t m = code & ((uint64_t{1} << (f.W - 1)) - 1);
  // (W-1)-bit two's complement
  v.L = static_cast<int64_t>(m << (64 - (f.W - 1))) >> (64 - (f.W - 1));
  if (v.L == -(int64_t{1} << (f.W - 2))) {
    v.kind = v.neg ? LnsVal::NaN : LnsVal::Zero;
    v.neg = false;
    return v;
  }
  v.kind = LnsVal::Fin;
  return v;
}

uint64_t encode(const Lns& f, bool neg, int64_t L) {
  if (L < f.lmin() || L > f.lmax()) die("encode: L out of range");
  return (neg ? uint64_t{1} << (f.W - 1) : 0) | (static_cast<uint64_t>(L) & ((uint64_t{1} << (f.W - 1)) - 1));
}

Result finish(const Lns& dst, const Prepared& p, int mode, int domain) {
  if (p.special) return p.res;
  const Analysis& a = p.an;
  const bool neg = p.neg;
  if (a.tiny) {
    bool up = false;  // to m_min
    switch (mode) {
      case RTZ: up = false; break;
      case RUP: up = !neg; break;
      case RDN: up = neg; break;
      case RNE: up = a.half > 0; break;  // a tie goes to zero
      case RMM: up = a.half >= 0; break;
      default: die("bad mode");
    }
    return {up ? encode(dst, neg, dst.lmin()) : dst.zero(), uint8_t(UF | NX)};
  }
  int64_t L = a.L0;
  uint8_t flags = 0;
  if (!a.exact) {
    flags = NX;
    bool inc = false;
    switch (mode) {
      case RTZ: inc = false; break;
      case RUP: inc = !neg; break;
      case RDN: inc = neg; break;
      case RNE:
      case RMM: {
        const int c = domain == Linear ? a.lin_mid : a.log_half;
        if (c != 0) inc = c > 0;
        else inc = mode == RMM || (a.L0 & 1) != 0;  // RNE: the even one of L0, L0 + 1
        break;
      }
      default: die("bad mode");
    }
    L += inc;
  }
  if (L > dst.lmax()) return {encode(dst, neg, dst.lmax()), uint8_t(OF | NX)};
  if (L < dst.lmin()) die("L below Lmin after the tiny rule");
  return {encode(dst, neg, L), flags};
}

Analysis analyze_pow2(const Lns& dst, int64_t K, int G) {
  // y = K * 2^F / 2^G = num / 2^s
  i128 num = K;
  int s = 0;
  if (G <= dst.F) num = static_cast<i128>(K) * (i128{1} << (dst.F - G));
  else s = G - dst.F;
  if (s > 100) die("analyze_pow2: G too large");
  const i128 one = i128{1} << s;
  Analysis an;
  if (num < static_cast<i128>(dst.lmin()) * one) {
    an.tiny = true;
    an.half = sgn128(num - static_cast<i128>(dst.lmin() - dst.n()) * one);
    return an;
  }
  const i128 L0 = num >> s;  // floor (arithmetic shift)
  const i128 rem = num - L0 * one;
  an.L0 = static_cast<int64_t>(L0);
  an.exact = rem == 0;
  if (an.exact) return an;
  an.log_half = sgn128(2 * rem - one);
  Q frac;
  frac.set(rem, s);
  an.lin_mid = frac_vs_offset(dst.F, frac.v);
  return an;
}

Analysis analyze_dyadic(const Lns& dst, mpfr_srcptr a) {
  if (mpfr_sgn(a) <= 0) die("analyze_dyadic: not positive");
  const long e = mpfr_get_exp(a) - 1;
  if (mpfr_cmp_ui_2exp(a, 1, e) == 0) return analyze_pow2(dst, e, 0);
  // log2 a is irrational: no comparison with a rational is ever equal.
  auto y = [&](int p, mpfr_ptr lo, mpfr_ptr hi) {
    mpfr_t t;
    mpfr_init2(t, p);
    mpfr_log2(t, a, MPFR_RNDD);
    mpfr_mul_2si(lo, t, dst.F, MPFR_RNDD);
    mpfr_log2(t, a, MPFR_RNDU);
    mpfr_mul_2si(hi, t, dst.F, MPFR_RNDU);
    mpfr_clear(t);
  };
  return analyze_intervals(dst, y, a, INT64_MIN, "dyadic value");
}

Analysis analyze_sum(const Lns& dst, int64_t A, int64_t B, bool minus) {
  if (A <= B) die("analyze_sum: A <= B");
  const int64_t d = A - B;
  if (minus && d == dst.n()) die("analyze_sum: x - x/2 is an exact case");
  if (dst.F == 0 && d <= 4000) {  // a dyadic rational: exactly
    mpfr_t s, b;
    mpfr_init2(s, d + 16);
    mpfr_init2(b, 8);
    mpfr_set_ui(s, 1, MPFR_RNDN);
    mpfr_mul_2si(s, s, A, MPFR_RNDN);
    mpfr_set_ui(b, 1, MPFR_RNDN);
    mpfr_mul_2si(b, b, B, MPFR_RNDN);
    const int inex = minus ? mpfr_sub(s, s, b, MPFR_RNDN) : mpfr_add(s, s, b, MPFR_RNDN);
    if (inex != 0) die("analyze_sum: F = 0 sum not exact");
    Analysis an = analyze_dyadic(dst, s);
    mpfr_clears(s, b, static_cast<mpfr_ptr>(nullptr));
    return an;
  }
  auto y = [&](int p, mpfr_ptr lo, mpfr_ptr hi) {
    const Iv& g = sum_offset(dst.F, d, minus, p);
    mpfr_add_si(lo, g.lo, A, MPFR_RNDD);
    mpfr_add_si(hi, g.hi, A, MPFR_RNDU);
  };
  // 2^(B/n) + 2^((B+1)/n) = 2^(B/n) (1 + 2^(1/n)) is the linear midpoint above L0 = B + n.
  const int64_t tie = (!minus && d == 1 && dst.F >= 1) ? B + dst.n() : INT64_MIN;
  return analyze_intervals(dst, y, nullptr, tie, "lnsadd sum");
}

Prepared to_lns(const oracle::Fmt& src, uint64_t code, const Lns& dst, bool saturate) {
  oracle::Real r;
  oracle::Oracle::decode(src, code, r);
  Prepared p;
  if (r.kind == oracle::Real::NaN) {
    p.special = true;
    p.res = {dst.nan(), uint8_t(r.signaling ? NV : 0)};
    return p;
  }
  if (r.kind == oracle::Real::Inf) {
    p.special = true;
    p.res = saturate ? Result{encode(dst, r.sign, dst.lmax()), NV} : Result{dst.nan(), NV};
    return p;
  }
  if (mpfr_zero_p(r.v)) {
    p.special = true;
    p.res = {dst.zero(), 0};
    return p;
  }
  p.neg = r.sign;
  p.an = analyze_dyadic(dst, r.v);
  return p;
}

Prepared lns_to_lns(const Lns& src, uint64_t code, const Lns& dst) {
  const LnsVal v = decode(src, code);
  Prepared p;
  if (v.kind != LnsVal::Fin) {
    p.special = true;
    p.res = {v.kind == LnsVal::NaN ? dst.nan() : dst.zero(), 0};
    return p;
  }
  p.neg = v.neg;
  p.an = analyze_pow2(dst, v.L, src.F);
  return p;
}

Prepared lnsmul(const Lns& f, uint64_t a, uint64_t b) {
  const LnsVal x = decode(f, a), y = decode(f, b);
  Prepared p;
  if (x.kind == LnsVal::NaN || y.kind == LnsVal::NaN) {
    p.special = true;
    p.res = {f.nan(), 0};
    return p;
  }
  if (x.kind == LnsVal::Zero || y.kind == LnsVal::Zero) {
    p.special = true;
    p.res = {f.zero(), 0};
    return p;
  }
  p.neg = x.neg != y.neg;
  p.an = analyze_pow2(f, x.L + y.L, f.F);
  return p;
}

Prepared lnsadd(const Lns& f, uint64_t a, uint64_t b) {
  const LnsVal x = decode(f, a), y = decode(f, b);
  Prepared p;
  p.special = true;
  if (x.kind == LnsVal::NaN || y.kind == LnsVal::NaN) {
    p.res = {f.nan(), 0};
    return p;
  }
  if (x.kind == LnsVal::Zero) {
    p.res = {b & f.mask(), 0};
    return p;
  }
  if (y.kind == LnsVal::Zero) {
    p.res = {a & f.mask(), 0};
    return p;
  }
  if (x.L == y.L && x.neg != y.neg) {
    p.res = {f.zero(), 0};
    return p;
  }
  p.special = false;
  if (x.L == y.L) {  // x + x = 2^((L + n)/n)
    p.neg = x.neg;
    p.an = analyze_pow2(f, x.L + f.n(), f.F);
    return p;
  }
  const LnsVal& big = x.L > y.L ? x : y;
  const LnsVal& small = x.L > y.L ? y : x;
  const bool minus = x.neg != y.neg;
  p.neg = big.neg;
  if (minus && big.L - small.L == f.n()) {  // x - x/2 = x/2
    p.an = analyze_pow2(f, small.L, f.F);
    return p;
  }
  p.an = analyze_sum(f, big.L, small.L, minus);
  return p;
}

// ---- into non-LNS formats ------------------------------------------------------------------------

FromLns::FromLns() = default;
FromLns::~FromLns() = default;

void FromLns::bounds(int prec) {
  prec_ = prec;
  mpfr_t e, t;
  mpfr_init2(e, 64);
  mpfr_init2(t, prec);
  mpfr_set_si(e, v_.L, MPFR_RNDN);
  mpfr_div_2si(e, e, src_.F, MPFR_RNDN);
  mpfr_exp2(t, e, MPFR_RNDD);
  mpfr_set(lo_.v, t, MPFR_RNDN);  // exact: Real holds 1024 bits
  mpfr_exp2(t, e, MPFR_RNDU);
  mpfr_set(hi_.v, t, MPFR_RNDN);
  mpfr_clears(e, t, static_cast<mpfr_ptr>(nullptr));
}

void FromLns::set(const Lns& src, uint64_t code) {
  src_ = src;
  v_ = decode(src, code);
  exact_ = false;
  lo_.kind = hi_.kind = oracle::Real::Finite;
  lo_.signaling = hi_.signaling = false;
  lo_.sign = hi_.sign = v_.neg;
  if (v_.kind == LnsVal::NaN) {
    lo_.kind = oracle::Real::NaN;
    exact_ = true;
  } else if (v_.kind == LnsVal::Zero) {
    mpfr_set_zero(lo_.v, 1);
    exact_ = true;
  } else if (v_.L % src.n() == 0) {
    mpfr_set_ui(lo_.v, 1, MPFR_RNDN);
    mpfr_mul_2si(lo_.v, lo_.v, v_.L / src.n(), MPFR_RNDN);
    exact_ = true;
  } else {
    bounds(256);
  }
}

Result FromLns::round(oracle::Oracle& dst, int mode, bool saturate) {
  for (;;) {
    const oracle::Expect a = dst.round(lo_, mode, saturate);
    if (exact_) return {a.bits, a.flags};
    const oracle::Expect b = dst.round(hi_, mode, saturate);
    if (a.bits == b.bits && a.flags == b.flags) return {a.bits, a.flags};
    if (prec_ >= 1024) die("2^(L/n) undecided at 1024 bits into " + dst.dst().name);
    bounds(1024);
  }
}

// ---- self check ------------------------------------------------------------------------------------

std::string self_check() {
  std::ostringstream err;
  auto expect = [&](const std::string& what, Result got, Result want) {
    if (!(got == want) && err.tellp() == 0)
      err << what << ": got 0x" << std::hex << got.bits << "/0x" << int(got.flags) << ", want 0x" << want.bits
          << "/0x" << int(want.flags);
  };
  const Lns l83 = lns("lns8_3"), l80 = lns("lns8_0"), l1610 = lns("lns16_10");
  // Decoding (spec: lns8_3 zero 0x40, NaN 0xC0, 1.0 0x00, -1.0 0x80, max 0x3F, min 0x41).
  auto dec = [&](uint64_t c, LnsVal::Kind k, bool neg, int64_t L) {
    const LnsVal v = decode(l83, c);
    if ((v.kind != k || v.neg != neg || (k == LnsVal::Fin && v.L != L)) && err.tellp() == 0)
      err << "decode 0x" << std::hex << c;
  };
  dec(0x08, LnsVal::Fin, false, 8);  // 2.0
  dec(0x40, LnsVal::Zero, false, 0);
  dec(0xC0, LnsVal::NaN, false, 0);
  dec(0x3F, LnsVal::Fin, false, 63);
  dec(0x41, LnsVal::Fin, false, -63);
  dec(0x80, LnsVal::Fin, true, 0);
  dec(0xFF, LnsVal::Fin, true, -1);
  if (l83.zero() != 0x40 || l83.nan() != 0xC0 || l83.lmax() != 63 || l83.lmin() != -63) err << "lns8_3 facts";
  if (encode(l83, false, -63) != 0x41 || encode(l83, true, -1) != 0xFF) err << "encode";

  const oracle::Fmt f32 = oracle::fmt("fp32");
  auto f32code = [](float x) {
    uint32_t u;
    static_assert(sizeof u == sizeof x);
    __builtin_memcpy(&u, &x, 4);
    return uint64_t{u};
  };
  auto cv = [&](float x, const Lns& d, int mode, int dom, Result want) {
    expect("fp32 " + std::to_string(x) + " -> " + d.name + " " + mode_name(mode) + " " + domain_name(dom),
           finish(d, to_lns(f32, f32code(x), d, false), mode, dom), want);
  };
  // 1.5: 8 log2 1.5 = 4.68 -> 5; linear: mid(2^(4/8), 2^(5/8)) = 1.4782 < 1.5 -> 5.
  cv(1.5f, l83, RNE, Log, {0x05, NX});
  cv(1.5f, l83, RNE, Linear, {0x05, NX});
  cv(1.5f, l83, RTZ, Log, {0x04, NX});
  cv(1.5f, l83, RUP, Log, {0x05, NX});
  cv(-1.5f, l83, RUP, Log, {0x84, NX});
  cv(-1.5f, l83, RDN, Log, {0x85, NX});
  cv(1.45f, l83, RNE, Log, {0x04, NX});   // 8 log2 1.45 = 4.29
  cv(1.45f, l83, RNE, Linear, {0x04, NX});  // < 1.4782
  // 1.4775: above the log midpoint 2^(4.5/8) = 1.47683, below the linear one 1.47821.
  cv(1.4775f, l83, RNE, Log, {0x05, NX});
  cv(1.4775f, l83, RNE, Linear, {0x04, NX});
  cv(1.4775f, l83, RMM, Linear, {0x04, NX});
  cv(2.0f, l83, RUP, Linear, {0x08, 0});
  // lns8_0: linear ties at 3 * 2^(L0 - 1).
  cv(3.0f, l80, RNE, Linear, {0x02, NX});
  cv(3.0f, l80, RMM, Linear, {0x02, NX});
  cv(6.0f, l80, RNE, Linear, {0x02, NX});
  cv(6.0f, l80, RMM, Linear, {0x03, NX});
  cv(6.0f, l80, RNE, Log, {0x03, NX});  // log2 6 = 2.58
  cv(3.0f, l80, RNE, Log, {0x02, NX});  // log2 3 = 1.58
  cv(4.0f, l80, RNE, Log, {0x02, 0});
  cv(9.223372036854775808e18f, l80, RNE, Log, {0x3F, 0});          // 2^63 = max
  cv(1.8446744073709551616e19f, l80, RTZ, Log, {0x3F, OF | NX});  // 2^64
  cv(-1e30f, l80, RTZ, Linear, {0xBF, OF | NX});
  // Tiny in lns8_3: m_min = 2^(-63/8) = 0.0042637, m_min / 2 = 0.0021318.
  cv(0.004f, l83, RNE, Log, {0x41, UF | NX});
  cv(0.004f, l83, RTZ, Log, {0x40, UF | NX});
  cv(-0.004f, l83, RDN, Linear, {0xC1, UF | NX});
  cv(-0.004f, l83, RUP, Log, {0x40, UF | NX});
  cv(0.002f, l83, RNE, Log, {0x40, UF | NX});
  cv(0.002f, l83, RMM, Log, {0x40, UF | NX});
  cv(0.0022f, l83, RMM, Log, {0x41, UF | NX});
  // Specials.
  expect("fp32 +Inf", finish(l83, to_lns(f32, 0x7F800000, l83, false), RNE, Log), {0xC0, NV});
  expect("fp32 -Inf sat", finish(l83, to_lns(f32, 0xFF800000, l83, true), RNE, Log), {0xBF, NV});
  expect("fp32 sNaN", finish(l83, to_lns(f32, 0x7F800001, l83, false), RNE, Log), {0xC0, NV});
  expect("fp32 qNaN", finish(l83, to_lns(f32, 0xFFC00000, l83, false), RNE, Log), {0xC0, 0});
  expect("fp32 -0", finish(l83, to_lns(f32, 0x80000000, l83, false), RDN, Log), {0x40, 0});

  // lnsmul.
  auto mul = [&](const Lns& f, uint64_t a, uint64_t b, int mode, Result want) {
    std::ostringstream s;
    s << "lnsmul " << f.name << " 0x" << std::hex << a << " 0x" << b << " " << mode_name(mode);
    expect(s.str(), finish(f, lnsmul(f, a, b), mode, Log), want);
  };
  mul(l83, 0x41, 0x78, RNE, {0x40, UF | NX});  // 2^(-71/8) = m_min / 2 exactly: RNE to zero
  mul(l83, 0x41, 0x78, RMM, {0x41, UF | NX});
  mul(l83, 0x41, 0x78, RUP, {0x41, UF | NX});
  mul(l83, 0xC1, 0x78, RUP, {0x40, UF | NX});
  mul(l83, 0xC1, 0x78, RDN, {0xC1, UF | NX});
  mul(l83, 0x41, 0x79, RNE, {0x41, UF | NX});  // -70/8 > -71/8
  mul(l83, 0x41, 0x41, RMM, {0x40, UF | NX});
  mul(l83, 0x3F, 0x3F, RNE, {0x3F, OF | NX});
  mul(l83, 0xBF, 0x3F, RTZ, {0xBF, OF | NX});
  mul(l83, 0x08, 0x08, RNE, {0x10, 0});
  mul(l83, 0x88, 0x88, RNE, {0x10, 0});
  mul(l83, 0x40, 0xC0, RNE, {0xC0, 0});
  mul(l83, 0x40, 0x88, RNE, {0x40, 0});
  mul(l83, 0x41, 0x3F, RNE, {0x00, 0});

  // lnsadd.
  auto add = [&](const Lns& f, uint64_t a, uint64_t b, int mode, int dom, Result want) {
    std::ostringstream s;
    s << "lnsadd " << f.name << " 0x" << std::hex << a << " 0x" << b << " " << mode_name(mode) << " "
      << domain_name(dom);
    expect(s.str(), finish(f, lnsadd(f, a, b), mode, dom), want);
  };
  add(l83, 0x08, 0x08, RNE, Log, {0x10, 0});  // 2 + 2
  add(l83, 0x08, 0x80, RNE, Log, {0x00, 0});  // 2 - 1
  add(l83, 0x80, 0x08, RUP, Linear, {0x00, 0});
  add(l83, 0x00, 0x80, RNE, Log, {0x40, 0});  // 1 - 1
  add(l83, 0x40, 0x85, RNE, Log, {0x85, 0});
  add(l83, 0xC0, 0x00, RNE, Log, {0xC0, 0});
  add(l83, 0x3F, 0x3F, RNE, Log, {0x3F, OF | NX});
  // 1 + 2^(1/8) = 2.090508: 8 log2 = 8.511 -> 9; it is exactly the linear midpoint of 2 and 2^(9/8).
  add(l83, 0x00, 0x01, RNE, Log, {0x09, NX});
  add(l83, 0x00, 0x01, RTZ, Log, {0x08, NX});
  add(l83, 0x00, 0x01, RNE, Linear, {0x08, NX});
  add(l83, 0x00, 0x01, RMM, Linear, {0x09, NX});
  add(l83, 0x81, 0x80, RMM, Linear, {0x89, NX});
  // 1 + 2^(2/8) = 2.189207: 8 log2 = 9.043 -> 9; linear mid(2^(9/8), 2^(10/8)) = 2.2797 -> 9.
  add(l83, 0x00, 0x02, RNE, Log, {0x09, NX});
  add(l83, 0x00, 0x02, RNE, Linear, {0x09, NX});
  // 2 - 2^(1/8) = 0.909492: 8 log2 = -1.0956 -> L0 = -2, frac 0.90 -> -1.
  add(l83, 0x08, 0x81, RNE, Log, {0x7F, NX});
  add(l83, 0x08, 0x81, RTZ, Log, {0x7E, NX});
  // lns8_0: 1 + 2 = 3 and 4 - 1 = 3 tie at L0 = 1; 8 - 2 = 6 ties at L0 = 2.
  add(l80, 0x00, 0x01, RNE, Linear, {0x02, NX});
  add(l80, 0x00, 0x01, RMM, Linear, {0x02, NX});
  add(l80, 0x02, 0x80, RNE, Linear, {0x02, NX});
  add(l80, 0x03, 0x81, RNE, Linear, {0x02, NX});
  add(l80, 0x03, 0x81, RMM, Linear, {0x03, NX});
  add(l80, 0x03, 0x81, RNE, Log, {0x03, NX});
  add(l80, 0x03, 0x82, RNE, Log, {0x02, 0});  // 8 - 4

  // LNS to LNS.
  auto ll = [&](const Lns& s, uint64_t c, const Lns& d, int mode, int dom, Result want) {
    std::ostringstream o;
    o << s.name << " 0x" << std::hex << c << " -> " << d.name << " " << mode_name(mode) << " " << domain_name(dom);
    expect(o.str(), finish(d, lns_to_lns(s, c, d), mode, dom), want);
  };
  ll(l1610, 0x0040, l83, RNE, Log, {0x00, NX});  // y = 0.5: tie, even 0
  ll(l1610, 0x0040, l83, RMM, Log, {0x01, NX});
  ll(l1610, 0x0040, l83, RMM, Linear, {0x00, NX});  // 2^(1/16) = 1.04427 < 1.04525
  ll(l1610, 0x00C0, l83, RNE, Log, {0x02, NX});     // y = 1.5
  ll(l1610, 0x7FC0, l83, RNE, Log, {0x00, NX});     // y = -0.5: L0 = -1, even 0
  ll(l1610, 0x7FC0, l83, RMM, Log, {0x00, NX});
  ll(l1610, 0x7F40, l83, RNE, Log, {0x7E, NX});  // y = -1.5: -2 even
  ll(l1610, 0x7F40, l83, RMM, Log, {0x7F, NX});
  ll(l1610, 0x4000, l83, RNE, Log, {0x40, 0});
  ll(l1610, 0xC000, l83, RNE, Log, {0xC0, 0});
  ll(l83, 0x3F, l1610, RNE, Log, {0x1F80, 0});
  ll(l83, 0x04, l80, RNE, Log, {0x00, NX});
  ll(l83, 0x04, l80, RMM, Log, {0x01, NX});
  ll(l83, 0x04, l80, RMM, Linear, {0x00, NX});  // sqrt 2 < 1.5
  ll(l83, 0x05, l80, RNE, Linear, {0x01, NX});  // 2^(5/8) = 1.542 > 1.5
  ll(l1610, 0x3FFF, l83, RNE, Log, {0x3F, OF | NX});  // 16383/1024 * 8 = 127.99

  // Out of LNS.
  FromLns fl;
  auto out = [&](const Lns& s, uint64_t c, const std::string& d, int mode, bool sat, Result want) {
    oracle::Oracle od(oracle::fmt(d));
    fl.set(s, c);
    std::ostringstream o;
    o << s.name << " 0x" << std::hex << c << " -> " << d << " " << mode_name(mode) << (sat ? " sat" : "");
    expect(o.str(), fl.round(od, mode, sat), want);
  };
  out(l83, 0x08, "fp32", RNE, false, {0x40000000, 0});
  out(l83, 0x04, "fp32", RNE, false, {0x3FB504F3, NX});  // sqrt 2 = 1.41421356 > 0x3FB504F3
  out(l83, 0x04, "fp32", RUP, false, {0x3FB504F4, NX});
  out(l83, 0x84, "fp32", RUP, false, {0xBFB504F3, NX});
  out(l83, 0x40, "fp32", RDN, false, {0x00000000, 0});
  out(l83, 0xC0, "fp32", RNE, false, {0x7FC00000, 0});
  out(l83, 0xC0, "e2m1", RNE, false, {0x0, NV});
  out(l83, 0x3F, "e4m3", RNE, false, {0x77, NX});  // 2^7.875 = 234.75 -> 240
  out(l83, 0x3F, "e4m3", RTZ, false, {0x76, NX});  // 224
  out(l83, 0x3F, "int8", RNE, true, {0x7F, OF | NX});
  out(l83, 0x3F, "e2m1", RNE, false, {0x7, OF | NX});
  out(l83, 0x00, "e2m1", RNE, false, {0x2, 0});
  out(l83, 0x41, "e2m1", RNE, false, {0x0, UF | NX});
  out(l83, 0x41, "e2m1", RUP, false, {0x1, UF | NX});
  return err.str();
}

}  // namespace lnso
