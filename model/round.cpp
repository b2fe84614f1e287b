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

}  // namespace fmalab
