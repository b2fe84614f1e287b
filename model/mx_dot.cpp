#include "mx_dot.hpp"

#include <algorithm>

namespace fmalab {

namespace {

int clog2(int n) {
  int b = 0;
  while ((1 << b) < n) ++b;
  return b;
}

// The exact window: room for the largest term T and for fp32's precision, plus the three places the
// FMA keeps below them (exact_window in fma.cpp).
int exact_mx_window(const BlockFormat& b, int k, int lsb_min) {
  const Format& e = b.element;
  const int prod_bits = e.kind == Kind::Fixed
                            ? 2 * e.bits
                            : 2 * (e.man_bits + 1) + 2 * ((e.emax() - e.man_bits) - lsb_min);
  const int term_bits = prod_bits + clog2(k + 1) + 2 * (b.scale.man_bits + 1);
  return std::max(term_bits, 24) + 3;
}

}  // namespace

MxDot::MxDot(const BlockFormat& b, int k, const Options& o)
    : b_(b), fp32_(*parse_format("fp32")), k_(k), o_(o) {
  const Format& e = b.element;
  lsb_min_ = e.kind == Kind::Fixed ? -e.frac_bits : e.emin() - e.man_bits;
  window_ = o.window > 0 ? o.window : exact_mx_window(b, k, lsb_min_);
  table_.reserve(size_t{1} << e.bits);
  for (uint64_t code = 0; code <= e.mask(); ++code) {
    const Decoded d = decode(e, code);
    table_.push_back({d, d.lsb_exp() - lsb_min_});
  }
}

MxDot::Elem MxDot::elem(uint64_t code) const { return table_[code & b_.element.mask()]; }

Encoded MxDot::operator()(uint64_t xa_code, std::span<const uint64_t> a, uint64_t xb_code,
                          std::span<const uint64_t> b, uint64_t c_code, MxDotStages* st) const {
  // unpack
  const Decoded xa = decode(b_.scale, xa_code), xb = decode(b_.scale, xb_code), c = decode(fp32_, c_code);
  if (st) st->xa = xa, st->xb = xb, st->c = c;
  const bool scale_zero = xa.cls == Class::Zero || xb.cls == Class::Zero;
  const bool scale_sign = xa.sign != xb.sign;

  // special: over the whole row, as the exact dot product (dot.cpp) decides it, the scales included:
  // a NaN (a scale, an element or c), Inf * 0 (a zero element or scale), or +Inf with -Inf gives NaN,
  // NV when an operand is a signaling NaN, for Inf * 0 and for Inf - Inf; otherwise an Inf gives that Inf.
  bool nan = xa.cls == Class::NaN || xb.cls == Class::NaN || c.cls == Class::NaN;
  bool invalid = c.signaling;
  bool pos = c.cls == Class::Inf && !c.sign, neg = c.cls == Class::Inf && c.sign;
  // product_sum: the exact sum on the grid of the smallest product LSB, and the terms' signs for an
  // exact zero (IEEE 754 6.3).
  i128 s = 0;
  bool all_negative = c.sign, all_positive = !c.sign;
  for (int i = 0; i < k_; ++i) {
    const Elem x = elem(a[i]), y = elem(b[i]);
    const bool sign = (x.d.sign != y.d.sign) != scale_sign;
    all_negative = all_negative && sign;
    all_positive = all_positive && !sign;
    invalid = invalid || x.d.signaling || y.d.signaling;
    if (x.d.cls == Class::NaN || y.d.cls == Class::NaN) {
      nan = true;
    } else if (x.d.cls == Class::Inf || y.d.cls == Class::Inf) {
      if (x.d.cls == Class::Zero || y.d.cls == Class::Zero || scale_zero) nan = invalid = true;
      else (sign ? neg : pos) = true;
    } else {
      const i128 m = static_cast<i128>(u128{x.d.sig} * y.d.sig) << (x.shift + y.shift);
      s += x.d.sign != y.d.sign ? -m : m;
    }
  }
  if (pos && neg) invalid = true;
  if (nan || pos || neg) {
    const Encoded r = nan || (pos && neg)
                          ? Encoded{fp32_.canonical_nan_code(), invalid ? flag::NV : uint8_t{0}}
                          : Encoded{fp32_.inf_code() | (neg ? fp32_.sign_mask() : 0), 0};
    if (st) st->special = true, st->packed = r;
    return r;
  }

  // scale: T = X_A X_B S, exact (the scale significands have at most 4 bits each).
  const u128 mag = scale_zero ? 0 : static_cast<u128>(s < 0 ? -s : s) * xa.sig * xb.sig;
  const bool t_sign = (s < 0) != scale_sign;
  const int32_t t_lsb = 2 * lsb_min_ + xa.lsb_exp() + xb.lsb_exp();
  if (st) st->product_sum = s, st->product_lsb = 2 * lsb_min_, st->term_sign = t_sign, st->term = mag, st->term_lsb = t_lsb;

  // align, add (the FMA's stages), normalize and round (encode).
  const Aligned al = align_wide(t_sign, mag, t_lsb, c, window_, o_.sticky);
  const Sum sum = add(al, window_);
  if (st) st->aligned = al, st->sum = sum;
  Options eo;
  eo.mode = o_.mode;
  Encoded r;
  if (sum.mag == 0) {
    // An exact zero: -0 when every term is negative (-0 included); +0 when they differ, -0 in RDN.
    const bool zneg = all_negative || (!all_positive && o_.mode == Round::RDN);
    r = Encoded{zneg ? fp32_.sign_mask() : 0, 0};
  } else {
    r = encode(fp32_, exact_of_sum(sum), eo, {}, st ? &st->normalize_round : nullptr);
  }
  if (st) st->packed = r;
  return r;
}

}  // namespace fmalab
