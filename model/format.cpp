#include "format.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace fmalab {

namespace {

uint64_t low_ones(int n) { return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; }

Format make_float(std::string name, int e, int m, int bias, bool inf, NanStyle nan) {
  Format f;
  f.name = std::move(name);
  f.kind = Kind::Float;
  f.bits = 1 + e + m;
  f.exp_bits = e;
  f.man_bits = m;
  f.bias = bias;
  f.has_inf = inf;
  f.nan = nan;
  return f;
}

Format make_fixed(std::string name, int w, int frac) {
  Format f;
  f.name = std::move(name);
  f.kind = Kind::Fixed;
  f.bits = w;
  f.frac_bits = frac;
  return f;
}

Format ieee(std::string name, int e, int m) {
  return make_float(std::move(name), e, m, (1 << (e - 1)) - 1, true, NanStyle::Ieee);
}
Format ocp_fn(std::string name, int e, int m) {
  return make_float(std::move(name), e, m, (1 << (e - 1)) - 1, false, NanStyle::AllOnes);
}
Format fnuz(std::string name, int e, int m) {
  return make_float(std::move(name), e, m, 1 << (e - 1), false, NanStyle::NegZero);
}
Format no_specials(std::string name, int e, int m) {
  return make_float(std::move(name), e, m, (1 << (e - 1)) - 1, false, NanStyle::None);
}

Format e8m0() {
  Format f = make_float("e8m0", 8, 0, 127, false, NanStyle::AllOnes);
  f.bits = 8;  // no sign bit
  f.is_signed = false;
  f.subnormals = false;
  return f;
}

std::optional<Format> table_format(std::string_view n) {
  if (n == "fp32") return ieee("fp32", 8, 23);
  if (n == "fp16") return ieee("fp16", 5, 10);
  if (n == "bf16") return ieee("bf16", 8, 7);
  if (n == "tf32") return ieee("tf32", 8, 10);  // NVIDIA's TensorFloat-32: fp32's range, fp16's precision
  if (n == "e5m2") return ieee("e5m2", 5, 2);
  if (n == "e4m3" || n == "e4m3fn") return ocp_fn("e4m3", 4, 3);
  if (n == "e4m3fnuz") return fnuz("e4m3fnuz", 4, 3);
  if (n == "e5m2fnuz") return fnuz("e5m2fnuz", 5, 2);
  if (n == "e3m2") return no_specials("e3m2", 3, 2);
  if (n == "e2m3") return no_specials("e2m3", 2, 3);
  if (n == "e2m1") return no_specials("e2m1", 2, 1);
  if (n == "e8m0") return e8m0();
  if (n == "int8") return make_fixed("int8", 8, 0);
  if (n == "int32") return make_fixed("int32", 32, 0);
  return std::nullopt;
}

// Reads a decimal number at the front of s; advances s past it.
std::optional<int> take_int(std::string_view& s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p == s.data()) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(p - s.data()));
  return v;
}

std::optional<Format> generic_float(std::string_view n) {
  std::string name(n);
  if (n.empty() || n[0] != 'e') return std::nullopt;
  n.remove_prefix(1);
  auto e = take_int(n);
  if (!e || n.empty() || n[0] != 'm') return std::nullopt;
  n.remove_prefix(1);
  auto m = take_int(n);
  if (!m || *e < 1 || *e > 11 || *m < 0 || 1 + *e + *m > 64) return std::nullopt;
  if (n.empty()) {
    // IEEE-style needs a mantissa bit to tell NaN from Inf and two exponent bits for a normal binade.
    if (*e < 2 || *m < 1) return std::nullopt;
    return ieee(name, *e, *m);
  }
  if (n == "fn") return ocp_fn(name, *e, *m);
  if (n == "fnuz") return fnuz(name, *e, *m);
  return std::nullopt;
}

std::optional<Format> generic_fixed(std::string_view n) {
  std::string name(n);
  if (n.substr(0, 3) == "int") {
    n.remove_prefix(3);
    auto w = take_int(n);
    if (!w || !n.empty() || *w < 2 || *w > 64) return std::nullopt;
    return make_fixed(name, *w, 0);
  }
  if (n.substr(0, 2) != "fx") return std::nullopt;
  n.remove_prefix(2);
  auto w = take_int(n);
  if (!w || n.empty() || n[0] != '_') return std::nullopt;
  n.remove_prefix(1);
  auto f = take_int(n);
  if (!f || !n.empty() || *w < 2 || *w > 64 || *f < 0 || *f > 126) return std::nullopt;
  return make_fixed(name, *w, *f);
}

