// The dot product's fast path: the same datapath as the staged one in dot.cpp, bit for bit and flag
// for flag, without its per-row vectors, decoded structs and 128-bit terms. Inputs of up to 16 bits
// are decoded through tables built once; a product of two of them is an integer.
//
// What it serves (DotDatapath::choose_fast_kind), everything else going to the staged datapath:
// - A GPU preset's windowed blocks: c aligned with the products, no sticky bit, no late c, no
//   odd/even groups, no product limit, not the FP8-through-fp16 emulation (h100/h200/b200 FP8 -> fp16,
//   b200 FP8 -> fp32), blocks of at most kMaxBlock products, products whose significand moves left
//   onto the block's grid (23 + neab >= 2 * man_bits), and a window narrow enough that a block's cut
//   terms add up in an int64 (25 + neab + bits of n + 1 <= 62). That is h100/h200 e4m3/e5m2 -> fp32,
//   ada/l40s e4m3/e5m2 -> fp32 and -> fp16, and the fp16/bf16 presets of v100, a100, a2, ada, l40s,
//   h100, h200 and b200, with any --dot change of n, neab, round, min_exp, cut or inter within those
//   bounds. tf32 (19 bits: no table) goes staged.
//   WindowFixed, for inputs whose values are integers of at most 32 bits on their finest grid
//   (|x| / 2^(emin - man_bits): FP8, FP6, FP4): every product is an exact integer on one grid, so a
//   block cuts all of them with one shift. Window (fp16, bf16): each product is its significand
//   product, shifted by its own distance to the block's exponent.
// - `exact` (Exact): inputs whose values are integers of at most 61 bits on their finest grid (FP8,
//   FP6, FP4, fp16; not bf16), the products summed exactly in an int64 when K of them fit (e4m3 and
//   smaller, any K) or else in an i128 (e5m2, fp16), c added exactly, then one rounding by encode,
//   in every mode (SR, --sat, --ftz too).
// Per row, the fast path hands the row back when any operand or c is NaN or Inf (the specials are
// decided over the whole row by the staged datapath), or a code has bits set above its format's.
//
// The block loops are compiled twice, for AVX2 and for the baseline ISA (chosen at run time, as the
// FMA kernel's batch loop is); with AVX2, WindowFixed gathers its table words four at a time
// (multiply4_avx2) and GCC vectorises the cuts.
#include <immintrin.h>

#include <algorithm>
#include <bit>

#include "dot.hpp"
#include "wide_sum.hpp"

