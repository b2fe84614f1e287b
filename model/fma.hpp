// The fused multiply-add datapath, stage by stage: a*b + c with one rounding.
// Each stage is a function with a plain result struct; the RTL mirrors these stages by name.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "codec.hpp"
#include "format.hpp"

namespace fmalab {

// Parameters an architect sweeps. The defaults give the exact IEEE 754 result.
struct FmaConfig {
  Round mode = Round::RNE;
  bool saturate = false;
  RandomBits rnd;
  int window = 0;       // aligned adder width in bits below the anchor; 0 = exact for these formats
  bool sticky = true;   // OR the bits shifted out of the window into a sticky bit (false: drop them)
  bool ftz_in = false;  // subnormal operands are read as zero
  bool ftz_out = false; // subnormal results are flushed to zero (UF NX)
};

// unpack/classify
struct Unpacked {
  Decoded a, b, c;
};

// multiply: sign xor, exponent add, exact significand product. value = sig * 2^lsb_exp.
struct Product {
  bool sign = false;
  Class cls = Class::Zero;  // Zero, Normal (finite nonzero), Inf, NaN
  int32_t exp = 0;          // ea + eb
  uint64_t sig = 0;         // siga * sigb
  int32_t lsb_exp = 0;
};

// align: both terms on one grid of `window` bits whose top is the larger term's leading one.
// Each term is its magnitude cut to the grid, shifted up one place, with its sticky bit below.
struct Aligned {
  int32_t anchor = 0;     // exponent of the larger term's leading one
  int32_t lsb_exp = 0;    // exponent of the sticky place (grid LSB is one above)
  int32_t shift = 0;      // how far the smaller term moved right relative to the larger
  uint64_t p = 0, c = 0;  // aligned product and addend magnitudes, sticky in bit 0
  bool p_sign = false, c_sign = false;
  bool p_sticky = false, c_sticky = false;
};

// add: signed sum of the aligned terms; `carry` when it grew past the window.
struct Sum {
  bool sign = false;
  uint64_t mag = 0;
  bool carry = false;
  int32_t lsb_exp = 0;
};

// One FMA's stage values, for --trace and for comparing with the RTL stage by stage.
struct FmaStages {
  Unpacked unpacked;
  Product product;
  Aligned aligned;
  Sum sum;
  EncodeTrace normalize_round;
  Encoded packed;
  bool special = false;  // result came from the special-value path (NaN, Inf, zero operand rules)
};

// The adder holds window + carry + sticky bits in 64-bit integers.
inline constexpr int kMaxWindow = 60;

int exact_window(const Format& in, const Format& acc);

Decoded unpack_operand(const Format& f, uint64_t bits, bool ftz_in);
Unpacked unpack(const Format& in, const Format& acc, uint64_t a, uint64_t b, uint64_t c, bool ftz_in);
Product multiply(const Decoded& a, const Decoded& b);
Aligned align(const Product& p, const Decoded& c, int window, bool sticky);
Sum add(const Aligned& al, int window);

// The whole datapath; `stages` (optional) receives every stage's value.
Encoded fma(const Format& in, const Format& acc, uint64_t a, uint64_t b, uint64_t c, const FmaConfig& cfg,
            FmaStages* stages = nullptr);

// The same datapath built once for a unit and configuration, for batches: operands of formats up
// to 16 bits are unpacked from tables made by unpack() itself. cfg.rnd is ignored; each call
// passes its own random bits.
class FmaKernel {
 public:
  FmaKernel(const Format& in, const Format& acc, const FmaConfig& cfg);
  Encoded operator()(uint64_t a, uint64_t b, uint64_t c, RandomBits rnd = {}, FmaStages* stages = nullptr) const;
  // A batch without stochastic rounding: get(i) points at vector i's operands a, b, c.
  template <class Get>
  void run(Get get, size_t n, Encoded* out) const;
  const Format& in() const { return in_; }
  const Format& acc() const { return acc_; }

 private:
  // The common finite case without the stage structs; false hands the vector to the staged datapath.
  template <Round M>
  bool fast(uint64_t a, uint64_t b, uint64_t c, Encoded* out) const;
  // Calls f.template operator()<M>() with the configured mode as a constant; false when the fast
  // path does not serve this kernel (no tables, or stochastic rounding).
  template <class F>
  bool with_fast_mode(F&& f) const;
  // Unpack from the tables, then the staged datapath; flattened so the batch path inlines it all.
  [[gnu::flatten, gnu::noinline]] Encoded staged(uint64_t a, uint64_t b, uint64_t c, RandomBits rnd,
                                                 FmaStages* stages) const;

