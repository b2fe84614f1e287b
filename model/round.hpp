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


inline Cut cut_at(uint64_t sig, int32_t lsb_exp, bool sticky, int32_t q, int sr_width) {
  Cut c;
  const int64_t drop = int64_t{q} - lsb_exp;
  if (drop <= 0) {
    const int64_t up = -drop;
    c.kept = up >= 64 ? 0 : sig << up;
    c.wide = up >= 64 ? sig != 0 : up > 0 && (sig >> (64 - up)) != 0;
    c.rem.below = sticky;
    return c;
  }
  // The dropped part as a 64-bit binary fraction (point above bit 63), plus whatever
  // falls below even that.
  uint64_t frac = 0;
  bool lost = sticky;
  if (drop <= 64) {
    c.kept = drop == 64 ? 0 : sig >> drop;
    frac = drop == 64 ? sig : sig << (64 - drop);
  } else if (drop < 128) {
    frac = sig >> (drop - 64);
    lost = lost || (sig & ((uint64_t{1} << (drop - 64)) - 1)) != 0;
  } else {
    lost = lost || sig != 0;
  }
  c.rem.half = (frac >> 63) != 0;
  c.rem.below = (frac << 1) != 0 || lost;
  if (sr_width > 0) c.rem.top = frac >> (64 - sr_width);
  return c;
}

// Whether a cut magnitude is incremented. `odd` is the parity of the truncated result's
// encoding, which decides ties for RNE.
inline bool round_up(Round mode, bool sign, bool odd, const Remainder& rem, RandomBits rnd) {
  switch (mode) {
    case Round::RNE: return rem.half && (rem.below || odd);
    case Round::RTZ: return false;
    case Round::RDN: return sign && rem.inexact();
    case Round::RUP: return !sign && rem.inexact();
    case Round::RMM: return rem.half;
    case Round::SR: return rnd.width > 0 && rem.top + rnd.bits >= (uint64_t{1} << rnd.width);
  }
  return false;
}

}  // namespace fmalab