namespace fmalab {

namespace {

constexpr size_t kMaxBlock = 64;    // the window paths' products per block (every preset has n <= 32)
constexpr size_t kExactChunk = 512;  // exact: products per pass, so a chunk's codes stay in L1
constexpr uint64_t kLow32 = 0xffffffffu;

// Bits of |x| / 2^(emin - man_bits), the fixed-point magnitude of an input on its own finest grid.
int fixed_bits(const Format& f) { return f.man_bits + 1 + f.emax() - f.emin(); }

int bit_width_of(size_t n) { return static_cast<int>(std::bit_width(n)); }

// A finite c as the blocks pass it on: (-1)^sign * mag * 2^lsb (mag == 0 for zero).
struct Carry {
  bool sign = false;
  uint64_t mag = 0;
  int32_t lsb = 0;
};

Carry carry_of(const Decoded& d) { return Carry{d.sign, d.cls == Class::Zero ? 0 : d.sig, d.lsb_exp()}; }

// |v| as the unsigned 128-bit magnitude.
template <class Acc>
u128 magnitude_of(Acc v) {
  const i128 w = v;
  return w < 0 ? u128{0} - static_cast<u128>(w) : static_cast<u128>(w);
}

// (-1)^neg * mag * 2^lsb as encode takes it: the leading 64 bits and a sticky bit for the rest.
Exact exact_of_int(bool neg, u128 mag, int32_t lsb) {
  if (mag == 0) return Exact{false, Class::Zero, 0, 0, false};
  const int w = bit_width128(mag);
  if (w <= 64) return Exact{neg, Class::Normal, lsb, static_cast<uint64_t>(mag), false};
  return Exact{neg, Class::Normal, lsb + (w - 64), static_cast<uint64_t>(mag >> (w - 64)),
               (mag & low_ones128(w - 64)) != 0};
}

// s * 2^ls + c exactly (c finite and nonzero): on one i128 grid when both fit it (the common case:
// |s| < 2^125 by the caller's bound and c's significand has at most 24 bits), else in a WideSum.
Exact exact_plus(i128 s, int32_t ls, const Decoded& c) {
  const int32_t cl = c.lsb_exp();
  const u128 cm = c.sig, sm = magnitude_of(s);
  if (cl >= ls && cl - ls <= 100) {
    const i128 cv = static_cast<i128>(cm << (cl - ls));
    const i128 t = s + (c.sign ? -cv : cv);
    return exact_of_int(t < 0, magnitude_of(t), ls);
  }
  if (cl < ls && bit_width128(sm) + (ls - cl) <= 125) {
    const i128 sv = static_cast<i128>(sm << (ls - cl));
    const i128 t = (s < 0 ? -sv : sv) + (c.sign ? -static_cast<i128>(cm) : static_cast<i128>(cm));
    return exact_of_int(t < 0, magnitude_of(t), cl);
  }
  WideSum w(std::min(ls, cl), std::max(ls + bit_width128(sm), cl + bit_width128(cm)) + 2);
  w.add(s < 0, sm, ls);
  w.add(c.sign, cm, cl);
  return w.exact();
}

// Whether a code has bits above its format's (the staged datapath reads them; the tables do not).
// Checked before the codes index a table.
[[gnu::always_inline]] inline bool stray_bits(const uint64_t* a, const uint64_t* b, size_t m, uint64_t mask) {
  uint64_t high = 0;
  for (size_t i = 0; i < m; ++i) high |= a[i] | b[i];
  return (high & ~mask) != 0;
}

// --- one block of a GPU preset ---------------------------------------------------------------------

struct BlockJob {
  const uint64_t* val;  // DotDatapath::fast_val_
  const uint64_t* a;    // the block's codes
  const uint64_t* b;
  size_t m;             // its products (fewer than n in a short last block)
  uint64_t mask;        // the input format's code bits
  int base;             // Fixed: a product's cut shift is E - base; else its left shift onto 2^(23 + neab)
};

// multiply, max exponent, align and cut, add for one block: *E is the block's exponent (at least
// e0: min_exp and c's), *sum the cut products' signed sum on the grid 2^(E - 23 - neab). false when
// a code has stray bits or an operand is NaN or Inf (its exponent lifts E past kSpecialFloor).
constexpr int32_t kTwoBiases = 2 * DotDatapath::kExpBias;

// multiply: products from `from` on, each magnitude (Fixed: as is; else moved left by base onto
// 2^(23 + neab)), its sign as a 0/-1 mask and its biased exponent ea + eb + kTwoBiases; returns the
// largest exponent, at least e (biased). The codes have been checked for stray bits.
template <bool Fixed>
[[gnu::always_inline]] inline int32_t multiply(const BlockJob& j, size_t from, uint64_t* mag, int64_t* neg, int32_t* pexp,
                                               int32_t e) {
  for (size_t i = from; i < j.m; ++i) {
    const uint64_t x = j.val[j.a[i]], y = j.val[j.b[i]];
    const uint64_t p = (x & kLow32) * (y & kLow32);  // magnitudes of at most 32 bits: exact
    mag[i] = Fixed ? p : p << j.base;
    neg[i] = -static_cast<int64_t>((x ^ y) >> 63);
    pexp[i] = static_cast<int32_t>(((x >> 32) & 0xffff) + ((y >> 32) & 0xffff));
    e = std::max(e, pexp[i]);
  }
  return e;
}

// The same for Fixed, four products at a time in AVX2: the table words gathered by code (the codes
// masked first, their stray bits ORed aside for the check), one 32 x 32 -> 64 multiply per lane.
// The exponents of a lane sit in its low 32 bits (the high ones are zero), so a 32-bit max serves.
// Returns the largest biased exponent (at least e) and sets *stray; products [0, m & ~3) are done.
[[gnu::target("avx2")]] int32_t multiply4_avx2(const BlockJob& j, uint64_t* mag, int64_t* neg, int32_t e, bool* stray) {
  const __m256i mask = _mm256_set1_epi64x(static_cast<int64_t>(j.mask)), low16 = _mm256_set1_epi64x(0xffff);
  __m256i high = _mm256_setzero_si256(), emax = _mm256_set1_epi64x(e);
  const auto* table = reinterpret_cast<const long long*>(j.val);
  for (size_t i = 0; i + 4 <= j.m; i += 4) {
    const __m256i ca = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(j.a + i));
    const __m256i cb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(j.b + i));
    high = _mm256_or_si256(high, _mm256_or_si256(ca, cb));
    const __m256i x = _mm256_i64gather_epi64(table, _mm256_and_si256(ca, mask), 8);
    const __m256i y = _mm256_i64gather_epi64(table, _mm256_and_si256(cb, mask), 8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(mag + i), _mm256_mul_epu32(x, y));
    const __m256i sign = _mm256_srli_epi64(_mm256_xor_si256(x, y), 63);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(neg + i), _mm256_sub_epi64(_mm256_setzero_si256(), sign));
    const __m256i ex = _mm256_and_si256(_mm256_srli_epi64(x, 32), low16);
    const __m256i ey = _mm256_and_si256(_mm256_srli_epi64(y, 32), low16);
    emax = _mm256_max_epi32(emax, _mm256_add_epi64(ex, ey));
  }
  alignas(32) int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), emax);
  alignas(32) uint64_t h[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(h), high);
  *stray = ((h[0] | h[1] | h[2] | h[3]) & ~j.mask) != 0;
  return std::max({lanes[0], lanes[2], lanes[4], lanes[6]});
}

