// Rounding a magnitude to a quantum: the one rounding rule every encoder uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fmalab {

// Values are the RISC-V frm encodings; SR (stochastic) has no frm code.
enum class Round : uint8_t { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, SR = 5 };

std::optional<Round> parse_round(std::string_view name);  // rne rtz rdn rup rmm rna sr
const char* round_name(Round r);

// Stochastic rounding input: the caller's random word of `width` bits.
// The magnitude rounds up when the top `width` bits of the discarded fraction plus
// `bits` reach 2^width, as an adder-based hardware rounder does.
struct RandomBits {
  uint32_t bits = 0;
  int width = 0;
};

// The bits dropped when a magnitude is cut at a quantum.
struct Remainder {
  bool half = false;   // the most significant dropped bit
  bool below = false;  // any dropped bit under it, or the input sticky
  uint64_t top = 0;    // the top `width` dropped bits (for SR)
  bool inexact() const { return half || below; }
};

// |x| = (sig + sticky) * 2^lsb_exp, cut to a multiple of 2^q. `kept` is floor(|x| / 2^q)
// modulo 2^64; `wide` says the true quotient is 2^64 or more.
struct Cut {
  uint64_t kept = 0;
  bool wide = false;
  Remainder rem;
};
Cut cut_at(uint64_t sig, int32_t lsb_exp, bool sticky, int32_t q, int sr_width);

// Whether a cut magnitude is incremented. `odd` is the parity of the truncated result's
// encoding, which decides ties for RNE.
bool round_up(Round mode, bool sign, bool odd, const Remainder& rem, RandomBits rnd);

}  // namespace fmalab
