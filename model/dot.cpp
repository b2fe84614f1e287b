#include "dot.hpp"

#include <algorithm>
#include <bit>

#include "wide_sum.hpp"

namespace fmalab {

namespace dot_stage {

uint64_t nan_code(const Format& f, const DotParams& p) {
  // NVIDIA's NaN is all ones but the sign; formats whose NaN is one code (e4m3, fnuz) keep theirs.
  if (p.nvidia_nan && f.nan == NanStyle::Ieee) return f.magnitude_mask();
  return f.canonical_nan_code();
}

uint64_t inf_code(const Format& f, bool s) { return (s ? f.sign_mask() : 0) | f.inf_code(); }

}  // namespace dot_stage

namespace {

using dot_stage::inf_code;
using dot_stage::nan_code;

// A finite value as the stages read it: (-1)^sign * mag * 2^lsb; mag == 0 for zero.
struct Val {
  bool sign = false;
  u128 mag = 0;
  int32_t lsb = 0;
};

Val val_of(const Decoded& d) { return Val{d.sign, d.cls == Class::Zero ? 0 : u128{d.sig}, d.lsb_exp()}; }

int32_t floor_log2(const Val& v) { return v.lsb + bit_width128(v.mag) - 1; }

u128 shift_floor(u128 x, int s) {
  if (s >= 0) return s >= 128 ? 0 : x << s;
  return -s >= 128 ? 0 : x >> -s;
}

uint64_t sign_bit(const Format& f, bool s) { return s ? f.sign_mask() : 0; }

// NaN and Inf over the whole row (every product and c) before any block: a NaN operand, 0 * Inf,
// or +Inf with -Inf gives NaN; otherwise an Inf gives that Inf. nullopt when every value is finite.
std::optional<Encoded> specials(const std::vector<Decoded>& a, const std::vector<Decoded>& b, const Decoded& c,
                                const Format& out, const DotParams& p) {
  bool nan = c.cls == Class::NaN, pos = c.cls == Class::Inf && !c.sign, neg = c.cls == Class::Inf && c.sign;
  bool invalid = c.signaling;
  for (size_t i = 0; i < a.size(); ++i) {
    const Decoded &x = a[i], &y = b[i];
    invalid = invalid || x.signaling || y.signaling;
    if (x.cls == Class::NaN || y.cls == Class::NaN) {
      nan = true;
    } else if (x.cls == Class::Inf || y.cls == Class::Inf) {
      if (x.cls == Class::Zero || y.cls == Class::Zero) {
        nan = invalid = true;
      } else {
        (x.sign != y.sign ? neg : pos) = true;
      }
    }
  }
  if (pos && neg) invalid = true;
  if (nan || (pos && neg)) return Encoded{nan_code(out, p), invalid ? flag::NV : uint8_t{0}};
  if (pos || neg) return Encoded{inf_code(out, neg), 0};
  return std::nullopt;
}

// --- one block's stages -----------------------------------------------------------------------------

// multiply: the exact product, not renormalised: exponent ea + eb (each at least the input's emin),
// significand in [0, 4). nullopt for a zero product.
std::optional<DotTerm> multiply(const Decoded& x, const Decoded& y, const DotParams& p) {
  const auto split = [&](const Decoded& d) -> std::optional<DotTerm> {
    if (d.cls == Class::Zero || (!p.in_subnormals && d.cls == Class::Subnormal)) return std::nullopt;
    return DotTerm{d.sign, d.exp, d.sig, d.frac_bits};  // d.exp is max(floor(log2|d|), emin)
  };
  const auto sx = split(x), sy = split(y);
  if (!sx || !sy) return std::nullopt;
  return DotTerm{x.sign != y.sign, sx->exp + sy->exp, sx->mag * sy->mag, sx->fbits + sy->fbits};
}

}  // namespace

// c as a term: its fp32 view, exponent floor(log2|c|) clamped below at -126.
std::optional<DotTerm> dot_stage::c_term(bool sign, u128 mag, int32_t lsb) {
  if (mag == 0) return std::nullopt;
  const int32_t e = std::max(lsb + bit_width128(mag) - 1, -126);
  return DotTerm{sign, e, mag, e - lsb};
}

namespace {

// max exponent: the largest term exponent, clamped below at min_exp.
int32_t max_exponent(std::span<const DotTerm> terms, const DotParams& p) {
  int32_t e = p.min_exp;
  for (const auto& t : terms) e = std::max(e, t.exp);
  return e;
}

// align and cut: each magnitude on the grid 2^(E - 23 - neab) (the 24 + neab bit window below bit E,
// with two bits above it for a product's integer part and the carries), truncated toward zero before
// the sign is applied. With a sticky bit the grid is one place finer and its last bit ORs the window
// bits the cut dropped.
}  // namespace

i128 dot_stage::align_term(const DotTerm& t, int32_t E, int neab, bool sticky, int32_t* shift_out, bool* lost) {
  const u128 sig = shift_floor(shift_floor(t.mag, 23 - t.fbits), neab);  // significand * 2^(23 + neab)
  const int32_t shift = E - t.exp;
  *shift_out = shift;
  u128 aligned = shift < 128 ? sig >> shift : 0;
  *lost = shift > 0 && (shift >= 128 || (sig & low_ones128(shift)) != 0);
  if (sticky) {
    const int window = 24 + neab;
    const u128 mask = shift <= window ? low_ones128(shift) : low_ones128(window);
    aligned = aligned * 2 + ((sig & mask) != 0 ? 1 : 0);
  }
  const i128 v = static_cast<i128>(aligned);
  return t.sign ? -v : v;
}

// round: (-1)^sign * mag * 2^lsb into `out` through `cut`, out's range with the fraction bits the
// datapath keeps (fewer than out's cut the result), by encode, the one rounding rule; a result at
// or past 2^(emax+1) after rounding is Inf in every mode, as the measured tensor cores give.
Encoded dot_stage::round_result(bool sign, u128 mag, int32_t lsb, const Format& out, const Format& cut, Round mode,
                                bool subnormals) {
  if (mag == 0) return Encoded{0, 0};  // an exact zero sum is +0
  const int w = bit_width128(mag);
  Exact x{sign, Class::Normal, lsb, 0, false};
  if (w > 64) {
    x.sig = static_cast<uint64_t>(mag >> (w - 64));
    x.sticky = (mag & low_ones128(w - 64)) != 0;
    x.lsb_exp = lsb + (w - 64);
  } else {
    x.sig = static_cast<uint64_t>(mag);
  }
  Options o;
  o.mode = mode;
  o.ftz_out = !subnormals;
  Encoded r = encode(cut, x, o);
  if (r.flags & flag::OF) return Encoded{inf_code(out, sign), r.flags};
  const uint64_t m = r.bits & cut.magnitude_mask();
  const uint64_t code = (m >> cut.man_bits) << out.man_bits | (m & low_ones128(cut.man_bits)) << (out.man_bits - cut.man_bits);
  return Encoded{sign_bit(out, (r.bits & cut.sign_mask()) != 0) | code, r.flags};
}

namespace {

using dot_stage::align_term;
using dot_stage::round_result;

// AddTwoNonNormSums: two aligned partial sums (exponent, sign, magnitude on the grid
// 2^(e - 23 - neab)); the one with the smaller exponent is shifted right and rounded in armode, after
// both moved left by the extra bits `eab` it gains. Returns the exponent and signed sum; neab grows by eab.
struct Partial {
  int32_t exp;
  i128 sum;
};
Partial add_two(int32_t e1, bool s1, u128 m1, int32_t e2, bool s2, u128 m2, Round armode, int eab1, int eab2,
                int* neab, bool exp_check) {
  const int32_t E = std::max(e1, e2);
  int shift = e1 > e2 ? e1 - e2 : e2 - e1;
  if (shift > 532) shift = 0;  // one of them sits at the zero exponent -1024
  const auto rnd = [&](u128 m, bool s, int sh, bool check) {
    const u128 q = sh < 128 ? m >> sh : 0, r = m - (sh < 128 ? q << sh : 0);
    bool adj = false;
    if (armode == Round::RDN) adj = r > 0 && s && !check;
    else if (armode == Round::RUP) adj = r > 0 && !s;
    else if (armode == Round::RNE && sh > 0) {
      const u128 half = u128{1} << (sh - 1);
      adj = r > half || (r == half && (q & 1));
    }
    return q + (adj ? 1 : 0);
  };
  if (e1 < E) {
    *neab += eab1;
    m1 <<= eab1, m2 <<= eab1;
    m1 = rnd(m1, s1, shift, false);
  } else if (e2 < E) {
    *neab += eab2;
    m1 <<= eab2, m2 <<= eab2;
    m2 = rnd(m2, s2, shift, exp_check && e2 < E - 25);
  }
  const i128 a = static_cast<i128>(m1), b = static_cast<i128>(m2);
  return Partial{E, (s1 ? -a : a) + (s2 ? -b : b)};
}

// c for a late addition: exponent max(floor(log2|c|), -126), significand * 2^(23 + neab) rounded
// to nearest, ties away (exact unless neab < 0); a zero c sits at -126 or -1024.
void late_c_operand(const Val& c, int neab, bool c_min_exp, int32_t* e, bool* s, u128* m) {
  if (c.mag == 0) {
    *e = c_min_exp ? -126 : -1024, *s = false, *m = 0;
    return;
  }
  *e = std::max(floor_log2(c), -126);
  *s = c.sign;
  const int sh = 23 + neab - (*e - c.lsb);
  *m = sh >= 0 ? c.mag << sh : (c.mag + (u128{1} << (-sh - 1))) >> -sh;
}

struct Block {
  const Format& out;  // this block's result format
  const Format& cut;  // out with the fraction bits the datapath keeps
  const DotParams& p;
  Round mode;
};

i128 sum_aligned(std::span<const DotTerm> terms, int32_t E, int neab, bool sticky, DotBlockTrace* t) {
  i128 total = 0;
  for (const auto& term : terms) {
    int32_t shift = 0;
    bool lost = false;
    const i128 v = align_term(term, E, neab, sticky, &shift, &lost);
    total += v;
    if (t) {
      t->shifts.push_back(shift);
      t->aligned.push_back(v);
      t->lost.push_back(lost);
    }
  }
  return total;
}

u128 magnitude(i128 v) { return static_cast<u128>(v < 0 ? -v : v); }

Encoded block_fma(const Block& k, std::span<const Decoded> a, std::span<const Decoded> b, Val c, DotBlockTrace* t) {
  const DotParams& p = k.p;
  if (!p.out_subnormals && c.mag != 0 && floor_log2(c) < k.out.emin()) c = Val{};
  if (p.prd_limit) {
    bool pos = false, neg = false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].cls == Class::Zero || b[i].cls == Class::Zero) continue;
      const Val x = val_of(a[i]), y = val_of(b[i]);
      const Val prod{false, x.mag * y.mag, x.lsb + y.lsb};
      if (floor_log2(prod) >= (1 << (k.out.exp_bits - 1))) (a[i].sign != b[i].sign ? neg : pos) = true;
    }
    if (pos && neg) return Encoded{nan_code(k.out, p), flag::NV};
    if (pos || neg) return Encoded{inf_code(k.out, neg), flag::OF | flag::NX};
  }
  std::vector<DotTerm> prods;
  std::vector<std::optional<DotTerm>> all;
  for (size_t i = 0; i < a.size(); ++i) all.push_back(multiply(a[i], b[i], p));
  int neab = p.neab;
  const auto finish = [&](i128 total, int32_t E, int nb, bool sticky) {
    const int32_t grid = E - 23 - nb - (sticky ? 1 : 0);
    const Encoded r = round_result(total < 0, magnitude(total), grid, k.out, k.cut, k.mode, p.out_subnormals);
    if (t) t->sum = total, t->grid = grid, t->result = r.bits;
    return r;
  };
  if (p.odd_even) {
    // CDNA3 FP8: even- and odd-indexed products aligned and summed apart (zero products kept at
    // exponent -1024), the two sums added, then c.
    int32_t e[2];
    i128 s[2];
    for (int g = 0; g < 2; ++g) {
      std::vector<DotTerm> group;
      for (size_t i = static_cast<size_t>(g); i < all.size(); i += 2) group.push_back(all[i] ? *all[i] : DotTerm{false, -1024, 0, 0});
      e[g] = max_exponent(group, p);
      s[g] = sum_aligned(group, e[g], neab, false, t);
      if (t) t->terms.insert(t->terms.end(), group.begin(), group.end());
    }
    Partial ps = add_two(e[0], s[0] < 0, magnitude(s[0]), e[1], s[1] < 0, magnitude(s[1]), p.armode, 0, 0, &neab, false);
    int32_t ce;
    bool cs;
    u128 cm;
    late_c_operand(c, neab, p.c_min_exp, &ce, &cs, &cm);
    ps = add_two(ps.exp, ps.sum < 0, magnitude(ps.sum), ce, cs, cm, p.armode, 7, 0, &neab, true);
    if (t) t->max_exp = ps.exp;
    return finish(ps.sum, ps.exp, neab, false);
  }
  for (const auto& x : all)
    if (x) prods.push_back(*x);
  if (prods.empty() && c.mag == 0) {
    if (t) t->result = 0;
    return Encoded{0, 0};  // every product and c zero: +0
  }
  if (!p.late_c) {
    std::vector<DotTerm> terms = prods;
    if (const auto ct = dot_stage::c_term(c.sign, c.mag, c.lsb)) terms.push_back(*ct);
    const int32_t E = max_exponent(terms, p);
    if (t) t->terms = terms, t->max_exp = E;
    return finish(sum_aligned(terms, E, neab, p.sticky, t), E, neab, p.sticky);
  }
  // late c: the products first, kept unnormalised, then c in one two-operand addition.
  int32_t ce;
  bool cs;
  u128 cm;
  if (prods.empty()) {
    late_c_operand(c, neab, p.c_min_exp, &ce, &cs, &cm);
    const i128 v = static_cast<i128>(cm);
    if (t) t->max_exp = ce;
    return finish(cs ? -v : v, ce, neab, false);
  }
  const int32_t E = max_exponent(prods, p);
  if (t) t->terms = prods, t->max_exp = E;
  const i128 total = sum_aligned(prods, E, neab, p.sticky, t);
  late_c_operand(c, neab, p.c_min_exp, &ce, &cs, &cm);
  const Partial ps = add_two(E, total < 0, magnitude(total), ce, cs, cm, p.armode, 7, 0, &neab, false);
  return finish(ps.sum, ps.exp, neab, false);
}

