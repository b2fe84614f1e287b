// The approximate-LNS oracle (see lns_approx_oracle.hpp): /work/spec/lns_approx_spec.md written out.
#include "oracle/lns_approx_oracle.hpp"

#include <mpfr.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace lnsa {

namespace {

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "lns_approx_oracle: %s\n", why.c_str());
  std::abort();
}

constexpr mpfr_prec_t kPrec = 256;

// Scratch MPFR values (the tests are single-threaded).
struct Scratch {
  mpfr_t x, t, v, r, diff;
  Scratch() { mpfr_inits2(kPrec, x, t, v, r, diff, static_cast<mpfr_ptr>(nullptr)); }
  ~Scratch() { mpfr_clears(x, t, v, r, diff, static_cast<mpfr_ptr>(nullptr)); }
};
Scratch& scratch() {
  static Scratch s;
  return s;
}

// s.v = 2^scale * log2(1 +- 2^(-d/2^F)).
void gauss(int F, int64_t d, bool sub, int scale) {
  Scratch& s = scratch();
  if (d < 0 || (sub && d == 0)) die("gauss: bad d");
  mpfr_set_si(s.x, -d, MPFR_RNDN);  // exact: |d| < 2^63, 256 bits
  mpfr_div_2ui(s.x, s.x, static_cast<unsigned long>(F), MPFR_RNDN);  // exact
  mpfr_exp2(s.t, s.x, MPFR_RNDN);
  if (sub)
    mpfr_ui_sub(s.t, 1, s.t, MPFR_RNDN);
  else
    mpfr_add_ui(s.t, s.t, 1, MPFR_RNDN);
  mpfr_log2(s.v, s.t, MPFR_RNDN);
  mpfr_mul_2si(s.v, s.v, scale, MPFR_RNDN);  // exact
}

// Nearest integer to s.v; a value within 2^-100 of a half-integer (and not an integer) aborts.
int64_t nearest_of_v(const char* what) {
  Scratch& s = scratch();
  mpfr_rint(s.r, s.v, MPFR_RNDN);
  mpfr_sub(s.diff, s.v, s.r, MPFR_RNDN);
  mpfr_abs(s.diff, s.diff, MPFR_RNDN);
  if (!mpfr_zero_p(s.diff)) {
    mpfr_sub_d(s.diff, s.diff, 0.5, MPFR_RNDN);  // exact: |v - r| <= 1/2
    mpfr_abs(s.diff, s.diff, MPFR_RNDN);
    if (mpfr_cmp_d(s.diff, std::ldexp(1.0, -100)) < 0) die(std::string(what) + ": a value at a tie");
  }
  if (!mpfr_fits_slong_p(s.r, MPFR_RNDN)) die(std::string(what) + ": out of range");
  return mpfr_get_si(s.r, MPFR_RNDN);
}

int bit_index(u128 z) {  // z > 0
  int k = 0;
  while (z >> 1) z >>= 1, ++k;
  return k;
}

}  // namespace

int Lns::db() const {
  int c = 0;
  while ((int64_t{1} << c) < F + 2) ++c;
  return F + c;
}

int Lns::qb() const { return static_cast<int>((2 * lmax() + one() - 1) >> F); }

Lns lns(const std::string& name) {
  int W = 0, F = 0;
  char tail = 0;
  if (std::sscanf(name.c_str(), "lns%d_%d%c", &W, &F, &tail) != 2 || W < 3 || W > 32 || F < 0 || F > W - 2)
    die("not an LNS format: " + name);
  return Lns{W, F};
}

Val decode(const Lns& f, uint64_t code) {
  Val v;
  v.neg = (code >> (f.W - 1)) & 1;
  const uint64_t m = code & ((uint64_t{1} << (f.W - 1)) - 1);
  int64_t L = static_cast<int64_t>(m);
  if (m & (uint64_t{1} << (f.W - 2))) L -= int64_t{1} << (f.W - 1);
  if (L == -(int64_t{1} << (f.W - 2))) {
    v.kind = v.neg ? Val::NaN : Val::Zero;
    v.neg = false;
    return v;
  }
  v.kind = Val::Fin;
  v.L = L;
  return v;
}

