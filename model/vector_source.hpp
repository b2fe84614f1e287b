// Test vectors aimed at the corner cases of a datapath (background.md section 8). Each operation
// names its classes and draws their vectors (Operation::vector_source); the golden model confirms
// whether a vector reaches its class, so a class a unit cannot reach is reported, not silently
// missed.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format.hpp"

namespace fmalab {

class VectorSource {
 public:
  virtual ~VectorSource() = default;
  // One vector of class cls in rounding mode frm (RISC-V frm code): its operand values in `in`, in
  // signature order (no random word). Returns whether the model confirms it reaches the class.
  virtual bool make(std::string_view cls, unsigned frm, std::span<uint64_t> in) = 0;
};

// Corner codes of a format: zeros, subnormal and normal limits, one, max, Inf, NaN, both signs
// (fixed point and int: zero, one, the extremes and the least significant bit).
std::vector<uint64_t> corner_codes(const Format& f);

// The corner codes that are special cases for a datapath: zeros, subnormal and normal limits,
// max finite, Inf and NaN (fixed point and int: zero, +-1 lsb and the extremes).
std::vector<uint64_t> special_codes(const Format& f);

// The float code of f with this sign, exponent field and fraction (cut to f's fraction bits).
uint64_t float_code(const Format& f, bool sign, uint64_t field, uint64_t frac);
// The exponent field of f's largest finite value.
uint64_t max_field(const Format& f);

// A random code of f that is neither Inf nor NaN.
uint64_t random_finite(const Format& f, std::mt19937_64& rng);

// The classes every operation has: "special" (each operand a special code or a random finite one,
// at least one special) and "random" (every bit at random). Both always reach their class.
class GenericVectorSource : public VectorSource {
 public:
  GenericVectorSource(std::vector<Format> operands, uint64_t seed);
  bool make(std::string_view cls, unsigned frm, std::span<uint64_t> in) override;
  static const std::vector<std::string>& classes();

 private:
  std::vector<Format> formats_;  // one per operand value
  std::vector<std::vector<uint64_t>> specials_;
  std::mt19937_64 rng_;
};

}  // namespace fmalab
