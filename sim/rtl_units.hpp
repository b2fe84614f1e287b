// The Verilated RTL units, behind one interface, and their golden-model counterparts. Nothing
// here names a unit or a port: rtl/units.json lists them and CMake generates the table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace fmalab::rtl {

// A port of a unit: count elements of `bits` bits, element i at [i*bits +: bits] (rtl/units.json:
// "name:bits" or "name:bitsxcount"). A port carries the model operation's operand or result group
// of the same name, except rnd (the RISC-V rounding mode) and flags ({NV, DZ, OF, UF, NX}).
struct Port {
  std::string name;
  int bits = 0, count = 1;
};

class Unit {
 public:
  virtual ~Unit() = default;
  // Drives the inputs, one word per element of each input port in UnitInfo::in order, and settles.
  virtual void eval(std::span<const uint64_t> in) = 0;
  // The outputs, one word per element of each output port in UnitInfo::out order.
  virtual void read(std::span<uint64_t> out) const = 0;
  // The `stages` port (+define+FMALAB_STAGES) as 64-bit words, laid out as sim/stage_words.hpp says.
  virtual std::vector<uint64_t> stages() const = 0;
};

// One row of rtl/units.json (the one list of RTL units; CMake generates the table from it).
struct UnitInfo {
  std::string name;   // unit name, e.g. fma_e4m3_fp32 (usually its top module's name)
  std::string model;  // golden-model operation, e.g. fma:e4m3:fp32
  std::string options;  // the model options the unit implements, "preset=h100" (model/options.hpp); "" the defaults
  std::string top;    // top module, rtl/<top>.sv
  std::vector<Port> in, out;

  bool has_rnd() const { return has(in, "rnd"); }      // units without it round nothing
  bool has_flags() const { return has(out, "flags"); }  // units without it raise none
  size_t in_words() const { return words(in); }
  size_t out_words() const { return words(out); }

 private:
  static bool has(const std::vector<Port>& ports, const std::string& name) {
    for (const auto& p : ports)
      if (p.name == name) return true;
    return false;
  }
  static size_t words(const std::vector<Port>& ports) {
    size_t n = 0;
    for (const auto& p : ports) n += static_cast<size_t>(p.count);
    return n;
  }
};

// A build with one planted bit flip (FMALAB_FAULTS) for the harness's own test.
struct FaultBuild {
  std::string unit;  // the unit it is a build of
  int stage = 0;     // fmalab_pkg::stage_e: 2 multiply, 3 align, 6 round, ...
  int bit = 0;       // the bit of that stage's value that flips
};

const std::vector<UnitInfo>& units();
const UnitInfo* find_unit(const std::string& name);
// The variants every unit is built in (rtl/units.json "variants"), in `arch` order: array, booth4.
const std::vector<std::string>& variants();
// arch: index into variants(), 0 array multiplier, 1 radix-4 Booth. nullptr when that build does not exist.
std::unique_ptr<Unit> make_unit(const std::string& name, int arch);
const std::vector<FaultBuild>& fault_builds();
// fault_builds()[index]; nullptr past the end.
std::unique_ptr<Unit> make_fault_build(size_t index);
// The first fault build with this stage; nullptr when there is none.
std::unique_ptr<Unit> make_faulty_unit(int stage);

}  // namespace fmalab::rtl