  Format in_, acc_;
  FmaConfig cfg_;
  int window_;
  std::vector<Decoded> in_table_, acc_table_;
  // The fast path's operand values as doubles (NaN for Inf and NaN); empty: no fast path.
  std::vector<double> in_value_, acc_value_;
  bool acc_is_fp32_ = false;  // c is read as an IEEE binary32 bit pattern instead of from acc_value_
  int acc_man_ = 0, acc_bias_ = 0, acc_emin_ = 0;
  uint64_t in_mask_ = 0, acc_mask_ = 0, acc_max_code_ = 0, acc_sign_mask_ = 0, acc_inf_code_ = 0;
  bool fast_overflow_ = false;  // ACC has Inf and no saturation: the fast path packs overflow itself
};

// Whether the magnitude `kept` (remainder `rem` of `drop` bits below it) rounds up in mode M.
template <Round M>
inline uint64_t fast_increment(uint64_t kept, uint64_t rem, int drop, uint64_t sign) {
  const uint64_t half = (rem >> (drop - 1)) & 1;
  const uint64_t below = static_cast<uint64_t>((rem & ((uint64_t{1} << (drop - 1)) - 1)) != 0);
  const uint64_t nx = half | below;
  if constexpr (M == Round::RNE) return half & (below | (kept & 1));
  if constexpr (M == Round::RDN) return sign & nx;
  if constexpr (M == Round::RUP) return (sign ^ 1) & nx;
  if constexpr (M == Round::RMM) return half;
  return 0;
}

// Whether an overflow in mode M delivers Inf (else the largest finite value), IEEE 754 7.4.
template <Round M>
inline bool fast_overflow_to_inf(uint64_t sign) {
  if constexpr (M == Round::RTZ) return false;
  if constexpr (M == Round::RUP) return sign == 0;
  if constexpr (M == Round::RDN) return sign != 0;
  return true;
}

// The common case, computed with host binary64 arithmetic that is provably the same as the staged
// datapath: the product of two narrow operands is exact in a double; TwoSum gives the sum's
// rounding error exactly; folding that error into the last bit (round to odd) keeps every fact a
// narrower rounding needs (Boldo and Melquiond, "When double rounding is odd"). Zero or special
// operands, zero sums and results below the normal range return false and run through
// the staged datapath, which also serves --trace. Branch-free where the data is random.
template <Round M>
inline bool FmaKernel::fast(uint64_t a, uint64_t b, uint64_t c, Encoded* out) const {
  static_assert(M != Round::SR, "stochastic rounding always takes the staged datapath");
  // Inf and NaN operands read as NaN, so the one range test on the sum below rejects them.
  const double p = in_value_[a & in_mask_] * in_value_[b & in_mask_];
  const double cv = acc_is_fp32_ ? static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(c)))
                                 : acc_value_[c & acc_mask_];
  // TwoSum: s + e == p + cv exactly.
  const double s = p + cv;
  const double bv = s - p;
  const double e = (p - (s - bv)) + (cv - bv);
  uint64_t bits = std::bit_cast<uint64_t>(s);
  // No branches on the data below: every test feeds `to_staged`, and the caller makes the one
  // branch, which is rarely taken; an exhaustive sweep overflows often and at random.
  // One unsigned compare: the exponent field is 1..0x7fe, so s is finite and not zero (a zero sum,
  // and Inf or NaN operands, take the staged path, which decides signed zeros and special values).
  // s is never a binary64 subnormal: every operand grid lies far above.
  const uint64_t field = (bits >> 52) & 0x7ff;
  bool to_staged = field - 1 > 0x7fe - 1;
  if (acc_is_fp32_ && cfg_.ftz_in) to_staged |= (c & 0x7f800000u) == 0;
  // Round to odd: an inexact s with an even significand moves one ulp toward the exact sum.
  const uint64_t toward = std::signbit(e) == std::signbit(s) ? 1 : ~uint64_t{0};
  const uint64_t move = static_cast<uint64_t>(e != 0) & ~bits & 1;
  bits += toward & (uint64_t{0} - move);
  const uint64_t sign = bits >> 63;
  const int32_t exp = static_cast<int32_t>((bits >> 52) & 0x7ff) - 1023;
  to_staged |= exp < acc_emin_;  // below the normal range: the staged path decides UF
  const int drop = 52 - acc_man_;
  const uint64_t sig = (bits & ((uint64_t{1} << 52) - 1)) | uint64_t{1} << 52;
  const uint64_t kept = sig >> drop;
  const uint64_t rem = sig & ((uint64_t{1} << drop) - 1);
  const uint64_t nx = static_cast<uint64_t>(rem != 0);
  const uint64_t code = static_cast<uint64_t>(exp + acc_bias_ - 1) * (uint64_t{1} << acc_man_) + kept +
                        fast_increment<M>(kept, rem, drop, sign);
  // Overflow (round first, then check): Inf or max as the mode says, with OF and NX. Formats
  // without Inf, and saturation, go to the staged path.
  const bool over = code > acc_max_code_;
  to_staged |= over && !fast_overflow_;
  const uint64_t over_code = fast_overflow_to_inf<M>(sign) ? acc_inf_code_ : acc_max_code_;
  const uint64_t flags = over ? uint64_t{flag::OF | flag::NX} : nx * flag::NX;
  *out = Encoded{(over ? over_code : code) | (acc_sign_mask_ & (uint64_t{0} - sign)), static_cast<uint8_t>(flags)};
  return !to_staged;
}

template <class F>
bool FmaKernel::with_fast_mode(F&& f) const {
  if (in_value_.empty()) return false;
  switch (cfg_.mode) {
    case Round::RNE: f.template operator()<Round::RNE>(); return true;
    case Round::RTZ: f.template operator()<Round::RTZ>(); return true;
    case Round::RDN: f.template operator()<Round::RDN>(); return true;
    case Round::RUP: f.template operator()<Round::RUP>(); return true;
    case Round::RMM: f.template operator()<Round::RMM>(); return true;
    case Round::SR: break;
  }
  return false;
}

template <class Get>
void FmaKernel::run(Get get, size_t n, Encoded* out) const {
  const bool fast_done = with_fast_mode([&]<Round M>() {
    for (size_t i = 0; i < n; ++i) {
      const uint64_t* v = get(i);
      if (!fast<M>(v[0], v[1], v[2], &out[i])) [[unlikely]]
        out[i] = staged(v[0], v[1], v[2], RandomBits{}, nullptr);
    }
  });
  if (fast_done) return;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t* v = get(i);
    out[i] = staged(v[0], v[1], v[2], RandomBits{}, nullptr);
  }
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
