// mxdot: the block dot product y = round(X_A X_B sum_{i<K} P_i(A) P_i(B) + c) into fp32, stage by stage
// (the MXDOTP design, Isli et al. 2025): the element products summed exactly in fixed point, the sum
// scaled by the two block scales, then the FMA's align and add with c (fma.hpp) and one rounding
// (encode). An RTL unit mirrors these stages by name.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "block_format.hpp"
#include "fma.hpp"

namespace fmalab {

struct MxDotStages {
  Decoded xa, xb, c;            // unpack: the scales and the addend
  bool special = false;         // NaN, Inf: decided over the whole row before any sum
  i128 product_sum = 0;         // product_sum: sum_i P_i(A) P_i(B), exact, in units of 2^product_lsb
  int32_t product_lsb = 0;
  bool term_sign = false;       // scale: the term T = X_A X_B S as sign, magnitude, LSB exponent
  u128 term = 0;
  int32_t term_lsb = 0;
  Aligned aligned;              // align: T and c on the adder's grid (fma.hpp)
  Sum sum;                      // add
  EncodeTrace normalize_round;  // normalize and round (encode)
  Encoded packed;
};

class MxDot {
 public:
  // K element pairs of block format b; o: mode, window, sticky.
  MxDot(const BlockFormat& b, int k, const Options& o);
  int k() const { return k_; }
  int window() const { return window_; }  // the adder's width: o.window, or the exact one
  int product_lsb() const { return 2 * lsb_min_; }

  // xa, a[K], xb, b[K], c (fp32) -> y (fp32) and flags; st (optional) receives every stage.
  Encoded operator()(uint64_t xa, std::span<const uint64_t> a, uint64_t xb, std::span<const uint64_t> b, uint64_t c,
                     MxDotStages* st = nullptr) const;

 private:
  // An element code unpacked once: sign, class, significand and its shift above the grid 2^lsb_min.
  struct Elem {
    Decoded d;
    int shift = 0;
  };
  Elem elem(uint64_t code) const;

  BlockFormat b_;
  Format fp32_;
  int k_;
  Options o_;
  int lsb_min_ = 0;
  int window_ = 0;
  std::vector<Elem> table_;  // every element code (elements are at most 16 bits)
};

}  // namespace fmalab
