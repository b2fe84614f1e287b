// The Verilated RTL units, behind one interface, and their golden-model counterparts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fmalab::rtl {

// The eleven 64-bit stage words every unit drives on its `stages` port under +define+FMALAB_STAGES
// (rtl/fma_float.sv, fma_fixed.sv, mac_int.sv build them):
//  0 a, 1 b, 2 c, 3 product: {sign, class[2:0], lsb_exp[11:0], sig[47:0]}
//  4 aligned product: {sign, lost, 00, grid lsb_exp[11:0], value[47:0]}
//  5 aligned addend:  {sign, lost, 00, shift[11:0], value[47:0]}
//  6 sum: {sign, carry, 00, lsb_exp[11:0], magnitude[47:0]}
//  7 normalize: {exp[15:0], lzc64[15:0], quantum[15:0], 0}
//  8 round: {half, below, inc, 0, kept[47:0]}
//  9 special-value path taken (bit 0)
// 10 pack: {0, flags[4:0], y[47:0]}
using StageWords = std::array<uint64_t, 11>;

class Unit {
 public:
  virtual ~Unit() = default;
  virtual void eval(uint64_t a, uint64_t b, uint64_t c, unsigned rnd) = 0;
  virtual uint64_t y() const = 0;
  virtual uint8_t flags() const = 0;
  virtual StageWords stages() const = 0;
};

// One row of rtl/units.json (the one list of RTL units; CMake generates the table from it).
struct UnitInfo {
  std::string name;        // unit name, e.g. fma_e4m3_fp32 (usually its top module's name)
  std::string model;       // golden-model unit, e.g. fma:e4m3:fp32
  bool has_rnd = true;     // rnd port; units without one round nothing
  bool has_flags = true;   // flags port {NV, DZ, OF, UF, NX}; units without one raise none
  std::string top;         // top module, rtl/<top>.sv
  int a_bits = 0, b_bits = 0, c_bits = 0, y_bits = 0;  // port widths
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
