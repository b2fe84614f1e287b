// The dot product's fast path (model/dot_fast.cpp) against the staged datapath (model/dot.cpp), which
// the measured GPU data (test_dot) and the MPFR oracle (test_dot_exact) validate: the same result
// code and the same flags on every row, for every preset and format pair the fast path serves, on
// corner rows (NaN/Inf, zeros of both signs, subnormals, max magnitudes, cancellation to zero and
// to subnormals, terms at the window's edge, stray code bits, K = 1, K not a multiple of n) and on
// random rows of several distributions. Each pair also checks that the fast path really took most
// rows, and the batch API (Operation::eval_batch) is checked the same way.
// A failing random test prints its seed; replay with FMALAB_SEED=0x... build/bin/test_dot_fast.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "model/dot.hpp"
#include "model/operation.hpp"
#include "test_support.hpp"

namespace fmalab {
namespace {

struct Pair {
  std::string preset, in, out, spec;          // spec: --dot changes
  std::function<void(DotParams&)> tweak = {};  // parameters no flag reaches (FTZ variants)
  Options o = {};                              // exact: the rounding options
  std::string name() const {
    std::string s = preset + " " + in + "->" + out;
    if (!spec.empty()) s += " --dot " + spec;
    if (tweak) s += " (tweaked)";
    if (preset == "exact") {
      s += std::string(" ") + round_name(o.mode);
      if (o.saturate) s += " sat";
      if (o.ftz_in) s += " ftz_in";
      if (o.ftz_out) s += " ftz_out";
    }
    return s;
  }
};

struct Built {
  Format in, out;
  DotParams p;
};

Built build(const Pair& x) {
  Built b{*parse_format(x.in), *parse_format(x.out), {}};
  std::string why;
  const auto p = dot_preset(x.preset, b.in, b.out, &why);
  if (!p) throw std::runtime_error(x.name() + ": " + why);
  b.p = *p;
  if (!apply_dot_spec(b.p, x.spec, &why)) throw std::runtime_error(x.name() + ": " + why);
  if (x.tweak) x.tweak(b.p);
  return b;
}

Options with_mode(Round m, bool sat = false, bool ftz_in = false, bool ftz_out = false) {
  Options o;
  o.mode = m, o.saturate = sat, o.ftz_in = ftz_in, o.ftz_out = ftz_out;
  return o;
}

// Every pair the fast path takes (DotDatapath::choose_fast_kind), presets as the GPUs have them and
// changed by --dot, FTZ variants of the datapath, and exact in every mode with its options.
std::vector<Pair> fast_pairs() {
  std::vector<Pair> v = {
      {"h100", "e4m3", "fp32", ""},
      {"h100", "e5m2", "fp32", ""},
      {"ada", "e4m3", "fp32", ""},
      {"ada", "e5m2", "fp32", ""},
      {"ada", "e4m3", "fp16", ""},
      {"ada", "e5m2", "fp16", ""},
      {"h100", "e4m3", "fp32", "neab=0,round=rne"},
      {"h100", "e5m2", "fp32", "n=7,min_exp=-20,round=rup"},
      {"h100", "e4m3", "fp32", "n=16,inter=bf16,round=rdn"},
      {"h100", "e4m3", "fp32", "cut=5,round=rmm,neab=3"},
      {"ada", "e5m2", "fp16", "n=64,neab=-1"},
      {"h100", "e4m3", "fp32", "", [](DotParams& p) { p.in_subnormals = false, p.out_subnormals = false; }},
      {"ada", "e5m2", "fp16", "", [](DotParams& p) { p.out_subnormals = false; }},
      {"a100", "fp16", "fp32", ""},
      {"a100", "bf16", "fp32", ""},
      {"a100", "fp16", "fp16", ""},
      {"h100", "fp16", "fp32", ""},
      {"h100", "bf16", "fp32", ""},
      {"h100", "fp16", "fp16", ""},
      {"v100", "fp16", "fp32", ""},
      {"v100", "fp16", "fp16", ""},
      {"a100", "bf16", "fp32", "n=5,inter=fp16,round=rne"},
      {"h100", "fp16", "fp32", "", [](DotParams& p) { p.in_subnormals = false; }},
  };
  for (const char* in : {"e4m3", "e5m2", "fp16", "e2m1", "e3m2"})
    for (const char* out : {"fp32", "fp16", "bf16"})
      v.push_back({"exact", in, out, "", {}, with_mode(Round::RNE)});
  for (const Round m : {Round::RTZ, Round::RDN, Round::RUP, Round::RMM, Round::SR})
    for (const char* in : {"e4m3", "e5m2", "fp16"}) v.push_back({"exact", in, "fp32", "", {}, with_mode(m)});
  v.push_back({"exact", "e4m3", "fp16", "", {}, with_mode(Round::RDN)});
  v.push_back({"exact", "e5m2", "fp16", "", {}, with_mode(Round::RNE, true)});
  v.push_back({"exact", "fp16", "fp16", "", {}, with_mode(Round::RUP, true)});
  v.push_back({"exact", "e4m3", "fp32", "", {}, with_mode(Round::RNE, false, true, false)});
  v.push_back({"exact", "e5m2", "fp16", "", {}, with_mode(Round::RDN, false, true, true)});
  v.push_back({"exact", "fp16", "fp32", "", {}, with_mode(Round::RNE, false, false, true)});
  return v;
}

// --- rows ---------------------------------------------------------------------------------------

bool is_special(const Format& f, uint64_t x) {
  const Class c = decode(f, x).cls;
  return c == Class::NaN || c == Class::Inf;
}

// Codes of one format in one of several distributions.
class Codes {
 public:
  Codes(const Format& f, std::mt19937_64& rng) : f_(f), rng_(rng) {}
  uint64_t any() { return rng_() & f_.mask(); }
  uint64_t finite() {
    for (;;)
      if (const uint64_t x = any(); !is_special(f_, x)) return x;
  }
  // A finite code whose exponent field lies within `spread` of `field` (cancellation, window edges).
  uint64_t near(int64_t field, int spread) {
    const int64_t top = (int64_t{1} << f_.exp_bits) - 1;
    for (;;) {
      const int64_t e = std::clamp<int64_t>(field + static_cast<int64_t>(rng_() % (2 * spread + 1)) - spread, 0, top);
      const uint64_t x = (rng_() & f_.sign_mask()) | static_cast<uint64_t>(e) << f_.man_bits | (rng_() & low(f_.man_bits));
      if (!is_special(f_, x)) return x;
    }
  }
  uint64_t zero() { return rng_() & f_.sign_mask(); }
  uint64_t subnormal() { return (rng_() & f_.sign_mask()) | (rng_() & low(f_.man_bits)); }
  uint64_t max() { return (rng_() & f_.sign_mask()) | f_.max_finite_code(); }
  uint64_t special() {
    for (;;)
      if (const uint64_t x = any(); is_special(f_, x)) return x;
  }
  bool has_special() const { return f_.has_inf || f_.has_nan(); }
  int64_t fields() const { return int64_t{1} << f_.exp_bits; }

