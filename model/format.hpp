// Number formats as data. One descriptor type covers every format fmalab knows;
// a new format is a new row or a name the parser understands, never a new class.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fmalab {

// How a format represents numbers. Block formats (MX, NVFP4) are built from an
// element Format plus a scale Format, so they need no kind of their own here.
enum class Kind : uint8_t {
  Float,  // sign | exponent | mantissa, possibly unsigned (e8m0)
  Fixed,  // two's complement integer with a binary point (int8 = fx8_0)
  Lns,    // logarithmic: sign | two's complement fixed-point log2 magnitude (model/lns.hpp)
};

// Where NaN lives in a Float format. The choice also decides Inf and negative zero.
enum class NanStyle : uint8_t {
  None,     // no NaN at all (OCP FP6/FP4)
  Ieee,     // exponent all ones, mantissa != 0 (fp32, fp16, bf16, e5m2, generic eXmY)
  AllOnes,  // only the all-ones magnitude (OCP e4m3, eXmYfn, e8m0)
  NegZero,  // only the negative-zero code 0x80.. (fnuz); there is no -0
};

struct Format {
  std::string name;
  Kind kind = Kind::Float;
  int bits = 0;
  // Float: exponent/mantissa field widths and bias.
  int exp_bits = 0;
  int man_bits = 0;
  int bias = 0;
  bool is_signed = true;
  bool has_inf = false;
  NanStyle nan = NanStyle::None;
  // false: exponent field 0 is an ordinary binade (e8m0), so there is no zero either.
  bool subnormals = true;
  // Fixed / Lns: fraction bits of the two's complement value.
  int frac_bits = 0;

  bool is_float() const { return kind == Kind::Float; }
  bool has_nan() const { return nan != NanStyle::None; }
  bool has_neg_zero() const { return is_signed && nan != NanStyle::NegZero && subnormals && kind != Kind::Lns; }
  bool has_zero() const { return subnormals; }
  uint64_t sign_mask() const { return is_signed ? uint64_t{1} << (bits - 1) : 0; }
  uint64_t mask() const { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }
  uint64_t magnitude_mask() const { return mask() & ~sign_mask(); }
  int hex_digits() const { return (bits + 3) / 4; }

  // Smallest unbiased exponent of a normal number.
  int emin() const { return subnormals ? 1 - bias : -bias; }
  // Largest finite magnitude code (sign bit clear).
  uint64_t max_finite_code() const { return derived.max_code; }
  // Unbiased exponent of the largest finite value.
  int emax() const;
  uint64_t inf_code() const { return derived.inf_code; }  // positive infinity; only if has_inf
  uint64_t canonical_nan_code() const { return derived.nan_code; }  // the one NaN fmalab produces
  bool is_nan_code(uint64_t bits) const;

  // Constants that follow from the fields above, filled in once by parse_format so the
  // datapath does not re-derive them per operation.
  struct Derived {
    uint64_t max_code = 0, inf_code = 0, nan_code = 0;
  } derived;

  // Fixed-point range as two's complement integers.
  int64_t fixed_max() const;
  int64_t fixed_min() const;
};

// Parse a format name: a table entry (fp32, e4m3, int8, ...), an alias (e4m3fn),
// or a generic name (eXmY, eXmYfn, eXmYfnuz, fxW_F, intN, lnsW_F). nullopt if unknown.
std::optional<Format> parse_format(std::string_view name);

// The named formats, in the order `fmalab formats` lists them.
const std::vector<std::string>& named_formats();

// One line for error messages: the table names and the generic patterns.
std::string format_name_help();

}  // namespace fmalab
