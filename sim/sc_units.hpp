// The RTL units Verilated as SystemC modules (verilator --sc, one build per unit in the first variant
// it is built in), each wrapped with an sc_signal per port. Nothing here names a unit or a port:
// sim/systemc.cmake generates the table from rtl/units.json, as CMakeLists.txt does the C++ one.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <systemc>

#include "rtl_units.hpp"

namespace fmalab::sc {

// A unit's Verilated sc_module and the signals bound to its ports.
class Dut : public sc_core::sc_module {
 public:
  using sc_core::sc_module::sc_module;
  // Writes the input signals, one word per input port element (UnitInfo::in order); the unit
  // evaluates in the delta cycles that follow.
  virtual void drive(std::span<const uint64_t> in) = 0;
  // The output signals, one word per output port element (UnitInfo::out order).
  virtual void read(std::span<uint64_t> out) const = 0;
  // The `stages` signal as 64-bit words, laid out as sim/stage_words.hpp says.
  virtual std::vector<uint64_t> stages() const = 0;
};

// The unit's SystemC build as module `name`; nullptr for a unit not in the table.
std::unique_ptr<Dut> make_dut(const std::string& unit, const char* name);
// The variant (rtl::variants() name) the unit's SystemC build is in; "" for an unknown unit.
std::string variant_of(const std::string& unit);
// The planted-fault build Verilated --sc (rtl/units.json faults[0]); nullptr when there is none.
const rtl::FaultBuild* fault_build();
std::unique_ptr<Dut> make_fault_dut(const char* name);

}  // namespace fmalab::sc
