// The fused multiply-add datapath, stage by stage: a*b + c with one rounding.
// Each stage is a function with a plain result struct; the RTL mirrors these stages by name.
#pragma once

#include <cstdint>
#include <optional>
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
  const Format& in() const { return in_; }
  const Format& acc() const { return acc_; }

 private:
  // The common finite case without the stage structs; nullopt hands the vector to the staged datapath.
  std::optional<Encoded> fast(uint64_t a, uint64_t b, uint64_t c) const;

  // multiply() of every (a, b) pair of an 8-bit-or-narrower IN format, packed.
  struct PairProduct {
    uint32_t sig;
    int16_t lsb_exp;
    uint8_t sign;
    uint8_t special;  // an operand is NaN or Inf
  };

  Format in_, acc_;
  FmaConfig cfg_;
  int window_;
  std::vector<Decoded> in_table_, acc_table_;
  std::vector<PairProduct> pairs_;  // empty: no fast path for this unit and configuration
  // acc constants for the fast path
  int acc_man_ = 0, acc_bias_ = 0, acc_emin_ = 0;
  uint64_t acc_exp_ones_ = 0, acc_max_code_ = 0;
};

}  // namespace fmalab
