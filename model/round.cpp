#include "round.hpp"

namespace fmalab {

std::optional<Round> parse_round(std::string_view n) {
  if (n == "rne") return Round::RNE;
  if (n == "rtz") return Round::RTZ;
  if (n == "rdn") return Round::RDN;
  if (n == "rup") return Round::RUP;
  if (n == "rmm" || n == "rna") return Round::RMM;
  if (n == "sr") return Round::SR;
  return std::nullopt;
}

const char* round_name(Round r) {
  switch (r) {
    case Round::RNE: return "rne";
    case Round::RTZ: return "rtz";
    case Round::RDN: return "rdn";
    case Round::RUP: return "rup";
    case Round::RMM: return "rmm";
    case Round::SR: return "sr";
  }
  return "?";
}

Cut cut_at(uint64_t sig, int32_t lsb_exp, bool sticky, int32_t q, int sr_width) {
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

bool round_up(Round mode, bool sign, bool odd, const Remainder& rem, RandomBits rnd) {
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
