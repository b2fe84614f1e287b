// The one set of options every operation takes: rounding, overflow and the datapath parameters an
// architect sweeps. An operation reads the fields that concern it; the defaults give the exact
// IEEE 754 result.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

// Every field of Options as text, the one description the command line, vector file headers and
// rtl/units.json ("options") derive from: a new option is a field above and a row of option_fields().
struct OptionField {
  std::string_view key;  // as in a header: round, sat, sr_bits, window, sticky, ftz_in, ftz_out, preset, dot
  bool omit_empty;       // left out of a header when empty (the options only some operations read)
  std::string_view flag;  // on the command line
  const char* flag_sets;  // the value the bare flag sets; nullptr: the flag takes one
  std::string (*get)(const Options&);
  // false with *error saying what the value should be: "takes ..., got 'x'" (the caller names the option)
  bool (*set)(Options&, std::string_view value, std::string* error);
};
const std::vector<OptionField>& option_fields();
const OptionField* find_option_field(std::string_view key);
std::string option_keys();  // "round sat ..." for error messages

// "key=value ..." of every option (all) or of those that differ from the defaults.
std::string options_text(const Options& o, bool all);
// Sets the options "key=value key=value" names; false with *error naming the item.
bool parse_options_text(std::string_view text, Options& o, std::string* error);

}  // namespace fmalab
