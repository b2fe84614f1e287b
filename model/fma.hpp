// The fused multiply-add datapath, stage by stage: a*b + c with one rounding.
// Each stage is a function with a plain result struct; the RTL mirrors these stages by name.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "codec.hpp"
#include "options.hpp"
#include "format.hpp"

namespace fmalab {

// unpack/classify
struct Unpacked {
  Decoded a, b, c;
};

// multiply: sign xor, exponent add, exact significand product. value = sig * 2^lsb_exp.
struct Product {
  bool sign = false;
  Class cls = Class::Zero;  // Zero, Normal (finite nonzero), Inf, NaN
  int32_t exp = 0;          // ea + eb
  uint64_t sig = 0;         // siga * sigb: at most 2^62, as inputs are at most 32 bits (unit.cpp)
  int32_t lsb_exp = 0;
};

// align: both terms on one grid of `window` bits whose top is the larger term's leading one.
// Each term is its magnitude cut to the grid, shifted up one place, with its sticky bit below.
struct Aligned {
  int32_t anchor = 0;     // exponent of the larger term's leading one
  int32_t lsb_exp = 0;    // exponent of the sticky place (grid LSB is one above)
  int32_t shift = 0;      // how far the smaller term moved right relative to the larger
  u128 p = 0, c = 0;      // aligned product and addend magnitudes, sticky in bit 0
  bool p_sign = false, c_sign = false;
  bool p_sticky = false, c_sticky = false;
};

// add: signed sum of the aligned terms; `carry` when it grew past the window.
struct Sum {
  bool sign = false;
  u128 mag = 0;
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

// The adder holds window + sticky + carry bits and a sign in 128-bit integers. The exact window of
// the widest inputs the parser takes (32-bit, precision up to 32) is 2 * 32 + 3 = 67.
inline constexpr int kMaxWindow = 125;

int exact_window(const Format& in, const Format& acc);

Decoded unpack_operand(const Format& f, uint64_t bits, bool ftz_in);
Unpacked unpack(const Format& in, const Format& acc, uint64_t a, uint64_t b, uint64_t c, bool ftz_in);
Product multiply(const Decoded& a, const Decoded& b);
Aligned align(const Product& p, const Decoded& c, int window, bool sticky);
// align for a term wider than a product: the MX block dot product's scaled product sum (mx_dot.cpp).
Aligned align_wide(bool sign, u128 sig, int32_t lsb_exp, const Decoded& c, int window, bool sticky);
Sum add(const Aligned& al, int window);
// A sum as encode takes it: its top 64 bits, the rest folded into the sticky bit.
Exact exact_of_sum(const Sum& s);

// The whole datapath (options: mode, saturate, window, sticky, ftz_in, ftz_out); `stages`
// (optional) receives every stage's value. rnd: the vector's random word under SR.
Encoded fma(const Format& in, const Format& acc, uint64_t a, uint64_t b, uint64_t c, const Options& o,
            RandomBits rnd = {}, FmaStages* stages = nullptr);

inline bool is_special(const Decoded& d) { return d.cls == Class::Inf || d.cls == Class::NaN; }

// The window the datapath runs with: the option's, or the exact one (plus 32 bits under SR).
int resolved_window(const Format& in, const Format& acc, const Options& o);

// Every code of a format of at most 16 bits, unpacked (empty for wider formats): the kernel's tables.
std::vector<Decoded> unpack_table(const Format& f, bool ftz_in);

// Everything after unpack: the one datapath both fma() and FmaKernel run.
Encoded fma_datapath(const Format& acc, const Decoded& a, const Decoded& b, const Decoded& c, const Options& o,
                     RandomBits rnd, int window, FmaStages* st);

// add, normalize and round for a fixed-point accumulator (fma_fixed.cpp): the product joins the grid
// 2^-F exactly when it lies on it, otherwise the sum is rounded once; overflow wraps, or clamps with
// saturation and raises OF. `sum` (optional) receives the add stage.
Encoded accumulate_fixed(const Format& acc, const Product& p, const Decoded& c, const Options& o, RandomBits rnd,
                         Sum* sum);

}  // namespace fmalab
