#include "fma.hpp"

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
u128 to_grid(uint64_t sig, int32_t lsb, int32_t g, bool sticky, bool* lost) {
  const int64_t d = int64_t{g} - lsb;
  u128 kept;
  if (d <= 0) {
    kept = u128{sig} << -d;  // fits: the anchor keeps every term's leading one inside the window
    *lost = false;
  } else {
    kept = d >= 64 ? 0 : sig >> d;
    *lost = d >= 64 ? sig != 0 : (sig & ((uint64_t{1} << d) - 1)) != 0;
  }
  return kept << 1 | (sticky && *lost ? 1 : 0);
}

// encode takes a 64-bit significand: a wider sum keeps its top 64 bits and folds the rest into
// sticky. That leaves at least 33 bits below an accumulator's precision (at most 31 bits: float
// accumulators are at most 32 bits wide), enough for every rounding mode including 32-bit SR.
Exact exact_of_sum(const Sum& s) {
  const int drop = std::max(0, bit_width128(s.mag) - 64);
  const bool lost = drop > 0 && (s.mag & low_ones128(drop)) != 0;
  return Exact{s.sign, Class::Normal, s.lsb_exp + drop, static_cast<uint64_t>(s.mag >> drop), lost};
}

// IEEE 754 sign of an exact zero sum of two terms of these signs.
bool zero_sum_sign(bool s1, bool s2, Round mode) { return s1 == s2 ? s1 : mode == Round::RDN; }

// NaN and Inf operands; zero when no special rule applies. Sets *handled.
Encoded special_result(const Format& acc, const Product& p, const Decoded& c, const Unpacked& u,
                       const EncodeOptions& eo, bool* handled) {
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
  Encoded r = encode(acc, x, eo);
  r.flags |= extra;
  return r;
}

Encoded fma_fixed(const Format& acc, const Product& p, const Decoded& c, const FmaConfig& cfg, Sum* sum);

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