uint64_t encode(const Lns& f, bool neg, int64_t L) {
  if (L < -f.lmax() || L > f.lmax()) die("encode: L out of range");
  return (uint64_t{neg} << (f.W - 1)) | (static_cast<uint64_t>(L) & ((uint64_t{1} << (f.W - 1)) - 1));
}

int64_t gauss_nearest(int F, int64_t d, bool sub, int scale) {
  gauss(F, d, sub, scale);
  return nearest_of_v("gauss_nearest");
}

double phi(int F, int64_t d, bool sub) {
  gauss(F, d, sub, F);
  return mpfr_get_d(scratch().v, MPFR_RNDN);
}

int64_t phi_rounded(int F, int64_t d, bool sub) { return gauss_nearest(F, d, sub, F); }

// ---- lut ---------------------------------------------------------------------------------------------

Lut::Lut(const Lns& f, int T) : f_(f), T_(T) {
  DB_ = f.db();
  if (T < 1 || T > DB_) die("lut: T out of [1, DB]");
  if (T > 24) die("lut: T too large for this oracle");
  S_ = DB_ - T;
  const size_t n = size_t{1} << T;
  add_.resize(n);
  sub_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t d = static_cast<int64_t>(i) << S_;
    add_[i] = gauss_nearest(f.F, d, false, f.F + GF);
    sub_[i] = gauss_nearest(f.F, i == 0 ? 1 : d, true, f.F + GF);
  }
}

int64_t Lut::g(int64_t d, bool sub) const {
  if (d < 0) die("lut: d < 0");
  if (d >= (int64_t{1} << DB_)) return 0;
  const int64_t i = d >> S_, t = d & ((int64_t{1} << S_) - 1);
  const int64_t gi = sub ? gsub(i) : gadd(i), gi1 = sub ? gsub(i + 1) : gadd(i + 1);
  const i128 v = i128{gi} + ((i128{gi1 - gi} * t) >> S_);  // floor((G[i+1] - G[i]) t / 2^S)
  return static_cast<int64_t>((v + (i128{1} << (GF - 1))) >> GF);  // round half up
}

// ---- mitchell ----------------------------------------------------------------------------------------

int64_t mitchell_g(int F, int64_t d, bool sub) {
  if (d < 0 || (sub && d == 0)) die("mitchell: bad d");
  const int64_t n = d >> F, f = d & ((int64_t{1} << F) - 1);
  if (!sub) {
    if (d == 0) return int64_t{1} << F;
    if (n >= F + 2) return 0;
    const i128 num = (i128{1} << (F + 1)) - f + (i128{1} << n);
    return static_cast<int64_t>(num >> (n + 1));
  }
  if (n >= F + 3) return 0;
  const int Q = F + 1 + static_cast<int>(n);
  const i128 Z = (i128{1} << Q) - ((i128{1} << (F + 1)) - f);
  if (Z < 1 || Z >= (i128{1} << Q)) die("mitchell: Z out of [1, 2^Q)");
  const int k = bit_index(static_cast<u128>(Z));
  i128 second = 0;
  if (k > 0) second = (((Z - (i128{1} << k)) << F) + (i128{1} << (k - 1))) >> k;
  return static_cast<int64_t>(i128{k - Q} * (i128{1} << F) + second);
}

// ---- lnsadd --------------------------------------------------------------------------------------------

Result lnsadd(const Lns& f, const Lut* lut, uint64_t a, uint64_t b, int64_t* R, int64_t* g_out) {
  const Val va = decode(f, a), vb = decode(f, b);
  if (va.kind == Val::NaN || vb.kind == Val::NaN) return {f.nan(), 0};
  if (va.kind == Val::Zero) return {b, 0};
  if (vb.kind == Val::Zero) return {a, 0};
  const bool b_big = vb.L > va.L;  // equal L: a
  const Val& big = b_big ? vb : va;
  const Val& small = b_big ? va : vb;
  const int64_t d = big.L - small.L;
  const bool sub = va.neg != vb.neg;
  if (d == 0 && sub) return {f.zero(), 0};
  const int64_t g = lut ? lut->g(d, sub) : mitchell_g(f.F, d, sub);
  const int64_t r = big.L + g;
  if (R) *R = r;
  if (g_out) *g_out = g;
  if (r > f.lmax()) return {encode(f, big.neg, f.lmax()), static_cast<uint8_t>(OF | NX)};
  if (r < -f.lmax()) return {f.zero(), static_cast<uint8_t>(UF | NX)};
  return {encode(f, big.neg, r), 0};
}

