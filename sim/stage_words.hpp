// The one description of the stage words an RTL unit drives on its `stages` port (built with
// +define+FMALAB_STAGES): which stage each 64-bit word belongs to and where each named field sits.
// The cosimulation packs the golden model's stage values (Operation::stage_values) with it and
// decodes a mismatch by field name; the RTL's packing is checked against it on every vector of
// Cosim.StageWordsAgree, so an SV edit that moves a field fails there.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../model/operation.hpp"

namespace fmalab {

struct StageField {
  std::string_view name;
  int lsb = 0, bits = 0;  // the field is word[lsb + bits - 1 : lsb]
  bool is_signed = false;  // two's complement (exponents): printed as a signed number
};

struct StageWord {
  std::string_view stage;  // the datapath stage: unpack, multiply, align, ...
  std::string_view name;   // the word: a, product, aligned_addend, ...
  std::vector<StageField> fields;
};

struct StageLayout {
  std::string_view name;          // what Operation::stage_layout() returns
  std::vector<StageWord> words;   // word i is stages[64 i + 63 : 64 i]
  std::vector<std::string_view> stage_order;  // the datapath's stages, first to last

  const StageWord* word(std::string_view name) const;
  int index(std::string_view name) const;  // -1 when absent
};

// The layout an operation names; nullptr for "" or an unknown name.
const StageLayout* find_stage_layout(std::string_view name);
const std::vector<StageLayout>& stage_layouts();

// The model's value of one word, packed as the RTL packs it (fields wider than their slot are cut).
uint64_t pack_stage_word(const StageWord& w, const StageValue& v);

// "shift model=3 rtl=4, value model=0x1c0 rtl=0x1e0": the fields of w that differ between two words.
std::string stage_word_difference(const StageWord& w, uint64_t model, uint64_t rtl);

}  // namespace fmalab
