#include "oracle.hpp"

#include <gmp.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <climits>
#include <cstring>

namespace oracle {

namespace {

constexpr mpfr_prec_t kPrec = 1024;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "oracle: %s\n", why.c_str());
  std::abort();
}

Fmt flt(const std::string& n, int e, int m, int bias, bool inf, Nan nan) {
  Fmt f;
  f.name = n;
  f.bits = 1 + e + m;
  f.ebits = e;
  f.mbits = m;
  f.bias = bias;
  f.inf = inf;
  f.nan = nan;
  return f;
}

Fmt fix(const std::string& n, int w, int frac) {
  Fmt f;
  f.name = n;
  f.fixed = true;
  f.bits = w;
  f.frac = frac;
  return f;
}

bool neg_zero_allowed(const Fmt& f) { return f.is_signed && f.nan != Nan::NegZeroCode && f.subnormals; }

uint64_t sign_bit(const Fmt& f) { return f.is_signed ? uint64_t{1} << (f.bits - 1) : 0; }

}  // namespace

Real::Real() { mpfr_init2(v, kPrec); mpfr_set_zero(v, 1); }
Real::~Real() { mpfr_clear(v); }

Fmt fmt(const std::string& n) {
  // background.md section 1
  if (n == "fp32") return flt(n, 8, 23, 127, true, Nan::ExpAllOnes);
  if (n == "fp16") return flt(n, 5, 10, 15, true, Nan::ExpAllOnes);
  if (n == "bf16") return flt(n, 8, 7, 127, true, Nan::ExpAllOnes);
  if (n == "tf32") return flt(n, 8, 10, 127, true, Nan::ExpAllOnes);  // 19 bits: sign, 8, 10
  if (n == "e5m2") return flt(n, 5, 2, 15, true, Nan::ExpAllOnes);
  if (n == "e4m3" || n == "e4m3fn") return flt(n, 4, 3, 7, false, Nan::MagAllOnes);
  if (n == "e4m3fnuz") return flt(n, 4, 3, 8, false, Nan::NegZeroCode);
  if (n == "e5m2fnuz") return flt(n, 5, 2, 16, false, Nan::NegZeroCode);
  if (n == "e3m2") return flt(n, 3, 2, 3, false, Nan::None);
  if (n == "e2m3") return flt(n, 2, 3, 1, false, Nan::None);
  if (n == "e2m1") return flt(n, 2, 1, 1, false, Nan::None);
  if (n == "e8m0") {
    Fmt f = flt(n, 8, 0, 127, false, Nan::MagAllOnes);
    f.bits = 8;
    f.is_signed = false;
    f.subnormals = false;
    return f;
  }
  if (n == "int8") return fix(n, 8, 0);
  if (n == "int32") return fix(n, 32, 0);
  // The generic rules: eXmY IEEE-style, eXmYfn OCP-style, eXmYfnuz bias one higher.
  int e = 0, m = 0, w = 0, fr = 0;
  char tail[16] = {0};
  if (std::sscanf(n.c_str(), "e%dm%d%15s", &e, &m, tail) >= 2) {
    const std::string t = tail;
    if (t.empty()) return flt(n, e, m, (1 << (e - 1)) - 1, true, Nan::ExpAllOnes);
    if (t == "fn") return flt(n, e, m, (1 << (e - 1)) - 1, false, Nan::MagAllOnes);
    if (t == "fnuz") return flt(n, e, m, 1 << (e - 1), false, Nan::NegZeroCode);
  }
  if (std::sscanf(n.c_str(), "fx%d_%d", &w, &fr) == 2) return fix(n, w, fr);
  if (std::sscanf(n.c_str(), "int%d", &w) == 1) return fix(n, w, 0);
  die("no facts for format " + n);
}

