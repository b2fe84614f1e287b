// fmalab formats: every named format with its facts, computed from the descriptors.
#include <cmath>
#include <cstdio>

#include "../model/codec.hpp"
#include <CLI/CLI.hpp>

#include "cli.hpp"

namespace fmalab::cli {

namespace {

std::string value_text(const Format& f, uint64_t code) {
  const double v = to_double(decode(f, code));
  char buf[64];
  int e = 0;
  const double m = std::frexp(std::fabs(v), &e);
  if (m == 0.5 && (e - 1 < -14 || e - 1 > 20)) std::snprintf(buf, sizeof buf, "%s2^%d", v < 0 ? "-" : "", e - 1);
  else std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string codes(const Format& f, uint64_t positive) {
  std::string s = hex(positive, f.hex_digits());
  if (f.is_signed) s += "," + hex(positive | f.sign_mask(), f.hex_digits());
  return s;
}

std::string float_row(const Format& f) {
  const uint64_t max = f.max_finite_code();
  const uint64_t min_sub = f.subnormals ? 1 : 0;
  const uint64_t min_norm = f.subnormals ? uint64_t{1} << f.man_bits : 0;
  std::string nan = "none";
  if (f.nan == NanStyle::Ieee) nan = "exp all ones, man!=0 (canonical " + hex(f.canonical_nan_code(), f.hex_digits()) + ")";
  if (f.nan == NanStyle::AllOnes) nan = codes(f, f.canonical_nan_code());
  if (f.nan == NanStyle::NegZero) nan = hex(f.canonical_nan_code(), f.hex_digits());
  std::string zero = f.has_zero() ? (f.has_neg_zero() ? codes(f, 0) : hex(0, f.hex_digits())) : "none";
  char buf[512];
  std::snprintf(buf, sizeof buf, "%-9s %4d  %d/%d/%-3d %5d  %-14s %-14s %-14s %-22s %-12s %s\n", f.name.c_str(), f.bits,
                f.is_signed ? 1 : 0, f.exp_bits, f.man_bits, f.bias,
                (value_text(f, max) + " " + hex(max, f.hex_digits())).c_str(),
                f.subnormals ? (value_text(f, min_sub) + " " + hex(min_sub, f.hex_digits())).c_str() : "none",
                (value_text(f, min_norm) + " " + hex(min_norm, f.hex_digits())).c_str(),
                f.has_inf ? codes(f, f.inf_code()).c_str() : "none", zero.c_str(), nan.c_str());
  return buf;
}

std::string fixed_row(const Format& f) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-9s %4d  fx%d_%-4d %5s  %-14s %-14s %-14s %-22s %-12s %s\n", f.name.c_str(), f.bits,
                f.bits, f.frac_bits, "-",
                (value_text(f, static_cast<uint64_t>(f.fixed_max())) + " " + hex(f.fixed_max(), f.hex_digits())).c_str(),
                (value_text(f, 1) + " " + hex(1, f.hex_digits())).c_str(), "-", "none",
                hex(0, f.hex_digits()).c_str(), "none");
  return buf;
}

}  // namespace

int run_formats(const std::vector<std::string>& args) {
  std::string out_path;
  std::vector<std::string> names;
  CLI::App app("The formats and their facts: bits, sign/exponent/mantissa, bias, extreme values, special encodings.",
               "fmalab formats");
  init_app(app);
  app.add_option("NAME", names, "formats to list (default: every named one); generic eXmY, fxW_F, intN, lnsW_F too");
  add_output(app, out_path);
  parse(app, args);
  if (names.empty()) names = named_formats();
  Output out(out_path);
  char head[256];
  std::snprintf(head, sizeof head, "%-9s %4s  %-9s %5s  %-14s %-14s %-14s %-22s %-12s %s\n", "# name", "bits",
                "s/e/m", "bias", "max_finite", "min_subnormal", "min_normal", "inf", "zero", "nan");
  out.write(head);
  for (const auto& n : names) {
    auto f = parse_format(n);
    if (!f) throw InputError("unknown format '" + excerpt(n) + "'; valid formats: " + format_name_help());
    out.write(f->is_float() ? float_row(*f) : fixed_row(*f));
  }
  out.commit();
  return 0;
}

}  // namespace fmalab::cli