// --- whole rows -----------------------------------------------------------------------------------

// f with the fraction bits a block result keeps: the normalised sum holds 24 + neab significant
// bits, so a negative neab cuts the result to 23 + neab fraction bits where the output has more
// (fp32: 13 for neab = -10; fp16 keeps its 10).
Format cut_format(const DotParams& p, const Format& f) {
  const int frac = std::clamp(p.cut >= 0 ? p.cut : 23 + p.neab, 1, f.man_bits);
  if (frac == f.man_bits) return f;
  return *parse_format("e" + std::to_string(f.exp_bits) + "m" + std::to_string(frac));
}

// x + y rounded once into out (an IEEE addition): an exact zero is -0 when both are negative, or in RDN.
Encoded add_round(const Val& x, const Val& y, const Format& out, Round mode) {
  const int32_t lo = std::min(x.lsb, y.lsb), hi = std::max(floor_log2(x), floor_log2(y)) + 2;
  WideSum s(lo, hi);
  s.add(x.sign, x.mag, x.lsb);
  s.add(y.sign, y.mag, y.lsb);
  if (s.is_zero()) {
    const bool neg = (x.sign && y.sign) || (mode == Round::RDN && (x.mag || y.mag));
    return Encoded{sign_bit(out, neg), 0};
  }
  Options o;
  o.mode = mode;
  return encode(out, s.exact(), o);
}

