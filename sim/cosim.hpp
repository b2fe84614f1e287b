// The cosimulation: an RTL unit and its golden-model operation on the same vectors, results and
// flags compared; on a mismatch, the first datapath stage whose value differs, field by field
// (sim/stage_words.hpp). Works from the registry row alone: ports map to the operation's operand
// and result fields by name.
#pragma once

#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "rtl_units.hpp"
#include "stage_words.hpp"
#include "vectors.hpp"

namespace fmalab {

struct CosimReport {
  uint64_t passed = 0, failed = 0;
  std::map<std::string, uint64_t> first_stage;  // mismatches by the first stage that differs
};

// The model options RTL unit `info` implements (its row's "options") over o: an option o leaves at
// its default takes the unit's value, one o sets otherwise is refused; nullopt with *error naming it.
std::optional<Options> unit_options(const rtl::UnitInfo& info, const Options& o, std::string* error);

class Cosim {
 public:
  // `log` gets one line per mismatch, up to max_lines of them. Throws std::runtime_error naming
  // the port when the unit's ports and its model operation's fields do not correspond.
  Cosim(const rtl::UnitInfo& info, rtl::Unit& rtl, std::FILE* log = nullptr, uint64_t max_lines = 20);
  // Vectors of the model operation (rows of its operand words); each one's frm drives rnd.
  void run(const VectorBatch& vectors, CosimReport& report);
  // The vectors whose RTL stage words differ from the model's in any stage the vector goes
  // through, results equal or not (the check of the RTL's packing against stage_words.hpp);
  // *first describes the first of them.
  uint64_t stage_disagreements(const VectorBatch& vectors, std::string* first);
  const Operation& model(unsigned frm) const { return *ops_[frm < ops_.size() ? frm : 0]; }

 private:
  unsigned mode_of(unsigned frm) const { return has_rnd_ ? (frm < 5 ? frm : 0) : 0; }
  void drive(std::span<const uint64_t> operands, unsigned mode);
  // The first stage whose word differs, and which fields ("" when none does).
  std::string first_difference(std::span<const uint64_t> operands, unsigned mode, std::string* detail);

  const rtl::UnitInfo& info_;
  rtl::Unit& rtl_;
  std::vector<std::unique_ptr<Operation>> ops_;  // per frm
  const StageLayout* layout_;                    // nullptr when the operation has no stage view
  bool has_rnd_;
  static constexpr int kMode = -1, kFlags = -1;
  std::vector<int> in_from_;   // per input word: operand index, or kMode
  std::vector<int> out_to_;    // per output word: result index, or kFlags
  std::vector<Field> operand_fields_;
  std::vector<uint64_t> in_, out_, want_;
  std::FILE* log_;
  uint64_t max_lines_;
};

}  // namespace fmalab
