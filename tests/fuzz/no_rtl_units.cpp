// The libFuzzer build (FMALAB_FUZZ) compiles no Verilated units, yet sim/cmd_eval.cpp, linked for
// cli::parse_vector, refers to the RTL registry. Here the registry is empty: every name is a model
// operation's. The fuzz targets never look a unit up; the replay tests (Fuzz.Replay.*, the normal
// build) link the real registry.
#include <optional>
#include <string>
#include <vector>

#include "sim/cosim.hpp"
#include "sim/rtl_units.hpp"

namespace fmalab {

namespace rtl {
const std::vector<UnitInfo>& units() {
  static const std::vector<UnitInfo> none;
  return none;
}
const UnitInfo* find_unit(const std::string&) { return nullptr; }
}  // namespace rtl

std::optional<Options> unit_options(const rtl::UnitInfo& info, const Options&, std::string* error) {
  if (error) *error = "no RTL units in the fuzz build (asked for " + excerpt(info.name) + ")";
  return std::nullopt;
}

}  // namespace fmalab
