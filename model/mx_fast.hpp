// mxq's batch path: one block at a time from fp32 or bf16 codes, the scale from the block's largest
// magnitude code (NVFP4: its recipe's three fp32 operations, done in the host's IEEE single precision,
// which rounds to nearest even as the staged fp32_mul/fp32_div do), each element through a table of the
// element conversion.
// The table is encode's own result (mx_element) on one representative of every class of inputs that
// round alike (sign, exponent after scaling, the significand bits down to the half bit, and whether
// any bit below is set), so it agrees with the staged path bit for bit; no allocation per block.
// Built for AVX2 (the index loop in 8 lanes, the lookups a gather) and for the baseline ISA.
#pragma once

#include <cstdint>
#include <vector>

#include "block_format.hpp"
#include "options.hpp"

namespace fmalab {

class MxQuantizeKernel {
 public:
  MxQuantizeKernel(const BlockFormat& b, const Format& src, const Options& o);
  // One block: k source codes (in words of type W, fp32 or bf16 codes) and ts, NVFP4's fp32 encode
  // scale (ignored by MX formats) -> the scale code and k element codes; returns the flags.
  // AVX2 where the host has it, else the baseline build (SSE2), chosen once at construction.
  template <class W>
  uint8_t run(const W* v, uint64_t ts, uint64_t* scale, uint64_t* p) const;
  // The two builds of the same body (the tests hold both to the one-block path).
  // (The attributes sit on these declarations: GCC drops a definition's target attribute from an
  // explicit instantiation.)
  template <class W>
  [[gnu::target("avx2"), gnu::flatten]] uint8_t run_avx2(const W* v, uint64_t ts, uint64_t* scale, uint64_t* p) const;
  template <class W>
  [[gnu::flatten]] uint8_t run_baseline(const W* v, uint64_t ts, uint64_t* scale, uint64_t* p) const;
  bool has_avx2() const { return avx2_; }

 private:
  template <class W>
  uint8_t by_size(const W* v, uint64_t ts, uint64_t* scale, uint64_t* p) const;
  template <class W, int K>
  uint8_t block(const W* v, uint64_t* scale, uint64_t* p) const;
  template <class W, int K>
  uint8_t nvfp4_block(const W* v, uint64_t ts, uint64_t* scale, uint64_t* p) const;
  // The elements of a block whose scale is 2^e: words of the element step's source (src_).
  template <class W, int K>
  uint8_t elements(const W* v, int e, uint64_t* p) const;
  static constexpr int kMaxK = 64;  // the largest block (mx:ELEM:K:SCALE takes K up to 64)
  BlockFormat b_;
  Format in_;   // the codes run() takes (fp32 or bf16)
  Format src_;  // the words the element step reads: in_, or fp32 for NVFP4 (v_i times its recipe's r)
  Options o_;
  int ms_ = 0, bias_ = 0;             // source mantissa bits and exponent bias
  uint32_t mag_mask_ = 0, inf_mag_ = 0;
  int t_ = 0;                         // significand bits below the leading one that decide a rounding
  int lo_ = 0, hi_ = 0;               // the scaled exponents the table covers
  std::vector<uint32_t> table_;       // code | flags << 16
  std::vector<uint16_t> scale_code_;  // per E - e_min
  uint32_t zero_code_[2] = {0, 0};
  std::vector<float> e4m3_value_;    // NVFP4: each scale code's value
  std::vector<uint8_t> e4m3_code_;   // NVFP4: a magnitude's e4m3 code (RNE, saturating) by its top 13 bits and sticky
  bool avx2_ = false;
};

extern template uint8_t MxQuantizeKernel::run<uint64_t>(const uint64_t*, uint64_t, uint64_t*, uint64_t*) const;
extern template uint8_t MxQuantizeKernel::run<uint32_t>(const uint32_t*, uint64_t, uint64_t*, uint64_t*) const;
extern template uint8_t MxQuantizeKernel::run_baseline<uint64_t>(const uint64_t*, uint64_t, uint64_t*, uint64_t*) const;
extern template uint8_t MxQuantizeKernel::run_baseline<uint32_t>(const uint32_t*, uint64_t, uint64_t*, uint64_t*) const;
extern template uint8_t MxQuantizeKernel::run_avx2<uint64_t>(const uint64_t*, uint64_t, uint64_t*, uint64_t*) const;
extern template uint8_t MxQuantizeKernel::run_avx2<uint32_t>(const uint32_t*, uint64_t, uint64_t*, uint64_t*) const;

}  // namespace fmalab
