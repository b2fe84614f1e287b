// Independent exact oracle for MX / NVFP4 (see mx_oracle.hpp). Written from the specification only.
//
// Readings of the specification this oracle takes where the text leaves a choice (each a named
// constant below, so a different reading is one edit):
// - Element overflow is decided after rounding with an unbounded exponent (IEEE 754's overflow):
//   clamp=1 then gives +-max with OF|NX; an element that rounds down to max (rtz 6.5 -> 6 in e2m1)
//   is not clamped (NX only).
// - clamp=0: an overflowing element follows fmalab's IEEE overflow rule for the mode (rne/rmm and the
//   direction away from zero: Inf (e5m2) or the canonical NaN (e4m3, 0x7F whatever the sign); toward
//   zero: +-max). kNoClampByMode = false makes every mode give Inf/NaN.
// - Tininess after rounding (fmalab's rule) for UF, for elements and fp32 results.
// - mxint8 and fixed elements: no UF (fixed point has no tininess); -0 becomes 0.
// - nvfp4 with X == 0: every element code 0 (+0) and no flags (no element is rounded); the other
//   reading, NX|UF when some v_i is nonzero (the element is inexact and tiny), is kNvZeroScaleFlags.
// - A signaling element NaN (e5m2 / IEEE-style elements, quiet bit clear) raises NV in mxdot (NV for
//   a signaling NaN operand, as c's) and in mxdq (fmalab's conversion rule) (kDotElemSnanNv, kDqElemSnanNv).
// - nvfp4 when r = S_enc / X overflows fp32 (amax_b below ~6/2^128 with a huge S_enc): v*r = +-Inf is
//   clamped to +-6 with OF NX; v = 0 gives 0*Inf = NaN: element +0 with NV.
#include "mx_oracle.hpp"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace mxo {

namespace {

constexpr bool kNoClampByMode = true;
constexpr bool kNvZeroScaleFlags = false;
constexpr bool kDqElemSnanNv = true;
constexpr bool kDotElemSnanNv = true;

[[noreturn]] void die(const std::string& s) { throw std::runtime_error("mx_oracle: " + s); }

void exact(int ternary, const char* what) {
  if (ternary != 0) die(std::string("MPFR inexact in ") + what);
}

Fmt make_float(std::string name, int e, int m, int bias, bool inf, NanStyle nan) {
  Fmt f;
  f.name = std::move(name);
  f.bits = 1 + e + m;
  f.ebits = e, f.mbits = m, f.bias = bias, f.has_inf = inf, f.nan = nan;
  return f;
}
Fmt make_fixed(std::string name, int w, int frac) {
  Fmt f;
  f.name = std::move(name);
  f.fixed = true;
  f.bits = w;
  f.frac = frac;
  return f;
}

bool parse_uint(const std::string& s, size_t& i, int& out) {
  if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
  out = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') out = out * 10 + (s[i++] - '0');
  return true;
}

// Rounds t (>= 0) to an integer in place in `mode` for a value of sign neg; true when inexact.
bool rint_signed(mpfr_t t, int mode, bool neg) {
  int r = 0;
  switch (mode) {
    case RNE: r = mpfr_rint(t, t, MPFR_RNDN); break;
    case RTZ: r = mpfr_rint(t, t, MPFR_RNDZ); break;
    case RDN: r = mpfr_rint(t, t, neg ? MPFR_RNDU : MPFR_RNDZ); break;
    case RUP: r = mpfr_rint(t, t, neg ? MPFR_RNDZ : MPFR_RNDU); break;
    case RMM: r = mpfr_round(t, t); break;
    default: die("bad mode");
  }
  return r != 0;
}

// Scratch MPFR numbers (one thread).
struct Scratch {
  mpfr_t t, u, w;  // the operations'
  mpfr_t rt, ru;   // round_to's own
  Scratch() { mpfr_inits2(256, t, u, w, rt, ru, static_cast<mpfr_ptr>(nullptr)); }
  ~Scratch() { mpfr_clears(t, u, w, rt, ru, static_cast<mpfr_ptr>(nullptr)); }
};
Scratch& scratch() {
  static thread_local Scratch s;
  return s;
}

}  // namespace

const char* mode_name(int m) {
  static const char* const n[] = {"rne", "rtz", "rdn", "rup", "rmm"};
  return m >= 0 && m < 5 ? n[m] : "?";
}
const char* rule_name(int r) {
  static const char* const n[] = {"ocp", "ceil", "even"};
  return r >= 0 && r < 3 ? n[r] : "?";
}

uint64_t Fmt::max_mag() const {
  if (fixed) return (uint64_t{1} << (bits - 1)) - 1;
  const uint64_t all = (uint64_t{1} << (ebits + mbits)) - 1;
  switch (nan) {
    case NanStyle::None: return all;
    case NanStyle::AllOnes: return all - 1;
    case NanStyle::E8m0: return 0xFE;
    case NanStyle::Ieee: return (((uint64_t{1} << ebits) - 2) << mbits) | ((uint64_t{1} << mbits) - 1);
  }
  return 0;
}

int Fmt::emax() const {
  if (fixed) return bits - 2 - frac;
  return static_cast<int>(max_mag() >> mbits) - bias;
}

uint64_t Fmt::qnan() const {
  switch (nan) {
    case NanStyle::Ieee: return (((uint64_t{1} << ebits) - 1) << mbits) | (uint64_t{1} << (mbits - 1));
    case NanStyle::AllOnes: return (uint64_t{1} << (ebits + mbits)) - 1;
    case NanStyle::E8m0: return 0xFF;
    case NanStyle::None: break;
  }
  die(name + " has no NaN");
}