template <bool Fixed, bool Avx2>
[[gnu::always_inline]] inline bool block_sum(const BlockJob& j, int32_t e0, int32_t* E, int64_t* sum) {
  uint64_t mag[kMaxBlock];
  int64_t neg[kMaxBlock];  // 0 or -1
  int32_t pexp[kMaxBlock];
  int32_t e = e0 + kTwoBiases;
  size_t done = 0;
  if constexpr (Fixed && Avx2) {
    bool stray = false;
    e = multiply4_avx2(j, mag, neg, e, &stray);
    done = j.m & ~size_t{3};
    if (stray || stray_bits(j.a + done, j.b + done, j.m - done, j.mask)) return false;
  } else {
    if (stray_bits(j.a, j.b, j.m, j.mask)) return false;
  }
  e = multiply<Fixed>(j, done, mag, neg, pexp, e) - kTwoBiases;
  if (e >= DotDatapath::kSpecialFloor) return false;
  *E = e;
  // Sign-magnitude cut toward zero, the sign applied after the shift without a branch: (t ^ -1) + 1 = -t.
  int64_t s = 0;
  if constexpr (Fixed) {
    // One grid for every product. A left shift is exact and short: past 63 places every product
    // is zero (a nonzero one puts E at 2 emin or more).
    const int shift = e - j.base;
    if (shift >= 64) return *sum = 0, true;
    if (shift >= 0) {
      for (size_t i = 0; i < j.m; ++i) {
        const int64_t t = static_cast<int64_t>(mag[i] >> shift);
        s += (t ^ neg[i]) - neg[i];
      }
    } else {
      const int left = std::min(-shift, 63);
      for (size_t i = 0; i < j.m; ++i) {
        const int64_t t = static_cast<int64_t>(mag[i] << left);
        s += (t ^ neg[i]) - neg[i];
      }
    }
  } else {
    for (size_t i = 0; i < j.m; ++i) {
      const int64_t t = static_cast<int64_t>(mag[i] >> std::min(e + kTwoBiases - pexp[i], 63));  // mag < 2^62
      s += (t ^ neg[i]) - neg[i];
    }
  }
  *sum = s;
  return true;
}

template <bool Fixed>
[[gnu::target("avx2"), gnu::flatten]] bool block_sum_avx2(const BlockJob& j, int32_t e0, int32_t* E, int64_t* sum) {
  return block_sum<Fixed, true>(j, e0, E, sum);
}

