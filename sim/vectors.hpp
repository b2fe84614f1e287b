// Test vectors for the datapath units: targeted classes (background.md section 8) and the
// every-pair-with-corner-addends sweep. Expected results come from the golden model elsewhere;
// the model is used here only to steer a few classes (ties, sticky, carry) onto their target.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "../model/op_fma.hpp"

namespace fmalab {

struct Vector {
  uint64_t a = 0, b = 0, c = 0;
  unsigned rnd = 0;  // RISC-V frm: 0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM
};

// The class names `--classes` takes, in the order "all" expands to.
const std::vector<std::string>& vector_classes();

struct Generator;

// Vectors cycling over the classes and the rounding modes (frm codes), drawn in chunks so a long
// run never holds them all: the first n vectors are the same however they are chunked, and the
// same (unit, seed, classes, modes) gives the same sequence.
class VectorStream {
 public:
  // Takes the unit's formats by value: the generator keeps them for the stream's whole life.
  VectorStream(FmaShape u, uint64_t seed, std::vector<std::string> classes, std::vector<unsigned> modes);
  ~VectorStream();
  VectorStream(const VectorStream&) = delete;
  VectorStream& operator=(const VectorStream&) = delete;
  // Fills out with the next out.size() vectors.
  void next(std::span<Vector> out);

 private:
  std::unique_ptr<Generator> gen_;
  std::vector<std::string> classes_;
  std::vector<unsigned> modes_;
  uint64_t index_ = 0;
};

// The first count vectors of VectorStream(u, seed, classes, modes).
std::vector<Vector> generate_vectors(const FmaShape& u, size_t count, uint64_t seed, const std::vector<std::string>& classes,
                                     const std::vector<unsigned>& modes);

// Every (a, b) pair of an IN of at most 8 bits against the corner addends, in each mode.
std::vector<Vector> pair_corner_vectors(const FmaShape& u, const std::vector<unsigned>& modes);

// Corner addends of a format: zeros, subnormal and normal limits, one, max, Inf, NaN, both signs.
std::vector<uint64_t> corner_codes(const Format& f);

// Round's values are the RISC-V frm codes (model/round.hpp); frm 5..7 act as RNE, as in the RTL.
static_assert(static_cast<unsigned>(Round::RTZ) == 1 && static_cast<unsigned>(Round::RMM) == 4);
inline Round round_of_frm(unsigned frm) { return frm < 5 ? static_cast<Round>(frm) : Round::RNE; }
inline unsigned frm_of(Round m) { return m == Round::SR ? 0 : static_cast<unsigned>(m); }

// The unit's FMA datapath built once per rounding mode, indexed by frm.
std::vector<FmaKernel> kernels_per_mode(const FmaShape& u);

}  // namespace fmalab
