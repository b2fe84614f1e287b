// cvt:SRC:DST against the MPFR oracle: every code of every 4-, 6-, 8- and 16-bit source into every
// destination in all rounding modes and both saturation settings; fp32 by corner classes and random values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <tuple>

#include "model/codec.hpp"
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
    const Encoded got = convert(src_, dst_, code, EncodeOptions{static_cast<Round>(mode), sat, RandomBits{rnd, rw}});
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

}  // namespace
}  // namespace fmalab
