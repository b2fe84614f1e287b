// The values that flow between format layer and datapath stages.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace fmalab {

// The aligned adder and the fixed-point accumulator need more than 64 bits (a 32-bit input's
// 64-bit product plus its exact window); GCC's 128-bit integers, with the bit helpers that
// <bit> does not offer for them.
using u128 = unsigned __int128;
using i128 = __int128;
inline int bit_width128(u128 x) {
  const auto hi = static_cast<uint64_t>(x >> 64), lo = static_cast<uint64_t>(x);
  return hi ? 128 - std::countl_zero(hi) : 64 - std::countl_zero(lo);
}
inline u128 low_ones128(int n) { return n >= 128 ? ~u128{0} : (u128{1} << n) - 1; }

enum class Class : uint8_t { Zero, Subnormal, Normal, Inf, NaN };

// Exception flags in RISC-V fflags order.
namespace flag {
inline constexpr uint8_t NV = 0x10;
inline constexpr uint8_t DZ = 0x08;
inline constexpr uint8_t OF = 0x04;
inline constexpr uint8_t UF = 0x02;
inline constexpr uint8_t NX = 0x01;
}  // namespace flag

// A decoded operand. value = (-1)^sign * sig * 2^(exp - frac_bits).
// Floats: exp is the unbiased exponent (emin for subnormals), sig carries the hidden bit,
// frac_bits = man_bits. Fixed point: exp = 0, sig = |integer|, frac_bits = F.
struct Decoded {
  bool sign = false;
  Class cls = Class::Zero;
  int32_t exp = 0;
  uint64_t sig = 0;
  int32_t frac_bits = 0;
  bool signaling = false;  // a signaling NaN (IEEE-style formats only)

  int32_t lsb_exp() const { return exp - frac_bits; }
};

// An exact (or sticky-marked) value for encode: (-1)^sign * (sig + s) * 2^lsb_exp,
// where s is 0 if !sticky, else some number strictly between 0 and 1.
// Datapath stages hand their result to encode in this form.
struct Exact {
  bool sign = false;
  Class cls = Class::Zero;  // Zero, Normal (any finite nonzero), Inf or NaN
  int32_t lsb_exp = 0;
  uint64_t sig = 0;
  bool sticky = false;
};

// The decoded value as a double: exact when the significand fits 53 bits and the exponent is in
// binary64's range (every format up to fp32); Inf and NaN as themselves.
inline double to_double(const Decoded& d) {
  if (d.cls == Class::NaN) return std::numeric_limits<double>::quiet_NaN();
  const double m = d.cls == Class::Inf ? std::numeric_limits<double>::infinity()
                                       : std::ldexp(static_cast<double>(d.sig), d.lsb_exp());
  return d.sign ? -m : m;
}

inline Exact exact_of(const Decoded& d) {
  Class c = d.cls == Class::Subnormal ? Class::Normal : d.cls;
  return Exact{d.sign, c, d.lsb_exp(), d.sig, false};
}

}  // namespace fmalab
