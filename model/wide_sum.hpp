// The exact sum of many terms of widely different magnitudes, as a Kulisch-style accumulator: a two's
// complement integer of 64-bit limbs whose least significant bit is 2^lsb. Used where no fixed-width
// datapath holds the exact result: the `exact` dot product (one rounding of the exact sum) and the
// accuracy study's reference sums.
#pragma once

#include <cstdint>
#include <vector>

#include "value.hpp"

namespace fmalab {

class WideSum {
 public:
  // Room for terms whose bits lie in [2^lsb, 2^top) and for up to 2^32 of them.
  WideSum(int lsb, int top);
  // Adds (-1)^neg * sig * 2^lsb_exp; lsb_exp >= lsb and the term's top below `top`.
  void add(bool neg, u128 sig, int lsb_exp);
  void clear();
  bool is_zero() const;
  bool negative() const;
  // The sum for encode: sign, its leading 64 bits and a sticky bit for the rest (Class::Zero when 0).
  Exact exact() const;
  // The sum rounded to long double (x87: 64-bit significand, exponents to 2^16383).
  long double value() const;

 private:
  std::vector<uint64_t> magnitude() const;  // |sum|
  int lsb_ = 0;
  std::vector<uint64_t> limbs_;
};

}  // namespace fmalab
