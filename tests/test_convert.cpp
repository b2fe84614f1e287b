// cvt:SRC:DST against the MPFR oracle: every code of every 4-, 6-, 8- and 16-bit source into every
// destination in all rounding modes and both saturation settings; fp32 by corner classes and random values;
// the widest formats the parser takes (64-bit floats, int64, fx64_F) by corner codes and random codes.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <deque>
#include <tuple>

#include "model/codec.hpp"
#include "model/operation.hpp"
#include "oracle/oracle.hpp"
#include "test_support.hpp"

namespace fmalab {
namespace {

const std::vector<std::string> kSmallSources = {"e2m1", "e3m2", "e2m3", "e5m2", "e4m3", "e4m3fnuz", "e5m2fnuz",
                                                "e8m0", "int8", "e3m4", "e4m3fn", "e3m4fnuz", "fx16_8", "fp16", "bf16"};
const std::vector<std::string> kDestinations = {"fp32", "fp16", "bf16", "e5m2", "e4m3", "e4m3fnuz", "e5m2fnuz",
                                                "e3m2", "e2m3", "e2m1", "e8m0", "int8", "int32", "fx48_18",
                                                "e3m4", "e6m1", "e5m2fn", "fx16_8"};
constexpr int kSrWidth = 8;

// Compares one conversion; counts and prints the first few mismatches.
class Checker {
 public:
  Checker(const std::string& src, const std::string& dst)
      : src_(*parse_format(src)), dst_(*parse_format(dst)), osrc_(oracle::fmt(src)), oracle_(oracle::fmt(dst)) {}

  void check(uint64_t code, int mode, bool sat, uint32_t rnd = 0) {
    oracle::Oracle::decode(osrc_, code, x_);
    const int rw = mode == oracle::SR ? kSrWidth : 0;
    oracle::Expect want = oracle_.round(x_, mode, sat, rnd, rw);
    if (x_.kind == oracle::Real::NaN && x_.signaling) want.flags |= oracle::NV;
    const Encoded got = convert(src_, dst_, code, Options{.mode = static_cast<Round>(mode), .saturate = sat},
                                RandomBits{rnd, rw});
    ++checked_;
    if (got.bits == want.bits && got.flags == want.flags) return;
    if (++failed_ <= 8)
      ADD_FAILURE() << src_.name << "->" << dst_.name << " in=" << test::hexs(code) << " mode=" << mode
                    << " sat=" << sat << " rnd=" << rnd << ": model " << test::hexs(got.bits) << "/"
                    << test::hexs(got.flags) << ", oracle " << test::hexs(want.bits) << "/"
                    << test::hexs(want.flags);
  }
  ~Checker() {
    EXPECT_EQ(failed_, 0u) << "of " << checked_ << " conversions";
    std::printf("[ checked  ] %llu conversions\n", static_cast<unsigned long long>(checked_));
  }