Fmt fmt(const std::string& n) {
  if (n == "fp32") return make_float(n, 8, 23, 127, true, NanStyle::Ieee);
  if (n == "bf16") return make_float(n, 8, 7, 127, true, NanStyle::Ieee);
  if (n == "fp16") return make_float(n, 5, 10, 15, true, NanStyle::Ieee);
  if (n == "e5m2") return make_float(n, 5, 2, 15, true, NanStyle::Ieee);
  if (n == "e4m3" || n == "e4m3fn") return make_float("e4m3", 4, 3, 7, false, NanStyle::AllOnes);
  if (n == "e3m2") return make_float(n, 3, 2, 3, false, NanStyle::None);
  if (n == "e2m3") return make_float(n, 2, 3, 1, false, NanStyle::None);
  if (n == "e2m1") return make_float(n, 2, 1, 1, false, NanStyle::None);
  if (n == "e8m0") {
    Fmt f = make_float(n, 8, 0, 127, false, NanStyle::E8m0);
    f.bits = 8;
    f.is_signed = false;
    return f;
  }
  if (n == "int8") return make_fixed(n, 8, 0);
  size_t i = 0;
  int a = 0, b = 0;
  if (n.size() > 1 && n[0] == 'e') {
    i = 1;
    if (parse_uint(n, i, a) && i < n.size() && n[i] == 'm' && (++i, parse_uint(n, i, b)) && a >= 2 && b >= 1) {
      const std::string tail = n.substr(i);
      if (tail.empty()) return make_float(n, a, b, (1 << (a - 1)) - 1, true, NanStyle::Ieee);
      if (tail == "fn") return make_float(n, a, b, (1 << (a - 1)) - 1, false, NanStyle::AllOnes);
    }
  }
  if (n.rfind("fx", 0) == 0) {
    i = 2;
    if (parse_uint(n, i, a) && i < n.size() && n[i] == '_' && (++i, parse_uint(n, i, b)) && i == n.size() && a >= 2 &&
        a <= 32 && b < a)
      return make_fixed(n, a, b);
  }
  die("unknown format " + n);
}

Block block(const std::string& n) {
  Block b;
  b.name = n;
  b.scale = fmt("e8m0");
  b.k = 32;
  if (n == "mxfp8_e4m3") b.elem = fmt("e4m3");
  else if (n == "mxfp8_e5m2") b.elem = fmt("e5m2");
  else if (n == "mxfp6_e3m2") b.elem = fmt("e3m2");
  else if (n == "mxfp6_e2m3") b.elem = fmt("e2m3");
  else if (n == "mxfp4_e2m1") b.elem = fmt("e2m1");
  else if (n == "mxint8") b.elem = fmt("fx8_6");
  else if (n == "nvfp4") {
    b.elem = fmt("e2m1");
    b.k = 16;
    b.scale = fmt("e4m3");
    b.nvfp4 = true;
  } else if (n.rfind("mx:", 0) == 0) {
    const size_t p1 = n.find(':', 3), p2 = p1 == std::string::npos ? p1 : n.find(':', p1 + 1);
    if (p2 == std::string::npos) die("bad block format " + n);
    b.elem = fmt(n.substr(3, p1 - 3));
    b.k = std::stoi(n.substr(p1 + 1, p2 - p1 - 1));
    const std::string sc = n.substr(p2 + 1);
    // e4m3: not in the specification beyond its name. The oracle's reading: the rule's power of two
    // 2^E stored in e4m3, E clamped to e4m3's powers of two [-9, 8] (amax = 0: the smallest, 2^-9).
    if (sc == "e4m3") b.scale = fmt("e4m3");
    else if (sc != "e8m0") die("bad scale format in " + n);
  } else {
    die("unknown block format " + n);
  }
  b.emax_elem = b.elem.emax();
  return b;
}

Val::Val(mpfr_prec_t prec) { mpfr_init2(mag, prec); mpfr_set_zero(mag, 1); }
Val::~Val() { mpfr_clear(mag); }

void decode(const Fmt& f, uint64_t code, Val& out) {
  out.kind = Val::Fin;
  out.neg = false;
  out.snan = false;
  const uint64_t mask = f.bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << f.bits) - 1;
  code &= mask;
  if (f.fixed) {
    int64_t v = static_cast<int64_t>(code);
    if (code & f.sign_bit()) v -= static_cast<int64_t>(uint64_t{1} << f.bits);
    out.neg = v < 0;
    exact(mpfr_set_ui_2exp(out.mag, static_cast<unsigned long>(v < 0 ? -v : v), -f.frac, MPFR_RNDN), "decode fixed");
    return;
  }
  if (f.nan == NanStyle::E8m0) {
    if (code == 0xFF) {
      out.kind = Val::NaN;
      return;
    }
    exact(mpfr_set_ui_2exp(out.mag, 1, static_cast<long>(code) - 127, MPFR_RNDN), "decode e8m0");
    return;
  }
  out.neg = (code & f.sign_bit()) != 0;
  const uint64_t mag = code & ~f.sign_bit() & mask;
  const uint64_t e = mag >> f.mbits, m = mag & ((uint64_t{1} << f.mbits) - 1);
  const uint64_t eall = (uint64_t{1} << f.ebits) - 1;
  if (f.nan == NanStyle::Ieee && e == eall) {
    if (m == 0) {
      out.kind = Val::Inf;
    } else {
      out.kind = Val::NaN;
      out.snan = ((m >> (f.mbits - 1)) & 1) == 0;
    }
    return;
  }
  if (f.nan == NanStyle::AllOnes && mag == (uint64_t{1} << (f.ebits + f.mbits)) - 1) {
    out.kind = Val::NaN;
    return;
  }
  if (e == 0) {
    exact(mpfr_set_ui_2exp(out.mag, m, f.emin() - f.mbits, MPFR_RNDN), "decode subnormal");
  } else {
    exact(mpfr_set_ui_2exp(out.mag, m | (uint64_t{1} << f.mbits), static_cast<long>(e) - f.bias - f.mbits, MPFR_RNDN),
          "decode normal");
  }
}