void Oracle::decode(const Fmt& f, uint64_t bits, Real& out) {
  out.kind = Real::Finite;
  out.signaling = false;
  if (f.fixed) {
    int64_t v = static_cast<int64_t>(bits << (64 - f.bits)) >> (64 - f.bits);
    out.sign = v < 0;
    mpfr_set_si(out.v, static_cast<long>(v), MPFR_RNDN);
    mpfr_abs(out.v, out.v, MPFR_RNDN);
    mpfr_div_2si(out.v, out.v, f.frac, MPFR_RNDN);
    return;
  }
  const int magbits = f.bits - (f.is_signed ? 1 : 0);
  const uint64_t mag = bits & ((uint64_t{1} << magbits) - 1);
  const uint64_t E = mag >> f.mbits;
  const uint64_t M = mag & ((uint64_t{1} << f.mbits) - 1);
  const uint64_t Eones = (uint64_t{1} << f.ebits) - 1;
  out.sign = f.is_signed && ((bits >> magbits) & 1);
  bool nan = false;
  switch (f.nan) {
    case Nan::ExpAllOnes: nan = E == Eones && M != 0; break;
    case Nan::MagAllOnes: nan = mag == (uint64_t{1} << magbits) - 1; break;
    case Nan::NegZeroCode: nan = bits == uint64_t{1} << (f.bits - 1); break;
    case Nan::None: break;
  }
  if (nan) {
    out.kind = Real::NaN;
    out.signaling = f.nan == Nan::ExpAllOnes && ((M >> (f.mbits - 1)) & 1) == 0;
    return;
  }
  if (f.inf && E == Eones && M == 0) {
    out.kind = Real::Inf;
    return;
  }
  if (f.subnormals && E == 0) {
    mpfr_set_ui(out.v, M, MPFR_RNDN);
    mpfr_mul_2si(out.v, out.v, 1 - f.bias - f.mbits, MPFR_RNDN);
  } else {
    mpfr_set_ui(out.v, M + (uint64_t{1} << f.mbits), MPFR_RNDN);
    mpfr_mul_2si(out.v, out.v, static_cast<long>(E) - f.bias - f.mbits, MPFR_RNDN);
  }
}

Oracle::Oracle(const Fmt& dst) : dst_(dst) {
  for (mpfr_ptr p : {max_, t_, lo_, frac_, tmp_, minnorm_, cv_}) mpfr_init2(p, kPrec);
  if (dst_.fixed) return;
  if (dst_.bits < 2 || dst_.bits > 64 || dst_.mbits < 0 || dst_.mbits > 62 || dst_.ebits < 1 || dst_.ebits > 11)
    die("format out of the oracle's range: " + dst_.name);
  mpfr_set_ui(minnorm_, 1, MPFR_RNDN);
  mpfr_mul_2si(minnorm_, minnorm_, dst_.subnormals ? 1 - dst_.bias : -dst_.bias, MPFR_RNDN);
  const int magbits = dst_.bits - (dst_.is_signed ? 1 : 0);
  Real r;
  // Largest finite: walk down from the all-ones magnitude past Inf/NaN codes. An IEEE-style
  // format's whole top binade is Inf/NaN, so the walk jumps straight below it (2^mbits steps
  // otherwise: 2^52 for e11m52).
  for (uint64_t c = (uint64_t{1} << magbits) - 1;;) {
    decode(dst_, c, r);
    if (r.kind == Real::Finite) {
      mpfr_set(max_, r.v, MPFR_RNDN);
      max_mag_code_ = c;
      break;
    }
    const uint64_t top = (uint64_t{1} << dst_.ebits) - 1;
    if (dst_.nan == Nan::ExpAllOnes && (c >> dst_.mbits) == top) c = (top << dst_.mbits) - 1;
    else --c;
  }
  if (dst_.bits > 16) return;
  for (uint64_t c = 0; c < (uint64_t{1} << magbits); ++c) {
    decode(dst_, c, r);
    if (r.kind != Real::Finite) continue;
    const double d = mpfr_get_d(r.v, MPFR_RNDN);
    if (mpfr_cmp_d(r.v, d) != 0) die("value not exact in double");
    codes_.emplace(d, c);
    // The field split the wide formats use must give back every code of the narrow ones.
    if (!mpfr_zero_p(r.v) && field_code(r.v) != c) die("field split disagrees with the table in " + dst_.name);
  }
}

