// Logarithmic number formats lnsW_F (README "Logarithmic number formats"): a sign bit and a (W-1)-bit
// two's complement log2 magnitude L with F fraction bits, value (-1)^s 2^(L / 2^F). The most negative L
// is reserved: with the sign clear it is the one zero, with the sign set NaN. No Inf, no -0.
// Rounding a real into lnsW_F (every LNS result goes through lns_round_real):
//   |x| below the smallest magnitude m_min: zero or m_min by the mode (nearest: the nearer, a tie to zero
//     under RNE, to m_min under RMM), UF NX;
//   else the neighbours 2^(L0/2^F) <= |x| < 2^((L0+1)/2^F): directed modes pick by direction; RNE and RMM
//     the nearer in log2 (Options::lns_round log, the default) or in value (linear), a tie to the even L
//     (RNE) or away from zero (RMM); NX;
//   beyond the largest magnitude: +-max, OF NX, in every mode (LNS hardware saturates).
#pragma once

#include <cstdint>

#include "codec.hpp"
#include "format.hpp"
#include "options.hpp"

namespace fmalab {

struct LnsCode {
  bool zero = false, nan = false, sign = false;
  int64_t log = 0;  // L, in units of 2^-F
};
LnsCode lns_unpack(const Format& f, uint64_t code);
uint64_t lns_zero_code(const Format& f);
uint64_t lns_pack(const Format& f, bool sign, int64_t log);  // log in [-lns_max_log(f), lns_max_log(f)]
int64_t lns_max_log(const Format& f);                        // 2^(W-2) - 1

// cvt with an LNS source or destination (convert() sends these here). SR is not an LNS rounding.
Encoded lns_convert(const Format& src, const Format& dst, uint64_t bits, const Options& o);

// lnsmul: the logs added, the signs xored, rounded only at the range ends.
Encoded lns_mul(const Format& f, uint64_t a, uint64_t b, const Options& o);
// lnsadd exact: the real sum, correctly rounded.
Encoded lns_add(const Format& f, uint64_t a, uint64_t b, const Options& o);
// The Gaussian logarithm log2(1 +- 2^(-d / 2^F)) in binary128 (sub: minus, d > 0), as lns_add uses it.
__float128 lns_gauss_log2(int64_t d, int frac, bool sub);

}  // namespace fmalab