// ---- lnsmac (LNS-Madam) --------------------------------------------------------------------------------

Acc acc(const std::string& name) {
  int W = 0, P = 0;
  char tail = 0;
  if (std::sscanf(name.c_str(), "int%d%c", &W, &tail) == 1 && W >= 2 && W <= 64) return Acc{W, 0};
  if (std::sscanf(name.c_str(), "fx%d_%d%c", &W, &P, &tail) == 2 && W >= 2 && W <= 64 && P >= 0 && P <= 126)
    return Acc{W, P};
  die("not a fixed-point format: " + name);
}

std::vector<int64_t> madam_c(int H, int CB) {
  if (H < 0 || H > 20 || CB < 1 || CB > 24) die("madam_c: bad H or CB");
  std::vector<int64_t> c(size_t{1} << H);
  Scratch& s = scratch();
  for (size_t j = 0; j < c.size(); ++j) {
    mpfr_set_ui(s.x, static_cast<unsigned long>(j), MPFR_RNDN);
    mpfr_div_2ui(s.x, s.x, static_cast<unsigned long>(H), MPFR_RNDN);  // exact
    mpfr_exp2(s.v, s.x, MPFR_RNDN);
    mpfr_mul_2ui(s.v, s.v, static_cast<unsigned long>(CB), MPFR_RNDN);  // exact
    c[j] = nearest_of_v("madam_c");
  }
  return c;
}

Madam::Madam(const Lns& f, const Acc& acc, int K, int H, int CB) : f_(f), acc_(acc), K_(K), H_(H < 0 ? f.F : H), CB_(CB) {
  if (K < 1) die("madam: K < 1");
  if (H_ > f.F) die("madam: H > F");
  C_ = madam_c(H_, CB);
  // |V| < K 2^(F+1) 2^(2 QB) 2^(CB+1): keep it inside i128.
  int kb = 0;
  while ((int64_t{1} << kb) < K) ++kb;
  if (kb + f.F + 2 * f.qb() + CB + 3 > 126) die("madam: V could exceed 126 bits for this oracle");
}

i128 Madam::v(const uint64_t* a, const uint64_t* b) const {
  const int F = f_.F, H = H_, QB = f_.qb();
  std::vector<u128> bin(size_t{2} << H, 0);  // bin[s][j] at s * 2^H + j
  for (int i = 0; i < K_; ++i) {
    const Val va = decode(f_, a[i]), vb = decode(f_, b[i]);
    if (va.kind == Val::NaN || vb.kind == Val::NaN) return 0;
    if (va.kind == Val::Zero || vb.kind == Val::Zero) continue;
    const int64_t e = va.L + vb.L;
    const bool s = va.neg != vb.neg;
    const int64_t q = e >> F;  // floor
    const int64_t r = e - q * (int64_t{1} << F);
    if (r < 0 || r >= (int64_t{1} << F) || q + QB < 0) die("madam: q, r out of range");
    const int64_t rh = r >> (F - H), rl = r & ((int64_t{1} << (F - H)) - 1);
    bin[(s ? size_t{1} << H : 0) + static_cast<size_t>(rh)] += static_cast<u128>((int64_t{1} << F) + rl) << (q + QB);
  }
  i128 V = 0;
  for (size_t j = 0; j < C_.size(); ++j)
    V += (static_cast<i128>(bin[j]) - static_cast<i128>(bin[C_.size() + j])) * C_[j];
  return V;
}

