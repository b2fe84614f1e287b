// The published GPUs' tensor-core parameters (background.md section 4), each checked against the
// measured vectors of Khattak and Mikaitis (tests/data/tensor_cores/, Dot.PresetsReproduceTheGpus).
#include <algorithm>
#include <charconv>

#include "dot.hpp"

namespace fmalab {

namespace {

DotParams nvidia(int n, int neab, int min_exp, Round round, std::string note) {
  DotParams p;
  p.n = n, p.neab = neab, p.min_exp = min_exp, p.round = round, p.note = std::move(note);
  return p;
}

bool is(const Format& f, const char* name) { return f.name == name; }

}  // namespace

const std::vector<std::string>& dot_preset_names() {
  static const std::vector<std::string> n = {"v100", "a100", "a2", "ada", "l40s", "h100", "h200", "b200", "mi300", "exact"};
  return n;
}

std::optional<DotParams> dot_preset(const std::string& preset, const Format& in, const Format& out, std::string* error) {
  const bool fp8 = is(in, "e4m3") || is(in, "e5m2");
  const bool half_in = is(in, "fp16") || is(in, "bf16");
  const bool tf32 = in.exp_bits == 8 && in.man_bits == 10 && in.is_float();
  const bool to32 = is(out, "fp32"), to16 = is(out, "fp16");
  if (preset == "exact") {
    DotParams p;
    p.exact = true, p.nvidia_nan = false, p.n = 1 << 30;
    p.note = "one correct rounding of the exact sum, in the chosen mode (the reference)";
    return p;
  }
  if (preset == "v100") {
    if (is(in, "fp16") && to32) return nvidia(4, 0, -1024, Round::RTZ, "published (Volta)");
    if (is(in, "fp16") && to16) return nvidia(4, 0, -19, Round::RNE, "published (Volta)");
  }
  if (preset == "a100" || preset == "a2" || preset == "ada" || preset == "l40s") {
    if (half_in && to32) return nvidia(8, 1, -132, Round::RTZ, "published");
    if (tf32 && to32) return nvidia(4, 1, -132, Round::RTZ, "published");
    if (is(in, "fp16") && to16) return nvidia(8, 1, -20, Round::RNE, "published");
    if ((preset == "ada" || preset == "l40s") && fp8 && to32) return nvidia(16, -10, -132, Round::RTZ, "published");
    if ((preset == "ada" || preset == "l40s") && fp8 && to16)
      return nvidia(16, -10, -132, Round::RNE,
                    "found from the measured data: blocks of 16 with the FP8 window, each rounded to nearest into fp16");
  }
  if (preset == "h100" || preset == "h200" || preset == "b200") {
    if (half_in && to32) return nvidia(16, 2, -133, Round::RTZ, "published");
    if (tf32 && to32) return nvidia(8, 2, -133, Round::RTZ, "published");
    if (is(in, "fp16") && to16) return nvidia(16, 2, -21, Round::RNE, "published");
    if (fp8 && (to16 || (to32 && preset == "b200"))) {
      DotParams p = nvidia(16, 2, to16 ? -21 : -133, to16 ? Round::RNE : Round::RTZ,
                           "found from the measured data: FP8 through the fp16 tensor core (two blocks of 16 per 32 "
                           "k-values, k mod 4 < 2 then the rest), each chunk added to the accumulator rounded to nearest");
      p.emulated = true, p.c_add_round = Round::RNE;
      return p;
    }
    if (fp8 && to32) return nvidia(32, -10, -133, Round::RTZ, "published (Hopper)");
  }
  if (preset == "mi300") {
    DotParams p = nvidia(8, 1, -1024, Round::RNE, "published (CDNA3, no measured data here)");
    p.armode = Round::RDN, p.late_c = true, p.c_min_exp = true, p.prd_limit = true, p.nvidia_nan = false;
    if (to32 && half_in) return p;
    if (to32 && tf32) return p.n = 4, p;
    if (to32 && (is(in, "e4m3fnuz") || is(in, "e5m2fnuz"))) {
      p.n = 16, p.late_c = false, p.odd_even = true;
      return p;
    }
  }
  const auto& names = dot_preset_names();
  if (std::find(names.begin(), names.end(), preset) == names.end()) {
    std::string valid;
    for (const auto& x : names) valid += (valid.empty() ? "" : ", ") + x;
    *error = "unknown preset '" + preset + "'; valid: " + valid;
  } else {
    *error = "preset " + preset + " has no dot product of " + in.name + " into " + out.name;
  }
  return std::nullopt;
}

bool apply_dot_spec(DotParams& p, std::string_view spec, std::string* error) {
  size_t at = 0;
  while (at < spec.size()) {
    const size_t comma = std::min(spec.find(',', at), spec.size());
    const std::string_view item = spec.substr(at, comma - at);
    at = comma + 1;
    const size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq), v = eq == std::string_view::npos ? "" : item.substr(eq + 1);
    const auto bad = [&](const char* what) {
      *error = "--dot: '" + std::string(item) + "': " + what;
      return false;
    };
    const auto number = [&](int lo, int hi, int* out) {
      const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
      return ec == std::errc{} && ptr == v.data() + v.size() && *out >= lo && *out <= hi;
    };
    int n = 0;
    if (key == "n") {
      if (!number(1, 65536, &p.n)) return bad("n takes a whole number from 1 to 65536");
    } else if (key == "neab") {
      if (!number(-20, 40, &p.neab)) return bad("neab takes a whole number from -20 to 40");
    } else if (key == "min_exp") {
      if (!number(-1024, 1024, &p.min_exp)) return bad("min_exp takes a whole number from -1024 to 1024");
    } else if (key == "cut") {
      if (!number(-1, 52, &p.cut)) return bad("cut takes a whole number from -1 to 52");
    } else if (key == "sticky" || key == "late_c") {
      if (!number(0, 1, &n)) return bad("takes 0 or 1");
      (key == "sticky" ? p.sticky : p.late_c) = n != 0;
    } else if (key == "round") {
      const auto r = parse_round(v);
      if (!r || *r == Round::SR) return bad("round takes rtz, rne, rdn, rup or rmm");
      p.round = *r;
    } else if (key == "inter") {
      const auto f = parse_format(v);
      if (!f || !f->is_float()) return bad("inter takes a float format");
      p.inter = *f;
    } else {
      return bad("unknown key; keys: n, neab, round, min_exp, sticky, late_c, cut, inter");
    }
  }
  return true;
}

}  // namespace fmalab