template <bool Fixed>
[[gnu::flatten]] bool block_sum_baseline(const BlockJob& j, int32_t e0, int32_t* E, int64_t* sum) {
  return block_sum<Fixed, false>(j, e0, E, sum);
}

// --- exact ------------------------------------------------------------------------------------------

struct ExactJob {
  const uint64_t* val;  // DotDatapath::fast_val_
  const uint64_t* a;
  const uint64_t* b;
  size_t m;
  uint64_t mask;
};

// The products' exact signed sum on the grid 2^(2(emin - man)); false for stray bits or NaN/Inf.
template <class Prod, class Acc>
[[gnu::always_inline]] inline bool exact_sum(const ExactJob& j, Acc* sum) {
  // Magnitudes of at most 32 bits when Prod is 64 bits (fast() chooses so): a 32 x 32 multiply.
  constexpr uint64_t value = sizeof(Prod) == 8 ? kLow32 : DotDatapath::kSpecialBit - 1;
  Acc s = 0;
  for (size_t lo = 0; lo < j.m; lo += kExactChunk) {
    const size_t m = std::min(kExactChunk, j.m - lo);
    const uint64_t *a = j.a + lo, *b = j.b + lo;
    if (stray_bits(a, b, m, j.mask)) return false;
    uint64_t seen = 0;
    for (size_t i = 0; i < m; ++i) {
      const uint64_t x = j.val[a[i]], y = j.val[b[i]];
      seen |= x | y;
      const Prod p = static_cast<Prod>(x & value) * (y & value);
      const Acc neg = -static_cast<Acc>((x ^ y) >> 63);
      s += (static_cast<Acc>(p) ^ neg) - neg;
    }
    if (seen & DotDatapath::kSpecialBit) return false;
  }
  *sum = s;
  return true;
}

template <class Prod, class Acc>
[[gnu::target("avx2"), gnu::flatten]] bool exact_sum_avx2(const ExactJob& j, Acc* sum) {
  return exact_sum<Prod, Acc>(j, sum);
}

template <class Prod, class Acc>
[[gnu::flatten]] bool exact_sum_baseline(const ExactJob& j, Acc* sum) {
  return exact_sum<Prod, Acc>(j, sum);
}

}  // namespace

DotDatapath::FastKind DotDatapath::choose_fast_kind() const {
  const DotParams& p = p_;
  if (!in_.is_float() || in_.bits > 16) return FastKind::None;  // no table
  if (p.exact) return fixed_bits(in_) <= 61 ? FastKind::Exact : FastKind::None;  // the accumulator per K: fast()
  if (p.emulated || p.late_c || p.odd_even || p.prd_limit || p.sticky) return FastKind::None;
  if (p.n < 1 || static_cast<size_t>(p.n) > kMaxBlock || in_.man_bits > 23) return FastKind::None;
  // A product's significand moves left onto the grid (no floor before the cut), and a block's cut
  // terms, each below 2^(25 + neab), and c sum in an int64.
  if (23 + p.neab < 2 * in_.man_bits) return FastKind::None;
  if (25 + p.neab + bit_width_of(static_cast<size_t>(p.n) + 1) > 62) return FastKind::None;
  return fixed_bits(in_) <= 32 ? FastKind::WindowFixed : FastKind::Window;
}

void DotDatapath::build_fast_tables() {
  if (fast_kind_ == FastKind::None) return;
  __builtin_cpu_init();
  avx2_ = __builtin_cpu_supports("avx2");
  const size_t codes = size_t{1} << in_.bits;
  fast_val_.resize(codes);
  fast_sub_.resize(codes);
  // Window reads subnormal inputs as zero when the datapath has none; Exact does under --ftz (o.ftz_in).
  const bool flush = fast_kind_ != FastKind::Exact && !p_.in_subnormals;
  for (size_t x = 0; x < codes; ++x) {
    const Decoded d = decode(in_, x);
    const bool special = d.cls == Class::NaN || d.cls == Class::Inf;
    const bool zero = d.cls == Class::Zero || special || (flush && d.cls == Class::Subnormal);
    const uint64_t mag = zero ? 0 : fast_kind_ == FastKind::Window ? d.sig : d.sig << (d.exp - in_.emin());
    const uint64_t exp = special ? kSpecialExp : zero ? 0 : static_cast<uint64_t>(d.exp + kExpBias);
    fast_val_[x] = (d.sign ? kSignBit : 0) | (special ? kSpecialBit : 0) | mag;
    if (fast_kind_ != FastKind::Exact) fast_val_[x] |= exp << 32;
    fast_sub_[x] = d.cls == Class::Subnormal;
  }
}

