// The one set of options every operation takes: rounding, overflow and the datapath parameters an
// architect sweeps. An operation reads the fields that concern it; the defaults give the exact
// IEEE 754 result.
#pragma once

#include <string>

#include "round.hpp"

namespace fmalab {

struct Options {
  Round mode = Round::RNE;
  bool saturate = false;  // OCP saturating conversion: overflow and Inf go to +-max finite
  int sr_width = 8;       // bits of the per-vector random word when mode == SR
  int window = 0;         // fma: aligned adder width in bits below the anchor; 0 = exact
  bool sticky = true;     // fma: OR the bits shifted out of the window into a sticky bit
  bool ftz_in = false;    // subnormal operands are read as zero
  bool ftz_out = false;   // subnormal results are flushed to zero (UF NX)
  std::string preset = "";  // dot: the GPU whose tensor core the datapath is (model/dot_presets.cpp); "" = exact
  std::string dot = "";     // dot: changes to the preset's parameters, "n=16,neab=-10,round=rtz" (apply_dot_spec)

  // The random word of one vector as the rounder takes it: width 0 unless rounding is stochastic.
  RandomBits random(uint32_t bits) const { return RandomBits{bits, mode == Round::SR ? sr_width : 0}; }
};

}  // namespace fmalab
