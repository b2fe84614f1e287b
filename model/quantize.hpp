// Quantizing tensors of real values: with one per-tensor scale (the FP8 papers' recipe, used by the
// operand streams, gemm --quantize and `fmalab quantize e4m3`) or block by block into an MX / NVFP4
// block format (mxq's recipe, `fmalab quantize mxfp8_e4m3`). Model functionality shared by the
// command line, the operand streams (sim/streams.hpp) and the Python module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "block_format.hpp"
#include "format.hpp"
#include "options.hpp"

namespace fmalab {

// A code's value as a double (exact for the formats of the RTL units; LNS: exp2 of the log).
double value_of(const Format& f, uint64_t code);
// f's largest finite value.
double max_value(const Format& f);
// v rounded to fp32 by the host (nearest even), as an fp32 code.
uint64_t fp32_code(double v);

// The tensor quantized into f: scale = max|x| / top (top 0: f's largest finite value), codes = x / scale
// rounded to nearest even with saturation (LNS formats: nearest in log2).
// sqnr_db = 10 log10(sum x^2 / sum (x - scale * value(code))^2).
struct QuantizedTensor {
  std::vector<uint64_t> codes;
  double scale = 1;
  double sqnr_db = 0;
};
QuantizedTensor quantize_tensor(const Format& f, const std::vector<double>& x, double top = 0);
// The scale of a tensor whose largest magnitude is amax (mapped to top; 0: f's largest finite value),
// and one value's code under it.
double tensor_scale(const Format& f, double amax, double top = 0);
uint64_t quantize(const Format& f, double x, double scale);

// One block of b.k values (fewer at a tensor's end: zeros fill it) quantized by mxq's default recipe
// (scale rule ocp, elements to nearest even, clamped) with the NVFP4 encode scale ts.
void quantize_block(const BlockFormat& b, std::span<const double> x, uint64_t ts, uint64_t* scale,
                    std::span<uint64_t> codes);

// Block formats: x quantized block by block (b.k values each, the last block padded with zeros) by
// mxq with its default recipe; NVFP4 with the tensor's encode scale ts = nvfp4_tensor_scale(amax of x).
// codes[i] is element i, scales[i / b.k] its block's scale; sqnr_db as quantize_tensor's, of the
// dequantized values (mxdq).
struct QuantizedBlocks {
  std::vector<uint64_t> codes, scales;
  uint64_t ts = 0x3f800000;
  double sqnr_db = 0;
};
QuantizedBlocks quantize_blocks(const BlockFormat& b, const std::vector<double>& x);

// What `fmalab quantize FMT` computes for a block format, on a tensor in C order whose last axis has
// `last` values: each row of the last axis cut into blocks of b.k (the last padded with zeros) and
// quantized by the mxq operation under o (--rule, --round, --no-clamp); NVFP4 with the tensor's encode
// scale. weights_2d (NVFP4): every block takes the amax of its 16x16 tile of the last two axes (a NaN
// or Inf in the tile makes the tile's blocks NaN).
struct BlockTensor {
  std::vector<uint64_t> codes;    // one per value
  std::vector<uint64_t> scales;   // one per block: rows * ceil(last / b.k)
  std::vector<uint64_t> dequant;  // fp32 codes of the dequantized values (mxdq), one per value
  uint64_t ts = 0x3f800000;       // NVFP4's per-tensor encode scale (fp32 code)
  double sqnr_db = 0;             // over the finite inputs; +inf without noise
};
// x: the values; fp32: the same values as fp32 codes (a float32 tensor's own bits, a float64 one
// rounded to nearest even). height: the second-to-last axis (used only with weights_2d). Throws
// std::invalid_argument with the operation's message for options mxq refuses.
BlockTensor quantize_block_tensor(const BlockFormat& b, std::span<const double> x, std::span<const uint64_t> fp32,
                                  size_t last, const Options& o, bool weights_2d = false, size_t height = 0);

}  // namespace fmalab
