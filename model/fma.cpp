#include "fma.hpp"
#include "fma_kernel.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace fmalab {

namespace {

int msb(uint64_t x) { return 63 - std::countl_zero(x); }

int precision(const Format& f) { return f.kind == Kind::Float ? f.man_bits + 1 : f.bits; }

Decoded flush_subnormal(Decoded d) {
  if (d.cls == Class::Subnormal) {
    d.cls = Class::Zero;
    d.sig = 0;
  }
  return d;
}

// The magnitude of a term cut to the grid whose LSB has exponent g, shifted up one place,
// with the OR of the cut bits in bit 0 when sticky is on.
// U: uint64_t (a product) or u128 (the MX block dot product's scaled product sum, mx_dot.cpp).
template <class U>
u128 to_grid(U sig, int32_t lsb, int32_t g, bool sticky, bool* lost) {
  constexpr int kBits = 8 * sizeof(U);
  const int64_t d = int64_t{g} - lsb;
  u128 kept;
  if (d <= 0) {
    kept = u128{sig} << -d;  // fits: the anchor keeps every term's leading one inside the window
    *lost = false;
  } else {
    kept = d >= kBits ? 0 : sig >> d;
    *lost = d >= kBits ? sig != 0 : (sig & ((U{1} << d) - 1)) != 0;
  }
  return kept << 1 | (sticky && *lost ? 1 : 0);
}

int msb_of(uint64_t x) { return msb(x); }
int msb_of(u128 x) { return bit_width128(x) - 1; }

template <class U>
Aligned align_term(bool sign, U sig, int32_t lsb_exp, const Decoded& c, int window, bool sticky) {
  Aligned al;
  al.p_sign = sign;
  al.c_sign = c.sign;
  const int32_t top_p = sig ? lsb_exp + msb_of(sig) : INT32_MIN;
  const int32_t top_c = c.sig ? c.lsb_exp() + msb(c.sig) : INT32_MIN;
  if (!sig && !c.sig) return al;  // nothing to align: the sum is an exact zero
  al.anchor = std::max(top_p, top_c);
  al.shift = (sig && c.sig) ? std::abs(top_p - top_c) : 0;
  const int32_t g = al.anchor - window + 1;
  al.lsb_exp = g - 1;
  if (sig) al.p = to_grid(sig, lsb_exp, g, sticky, &al.p_sticky);
  if (c.sig) al.c = to_grid(c.sig, c.lsb_exp(), g, sticky, &al.c_sticky);
  return al;
}

// IEEE 754 sign of an exact zero sum of two terms of these signs.
bool zero_sum_sign(bool s1, bool s2, Round mode) { return s1 == s2 ? s1 : mode == Round::RDN; }

// NaN and Inf operands; zero when no special rule applies. Sets *handled.
Encoded special_result(const Format& acc, const Product& p, const Decoded& c, const Unpacked& u, const Options& o,
                       RandomBits rnd, bool* handled) {
  *handled = true;
  const bool any_nan = u.a.cls == Class::NaN || u.b.cls == Class::NaN || c.cls == Class::NaN;
  const bool signaling = u.a.signaling || u.b.signaling || c.signaling;
  const bool inf_times_zero = (u.a.cls == Class::Inf && u.b.cls == Class::Zero) ||
                              (u.a.cls == Class::Zero && u.b.cls == Class::Inf);
  const bool inf_minus_inf = p.cls == Class::Inf && c.cls == Class::Inf && p.sign != c.sign;
  Exact x{};
  uint8_t extra = 0;
  if (any_nan || inf_times_zero || inf_minus_inf) {
    x.cls = Class::NaN;
    // RISC-V: Inf*0 is invalid even when c is a quiet NaN.
    if (signaling || inf_times_zero || inf_minus_inf) extra = flag::NV;
  } else if (p.cls == Class::Inf || c.cls == Class::Inf) {
    x.cls = Class::Inf;
    x.sign = p.cls == Class::Inf ? p.sign : c.sign;
  } else {
    *handled = false;
    return {};
  }
  Encoded r = encode(acc, x, o, rnd);
  r.flags |= extra;
  return r;
}

}  // namespace

int exact_window(const Format& in, const Format& acc) {
  // Wide enough that whenever the smaller term is cut, it lies at least two places below the
  // result's rounding position (see README "FMA datapath").
  return std::max(2 * precision(in), precision(acc)) + 3;
}

Decoded unpack_operand(const Format& f, uint64_t bits, bool ftz_in) {
  const Decoded d = decode(f, bits);
  return ftz_in ? flush_subnormal(d) : d;
}

Unpacked unpack(const Format& in, const Format& acc, uint64_t a, uint64_t b, uint64_t c, bool ftz_in) {
  return {unpack_operand(in, a, ftz_in), unpack_operand(in, b, ftz_in), unpack_operand(acc, c, ftz_in)};
}

Product multiply(const Decoded& a, const Decoded& b) {
  Product p;
  p.sign = a.sign != b.sign;
  p.exp = a.exp + b.exp;
  p.sig = a.sig * b.sig;
  p.lsb_exp = a.lsb_exp() + b.lsb_exp();
  if (a.cls == Class::NaN || b.cls == Class::NaN) p.cls = Class::NaN;
  else if (a.cls == Class::Inf || b.cls == Class::Inf) p.cls = Class::Inf;
  else p.cls = p.sig == 0 ? Class::Zero : Class::Normal;
  return p;
}