std::optional<Encoded> DotDatapath::fast(const Options& o, RandomBits rnd, std::span<const uint64_t> a,
                                         std::span<const uint64_t> b, uint64_t c) const {
  switch (fast_kind_) {
    case FastKind::None: return std::nullopt;
    case FastKind::Window: return fast_window<false>(a, b, c);
    case FastKind::WindowFixed: return fast_window<true>(a, b, c);
    case FastKind::Exact: break;
  }
  // Products below 2^(2 * fixed_bits); K of them (and their carries) must fit the accumulator.
  const int prod = 2 * fixed_bits(in_), total = prod + bit_width_of(a.size());
  if (total <= 62) return fast_exact<uint64_t, int64_t>(o, rnd, a, b, c);
  if (prod <= 64 && total <= 124) return fast_exact<uint64_t, i128>(o, rnd, a, b, c);
  if (total <= 124) return fast_exact<u128, i128>(o, rnd, a, b, c);
  return std::nullopt;
}

// One correct rounding of sum a_i*b_i + c: every product an integer on the grid 2^(2(emin - man)),
// summed exactly in Acc; c joins exactly; encode rounds once as o says (exact_dot's rules).
template <class Prod, class Acc>
std::optional<Encoded> DotDatapath::fast_exact(const Options& o, RandomBits rnd, std::span<const uint64_t> a,
                                               std::span<const uint64_t> b, uint64_t c) const {
  if (c & ~out_.mask()) return std::nullopt;
  const Decoded dc = decode(out_, c);
  if (dc.cls == Class::NaN || dc.cls == Class::Inf) return std::nullopt;
  const uint64_t* val = fast_val_.data();
  const ExactJob job{val, a.data(), b.data(), a.size(), in_.mask()};
  Acc sum = 0;
  if (!(avx2_ ? exact_sum_avx2<Prod, Acc>(job, &sum) : exact_sum_baseline<Prod, Acc>(job, &sum)))
    return std::nullopt;
  constexpr uint64_t value = kSpecialBit - 1;
  if (o.ftz_in) {
    // Subnormal inputs read as zero: take their products back out.
    for (size_t i = 0; i < a.size(); ++i) {
      if (!fast_sub_[a[i]] && !fast_sub_[b[i]]) continue;
      const uint64_t x = val[a[i]], y = val[b[i]];
      const Acc p = static_cast<Acc>(static_cast<Prod>(x & value) * (y & value));
      sum -= ((x ^ y) >> 63) ? -p : p;
    }
  }
  const int32_t ls = 2 * (in_.emin() - in_.man_bits);
  const bool c_zero = dc.cls == Class::Zero || (o.ftz_in && dc.cls == Class::Subnormal);
  const Exact x = c_zero ? exact_of_int(sum < 0, magnitude_of(sum), ls) : exact_plus(static_cast<i128>(sum), ls, dc);
  if (x.cls == Class::Zero) {
    // IEEE 754 6.3, as exact_dot: -0 when every term is negative (-0 included), +0 when the signs
    // differ, except in RDN.
    bool all_negative = dc.sign, all_positive = !dc.sign;
    for (size_t i = 0; i < a.size(); ++i) {
      const bool neg = ((val[a[i]] ^ val[b[i]]) >> 63) != 0;
      all_negative = all_negative && neg;
      all_positive = all_positive && !neg;
    }
    const bool neg = all_negative || (!all_positive && o.mode == Round::RDN);
    return Encoded{neg ? out_.sign_mask() : 0, 0};
  }
  return encode(out_, x, o, rnd);
}

// --- GPU presets: windowed blocks -------------------------------------------------------------------