Aligned align(const Product& p, const Decoded& c, int window, bool sticky) {
  Aligned al;
  al.p_sign = p.sign;
  al.c_sign = c.sign;
  const int32_t top_p = p.sig ? p.lsb_exp + msb(p.sig) : INT32_MIN;
  const int32_t top_c = c.sig ? c.lsb_exp() + msb(c.sig) : INT32_MIN;
  if (!p.sig && !c.sig) return al;  // nothing to align: the sum is an exact zero
  al.anchor = std::max(top_p, top_c);
  al.shift = (p.sig && c.sig) ? std::abs(top_p - top_c) : 0;
  const int32_t g = al.anchor - window + 1;
  al.lsb_exp = g - 1;
  if (p.sig) al.p = to_grid(p.sig, p.lsb_exp, g, sticky, &al.p_sticky);
  if (c.sig) al.c = to_grid(c.sig, c.lsb_exp(), g, sticky, &al.c_sticky);
  return al;
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

namespace {

bool is_special(const Decoded& d) { return d.cls == Class::Inf || d.cls == Class::NaN; }

// Everything after unpack: the one datapath both fma() and FmaKernel run. Operands come by
// reference (the kernel's come straight from its tables).
Encoded datapath(const Format& acc, const Decoded& a, const Decoded& b, const Decoded& c, const FmaConfig& cfg,
                 RandomBits rnd, int window, FmaStages* st) {
  const EncodeOptions eo{cfg.mode, cfg.saturate, rnd, cfg.ftz_out};
  const Product p = multiply(a, b);
  if (st) {
    st->unpacked = Unpacked{a, b, c};
    st->product = p;
  }
  Encoded r;
  if (is_special(a) || is_special(b) || is_special(c)) [[unlikely]] {
    bool handled = false;
    r = special_result(acc, p, c, Unpacked{a, b, c}, eo, &handled);
    if (handled) {
      if (st) st->special = true, st->packed = r;
      return r;
    }
  }
  if (acc.kind == Kind::Fixed) {
    FmaConfig fixed_cfg = cfg;
    fixed_cfg.rnd = rnd;
    r = fma_fixed(acc, p, c, fixed_cfg, st ? &st->sum : nullptr);
    if (st) st->packed = r;
    return r;
  }
  const Aligned al = align(p, c, window, cfg.sticky);
  const Sum s = add(al, window);
  if (st) st->aligned = al, st->sum = s;
  if (s.mag == 0) {
    // Exact zero: signed per IEEE 754 from the terms' signs (a zero product keeps its sign too).
    r = encode(acc, Exact{zero_sum_sign(p.sign, c.sign, cfg.mode), Class::Zero, 0, 0, false}, eo);
  } else {
    r = encode(acc, exact_of_sum(s), eo, st ? &st->normalize_round : nullptr);
  }
  if (st) st->packed = r;
  return r;
}

int resolved_window(const Format& in, const Format& acc, const FmaConfig& cfg) {
  if (cfg.window > 0) return cfg.window;
  // Stochastic rounding reads up to 32 discarded bits, so they too must be exact.
  if (cfg.mode == Round::SR) return std::min(exact_window(in, acc) + 32, kMaxWindow);
  return exact_window(in, acc);
}

std::vector<Decoded> unpack_table(const Format& f, bool ftz_in) {
  std::vector<Decoded> t;
  if (f.bits > 16) return t;
  t.reserve(size_t{1} << f.bits);
  for (uint64_t code = 0; code < (uint64_t{1} << f.bits); ++code) t.push_back(unpack_operand(f, code, ftz_in));
  return t;
}

}  // namespace

Encoded fma(const Format& in, const Format& acc, uint64_t a, uint64_t b, uint64_t c, const FmaConfig& cfg,
            FmaStages* st) {
  const Unpacked u = unpack(in, acc, a, b, c, cfg.ftz_in);
  return datapath(acc, u.a, u.b, u.c, cfg, cfg.rnd, resolved_window(in, acc, cfg), st);
}

namespace {

// The fast path's value of each code: exact, with NaN standing for Inf and NaN so that the one range
// test on the sum hands them to the staged datapath.
std::vector<double> value_table(const std::vector<Decoded>& t) {
  std::vector<double> v;
  v.reserve(t.size());
  for (const Decoded& d : t) v.push_back(is_special(d) ? std::numeric_limits<double>::quiet_NaN() : to_double(d));
  return v;
}

bool is_binary32(const Format& f) {
  return f.kind == Kind::Float && f.bits == 32 && f.exp_bits == 8 && f.man_bits == 23 && f.bias == 127 &&
         f.has_inf && f.nan == NanStyle::Ieee && f.subnormals && f.is_signed;
}

}  // namespace

FmaKernel::FmaKernel(const Format& in, const Format& acc, const FmaConfig& cfg)
    : in_(in), acc_(acc), cfg_(cfg), window_(resolved_window(in, acc, cfg)),
      in_table_(unpack_table(in, cfg.ftz_in)), acc_table_(unpack_table(acc, cfg.ftz_in)) {
  static_assert(std::numeric_limits<double>::is_iec559, "the fast path relies on IEEE 754 binary64");
  __builtin_cpu_init();
  avx2_ = __builtin_cpu_supports("avx2");
  // The fast path needs: products exact in a double (p_in <= 26, exponents far inside binary64's
  // range), a float accumulator of at most 51 bits of precision (rounding the round-to-odd double
  // once more is then exact), and a datapath that computes the exact sum (no truncated window).
  const bool in_ok = in.kind == Kind::Float && !in_table_.empty() && in.man_bits <= 25;
  const bool acc_ok = acc.kind == Kind::Float && acc.is_signed && acc.subnormals && acc.man_bits <= 50 &&
                      (!acc_table_.empty() || is_binary32(acc));
  const bool exact = cfg.sticky && window_ >= exact_window(in, acc);
  if (!in_ok || !acc_ok || !exact || cfg.mode == Round::SR || cfg.ftz_out) return;
  in_value_ = value_table(in_table_);  // zeros are exact: a zero product gives s = c
  acc_value_ = value_table(acc_table_);
  acc_is_fp32_ = acc_table_.empty();
  acc_man_ = acc.man_bits;
  acc_bias_ = acc.bias;
  acc_emin_ = acc.emin();
  acc_max_code_ = acc.max_finite_code();
  in_mask_ = in.mask();
  acc_mask_ = acc.mask();
  acc_sign_mask_ = acc.sign_mask();
  fast_overflow_ = acc.has_inf && !cfg.saturate;
  acc_inf_code_ = acc.has_inf ? acc.inf_code() : 0;
}

// flatten: the batch path inlines the whole datapath (decode, stages, encode) into one body.
Encoded FmaKernel::staged(uint64_t a, uint64_t b, uint64_t c, RandomBits rnd, FmaStages* st) const {
  if (!in_table_.empty() && !acc_table_.empty()) [[likely]]
    return datapath(acc_, in_table_[a & in_.mask()], in_table_[b & in_.mask()], acc_table_[c & acc_.mask()], cfg_, rnd,
                    window_, st);
  const Decoded da = in_table_.empty() ? unpack_operand(in_, a, cfg_.ftz_in) : in_table_[a & in_.mask()];
  const Decoded db = in_table_.empty() ? unpack_operand(in_, b, cfg_.ftz_in) : in_table_[b & in_.mask()];
  const Decoded dc = acc_table_.empty() ? unpack_operand(acc_, c, cfg_.ftz_in) : acc_table_[c & acc_.mask()];
  return datapath(acc_, da, db, dc, cfg_, rnd, window_, st);
}

namespace {

// A fixed-point accumulator: the product joins the grid 2^-F exactly when it lies on it,
// otherwise the sum is rounded once in the chosen mode. Overflow wraps like an integer
// adder, or clamps with saturation and raises OF.
Encoded fma_fixed(const Format& acc, const Product& p, const Decoded& c, const FmaConfig& cfg, Sum* trace) {
  const int F = acc.frac_bits;
  const i128 C = c.sign ? -static_cast<i128>(c.sig) : static_cast<i128>(c.sig);
  const int64_t k = int64_t{p.lsb_exp} + F;  // product LSB relative to the grid
  const i128 max = acc.fixed_max(), min = acc.fixed_min();
  uint8_t flags = 0;
  i128 value;
  bool overflow = false;
  uint64_t wrapped = 0;
  if (p.sig == 0) {
    value = C;
  } else if (k >= 0) {
    if (msb(p.sig) + k > 100) {  // far beyond any accumulator: keep only what wrapping needs
      overflow = true;
      const uint64_t pm = k >= 64 ? 0 : p.sig << k;
      wrapped = (p.sign ? ~pm + 1 : pm) + static_cast<uint64_t>(C);
      value = p.sign ? min - 1 : max + 1;
    } else {
      const i128 P = static_cast<i128>(static_cast<u128>(p.sig) << k);
      value = (p.sign ? -P : P) + C;
    }
  } else {
    // Sum on a finer grid, then one rounding back to 2^-F.
    // The product is at most 2^62 (multiply), so for d > 63 it is at most a quarter of the grid's
    // last place: standing in for it by 2^-63 keeps the half bit, the sticky bit and the sign.
    // C << 63 stays below 2^127 for every accumulator of up to 64 bits.
    int d = static_cast<int>(-k);
    u128 psig = p.sig;
    if (d > 63) {
      psig = 1;
      d = 63;
    }
    const i128 S = (C << d) + (p.sign ? -static_cast<i128>(psig) : static_cast<i128>(psig));
    const bool sign = S < 0;
    const u128 mag = sign ? static_cast<u128>(-S) : static_cast<u128>(S);
    const u128 rem = mag & ((u128{1} << d) - 1);
    Remainder r;
    r.half = ((rem >> (d - 1)) & 1) != 0;
    r.below = (rem & ((u128{1} << (d - 1)) - 1)) != 0 || d != static_cast<int>(-k);
    const int w = cfg.rnd.width;
    if (w > 0) r.top = static_cast<uint64_t>(d >= w ? rem >> (d - w) : rem << (w - d));
    const u128 kept = mag >> d;
    const bool inc = round_up(cfg.mode, sign, (kept & 1) != 0, r, cfg.rnd);
    const i128 m = static_cast<i128>(kept + inc);
    value = sign ? -m : m;
    if (r.inexact()) flags |= flag::NX;
  }
  if (!overflow) {
    overflow = value > max || value < min;
    wrapped = static_cast<uint64_t>(static_cast<u128>(value));
  }
  if (trace) {
    trace->sign = value < 0;
    trace->mag = static_cast<u128>(value < 0 ? -value : value);
    trace->carry = overflow;
    trace->lsb_exp = -F;
  }
  if (overflow && cfg.saturate) return {static_cast<uint64_t>(value < 0 ? min : max) & acc.mask(), uint8_t(flags | flag::OF)};
  return {wrapped & acc.mask(), flags};
}

}  // namespace

// The batch loop, compiled twice below: the four-lane fast path is written with GCC vector types,
// which become AVX2 instructions in run_avx2 and SSE2 pairs in run_baseline. Each is flattened so
// it holds its own copy of the whole fast path: no out-of-line template is shared between them.
[[gnu::always_inline]] inline void FmaKernel::run_body(const uint64_t* ops, size_t stride, size_t n,
                                                       Encoded* out) const {
  const bool fast_done = with_fast_mode([&]<Round M>() {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
      uint64_t a[4], b[4], c[4];
      for (size_t k = 0; k < 4; ++k) {
        const uint64_t* v = ops + (i + k) * stride;
        a[k] = v[0], b[k] = v[1], c[k] = v[2];
      }
      const unsigned lanes = fast4<M>(a, b, c, &out[i]);
      if (lanes) [[unlikely]]
        for (int k = 0; k < 4; ++k)
          if (lanes >> k & 1) out[i + k] = staged(a[k], b[k], c[k], RandomBits{}, nullptr);
    }
    for (; i < n; ++i) {
      const uint64_t* v = ops + i * stride;
      if (!fast<M>(v[0], v[1], v[2], &out[i])) [[unlikely]]
        out[i] = staged(v[0], v[1], v[2], RandomBits{}, nullptr);
    }
  });
  if (fast_done) return;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t* v = ops + i * stride;
    out[i] = staged(v[0], v[1], v[2], RandomBits{}, nullptr);
  }
}

[[gnu::target("avx2"), gnu::flatten]] void FmaKernel::run_avx2(const uint64_t* ops, size_t stride, size_t n,
                                                              Encoded* out) const {
  run_body(ops, stride, n, out);
}

[[gnu::flatten]] void FmaKernel::run_baseline(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const {
  run_body(ops, stride, n, out);
}

void FmaKernel::run(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const {
  if (avx2_) run_avx2(ops, stride, n, out);
  else run_baseline(ops, stride, n, out);
}

}  // namespace fmalab
