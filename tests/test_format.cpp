// Format descriptors against the facts of background.md section 1 (values typed in from the table).
#include <gtest/gtest.h>

#include <cmath>

#include "model/codec.hpp"

namespace fmalab {
namespace {

double value(const Format& f, uint64_t code) {
  const Decoded d = decode(f, code);
  return std::ldexp(static_cast<double>(d.sig), d.lsb_exp()) * (d.sign ? -1 : 1);
}

struct Fact {
  const char* name;
  int bits, bias;
  double max_finite, min_subnormal;
};

TEST(Format, MatchesPublishedTable) {
  const Fact facts[] = {
      {"fp32", 32, 127, 3.4028234663852886e38, std::ldexp(1, -149)},
      {"fp16", 16, 15, 65504, std::ldexp(1, -24)},
      {"bf16", 16, 127, 3.3895313892515355e38, std::ldexp(1, -133)},
      {"e5m2", 8, 15, 57344, std::ldexp(1, -16)},
      {"e4m3", 8, 7, 448, std::ldexp(1, -9)},
      {"e4m3fnuz", 8, 8, 240, std::ldexp(1, -10)},
      {"e5m2fnuz", 8, 16, 57344, std::ldexp(1, -17)},
      {"e3m2", 6, 3, 28, std::ldexp(1, -4)},
      {"e2m3", 6, 1, 7.5, std::ldexp(1, -3)},
      {"e2m1", 4, 1, 6, 0.5},
  };
  for (const Fact& f : facts) {
    SCOPED_TRACE(f.name);
    const auto fmt = parse_format(f.name);
    ASSERT_TRUE(fmt);
    EXPECT_EQ(fmt->bits, f.bits);
    EXPECT_EQ(fmt->bias, f.bias);
    EXPECT_EQ(value(*fmt, fmt->max_finite_code()), f.max_finite);
    EXPECT_EQ(value(*fmt, 1), f.min_subnormal);
  }
}

TEST(Format, SpecialEncodings) {
  const auto e4m3 = *parse_format("e4m3");
  EXPECT_EQ(decode(e4m3, 0x7f).cls, Class::NaN);
  EXPECT_EQ(decode(e4m3, 0xff).cls, Class::NaN);
  EXPECT_EQ(decode(e4m3, 0x7e).cls, Class::Normal);
  EXPECT_EQ(decode(e4m3, 0x80).cls, Class::Zero);
  const auto fnuz = *parse_format("e4m3fnuz");
  EXPECT_EQ(decode(fnuz, 0x80).cls, Class::NaN);
  EXPECT_EQ(decode(fnuz, 0xff).cls, Class::Normal);
  const auto e5m2 = *parse_format("e5m2");
  EXPECT_EQ(decode(e5m2, 0x7c).cls, Class::Inf);
  EXPECT_EQ(decode(e5m2, 0xfc).cls, Class::Inf);
  EXPECT_EQ(decode(e5m2, 0x7d).cls, Class::NaN);
  EXPECT_TRUE(decode(e5m2, 0x7d).signaling);
  EXPECT_FALSE(decode(e5m2, 0x7e).signaling);
  const auto e8m0 = *parse_format("e8m0");
  EXPECT_EQ(decode(e8m0, 0xff).cls, Class::NaN);
  EXPECT_EQ(value(e8m0, 0x00), std::ldexp(1, -127));
  EXPECT_EQ(value(e8m0, 0xfe), std::ldexp(1, 127));
  EXPECT_EQ(value(e8m0, 0x7f), 1.0);
  const auto int8 = *parse_format("int8");
  EXPECT_EQ(value(int8, 0x80), -128);
  EXPECT_EQ(value(int8, 0x7f), 127);
  const auto fx = *parse_format("fx48_18");
  EXPECT_EQ(value(fx, uint64_t{1} << 18), 1.0);
  EXPECT_EQ(value(fx, 0xffffffffffffULL), -std::ldexp(1, -18));
}

TEST(Format, CanonicalNaNs) {
  EXPECT_EQ(parse_format("fp32")->canonical_nan_code(), 0x7fc00000u);
  EXPECT_EQ(parse_format("fp16")->canonical_nan_code(), 0x7e00u);
  EXPECT_EQ(parse_format("bf16")->canonical_nan_code(), 0x7fc0u);
  EXPECT_EQ(parse_format("e5m2")->canonical_nan_code(), 0x7eu);
  EXPECT_EQ(parse_format("e4m3")->canonical_nan_code(), 0x7fu);
  EXPECT_EQ(parse_format("e5m2fnuz")->canonical_nan_code(), 0x80u);
}

TEST(Format, NamesAliasesAndGenerics) {
  EXPECT_EQ(parse_format("e4m3fn")->name, "e4m3");
  EXPECT_EQ(parse_format("E4M3")->name, "e4m3");
  const auto e3m4 = *parse_format("e3m4");
  EXPECT_TRUE(e3m4.has_inf);
  EXPECT_EQ(e3m4.bias, 3);
  EXPECT_EQ(e3m4.nan, NanStyle::Ieee);
  const auto e6m1 = *parse_format("e6m1");
  EXPECT_EQ(e6m1.bits, 8);
  const auto fn = *parse_format("e5m2fn");
  EXPECT_FALSE(fn.has_inf);
  EXPECT_EQ(fn.nan, NanStyle::AllOnes);
  const auto uz = *parse_format("e3m4fnuz");
  EXPECT_EQ(uz.bias, 4);
  EXPECT_EQ(uz.nan, NanStyle::NegZero);
  const auto fx = *parse_format("fx48_18");
  EXPECT_EQ(fx.kind, Kind::Fixed);
  EXPECT_EQ(fx.bits, 48);
  EXPECT_EQ(fx.frac_bits, 18);
  EXPECT_EQ(parse_format("int16")->bits, 16);
  for (const char* bad : {"", "e", "e4", "e4m", "e0m3", "e1m0", "e12m3", "e4m3x", "e4m3fnuzz", "fx1_0", "fx48",
                          "fx48_", "fx65_3", "int1", "int65", "fp8", "m3e4"})
    EXPECT_FALSE(parse_format(bad)) << bad;
}

}  // namespace
}  // namespace fmalab