// encode takes a 64-bit significand: a wider sum keeps its top 64 bits and folds the rest into
// sticky. That leaves at least 33 bits below an accumulator's precision (at most 31 bits: float
// accumulators are at most 32 bits wide), enough for every rounding mode including 32-bit SR.
Exact exact_of_sum(const Sum& s) {
  const int drop = std::max(0, bit_width128(s.mag) - 64);
  const bool lost = drop > 0 && (s.mag & low_ones128(drop)) != 0;
  return Exact{s.sign, Class::Normal, s.lsb_exp + drop, static_cast<uint64_t>(s.mag >> drop), lost};
}

Aligned align(const Product& p, const Decoded& c, int window, bool sticky) {
  return align_term(p.sign, p.sig, p.lsb_exp, c, window, sticky);
}

Aligned align_wide(bool sign, u128 sig, int32_t lsb_exp, const Decoded& c, int window, bool sticky) {
  return align_term(sign, sig, lsb_exp, c, window, sticky);
}

Sum add(const Aligned& al, int window) {
  // Each term is below 2^(window + 1) <= 2^126, so the signed sum fits 128 bits.
  const i128 p = al.p_sign ? -static_cast<i128>(al.p) : static_cast<i128>(al.p);
  const i128 c = al.c_sign ? -static_cast<i128>(al.c) : static_cast<i128>(al.c);
  const i128 s = p + c;
  Sum r;
  r.sign = s < 0;
  r.mag = r.sign ? static_cast<u128>(-s) : static_cast<u128>(s);
  r.carry = (r.mag >> (window + 1)) != 0;
  r.lsb_exp = al.lsb_exp;
  return r;
}

// Operands come by reference: the kernel's come straight from its tables.
Encoded fma_datapath(const Format& acc, const Decoded& a, const Decoded& b, const Decoded& c, const Options& o,
                 RandomBits rnd, int window, FmaStages* st) {
  const Product p = multiply(a, b);
  if (st) {
    st->unpacked = Unpacked{a, b, c};
    st->product = p;
  }
  Encoded r;
  if (is_special(a) || is_special(b) || is_special(c)) [[unlikely]] {
    bool handled = false;
    r = special_result(acc, p, c, Unpacked{a, b, c}, o, rnd, &handled);
    if (handled) {
      if (st) st->special = true, st->packed = r;
      return r;
    }
  }
  if (acc.kind == Kind::Fixed) {
    r = accumulate_fixed(acc, p, c, o, rnd, st ? &st->sum : nullptr);
    if (st) st->packed = r;
    return r;
  }
  const Aligned al = align(p, c, window, o.sticky);
  const Sum s = add(al, window);
  if (st) st->aligned = al, st->sum = s;
  if (s.mag == 0) {
    // Exact zero: signed per IEEE 754 from the terms' signs (a zero product keeps its sign too).
    r = encode(acc, Exact{zero_sum_sign(p.sign, c.sign, o.mode), Class::Zero, 0, 0, false}, o, rnd);
  } else {
    r = encode(acc, exact_of_sum(s), o, rnd, st ? &st->normalize_round : nullptr);
  }
  if (st) st->packed = r;
  return r;
}

int resolved_window(const Format& in, const Format& acc, const Options& o) {
  if (o.window > 0) return o.window;
  // Stochastic rounding reads up to 32 discarded bits, so they too must be exact.
  if (o.mode == Round::SR) return std::min(exact_window(in, acc) + 32, kMaxWindow);
  return exact_window(in, acc);
}

std::vector<Decoded> unpack_table(const Format& f, bool ftz_in) {
  std::vector<Decoded> t;
  if (f.bits > 16) return t;
  t.reserve(size_t{1} << f.bits);
  for (uint64_t code = 0; code < (uint64_t{1} << f.bits); ++code) t.push_back(unpack_operand(f, code, ftz_in));
  return t;
}

Encoded fma(const Format& in, const Format& acc, uint64_t a, uint64_t b, uint64_t c, const Options& o,
            RandomBits rnd, FmaStages* st) {
  const Unpacked u = unpack(in, acc, a, b, c, o.ftz_in);
  return fma_datapath(acc, u.a, u.b, u.c, o, rnd, resolved_window(in, acc, o), st);
}

// The kernel's way into the staged datapath, beside it so that the batch path's call inlines it all
// (flatten); the SIMD fast path is in fma_kernel.cpp.
// flatten: the batch path inlines the whole datapath (decode, stages, encode) into one body.
Encoded FmaKernel::staged(uint64_t a, uint64_t b, uint64_t c, RandomBits rnd, FmaStages* st) const {
  if (!in_table_.empty() && !acc_table_.empty()) [[likely]]
    return fma_datapath(acc_, in_table_[a & in_.mask()], in_table_[b & in_.mask()], acc_table_[c & acc_.mask()], opts_, rnd,
                    window_, st);
  const Decoded da = in_table_.empty() ? unpack_operand(in_, a, opts_.ftz_in) : in_table_[a & in_.mask()];
  const Decoded db = in_table_.empty() ? unpack_operand(in_, b, opts_.ftz_in) : in_table_[b & in_.mask()];
  const Decoded dc = acc_table_.empty() ? unpack_operand(acc_, c, opts_.ftz_in) : acc_table_[c & acc_.mask()];
  return fma_datapath(acc_, da, db, dc, opts_, rnd, window_, st);
}

}  // namespace fmalab
