// The FMA datapath built once for a unit and its options, for batches: decode tables and a SIMD
// fast path for the common case, which hands every other vector to the staged datapath (fma.hpp).
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "fma.hpp"

namespace fmalab {

// The same datapath built once for a unit and options, for batches: operands of formats up
// to 16 bits are unpacked from tables made by unpack() itself. Each call passes its own random bits.
class FmaKernel {
 public:
  FmaKernel(const Format& in, const Format& acc, const Options& o);
  Encoded operator()(uint64_t a, uint64_t b, uint64_t c, RandomBits rnd = {}, FmaStages* stages = nullptr) const;
  // A batch without stochastic rounding: vector i's operands a, b, c are ops[i * stride + 0..2].
  // Built for AVX2 and for the baseline ISA, chosen at run time (fma.cpp).
  void run(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const;
  // The two builds of run() by name, for the tests and benchmarks; run_avx2 needs an AVX2 host.
  void run_avx2(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const;
  void run_baseline(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const;
  bool host_has_avx2() const { return avx2_; }
  // Whether operator() tries the SIMD fast path (tabled inputs, no stochastic rounding) before the staged one.
  bool has_fast_path() const { return !in_value_.empty() && opts_.mode != Round::SR; }
  const Format& in() const { return in_; }
  const Format& acc() const { return acc_; }

 private:
  // The common finite case without the stage structs; false hands the vector to the staged datapath.
  template <Round M>
  bool fast(uint64_t a, uint64_t b, uint64_t c, Encoded* out) const;
  // The same arithmetic on four vectors at once (SIMD through GCC vector types); returns a bit per
  // lane that must go to the staged datapath instead.
  template <Round M>
  unsigned fast4(const uint64_t* a, const uint64_t* b, const uint64_t* c, Encoded* out) const;
  // Calls f.template operator()<M>() with the configured mode as a constant; false when the fast
  // path does not serve this kernel (no tables, or stochastic rounding).
  template <class F>
  bool with_fast_mode(F&& f) const;
  void run_body(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const;
  // Unpack from the tables, then the staged datapath; flattened so the batch path inlines it all.
  [[gnu::flatten, gnu::noinline]] Encoded staged(uint64_t a, uint64_t b, uint64_t c, RandomBits rnd,
                                                 FmaStages* stages) const;

  Format in_, acc_;
  Options opts_;
  int window_;
  std::vector<Decoded> in_table_, acc_table_;
  // The fast path's operand values as doubles (NaN for Inf and NaN); empty: no fast path.
  std::vector<double> in_value_, acc_value_;
  bool acc_is_fp32_ = false;  // c is read as an IEEE binary32 bit pattern instead of from acc_value_
  int acc_man_ = 0, acc_bias_ = 0, acc_emin_ = 0;
  uint64_t in_mask_ = 0, acc_mask_ = 0, acc_max_code_ = 0, acc_sign_mask_ = 0, acc_inf_code_ = 0;
  bool fast_overflow_ = false;  // ACC has Inf and no saturation: the fast path packs overflow itself
  bool avx2_ = false;           // the host runs the AVX2 build of the batch loop
};

namespace simd {
using f64x4 = double __attribute__((vector_size(32)));
using u64x4 = uint64_t __attribute__((vector_size(32)));
using i64x4 = int64_t __attribute__((vector_size(32)));
}  // namespace simd

// The common case, computed with host binary64 arithmetic that is provably the same as the staged
// datapath: the product of two narrow operands is exact in a double; TwoSum gives the sum's
// rounding error exactly; folding that error into the last bit (round to odd) keeps every fact a
// narrower rounding needs (Boldo and Melquiond, "When double rounding is odd"). Four vectors at a
// time and without branches on the data (comparisons give all-ones masks, `& 1` makes them 0/1):
// a lane's bit in the result sends it to the staged datapath instead, for Inf or NaN operands,
// a zero sum (signed-zero rules), a result below the normal range (UF), and overflow into a
// format without Inf or with saturation.
template <Round M>
[[gnu::always_inline]] inline unsigned FmaKernel::fast4(const uint64_t* a, const uint64_t* b, const uint64_t* c,
                                                        Encoded* out) const {
  using namespace simd;
  const f64x4 pa = {in_value_[a[0] & in_mask_], in_value_[a[1] & in_mask_], in_value_[a[2] & in_mask_],
                    in_value_[a[3] & in_mask_]};
  const f64x4 pb = {in_value_[b[0] & in_mask_], in_value_[b[1] & in_mask_], in_value_[b[2] & in_mask_],
                    in_value_[b[3] & in_mask_]};
  f64x4 cv;
  for (int k = 0; k < 4; ++k)
    cv[k] = acc_is_fp32_ ? static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(c[k])))
                         : acc_value_[c[k] & acc_mask_];
  const f64x4 p = pa * pb;
  const f64x4 s = p + cv;
  const f64x4 bv = s - p;
  const f64x4 e = (p - (s - bv)) + (cv - bv);
  u64x4 bits = std::bit_cast<u64x4>(s);
  const u64x4 ebits = std::bit_cast<u64x4>(e);
  // One unsigned compare: the exponent field is 1..0x7fe, so s is finite and not zero (Inf and NaN
  // operands read as NaN). s is never a binary64 subnormal: every operand grid lies far above.
  u64x4 to_staged = (u64x4)(((bits >> 52) & 0x7ff) - 1 > 0x7fe - 1);
  if (acc_is_fp32_ && opts_.ftz_in)
    for (int k = 0; k < 4; ++k) to_staged[k] |= (c[k] & 0x7f800000u) == 0 ? ~uint64_t{0} : 0;
  // Round to odd: an inexact s with an even significand moves one ulp toward the exact sum.
  const u64x4 toward = (u64x4)(-(i64x4)((ebits ^ bits) >> 63)) | 1;
  const u64x4 move = (u64x4)(e != 0) & ~bits & 1;
  bits += toward & -move;
  const u64x4 sign = bits >> 63;
  const i64x4 exp = (i64x4)((bits >> 52) & 0x7ff) - 1023;
  to_staged |= (u64x4)(exp < acc_emin_);
  const int drop = 52 - acc_man_;
  const u64x4 sig = (bits & ((uint64_t{1} << 52) - 1)) | uint64_t{1} << 52;
  const u64x4 kept = sig >> drop;
  const u64x4 rem = sig & ((uint64_t{1} << drop) - 1);
  const u64x4 nx = (u64x4)(rem != 0) & 1;
  const u64x4 half = (rem >> (drop - 1)) & 1;
  const u64x4 below = (u64x4)((rem & ((uint64_t{1} << (drop - 1)) - 1)) != 0) & 1;
  u64x4 inc = kept & 0;
  if constexpr (M == Round::RNE) inc = half & (below | (kept & 1));
  if constexpr (M == Round::RDN) inc = sign & nx;
  if constexpr (M == Round::RUP) inc = (sign ^ 1) & nx;
  if constexpr (M == Round::RMM) inc = half;
  const u64x4 code = ((u64x4)(exp + (acc_bias_ - 1)) << acc_man_) + kept + inc;
  // Round first, then check overflow: Inf or max as the mode says (IEEE 754 7.4), with OF and NX.
  const u64x4 over = (u64x4)(code > acc_max_code_);
  if (!fast_overflow_) to_staged |= over;
  u64x4 over_code = code & 0;
  if constexpr (M == Round::RTZ) over_code += acc_max_code_;
  if constexpr (M == Round::RNE || M == Round::RMM) over_code += acc_inf_code_;
  const u64x4 neg = -sign;
  if constexpr (M == Round::RUP) over_code = (neg & acc_max_code_) | (~neg & acc_inf_code_);
  if constexpr (M == Round::RDN) over_code = (neg & acc_inf_code_) | (~neg & acc_max_code_);
  const u64x4 result = ((over & over_code) | (~over & code)) | (acc_sign_mask_ & neg);
  const u64x4 flags = (over & (flag::OF | flag::NX)) | (~over & (nx * flag::NX));
  unsigned staged_lanes = 0;
  for (int k = 0; k < 4; ++k) {
    out[k] = Encoded{result[k], static_cast<uint8_t>(flags[k])};
    staged_lanes |= static_cast<unsigned>(to_staged[k] & 1) << k;
  }
  return staged_lanes;
}

template <Round M>
inline bool FmaKernel::fast(uint64_t a, uint64_t b, uint64_t c, Encoded* out) const {
  const uint64_t as[4] = {a, a, a, a}, bs[4] = {b, b, b, b}, cs[4] = {c, c, c, c};
  Encoded r[4];
  const bool ok = (fast4<M>(as, bs, cs, r) & 1) == 0;
  *out = r[0];
  return ok;
}

template <class F>
bool FmaKernel::with_fast_mode(F&& f) const {
  if (in_value_.empty()) return false;
  switch (opts_.mode) {
    case Round::RNE: f.template operator()<Round::RNE>(); return true;
    case Round::RTZ: f.template operator()<Round::RTZ>(); return true;
    case Round::RDN: f.template operator()<Round::RDN>(); return true;
    case Round::RUP: f.template operator()<Round::RUP>(); return true;
    case Round::RMM: f.template operator()<Round::RMM>(); return true;
    case Round::SR: break;
  }
  return false;
}

inline Encoded FmaKernel::operator()(uint64_t a, uint64_t b, uint64_t c, RandomBits rnd, FmaStages* stages) const {
  if (!stages) {
    Encoded r;
    bool done = false;
    with_fast_mode([&]<Round M>() { done = fast<M>(a, b, c, &r); });
    if (done) return r;
  }
  return staged(a, b, c, rnd, stages);
}

}  // namespace fmalab