Rounded round_to(const Fmt& f, bool neg, mpfr_srcptr mag, int mode) {
  Scratch& s = scratch();
  Rounded r;
  if (f.fixed) {
    if (mpfr_get_prec(s.rt) < mpfr_get_prec(mag) + 8) mpfr_set_prec(s.rt, mpfr_get_prec(mag) + 8);
    exact(mpfr_mul_2si(s.rt, mag, f.frac, MPFR_RNDN), "fixed scale");
    const bool inexact = rint_signed(s.rt, mode, neg);
    const uint64_t lim = f.max_mag();
    uint64_t n = 0;
    if (mpfr_cmp_ui(s.rt, lim) > 0) {
      n = lim;
      r.overflow = true;
      r.flags = OF | NX;
    } else {
      n = mpfr_get_ui(s.rt, MPFR_RNDN);
      r.flags = inexact ? NX : 0;
    }
    const uint64_t mask = (uint64_t{1} << f.bits) - 1;
    r.code = neg && n ? ((~n + 1) & mask) : n;
    return r;
  }
  if (mpfr_zero_p(mag)) {
    r.code = neg ? f.sign_bit() : 0;
    return r;
  }
  if (mpfr_get_prec(s.rt) < mpfr_get_prec(mag) + 8) {  // room for any exact value the caller hands in
    mpfr_set_prec(s.rt, mpfr_get_prec(mag) + 8);
    mpfr_set_prec(s.ru, mpfr_get_prec(mag) + 8);
  }
  const long e = mpfr_get_exp(mag) - 1;  // floor(log2(mag))
  const long emin = f.emin();
  long qe = std::max(e, emin) - f.mbits;
  exact(mpfr_mul_2si(s.rt, mag, -qe, MPFR_RNDN), "scale to quantum");
  const bool inexact = rint_signed(s.rt, mode, neg);
  uint64_t n = mpfr_get_ui(s.rt, MPFR_RNDN);
  if (n == (uint64_t{1} << (f.mbits + 1))) n >>= 1, ++qe;
  uint64_t cm;
  if (n < (uint64_t{1} << f.mbits)) {
    cm = n;  // subnormal or zero (qe is emin - mbits here)
  } else {
    const long field = qe + f.mbits + f.bias;
    cm = field >= (1L << (f.ebits + 1)) ? ~uint64_t{0} >> 1
                                        : (static_cast<uint64_t>(field) << f.mbits) | (n - (uint64_t{1} << f.mbits));
  }
  if (cm > f.max_mag()) {
    r.overflow = true;
    r.flags = OF | NX;
    const bool to_inf = mode == RNE || mode == RMM || (mode == RUP && !neg) || (mode == RDN && neg);
    if (to_inf && f.has_inf) r.code = (((uint64_t{1} << f.ebits) - 1) << f.mbits) | (neg ? f.sign_bit() : 0);
    else if (to_inf && f.nan != NanStyle::None) r.code = f.qnan();
    else r.code = f.max_mag() | (neg ? f.sign_bit() : 0);
    return r;
  }
  r.code = cm | (neg ? f.sign_bit() : 0);
  if (inexact) {
    r.flags = NX;
    if (e < emin) {
      // Tiny after rounding: the value rounded with an unbounded exponent is below 2^emin.
      exact(mpfr_mul_2si(s.ru, mag, -(e - f.mbits), MPFR_RNDN), "unbounded scale");
      rint_signed(s.ru, mode, neg);
      exact(mpfr_mul_2si(s.ru, s.ru, e - f.mbits, MPFR_RNDN), "unbounded back");
      if (mpfr_cmp_si_2exp(s.ru, 1, emin) < 0) r.flags |= UF;
    }
  }
  return r;
}

// ---- fp32 arithmetic ------------------------------------------------------------------------------

namespace {

const Fmt& f32() {
  static const Fmt f = fmt("fp32");
  return f;
}

struct F32 {
  uint32_t code;
  uint8_t flags;
};

// The code of an fp32 value held exactly in m (sign neg).
uint32_t f32_code(bool neg, mpfr_srcptr m) {
  const Rounded r = round_to(f32(), neg, m, RNE);
  if (r.flags) die("f32_code of a value fp32 does not hold");
  return static_cast<uint32_t>(r.code);
}

F32 f32_op(char op, uint32_t a, uint32_t b) {
  Val x(24), y(24);
  decode(f32(), a, x);
  decode(f32(), b, y);
  const bool sign = x.neg != y.neg;
  const uint32_t qnan = 0x7FC00000, inf = 0x7F800000 | (sign ? 0x80000000u : 0);
  const uint32_t zero = sign ? 0x80000000u : 0;
  if (x.kind == Val::NaN || y.kind == Val::NaN) return {qnan, uint8_t(x.snan || y.snan ? NV : 0)};
  if (op == '*') {
    if ((x.kind == Val::Inf && y.zero()) || (y.kind == Val::Inf && x.zero())) return {qnan, NV};
    if (x.kind == Val::Inf || y.kind == Val::Inf) return {inf, 0};
    if (x.zero() || y.zero()) return {zero, 0};
  } else {
    if ((x.kind == Val::Inf && y.kind == Val::Inf) || (x.zero() && y.zero())) return {qnan, NV};
    if (x.kind == Val::Inf) return {inf, 0};
    if (y.kind == Val::Inf) return {zero, 0};
    if (y.zero()) return {inf, DZ};
    if (x.zero()) return {zero, 0};
  }
  mpfr_t u, r;
  mpfr_inits2(24, u, r, static_cast<mpfr_ptr>(nullptr));
  // Rounded to 24 bits with an unbounded exponent (for tininess after rounding) ...
  if (op == '*') mpfr_mul(u, x.mag, y.mag, MPFR_RNDN);
  else mpfr_div(u, x.mag, y.mag, MPFR_RNDN);
  // ... and as fp32 delivers it: fp32's exponent range with subnormals emulated.
  const mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
  mpfr_set_emin(-148);
  mpfr_set_emax(128);
  int t = op == '*' ? mpfr_mul(r, x.mag, y.mag, MPFR_RNDN) : mpfr_div(r, x.mag, y.mag, MPFR_RNDN);
  t = mpfr_check_range(r, t, MPFR_RNDN);
  t = mpfr_subnormalize(r, t, MPFR_RNDN);
  mpfr_set_emin(emin);
  mpfr_set_emax(emax);
  F32 out{0, 0};
  if (mpfr_inf_p(r)) {
    out = {inf, OF | NX};
  } else if (mpfr_zero_p(r)) {
    out = {zero, UF | NX};
  } else {
    out.code = f32_code(sign, r);
    if (t != 0) {
      out.flags = NX;
      if (mpfr_cmp_si_2exp(u, 1, -126) < 0) out.flags |= UF;
    }
  }
  mpfr_clears(u, r, static_cast<mpfr_ptr>(nullptr));
  return out;
}

}  // namespace

uint32_t fp32_div(uint32_t a, uint32_t b) { return f32_op('/', a, b).code; }
uint32_t fp32_mul(uint32_t a, uint32_t b) { return f32_op('*', a, b).code; }

// ---- mxq ----------------------------------------------------------------------------------------------

long scale_exponent(const Block& b, int rule, mpfr_srcptr amax) {
  const long la = mpfr_get_exp(amax) - 1;  // floor(log2(amax))
  if (rule == OCP) return la - b.emax_elem;
  Val mx(64);
  decode(b.elem, b.elem.max_mag(), mx);  // max_elem
  const long lm = mpfr_get_exp(mx.mag) - 1;
  Scratch& s = scratch();
  if (rule == CEIL) {
    // The smallest E with amax <= max_elem * 2^E; it lies in [la - lm, la - lm + 1].
    for (long E = la - lm - 1;; ++E) {
      exact(mpfr_mul_2si(s.t, mx.mag, E, MPFR_RNDN), "max*2^E");
      if (mpfr_cmp(amax, s.t) <= 0) return E;
    }
  }
  if (rule == EVEN) {
    // f = floor(log2(amax / max_elem)): the largest f with max_elem * 2^f <= amax.
    long f = la - lm + 1;
    for (;; --f) {
      exact(mpfr_mul_2si(s.t, mx.mag, f, MPFR_RNDN), "max*2^f");
      if (mpfr_cmp(s.t, amax) <= 0) break;
    }
    // The nearest integer is f + 1 exactly when amax / max_elem > 2^(f + 1/2), i.e. when
    // amax^2 > max_elem^2 * 2^(2f + 1) (equality would make sqrt(2) rational).
    exact(mpfr_sqr(s.u, amax, MPFR_RNDN), "amax^2");
    exact(mpfr_sqr(s.w, mx.mag, MPFR_RNDN), "max^2");
    exact(mpfr_mul_2si(s.w, s.w, 2 * f + 1, MPFR_RNDN), "max^2*2^(2f+1)");
    const int c = mpfr_cmp(s.u, s.w);
    if (c == 0) die("a tie in the even rule");
    return c > 0 ? f + 1 : f;
  }
  die("bad rule");
}