Oracle::~Oracle() {
  for (mpfr_ptr p : {max_, t_, lo_, frac_, tmp_, minnorm_, cv_}) mpfr_clear(p);
}

uint64_t Oracle::nan_code() const {
  // Canonical NaNs: fp32 0x7FC00000 and its narrower IEEE analogues; the single NaN otherwise.
  const int magbits = dst_.bits - (dst_.is_signed ? 1 : 0);
  switch (dst_.nan) {
    case Nan::ExpAllOnes:
      return ((uint64_t{1} << dst_.ebits) - 1) << dst_.mbits | uint64_t{1} << (dst_.mbits - 1);
    case Nan::MagAllOnes: return (uint64_t{1} << magbits) - 1;
    case Nan::NegZeroCode: return uint64_t{1} << (dst_.bits - 1);
    case Nan::None: break;
  }
  die("no NaN in " + dst_.name);
}

uint64_t Oracle::max_code(bool sign) const { return max_mag_code_ | (sign ? sign_bit(dst_) : 0); }

uint64_t Oracle::field_code(mpfr_srcptr mag) {
  // mag = 2^E * 1.f (normal: field E + bias) or, below 2^emin, 0.f * 2^emin (field 0).
  const long E = mpfr_get_exp(mag) - 1;
  const long emin = dst_.subnormals ? 1 - dst_.bias : -dst_.bias;
  const bool sub = dst_.subnormals && E < emin;
  const long field = sub ? 0 : E + dst_.bias;
  if (field < 0 || field >= (long{1} << dst_.ebits)) die("value outside the exponent range of " + dst_.name);
  mpfr_mul_2si(cv_, mag, -((sub ? emin : E) - dst_.mbits), MPFR_RNDN);
  if (!mpfr_integer_p(cv_)) die("value not on the grid of " + dst_.name);
  uint64_t sig = mpfr_get_ui(cv_, MPFR_RNDN);
  if (!sub) {
    if ((sig >> dst_.mbits) != 1) die("normal significand without its hidden bit in " + dst_.name);
    sig -= uint64_t{1} << dst_.mbits;
  }
  const uint64_t c = static_cast<uint64_t>(field) << dst_.mbits | sig;
  decode(dst_, c, back_);
  if (back_.kind != Real::Finite || mpfr_cmp(back_.v, mag) != 0) die("code does not decode to its value in " + dst_.name);
  return c;
}

uint64_t Oracle::code_of(bool sign, mpfr_srcptr mag) {
  if (mpfr_zero_p(mag)) return sign && neg_zero_allowed(dst_) ? sign_bit(dst_) : 0;
  uint64_t c;
  if (dst_.bits <= 16) {
    auto it = codes_.find(mpfr_get_d(mag, MPFR_RNDN));
    if (it == codes_.end() || mpfr_cmp_d(mag, it->first) != 0) die("rounded value has no code in " + dst_.name);
    c = it->second;
  } else {
    c = field_code(mag);
    if (dst_.name == "fp32") {  // a second opinion: the host's own binary32 encoding
      const float f = mpfr_get_flt(mag, MPFR_RNDN);
      if (mpfr_cmp_d(mag, f) != 0) die("rounded value not an fp32");
      uint32_t u;
      std::memcpy(&u, &f, 4);
      if (u != c) die("fp32 field split disagrees with the host's encoding");
    }
  }
  return c | (sign ? sign_bit(dst_) : 0);
}

bool Oracle::increment(int mode, bool sign, bool odd, uint32_t rnd, int rw) {
  const int half = mpfr_cmp_d(frac_, 0.5);
  const bool inexact = !mpfr_zero_p(frac_);
  switch (mode) {
    case RNE: return half > 0 || (half == 0 && odd);
    case RTZ: return false;
    case RDN: return sign && inexact;
    case RUP: return !sign && inexact;
    case RMM: return half >= 0;
    case SR: {
      mpfr_mul_2si(tmp_, frac_, rw, MPFR_RNDN);
      mpfr_floor(tmp_, tmp_);
      return mpfr_get_ui(tmp_, MPFR_RNDN) + rnd >= (uint64_t{1} << rw);
    }
  }
  die("bad mode");
}

