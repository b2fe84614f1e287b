#include "block_format.hpp"

#include <bit>
#include <charconv>

#include "codec.hpp"
#include "operation.hpp"  // excerpt

namespace fmalab {

namespace {

struct Row {
  std::string_view name, element;
  int k;
  std::string_view scale;
  bool tensor_scale;
};

// The named block formats: OCP MX v1.0's six, and NVFP4.
constexpr Row kRows[] = {
    {"mxfp8_e4m3", "e4m3", 32, "e8m0", false}, {"mxfp8_e5m2", "e5m2", 32, "e8m0", false},
    {"mxfp6_e3m2", "e3m2", 32, "e8m0", false}, {"mxfp6_e2m3", "e2m3", 32, "e8m0", false},
    {"mxfp4_e2m1", "e2m1", 32, "e8m0", false}, {"mxint8", "fx8_6", 32, "e8m0", false},
    {"nvfp4", "e2m1", 16, "e4m3", true},
};

// Whether the products of two elements and their sum over a block are exact in mx_dot.cpp's 128-bit
// fixed-point grid: float elements up to fp16's exponent range and precision, fixed point up to 16 bits.
bool element_fits(const Format& e) {
  if (e.kind == Kind::Fixed) return e.bits <= 16;
  return e.kind == Kind::Float && e.is_signed && e.subnormals && e.exp_bits <= 5 && e.man_bits <= 10;
}

BlockFormat build(std::string name, const Format& element, int k, const Format& scale, bool tensor_scale) {
  BlockFormat b;
  b.name = std::move(name);
  b.element = element;
  b.k = k;
  b.scale = scale;
  b.tensor_scale = tensor_scale;
  if (element.kind == Kind::Fixed) {
    b.max_sig = static_cast<uint64_t>(element.fixed_max());  // -fixed_max is the most negative code used
    b.max_lsb = -element.frac_bits;
    b.max_code = b.max_sig;
    b.emax_elem = (63 - std::countl_zero(b.max_sig)) + b.max_lsb;
  } else {
    const Decoded m = decode(element, element.max_finite_code());
    b.max_sig = m.sig;
    b.max_lsb = m.lsb_exp();
    b.max_code = element.max_finite_code();
    b.emax_elem = element.emax();
  }
  // The powers of two the scale holds: its smallest (a subnormal where it has them) to its largest.
  b.e_min = scale.subnormals ? scale.emin() - scale.man_bits : scale.emin();
  b.e_max = scale.emax();
  return b;
}

std::optional<BlockFormat> generic(std::span<const std::string_view> f, std::string* error) {
  const std::string name = "mx:" + std::string(f[1]) + ":" + std::string(f[2]) + ":" + std::string(f[3]);
  const auto element = parse_format(f[1]);
  if (!element || !element_fits(*element)) {
    *error = "block format '" + excerpt(name) + "': the element '" + excerpt(f[1]) +
             "' must be a signed float format of at most 5 exponent and 10 mantissa bits with subnormals, or "
             "fixed point of at most 16 bits";
    return std::nullopt;
  }
  int k = 0;
  const auto [p, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), k);
  if (ec != std::errc{} || p != f[2].data() + f[2].size() || k < 1 || k > 64) {
    *error = "block format '" + excerpt(name) + "': K takes a whole number from 1 to 64, got '" + excerpt(f[2]) + "'";
    return std::nullopt;
  }
  if (f[3] != "e8m0" && f[3] != "e4m3") {
    *error = "block format '" + excerpt(name) + "': the scale takes e8m0 or e4m3, got '" + excerpt(f[3]) + "'";
    return std::nullopt;
  }
  return build(name, *element, k, *parse_format(f[3]), false);
}

}  // namespace

const std::vector<std::string>& named_block_formats() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const Row& r : kRows) v.emplace_back(r.name);
    return v;
  }();
  return names;
}

std::string block_format_help() {
  std::string s;
  for (const auto& n : named_block_formats()) s += n + ", ";
  return s + "or mx:ELEM:K:SCALE";
}

std::optional<BlockFormat> parse_block_format(std::span<const std::string_view> fields, size_t* used,
                                              std::string* error) {
  *used = 0;
  if (fields.empty()) {
    *error = "a block format is missing; valid: " + block_format_help();
    return std::nullopt;
  }
  for (const Row& r : kRows)
    if (fields[0] == r.name) {
      *used = 1;
      return build(std::string(r.name), *parse_format(r.element), r.k, *parse_format(r.scale), r.tensor_scale);
    }
  if (fields[0] == "mx") {
    if (fields.size() < 4) {
      *error = "block format 'mx' needs the form mx:ELEM:K:SCALE";
      return std::nullopt;
    }
    *used = 4;
    return generic(fields.subspan(0, 4), error);
  }
  *error = "unknown block format '" + excerpt(fields[0]) + "'; valid: " + block_format_help();
  return std::nullopt;
}

std::optional<BlockFormat> parse_block_format(std::string_view name, std::string* error) {
  std::vector<std::string_view> parts;
  for (size_t at = 0;;) {
    const size_t next = name.find(':', at);
    parts.push_back(name.substr(at, next - at));
    if (next == std::string_view::npos) break;
    at = next + 1;
  }
  size_t used = 0;
  auto b = parse_block_format(parts, &used, error);
  if (b && used != parts.size()) {
    *error = "block format '" + excerpt(name) + "' has fields after its name";
    return std::nullopt;
  }
  return b;
}

}  // namespace fmalab