namespace {

// One element: x = |v| / X (exact, sign neg) to the element format, with the clamp rule.
Rounded quantize_element(const Block& b, bool neg, mpfr_srcptr x, int mode, bool clamp) {
  Rounded r = round_to(b.elem, neg, x, mode);
  if (!r.overflow) return r;
  const bool saturates = clamp || b.elem.fixed || (!b.elem.has_inf && b.elem.nan == NanStyle::None);
  if (saturates) {
    r.code = b.elem.fixed ? r.code : (b.elem.max_mag() | (neg ? b.elem.sign_bit() : 0));
    return r;  // round_to already saturated fixed point; OF|NX
  }
  if (!kNoClampByMode) {
    r.code = b.elem.has_inf ? ((((uint64_t{1} << b.elem.ebits) - 1) << b.elem.mbits) | (neg ? b.elem.sign_bit() : 0))
                            : b.elem.qnan();
  }
  return r;
}

uint32_t src_to_f32(const Fmt& src, uint64_t code) {
  if (src.name == "fp32") return static_cast<uint32_t>(code);
  if (src.name == "bf16") return static_cast<uint32_t>(code & 0xFFFF) << 16;
  die("source must be fp32 or bf16");
}

}  // namespace

QuantOut mxq(const Block& b, const Fmt& src, const std::vector<uint64_t>& v, int rule, int mode, bool clamp,
             uint32_t ts) {
  if (static_cast<int>(v.size()) != b.k) die("mxq: block of " + std::to_string(v.size()));
  QuantOut out;
  out.p.assign(v.size(), 0);
  std::vector<Val> vals(v.size());
  bool special = false;
  for (size_t i = 0; i < v.size(); ++i) {
    decode(src, v[i], vals[i]);
    special = special || vals[i].kind != Val::Fin;
  }
  if (special) {  // microxcaling's rule: the whole block is NaN
    out.scale = b.scale.qnan();
    out.flags = NV;
    return out;
  }
  Scratch& s = scratch();
  Val amax(64);
  for (auto& x : vals)
    if (mpfr_cmp(x.mag, amax.mag) > 0) mpfr_set(amax.mag, x.mag, MPFR_RNDN);

  if (b.nvfp4) {
    const uint32_t amax32 = f32_code(false, amax.mag);
    const uint32_t sc = fp32_mul(fp32_div(amax32, 0x40C00000u /* 6.0f */), ts);
    Val sv(64);
    decode(f32(), sc, sv);
    if (sv.kind == Val::NaN) die("nvfp4: NaN block scale (ts not a positive finite fp32?)");
    Rounded x;
    if (sv.kind == Val::Inf) {
      x.code = b.scale.max_mag();
    } else {
      if (sv.neg && !sv.zero()) die("nvfp4: negative block scale");
      x = round_to(b.scale, false, sv.mag, RNE);
      if (x.overflow) x.code = b.scale.max_mag();  // saturating to 448, never NaN
    }
    out.scale = x.code;
    Val X(64);
    decode(b.scale, x.code, X);
    if (X.zero()) {
      if (kNvZeroScaleFlags && !amax.zero()) out.flags = NX | UF;
      return out;
    }
    const uint32_t r = fp32_div(ts, f32_code(false, X.mag));
    Val y(64);
    for (size_t i = 0; i < v.size(); ++i) {
      decode(f32(), fp32_mul(src_to_f32(src, v[i]), r), y);
      // r = S_enc / X overflows fp32 when amax_b is below about 6 / 2^128 (then v*r is +-Inf, or NaN for
      // v = 0), a case the specification leaves open: Inf is clamped (+-max, OF NX, as |P_i| > max_elem);
      // NaN becomes +0 with NV (fmalab's rule for a NaN into a format without NaN).
      if (y.kind == Val::Inf) {
        out.p[i] = b.elem.max_mag() | (y.neg ? b.elem.sign_bit() : 0);
        out.flags |= OF | NX;  // clamped: |P_i| > max_elem
        continue;
      }
      if (y.kind == Val::NaN) {
        out.p[i] = 0;
        out.flags |= NV;
        continue;
      }
      const Rounded e = quantize_element(b, y.neg, y.mag, mode, true);
      out.p[i] = e.code;
      out.flags |= e.flags;
    }
    return out;
  }

  const bool e4m3 = b.scale.nan == NanStyle::AllOnes;
  const long lo = e4m3 ? b.scale.emin() - b.scale.mbits : -127, hi = e4m3 ? b.scale.emax() : 127;
  long E = lo;
  if (!amax.zero()) E = std::clamp(scale_exponent(b, rule, amax.mag), lo, hi);
  out.E = static_cast<int>(E);
  if (e4m3) {
    out.scale = E >= b.scale.emin() ? static_cast<uint64_t>(E + b.scale.bias) << b.scale.mbits
                                    : uint64_t{1} << (E - lo);
  } else {
    out.scale = static_cast<uint64_t>(E + 127);
  }
  for (size_t i = 0; i < v.size(); ++i) {
    exact(mpfr_mul_2si(s.t, vals[i].mag, -E, MPFR_RNDN), "v/X");
    const Rounded e = quantize_element(b, vals[i].neg, s.t, mode, clamp);
    out.p[i] = e.code;
    out.flags |= e.flags;
  }
  return out;
}

// ---- mxdq -----------------------------------------------------------------------------------------------