 private:
  Format src_, dst_;
  oracle::Fmt osrc_;
  oracle::Oracle oracle_;
  oracle::Real x_;
  uint64_t checked_ = 0, failed_ = 0;
};

class Exhaustive : public testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(Exhaustive, EveryCodeEveryModeBothSaturations) {
  const auto& [src, dst] = GetParam();
  Checker c(src, dst);
  const int bits = parse_format(src)->bits;
  std::mt19937_64 rng(test::seed_for("sr " + src + "->" + dst, 0x5eed0001));
  for (uint64_t code = 0; code < (uint64_t{1} << bits); ++code) {
    for (int mode = 0; mode <= 4; ++mode)
      for (bool sat : {false, true}) c.check(code, mode, sat);
    // Stochastic rounding: both extremes of the random word and two draws.
    for (uint32_t r : {0u, (1u << kSrWidth) - 1, uint32_t(rng() & 0xff), uint32_t(rng() & 0xff)})
      c.check(code, oracle::SR, (r & 1) != 0, r);
  }
}

std::string pair_name(const testing::TestParamInfo<std::tuple<std::string, std::string>>& p) {
  return std::get<0>(p.param) + "_to_" + std::get<1>(p.param);
}

INSTANTIATE_TEST_SUITE_P(Convert, Exhaustive,
                         testing::Combine(testing::ValuesIn(kSmallSources), testing::ValuesIn(kDestinations)),
                         pair_name);

// fp32 sources: corner classes around every destination code, then random values.
class Fp32Source : public testing::TestWithParam<std::string> {};

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

std::vector<uint32_t> fp32_corners(const std::string& dst) {
  std::vector<uint32_t> v = {0x00000000, 0x00000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0x7f800000,
                             0x7fc00000, 0x7f800001, 0x7fbfffff, 0x3f800000, 0x3f800001, 0x3f7fffff};
  const oracle::Fmt of = oracle::fmt(dst);
  std::vector<double> values;
  oracle::Real r;
  if (!of.fixed && of.bits <= 16) {
    const uint64_t mags = uint64_t{1} << (of.bits - (of.is_signed ? 1 : 0));
    for (uint64_t c = 0; c < mags; ++c) {
      oracle::Oracle::decode(of, c, r);
      if (r.kind == oracle::Real::Finite) values.push_back(mpfr_get_d(r.v, MPFR_RNDN));
    }
  } else if (of.fixed) {
    for (int k = -3; k <= 3; ++k) {
      values.push_back(std::ldexp(1.0, of.bits - 1 - of.frac) + k * std::ldexp(1.0, -of.frac));
      values.push_back(std::ldexp(k + 4, -of.frac));
    }
  }
  std::sort(values.begin(), values.end());
  for (size_t i = 0; i < values.size(); ++i) {
    const double hi = i + 1 < values.size() ? values[i + 1] : 2 * values[i] - (i ? values[i - 1] : 0);
    for (double x : {values[i], (values[i] + hi) / 2, hi + (hi - values[i]), 2 * hi}) {
      const float f = static_cast<float>(x);
      if (static_cast<double>(f) != x) continue;  // only values fp32 holds exactly
      for (float g : {f, std::nextafter(f, 0.0f), std::nextafter(f, INFINITY)}) v.push_back(bits_of(g));
    }
  }
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i) v.push_back(v[i] ^ 0x80000000u);
  return v;
}

TEST_P(Fp32Source, CornerClasses) {
  const std::string dst = GetParam();
  Checker c("fp32", dst);
  for (uint32_t code : fp32_corners(dst))
    for (int mode = 0; mode <= 4; ++mode)
      for (bool sat : {false, true}) c.check(code, mode, sat);
}

TEST_P(Fp32Source, MillionRandomValues) {
  const std::string dst = GetParam();
  Checker c("fp32", dst);
  std::mt19937_64 rng(test::seed_for("fp32->" + dst, 0x5eed0002));
  const oracle::Fmt of = oracle::fmt(dst);
  // Three of four values get an exponent near the destination's range, where rounding decides most.
  const int centre = of.fixed ? of.bits / 2 - of.frac : 0;
  const int span = of.fixed ? of.bits / 2 + 4 : (1 << (of.ebits - 1)) + of.mbits + 4;
  for (int i = 0; i < 1000000; ++i) {
    uint64_t r = rng();
    uint32_t code = static_cast<uint32_t>(r);
    if ((r >> 32) % 4 != 0) {
      const int e = centre + static_cast<int>((r >> 34) % (2 * span + 1)) - span;
      code = (code & 0x807fffffu) | static_cast<uint32_t>(std::clamp(e + 127, 0, 255)) << 23;
    }
    const int mode = static_cast<int>((r >> 40) % 6);
    c.check(code, mode, ((r >> 48) & 1) != 0, static_cast<uint32_t>(r >> 56));
    if (mode != oracle::SR) c.check(code, (mode + 1) % 5, ((r >> 49) & 1) != 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Convert, Fp32Source, testing::ValuesIn(kDestinations));

// --- the widest formats the parser accepts: 64-bit floats, int64, fx64_0 and fx64_126 -----------

using WidePair = std::tuple<std::string, std::string>;

const std::vector<WidePair> kWidePairs = {
    {"fp32", "e2m61"},      {"fp32", "e1m62fn"},     {"fp32", "e11m52"},   {"e11m52", "fp32"},
    {"e2m61", "fp16"},      {"int64", "fp32"},       {"fp32", "int64"},    {"fp32", "fx64_126"},
    {"fp32", "fx64_0"},     {"e1m62fn", "e5m2"},     {"int64", "e11m52"},  {"e8m55", "e2m61"},
    {"e11m52fnuz", "fp16"}, {"e11m52", "fx64_126"},  {"e11m52", "int64"},  {"fx64_126", "e11m52"},
    {"e2m61", "e1m62fn"},   {"e1m62fn", "e11m52"},   {"int64", "e1m62fn"}, {"e11m52", "e8m55"},
};

uint64_t low_mask(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

// The code of -x in a fixed-point format (two's complement), or x with its sign bit flipped in a float.
uint64_t negated(const oracle::Fmt& f, uint64_t code) {
  if (f.fixed) return (~code + 1) & low_mask(f.bits);
  return f.is_signed ? code ^ (uint64_t{1} << (f.bits - 1)) : code;
}

// Values where a conversion into dst changes behaviour: its overflow threshold (max finite, the
// midpoint above it, one ulp above), its underflow threshold (smallest subnormal, half and one and a
// half of it, the smallest normal and just under it), and 1.
void dst_thresholds(const oracle::Fmt& d, std::deque<oracle::Real>& out) {
  auto add = [&](auto&& set) { set(out.emplace_back().v); };
  auto pow2 = [](mpfr_t v, long e) {
    mpfr_set_ui(v, 1, MPFR_RNDN);
    mpfr_mul_2si(v, v, e, MPFR_RNDN);
  };
  if (d.fixed) {
    const long top = d.bits - 1 - d.frac, ulp = -d.frac;  // |min| = 2^top, max = 2^top - 2^ulp
    for (double k : {-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0})
      add([&](mpfr_t v) {
        pow2(v, ulp);
        mpfr_mul_d(v, v, k, MPFR_RNDN);
        mpfr_t t;
        mpfr_init2(t, 1024);
        pow2(t, top);
        mpfr_add(v, v, t, MPFR_RNDN);
        mpfr_clear(t);
      });
    for (double k : {0.25, 0.5, 1.0, 1.5, 2.5})
      add([&](mpfr_t v) {
        pow2(v, ulp);
        mpfr_mul_d(v, v, k, MPFR_RNDN);
      });
    return;
  }
  oracle::Oracle od(d);
  oracle::Real max;
  oracle::Oracle::decode(d, od.max_mag_code(), max);
  const long emax = mpfr_get_exp(max.v) - 1, ulp = emax - d.mbits;
  for (double k : {-1.0, -0.5, 0.0, 0.5, 1.0, 2.0})
    add([&](mpfr_t v) {
      pow2(v, ulp);
      mpfr_mul_d(v, v, k, MPFR_RNDN);
      mpfr_add(v, v, max.v, MPFR_RNDN);
    });
  add([&](mpfr_t v) { mpfr_mul_2si(v, max.v, 1, MPFR_RNDN); });
  const long emin = d.subnormals ? 1 - d.bias : -d.bias, tiny = d.subnormals ? emin - d.mbits : emin;
  for (double k : {0.25, 0.5, 0.75, 1.0, 1.5, 2.5})
    add([&](mpfr_t v) {
      pow2(v, tiny);
      mpfr_mul_d(v, v, k, MPFR_RNDN);
    });
  for (double k : {-0.5, 0.0})  // the smallest normal, and half a subnormal step below it
    add([&](mpfr_t v) {
      pow2(v, emin - d.mbits);
      mpfr_mul_d(v, v, k, MPFR_RNDN);
      mpfr_t t;
      mpfr_init2(t, 1024);
      pow2(t, emin);
      mpfr_add(v, v, t, MPFR_RNDN);
      mpfr_clear(t);
    });
  add([&](mpfr_t v) { mpfr_set_ui(v, 1, MPFR_RNDN); });
}

// Source codes for a wide conversion: every exponent field with the edge significands (floats) or
// every power of two and its neighbours (fixed point), the source codes on both sides of each of the
// destination's thresholds and two codes either side of those, the reproducers, both signs.
std::vector<uint64_t> wide_corners(const std::string& src, const std::string& dst) {
  const oracle::Fmt s = oracle::fmt(src), d = oracle::fmt(dst);
  const uint64_t mask = low_mask(s.bits);
  std::vector<uint64_t> v;
  if (s.fixed) {
    v = {0, 1, mask, mask >> 1, (mask >> 1) + 1, (mask >> 1) - 1, (mask >> 1) + 2};
    for (int k = 0; k < s.bits; ++k) {
      const uint64_t p = uint64_t{1} << k;
      for (uint64_t x : {p, p - 1, p + 1, p | (p >> 1), p | (p >> 1) | 1}) v.push_back(x & mask);
    }
  } else {
    const uint64_t mones = low_mask(s.mbits), half = s.mbits ? uint64_t{1} << (s.mbits - 1) : 0;
    for (uint64_t e = 0; e < (uint64_t{1} << s.ebits); ++e)
      for (uint64_t m : {uint64_t{0}, uint64_t{1}, uint64_t{2}, half, half + 1, half - 1, mones - 1, mones})
        v.push_back((e << s.mbits | (m & mones)) & mask);
  }
  std::deque<oracle::Real> values;
  dst_thresholds(d, values);
  oracle::Oracle into_src(s);
  for (const oracle::Real& x : values)
    for (int mode : {oracle::RTZ, oracle::RUP}) {
      const uint64_t c = into_src.round(x, mode, true).bits;
      for (uint64_t k : {0, 1, 2}) {
        v.push_back((c + k) & mask);
        v.push_back((c - k) & mask);
      }
    }
  if (src == "fp32") v.insert(v.end(), {0x41000000, 0x40800000, 0x40000000, 0x3f800000});
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i) v.push_back(negated(s, v[i]));
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

class WideConvert : public testing::TestWithParam<WidePair> {};

TEST_P(WideConvert, CornerCodesAllModesBothSaturations) {
  const auto& [src, dst] = GetParam();
  Checker c(src, dst);
  const auto codes = wide_corners(src, dst);
  std::printf("[ corners  ] %zu source codes\n", codes.size());
  for (uint64_t code : codes)
    for (int mode = 0; mode <= 4; ++mode)
      for (bool sat : {false, true}) c.check(code, mode, sat);
}

TEST_P(WideConvert, MillionRandomCodes) {
  const auto& [src, dst] = GetParam();
  Checker c(src, dst);
  std::mt19937_64 rng(test::seed_for("cvt:" + src + ":" + dst, 0x5eed0064));
  const oracle::Fmt s = oracle::fmt(src), d = oracle::fmt(dst);
  const uint64_t mask = low_mask(s.bits);
  // Three of four float codes get an exponent near the destination's range, where rounding,
  // overflow and underflow are decided; fixed-point codes get magnitudes of every size.
  long lo, hi;
  if (d.fixed) {
    lo = -d.frac - 4;
    hi = d.bits - d.frac + 3;
  } else {
    lo = (d.subnormals ? 1 - d.bias : -d.bias) - d.mbits - 4;
    hi = (1L << d.ebits) - 1 - d.bias + 4;
  }
  const long count = 1000000 * test::random_scale();
  for (long i = 0; i < count; ++i) {
    const uint64_t r = rng(), r2 = rng();
    uint64_t code = r & mask;
    if (r2 % 4 != 0) {
      if (s.fixed) {
        code = (code >> ((r2 >> 2) % 64)) & mask;
        if ((r2 >> 8) & 1) code = negated(s, code);
      } else {
        const long e = lo + static_cast<long>((r2 >> 2) % static_cast<uint64_t>(hi - lo + 1));
        const uint64_t field = static_cast<uint64_t>(std::clamp(e + s.bias, 0L, (1L << s.ebits) - 1));
        code = (code & ~(low_mask(s.ebits) << s.mbits)) | field << s.mbits;
      }
    }
    const int mode = static_cast<int>((r2 >> 16) % 6);  // RNE RTZ RDN RUP RMM and SR
    c.check(code, mode, ((r2 >> 24) & 1) != 0, static_cast<uint32_t>(r2 >> 32) & 0xff);
  }
}

std::string wide_name(const testing::TestParamInfo<WidePair>& p) {
  return std::get<0>(p.param) + "_to_" + std::get<1>(p.param);
}

INSTANTIATE_TEST_SUITE_P(Convert, WideConvert, testing::ValuesIn(kWidePairs), wide_name);

// The oracle's own 64-bit path against the host's binary64/binary32 conversions (round to nearest
// even), so the wide checks above do not rest on the oracle alone.
TEST(WideConvertOracle, MatchesHostDoubleAndFloat) {
  std::mt19937_64 rng(test::seed_for("oracle vs host", 0x5eed0065));
  const oracle::Fmt i64 = oracle::fmt("int64"), f64 = oracle::fmt("e11m52"), f32 = oracle::fmt("fp32");
  oracle::Oracle to64(f64), to32(f32), toi64(i64);
  oracle::Real x;
  long bad = 0;
  auto expect = [&](uint64_t oracle_bits, uint64_t host_bits, const char* what, uint64_t in) {
    if (oracle_bits != host_bits && ++bad <= 8)
      ADD_FAILURE() << what << " " << test::hexs(in) << ": oracle " << test::hexs(oracle_bits) << ", host "
                    << test::hexs(host_bits);
  };
  for (int i = 0; i < 200000; ++i) {
    const uint64_t r = rng();
    const uint64_t v = (r >> (rng() % 64)) >> 1;
    const int64_t iv = (r & 1) ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    oracle::Oracle::decode(i64, static_cast<uint64_t>(iv), x);
    expect(to64.round(x, oracle::RNE, false).bits, std::bit_cast<uint64_t>(static_cast<double>(iv)), "int64->double",
           static_cast<uint64_t>(iv));
    const double d = std::bit_cast<double>(r);  // every double, NaNs aside
    if (std::isnan(d)) continue;
    oracle::Oracle::decode(f64, r, x);
    expect(to32.round(x, oracle::RNE, false).bits, bits_of(static_cast<float>(d)), "double->float", r);
    if (std::abs(d) < 0x1p63)
      expect(toi64.round(x, oracle::RTZ, false).bits, static_cast<uint64_t>(static_cast<int64_t>(d)), "double->int64", r);
  }
  EXPECT_EQ(bad, 0);
}

// The campaign's reproducers, through the unit the CLI runs (fmalab eval cvt:SRC:DST).
void expect_cvt(const std::string& unit_name, uint64_t in, Round mode, uint64_t bits, uint8_t flags) {
  std::string err;
  Options o;
  o.mode = mode;
  const auto unit = make_operation(unit_name, o, &err);
  ASSERT_TRUE(unit) << err;
  uint64_t y = 0;
  const uint8_t f = unit->eval(std::span(&in, 1), std::span(&y, 1));
  const Encoded got{y, f};
  EXPECT_EQ(got.bits, bits) << unit_name << " in=" << test::hexs(in) << ": model " << test::hexs(got.bits) << "/"
                            << test::hexs(got.flags) << ", want " << test::hexs(bits) << "/" << test::hexs(flags);
  EXPECT_EQ(got.flags, flags) << unit_name << " in=" << test::hexs(in);
  // And the oracle agrees with the expectation written here.
  const size_t a = unit_name.find(':'), b = unit_name.rfind(':');
  oracle::Real x;
  oracle::Oracle::decode(oracle::fmt(unit_name.substr(a + 1, b - a - 1)), in, x);
  oracle::Oracle od(oracle::fmt(unit_name.substr(b + 1)));
  const oracle::Expect want = od.round(x, static_cast<int>(mode), false);
  EXPECT_EQ(want.bits, bits);
  EXPECT_EQ(want.flags, flags);
}

TEST(WideConvertReproducer, Fp32EightToE2m61OverflowsToInf) {
  expect_cvt("cvt:fp32:e2m61", 0x41000000, Round::RNE, 0x6000000000000000, oracle::OF | oracle::NX);
  expect_cvt("cvt:fp32:e2m61", 0xc1000000, Round::RNE, 0xe000000000000000, oracle::OF | oracle::NX);
  expect_cvt("cvt:fp32:e2m61", 0x41000000, Round::RTZ, 0x5fffffffffffffff, oracle::OF | oracle::NX);
  expect_cvt("cvt:fp32:e2m61", 0x3f800000, Round::RNE, 0x2000000000000000, 0);  // 1.0 exact
}

TEST(WideConvertReproducer, Fp32FourToE1m62fnOverflowsToNaN) {
  expect_cvt("cvt:fp32:e1m62fn", 0x40800000, Round::RNE, 0x7fffffffffffffff, oracle::OF | oracle::NX);
  expect_cvt("cvt:fp32:e1m62fn", 0x40800000, Round::RTZ, 0x7ffffffffffffffe, oracle::OF | oracle::NX);
  expect_cvt("cvt:fp32:e1m62fn", 0x40000000, Round::RNE, 0x4000000000000000, 0);  // 2.0 exact
}

}  // namespace
}  // namespace fmalab