 private:
  static uint64_t low(int n) { return (uint64_t{1} << n) - 1; }
  const Format& f_;
  std::mt19937_64& rng_;
};

struct Row {
  std::vector<uint64_t> a, b;
  uint64_t c = 0;
  uint32_t rnd = 0;
};

// One random row of distribution `kind` (0..6) and length k.
Row random_row(const Built& d, int kind, size_t k, std::mt19937_64& rng) {
  Codes in(d.in, rng), out(d.out, rng);
  Row r;
  r.a.resize(k), r.b.resize(k);
  const int64_t center = static_cast<int64_t>(rng() % static_cast<uint64_t>(in.fields()));
  for (size_t i = 0; i < k; ++i) {
    switch (kind) {
      case 0: r.a[i] = in.finite(), r.b[i] = in.finite(); break;                   // uniform over the codes
      case 1: r.a[i] = in.near(center, 1), r.b[i] = in.near(center, 1); break;     // one narrow band
      case 2: r.a[i] = in.near(center, 4), r.b[i] = in.finite(); break;            // a band times anything
      case 3: {                                                                    // zeros and subnormals
        const auto pick = [&] {
          const uint64_t u = rng() % 4;
          return u == 0 ? in.zero() : u == 1 ? in.subnormal() : in.finite();
        };
        r.a[i] = pick(), r.b[i] = pick();
        break;
      }
      case 4:  // pairs that cancel: a product, then its negation, some perturbed
        if (i % 2 == 0) {
          r.a[i] = in.near(center, 2), r.b[i] = in.finite();
        } else {
          r.a[i] = r.a[i - 1] ^ d.in.sign_mask(), r.b[i] = r.b[i - 1];
          if (rng() % 8 == 0 && !is_special(d.in, r.b[i] ^ 1)) r.b[i] ^= 1;
        }
        break;
      case 5: r.a[i] = rng() % 4 ? in.max() : in.finite(), r.b[i] = in.max(); break;  // max magnitudes
      default:                                                                         // anything, specials too
        r.a[i] = rng() % 64 ? in.finite() : in.any(), r.b[i] = rng() % 64 ? in.finite() : in.any();
    }
  }
  switch (rng() % 8) {
    case 0: r.c = out.zero(); break;
    case 1: r.c = out.subnormal(); break;
    case 2: r.c = out.max(); break;
    case 3: r.c = rng() % 16 ? out.finite() : out.any(); break;
    default: {
      // c near the products' size, so it takes part in the window
      const int64_t field = std::clamp<int64_t>(center - d.in.bias + d.out.bias + static_cast<int64_t>(rng() % 9) - 4, 0,
                                                out.fields() - 1);
      r.c = out.near(field, 2);
    }
  }
  r.rnd = static_cast<uint32_t>(rng());
  return r;
}

// --- comparison ---------------------------------------------------------------------------------

struct Tally {
  size_t rows = 0, fast = 0, mismatches = 0;
};

std::string hex_row(const Row& r) {
  std::string s;
  for (auto x : r.a) s += test::hexs(x) + " ";
  for (auto x : r.b) s += test::hexs(x) + " ";
  return s + test::hexs(r.c);
}

// fast() where it serves the row, and operator(), must equal staged(), bits and flags.
void check(const Pair& x, const DotDatapath& dp, const Row& r, Tally& t, const char* what) {
  const Options& o = x.o;
  const RandomBits rnd = o.random(r.rnd & ((1u << o.sr_width) - 1));
  const Encoded want = dp.staged(o, rnd, r.a, r.b, r.c);
  const auto fast = dp.fast(o, rnd, r.a, r.b, r.c);
  const Encoded got = dp(o, rnd, r.a, r.b, r.c);
  ++t.rows;
  if (fast) ++t.fast;
  const bool bad = (fast && (fast->bits != want.bits || fast->flags != want.flags)) || got.bits != want.bits ||
                   got.flags != want.flags;
  if (bad && t.mismatches++ < 5)
    ADD_FAILURE() << x.name() << " " << what << " K=" << r.a.size() << ": staged " << test::hexs(want.bits) << " flags "
                  << int{want.flags} << ", fast " << (fast ? test::hexs(fast->bits) + " flags " + std::to_string(fast->flags) : "-")
                  << "\n  row " << hex_row(r) << " rnd " << r.rnd;
}

// Hand-made rows that each aim at one rule.
std::vector<Row> corner_rows(const Built& d, std::mt19937_64& rng) {
  Codes in(d.in, rng), out(d.out, rng);
  std::vector<Row> rows;
  const size_t n = d.p.exact ? 32 : static_cast<size_t>(d.p.n);
  const uint64_t one = static_cast<uint64_t>(d.in.bias) << d.in.man_bits, sgn = d.in.sign_mask();
  const uint64_t out_one = static_cast<uint64_t>(d.out.bias) << d.out.man_bits;
  for (const size_t k : {size_t{1}, size_t{2}, n - 1 ? n - 1 : 1, n, n + 1, 2 * n + 3}) {
    const auto row = [&](uint64_t fill_a, uint64_t fill_b, uint64_t c) {
      return Row{std::vector<uint64_t>(k, fill_a), std::vector<uint64_t>(k, fill_b), c, 0};
    };
    // zeros of both signs, with c = +0 / -0
    for (const uint64_t za : {uint64_t{0}, sgn})
      for (const uint64_t zb : {uint64_t{0}, sgn})
        for (const uint64_t zc : {uint64_t{0}, d.out.sign_mask()}) rows.push_back(row(za, zb, zc));
    // mixed zero signs
    Row z = row(0, 0, d.out.sign_mask());
    z.a[0] = sgn;
    rows.push_back(z);
    // subnormals (smallest, largest) and max magnitudes
    for (const uint64_t x : {uint64_t{1}, (uint64_t{1} << d.in.man_bits) - 1, d.in.max_finite_code()})
      for (const uint64_t c : {uint64_t{0}, out_one, d.out.max_finite_code(), uint64_t{1}}) {
        rows.push_back(row(x, x, c));
        rows.push_back(row(x, x | sgn, c | d.out.sign_mask()));
        rows.push_back(row(x, one, c));
      }
    // cancellation to zero and to a subnormal-sized remainder
    if (k >= 2) {
      Row r = row(0, 0, 0);
      r.a[0] = one, r.b[0] = one, r.a[1] = one | sgn, r.b[1] = one;
      rows.push_back(r);
      r.c = d.out.sign_mask();
      rows.push_back(r);
      r.c = 1;  // the smallest subnormal of out
      rows.push_back(r);
      r.a[k - 1] = 1, r.b[k - 1] = 1;  // the smallest product survives the cancellation
      rows.push_back(r);
    }
    // terms at the window's edge: 1 + 2^-s for every s a window can hold
    for (int s = 0; s <= 40 && k >= 2; ++s) {
      Row r = row(0, 0, 0);
      r.a[0] = one, r.b[0] = one;
      const int64_t ef = static_cast<int64_t>(d.in.bias) - s;
      if (ef < 1) break;
      r.a[k - 1] = static_cast<uint64_t>(ef) << d.in.man_bits | 1, r.b[k - 1] = one;
      rows.push_back(r);
      r.a[k - 1] |= sgn;
      rows.push_back(r);
      r.c = out_one | d.out.sign_mask();
      rows.push_back(r);
    }
    // NaN and Inf anywhere (operands and c), Inf * 0, +Inf with -Inf, and a stray code bit
    if (in.has_special())
      for (size_t at : {size_t{0}, k - 1}) {
        Row r = random_row(d, 0, k, rng);
        r.a[at] = in.special();
        rows.push_back(r);
        r.b[at] = 0;
        rows.push_back(r);
        Row s = random_row(d, 0, k, rng);
        s.b[k - 1 - at] = in.special();
        s.a[k - 1 - at] = s.b[k - 1 - at] ^ sgn;
        rows.push_back(s);
      }
    if (out.has_special()) {
      Row r = random_row(d, 0, k, rng);
      r.c = out.special();
      rows.push_back(r);
    }
    Row stray = random_row(d, 0, k, rng);
    stray.a[k / 2] |= d.in.mask() + 1;
    rows.push_back(stray);
    Row stray_c = random_row(d, 0, k, rng);
    stray_c.c |= d.out.mask() + 1;
    if (d.out.bits < 64) rows.push_back(stray_c);
    // blocks that overflow (max products), with a NaN after them
    Row big = row(d.in.max_finite_code(), d.in.max_finite_code(), d.out.max_finite_code());
    rows.push_back(big);
    if (in.has_special()) {
      big.a[k - 1] = in.special();
      rows.push_back(big);
    }
  }
  return rows;
}

TEST(DotFast, TheFastPathServesThesePairs) {
  for (const auto& x : fast_pairs()) {
    const Built d = build(x);
    EXPECT_TRUE(DotDatapath(d.in, d.out, d.p).has_fast_path()) << x.name();
  }
  // ... and hands these to the staged datapath whole: tf32 (no table), the FP8 mma.sync emulation,
  // MI300's late c and odd/even groups, a sticky bit, bf16 under exact (too wide a fixed point).
  for (const auto& x : std::vector<Pair>{{"a100", "tf32", "fp32", ""},
                                         {"h100", "e4m3", "fp16", ""},
                                         {"b200", "e5m2", "fp32", ""},
                                         {"mi300", "fp16", "fp32", ""},
                                         {"mi300", "e4m3fnuz", "fp32", ""},
                                         {"h100", "e4m3", "fp32", "sticky=1"},
                                         {"exact", "bf16", "fp32", ""}}) {
    const Built d = build(x);
    EXPECT_FALSE(DotDatapath(d.in, d.out, d.p).has_fast_path()) << x.name();
  }
}

TEST(DotFast, CornerRowsEqualTheStagedDatapath) {
  const uint64_t seed = test::seed_for("DotFast.CornerRows", 0xd07fa57c0);
  size_t total = 0;
  for (const auto& x : fast_pairs()) {
    std::mt19937_64 rng(seed);
    const Built d = build(x);
    const DotDatapath dp(d.in, d.out, d.p);
    Tally t;
    for (const Row& r : corner_rows(d, rng)) check(x, dp, r, t, "corner");
    total += t.rows;
    EXPECT_EQ(t.mismatches, 0u) << x.name();
  }
  std::printf("[ corner   ] %zu rows over %zu pairs\n", total, fast_pairs().size());
}

TEST(DotFast, RandomRowsEqualTheStagedDatapath) {
  const uint64_t seed = test::seed_for("DotFast.RandomRows", 0xd07fa57);
  const long rows = 60000 * test::random_scale();  // per pair: about 3M rows in all
  size_t total = 0, fast = 0;
  for (const auto& x : fast_pairs()) {
    std::mt19937_64 rng(seed ^ std::hash<std::string>{}(x.name()));
    const Built d = build(x);
    const DotDatapath dp(d.in, d.out, d.p);
    const size_t n = d.p.exact ? 32 : static_cast<size_t>(d.p.n);
    const size_t lengths[] = {1, 2, 3, n - 1 ? n - 1 : 1, n, n + 1, 2 * n + 3, 64, 100, 257};
    Tally t, finite;
    for (long i = 0; i < rows; ++i) {
      const int kind = static_cast<int>(i % 7);
      const size_t k = i % 5000 == 4999 ? 4096 : lengths[rng() % std::size(lengths)];
      const Row r = random_row(d, kind, k, rng);
      check(x, dp, r, kind == 6 ? t : finite, "random");
    }
    std::printf("[ pair     ] %-44s %7zu rows, fast path took %5.1f%% of the finite ones, %zu mismatches\n",
                x.name().c_str(), t.rows + finite.rows, 100.0 * static_cast<double>(finite.fast) / static_cast<double>(finite.rows),
                t.mismatches + finite.mismatches);
    EXPECT_EQ(t.mismatches + finite.mismatches, 0u) << x.name();
    // The rows with finite operands are the fast path's to take (c may still be NaN/Inf or overflow).
    EXPECT_GT(finite.fast, finite.rows * 8 / 10) << x.name();
    total += t.rows + finite.rows, fast += t.fast + finite.fast;
  }
  std::printf("[ random   ] %zu rows, %zu through the fast path\n", total, fast);
}

// Operation::eval_batch (DotDatapath::run_rows) row for row as the staged datapath, the SR word included.
TEST(DotFast, BatchEqualsTheStagedDatapath) {
  const uint64_t seed = test::seed_for("DotFast.Batch", 0xba7c4);
  std::mt19937_64 rng(seed);
  for (const auto& [unit, preset, mode] : {std::tuple{"dot:e4m3:fp32:4096", "h100", Round::RNE},
                                           {"dot:e4m3:fp32:33", "h100", Round::RNE},
                                           {"dot:fp16:fp32:20", "a100", Round::RNE},
                                           {"dot:e5m2:fp16:100", "ada", Round::RNE},
                                           {"dot:e4m3:fp32:4096", "exact", Round::RNE},
                                           {"dot:e5m2:fp32:50", "exact", Round::SR},
                                           {"dot:tf32:fp32:9", "h100", Round::RNE}}) {
    Options o;
    o.preset = preset, o.mode = mode;
    std::string why;
    const auto op = make_operation(unit, o, &why);
    ASSERT_NE(op, nullptr) << why;
    const Format in = op->signature().operands[0].format, out = op->signature().operands[2].format;
    const size_t k = static_cast<size_t>(op->signature().operands[0].count), words = op->signature().operand_words();
    std::string err;
    const DotDatapath dp(in, out, *dot_preset(preset, in, out, &err));
    const Built d{in, out, *dot_preset(preset, in, out, &err)};
    const size_t count = k > 1000 ? 20 : 2000;
    std::vector<uint64_t> rows;
    std::vector<Row> kept;
    for (size_t i = 0; i < count; ++i) {
      Row r = random_row(d, static_cast<int>(i % 7), k, rng);
      rows.insert(rows.end(), r.a.begin(), r.a.end());
      rows.insert(rows.end(), r.b.begin(), r.b.end());
      rows.push_back(r.c);
      if (words > 2 * k + 1) rows.push_back(r.rnd & ((1u << o.sr_width) - 1));
      kept.push_back(r);
    }
    std::vector<uint64_t> y(count);
    std::vector<uint8_t> flags(count);
    op->eval_batch(rows, y, flags);
    size_t bad = 0;
    for (size_t i = 0; i < count; ++i) {
      const Row& r = kept[i];
      const Encoded want = dp.staged(o, o.random(r.rnd & ((1u << o.sr_width) - 1)), r.a, r.b, r.c);
      if ((want.bits != y[i] || want.flags != flags[i]) && bad++ < 3)
        ADD_FAILURE() << unit << " " << preset << " row " << i << ": staged " << test::hexs(want.bits) << " batch "
                      << test::hexs(y[i]);
    }
    EXPECT_EQ(bad, 0u) << unit << " " << preset;
  }
}

}  // namespace
}  // namespace fmalab
