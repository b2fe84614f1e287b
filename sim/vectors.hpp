// Test vectors for any operation: the classes its vector source aims at (background.md section
// 8), drawn a chunk at a time, and the exhaustive sweep of small operand spaces. Expected results
// come from the golden model elsewhere; the model is used here only to steer classes onto their
// target and to confirm they got there.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "../model/operation.hpp"

namespace fmalab {

// Vectors of one operation: a row of operand words each (signature order, the SR random word
// last) and a RISC-V frm rounding mode each (0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM).
struct VectorBatch {
  size_t width = 0;  // Signature::operand_words()
  std::vector<uint64_t> words;
  std::vector<uint8_t> frm;

  VectorBatch() = default;
  explicit VectorBatch(size_t w, size_t n = 0) : width(w) { resize(n); }
  size_t size() const { return frm.size(); }
  bool empty() const { return frm.empty(); }
  void resize(size_t n) {
    words.resize(n * width);
    frm.resize(n);
  }
  void clear() { resize(0); }
  std::span<uint64_t> row(size_t i) { return {words.data() + i * width, width}; }
  std::span<const uint64_t> row(size_t i) const { return {words.data() + i * width, width}; }
  void push(std::span<const uint64_t> r, unsigned mode) {
    words.insert(words.end(), r.begin(), r.end());
    frm.push_back(static_cast<uint8_t>(mode));
  }
};

// How many vectors of each class were drawn and how many the model confirms reach it.
struct ClassTally {
  uint64_t drawn = 0, reached = 0;
};

// Vectors cycling over the classes and the rounding modes (frm codes), drawn in chunks so a long
// run never holds them all: the first n vectors are the same however they are chunked, and the
// same (operation, seed, classes, modes) gives the same sequence.
class VectorStream {
 public:
  // Keeps nothing of op: its source owns what it needs. Classes must be op.vector_classes() names.
  VectorStream(const Operation& op, uint64_t seed, std::vector<std::string> classes, std::vector<unsigned> modes);
  // Fills out with the next out.size() vectors (out.width must be the operation's operand_words()).
  void next(VectorBatch& out);
  const std::map<std::string, ClassTally>& tally() const { return tally_; }

 private:
  std::unique_ptr<VectorSource> source_;
  std::vector<std::string> classes_;
  std::vector<unsigned> modes_;
  size_t values_;     // operand values per vector
  int random_bits_;   // the SR random word's width; 0 without one
  uint64_t index_ = 0;
  std::mt19937_64 random_;  // the SR random words
  std::map<std::string, ClassTally> tally_;
};

// The first count vectors of VectorStream(op, seed, classes, modes).
VectorBatch generate_vectors(const Operation& op, size_t count, uint64_t seed, const std::vector<std::string>& classes,
                             const std::vector<unsigned>& modes);

// Every combination of the operand values but the last, when they total at most 16 bits, against
// the last one's corner codes (every value of it too when all operands total at most 20 bits), in each
// mode (for fma: every (a, b) pair of an 8-bit IN with the corner addends; for lnsmul:lns8_3 every
// pair); empty when the space is larger.
VectorBatch sweep_vectors(const Operation& op, const std::vector<unsigned>& modes);

// Round's values are the RISC-V frm codes (model/round.hpp); frm 5..7 act as RNE, as in the RTL.
static_assert(static_cast<unsigned>(Round::RTZ) == 1 && static_cast<unsigned>(Round::RMM) == 4);
inline Round round_of_frm(unsigned frm) { return frm < 5 ? static_cast<Round>(frm) : Round::RNE; }
inline unsigned frm_of(Round m) { return m == Round::SR ? 0 : static_cast<unsigned>(m); }

// The operation built once per rounding mode, indexed by frm (0..4), each with options `o` but its mode.
std::vector<std::unique_ptr<Operation>> operations_per_mode(const std::string& name, const Options& o);

}  // namespace fmalab
