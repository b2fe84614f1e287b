// The SystemC cosimulation: an RTL unit's SystemC build (Verilated --sc, sim/sc_units.hpp) in a
// testbench of sc_modules — a stimulus driving the unit's signals and sending each vector through an
// sc_fifo to a golden-model module, which sends the expected results and flags through another
// sc_fifo to a scoreboard that samples the unit's outputs and compares. A mismatch is scored as the
// C++ cosimulation scores it (sim/cosim.hpp: its first differing stage, one log line).
// This header needs no SystemC headers, so the command line includes it as it is.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include "cosim.hpp"

namespace fmalab {

// Fills the batch with the next vectors (resizing it; its width is the operation's operand words);
// false when there are none left. May throw: the exception leaves sc_cosim after the simulation.
using VectorSupply = std::function<bool(VectorBatch&)>;

struct ScCosimSetup {
  std::FILE* log = nullptr;  // one line per mismatch, up to max_lines of them
  uint64_t max_lines = 20;
  bool fault = false;        // the planted-fault build (sc_fault_unit()) instead of the unit's own
};

// Runs the unit's SystemC build against the golden model on the supplied vectors and adds them to
// report. A SystemC simulation runs once per process: call this at most once. Throws
// std::runtime_error when the unit has no SystemC build or its ports do not fit its model.
void sc_cosim(const rtl::UnitInfo& info, const VectorSupply& next, const ScCosimSetup& setup, CosimReport& report);

// The variant the unit's SystemC build is in (rtl::variants() name); "" when it has none.
std::string sc_variant(const std::string& unit);
// The unit of the planted-fault SystemC build and its stage (fmalab_pkg::stage_e); nullptr when none.
const rtl::FaultBuild* sc_fault_unit();

}  // namespace fmalab