// lnsW_F: sign | (W-1)-bit two's complement log2 magnitude with F fraction bits (model/lns.hpp). The
// log2 range stays within +-2^13 (W - 2 - F <= 13), so every value is a binary128 number.
std::optional<Format> generic_lns(std::string_view n) {
  std::string name(n);
  if (n.substr(0, 3) != "lns") return std::nullopt;
  n.remove_prefix(3);
  auto w = take_int(n);
  if (!w || n.empty() || n[0] != '_') return std::nullopt;
  n.remove_prefix(1);
  auto f = take_int(n);
  if (!f || !n.empty() || *w < 3 || *w > 32 || *f < 0 || *f > *w - 2 || *w - 2 - *f > 13) return std::nullopt;
  Format r;
  r.name = name;
  r.kind = Kind::Lns;
  r.bits = *w;
  r.frac_bits = *f;
  r.nan = NanStyle::AllOnes;  // has a NaN (its code: derived.nan_code)
  r.derived.max_code = low_ones(*w - 2);
  r.derived.nan_code = uint64_t{3} << (*w - 2);
  return r;
}

}  // namespace

namespace {

uint64_t compute_max_code(const Format& f) {
  const int exp_bits = f.exp_bits, man_bits = f.man_bits;
  switch (f.nan) {
    case NanStyle::Ieee: return (low_ones(exp_bits) - 1) << man_bits | low_ones(man_bits);
    case NanStyle::AllOnes: return f.magnitude_mask() - 1;
    case NanStyle::NegZero:
    case NanStyle::None: return f.magnitude_mask();
  }
  return 0;
}

uint64_t compute_nan_code(const Format& f) {
  switch (f.nan) {
    case NanStyle::Ieee: return f.inf_code() | uint64_t{1} << (f.man_bits - 1);
    case NanStyle::AllOnes: return f.magnitude_mask();
    case NanStyle::NegZero: return f.sign_mask();
    case NanStyle::None: return 0;
  }
  return 0;
}

std::optional<Format> with_derived(std::optional<Format> f) {
  if (!f || f->kind != Kind::Float) return f;
  f->derived.max_code = compute_max_code(*f);
  f->derived.inf_code = low_ones(f->exp_bits) << f->man_bits;
  f->derived.nan_code = compute_nan_code(*f);
  return f;
}

}  // namespace

int Format::emax() const { return static_cast<int>(max_finite_code() >> man_bits) - bias; }

bool Format::is_nan_code(uint64_t b) const {
  if (kind == Kind::Lns) return (b & mask()) == derived.nan_code;
  const uint64_t mag = b & magnitude_mask();
  switch (nan) {
    case NanStyle::Ieee: return (mag & derived.inf_code) == derived.inf_code && (mag & low_ones(man_bits)) != 0;
    case NanStyle::AllOnes: return mag == magnitude_mask();
    case NanStyle::NegZero: return b == sign_mask();
    case NanStyle::None: return false;
  }
  return false;
}

int64_t Format::fixed_max() const { return static_cast<int64_t>(low_ones(bits - 1)); }
int64_t Format::fixed_min() const { return -fixed_max() - 1; }

std::optional<Format> parse_format(std::string_view raw) {
  std::string n(raw);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (auto f = table_format(n)) return with_derived(f);
  if (auto f = generic_float(n)) return with_derived(f);
  if (auto f = generic_lns(n)) return f;
  return generic_fixed(n);
}

const std::vector<std::string>& named_formats() {
  static const std::vector<std::string> names = {
      "fp32", "fp16", "bf16", "tf32", "e5m2", "e4m3", "e4m3fnuz", "e5m2fnuz",
      "e3m2", "e2m3", "e2m1", "e8m0", "int8", "int32"};
  return names;
}

std::string format_name_help() {
  std::string s;
  for (const auto& n : named_formats()) s += n + ", ";
  return s + "e4m3fn, or generic eXmY, eXmYfn, eXmYfnuz, fxW_F, intN, lnsW_F";
}

}  // namespace fmalab
