#include <bit>

#include "codec.hpp"

namespace fmalab {

namespace {

Encoded nan_or_zero(const Format& f) {
  // Formats without NaN get +0: one rule for FP6, FP4, int and fixed point.
  return f.has_nan() ? Encoded{f.canonical_nan_code(), 0} : Encoded{0, flag::NV};
}

uint64_t with_sign(const Format& f, uint64_t mag, bool sign) {
  if (!sign) return mag;
  if (mag == 0 && !f.has_neg_zero()) return 0;  // fnuz: -0 is the NaN code, so zero stays +0
  return mag | f.sign_mask();
}

// Whether IEEE 754 sends an overflow in this mode to Inf (else to max finite).
bool overflow_to_inf(Round mode, bool sign) {
  switch (mode) {
    case Round::RTZ: return false;
    case Round::RUP: return !sign;
    case Round::RDN: return sign;
    default: return true;  // nearest modes and SR
  }
}

// Inf, or what stands for it in a format without one.
Encoded infinity(const Format& f, bool sign, bool saturate, uint8_t flags) {
  if (!saturate && f.has_inf) return {with_sign(f, f.inf_code(), sign), flags};
  if (!saturate && f.has_nan()) return {f.canonical_nan_code(), flags};
  return {with_sign(f, f.max_finite_code(), sign), flags};
}

// Code of a finite magnitude: biased exponent field minus one, shifted, plus a significand
// that carries its hidden bit. A rounding carry then moves into the exponent by itself.
// 128 bits: an overflowing value of a 64-bit format has a code beyond 2^63.
i128 code_of(const Format& f, int64_t e, uint64_t kept) {
  return (i128{e} + f.bias - 1) * (i128{1} << f.man_bits) + kept;
}

// Tininess after rounding: the result rounded to the format's precision with an
// unbounded exponent range is below 2^emin.
bool is_tiny(const Format& f, const Exact& x, int64_t e, const Options& o, RandomBits rnd) {
  if (e >= f.emin()) return false;
  if (e < f.emin() - 1) return true;
  const Cut c = cut_at(x.sig, x.lsb_exp, x.sticky, static_cast<int32_t>(e - f.man_bits), rnd.width);
  const bool odd = (code_of(f, e, c.kept) & 1) != 0;
  const uint64_t r = c.kept + round_up(o.mode, x.sign, odd, c.rem, rnd);
  return r < uint64_t{2} << f.man_bits;
}

Encoded encode_float(const Format& f, const Exact& x, const Options& o, RandomBits rnd, EncodeTrace* t) {
  if (x.cls == Class::NaN) return nan_or_zero(f);
  if (!f.is_signed && x.sign && x.cls != Class::Zero) return {f.canonical_nan_code(), flag::NV};
  if (x.cls == Class::Inf) {
    const bool exact = f.has_inf && !o.saturate;
    return infinity(f, x.sign, o.saturate, exact ? 0 : flag::NV);
  }
  if (x.cls == Class::Zero || x.sig == 0) {
    if (!f.has_zero()) return {0, flag::UF | flag::NX};  // e8m0: nearest is its smallest value
    return {with_sign(f, 0, x.sign), 0};
  }

  const int64_t e = int64_t{x.lsb_exp} + (63 - std::countl_zero(x.sig));
  const int64_t eq = f.subnormals && e < f.emin() ? f.emin() : e;
  const Cut c = cut_at(x.sig, x.lsb_exp, x.sticky, static_cast<int32_t>(eq - f.man_bits), rnd.width);
  i128 code = code_of(f, eq, c.kept);
  const bool inc = round_up(o.mode, x.sign, (code & 1) != 0, c.rem, rnd);
  code += inc;
  uint8_t flags = c.rem.inexact() ? flag::NX : 0;
  if (t) *t = EncodeTrace{e, std::countl_zero(x.sig), eq - f.man_bits, c.kept, c.rem.half, c.rem.below, inc};

  if (code < 0) return {0, flag::UF | flag::NX};  // below the lowest binade of a format without subnormals
  if (code > f.max_finite_code()) {
    const uint8_t of = flag::OF | flag::NX;
    if (overflow_to_inf(o.mode, x.sign)) return infinity(f, x.sign, o.saturate, of);
    return {with_sign(f, f.max_finite_code(), x.sign), of};
  }
  if (flags && f.subnormals && is_tiny(f, x, e, o, rnd)) flags |= flag::UF;
  if (o.ftz_out && f.subnormals && static_cast<uint64_t>(code) < (uint64_t{1} << f.man_bits))
    return {with_sign(f, 0, x.sign), flag::UF | flag::NX};
  return {with_sign(f, static_cast<uint64_t>(code), x.sign), flags};
}

Encoded encode_fixed(const Format& f, const Exact& x, const Options& o, RandomBits rnd) {
  if (x.cls == Class::NaN) return nan_or_zero(f);
  const uint64_t max = static_cast<uint64_t>(f.fixed_max());
  const uint64_t min = static_cast<uint64_t>(f.fixed_min()) & f.mask();
  if (x.cls == Class::Inf) return {x.sign ? min : max, flag::NV};
  if (x.cls == Class::Zero || x.sig == 0) return {0, 0};

  const Cut c = cut_at(x.sig, x.lsb_exp, x.sticky, -f.frac_bits, rnd.width);
  const bool inc = round_up(o.mode, x.sign, (c.kept & 1) != 0, c.rem, rnd);
  const uint64_t mag = c.kept + inc;
  const bool wide = c.wide || (inc && mag == 0);
  const uint64_t limit = x.sign ? max + 1 : max;
  uint8_t flags = c.rem.inexact() ? flag::NX : 0;
  if (wide || mag > limit) {
    flags = flag::OF | flag::NX;
    if (o.saturate) return {x.sign ? min : max, flags};
  }
  const uint64_t v = x.sign ? ~mag + 1 : mag;  // wraps modulo 2^bits when it overflowed
  return {v & f.mask(), flags};
}

}  // namespace

Encoded encode(const Format& f, const Exact& x, const Options& o, RandomBits rnd, EncodeTrace* t) {
  return f.kind == Kind::Float ? encode_float(f, x, o, rnd, t) : encode_fixed(f, x, o, rnd);
}

}  // namespace fmalab
