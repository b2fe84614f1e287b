#include "cosim.hpp"

#include <cinttypes>
#include <stdexcept>

namespace fmalab {

namespace {

std::string element_name(const rtl::Port& p, int i) { return p.count == 1 ? p.name : p.name + std::to_string(i); }

// Where each element of `ports` sits among `fields` (by name and width); `special` for the port
// named special_name. Throws naming the first port or field without a partner.
std::vector<int> map_ports(const rtl::UnitInfo& info, const std::vector<rtl::Port>& ports,
                           const std::vector<Field>& fields, const char* special_name, int special, const char* what) {
  std::vector<int> to;
  std::vector<bool> used(fields.size());
  for (const auto& p : ports)
    for (int i = 0; i < p.count; ++i) {
      if (p.name == special_name) {
        to.push_back(special);
        continue;
      }
      const std::string n = element_name(p, i);
      int at = -1;
      for (size_t k = 0; k < fields.size(); ++k)
        if (fields[k].name == n) at = static_cast<int>(k);
      if (at < 0 || fields[static_cast<size_t>(at)].bits != p.bits)
        throw std::runtime_error("RTL unit " + info.name + ": " + what + " port " + n + ":" + std::to_string(p.bits) +
                                 " is not a " + what + " field of model " + info.model);
      used[static_cast<size_t>(at)] = true;
      to.push_back(at);
    }
  for (size_t k = 0; k < fields.size(); ++k)
    if (!used[k])
      throw std::runtime_error("RTL unit " + info.name + ": model " + info.model + "'s " + what + " " + fields[k].name +
                               " has no port");
  return to;
}

std::string hex_list(const std::vector<Field>& fields, std::span<const uint64_t> v) {
  std::string s;
  for (size_t i = 0; i < fields.size() && i < v.size(); ++i) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s%s=0x%0*" PRIx64, s.empty() ? "" : " ", fields[i].name.c_str(),
                  (fields[i].bits + 3) / 4, v[i]);
    s += buf;
  }
  return s;
}

}  // namespace

std::optional<Options> unit_options(const rtl::UnitInfo& info, const Options& o, std::string* error) {
  Options unit;
  if (!parse_options_text(info.options, unit, error)) {
    *error = "rtl/units.json: unit " + info.name + " options: " + *error;
    return std::nullopt;
  }
  Options r = o;
  const Options defaults;
  for (const auto& f : option_fields()) {
    const std::string want = f.get(unit), given = f.get(o);
    if (want == f.get(defaults) || given == want) continue;
    if (given != f.get(defaults)) {
      *error = "unit " + info.name + " implements " + std::string(f.key) + "=" + want + ", not " + std::string(f.key) +
               "=" + given;
      return std::nullopt;
    }
    f.set(r, want, error);
  }
  return r;
}

Cosim::Cosim(const rtl::UnitInfo& info, rtl::Unit& rtl, std::FILE* log, uint64_t max_lines)
    : info_(info), rtl_(rtl), log_(log), max_lines_(max_lines) {
  try {
    std::string why;
    const auto opts = unit_options(info, Options{}, &why);
    if (!opts) throw std::invalid_argument(why);
    // A unit without rnd implements its row's rounding only (a GPU preset takes no other).
    if (info.has_rnd()) {
      ops_ = operations_per_mode(info.model, *opts);
    } else {
      ops_.push_back(make_operation(info.model, *opts, &why));
      if (!ops_.back()) throw std::invalid_argument(why);
    }
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error("RTL unit " + info.name + ": model '" + info.model + "': " + e.what());
  }
  const Signature& sig = ops_[0]->signature();
  layout_ = find_stage_layout(ops_[0]->stage_layout());
  has_rnd_ = info.has_rnd();
  operand_fields_ = sig.operand_fields();
  in_from_ = map_ports(info, info.in, operand_fields_, "rnd", kMode, "operand");
  out_to_ = map_ports(info, info.out, sig.result_fields(), "flags", kFlags, "result");
  in_.resize(info.in_words());
  out_.resize(info.out_words());
  want_.resize(sig.result_words());
}

void Cosim::drive(std::span<const uint64_t> operands, unsigned mode) {
  for (size_t i = 0; i < in_from_.size(); ++i) in_[i] = in_from_[i] == kMode ? mode : operands[static_cast<size_t>(in_from_[i])];
  rtl_.eval(in_);
}

std::string Cosim::first_difference(std::span<const uint64_t> operands, unsigned mode, std::string* detail) {
  *detail = "";
  if (!layout_) return "";
  const auto values = ops_[mode]->stage_values(operands);
  const auto rtl_words = rtl_.stages();
  for (const auto& stage : layout_->stage_order)
    for (const auto& v : values) {
      const int at = layout_->index(v.word);
      const StageWord& w = layout_->words[static_cast<size_t>(at)];
      if (w.stage != stage || static_cast<size_t>(at) >= rtl_words.size()) continue;
      const uint64_t m = pack_stage_word(w, v), h = rtl_words[static_cast<size_t>(at)];
      if (m != h) {
        *detail = std::string(w.name) + ": " + stage_word_difference(w, m, h);
        return std::string(stage);
      }
    }
  return "";
}

void Cosim::run(const VectorBatch& vectors, CosimReport& report) {
  for (size_t v = 0; v < vectors.size(); ++v) {
    const auto operands = vectors.row(v);
    const unsigned mode = mode_of(vectors.frm[v]);
    const uint8_t want_flags = ops_[mode]->eval(operands, want_);
    drive(operands, mode);
    rtl_.read(out_);
    bool same = true;
    uint8_t got_flags = 0;
    for (size_t i = 0; i < out_to_.size(); ++i) {
      if (out_to_[i] == kFlags) got_flags = static_cast<uint8_t>(out_[i]);
      else same = same && out_[i] == want_[static_cast<size_t>(out_to_[i])];
    }
    if (same && got_flags == want_flags) {
      ++report.passed;
      continue;
    }
    ++report.failed;
    std::string detail;
    std::string stage = first_difference(operands, mode, &detail);
    if (stage.empty()) {
      stage = "none";
      detail = "no stage word differs";
    }
    ++report.first_stage[stage];
    if (log_ && report.failed <= max_lines_) {
      std::vector<uint64_t> got(want_.size());
      for (size_t i = 0; i < out_to_.size(); ++i)
        if (out_to_[i] != kFlags) got[static_cast<size_t>(out_to_[i])] = out_[i];
      const auto results = ops_[mode]->signature().result_fields();
      std::fprintf(log_, "MISMATCH %s %s rnd=%u model %s flags=0x%02x rtl %s flags=0x%02x first-differing-stage=%s %s\n",
                   info_.name.c_str(), hex_list(operand_fields_, operands).c_str(), mode,
                   hex_list(results, want_).c_str(), want_flags, hex_list(results, got).c_str(), got_flags,
                   stage.c_str(), detail.c_str());
    }
  }
}

uint64_t Cosim::stage_disagreements(const VectorBatch& vectors, std::string* first) {
  uint64_t n = 0;
  for (size_t v = 0; v < vectors.size(); ++v) {
    const auto operands = vectors.row(v);
    const unsigned mode = mode_of(vectors.frm[v]);
    drive(operands, mode);
    std::string detail;
    const std::string stage = first_difference(operands, mode, &detail);
    if (stage.empty()) continue;
    if (n++ == 0)
      *first = hex_list(operand_fields_, operands) + " rnd=" + std::to_string(mode) + ": stage " + stage + ", " + detail;
  }
  return n;
}

}  // namespace fmalab