Encoded exact_dot(const Format& in, const Format& out, std::span<const Decoded> a, std::span<const Decoded> b,
                  const Decoded& c, const Options& o, RandomBits rnd) {
  const int32_t in_lsb = in.emin() - in.man_bits, out_lsb = out.emin() - out.man_bits;
  WideSum s(std::min(2 * in_lsb, out_lsb), std::max(2 * (in.emax() + 1), out.emax() + 1) + 1);
  bool all_negative = c.sign, all_positive = !c.sign;
  const auto zero = [&](const Decoded& d) { return d.cls == Class::Zero || (o.ftz_in && d.cls == Class::Subnormal); };
  for (size_t i = 0; i < a.size(); ++i) {
    const bool sign = a[i].sign != b[i].sign;
    all_negative = all_negative && sign;
    all_positive = all_positive && !sign;
    if (zero(a[i]) || zero(b[i])) continue;
    s.add(sign, u128{a[i].sig} * b[i].sig, a[i].lsb_exp() + b[i].lsb_exp());
  }
  if (!zero(c)) s.add(c.sign, c.sig, c.lsb_exp());
  if (s.is_zero()) {
    // IEEE 754 6.3: an exact zero sum is -0 when every term is negative (-0 included), +0 when the
    // signs differ, except in RDN, where it is -0.
    const bool neg = all_negative || (!all_positive && o.mode == Round::RDN);
    return Encoded{sign_bit(out, neg), 0};
  }
  return encode(out, s.exact(), o, rnd);
}

