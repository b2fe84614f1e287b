// The FMA datapath built once for a unit and its options, for batches: decode tables and a SIMD
// fast path for the common case, which hands every other vector to the staged datapath (fma.hpp).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "fma.hpp"

namespace fmalab {

namespace simd {
// N lanes of binary64 and of 64-bit integers (GCC vector types: AVX-512, AVX2 or SSE2 instructions
// as the function's target allows; one lane is plain scalar code).
template <int N>
struct Lanes;
#define FMALAB_LANES(n)                                                  \
  template <>                                                           \
  struct Lanes<n> {                                                     \
    using f64 = double __attribute__((vector_size(8 * (n))));          \
    using u64 = uint64_t __attribute__((vector_size(8 * (n))));        \
    using i64 = int64_t __attribute__((vector_size(8 * (n))));         \
  };
FMALAB_LANES(1)
FMALAB_LANES(4)
FMALAB_LANES(8)
#undef FMALAB_LANES

// Operands a, b, c of N vectors stored as rows of three words (the batch API's layout): three
// vector loads and two shuffles per operand instead of 3N scalar loads.
template <int N>
[[gnu::always_inline]] inline void load_rows(const uint64_t* rows, typename Lanes<N>::u64* a, typename Lanes<N>::u64* b,
                                             typename Lanes<N>::u64* c) {
  using U = typename Lanes<N>::u64;
  if constexpr (N == 1) {
    *a = U{rows[0]}, *b = U{rows[1]}, *c = U{rows[2]};
  } else {
    U v0, v1, v2;
    std::memcpy(&v0, rows, sizeof v0);
    std::memcpy(&v1, rows + N, sizeof v1);
    std::memcpy(&v2, rows + 2 * N, sizeof v2);
    if constexpr (N == 4) {
      *a = __builtin_shufflevector(__builtin_shufflevector(v0, v1, 0, 3, 6, 7), v2, 0, 1, 2, 5);
      *b = __builtin_shufflevector(__builtin_shufflevector(v0, v1, 1, 4, 7, 0), v2, 0, 1, 2, 6);
      *c = __builtin_shufflevector(__builtin_shufflevector(v0, v1, 2, 5, 0, 0), v2, 0, 1, 4, 7);
    } else {
      static_assert(N == 8);
      *a = __builtin_shufflevector(__builtin_shufflevector(v0, v1, 0, 3, 6, 9, 12, 15, 0, 0), v2, 0, 1, 2, 3, 4, 5, 10,
                                   13);
      *b = __builtin_shufflevector(__builtin_shufflevector(v0, v1, 1, 4, 7, 10, 13, 0, 0, 0), v2, 0, 1, 2, 3, 4, 8, 11,
                                   14);
      *c = __builtin_shufflevector(__builtin_shufflevector(v0, v1, 2, 5, 8, 11, 14, 0, 0, 0), v2, 0, 1, 2, 3, 4, 9, 12,
                                   15);
    }
  }
}

// N results and flags into Encoded records (bits, then flags in the next word's low byte): the two
// vectors interleaved, two vector stores.
template <int N>
[[gnu::always_inline]] inline void store_encoded(typename Lanes<N>::u64 bits, typename Lanes<N>::u64 flags,
                                                 Encoded* out) {
  static_assert(sizeof(Encoded) == 16 && offsetof(Encoded, flags) == 8, "Encoded is a word and a flags byte");
  using U = typename Lanes<N>::u64;
  if constexpr (N == 1) {
    out[0] = Encoded{bits[0], static_cast<uint8_t>(flags[0])};
  } else {
    U lo, hi;
    if constexpr (N == 4) {
      lo = __builtin_shufflevector(bits, flags, 0, 4, 1, 5);
      hi = __builtin_shufflevector(bits, flags, 2, 6, 3, 7);
    } else {
      lo = __builtin_shufflevector(bits, flags, 0, 8, 1, 9, 2, 10, 3, 11);
      hi = __builtin_shufflevector(bits, flags, 4, 12, 5, 13, 6, 14, 7, 15);
    }
    std::memcpy(static_cast<void*>(out), &lo, sizeof lo);
    std::memcpy(static_cast<void*>(out + N / 2), &hi, sizeof hi);
  }
}
}  // namespace simd

// The same datapath built once for a unit and options, for batches: operands of formats up
// to 16 bits are unpacked from tables made by unpack() itself. Each call passes its own random bits.
class FmaKernel {
 public:
  FmaKernel(const Format& in, const Format& acc, const Options& o);
  Encoded operator()(uint64_t a, uint64_t b, uint64_t c, RandomBits rnd = {}, FmaStages* stages = nullptr) const;
  // A batch without stochastic rounding: vector i's operands a, b, c are ops[i * stride + 0..2].
  // Built for AVX-512, AVX2 and the baseline ISA, chosen at run time (fma_kernel.cpp).
  void run(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const;
  // The builds of run() by name, for the tests and benchmarks; run_avx512 needs a host with
  // AVX-512 F/DQ/VL, run_avx2 one with AVX2.
  void run_avx512(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const;
  void run_avx2(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const;
  void run_baseline(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const;
  bool host_has_avx2() const { return avx2_; }
  bool host_has_avx512() const { return avx512_; }
  // Whether operator() tries the SIMD fast path (formats and options it serves) before the staged one.
  bool has_fast_path() const { return fast_; }
  const Format& in() const { return in_; }
  const Format& acc() const { return acc_; }

 private:
  // The common finite case without the stage structs; false hands the vector to the staged datapath.
  template <Round M>
  bool fast(uint64_t a, uint64_t b, uint64_t c, Encoded* out) const;
  // The same arithmetic on N vectors at once (SIMD through GCC vector types; N = 1 is the scalar
  // path of single calls); returns a bit per lane that must go to the staged datapath instead.
  template <Round M, int N>
  unsigned fast_lanes(typename simd::Lanes<N>::u64 a, typename simd::Lanes<N>::u64 b, typename simd::Lanes<N>::u64 c,
                      Encoded* out) const;
  // Calls f.template operator()<M>() with the configured mode as a constant; false when the fast
  // path does not serve this kernel (see has_fast_path).
  template <class F>
  bool with_fast_mode(F&& f) const;
  template <int N>
  void run_body(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const;
  template <Round M, int N>
  void run_fast(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const;
  // Unpack from the tables, then the staged datapath; flattened so the batch path inlines it all.
  [[gnu::flatten, gnu::noinline]] Encoded staged(uint64_t a, uint64_t b, uint64_t c, RandomBits rnd,
                                                 FmaStages* stages) const;

  Format in_, acc_;
  Options opts_;
  int window_;
  std::vector<Decoded> in_table_, acc_table_;
  // An IEEE-style format (Inf, NaN, subnormals, a sign bit) wider than 8 bits: the fast path computes
  // a code's value from its fields in the lanes rather than read a table, which for 16 bits and
  // more is too large for the L1 cache (or, beyond 16 bits, is not built).
  struct LaneFormat {
    bool on = false;
    int man = 0, sign_at = 0;
    uint64_t mask = 0, emask = 0, rebias = 0;  // rebias: binary64's bias minus the format's
    double sub_scale = 0;                      // a subnormal's value per unit of its fraction field
  };
  static LaneFormat lane_format(const Format& f);
  // The values of N codes of f (NaN for Inf and NaN); *subnormal gets an all-ones lane per subnormal code.
  template <int N>
  static typename simd::Lanes<N>::f64 lane_values(typename simd::Lanes<N>::u64 codes, const LaneFormat& f,
                                                  typename simd::Lanes<N>::u64* subnormal);

  bool fast_ = false;  // the fast path serves this kernel (formats and options)
  // The fast path's operand values as doubles (NaN for Inf and NaN).
  std::vector<double> in_value_, acc_value_;
  LaneFormat in_lanes_, acc_lanes_;  // on: read the operand by lane_values, not from the table
  int acc_man_ = 0, acc_bias_ = 0, acc_emin_ = 0;
  uint64_t in_mask_ = 0, acc_mask_ = 0, acc_max_code_ = 0, acc_sign_mask_ = 0, acc_inf_code_ = 0;
  bool fast_overflow_ = false;  // ACC has Inf and no saturation: the fast path packs overflow itself
  bool avx2_ = false;           // the host runs the AVX2 build of the batch loop
  bool avx512_ = false;         // ... or the AVX-512 one
};

// The rounding increment of mode M from the kept bits' last bit, the first cut bit (half), the
// OR of the others (below) and the sign; nx: the cut was inexact.
template <Round M, int N>
[[gnu::always_inline]] inline typename simd::Lanes<N>::u64 round_increment(typename simd::Lanes<N>::u64 kept,
                                                                         typename simd::Lanes<N>::u64 half,
                                                                         typename simd::Lanes<N>::u64 below,
                                                                         typename simd::Lanes<N>::u64 nx,
                                                                         typename simd::Lanes<N>::u64 sign) {
  typename simd::Lanes<N>::u64 inc = kept & 0;
  if constexpr (M == Round::RNE) inc = half & (below | (kept & 1));
  if constexpr (M == Round::RDN) inc = sign & nx;
  if constexpr (M == Round::RUP) inc = (sign ^ 1) & nx;
  if constexpr (M == Round::RMM) inc = half;
  return inc;
}

// The common case, computed with host binary64 arithmetic that is provably the same as the staged
// datapath: the product of two narrow operands is exact in a double; TwoSum gives the sum's
// rounding error exactly; folding that error into the last bit (round to odd) keeps every fact a
// narrower rounding needs (Boldo and Melquiond, "When double rounding is odd"). N vectors at a
// time and without branches on the data (comparisons give all-ones masks, `& 1` makes them 0/1):
// a lane's bit in the result sends it to the staged datapath instead, for Inf or NaN operands,
// a zero sum (signed-zero rules) and overflow into a format without Inf or with saturation.
template <Round M, int N>
[[gnu::always_inline]] inline unsigned FmaKernel::fast_lanes(typename simd::Lanes<N>::u64 a,
                                                             typename simd::Lanes<N>::u64 b,
                                                             typename simd::Lanes<N>::u64 c, Encoded* out) const {
  using F = typename simd::Lanes<N>::f64;
  using U = typename simd::Lanes<N>::u64;
  using I = typename simd::Lanes<N>::i64;
  F pa, pb, cv;
  U sub_a, sub_b, sub_c;
  if (in_lanes_.on) {
    pa = lane_values<N>(a, in_lanes_, &sub_a);
    pb = lane_values<N>(b, in_lanes_, &sub_b);
  } else {
    for (int k = 0; k < N; ++k) pa[k] = in_value_[a[k] & in_mask_], pb[k] = in_value_[b[k] & in_mask_];
  }
  if (acc_lanes_.on) cv = lane_values<N>(c, acc_lanes_, &sub_c);
  else
    for (int k = 0; k < N; ++k) cv[k] = acc_value_[c[k] & acc_mask_];
  const F p = pa * pb;
  const F s = p + cv;
  const F bv = s - p;
  const F e = (p - (s - bv)) + (cv - bv);
  U bits = std::bit_cast<U>(s);
  const U ebits = std::bit_cast<U>(e);
  // One unsigned compare: the exponent field is 1..0x7fe, so s is finite and not zero (Inf and NaN
  // operands read as NaN). s is never a binary64 subnormal: every operand grid lies far above.
  U to_staged = (U)(((bits >> 52) & 0x7ff) - 1 > 0x7fe - 1);
  // Subnormal operands read as zero: the staged datapath flushes them (the tables do it themselves).
  if (opts_.ftz_in) {
    if (in_lanes_.on) to_staged |= sub_a | sub_b;
    if (acc_lanes_.on) to_staged |= sub_c;
  }
  // Round to odd: an inexact s with an even significand moves one ulp toward the exact sum.
  const U toward = (U)(-(I)((ebits ^ bits) >> 63)) | 1;
  const U move = (U)(e != 0) & ~bits & 1;
  bits += toward & -move;
  const U sign = bits >> 63;
  const I exp = (I)((bits >> 52) & 0x7ff) - 1023;
  const U sig = (bits & ((uint64_t{1} << 52) - 1)) | uint64_t{1} << 52;
  const int drop0 = 52 - acc_man_;
  const I deficit = acc_emin_ - exp;
  const U sub = (U)(deficit > 0);
  U kept, nx, inc, code, uf;
  // Normal results, by far the common case, cut every lane at one place (a shift by a constant);
  // only a group with a result below 2^emin takes the per-lane cut and the tininess test.
  U any_sub = sub;
  for (int k = 1; k < N; ++k) any_sub[0] |= sub[k];
  if (!any_sub[0]) [[likely]] {
    kept = sig >> drop0;
    const U rem = sig & ((uint64_t{1} << drop0) - 1);
    nx = (U)(rem != 0) & 1;
    inc = round_increment<M, N>(kept, (rem >> (drop0 - 1)) & 1,
                                (U)((rem & ((uint64_t{1} << (drop0 - 1)) - 1)) != 0) & 1, nx, sign);
    code = ((U)(exp + (acc_bias_ - 1)) << acc_man_) + kept + inc;
    uf = sign & 0;
  } else {
    // Round sig cut `drop` bits from the bottom (per lane): its kept bits, the increment the mode
    // gives and whether the cut was inexact.
    const auto round = [&](U drop, U* kept_out, U* nx_out) {
      *kept_out = sig >> drop;
      const U rem = sig & (((U{} + 1) << drop) - 1);
      *nx_out = (U)(rem != 0) & 1;
      return round_increment<M, N>(*kept_out, (rem >> (drop - 1)) & 1,
                                   (U)((rem & (((U{} + 1) << (drop - 1)) - 1)) != 0) & 1, *nx_out, sign);
    };
    // Below the normal range the quantum stays 2^(emin - man): the cut grows by the deficit
    // (capped where everything is cut: sig has 53 bits) and the exponent field is 0, which a carry
    // out of the fraction turns into the smallest normal. The round-to-odd sum still has at least
    // two bits below any such cut, so this rounding is exact too.
    const U cap = (U)(deficit > 60 - drop0);
    const U drop = (sig & 0) + static_cast<uint64_t>(drop0) +
                   (sub & ((cap & static_cast<uint64_t>(60 - drop0)) | (~cap & (U)deficit)));
    inc = round(drop, &kept, &nx);
    code = (~sub & ((U)(exp + (acc_bias_ - 1)) << acc_man_)) + kept + inc;
    // Tininess after rounding (as RISC-V): below 2^emin once rounded to the full precision with an
    // unbounded exponent, which only the binade just below 2^emin can escape by a carry.
    U kept0, nx0;
    const U inc0 = round((sig & 0) + static_cast<uint64_t>(drop0), &kept0, &nx0);
    const U escapes = (U)(deficit == 1) & (U)(kept0 + inc0 == (uint64_t{2} << acc_man_));
    uf = sub & ~escapes & nx;
  }
  // Round first, then check overflow: Inf or max as the mode says (IEEE 754 7.4), with OF and NX.
  const U over = (U)(code > acc_max_code_);
  if (!fast_overflow_) to_staged |= over;
  U over_code = code & 0;
  if constexpr (M == Round::RTZ) over_code += acc_max_code_;
  if constexpr (M == Round::RNE || M == Round::RMM) over_code += acc_inf_code_;
  const U neg = -sign;
  if constexpr (M == Round::RUP) over_code = (neg & acc_max_code_) | (~neg & acc_inf_code_);
  if constexpr (M == Round::RDN) over_code = (neg & acc_inf_code_) | (~neg & acc_max_code_);
  const U result = ((over & over_code) | (~over & code)) | (acc_sign_mask_ & neg);
  const U flags = (over & (flag::OF | flag::NX)) | (~over & (nx * flag::NX | uf * flag::UF));
  simd::store_encoded<N>(result, flags, out);
  unsigned staged_lanes = 0;
  for (int k = 0; k < N; ++k) staged_lanes |= static_cast<unsigned>(to_staged[k] & 1) << k;
  return staged_lanes;
}

template <int N>
[[gnu::always_inline]] inline typename simd::Lanes<N>::f64 FmaKernel::lane_values(typename simd::Lanes<N>::u64 codes,
                                                                                const LaneFormat& f,
                                                                                typename simd::Lanes<N>::u64* subnormal) {
  using F = typename simd::Lanes<N>::f64;
  using U = typename simd::Lanes<N>::u64;
  using I = typename simd::Lanes<N>::i64;
  const U x = codes & f.mask;
  const U e = (x >> f.man) & f.emask;
  const U m = x & ((uint64_t{1} << f.man) - 1);
  const U sign = (x >> f.sign_at) << 63;
  const U normal = sign | (e + f.rebias) << 52 | m << (52 - f.man);
  const U sub = std::bit_cast<U>(__builtin_convertvector(std::bit_cast<I>(m), F) * f.sub_scale) | sign;
  const U zero_exp = (U)(e == 0), top_exp = (U)(e == f.emask);
  *subnormal = zero_exp & (U)(m != 0);
  const U value = (zero_exp & sub) | (~zero_exp & normal);
  return std::bit_cast<F>((top_exp & std::bit_cast<uint64_t>(std::numeric_limits<double>::quiet_NaN())) |
                          (~top_exp & value));
}

template <Round M>
inline bool FmaKernel::fast(uint64_t a, uint64_t b, uint64_t c, Encoded* out) const {
  using U = simd::Lanes<1>::u64;
  return fast_lanes<M, 1>(U{a}, U{b}, U{c}, out) == 0;
}

template <class F>
bool FmaKernel::with_fast_mode(F&& f) const {
  if (!fast_) return false;
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
