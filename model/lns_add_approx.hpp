// lnsadd's hardware approximations of the Gaussian logarithm g(d) = log2(1 +- 2^(-d / 2^F)) (README
// "Logarithmic number formats"): the result log is the larger operand's log plus an integer g computed
//   lut:      from a table of 2^T entries per sign (T = --lut-bits; auto: 8, or DB when it is less), indexed by the top T of the DB = F + ceil(log2(F + 2))
//             bits of d (beyond them g rounds to 0), linearly interpolated, with GF guard bits;
//   mitchell: from Mitchell's antilog 2^-x ~ (2 - frac) / 2^(int+1) and log2(1 + y) ~ y (a leading-one
//             detect and the same rule for subtraction).
// Integer algorithms the RTL repeats bit for bit; no rounding mode. Saturation (OF NX) and underflow to
// zero (UF NX) as in the exact sum; the approximation error itself raises no flag.
#pragma once

#include <cstdint>
#include <vector>

#include "codec.hpp"
#include "format.hpp"

namespace fmalab {

struct LnsLut {
  static constexpr int kGuard = 4;  // GF: fraction bits of the entries below the format's
  int index_bits = 0;               // DB: d at or beyond 2^DB leaves the larger operand as the sum
  int t = 0;                        // T: 2^T entries per table, step 2^(DB - T)
  std::vector<int64_t> add, sub;    // g at d_i = i 2^(DB - T), scaled by 2^(F + GF) (sub[0] at d = 1)
};

int lns_lut_index_bits(const Format& f);  // DB
LnsLut lns_lut(const Format& f, int t);   // 1 <= t <= DB

Encoded lns_add_lut(const Format& f, const LnsLut& lut, uint64_t a, uint64_t b);
Encoded lns_add_mitchell(const Format& f, uint64_t a, uint64_t b);

}  // namespace fmalab