// FP8 mma.sync on H100/H200 (sm_90) and B200 (sm_100), as the measured data show it: each chunk of
// 32 k-values (zero-padded) runs as two fp16-path blocks with the FP8 values read exactly, the first
// over the products of k mod 4 in {0, 1} with c = 0, the second over k mod 4 in {2, 3} with c the
// first's result; then the chunk's result and the accumulator (c for the first chunk) are added in
// one IEEE addition rounded in c_add_round.
Encoded emulated_dot(const Block& k, std::vector<Decoded> a, std::vector<Decoded> b, const Decoded& c, DotTrace* t) {
  constexpr size_t kChunk = 32;
  const size_t chunks = std::max<size_t>(1, (a.size() + kChunk - 1) / kChunk);
  a.resize(chunks * kChunk, Decoded{});
  b.resize(chunks * kChunk, Decoded{});
  Val acc = val_of(c);
  Encoded code{0, 0};
  for (size_t j = 0; j < chunks; ++j) {
    Val x{};
    for (int half = 0; half < 2; ++half) {
      std::vector<Decoded> pa, pb;
      for (size_t i = 0; i < kChunk; ++i)
        if ((i % 4 >= 2) == (half == 1)) pa.push_back(a[j * kChunk + i]), pb.push_back(b[j * kChunk + i]);
      DotBlockTrace* bt = t ? &t->blocks.emplace_back() : nullptr;
      code = block_fma(k, pa, pb, x, bt);
      const Decoded d = decode(k.out, code.bits);
      if (d.cls == Class::Inf || d.cls == Class::NaN) return code;
      x = val_of(d);
    }
    code = add_round(x, acc, k.out, k.p.c_add_round);
    const Decoded d = decode(k.out, code.bits);
    if (d.cls == Class::Inf || d.cls == Class::NaN) return code;
    acc = val_of(d);
  }
  return code;
}

}  // namespace

