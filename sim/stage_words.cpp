#include "stage_words.hpp"

#include <cinttypes>
#include <cstdio>
#include <stdexcept>

namespace fmalab {

namespace {

uint64_t field_mask(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

// A term of the datapath as unpack and multiply produce it: sign, class (fmalab_pkg::cls_e),
// exponent of the significand's least significant bit, significand.
std::vector<StageField> term_fields() { return {{"sign", 63, 1}, {"class", 60, 3}, {"lsb_exp", 48, 12, true}, {"sig", 0, 48}}; }

// A dot product's product as rtl/dot_block.sv forms it: sign, zero, exponent ea + eb, significand.
std::vector<StageField> product_fields() { return {{"sign", 63, 1}, {"zero", 62, 1}, {"exp", 48, 12, true}, {"sig", 0, 48}}; }

}  // namespace

const std::vector<StageLayout>& stage_layouts() {
  // rtl/fma_float.sv, fma_fixed.sv and mac_int.sv drive the fma words (their `stages_o`), rtl/dot_block.sv
  // and dot_exact.sv the dot ones, rtl/mx_dot.sv the mxdot ones.
  static const std::vector<StageLayout> layouts = {
      {"fma",
       {{"unpack", "a", term_fields()},
        {"unpack", "b", term_fields()},
        {"unpack", "c", term_fields()},
        {"multiply", "product", term_fields()},
        {"align", "aligned_product", {{"sign", 63, 1}, {"lost", 62, 1}, {"lsb_exp", 48, 12, true}, {"value", 0, 48}}},
        {"align", "aligned_addend", {{"sign", 63, 1}, {"lost", 62, 1}, {"shift", 48, 12, true}, {"value", 0, 48}}},
        {"add", "sum", {{"sign", 63, 1}, {"carry", 62, 1}, {"lsb_exp", 48, 12, true}, {"magnitude", 0, 48}}},
        {"normalize", "normalize", {{"exp", 48, 16, true}, {"lzc", 32, 16}, {"quantum", 16, 16, true}}},
        {"round", "round", {{"half", 63, 1}, {"below", 62, 1}, {"inc", 61, 1}, {"kept", 0, 48}}},
        {"special", "special", {{"taken", 0, 1}}},
        {"pack", "pack", {{"flags", 48, 5}, {"y", 0, 48}}}},
       {"unpack", "multiply", "special", "align", "add", "normalize", "round", "pack"}},
      // rtl/dot_block.sv (model/op_dot.cpp): a GPU block FMA. Term 0 and c stand for the terms.
      {"dot",
       {{"unpack", "a0", term_fields()},
        {"unpack", "b0", term_fields()},
        {"unpack", "c", term_fields()},
        {"multiply", "product0", product_fields()},
        {"special", "special", {{"taken", 0, 1}}},
        {"max_exp", "max_exp", {{"exp", 0, 16, true}}},
        {"align", "aligned0", {{"sign", 63, 1}, {"lost", 62, 1}, {"shift", 48, 12, true}, {"value", 0, 48}}},
        {"align", "aligned_c", {{"sign", 63, 1}, {"lost", 62, 1}, {"shift", 48, 12, true}, {"value", 0, 48}}},
        {"add", "sum", {{"sign", 63, 1}, {"lsb_exp", 48, 12, true}, {"magnitude", 0, 48}}},
        {"normalize", "normalize", {{"exp", 48, 16, true}, {"lzc", 32, 16}, {"quantum", 16, 16, true}}},
        {"round", "round", {{"half", 63, 1}, {"below", 62, 1}, {"inc", 61, 1}, {"kept", 0, 48}}},
        {"pack", "pack", {{"flags", 48, 5}, {"y", 0, 48}}}},
       {"unpack", "multiply", "special", "max_exp", "align", "add", "normalize", "round", "pack"}},
      // rtl/dot_exact.sv (model/op_dot.cpp): the products summed exactly, then c added with one rounding.
      {"dot_exact",
       {{"unpack", "a0", term_fields()},
        {"unpack", "b0", term_fields()},
        {"unpack", "c", term_fields()},
        {"multiply", "product0", product_fields()},
        {"special", "special", {{"taken", 0, 1}}},
        {"accumulate", "product_sum", {{"sign", 63, 1}, {"lsb_exp", 48, 12, true}, {"magnitude", 0, 48}}},
        {"align", "aligned_products", {{"sign", 63, 1}, {"lost", 62, 1}, {"lsb_exp", 48, 12, true}, {"value", 0, 48}}},
        {"align", "aligned_c", {{"sign", 63, 1}, {"lost", 62, 1}, {"shift", 48, 12, true}, {"value", 0, 48}}},
        {"add", "sum", {{"sign", 63, 1}, {"carry", 62, 1}, {"lsb_exp", 48, 12, true}, {"magnitude", 0, 48}}},
        {"normalize", "normalize", {{"exp", 48, 16, true}, {"lzc", 32, 16}, {"quantum", 16, 16, true}}},
        {"round", "round", {{"half", 63, 1}, {"below", 62, 1}, {"inc", 61, 1}, {"kept", 0, 48}}},
        {"pack", "pack", {{"flags", 48, 5}, {"y", 0, 48}}}},
       {"unpack", "multiply", "special", "accumulate", "align", "add", "normalize", "round", "pack"}},
      // rtl/mx_dot.sv (model/mx_dot.cpp, op mxdot): the element products summed exactly, the sum scaled by
      // the two block scales (the term T = X_A X_B S), then c added with one rounding.
      {"mxdot",
       {{"unpack", "a0", term_fields()},
        {"unpack", "b0", term_fields()},
        {"unpack", "c", term_fields()},
        {"unpack", "xa", term_fields()},
        {"unpack", "xb", term_fields()},
        {"multiply", "product0", product_fields()},
        {"scale", "scale_product", {{"sign", 63, 1}, {"lsb_exp", 48, 12, true}, {"sig", 0, 48}}},
        {"special", "special", {{"taken", 0, 1}}},
        {"product_sum", "product_sum", {{"sign", 63, 1}, {"lsb_exp", 48, 12, true}, {"magnitude", 0, 48}}},
        {"scale", "term", {{"sign", 63, 1}, {"lsb_exp", 48, 12, true}, {"magnitude", 0, 48}}},
        {"align", "aligned_term", {{"sign", 63, 1}, {"lost", 62, 1}, {"lsb_exp", 48, 12, true}, {"value", 0, 48}}},
        {"align", "aligned_c", {{"sign", 63, 1}, {"lost", 62, 1}, {"shift", 48, 12, true}, {"value", 0, 48}}},
        {"add", "sum", {{"sign", 63, 1}, {"carry", 62, 1}, {"lsb_exp", 48, 12, true}, {"magnitude", 0, 48}}},
        {"normalize", "normalize", {{"exp", 48, 16, true}, {"lzc", 32, 16}, {"quantum", 16, 16, true}}},
        {"round", "round", {{"half", 63, 1}, {"below", 62, 1}, {"inc", 61, 1}, {"kept", 0, 48}}},
        {"pack", "pack", {{"flags", 48, 5}, {"y", 0, 48}}}},
       {"unpack", "multiply", "special", "product_sum", "scale", "align", "add", "normalize", "round", "pack"}},
  };
  return layouts;
}

const StageLayout* find_stage_layout(std::string_view name) {
  for (const auto& l : stage_layouts())
    if (l.name == name) return &l;
  return nullptr;
}

const StageWord* StageLayout::word(std::string_view n) const {
  const int i = index(n);
  return i < 0 ? nullptr : &words[static_cast<size_t>(i)];
}

int StageLayout::index(std::string_view n) const {
  for (size_t i = 0; i < words.size(); ++i)
    if (words[i].name == n) return static_cast<int>(i);
  return -1;
}

uint64_t pack_stage_word(const StageWord& w, const StageValue& v) {
  uint64_t word = 0;
  for (const auto& [name, value] : v.fields) {
    const StageField* f = nullptr;
    for (const auto& x : w.fields)
      if (x.name == name) f = &x;
    // The model and the layout name the same fields: a name the layout lacks is a programming error.
    if (!f) throw std::logic_error("stage word " + std::string(w.name) + " has no field " + std::string(name));
    word |= (value & field_mask(f->bits)) << f->lsb;
  }
  return word;
}

std::string stage_word_difference(const StageWord& w, uint64_t model, uint64_t rtl) {
  std::string s;
  for (const auto& f : w.fields) {
    const uint64_t m = model >> f.lsb & field_mask(f.bits), r = rtl >> f.lsb & field_mask(f.bits);
    if (m == r) continue;
    const auto text = [&](uint64_t x) {
      char buf[32];
      if (f.is_signed) std::snprintf(buf, sizeof buf, "%" PRId64, static_cast<int64_t>(x << (64 - f.bits)) >> (64 - f.bits));
      else if (f.bits <= 4) std::snprintf(buf, sizeof buf, "%" PRIu64, x);
      else std::snprintf(buf, sizeof buf, "0x%" PRIx64, x);
      return std::string(buf);
    };
    if (!s.empty()) s += ", ";
    s += std::string(f.name);
    s += " model=";
    s += text(m);
    s += " rtl=";
    s += text(r);
  }
  uint64_t covered = 0;
  for (const auto& f : w.fields) covered |= field_mask(f.bits) << f.lsb;
  if ((model & ~covered) != (rtl & ~covered)) s += s.empty() ? "bits outside the fields" : ", bits outside the fields";
  return s;
}

}  // namespace fmalab