DequantOut mxdq(const Block& b, uint64_t scale, const std::vector<uint64_t>& p, uint32_t ts) {
  DequantOut out;
  out.v.assign(p.size(), 0x7FC00000u);
  Val X(64), e(64);
  decode(b.scale, scale, X);
  if (X.kind == Val::NaN) return out;
  if (X.neg && !X.zero()) die("mxdq: negative scale code " + std::to_string(scale));
  Scratch& s = scratch();
  for (size_t i = 0; i < p.size(); ++i) {
    decode(b.elem, p[i], e);
    if (e.kind == Val::NaN) {
      if (kDqElemSnanNv && e.snan) out.flags |= NV;
      continue;
    }
    if (e.kind == Val::Inf) {
      out.v[i] = 0x7F800000u | (e.neg ? 0x80000000u : 0);
      continue;
    }
    if (b.nvfp4) {
      const F32 m = f32_op('*', f32_code(e.neg, e.mag), f32_code(false, X.mag));
      if (m.flags) die("nvfp4 P*X not exact in fp32");
      const F32 d = f32_op('/', m.code, ts);
      out.v[i] = d.code;
      out.flags |= d.flags;
      continue;
    }
    exact(mpfr_mul(s.t, e.mag, X.mag, MPFR_RNDN), "P*X");
    const Rounded r = round_to(f32(), e.neg, s.t, RNE);
    out.v[i] = static_cast<uint32_t>(r.code);
    out.flags |= r.flags;
  }
  return out;
}

// ---- mxdot ----------------------------------------------------------------------------------------------

DotOut mxdot(const Block& b, uint64_t xa, const std::vector<uint64_t>& a, uint64_t xb, const std::vector<uint64_t>& bv,
             uint32_t c, int mode, int window, bool sticky) {
  constexpr mpfr_prec_t kWide = 1536;  // products span < 2^300 .. 2^-300; c 2^128 .. 2^-149
  if (a.size() != bv.size() || a.empty() || static_cast<int>(a.size()) > b.k) die("mxdot: bad K");
  Val XA(64), XB(64), cv(64), pa(64), pb(64);
  decode(b.scale, xa, XA);
  decode(b.scale, xb, XB);
  decode(f32(), c, cv);
  bool nan = XA.kind == Val::NaN || XB.kind == Val::NaN || cv.kind == Val::NaN;
  bool nv = cv.snan, pos_inf = false, neg_inf = false;
  if (cv.kind == Val::Inf) (cv.neg ? neg_inf : pos_inf) = true;
  const size_t K = a.size();
  for (size_t i = 0; i < K; ++i) {
    decode(b.elem, a[i], pa);
    decode(b.elem, bv[i], pb);
    if (pa.kind == Val::NaN || pb.kind == Val::NaN) {
      nan = true;
      if (kDotElemSnanNv && (pa.snan || pb.snan)) nv = true;
      continue;
    }
    if (pa.kind == Val::Inf || pb.kind == Val::Inf) {
      if (pa.zero() || pb.zero()) nan = nv = true;  // Inf * 0
      else ((pa.neg != pb.neg) ? neg_inf : pos_inf) = true;
    }
  }
  if (pos_inf && neg_inf) nan = nv = true;
  if (nan) return {0x7FC00000u, uint8_t(nv ? NV : 0)};
  if (pos_inf || neg_inf) return {neg_inf ? 0xFF800000u : 0x7F800000u, 0};

  struct Wide {
    mpfr_t S, P, T, R;
    Wide() { mpfr_inits2(kWide, S, P, T, R, static_cast<mpfr_ptr>(nullptr)); }
    ~Wide() { mpfr_clears(S, P, T, R, static_cast<mpfr_ptr>(nullptr)); }
  };
  static thread_local Wide w;
  mpfr_ptr S = w.S, P = w.P, T = w.T, R = w.R;
  mpfr_set_zero(S, 1);
  bool all_neg = cv.neg, any_neg = cv.neg;
  for (size_t i = 0; i < K; ++i) {
    decode(b.elem, a[i], pa);
    decode(b.elem, bv[i], pb);
    const bool sg = pa.neg != pb.neg;
    all_neg = all_neg && sg;
    any_neg = any_neg || sg;
    exact(mpfr_mul(P, pa.mag, pb.mag, MPFR_RNDN), "P_a*P_b");
    exact(sg ? mpfr_sub(S, S, P, MPFR_RNDN) : mpfr_add(S, S, P, MPFR_RNDN), "sum");
  }
  exact(mpfr_mul(T, S, XA.mag, MPFR_RNDN), "S*XA");
  exact(mpfr_mul(T, T, XB.mag, MPFR_RNDN), "S*XA*XB");
  DotOut out;
  auto finish = [&](bool neg, mpfr_srcptr mag) {
    const Rounded r = round_to(f32(), neg, mag, mode);
    out.y = static_cast<uint32_t>(r.code);
    out.flags = r.flags;
  };
  if (mpfr_zero_p(T) && cv.zero()) {
    // IEEE 754 6.3 over the terms: -0 when every term is negative, or for mixed signs in rdn.
    const bool neg = all_neg || (any_neg && mode == RDN);
    out.y = neg ? 0x80000000u : 0;
    out.flags = 0;
  } else if (window <= 0) {
    exact(cv.neg ? mpfr_sub(R, T, cv.mag, MPFR_RNDN) : mpfr_add(R, T, cv.mag, MPFR_RNDN), "T+c");
    if (mpfr_zero_p(R)) {
      out.y = mode == RDN ? 0x80000000u : 0;
    } else {
      const bool neg = mpfr_sgn(R) < 0;
      mpfr_abs(R, R, MPFR_RNDN);
      finish(neg, R);
    }
  } else {
    // The FMA's window: both terms on the grid 2^g, g = anchor - W + 1, anchor the larger leading
    // exponent; each magnitude cut to the grid, shifted up one place with the cut bits ORed into bit 0
    // (dropped with no sticky); the signed integers added; that sum rounded once.
    const bool tneg = mpfr_sgn(T) < 0;
    mpfr_abs(T, T, MPFR_RNDN);
    long anchor = LONG_MIN;
    if (!mpfr_zero_p(T)) anchor = mpfr_get_exp(T) - 1;
    if (!cv.zero()) anchor = std::max(anchor, static_cast<long>(mpfr_get_exp(cv.mag) - 1));
    const long g = anchor - window + 1;
    mpz_t sum, t;
    mpz_inits(sum, t, nullptr);
    auto term = [&](mpfr_srcptr mag, bool neg) {
      if (mpfr_zero_p(mag)) return;
      exact(mpfr_mul_2si(R, mag, -g, MPFR_RNDN), "to grid");
      mpfr_get_z(t, R, MPFR_RNDZ);
      const bool lost = mpfr_cmp_z(R, t) != 0;
      mpz_mul_2exp(t, t, 1);
      if (sticky && lost) mpz_add_ui(t, t, 1);
      if (neg) mpz_sub(sum, sum, t);
      else mpz_add(sum, sum, t);
    };
    term(T, tneg);
    term(cv.mag, cv.neg);
    if (mpz_sgn(sum) == 0) {
      out.y = (tneg == cv.neg ? tneg : mode == RDN) ? 0x80000000u : 0;
    } else {
      const bool neg = mpz_sgn(sum) < 0;
      mpz_abs(sum, sum);
      exact(mpfr_set_z(R, sum, MPFR_RNDN), "window sum");
      exact(mpfr_mul_2si(R, R, g - 1, MPFR_RNDN), "window sum scale");
      finish(neg, R);
    }
    mpz_clears(sum, t, nullptr);
  }
  return out;
}