Expect Oracle::round(const Real& x, int mode, bool sat, uint32_t rnd, int rw, bool accumulator, bool ftz_out) {
  if (dst_.fixed) return round_fixed(x, mode, sat, rnd, rw, accumulator);
  Expect e = round_float(x, mode, sat, rnd, rw);
  if (ftz_out && x.kind == Real::Finite && !mpfr_zero_p(x.v)) {
    Real y;
    decode(dst_, e.bits, y);
    if (y.kind == Real::Finite && !mpfr_zero_p(y.v) && mpfr_cmp(y.v, minnorm_) < 0)
      e = {x.sign && neg_zero_allowed(dst_) ? sign_bit(dst_) : 0, UF | NX};
  }
  return e;
}

Expect Oracle::round_float(const Real& x, int mode, bool sat, uint32_t rnd, int rw) {
  const bool has_nan = dst_.nan != Nan::None;
  if (x.kind == Real::NaN) return has_nan ? Expect{nan_code(), uint8_t(x.signaling ? NV : 0)} : Expect{0, NV};
  if (!dst_.is_signed && x.sign && !(x.kind == Real::Finite && mpfr_zero_p(x.v))) return {nan_code(), NV};
  if (x.kind == Real::Inf) {
    if (dst_.inf && !sat) return {((uint64_t{1} << dst_.ebits) - 1) << dst_.mbits | (x.sign ? sign_bit(dst_) : 0), 0};
    if (!sat && has_nan) return {nan_code(), NV};
    return {max_code(x.sign), NV};
  }
  if (mpfr_zero_p(x.v)) {
    if (!dst_.subnormals) return {0, UF | NX};
    return {code_of(x.sign, x.v), 0};
  }
  const long E = mpfr_get_exp(x.v) - 1;  // floor(log2 |x|)
  const long emin = dst_.subnormals ? 1 - dst_.bias : -dst_.bias;
  auto round_at = [&](long qe) {  // leaves the rounded magnitude in t_
    mpfr_mul_2si(t_, x.v, -qe, MPFR_RNDN);
    mpfr_floor(lo_, t_);
    mpfr_sub(frac_, t_, lo_, MPFR_RNDN);
    bool odd;
    if (dst_.mbits >= 1) odd = mpfr_get_ui(lo_, MPFR_RNDN) & 1;
    else odd = (E + dst_.bias) & 1;  // one significand bit: the code's parity is the exponent's
    const bool inc = increment(mode, x.sign, odd, rnd, rw);
    mpfr_add_ui(t_, lo_, inc, MPFR_RNDN);
    mpfr_mul_2si(t_, t_, qe, MPFR_RNDN);
  };
  round_at((dst_.subnormals && E < emin ? emin : E) - dst_.mbits);
  const bool inexact = !mpfr_zero_p(frac_);
  if (!dst_.subnormals && mpfr_cmp(t_, minnorm_) < 0) return {0, UF | NX};
  if (mpfr_cmp(t_, max_) > 0) {
    bool to_inf = mode == RNE || mode == RMM || mode == SR || (mode == RUP && !x.sign) || (mode == RDN && x.sign);
    if (to_inf && !sat) {
      if (dst_.inf) return {((uint64_t{1} << dst_.ebits) - 1) << dst_.mbits | (x.sign ? sign_bit(dst_) : 0), OF | NX};
      if (has_nan) return {nan_code(), OF | NX};
    }
    return {max_code(x.sign), OF | NX};
  }
  Expect out{0, uint8_t(inexact ? NX : 0)};
  out.bits = code_of(x.sign, t_);
  if (inexact && dst_.subnormals && E < emin) {
    round_at(E - dst_.mbits);  // unbounded exponent range
    if (mpfr_cmp(t_, minnorm_) < 0) out.flags |= UF;
  }
  return out;
}

