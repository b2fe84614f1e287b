// The cosimulation: an RTL unit and its golden-model operation on the same vectors, results and
// flags compared; on a mismatch, the first datapath stage whose value differs, field by field
// (sim/stage_words.hpp). Works from the registry row alone: ports map to the operation's operand
// and result fields by name.
#pragma once

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
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

// What every testbench of a unit shares (this C++ one and the SystemC one, sim/sc_cosim.hpp): how
// its ports map onto its model operation's fields, the model per rounding mode, the comparison of
// the outputs and the first differing stage. Built from the registry row alone.
class UnitBinding {
 public:
  // Throws std::runtime_error naming the port when the unit's ports and its model operation's
  // fields do not correspond.
  explicit UnitBinding(const rtl::UnitInfo& info);
  const rtl::UnitInfo& info() const { return info_; }
  // The mode a vector's frm drives on rnd; 0 (the row's one rounding) for a unit without rnd.
  unsigned mode_of(unsigned frm) const { return has_rnd_ ? (frm < 5 ? frm : 0) : 0; }
  const Operation& model(unsigned mode) const { return *ops_[mode < ops_.size() ? mode : 0]; }
  size_t result_words() const { return results_; }
  // The input port words (one per element, UnitInfo::in order) that apply operands in mode.
  void inputs(std::span<const uint64_t> operands, unsigned mode, std::span<uint64_t> in) const;
  // The RTL's results (signature order) and flags from its output port words.
  uint8_t outputs(std::span<const uint64_t> out, std::span<uint64_t> results) const;
  // The first stage whose word differs between the model and the RTL's stage words (stage_words.hpp)
  // and which fields in *detail; "" when none does (or the operation has no stage view).
  std::string first_difference(std::span<const uint64_t> operands, unsigned mode, std::span<const uint64_t> rtl_stages,
                               std::string* detail) const;
  // The log line of a mismatch: operands, mode, the model's and the RTL's results and flags, the stage.
  std::string mismatch_line(std::span<const uint64_t> operands, unsigned mode, std::span<const uint64_t> want,
                            uint8_t want_flags, std::span<const uint64_t> got, uint8_t got_flags, const std::string& stage,
                            const std::string& detail) const;
  std::string operands_text(std::span<const uint64_t> operands) const;

 private:
  const rtl::UnitInfo& info_;
  std::vector<std::unique_ptr<Operation>> ops_;  // per frm
  const StageLayout* layout_;                    // nullptr when the operation has no stage view
  bool has_rnd_;
  static constexpr int kMode = -1, kFlags = -1;
  std::vector<int> in_from_;   // per input word: operand index, or kMode
  std::vector<int> out_to_;    // per output word: result index, or kFlags
  std::vector<Field> operand_fields_, result_fields_;
  size_t results_;
};

// A mismatch as score() found it, for a caller that keeps mismatches as records (fmalab regress's
// results) rather than as log lines.
struct MismatchSeen {
  std::span<const uint64_t> operands, want, got;
  unsigned mode;
  uint8_t want_flags, got_flags;
  const std::string& stage;
  const std::string& detail;
};
using MismatchSink = std::function<void(const MismatchSeen&)>;

// Counts one compared vector in report; on a mismatch, finds its first differing stage (none when
// no stage word differs), logs a line while fewer than max_lines mismatches have been, and hands it
// to sink when there is one. rtl_stages is called only on a mismatch.
template <class Stages>
void score(const UnitBinding& b, std::span<const uint64_t> operands, unsigned mode, std::span<const uint64_t> want,
           uint8_t want_flags, std::span<const uint64_t> got, uint8_t got_flags, Stages&& rtl_stages,
           CosimReport& report, std::FILE* log, uint64_t max_lines, const MismatchSink& sink = {}) {
  if (got_flags == want_flags && std::equal(want.begin(), want.end(), got.begin(), got.end())) {
    ++report.passed;
    return;
  }
  ++report.failed;
  std::string detail;
  std::string stage = b.first_difference(operands, mode, rtl_stages(), &detail);
  if (stage.empty()) {
    stage = "none";
    detail = "no stage word differs";
  }
  ++report.first_stage[stage];
  if (log && report.failed <= max_lines)
    std::fprintf(log, "%s\n", b.mismatch_line(operands, mode, want, want_flags, got, got_flags, stage, detail).c_str());
  if (sink) sink({operands, want, got, mode, want_flags, got_flags, stage, detail});
}

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
  const Operation& model(unsigned frm) const { return binding_.model(frm); }
  const UnitBinding& binding() const { return binding_; }
  // Every mismatch run() finds from now on also goes to sink.
  void on_mismatch(MismatchSink sink) { sink_ = std::move(sink); }

 private:
  void drive(std::span<const uint64_t> operands, unsigned mode);

  UnitBinding binding_;
  rtl::Unit& rtl_;
  static constexpr size_t kModelChunk = 4096;  // vectors the model answers at a time (cache-sized)
  std::vector<uint64_t> in_, out_, want_, got_;  // want_: the model's results for a chunk
  std::vector<uint8_t> want_flags_;
  std::FILE* log_;
  uint64_t max_lines_;
  MismatchSink sink_;
};

}  // namespace fmalab
