#include "lns.hpp"

#include <quadmath.h>

#include <bit>

namespace fmalab {

namespace {

using f128 = __float128;

// A nonzero real as rounding into an LNS format of F fraction bits sees it: t = 2^F log2|x|, exactly
// (num / 2^shift) when it is rational, else base + u with u a binary128 approximation (an irrational t
// is never an integer nor a half-integer, so only its neighbours matter; u apart from base keeps a tiny
// fraction that base + u would lose); and |x| in binary128 for the linear domain, or the knowledge that
// |x| is exactly the mean of its two neighbours (linear_tie: an exact sum can be).
struct LogReal {
  bool sign = false;
  bool exact = false;
  __int128 num = 0;
  int shift = 0;
  int64_t base = 0;
  f128 u = 0;
  f128 mag = 0;
  bool linear_tie = false;
};

LogReal exact_log(bool sign, __int128 num, int shift, f128 mag) {
  LogReal x;
  x.sign = sign, x.exact = true, x.num = num, x.shift = shift, x.mag = mag;
  return x;
}

LogReal approx_log(bool sign, int64_t base, f128 u, f128 mag) {
  LogReal x;
  x.sign = sign, x.base = base, x.u = u, x.mag = mag;
  return x;
}

// 2^(l / 2^F), exact when l is a multiple of 2^F.
f128 pow2_of_log(int64_t l, int frac) {
  const int64_t one = int64_t{1} << frac;
  if (l % one == 0) return ldexpq(1, static_cast<int>(l / one));
  return exp2q(static_cast<f128>(l) / static_cast<f128>(one));
}

// sign(t - k).
int compare_t(const LogReal& x, int64_t k) {
  if (x.exact) {
    const __int128 r = static_cast<__int128>(k) * (__int128{1} << x.shift);
    return x.num < r ? -1 : x.num > r ? 1 : 0;
  }
  return x.u < static_cast<f128>(k - x.base) ? -1 : 1;
}

Encoded lns_round_real(const Format& f, const LogReal& x, const Options& o) {
  const int64_t lmax = lns_max_log(f), lmin = -lmax, one = int64_t{1} << f.frac_bits;
  if (compare_t(x, lmin) < 0) {  // below m_min: zero or m_min
    const int half = compare_t(x, lmin - one);  // |x| against m_min / 2
    bool to_min = false;
    switch (o.mode) {
      case Round::RTZ: to_min = false; break;
      case Round::RUP: to_min = !x.sign; break;
      case Round::RDN: to_min = x.sign; break;
      case Round::RMM: to_min = half >= 0; break;
      default: to_min = half > 0; break;
    }
    return {to_min ? lns_pack(f, x.sign, lmin) : lns_zero_code(f), flag::UF | flag::NX};
  }
  int64_t l0 = 0;
  bool exact = false;
  int half = 0;  // the fraction of t against 1/2
  if (x.exact) {
    const __int128 q = x.num >> x.shift, rem = x.num - (q << x.shift);
    l0 = static_cast<int64_t>(q);
    exact = rem == 0;
    if (!exact) {
      const __int128 h = __int128{1} << (x.shift - 1);
      half = rem < h ? -1 : rem > h ? 1 : 0;
    }
  } else {
    const f128 fl = floorq(x.u);
    l0 = x.base + static_cast<int64_t>(fl);
    half = x.u - fl < static_cast<f128>(0.5) ? -1 : 1;
  }
  int64_t l = l0;
  uint8_t flags = 0;
  if (!exact) {
    flags = flag::NX;
    bool up = false;
    switch (o.mode) {
      case Round::RTZ: up = false; break;
      case Round::RUP: up = !x.sign; break;
      case Round::RDN: up = x.sign; break;
      default: {
        int c = half;
        if (o.lns_round == LnsRound::Linear && x.linear_tie) {
          c = 0;
        } else if (o.lns_round == LnsRound::Linear) {
          // |x| against the mean of its neighbours (exact in binary128 when F = 0: 3 * 2^(L0-1)).
          const f128 mid = (pow2_of_log(l0, f.frac_bits) + pow2_of_log(l0 + 1, f.frac_bits)) / 2;
          c = x.mag < mid ? -1 : x.mag > mid ? 1 : 0;
        }
        up = c > 0 || (c == 0 && (o.mode == Round::RMM || (l0 & 1) != 0));
      }
    }
    l += up ? 1 : 0;
  }
  if (l > lmax) return {lns_pack(f, x.sign, lmax), flag::OF | flag::NX};
  return {lns_pack(f, x.sign, l), flags};
}

// A finite nonzero value of a float or fixed-point format as a LogReal in units of 2^-F.
LogReal log_of_decoded(const Decoded& d, int frac) {
  const f128 mag = ldexpq(static_cast<f128>(d.sig), d.lsb_exp());
  if (std::has_single_bit(d.sig)) {  // a power of two: log2 is an integer
    const int64_t e = d.lsb_exp() + std::countr_zero(d.sig);
    return exact_log(d.sign, static_cast<__int128>(e) << frac, 0, mag);
  }
  return approx_log(d.sign, 0, log2q(mag) * static_cast<f128>(int64_t{1} << frac), mag);
}

// An LNS value (log l with frac_src fraction bits) in units of 2^-frac.
LogReal log_of_lns(bool sign, int64_t l, int frac_src, int frac) {
  const f128 mag = pow2_of_log(l, frac_src);
  if (frac >= frac_src) return exact_log(sign, static_cast<__int128>(l) << (frac - frac_src), 0, mag);
  return exact_log(sign, l, frac_src - frac, mag);
}

// The value of an LNS code as encode's input: exact for integer logs, else its binary128 value cut to
// 64 bits with the sticky bit set (2^(L/2^F) is irrational: bits remain below any cut).
Exact exact_of_lns(const Format& f, const LnsCode& c) {
  const int64_t one = int64_t{1} << f.frac_bits;
  if (c.log % one == 0) return Exact{c.sign, Class::Normal, static_cast<int32_t>(c.log / one), 1, false};
  int e = 0;
  const f128 m = frexpq(pow2_of_log(c.log, f.frac_bits), &e);  // [1/2, 1)
  const auto sig = static_cast<uint64_t>(ldexpq(m, 64));
  return Exact{c.sign, Class::Normal, e - 64, sig, true};
}

Encoded nan_of(const Format& f) { return {f.canonical_nan_code(), 0}; }

}  // namespace

int64_t lns_max_log(const Format& f) { return (int64_t{1} << (f.bits - 2)) - 1; }

uint64_t lns_zero_code(const Format& f) { return uint64_t{1} << (f.bits - 2); }

uint64_t lns_pack(const Format& f, bool sign, int64_t log) {
  const uint64_t field = static_cast<uint64_t>(log) & (f.magnitude_mask());
  return (sign ? f.sign_mask() : 0) | field;
}

LnsCode lns_unpack(const Format& f, uint64_t code) {
  LnsCode c;
  code &= f.mask();
  c.sign = (code & f.sign_mask()) != 0;
  const uint64_t field = code & f.magnitude_mask();
  const uint64_t top = uint64_t{1} << (f.bits - 2);  // the field's sign bit
  c.log = static_cast<int64_t>(field ^ top) - static_cast<int64_t>(top);
  if (field == top) (c.sign ? c.nan : c.zero) = true;
  return c;
}

Encoded lns_convert(const Format& src, const Format& dst, uint64_t bits, const Options& o) {
  if (src.kind == Kind::Lns) {
    const LnsCode c = lns_unpack(src, bits);
    if (dst.kind == Kind::Lns) {
      if (c.nan) return nan_of(dst);
      if (c.zero) return {lns_zero_code(dst), 0};
      return lns_round_real(dst, log_of_lns(c.sign, c.log, src.frac_bits, dst.frac_bits), o);
    }
    if (c.nan) return encode(dst, Exact{false, Class::NaN, 0, 0, false}, o);
    if (c.zero) return encode(dst, Exact{false, Class::Zero, 0, 0, false}, o);
    return encode(dst, exact_of_lns(src, c), o);
  }
  const Decoded d = decode(src, bits);
  switch (d.cls) {
    case Class::NaN: return {dst.canonical_nan_code(), d.signaling ? flag::NV : uint8_t{0}};
    case Class::Zero: return {lns_zero_code(dst), 0};
    case Class::Inf:
      // No Inf in LNS: NaN, as OCP e4m3 converts Inf; saturating conversions give +-max.
      if (o.saturate) return {lns_pack(dst, d.sign, lns_max_log(dst)), flag::NV};
      return {dst.canonical_nan_code(), flag::NV};
    default: return lns_round_real(dst, log_of_decoded(d, dst.frac_bits), o);
  }
}

Encoded lns_mul(const Format& f, uint64_t a, uint64_t b, const Options& o) {
  const LnsCode x = lns_unpack(f, a), y = lns_unpack(f, b);
  if (x.nan || y.nan) return nan_of(f);
  if (x.zero || y.zero) return {lns_zero_code(f), 0};
  const int64_t l = x.log + y.log;
  return lns_round_real(f, exact_log(x.sign != y.sign, l, 0, pow2_of_log(l, f.frac_bits)), o);
}

f128 lns_gauss_log2(int64_t d, int frac, bool sub) {
  // log1p keeps 2^-dd when it is far below 1's last bit; for small dd, 1 - 2^-dd as -expm1(-dd ln 2)
  // keeps its precision.
  const f128 ln2 = logq(static_cast<f128>(2));  // (M_LN2q needs GNU literals)
  const f128 dd = static_cast<f128>(d) / static_cast<f128>(int64_t{1} << frac);
  return sub && dd < 1 ? log2q(-expm1q(-dd * ln2)) : log1pq(sub ? -exp2q(-dd) : exp2q(-dd)) / ln2;
}

Encoded lns_add(const Format& f, uint64_t a, uint64_t b, const Options& o) {
  const LnsCode p = lns_unpack(f, a), q = lns_unpack(f, b);
  if (p.nan || q.nan) return nan_of(f);
  if (p.zero) return {b & f.mask(), 0};
  if (q.zero) return {a & f.mask(), 0};
  const LnsCode& big = p.log >= q.log ? p : q;
  const LnsCode& small = p.log >= q.log ? q : p;
  const int64_t one = int64_t{1} << f.frac_bits, d = big.log - small.log;
  const bool sub = p.sign != q.sign;
  const f128 top = pow2_of_log(big.log, f.frac_bits);
  // The sums whose log2 is rational: 2^A + 2^A = 2^(A+1), 2^A - 2^A = 0, 2^A - 2^(A-1) = 2^(A-1).
  if (d == 0 && sub) return {lns_zero_code(f), 0};
  if (d == 0) return lns_round_real(f, exact_log(big.sign, big.log + one, 0, 2 * top), o);
  if (d == one && sub) return lns_round_real(f, exact_log(big.sign, big.log - one, 0, top / 2), o);
  const f128 ln2 = logq(static_cast<f128>(2));  // (M_LN2q needs GNU literals)
  const f128 dd = static_cast<f128>(d) / static_cast<f128>(one);
  const f128 factor = sub ? -expm1q(-dd * ln2) : 1 + exp2q(-dd);
  const f128 g = lns_gauss_log2(d, f.frac_bits, sub);
  LogReal x = approx_log(big.sign, big.log, g * static_cast<f128>(one), top * factor);
  // Two neighbouring codes of one sign, 2^(B/n) (1 + 2^(1/n)), are exactly the mean of 2^((B+n)/n) and
  // 2^((B+n+1)/n); with F = 0, 2^A - 2^(A-2) = 3 * 2^(A-2) is the mean of 2^(A-1) and 2^A.
  x.linear_tie = (!sub && d == 1) || (sub && f.frac_bits == 0 && d == 2);
  return lns_round_real(f, x, o);
}

}  // namespace fmalab
