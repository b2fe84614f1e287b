#include "options.hpp"

#include <algorithm>
#include <charconv>

#include "fma.hpp"        // kMaxWindow
#include "operation.hpp"  // excerpt

namespace fmalab {

namespace {

std::string flag_text(bool b) { return b ? "1" : "0"; }

bool whole_in(std::string_view key, std::string_view v, int lo, int hi, int* out, std::string* error) {
  int n = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || n < lo || n > hi) {
    *error = "takes a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got '" +
             excerpt(v) + "'";
    return false;
  }
  *out = n;
  return true;
}

bool flag_in(std::string_view key, std::string_view v, bool* out, std::string* error) {
  int n = 0;
  if (!whole_in(key, v, 0, 1, &n, error)) return false;
  *out = n != 0;
  return true;
}

}  // namespace

const std::vector<OptionField>& option_fields() {
  // The order is the vector file header's. An option that changes a result is one row here.
  static const std::vector<OptionField> f = {
      {"round", false, "--round", nullptr, [](const Options& o) { return std::string(round_name(o.mode)); },
       [](Options& o, std::string_view v, std::string* e) {
         const auto r = parse_round(v);
         if (!r) *e = "takes rne, rtz, rdn, rup, rmm (rna) or sr, got '" + excerpt(v) + "'";
         else o.mode = *r;
         return r.has_value();
       }, "rounding mode: rne rtz rdn rup rmm (rna), or sr (stochastic); vectors also take mixed"},
      {"sat", false, "--sat", "1", [](const Options& o) { return flag_text(o.saturate); },
       [](Options& o, std::string_view v, std::string* e) { return flag_in("sat", v, &o.saturate, e); }, "saturate: an overflow gives the largest finite value, not Inf or NaN"},
      {"sr_bits", false, "--sr-bits", nullptr, [](const Options& o) { return std::to_string(o.sr_width); },
       [](Options& o, std::string_view v, std::string* e) { return whole_in("sr_bits", v, 1, 32, &o.sr_width, e); }, "sr: width of the random word, 1 to 32 bits"},
      {"window", false, "--window", nullptr, [](const Options& o) { return std::to_string(o.window); },
       [](Options& o, std::string_view v, std::string* e) {
         // 0 is the exact adder; a window of one bit holds no product.
         if (v == "0") return o.window = 0, true;
         if (whole_in("window", v, 2, kMaxWindow, &o.window, e)) return true;
         *e = "takes 0 (exact) or a whole number from 2 to " + std::to_string(kMaxWindow) + ", got '" + excerpt(v) + "'";
         return false;
       }, "fma: width of the aligned-addend window in bits (0: the exact adder)"},
      {"sticky", false, "--no-sticky", "0", [](const Options& o) { return flag_text(o.sticky); },
       [](Options& o, std::string_view v, std::string* e) { return flag_in("sticky", v, &o.sticky, e); }, "fma: drop the sticky bit of the bits shifted out of the window"},
      {"ftz_in", false, "--ftz-in", "1", [](const Options& o) { return flag_text(o.ftz_in); },
       [](Options& o, std::string_view v, std::string* e) { return flag_in("ftz_in", v, &o.ftz_in, e); }, "flush subnormal inputs to zero"},
      {"ftz_out", false, "--ftz-out", "1", [](const Options& o) { return flag_text(o.ftz_out); },
       [](Options& o, std::string_view v, std::string* e) { return flag_in("ftz_out", v, &o.ftz_out, e); }, "flush subnormal results to zero"},
      // Checked by the operation, which knows its formats.
      {"preset", true, "--preset", nullptr, [](const Options& o) { return o.preset; },
       [](Options& o, std::string_view v, std::string*) { return o.preset = v, true; }, "dot: a tensor core's datapath (h100, a100, v100, ...; README: Dot products)"},
      {"dot", true, "--dot", nullptr, [](const Options& o) { return o.dot; },
       [](Options& o, std::string_view v, std::string*) { return o.dot = v, true; }, "dot: change a preset's parameters, e.g. neab=0,round=rne (README: Dot products)"},
      {"rule", true, "--rule", nullptr, [](const Options& o) { return std::string(scale_rule_name(o.rule)); },
       [](Options& o, std::string_view v, std::string* e) {
         const auto r = parse_scale_rule(v);
         if (!r) *e = "takes ocp, ceil or even, got '" + excerpt(v) + "'";
         else o.rule = *r;
         return r.has_value();
       }, "mx/nvfp4: block scale rule: ocp, ceil or even"},
      {"clamp", true, "--no-clamp", "0", [](const Options& o) { return flag_text(o.clamp); },
       [](Options& o, std::string_view v, std::string* e) { return flag_in("clamp", v, &o.clamp, e); }, "mx quantization: OCP's saturation off; an element beyond the largest overflows as in IEEE"},
      {"lns_round", true, "--lns-round", nullptr, [](const Options& o) { return std::string(lns_round_name(o.lns_round)); },
       [](Options& o, std::string_view v, std::string* e) {
         const auto r = parse_lns_round(v);
         if (!r) *e = "takes log or linear, got '" + excerpt(v) + "'";
         else o.lns_round = *r;
         return r.has_value();
       }, "lns conversions, lnsmul, lnsadd: round to the nearest in log2 (log) or in value (linear)"},
      {"lns_method", true, "--method", nullptr, [](const Options& o) { return std::string(lns_method_name(o.lns_method)); },
       [](Options& o, std::string_view v, std::string* e) {
         const auto m = parse_lns_method(v);
         if (!m) *e = "takes exact, lut or mitchell, got '" + excerpt(v) + "'";
         else o.lns_method = *m;
         return m.has_value();
       }, "lnsadd: exact, lut (Gaussian-log tables) or mitchell"},
      // Bounded by the format too: the operation checks T against the table's index width.
      {"lut_bits", true, "--lut-bits", nullptr,
       [](const Options& o) { return o.lut_bits == 0 ? std::string("auto") : std::to_string(o.lut_bits); },
       [](Options& o, std::string_view v, std::string* e) {
         if (v == "auto") return o.lut_bits = 0, true;
         if (whole_in("lut_bits", v, 1, 20, &o.lut_bits, e)) return true;
         *e = "takes auto or a whole number from 1 to 20, got '" + excerpt(v) + "'";
         return false;
       }, "lnsadd --method lut: table index bits, or auto"},
      {"madam_bins", true, "--madam-bins", nullptr,
       [](const Options& o) { return o.madam_bins < 0 ? std::string("full") : std::to_string(o.madam_bins); },
       [](Options& o, std::string_view v, std::string* e) {
         if (v == "full") return o.madam_bins = -1, true;
         if (whole_in("madam_bins", v, 0, 16, &o.madam_bins, e)) return true;
         *e = "takes full or a whole number from 0 to 16, got '" + excerpt(v) + "'";
         return false;
       }, "lnsmac: the top H bits of the log remainder pick the bins (0 to 16, or full)"},
      {"madam_cbits", true, "--madam-cbits", nullptr, [](const Options& o) { return std::to_string(o.madam_cbits); },
       [](Options& o, std::string_view v, std::string* e) { return whole_in("madam_cbits", v, 1, 24, &o.madam_cbits, e); }, "lnsmac: fraction bits CB of the bins' conversion constants (1 to 24)"},
  };
  return f;
}