// ---- hand-worked checks ---------------------------------------------------------------------------

std::string self_check() {
  std::string fail;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok && fail.empty()) fail = what;
  };
  auto value_is = [&](const char* f, uint64_t code, double want) {
    Val v(64);
    decode(fmt(f), code, v);
    const double got = v.kind == Val::Fin ? (v.neg ? -1 : 1) * mpfr_get_d(v.mag, MPFR_RNDN) : NAN;
    check(got == want, std::string("decode ") + f + " " + std::to_string(code));
  };
  // Element and scale codes (sign | exponent | mantissa; biases 7, 15, 3, 1, 1; e8m0 2^(x-127)).
  value_is("e4m3", 0x7E, 448);          // 0.1111.110 = 1.75 * 2^8
  value_is("e4m3", 0x01, 0.001953125);  // 2^-9, the smallest subnormal
  value_is("e4m3", 0xB8, -1);
  value_is("e5m2", 0x7B, 57344);        // 1.75 * 2^15
  value_is("e5m2", 0x01, std::ldexp(1, -16));
  value_is("e3m2", 0x1F, 28);           // 1.75 * 2^4
  value_is("e2m3", 0x1F, 7.5);          // 1.875 * 2^2
  value_is("e2m1", 0x7, 6);
  value_is("e2m1", 0x1, 0.5);
  value_is("e2m1", 0xD, -3);
  value_is("fx8_6", 0x7F, 127.0 / 64);
  value_is("fx8_6", 0x81, -127.0 / 64);
  value_is("e8m0", 0x7F, 1);
  value_is("e8m0", 0x00, std::ldexp(1, -127));
  value_is("e8m0", 0xFE, std::ldexp(1, 127));
  {
    Val v(64);
    decode(fmt("e4m3"), 0xFF, v);
    check(v.kind == Val::NaN, "e4m3 0xFF NaN");
    decode(fmt("e5m2"), 0xFC, v);
    check(v.kind == Val::Inf && v.neg, "e5m2 0xFC -Inf");
    decode(fmt("e5m2"), 0x7D, v);
    check(v.kind == Val::NaN && v.snan, "e5m2 0x7D sNaN");
    decode(fmt("e8m0"), 0xFF, v);
    check(v.kind == Val::NaN, "e8m0 0xFF NaN");
  }
  check(block("mxfp8_e4m3").emax_elem == 8 && block("mxfp8_e5m2").emax_elem == 15 &&
            block("mxfp6_e3m2").emax_elem == 4 && block("mxfp6_e2m3").emax_elem == 2 &&
            block("mxfp4_e2m1").emax_elem == 2 && block("mxint8").emax_elem == 0 && block("nvfp4").emax_elem == 2,
        "emax_elem of the spec's table");

  // Scale rules, by hand: E(ocp) = floor(log2 amax) - emax; E(ceil) = ceil(log2(amax/max));
  // E(even) = nearest integer to log2(amax/max).
  auto E = [&](const char* bf, int rule, double amax, long want) {
    Val a(64);
    mpfr_set_d(a.mag, amax, MPFR_RNDN);
    const long got = scale_exponent(block(bf), rule, a.mag);
    check(got == want, std::string("E ") + bf + " " + rule_name(rule) + " " + std::to_string(amax) + " got " +
                           std::to_string(got) + " want " + std::to_string(want));
  };
  E("mxfp4_e2m1", OCP, 4.5, 0);    // floor(2.17) - 2
  E("mxfp4_e2m1", CEIL, 4.5, 0);   // ceil(log2 0.75 = -0.415)
  E("mxfp4_e2m1", EVEN, 4.5, 0);
  E("mxfp4_e2m1", OCP, 6.5, 0);
  E("mxfp4_e2m1", CEIL, 6.5, 1);   // log2(6.5/6) = 0.115
  E("mxfp4_e2m1", EVEN, 6.5, 0);
  E("mxfp4_e2m1", OCP, 7.9, 0);    // the spec's example
  E("mxfp4_e2m1", CEIL, 7.9, 1);
  E("mxfp4_e2m1", OCP, 8.5, 1);    // just above a power of two
  E("mxfp4_e2m1", CEIL, 8.5, 1);   // log2(8.5/6) = 0.503
  E("mxfp4_e2m1", EVEN, 8.5, 1);
  E("mxfp4_e2m1", EVEN, 8.484375, 0);   // (8.484375/6)^2 = 1.99957 < 2
  E("mxfp4_e2m1", EVEN, 8.4921875, 1);  // (8.4921875/6)^2 = 2.0033 > 2
  E("mxfp4_e2m1", CEIL, 6, 0);     // exactly max: E = 0
  E("mxfp4_e2m1", CEIL, 6.0000005, 1);
  E("mxfp8_e4m3", OCP, 448, 0);
  E("mxfp8_e4m3", CEIL, 448, 0);
  E("mxfp8_e4m3", CEIL, 449, 1);
  E("mxfp8_e4m3", EVEN, 449, 0);
  E("mxfp8_e4m3", OCP, 1, -8);
  E("mxfp8_e4m3", CEIL, 1, -8);    // log2(1/448) = -8.807
  E("mxfp8_e4m3", EVEN, 1, -9);
  E("mxint8", OCP, 1, 0);
  E("mxint8", CEIL, 1, 0);         // log2(64/127) = -0.989
  E("mxint8", EVEN, 1, -1);
  E("mxint8", CEIL, std::ldexp(1.0, 127) * 1.9999, 128);  // beyond E8M0: clamped to 127 by mxq
  E("mxfp8_e4m3", OCP, std::ldexp(1.0, -149), -157);       // clamped to -127 by mxq

  // Element rounding (e2m1 grid 0 0.5 1 1.5 2 3 4 6; e4m3 top 448, next would be 480).
  auto R = [&](const char* f, double x, int mode, uint64_t code, uint8_t flags) {
    Val a(64);
    mpfr_set_d(a.mag, std::fabs(x), MPFR_RNDN);
    const Rounded r = round_to(fmt(f), std::signbit(x), a.mag, mode);
    check(r.code == code && r.flags == flags, std::string("round ") + f + " " + std::to_string(x) + " " +
                                                  mode_name(mode) + " got " + std::to_string(r.code) + "/" +
                                                  std::to_string(r.flags));
  };
  R("e2m1", 0.25, RNE, 0x0, UF | NX);   // tie 0 / 0.5: even is 0
  R("e2m1", 0.25, RMM, 0x1, UF | NX);   // away: 0.5 (tiny: below 2^emin = 1 after rounding)
  R("e2m1", -0.25, RNE, 0x8, UF | NX);  // -0
  R("e2m1", 0.75, RNE, 0x2, UF | NX);   // tie 0.5 (001) / 1.0 (010): 1.0; tiny (0.75 < 1 unbounded)
  R("e2m1", 2.5, RNE, 0x4, NX);         // tie 2 (100) / 3 (101)
  R("e2m1", 2.5, RMM, 0x5, NX);
  R("e2m1", 5, RNE, 0x6, NX);           // tie 4 / 6
  R("e2m1", 5, RMM, 0x7, NX);
  R("e2m1", -5, RDN, 0xF, NX);
  R("e2m1", -5, RUP, 0xE, NX);
  R("e2m1", 7, RNE, 0x7, OF | NX);      // 7 rounds to 8: overflow, no Inf or NaN: max
  R("e2m1", 7, RTZ, 0x7, NX);
  R("e4m3", 464, RNE, 0x7E, NX);        // tie 448 (110) / 480 (111): even
  R("e4m3", 464, RMM, 0x7F, OF | NX);   // 480 overflows: NaN
  R("e4m3", -464, RMM, 0x7F, OF | NX);  // the canonical NaN
  R("e4m3", 464, RTZ, 0x7E, NX);
  R("e5m2", 61440, RNE, 0x7C, OF | NX); // tie 57344 (11) / 65536: even = 65536: Inf
  R("e5m2", 61440, RTZ, 0x7B, NX);
  R("e5m2", 70000, RTZ, 0x7B, OF | NX);
  R("fx8_6", 1.9999, RNE, 0x7F, OF | NX);  // 1.9999*64 = 127.99 -> 128 > 127: saturates
  R("fp32", 1.0 + std::ldexp(1, -24), RNE, 0x3F800000, NX);
  R("fp32", 1.0 + std::ldexp(1, -24), RMM, 0x3F800001, NX);
  R("fp32", std::ldexp(1.5, -149), RNE, 0x2, UF | NX);
  R("fp32", std::ldexp(1, -150), RNE, 0x0, UF | NX);
  R("fp32", std::ldexp(1, -150), RUP, 0x1, UF | NX);
  R("fp32", std::ldexp(2 - std::ldexp(1, -24), -127), RNE, 0x00800000, NX);  // rounds up to 2^-126: not tiny

  // mxq blocks by hand.
  {
    const Block b = block("mxfp4_e2m1");
    std::vector<uint64_t> v(32, 0);
    v[0] = 0x40D00000;  // 6.5
    v[1] = 0x3F800000;  // 1
    v[2] = 0xBE99999A;  // -0.3
    v[3] = 0x80000000;  // -0
    QuantOut q = mxq(b, fmt("fp32"), v, OCP, RNE, true);
    // ocp: E = 0, x = 127 = 0x7F; 6.5 -> 6 (0x7); 1 -> 0x2; -0.3 -> -0.5 (0x9; 0.3 nearer 0.5 than 0; tiny:
    // UF); -0 -> 0x8.
    check(q.scale == 0x7F && q.p[0] == 0x7 && q.p[1] == 0x2 && q.p[2] == 0x9 && q.p[3] == 0x8 && q.p[4] == 0 &&
              q.flags == (NX | UF),
          "mxq e2m1 ocp 6.5");
    q = mxq(b, fmt("fp32"), v, CEIL, RNE, true);
    // ceil: E = 1, x = 0x80; 3.25 -> 3 (0x5); 0.5 -> 0x1; -0.15 -> -0 (0x8, UF NX); -0 -> 0x8.
    check(q.scale == 0x80 && q.p[0] == 0x5 && q.p[1] == 0x1 && q.p[2] == 0x8 && q.p[3] == 0x8 &&
              q.flags == (NX | UF),
          "mxq e2m1 ceil 6.5");
    v[5] = 0x7FC00000;
    q = mxq(b, fmt("fp32"), v, CEIL, RNE, true);
    check(q.scale == 0xFF && q.p[0] == 0 && q.flags == NV, "mxq NaN block");
    std::vector<uint64_t> z(32, 0x80000000);
    q = mxq(b, fmt("fp32"), z, OCP, RNE, true);
    check(q.scale == 0 && q.p[7] == 0x8 && q.flags == 0, "mxq all -0");
    // mxint8 ocp: amax 1.9999 -> E = 0; 1.9999*64 = 127.99 -> 128 -> 127 OF.
    const Block i8 = block("mxint8");
    std::vector<uint64_t> w(32, 0);
    w[0] = 0x3FFFFCB9;  // 1.9999
    w[1] = 0xBF800000;  // -1 -> -64 = 0xC0
    q = mxq(i8, fmt("fp32"), w, OCP, RNE, true);
    check(q.scale == 0x7F && q.p[0] == 0x7F && q.p[1] == 0xC0 && q.flags == (OF | NX), "mxq int8");
  }
  // fp32 operations: 1/3 = 0x3EAAAAAB; 1/6 = 0x3E2AAAAB; 3*2^-149 / 2 = 1.5 ulp -> 2 (even);
  // 2^-149 / 2 -> 0 (tie to even); 2^-126 * 0.5 = 0x00400000.
  check(fp32_div(0x3F800000, 0x40400000) == 0x3EAAAAAB, "1/3");
  check(fp32_div(0x3F800000, 0x40C00000) == 0x3E2AAAAB, "1/6");
  check(fp32_div(0x00000003, 0x40000000) == 0x00000002, "3 ulp / 2");
  check(fp32_div(0x00000001, 0x40000000) == 0x00000000, "1 ulp / 2");
  check(fp32_mul(0x00800000, 0x3F000000) == 0x00400000, "2^-126 * 0.5");
  check(fp32_mul(0x7F000000, 0x40000000) == 0x7F800000, "2^127 * 2 = Inf");
  // nvfp4: ts = 1, amax 6: s = 1 -> e4m3 0x38, r = 1; 6 -> 0x7, -3 -> 0xD, 0.75 -> tie -> 1.0 (0x2; tiny).
  {
    const Block b = block("nvfp4");
    std::vector<uint64_t> v(16, 0);
    v[0] = 0x40C00000, v[1] = 0xC0400000, v[2] = 0x3F400000;
    QuantOut q = mxq(b, fmt("fp32"), v, OCP, RNE, true, 0x3F800000);
    check(q.scale == 0x38 && q.p[0] == 0x7 && q.p[1] == 0xD && q.p[2] == 0x2 && q.flags == (NX | UF), "nvfp4 ts=1");
    // amax 3, ts 1: s = fp32(3/6) * 1 = 0.5 -> 0x30; r = 1/0.5 = 2; 3*2 = 6 -> 0x7.
    v.assign(16, 0);
    v[0] = 0x40400000;
    q = mxq(b, fmt("fp32"), v, OCP, RNE, true, 0x3F800000);
    check(q.scale == 0x30 && q.p[0] == 0x7 && q.flags == 0, "nvfp4 amax 3");
    // A tiny block: s = 1e-30/6 -> e4m3 0: every code 0.
    v[0] = 0x0DA24260;  // 1e-30
    v[1] = 0x8DA24260;
    q = mxq(b, fmt("fp32"), v, OCP, RNE, true, 0x3F800000);
    check(q.scale == 0 && q.p[1] == 0, "nvfp4 X = 0");
  }
  // mxdq: 2 * 448 = 896 (0x44600000); NaN scale; e5m2 Inf; 2^127 * 57344 overflows.
  {
    DequantOut d = mxdq(block("mxfp8_e4m3"), 0x80, std::vector<uint64_t>(32, 0x7E));
    check(d.v[0] == 0x44600000 && d.flags == 0, "mxdq 896");
    d = mxdq(block("mxfp8_e4m3"), 0xFF, std::vector<uint64_t>(32, 0x7E));
    check(d.v[3] == 0x7FC00000 && d.flags == 0, "mxdq NaN scale");
    d = mxdq(block("mxfp8_e5m2"), 0x7F, std::vector<uint64_t>(32, 0xFC));
    check(d.v[3] == 0xFF800000 && d.flags == 0, "mxdq -Inf");
    d = mxdq(block("mxfp8_e5m2"), 0xFE, std::vector<uint64_t>(32, 0x7B));
    check(d.v[3] == 0x7F800000 && d.flags == (OF | NX), "mxdq overflow");
    d = mxdq(block("mxfp8_e4m3"), 0x00, std::vector<uint64_t>(32, 0x01));  // 2^-136 = 0x2000
    check(d.v[3] == 0x00002000 && d.flags == 0, "mxdq 2^-136");
  }
  // mxdot: X_A = 1, X_B = 2, a = [1, 1], b = [2, -1]: 2*(2 - 1) + 1 = 3.
  {
    const Block b = block("mxfp8_e4m3");
    DotOut d = mxdot(b, 0x7F, {0x38, 0x38}, 0x80, {0x40, 0xB8}, 0x3F800000, RNE);
    check(d.y == 0x40400000 && d.flags == 0, "mxdot 3");
    d = mxdot(b, 0x7F, {0x38, 0x38}, 0x7F, {0x38, 0xB8}, 0x00000000, RNE);
    check(d.y == 0 && d.flags == 0, "mxdot cancel rne");
    d = mxdot(b, 0x7F, {0x38, 0x38}, 0x7F, {0x38, 0xB8}, 0x00000000, RDN);
    check(d.y == 0x80000000 && d.flags == 0, "mxdot cancel rdn");
    d = mxdot(b, 0x7F, {0xB8}, 0x7F, {0x00}, 0x80000000, RNE);  // -0 * ... all terms -0
    check(d.y == 0x80000000, "mxdot all -0");
    // c = 2^24, term 1: tie -> 2^24 in rne, 2^24 + 2 in rup and rmm.
    d = mxdot(b, 0x7F, {0x38}, 0x7F, {0x38}, 0x4B800000, RNE);
    check(d.y == 0x4B800000 && d.flags == NX, "mxdot tie rne");
    d = mxdot(b, 0x7F, {0x38}, 0x7F, {0x38}, 0x4B800000, RMM);
    check(d.y == 0x4B800001 && d.flags == NX, "mxdot tie rmm");
    // Window 8 without sticky: c = 2^24 anchors, the grid is 2^17; the term 1 is dropped: 2^24 exact.
    d = mxdot(b, 0x7F, {0x38}, 0x7F, {0x38}, 0x4B800000, RUP, 8, false);
    check(d.y == 0x4B800000 && d.flags == 0, "mxdot window no sticky");
    // With sticky the lost term sets the bit one place below the grid, 2^16: 2^24 + 2^16 (0x4B808000), a
    // value fp32 holds: exact, no NX (a window narrower than fp32's precision makes the sticky bit a value bit).
    d = mxdot(b, 0x7F, {0x38}, 0x7F, {0x38}, 0x4B800000, RUP, 8, true);
    check(d.y == 0x4B808000 && d.flags == 0, "mxdot window 8 sticky");
    // Window 30: grid 2^-5; the term 2^-5 * 2^-5 = 2^-10 is cut: sticky 2^-6 -> 2^24 + 2^-6 -> rup 2^24 + 2 NX;
    // without sticky 2^24 exactly.
    d = mxdot(b, 0x7F, {0x10}, 0x7F, {0x10}, 0x4B800000, RUP, 30, true);
    check(d.y == 0x4B800001 && d.flags == NX, "mxdot window 30 sticky");
    d = mxdot(b, 0x7F, {0x10}, 0x7F, {0x10}, 0x4B800000, RUP, 30, false);
    check(d.y == 0x4B800000 && d.flags == 0, "mxdot window 30 no sticky");
    // Inf * 0 (e5m2) -> NaN NV; +Inf with -Inf -> NaN NV; sNaN c -> NV.
    const Block e5 = block("mxfp8_e5m2");
    d = mxdot(e5, 0x7F, {0x7C}, 0x7F, {0x00}, 0, RNE);
    check(d.y == 0x7FC00000 && d.flags == NV, "mxdot inf*0");
    d = mxdot(e5, 0x7F, {0x7C, 0x7C}, 0x7F, {0x3C, 0xBC}, 0, RNE);
    check(d.y == 0x7FC00000 && d.flags == NV, "mxdot inf-inf");
    d = mxdot(e5, 0x7F, {0x7C}, 0x7F, {0x3C}, 0x7F800001, RNE);
    check(d.y == 0x7FC00000 && d.flags == NV, "mxdot snan c");
    d = mxdot(e5, 0xFF, {0x3C}, 0x7F, {0x3C}, 0, RNE);
    check(d.y == 0x7FC00000 && d.flags == 0, "mxdot NaN scale");
  }
  return fail;
}

}  // namespace mxo
