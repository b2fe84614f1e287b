// The matrices of a product-sum unit's GEMM as `fmalab gemm` and `fmalab systolic` read and write
// them: A (M x K) and B (K x N) as .npy codes of the unit's input format (or float values under
// --quantize), C (M x N) in its accumulator format, K padded to whole unit calls with a zero product
// that changes no result, D written as codes (or float values). One copy of the input checks and the
// padding rule, so that the two commands agree bit for bit. Header-only: both commands include it.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "npy.hpp"
#include "streams.hpp"

namespace fmalab::cli {

// What gemm and systolic both take: the UNIT, its model options, A, B, C and D's path.
struct GemmCommand {
  std::string unit, a, b, c, out;
  Options opts;
};

// Declares them on a command's app; a_help says what A holds (codes, or values under --quantize).
inline void add_gemm_command(CLI::App& app, GemmCommand& f, const char* unit_help, const char* a_help) {
  add_unit(app, f.unit, "UNIT", unit_help);
  add_model_options(app, f.opts, nullptr);
  add_text(app, "--a", f.a, a_help);
  add_text(app, "--b", f.b, "B (K x N) likewise");
  add_text(app, "--c", f.c, "C (M x N) in the accumulator format (default zeros)");
  add_output(app, f.out);
}

// After parsing: no stochastic rounding, and the UNIT (`example` shows one), A, B and D given.
inline void check_gemm_command(const GemmCommand& f, const std::string& cmd, const std::string& example) {
  if (f.opts.mode == Round::SR) throw InputError(cmd + " takes no stochastic rounding");
  if (f.unit.empty()) throw InputError(cmd + " needs a UNIT, e.g. " + example);
  if (f.a.empty() || f.b.empty()) throw InputError(cmd + " needs --a A.npy and --b B.npy");
  if (f.out.empty()) throw InputError(cmd + " needs -o D.npy");
}

// An input matrix: 2-D, the expected dtype (codes of `f`, or floats under --quantize; `takes_floats`:
// the command has --quantize, and the message says so).
inline void check_matrix(const npy::Array& x, const char* name, const Format& f, bool quantize,
                         bool takes_floats = true) {
  if (x.shape().size() != 2)
    throw InputError("input file " + x.shown() + ": " + name + " must be a 2-D matrix, got " +
                     std::to_string(x.shape().size()) + " dimensions");
  if (quantize) {
    if (x.kind() != 'f')
      throw InputError("input file " + x.shown() + ": dtype '" + x.descr() +
                       "'; --quantize reads float32 or float64 values");
  } else {
    const std::string want = npy::code_descr(f.bits);
    if (x.kind() != 'u' || x.item_bytes() != want[2] - '0')
      throw InputError("input file " + x.shown() + ": dtype '" + x.descr() + "'; " + name + " holds " + f.name +
                       " codes as uint" + std::to_string(8 * (want[2] - '0')) + " ('" + want + "')" +
                       (takes_floats ? ", or float values with --quantize" : ""));
  }
}

inline std::string shape_text(const npy::Array& x) {
  return "(" + std::to_string(x.shape()[0]) + ", " + std::to_string(x.shape()[1]) + ")";
}

// Element i (flat) of a code matrix, checked to fit `f`.
inline uint64_t checked_code(const npy::Array& x, size_t i, const Format& f) {
  const uint64_t v = x.code(i);
  if (v & ~f.mask()) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    throw InputError("input file " + x.shown() + ": code " + buf + " at flat index " + std::to_string(i) +
                     " is wider than " + f.name + "'s " + std::to_string(f.bits) + " bits");
  }
  return v;
}

// Element i (flat) of a value matrix, checked to be finite.
inline double checked_value(const npy::Array& x, size_t i) {
  const double v = x.value(i);
  if (!std::isfinite(v))
    throw InputError("input file " + x.shown() + ": value " + (std::isnan(v) ? "NaN" : "Inf") + " at flat index " +
                     std::to_string(i) + " cannot be quantized");
  return v;
}

// A (M x K) or B (K x N) as codes of `in`, laid out as rows of `kpad` (the K index last: B is
// transposed) padded with `pad` (this operand's half of a zero product that changes no result). Under --quantize the
// values are quantized with the per-tensor scale of `fmalab stream` (quantize_tensor) and *scale
// receives the scale.
inline std::vector<uint32_t> load_operand(const npy::Array& x, bool transpose, const Format& in, bool quantize,
                                          size_t kpad, uint64_t pad, double* scale) {
  const size_t rows = x.shape()[0], cols = x.shape()[1];
  const size_t outer = transpose ? cols : rows;
  std::vector<uint32_t> out(outer * kpad, static_cast<uint32_t>(pad));
  const auto put = [&](size_t flat, uint64_t code) {
    const size_t r = flat / cols, c = flat % cols;
    const size_t o = transpose ? c : r, kk = transpose ? r : c;
    out[o * kpad + kk] = static_cast<uint32_t>(code);
  };
  *scale = 1;
  if (!quantize) {
    for (size_t i = 0; i < x.size(); ++i) put(i, checked_code(x, i, in));
    return out;
  }
  std::vector<double> values(x.size());
  for (size_t i = 0; i < x.size(); ++i) values[i] = checked_value(x, i);
  const QuantizedTensor q = quantize_tensor(in, values);
  *scale = q.scale;
  for (size_t i = 0; i < x.size(); ++i) put(i, q.codes[i]);
  return out;
}