Result Madam::eval(const uint64_t* a, const uint64_t* b, uint64_t c) const {
  for (int i = 0; i < K_; ++i)
    if (decode(f_, a[i]).kind == Val::NaN || decode(f_, b[i]).kind == Val::NaN) return {0, NV};
  const i128 V = v(a, b);
  const int sh = shift();
  u128 X;
  if (acc_.P >= sh) {
    const int s = acc_.P - sh;
    X = s >= 128 ? 0 : static_cast<u128>(V) << s;  // only the low W <= 64 bits matter
  } else {
    const int s = sh - acc_.P;
    X = static_cast<u128>(s >= 127 ? (V < 0 ? i128{-1} : i128{0}) : V >> s);  // floor
  }
  const u128 y = static_cast<u128>(c) + X;
  return {static_cast<uint64_t>(y) & acc_.mask(), 0};
}

// ---- self check ----------------------------------------------------------------------------------------

std::string self_check() {
  std::ostringstream err;
  auto want = [&](const char* what, long long got, long long exp) {
    if (got != exp && err.tellp() == 0) err << what << ": got " << got << ", want " << exp;
  };
  const Lns l83 = lns("lns8_3"), l1610 = lns("lns16_10"), l80 = lns("lns8_0");
  want("lns8_3 DB", l83.db(), 6);
  want("lns16_10 DB", l1610.db(), 14);
  want("lns8_0 DB", l80.db(), 1);
  want("lns8_3 QB", l83.qb(), 16);
  want("lns16_10 QB", l1610.qb(), 32);

  // C for lns8_3 (H = 3), CB = 8: the spec's table; H = 2: 2^(j/4) 256 = 256, 304.44, 362.04, 430.54.
  const std::vector<int64_t> c3 = madam_c(3, 8), c2 = madam_c(2, 8);
  const int64_t c3w[] = {256, 279, 304, 332, 362, 395, 431, 470}, c2w[] = {256, 304, 362, 431};
  for (int j = 0; j < 8; ++j) want("C[j] H=3 CB=8", c3[j], c3w[j]);
  for (int j = 0; j < 4; ++j) want("C[j] H=2 CB=8", c2[j], c2w[j]);
  want("C[0] H=0 CB=12", madam_c(0, 12)[0], 4096);

  // lut, lns8_3, T = 6 (S = 0): Gadd[0] = 2^7 = 128; Gadd[8] = 128 log2 1.5 = 74.875 -> 75;
  // Gadd[16] = 128 log2 1.25 = 41.207 -> 41; Gsub[0] (d = 1) = 128 log2(1 - 2^-1/8) = -459.62 -> -460;
  // Gsub[8] = 128 log2 0.5 = -128 exactly.
  {
    const Lut t6(l83, 6);
    want("Gadd[0]", t6.gadd(0), 128);
    want("Gadd[8]", t6.gadd(8), 75);
    want("Gadd[16]", t6.gadd(16), 41);
    want("Gsub[0]", t6.gsub(0), -460);
    want("Gsub[1]", t6.gsub(1), -460);
    want("Gsub[8]", t6.gsub(8), -128);
    want("Gadd[64] (one past)", t6.gadd(64), 0);
    want("lut6 g(0, add) = one", t6.g(0, false), 8);            // (128 + 8) >> 4
    want("lut6 g(8, add)", t6.g(8, false), 5);                  // (75 + 8) >> 4 = 5 (real 4.68)
    want("lut6 g(1, sub)", t6.g(1, true), -29);                 // (-460 + 8) >> 4 = floor(-28.25)
    want("lut6 g(64, add)", t6.g(64, false), 0);                // d >= 2^DB
  }
  // lut, lns8_3, T = 3 (S = 3): Gadd[1] = 75 (d = 8), Gadd[2] = 41 (d = 16), Gsub[0] = -460 (d = 1),
  // Gsub[1] = -128 (d = 8).
  //   d = 12 add: i = 1, t = 4: v = 75 + floor(-34 * 4 / 8) = 58, g = (58 + 8) >> 4 = 4  (real 3.49)
  //   d = 13 add: t = 5: v = 75 + floor(-170 / 8) = 75 - 22 = 53, g = 61 >> 4 = 3
  //   d = 3 sub: i = 0, t = 3: v = -460 + floor(332 * 3 / 8) = -460 + 124 = -336, g = (-328) >> 4 = -21
  {
    const Lut t3(l83, 3);
    want("lut3 Gadd[1]", t3.gadd(1), 75);
    want("lut3 Gsub[1]", t3.gsub(1), -128);
    want("lut3 g(12, add)", t3.g(12, false), 4);
    want("lut3 g(13, add)", t3.g(13, false), 3);
    want("lut3 g(3, sub)", t3.g(3, true), -21);
    want("lut3 g(0, add)", t3.g(0, false), 8);
  }
  // lns8_0, T = 1 = DB: Gadd = {16, round(16 log2 1.5) = 9}, Gsub = {-16, -16}.
  {
    const Lut t1(l80, 1);
    want("lns8_0 Gadd[1]", t1.gadd(1), 9);
    want("lns8_0 Gsub[0]", t1.gsub(0), -16);
    want("lns8_0 g(1, add)", t1.g(1, false), 1);  // (9 + 8) >> 4
    want("lns8_0 g(1, sub)", t1.g(1, true), -1);
  }
  // mitchell, F = 3:
  //   add d = 1: n = 0, f = 1: (16 - 1 + 1) >> 1 = 8          d = 8: n = 1, f = 0: (16 + 2) >> 2 = 4
  //   add d = 13: (16 - 5 + 2) >> 2 = 3                       d = 24: (16 + 8) >> 4 = 1
  //   add d = 31: n = 3, f = 7: (16 - 7 + 8) >> 4 = 1         d = 39: n = 4: (16 - 7 + 16) >> 5 = 0; d = 40: n = 5 = F+2: 0
  //   sub d = 1: Q = 4, Z = 16 - 15 = 1, k = 0: g = -4 * 8 = -32
  //   sub d = 5: Q = 4, Z = 5, k = 2: g = -2 * 8 + ((1 * 8 + 2) >> 2) = -16 + 2 = -14
  //   sub d = 8: Q = 5, Z = 16, k = 4: g = -8 + ((0 + 8) >> 4) = -8
  //   sub d = 12: Q = 5, Z = 20, k = 4: g = -8 + ((4 * 8 + 8) >> 4) = -8 + 2 = -6
  //   sub d = 47: n = 5, Q = 9, Z = 512 - 9 = 503, k = 8: g = -8 + ((247 * 8 + 128) >> 8) = -8 + 8 = 0
  //   sub d = 48: n = 6 = F+3: 0
  const int64_t madd[][2] = {{0, 8}, {1, 8}, {8, 4}, {13, 3}, {24, 1}, {31, 1}, {39, 0}, {40, 0}};
  const int64_t msub[][2] = {{1, -32}, {5, -14}, {8, -8}, {12, -6}, {47, 0}, {48, 0}};
  for (auto& m : madd) want("mitchell add F=3", mitchell_g(3, m[0], false), m[1]);
  for (auto& m : msub) want("mitchell sub F=3", mitchell_g(3, m[0], true), m[1]);
  // F = 0: add d = 1: (2 + 2) >> 2 = 1; sub d = 1: Q = 2, Z = 2, k = 1: -1 + (1 >> 1) = -1;
  // sub d = 2: Q = 3, Z = 6, k = 2: -1 + ((2 + 2) >> 2) = 0.
  want("mitchell add F=0 d=1", mitchell_g(0, 1, false), 1);
  want("mitchell sub F=0 d=1", mitchell_g(0, 1, true), -1);
  want("mitchell sub F=0 d=2", mitchell_g(0, 2, true), 0);

  // lnsadd codes, lns8_3, lut T = 6.
  {
    const Lut t6(l83, 6);
    auto res = [&](uint64_t a, uint64_t b) { return lnsadd(l83, &t6, a, b); };
    want("2 + 2 = 4", res(0x08, 0x08).bits, 0x10);
    want("2 + 2 flags", res(0x08, 0x08).flags, 0);
    want("max + max saturates", res(0x3F, 0x3F).bits, 0x3F);
    want("max + max flags", res(0x3F, 0x3F).flags, OF | NX);
    // 2^(-63/8) - 2^(-62/8): d = 1, big = b (negative), g = -29, R = -91: zero, UF NX.
    want("tiny difference", res(0x41, 0xC2).bits, 0x40);
    want("tiny difference flags", res(0x41, 0xC2).flags, UF | NX);
    want("NaN", res(0xC0, 0x08).bits, 0xC0);
    want("zero + x", res(0x40, 0x85).bits, 0x85);
    want("x + -x", res(0x05, 0x85).bits, 0x40);
    // 1 - 2: big = b = -2 (L = 8), d = 8, g = -8 exactly -> -1 = 0x80.
    want("1 - 2", res(0x00, 0x88).bits, 0x80);
  }
  // Mitchell 1 - 2^(5/8): d = 5, big = -2^(5/8) (L = 5), g = -14: L = -9 = 0x77, negative: 0xF7.
  want("mitchell 1 - 2^(5/8)", lnsadd(l83, nullptr, 0x00, 0x85).bits, 0xF7);

  // lnsmac lns8_3, K = 1: 2 * 2^(13/8): e = 21, q = 2, r = 5. H = 3: bin[0][5] = 8 << 18, V = 395 * 8 << 18,
  // value V 2^-27 = 6.1719 (2^(21/8) = 6.1688); fx48_16: X = V >> 11 = 395 << 10 = 404480.
  // H = 2: rh = 2, rl = 1: (9 << 18) * 362 -> X = 3258 << 7 = 417024. H = 0: (13 << 18) * 256 -> 425984.
  {
    const Acc a48 = acc("fx48_16");
    const uint64_t a[] = {0x08}, b[] = {0x0D}, an[] = {0x88}, nan[] = {0xC0}, mn[] = {0x41}, mnn[] = {0xC1};
    want("madam H=3", Madam(l83, a48, 1, -1, 8).eval(a, b, 0).bits, 404480);
    want("madam H=2", Madam(l83, a48, 1, 2, 8).eval(a, b, 0).bits, 417024);
    want("madam H=0", Madam(l83, a48, 1, 0, 8).eval(a, b, 0).bits, 425984);
    want("madam + c", Madam(l83, a48, 1, 3, 8).eval(a, b, 5).bits, 404485);
    want("madam negative", Madam(l83, a48, 1, -1, 8).eval(an, b, 0).bits,
         static_cast<long long>((uint64_t{1} << 48) - 404480));
    want("madam NaN", Madam(l83, a48, 1, -1, 8).eval(nan, b, 77).bits, 0);
    want("madam NaN flags", Madam(l83, a48, 1, -1, 8).eval(nan, b, 77).flags, NV);
    // The smallest product: e = -126, q = -16, r = 2, q + QB = 0: bin[0][2] = 8, V = 8 * 304 = 2432;
    // fx48_16: X = 2432 >> 11 = 1; negative: floor(-2432 / 2048) = -2; fx64_40: X = 2432 << 13.
    want("madam min", Madam(l83, a48, 1, -1, 8).eval(mn, mn, 0).bits, 1);
    want("madam -min", Madam(l83, a48, 1, -1, 8).eval(mnn, mn, 0).bits, static_cast<long long>((uint64_t{1} << 48) - 2));
    want("madam min fx64_40", Madam(l83, acc("fx64_40"), 1, -1, 8).eval(mn, mn, 0).bits, 2432LL << 13);
  }
  // phi: 2^F log2(1 + 2^-1) for F = 3 is 4.6797; rounded 2^F log2(1 - 2^-1) = -8; d = 0 add: one.
  if (std::fabs(phi(3, 8, false) - 4.679700005769249) > 1e-12 && err.tellp() == 0) err << "phi(3, 8, add)";
  want("phi_rounded(3, 8, sub)", phi_rounded(3, 8, true), -8);
  want("phi_rounded(10, 0, add)", phi_rounded(10, 0, false), 1024);
  return err.str();
}

}  // namespace lnsa
