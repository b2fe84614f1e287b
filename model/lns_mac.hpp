// lnsmac: LNS-Madam's multiply-accumulate (Zhao et al. 2022; README "Logarithmic number formats"). K
// products of lnsW_F operands, each a log sum e = ea + eb split into q = e >> F and r = e mod 2^F; the
// top H bits of r pick one of 2 * 2^H bins by the product's sign, and (2^F + r_low) << (q + QB) is added
// there (shifts and adds only; H = F: a one-hot, H < F: the hybrid, whose low bits are Mitchell's
// 1 + r_low / 2^F). The bins are then combined with the constants C[j] = 2^(j / 2^H), CB fraction bits
// each, and the sum, cut (floor) to the fixed-point accumulator's fraction bits, is added to c, wrapping.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codec.hpp"
#include "format.hpp"

namespace fmalab {

struct Madam {
  Format in, acc;
  int terms = 1;      // K
  int bins = 0;       // H, 0 <= H <= F
  int cbits = 8;      // CB
  int q_bias = 0;     // QB = ceil(2 Lmax / 2^F): q + QB >= 0 for every product
  std::vector<int64_t> constants;  // C[j] = nearest integer to 2^(j / 2^H + CB)
  int value_frac() const { return q_bias + in.frac_bits + cbits; }  // fraction bits of the combined sum
};

// The parameters of lnsmac:IN:ACC:K; an empty string, or why they cannot be built (the bins' sum
// must fit 126 bits).
std::string madam_make(const Format& in, const Format& acc, int terms, int bins, int cbits, Madam* out);

// a[K], b[K], c -> y: NaN anywhere gives 0 with NV (as fmalab's fma into a fixed-point accumulator).
Encoded lns_mac_madam(const Madam& m, std::span<const uint64_t> a, std::span<const uint64_t> b, uint64_t c);

}  // namespace fmalab