// Where the matrices come from.
struct GemmFiles {
  std::string a, b, c;  // c empty: no C
  bool quantize = false;
  bool takes_floats = true;  // the command has --quantize
};

// The loaded, checked and padded operands of D = A x B (+ C) on `op` (shape `ps`).
struct GemmOperands {
  size_t M = 0, K = 0, N = 0;
  size_t kunit = 1;   // the unit's K': products per evaluation
  size_t chunks = 0;  // ceil(K / K')
  size_t kpad = 0;    // chunks * K'
  std::vector<uint32_t> a, bt;  // M x kpad, N x kpad (B transposed), padded
  std::vector<uint64_t> c;      // M x N ACC codes, or empty
  double scale = 1;             // --quantize: D's values are scale * value(code)
};

// Each operand's half of the pad product for `op` when K needs padding (K != kpad).
// A zero product that changes no result. The GPU presets skip zero products whatever their sign;
// exact (IEEE 754 6.3) gives an exact zero sum the sign of its terms when they agree, so the pad
// is a -0 product (+0 x -1), which agrees with any all-negative row and, outside RDN, cannot make a
// positive one negative; in RDN, where mixed signs give -0, it is +0 x +0.
inline std::pair<uint64_t, uint64_t> pad_codes(const Operation& op, const Format& in, size_t K, size_t kunit) {
  if (K % kunit == 0) return {0, 0};
  if (!in.has_zero() || !in.is_signed)
    throw InputError("K = " + std::to_string(K) + " is not a multiple of " + op.name() + "'s K = " +
                     std::to_string(kunit) + ", and " + in.name + " has no signed zero product to pad with");
  return {0, op.options().mode != Round::RDN ? quantize(in, -1.0, 1.0) : 0};
}

// A, B and C from their files, checked against each other and against op's formats.
inline GemmOperands load_gemm_operands(const Operation& op, const ProductSum& ps, const GemmFiles& f) {
  const npy::Array A(f.a), B(f.b);
  const std::optional<npy::Array> C = f.c.empty() ? std::nullopt : std::optional<npy::Array>(std::in_place, f.c);
  check_matrix(A, "A", ps.in, f.quantize, f.takes_floats);
  check_matrix(B, "B", ps.in, f.quantize, f.takes_floats);
  if (C) check_matrix(*C, "C", ps.acc, f.quantize, f.takes_floats);
  GemmOperands p;
  p.kunit = static_cast<size_t>(ps.terms);
  p.M = A.shape()[0], p.K = A.shape()[1], p.N = B.shape()[1];
  if (p.K == 0) throw InputError("input file " + A.shown() + ": A has no columns (K = 0)");
  if (B.shape()[0] != p.K)
    throw InputError("input file " + B.shown() + ": B is " + shape_text(B) + ", A is " + shape_text(A) + ": want " +
                     std::to_string(p.K) + " rows");
  if (C && (C->shape()[0] != p.M || C->shape()[1] != p.N))
    throw InputError("input file " + C->shown() + ": C is " + shape_text(*C) + ", want (" + std::to_string(p.M) + ", " +
                     std::to_string(p.N) + ")");
  p.chunks = (p.K + p.kunit - 1) / p.kunit;
  p.kpad = p.chunks * p.kunit;
  const auto [pad_a, pad_b] = pad_codes(op, ps.in, p.K, p.kunit);
  double sa = 1, sb = 1;
  p.a = load_operand(A, false, ps.in, f.quantize, p.kpad, pad_a, &sa);
  p.bt = load_operand(B, true, ps.in, f.quantize, p.kpad, pad_b, &sb);
  // `fmalab stream`'s scale maps a tensor's max |x| to the format's max: x ~ scale * value(code),
  // so a product of codes is (a b) / (sa sb), C joins the sum as C / (sa sb) and D = sa sb value(y).
  p.scale = sa * sb;
  if (C) {
    p.c.resize(C->size());
    for (size_t i = 0; i < C->size(); ++i)
      p.c[i] = f.quantize ? quantize(ps.acc, checked_value(*C, i), p.scale) : checked_code(*C, i, ps.acc);
  }
  return p;
}

// D (M x N codes of `f`) into `out` as a .npy file: the codes as uints, or with `scale` float32
// values scale * value(code). The caller commits.
inline void write_matrix(Output& out, const std::vector<uint64_t>& d, size_t M, size_t N, const Format& f,
                         std::optional<double> scale) {
  const size_t shape[] = {M, N};
  out.write(npy::header(scale ? "<f4" : npy::code_descr(f.bits), shape));
  const size_t bytes = scale ? 4 : static_cast<size_t>(npy::code_descr(f.bits)[2] - '0');
  std::string chunk;
  for (size_t i = 0; i < d.size(); ++i) {
    char b[8];
    if (scale) {
      const float v = static_cast<float>(value_of(f, d[i]) * *scale);
      std::memcpy(b, &v, 4);
    } else {
      const uint64_t v = d[i];
      std::memcpy(b, &v, 8);  // little-endian: the low `bytes` bytes
    }
    chunk.append(b, bytes);
    if (chunk.size() >= (1u << 16)) out.write(chunk), chunk.clear();
  }
  out.write(chunk);
}

}  // namespace fmalab::cli