Expect Oracle::round_fixed(const Real& x, int mode, bool sat, uint32_t rnd, int rw, bool accumulator) {
  mpz_t lo, lim, v;
  mpz_inits(lo, lim, v, nullptr);
  auto wrap = [&](mpz_t z) {
    mpz_fdiv_r_2exp(z, z, dst_.bits);
    return static_cast<uint64_t>(mpz_get_ui(z));
  };
  mpz_set_ui(lim, 1);
  mpz_mul_2exp(lim, lim, dst_.bits - 1);  // 2^(W-1)
  Expect out{0, 0};
  auto clamp = [&](bool neg) {
    if (neg) mpz_neg(v, lim);
    else mpz_sub_ui(v, lim, 1);
    return wrap(v);
  };
  if (x.kind == Real::NaN) {
    out = {0, NV};
  } else if (x.kind == Real::Inf) {
    out = {clamp(x.sign), NV};
  } else if (!mpfr_zero_p(x.v)) {
    mpfr_mul_2si(t_, x.v, dst_.frac, MPFR_RNDN);
    mpfr_floor(lo_, t_);
    mpfr_sub(frac_, t_, lo_, MPFR_RNDN);
    mpfr_get_z(lo, lo_, MPFR_RNDN);
    const bool inc = increment(mode, x.sign, mpz_odd_p(lo), rnd, rw);
    mpz_add_ui(v, lo, inc);
    if (x.sign) mpz_neg(v, v);
    out.flags = mpfr_zero_p(frac_) ? 0 : NX;
    mpz_sub_ui(lim, lim, 1);
    const bool over = mpz_cmp(v, lim) > 0;
    mpz_add_ui(lim, lim, 1);
    mpz_neg(lim, lim);
    const bool under = mpz_cmp(v, lim) < 0;
    mpz_neg(lim, lim);
    if ((over || under) && accumulator) {
      if (sat) out = {clamp(under), uint8_t(out.flags | OF)};
      else out.bits = wrap(v);
    } else if (over || under) {
      out.flags = OF | NX;
      out.bits = sat ? clamp(under) : wrap(v);
    } else {
      out.bits = wrap(v);
    }
  }
  mpz_clears(lo, lim, v, nullptr);
  return out;
}

}  // namespace oracle

