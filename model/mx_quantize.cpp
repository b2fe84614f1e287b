#include "mx_quantize.hpp"

#include <algorithm>
#include <bit>

namespace fmalab {

namespace {

int bit_length(uint64_t x) { return 64 - std::countl_zero(x); }

// Whether a <= m * 2^n, exactly (a, m below 2^32; |n| below 64).
bool at_most(uint64_t a, uint64_t m, int n) {
  return n >= 0 ? u128{a} <= (u128{m} << n) : (u128{a} << -n) <= u128{m};
}

const Format& fp32() {
  static const Format f = *parse_format("fp32");
  return f;
}

}  // namespace

int scale_exponent(const BlockFormat& b, ScaleRule rule, uint64_t a, int a_lsb) {
  if (rule == ScaleRule::Ocp) return a_lsb + bit_length(a) - 1 - b.emax_elem;
  // amax = a 2^a_lsb, max_elem = m 2^m_lsb: amax <= max_elem 2^E  <=>  a <= m 2^(E - t).
  const uint64_t m = b.max_sig;
  const int t = a_lsb - b.max_lsb;
  // The smallest n with a <= m 2^n: m 2^n < a at the start, then at most two steps.
  int n = bit_length(a) - bit_length(m) - 1;
  while (!at_most(a, m, n)) ++n;
  if (rule == ScaleRule::Ceil) return n + t;
  // even: f = floor(log2(a / m)); the nearest integer is f + 1 when (a/m)^2 > 2^(2f + 1) (never equal:
  // sqrt 2 is irrational). a < 2^24 and m < 2^16 here, so the squares fit easily.
  const bool exact = n >= 0 ? u128{a} == (u128{m} << n) : (u128{a} << -n) == u128{m};
  const int f = exact ? n : n - 1;
  const u128 a2 = u128{a} * a, m2 = u128{m} * m;
  const int s = 2 * f + 1;
  const bool up = s >= 0 ? a2 > (m2 << s) : (a2 << -s) > m2;
  return (up ? f + 1 : f) + t;
}

Encoded mx_element(const BlockFormat& b, const Exact& x, Round mode, bool clamp) {
  const Format& e = b.element;
  Options o;
  o.mode = mode;
  o.saturate = clamp || e.kind == Kind::Fixed || (!e.has_inf && !e.has_nan());
  Encoded r = encode(e, x, o);
  if (e.kind == Kind::Fixed && r.bits == (static_cast<uint64_t>(e.fixed_min()) & e.mask())) {
    r.bits = static_cast<uint64_t>(-e.fixed_max()) & e.mask();  // the symmetric range: -128 is never produced
    r.flags = flag::OF | flag::NX;
  }
  return r;
}

uint8_t mx_quantize(const BlockFormat& b, const Format& src, std::span<const uint64_t> v, uint64_t ts,
                    const Options& o, uint64_t* scale, std::span<uint64_t> p) {
  // The Inf/NaN rule (microxcaling's): a NaN or an Inf anywhere makes the whole block NaN.
  bool special = b.nvfp4() && (decode(fp32(), ts).cls == Class::NaN || decode(fp32(), ts).cls == Class::Inf);
  uint64_t amax_code = 0;  // the largest magnitude's code: magnitudes order as their codes do
  for (uint64_t x : v) {
    const Class c = decode(src, x).cls;
    special = special || c == Class::NaN || c == Class::Inf;
    amax_code = std::max(amax_code, x & src.magnitude_mask());
  }
  if (special) {
    *scale = b.scale.canonical_nan_code();
    std::fill(p.begin(), p.end(), 0);
    return flag::NV;
  }
  if (b.nvfp4()) return nvfp4_quantize(b, src, v, ts, o, scale, p);
  const Decoded amax = decode(src, amax_code);
  int e = amax.cls == Class::Zero ? b.e_min : scale_exponent(b, o.rule, amax.sig, amax.lsb_exp());
  e = std::clamp(e, b.e_min, b.e_max);
  *scale = encode(b.scale, Exact{false, Class::Normal, e, 1, false}, Options{}).bits;
  uint8_t flags = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    Exact x = exact_of(decode(src, v[i]));
    x.lsb_exp -= e;  // v / 2^E, exactly
    const Encoded r = mx_element(b, x, o.mode, o.clamp);
    p[i] = r.bits;
    flags |= r.flags;
  }
  return flags;
}

uint8_t mx_dequantize(const BlockFormat& b, uint64_t scale, std::span<const uint64_t> p, uint64_t ts,
                      std::span<uint64_t> v) {
  const Decoded x = decode(b.scale, scale);
  if (x.cls == Class::NaN) {  // not an invalid operation: no NV
    std::fill(v.begin(), v.end(), fp32().canonical_nan_code());
    return 0;
  }
  if (b.nvfp4()) return nvfp4_dequantize(b, scale, p, ts, v);
  uint8_t flags = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const Decoded d = decode(b.element, p[i]);
    const bool sign = d.sign != x.sign;
    if (d.cls == Class::NaN) {  // a signaling NaN (e5m2's quiet bit clear) is an invalid operand: NV
      v[i] = fp32().canonical_nan_code();
      if (d.signaling) flags |= flag::NV;
    } else if (d.cls == Class::Inf) {
      v[i] = fp32().inf_code() | (sign ? fp32().sign_mask() : 0);
    } else {
      // P_i * X exactly (element and scale significands of at most 11 and 4 bits), rounded once.
      const bool zero = d.cls == Class::Zero || x.cls == Class::Zero;
      const Exact prod{sign, zero ? Class::Zero : Class::Normal, d.lsb_exp() + x.lsb_exp(), d.sig * x.sig, false};
      const Encoded r = encode(fp32(), prod, Options{});
      v[i] = r.bits;
      flags |= r.flags;
    }
  }
  return flags;
}

}  // namespace fmalab