const char* scale_rule_name(ScaleRule r) {
  switch (r) {
    case ScaleRule::Ocp: return "ocp";
    case ScaleRule::Ceil: return "ceil";
    case ScaleRule::Even: return "even";
  }
  return "?";
}

const char* lns_round_name(LnsRound r) { return r == LnsRound::Log ? "log" : "linear"; }

std::optional<LnsRound> parse_lns_round(std::string_view v) {
  for (LnsRound r : {LnsRound::Log, LnsRound::Linear})
    if (v == lns_round_name(r)) return r;
  return std::nullopt;
}

const char* lns_method_name(LnsMethod m) {
  switch (m) {
    case LnsMethod::Exact: return "exact";
    case LnsMethod::Lut: return "lut";
    case LnsMethod::Mitchell: return "mitchell";
  }
  return "?";
}

std::optional<LnsMethod> parse_lns_method(std::string_view v) {
  for (LnsMethod m : {LnsMethod::Exact, LnsMethod::Lut, LnsMethod::Mitchell})
    if (v == lns_method_name(m)) return m;
  return std::nullopt;
}

std::optional<ScaleRule> parse_scale_rule(std::string_view v) {
  for (ScaleRule r : {ScaleRule::Ocp, ScaleRule::Ceil, ScaleRule::Even})
    if (v == scale_rule_name(r)) return r;
  return std::nullopt;
}

std::string options_not_read(const Options& o, std::initializer_list<std::string_view> read) {
  const Options d;
  std::string s;
  for (const auto& f : option_fields()) {
    if (std::find(read.begin(), read.end(), f.key) != read.end() || f.get(o) == f.get(d)) continue;
    if (!s.empty()) s += ", ";
    s += f.flag;
  }
  return s;
}

const OptionField* find_option_field(std::string_view key) {
  for (const auto& f : option_fields())
    if (f.key == key) return &f;
  return nullptr;
}

std::string options_text(const Options& o, bool all) {
  const Options d;
  std::string s;
  for (const auto& f : option_fields()) {
    const std::string v = f.get(o);
    if (!all && v == f.get(d)) continue;
    if (f.optional && v == f.get(d)) continue;
    if (!s.empty()) s += ' ';
    s += std::string(f.key) + "=" + v;
  }
  return s;
}

bool parse_options_text(std::string_view text, Options& o, std::string* error) {
  size_t at = 0;
  while (at < text.size()) {
    if (text[at] == ' ') {
      ++at;
      continue;
    }
    const size_t end = std::min(text.find(' ', at), text.size());
    const std::string_view item = text.substr(at, end - at);
    at = end;
    const size_t eq = item.find('=');
    const OptionField* f = eq == std::string_view::npos ? nullptr : find_option_field(item.substr(0, eq));
    if (!f) {
      *error = "'" + excerpt(item) + "' is not an option as key=value (keys: " + option_keys() + ")";
      return false;
    }
    if (!f->set(o, item.substr(eq + 1), error)) {
      *error = std::string(f->key) + " " + *error;
      return false;
    }
  }
  return true;
}

std::string option_keys() {
  std::string s;
  for (const auto& f : option_fields()) {
    if (!s.empty()) s += ' ';
    s += f.key;
  }
  return s;
}

}  // namespace fmalab