namespace {

// c's exponent as a block term aligns by it (dot_stage::c_term): max(floor(log2|c|), -126).
int32_t c_exponent(const Carry& c) { return std::max(c.lsb + static_cast<int32_t>(std::bit_width(c.mag)) - 1, -126); }

// align and cut for c (dot_stage::align_term without trace or sticky): floor(|c| / 2^(E - 23 - neab)),
// signed. Holds when c's significand sits within 24 bits of its exponent ce (the first floor of
// align_term is then exact): every c of a format of up to 24 bits of precision, unless it lies
// below 2^-126 in a format whose exponents reach further (the caller checks and else calls align_term).
int64_t c_cut(const Carry& c, int32_t E, int neab) {
  const int32_t shift = E - 23 - neab - c.lsb;
  const uint64_t v = shift >= 64 ? 0 : shift >= 0 ? c.mag >> shift : c.mag << -shift;
  const int64_t t = static_cast<int64_t>(v);
  return c.sign ? -t : t;
}

struct BlockResult {
  Encoded code;
  Carry carry;  // the same value, as the next block's c
};

// round_result for the common block: a result whose leading bit lies in a normal binade below the
// cut format's largest (so neither UF nor OF can arise, nor a subnormal, nor a flush), rounded at
// the cut's precision by round_up (the one rounding rule) and written in out's code as
// round_result writes it. nullopt for every other sum (round_result then rounds it).
std::optional<BlockResult> round_block(int64_t total, int32_t grid, const Format& out, const Format& cut, Round mode) {
  if (total == 0) return BlockResult{Encoded{0, 0}, Carry{}};  // an exact zero sum is +0
  const bool sign = total < 0;
  const uint64_t mag = sign ? uint64_t{0} - static_cast<uint64_t>(total) : static_cast<uint64_t>(total);
  const int w = static_cast<int>(std::bit_width(mag));
  const int32_t lead = grid + w - 1;
  if (lead < cut.emin() || lead >= cut.emax()) return std::nullopt;
  const int drop = w - 1 - cut.man_bits;  // below the cut's last place
  uint64_t kept = drop <= 0 ? mag << -drop : mag >> drop;
  Remainder rem;
  if (drop > 0) {
    rem.half = ((mag >> (drop - 1)) & 1) != 0;
    rem.below = (mag & ((uint64_t{1} << (drop - 1)) - 1)) != 0;
  }
  // kept carries its hidden bit, so a rounding carry moves into the exponent field by itself.
  uint64_t m = (static_cast<uint64_t>(lead + cut.bias - 1) << cut.man_bits) + kept;
  const bool inc = round_up(mode, sign, (m & 1) != 0, rem, RandomBits{});
  m += inc;
  kept += inc;
  const uint64_t code = (m >> cut.man_bits) << out.man_bits | (m & low_ones128(cut.man_bits)) << (out.man_bits - cut.man_bits);
  return BlockResult{Encoded{(sign ? out.sign_mask() : 0) | code, static_cast<uint8_t>(rem.inexact() ? flag::NX : 0)},
                     Carry{sign, kept, lead - cut.man_bits}};
}

// Whether any of the codes is NaN or Inf, or carries stray bits: the rest of a row after a block
// overflowed, which the staged datapath still reads for specials.
bool any_special(const uint64_t* val, uint64_t mask, std::span<const uint64_t> codes) {
  for (uint64_t x : codes)
    if ((x & ~mask) || (val[x] & DotDatapath::kSpecialBit)) return true;
  return false;
}

}  // namespace

