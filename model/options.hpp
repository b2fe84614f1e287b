// The one set of options every operation takes: rounding, overflow and the datapath parameters an
// architect sweeps. An operation reads the fields that concern it; the defaults give the exact
// IEEE 754 result.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "round.hpp"

namespace fmalab {

// mxq: how an MX block's scale exponent E follows from its largest magnitude (model/mx_quantize.cpp).
enum class ScaleRule : uint8_t { Ocp, Ceil, Even };
// LNS: which neighbour is nearest when a real rounds into an LNS format (model/lns.cpp): the one nearest
// in log2 (the default: what a log converter's rounded output and LNS quantizers give), or in value.
enum class LnsRound : uint8_t { Log, Linear };
// lnsadd: the correctly rounded sum, or the approximations of the Gaussian logarithm hardware uses.
enum class LnsMethod : uint8_t { Exact, Lut, Mitchell };

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
  ScaleRule rule = ScaleRule::Ocp;  // mxq: the MX scale exponent rule (ocp, ceil, even)
  bool clamp = true;                // mxq: elements beyond the element's largest value saturate (OCP)
  LnsRound lns_round = LnsRound::Log;  // rounding into an LNS format: nearest in log2 or in value
  LnsMethod lns_method = LnsMethod::Exact;  // lnsadd: exact, lut or mitchell
  int lut_bits = 0;      // lnsadd lut: the table has 2^lut_bits entries (0, "auto": 8, or fewer for short formats)
  int madam_bins = -1;   // lnsmac: bits of the log's fraction that pick a bin (-1: all of them, "full")
  int madam_cbits = 8;   // lnsmac: fraction bits of the bin constants 2^(j / 2^bins)

  // The random word of one vector as the rounder takes it: width 0 unless rounding is stochastic.
  RandomBits random(uint32_t bits) const { return RandomBits{bits, mode == Round::SR ? sr_width : 0}; }
};

// Every field of Options as text, the one description the command line, vector file headers and
// rtl/units.json ("options") derive from: a new option is a field above and a row of option_fields().
struct OptionField {
  std::string_view key;  // as in a header: round, sat, sr_bits, window, sticky, ftz_in, ftz_out, preset, dot
  bool optional;          // left out of a header at its default (the options only some operations read)
  std::string_view flag;  // on the command line
  const char* flag_sets;  // the value the bare flag sets; nullptr: the flag takes one
  std::string (*get)(const Options&);
  // false with *error saying what the value should be: "takes ..., got 'x'" (the caller names the option)
  bool (*set)(Options&, std::string_view value, std::string* error);
  const char* help = "";  // one line for a command's usage: what it does and to which operations
};
const std::vector<OptionField>& option_fields();
const char* scale_rule_name(ScaleRule r);
std::optional<ScaleRule> parse_scale_rule(std::string_view name);  // ocp ceil even
const char* lns_round_name(LnsRound r);
std::optional<LnsRound> parse_lns_round(std::string_view name);  // log linear
const char* lns_method_name(LnsMethod m);
std::optional<LnsMethod> parse_lns_method(std::string_view name);  // exact lut mitchell
// The command-line flags of the options o sets (differing from the defaults) whose keys are not in
// `read`, "--rule, --no-clamp"; "" when none: an operation refuses the options it would ignore.
std::string options_not_read(const Options& o, std::initializer_list<std::string_view> read);
const OptionField* find_option_field(std::string_view key);
std::string option_keys();  // "round sat ..." for error messages

// "key=value ..." of every option (all) or of those that differ from the defaults.
std::string options_text(const Options& o, bool all);
// Sets the options "key=value key=value" names; false with *error naming the item.
bool parse_options_text(std::string_view text, Options& o, std::string* error);

}  // namespace fmalab
