// Quantizing one block into a block format and back (README "MX block formats and NVFP4"):
// the MX scale rules, the element conversion, NVIDIA's NVFP4 two-level recipe, and dequantization.
// Every rounding goes through encode (codec.hpp).
#pragma once

#include <cstdint>
#include <span>

#include "block_format.hpp"
#include "codec.hpp"
#include "options.hpp"

namespace fmalab {

// The exponent E of an MX scale 2^E for a block whose largest magnitude is amax_sig * 2^amax_lsb
// (amax_sig != 0), by rule, before clamping to the scale's range. Exact (no floating-point log):
//   ocp:  floor(log2 amax) - emax_elem
//   ceil: the smallest E with amax <= max_elem * 2^E
//   even: the integer nearest log2(amax / max_elem)
int scale_exponent(const BlockFormat& b, ScaleRule rule, uint64_t amax_sig, int amax_lsb);

// One element: x (the source value already divided by the scale) rounded into the element format in
// `mode`. clamp, or an element format with neither Inf nor NaN, saturates to +-max_elem; fixed-point
// elements never give the most negative code (mxint8: -128 becomes -127, OF).
Encoded mx_element(const BlockFormat& b, const Exact& x, Round mode, bool clamp);

// mxq on one block: v holds k codes of src (fp32 or bf16), ts the fp32 per-tensor encode scale
// S_enc (NVFP4 only). Writes the scale code and k element codes; returns the flags. Reads o.mode,
// o.rule (MX) and o.clamp.
uint8_t mx_quantize(const BlockFormat& b, const Format& src, std::span<const uint64_t> v, uint64_t ts,
                    const Options& o, uint64_t* scale, std::span<uint64_t> p);

// mxdq on one block: the scale code, k element codes and ts (NVFP4) -> k fp32 codes; returns the flags.
uint8_t mx_dequantize(const BlockFormat& b, uint64_t scale, std::span<const uint64_t> p, uint64_t ts,
                      std::span<uint64_t> v);

// NVFP4's two halves (mx_nvfp4.cpp), every step an fp32 operation rounded to nearest even.
uint8_t nvfp4_quantize(const BlockFormat& b, const Format& src, std::span<const uint64_t> v, uint64_t ts,
                       const Options& o, uint64_t* scale, std::span<uint64_t> p);
// The recipe from a given amax (an fp32 magnitude code): the block's own, or a 16x16 weight tile's.
uint8_t nvfp4_encode(const BlockFormat& b, const Format& src, std::span<const uint64_t> v, uint64_t amax, uint64_t ts,
                     const Options& o, uint64_t* scale, std::span<uint64_t> p);
uint8_t nvfp4_dequantize(const BlockFormat& b, uint64_t scale, std::span<const uint64_t> p, uint64_t ts,
                         std::span<uint64_t> v);
// NVFP4's per-tensor encode scale S_enc = fp32(448 * 6 / amax) for a tensor whose largest magnitude has
// the fp32 code amax; 1.0 when amax is zero or not finite.
uint64_t nvfp4_tensor_scale(uint64_t amax);

// IEEE binary32 multiplication and division of fp32 codes, rounded to nearest even through encode,
// with their IEEE flags (a NaN result is 0x7FC00000).
Encoded fp32_mul(uint64_t a, uint64_t b);
Encoded fp32_div(uint64_t a, uint64_t b);

// The fp32 code of a source code (fp32 or bf16: exact).
inline uint64_t fp32_of_source(const Format& src, uint64_t code) { return src.bits == 16 ? code << 16 : code; }

}  // namespace fmalab