// The staged block_fma for the rows it serves: each block's products (exponent ea + eb, not
// renormalised) and c aligned to the block's largest exponent E (at least min_exp), each cut toward
// zero on the grid 2^(E - 23 - neab), summed as integers and rounded by round_result; the block's
// result is the next block's c.
template <bool Fixed>
std::optional<Encoded> DotDatapath::fast_window(std::span<const uint64_t> a, std::span<const uint64_t> b,
                                                uint64_t c) const {
  const DotParams& p = p_;
  if (c & ~out_.mask()) return std::nullopt;
  const Decoded dc = decode(out_, c);
  if (dc.cls == Class::NaN || dc.cls == Class::Inf) return std::nullopt;
  // Fixed: a product is |p| / 2^(2(emin - man)); on the grid 2^(E - 23 - neab) it is cut by E - base.
  // Window: a significand product (2 man fraction bits) moves left by base onto 2^(23 + neab).
  const int base = Fixed ? 23 + p.neab + 2 * (in_.emin() - in_.man_bits) : 23 + p.neab - 2 * in_.man_bits;
  const size_t K = a.size(), n = static_cast<size_t>(p.n), blocks = std::max<size_t>(1, (K + n - 1) / n);
  const Round between_mode = p.inter_round.value_or(p.round);
  Carry acc = carry_of(dc);
  Encoded code{0, 0};
  for (size_t k = 0; k < blocks; ++k) {
    const bool is_last = k + 1 == blocks;
    const Format& out = is_last ? out_ : inter_;
    const size_t lo = k * n, m = std::min(n, K - lo);
    // c, flushed when the datapath has no subnormal results, then as a term of the block
    if (!p.out_subnormals && acc.mag != 0 && acc.lsb + static_cast<int32_t>(std::bit_width(acc.mag)) - 1 < out.emin())
      acc = Carry{};
    const int32_t ce = acc.mag ? c_exponent(acc) : p.min_exp;
    const BlockJob job{fast_val_.data(), a.data() + lo, b.data() + lo, m, in_.mask(), base};
    int32_t E = 0;
    int64_t sum = 0;
    if (!(avx2_ ? block_sum_avx2<Fixed>(job, std::max(p.min_exp, ce), &E, &sum)
                : block_sum_baseline<Fixed>(job, std::max(p.min_exp, ce), &E, &sum)))
      return std::nullopt;
    if (acc.mag && acc.lsb >= ce - 23) sum += c_cut(acc, E, p.neab);  // below 2^(24 + neab): no overflow
    i128 total = sum;
    if (acc.mag && acc.lsb < ce - 23) {
      int32_t shift = 0;
      bool lost = false;
      total += dot_stage::align_term(*dot_stage::c_term(acc.sign, acc.mag, acc.lsb), E, p.neab, false, &shift, &lost);
    }
    const Format& cut = is_last ? out_cut_ : inter_cut_;
    const Round mode = is_last ? p.round : between_mode;
    if (total == static_cast<int64_t>(total) && out.is_signed && out.nan == NanStyle::Ieee) {
      if (const auto r = round_block(static_cast<int64_t>(total), E - 23 - p.neab, out, cut, mode)) {
        code = r->code;
        acc = r->carry;
        continue;
      }
    }
    code = dot_stage::round_result(total < 0, magnitude_of(total), E - 23 - p.neab, out, cut, mode, p.out_subnormals);
    const Decoded d = decode(out, code.bits);
    if (d.cls == Class::Inf || d.cls == Class::NaN) {
      // A block overflowed: the rest of the row cannot bring it back, but its specials come first.
      if (any_special(fast_val_.data(), in_.mask(), a.subspan(lo + m)) ||
          any_special(fast_val_.data(), in_.mask(), b.subspan(lo + m)))
        return std::nullopt;
      if (is_last || !p.inter) return code;
      return d.cls == Class::Inf ? Encoded{dot_stage::inf_code(out_, d.sign), code.flags}
                                 : Encoded{dot_stage::nan_code(out_, p), code.flags};
    }
    acc = carry_of(d);
  }
  return code;
}

// --- batches ----------------------------------------------------------------------------------------

void DotDatapath::run_rows(const Options& o, const uint64_t* rows, size_t k, size_t stride, size_t count,
                           uint64_t* out, uint8_t* flags) const {
  const bool sr = o.mode == Round::SR;
  for (size_t r = 0; r < count; ++r) {
    const uint64_t* row = rows + r * stride;
    const RandomBits rnd = o.random(sr ? static_cast<uint32_t>(row[2 * k + 1]) : 0);
    const Encoded e = (*this)(o, rnd, std::span(row, k), std::span(row + k, k), row[2 * k]);
    out[r] = e.bits;
    flags[r] = e.flags;
  }
}

}  // namespace fmalab
