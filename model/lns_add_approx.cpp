#include "lns_add_approx.hpp"

#include <quadmath.h>

#include <bit>

#include "lns.hpp"

namespace fmalab {

namespace {

// The operands' order and distance: the result takes the sign of the larger magnitude (a on a tie).
struct Aligned {
  bool special = false;  // NaN, a zero, or x - x: `result` is the answer
  Encoded result;
  bool sign = false, sub = false;
  int64_t big = 0, d = 0;
};

Aligned align(const Format& f, uint64_t a, uint64_t b) {
  const LnsCode p = lns_unpack(f, a), q = lns_unpack(f, b);
  Aligned x;
  x.special = true;
  if (p.nan || q.nan) return x.result = {f.canonical_nan_code(), 0}, x;
  if (p.zero) return x.result = {b & f.mask(), 0}, x;
  if (q.zero) return x.result = {a & f.mask(), 0}, x;
  const LnsCode& big = p.log >= q.log ? p : q;
  x.sub = p.sign != q.sign;
  x.d = big.log - (p.log >= q.log ? q.log : p.log);
  if (x.d == 0 && x.sub) return x.result = {lns_zero_code(f), 0}, x;
  x.special = false, x.sign = big.sign, x.big = big.log;
  return x;
}

Encoded finish(const Format& f, const Aligned& x, int64_t g) {
  const int64_t r = x.big + g, lmax = lns_max_log(f);
  if (r > lmax) return {lns_pack(f, x.sign, lmax), flag::OF | flag::NX};
  if (r < -lmax) return {lns_zero_code(f), flag::UF | flag::NX};
  return {lns_pack(f, x.sign, r), 0};
}

// 2^scale log2(1 +- 2^(-d / 2^F)) to the nearest integer (d > 0 for sub).
int64_t gauss_scaled(int64_t d, int frac, bool sub, int scale) {
  return static_cast<int64_t>(roundq(ldexpq(lns_gauss_log2(d, frac, sub), scale)));
}

}  // namespace

int lns_lut_index_bits(const Format& f) {
  // Beyond (F + 2) 2^F, |g| < 1/2 ulp for either sign: 2^F log2(e) 2^-(F + 2) < 1/2.
  return f.frac_bits + std::bit_width(static_cast<unsigned>(f.frac_bits + 1));
}

LnsLut lns_lut(const Format& f, int t) {
  LnsLut l;
  l.index_bits = lns_lut_index_bits(f);
  l.t = t;
  const int step = l.index_bits - t, scale = f.frac_bits + LnsLut::kGuard;
  for (int64_t i = 0; i < (int64_t{1} << t); ++i) {
    const int64_t d = i << step;
    l.add.push_back(gauss_scaled(d, f.frac_bits, false, scale));
    l.sub.push_back(gauss_scaled(d == 0 ? 1 : d, f.frac_bits, true, scale));
  }
  return l;
}

Encoded lns_add_lut(const Format& f, const LnsLut& lut, uint64_t a, uint64_t b) {
  const Aligned x = align(f, a, b);
  if (x.special) return x.result;
  if (x.d >= (int64_t{1} << lut.index_bits)) return finish(f, x, 0);
  const int step = lut.index_bits - lut.t;
  const auto& table = x.sub ? lut.sub : lut.add;
  const int64_t i = x.d >> step, t = x.d & ((int64_t{1} << step) - 1);
  const int64_t lo = table[static_cast<size_t>(i)];
  const int64_t hi = i + 1 < static_cast<int64_t>(table.size()) ? table[static_cast<size_t>(i + 1)] : 0;
  const int64_t v = lo + (((hi - lo) * t) >> step);
  return finish(f, x, (v + (int64_t{1} << (LnsLut::kGuard - 1))) >> LnsLut::kGuard);
}

Encoded lns_add_mitchell(const Format& f, uint64_t a, uint64_t b) {
  const Aligned x = align(f, a, b);
  if (x.special) return x.result;
  const int frac = f.frac_bits;
  const int64_t one = int64_t{1} << frac, n = x.d >> frac, fr = x.d & (one - 1);
  if (x.d == 0) return finish(f, x, one);
  if (!x.sub) {
    // 2^-(d / 2^F) ~ (2^(F+1) - fr) / 2^(F+1+n); log2(1 + y) ~ y, to the nearest (half up).
    if (n >= frac + 2) return finish(f, x, 0);
    return finish(f, x, (2 * one - fr + (int64_t{1} << n)) >> (n + 1));
  }
  // 1 - y as Z / 2^Q, then Mitchell's log2: the leading one's place and the bits below it, linearly.
  if (n >= frac + 3) return finish(f, x, 0);
  const int q = frac + 1 + static_cast<int>(n);
  const int64_t z = (int64_t{1} << q) - (2 * one - fr);
  const int k = std::bit_width(static_cast<uint64_t>(z)) - 1;
  const int64_t below = k == 0 ? 0 : (((z - (int64_t{1} << k)) * one + (int64_t{1} << (k - 1))) >> k);
  return finish(f, x, (k - q) * one + below);
}

}  // namespace fmalab