namespace oracle {

FmaOracle::FmaOracle(const FmaSetup& s) : setup(s), out_(s.acc) { mpfr_init2(p_, kPrec); }
FmaOracle::~FmaOracle() { mpfr_clear(p_); }

namespace {

bool is_zero(const Real& r) { return r.kind == Real::Finite && mpfr_zero_p(r.v); }

void flush_if_subnormal(const Fmt& f, Real& r) {
  if (f.fixed || r.kind != Real::Finite || mpfr_zero_p(r.v)) return;
  if (mpfr_get_exp(r.v) - 1 < (f.subnormals ? 1 - f.bias : -f.bias)) mpfr_set_zero(r.v, 1);
}

}  // namespace

void FmaOracle::window_sum(mpfr_t dst, bool* sign_out) {
  // Terms: product (sign a^b, |a||b|) and c. Leading-one exponents pick the anchor.
  mpfr_mul(p_, a_.v, b_.v, MPFR_RNDN);
  const bool ps = a_.sign != b_.sign;
  long anchor = LONG_MIN;
  if (!mpfr_zero_p(p_)) anchor = mpfr_get_exp(p_) - 1;
  if (!mpfr_zero_p(c_.v)) anchor = std::max(anchor, static_cast<long>(mpfr_get_exp(c_.v) - 1));
  const long g = anchor - setup.window + 1;  // exponent of the grid's last place
  mpz_t sum, t;
  mpz_inits(sum, t, nullptr);
  mpfr_t scaled;
  mpfr_init2(scaled, kPrec);
  auto term = [&](mpfr_srcptr mag, bool neg) {
    if (mpfr_zero_p(mag)) return;
    mpfr_mul_2si(scaled, mag, -g, MPFR_RNDN);
    mpfr_get_z(t, scaled, MPFR_RNDZ);
    const bool lost = mpfr_cmp_z(scaled, t) != 0;
    mpz_mul_2exp(t, t, 1);
    if (setup.sticky && lost) mpz_add_ui(t, t, 1);
    if (neg) mpz_sub(sum, sum, t);
    else mpz_add(sum, sum, t);
  };
  term(p_, ps);
  term(c_.v, c_.sign);
  *sign_out = mpz_sgn(sum) < 0;
  mpz_abs(sum, sum);
  mpfr_set_z(dst, sum, MPFR_RNDN);
  mpfr_mul_2si(dst, dst, g - 1, MPFR_RNDN);
  mpfr_clear(scaled);
  mpz_clears(sum, t, nullptr);
}

Expect FmaOracle::operator()(uint64_t a, uint64_t b, uint64_t c) {
  const FmaSetup& s = setup;
  Oracle::decode(s.in, a, a_);
  Oracle::decode(s.in, b, b_);
  Oracle::decode(s.acc, c, c_);
  if (s.ftz_in) {
    flush_if_subnormal(s.in, a_);
    flush_if_subnormal(s.in, b_);
    flush_if_subnormal(s.acc, c_);
  }
  auto finish = [&](const Real& x, uint8_t extra) {
    Expect e = out_.round(x, s.mode, s.sat, s.rnd, s.rnd_width, true, s.ftz_out);
    e.flags |= extra;
    return e;
  };
  const bool ps = a_.sign != b_.sign;
  const bool nan = a_.kind == Real::NaN || b_.kind == Real::NaN || c_.kind == Real::NaN;
  const bool snan = a_.signaling || b_.signaling || c_.signaling;
  const bool inf_zero = (a_.kind == Real::Inf && is_zero(b_)) || (b_.kind == Real::Inf && is_zero(a_));
  // A NaN factor makes the product NaN, never Inf.
  const bool p_inf = (a_.kind == Real::Inf || b_.kind == Real::Inf) && a_.kind != Real::NaN && b_.kind != Real::NaN;
  const bool inf_inf = p_inf && c_.kind == Real::Inf && ps != c_.sign;
  // IEEE 754 7.2 and RISC-V: invalid for sNaN, 0*Inf (even with a quiet NaN c), Inf - Inf.
  if (nan || inf_zero || inf_inf) {
    r_.kind = Real::NaN;
    r_.signaling = false;
    return finish(r_, (snan || inf_zero || inf_inf) ? NV : 0);
  }
  if (p_inf || c_.kind == Real::Inf) {
    r_.kind = Real::Inf;
    r_.sign = p_inf ? ps : c_.sign;
    return finish(r_, 0);
  }
  r_.kind = Real::Finite;
  r_.signaling = false;
  bool sign = false;
  if (s.window > 0 && !s.acc.fixed) {
    window_sum(r_.v, &sign);
  } else {
    mpfr_mul(p_, a_.v, b_.v, MPFR_RNDN);
    if (ps) mpfr_neg(p_, p_, MPFR_RNDN);
    mpfr_set(r_.v, c_.v, MPFR_RNDN);
    if (c_.sign) mpfr_neg(r_.v, r_.v, MPFR_RNDN);
    if (mpfr_add(r_.v, r_.v, p_, MPFR_RNDN) != 0) die("a*b+c not exact at oracle precision");
    sign = mpfr_sgn(r_.v) < 0;
    mpfr_abs(r_.v, r_.v, MPFR_RNDN);
  }
  if (mpfr_zero_p(r_.v)) sign = ps == c_.sign ? ps : s.mode == RDN;  // IEEE 754 6.3 exact zero
  r_.sign = sign;
  return finish(r_, 0);
}

}  // namespace oracle