DotDatapath::DotDatapath(const Format& in, const Format& out, const DotParams& p)
    : in_(in), out_(out), inter_(p.inter.value_or(out)), out_cut_(cut_format(p, out)), inter_cut_(cut_format(p, inter_)),
      p_(p) {
  fast_kind_ = choose_fast_kind();
  build_fast_tables();
}

Encoded DotDatapath::operator()(const Options& o, RandomBits rnd, std::span<const uint64_t> a,
                                std::span<const uint64_t> b, uint64_t c, DotTrace* trace) const {
  if (!trace && fast_kind_ != FastKind::None)
    if (const auto r = fast(o, rnd, a, b, c)) return *r;
  return staged(o, rnd, a, b, c, trace);
}

Encoded DotDatapath::staged(const Options& o, RandomBits rnd, std::span<const uint64_t> a,
                            std::span<const uint64_t> b, uint64_t c, DotTrace* trace) const {
  const DotParams& p = p_;
  const Round mode = p.exact ? o.mode : p.round;
  std::vector<Decoded> da, db;
  for (uint64_t x : a) da.push_back(decode(in_, x));
  for (uint64_t x : b) db.push_back(decode(in_, x));
  const Decoded dc = decode(out_, c);
  if (const auto s = specials(da, db, dc, out_, p)) {
    if (trace) trace->special = true;
    // exact saturates an Inf result under --sat, as a conversion does.
    if (p.exact && o.saturate && (s->bits & out_.magnitude_mask()) == out_.inf_code())
      return Encoded{sign_bit(out_, (s->bits & out_.sign_mask()) != 0) | out_.max_finite_code(), s->flags};
    return *s;
  }
  if (p.exact) return exact_dot(in_, out_, da, db, dc, o, rnd);
  const Block last{out_, out_cut_, p, mode};
  if (p.emulated) return emulated_dot(last, std::move(da), std::move(db), dc, trace);
  const Block between{inter_, inter_cut_, p, p.inter_round.value_or(mode)};
  const size_t n = static_cast<size_t>(p.n), blocks = std::max<size_t>(1, (da.size() + n - 1) / n);
  da.resize(blocks * n, Decoded{});
  db.resize(blocks * n, Decoded{});
  Val acc = val_of(dc);
  Encoded code{0, 0};
  for (size_t k = 0; k < blocks; ++k) {
    const bool is_last = k + 1 == blocks;
    const Block& blk = is_last ? last : between;
    DotBlockTrace* bt = trace ? &trace->blocks.emplace_back() : nullptr;
    code = block_fma(blk, std::span(da).subspan(k * n, n), std::span(db).subspan(k * n, n), acc, bt);
    const Decoded d = decode(blk.out, code.bits);
    if (d.cls == Class::Inf || d.cls == Class::NaN) {
      // A block overflowed: the rest of the row cannot bring it back.
      if (is_last || !p.inter) return code;
      return d.cls == Class::Inf ? Encoded{inf_code(out_, d.sign), code.flags} : Encoded{nan_code(out_, p), code.flags};
    }
    acc = val_of(d);
  }
  return code;
}

}  // namespace fmalab
