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

UnitBinding::UnitBinding(const rtl::UnitInfo& info) : info_(info) {
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
  result_fields_ = sig.result_fields();
  in_from_ = map_ports(info, info.in, operand_fields_, "rnd", kMode, "operand");
  out_to_ = map_ports(info, info.out, result_fields_, "flags", kFlags, "result");
  results_ = sig.result_words();
}

void UnitBinding::inputs(std::span<const uint64_t> operands, unsigned mode, std::span<uint64_t> in) const {
  for (size_t i = 0; i < in_from_.size(); ++i)
    in[i] = in_from_[i] == kMode ? mode : operands[static_cast<size_t>(in_from_[i])];
}

uint8_t UnitBinding::outputs(std::span<const uint64_t> out, std::span<uint64_t> results) const {
  uint8_t flags = 0;
  for (size_t i = 0; i < out_to_.size(); ++i) {
    if (out_to_[i] == kFlags) flags = static_cast<uint8_t>(out[i]);
    else results[static_cast<size_t>(out_to_[i])] = out[i];
  }
  return flags;
}

std::string UnitBinding::first_difference(std::span<const uint64_t> operands, unsigned mode,
                                          std::span<const uint64_t> rtl_words, std::string* detail) const {
  *detail = "";
  if (!layout_) return "";
  const auto values = model(mode).stage_values(operands);
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

std::string UnitBinding::operands_text(std::span<const uint64_t> operands) const {
  return hex_list(operand_fields_, operands);
}

std::string UnitBinding::mismatch_line(std::span<const uint64_t> operands, unsigned mode, std::span<const uint64_t> want,
                                       uint8_t want_flags, std::span<const uint64_t> got, uint8_t got_flags,
                                       const std::string& stage, const std::string& detail) const {
  char flags[2][8];
  std::snprintf(flags[0], sizeof flags[0], "0x%02x", want_flags);
  std::snprintf(flags[1], sizeof flags[1], "0x%02x", got_flags);
  return "MISMATCH " + info_.name + " " + hex_list(operand_fields_, operands) + " rnd=" + std::to_string(mode) +
         " model " + hex_list(result_fields_, want) + " flags=" + flags[0] + " rtl " + hex_list(result_fields_, got) +
         " flags=" + flags[1] + " first-differing-stage=" + stage + " " + detail;
}

Cosim::Cosim(const rtl::UnitInfo& info, rtl::Unit& rtl, std::FILE* log, uint64_t max_lines)
    : binding_(info), rtl_(rtl), log_(log), max_lines_(max_lines) {
  in_.resize(info.in_words());
  out_.resize(info.out_words());
  got_.resize(binding_.result_words());
}

void Cosim::drive(std::span<const uint64_t> operands, unsigned mode) {
  binding_.inputs(operands, mode, in_);
  rtl_.eval(in_);
}

void Cosim::run(const VectorBatch& vectors, CosimReport& report) {
  // The model runs first over each stretch of vectors with one rounding mode, through its batch
  // path (eval_batch: the fast paths); the RTL then runs vector by vector against those answers.
  const size_t nr = binding_.result_words();
  for (size_t from = 0; from < vectors.size();) {
    const size_t n = std::min(vectors.size() - from, kModelChunk);
    want_.resize(n * nr);
    want_flags_.resize(n);
    for (size_t i = 0; i < n;) {
      const unsigned mode = binding_.mode_of(vectors.frm[from + i]);
      size_t j = i + 1;
      while (j < n && binding_.mode_of(vectors.frm[from + j]) == mode) ++j;
      binding_.model(mode).eval_batch(std::span(vectors.words).subspan((from + i) * vectors.width, (j - i) * vectors.width),
                                      std::span(want_).subspan(i * nr, (j - i) * nr),
                                      std::span(want_flags_).subspan(i, j - i));
      i = j;
    }
    for (size_t i = 0; i < n; ++i) {
      const auto operands = vectors.row(from + i);
      const unsigned mode = binding_.mode_of(vectors.frm[from + i]);
      drive(operands, mode);
      rtl_.read(out_);
      const uint8_t got_flags = binding_.outputs(out_, got_);
      score(binding_, operands, mode, std::span<const uint64_t>(want_).subspan(i * nr, nr), want_flags_[i], got_,
            got_flags, [&] { return rtl_.stages(); }, report, log_, max_lines_, sink_);
    }
    from += n;
  }
}

uint64_t Cosim::stage_disagreements(const VectorBatch& vectors, std::string* first) {
  uint64_t n = 0;
  for (size_t v = 0; v < vectors.size(); ++v) {
    const auto operands = vectors.row(v);
    const unsigned mode = binding_.mode_of(vectors.frm[v]);
    drive(operands, mode);
    std::string detail;
    const std::string stage = binding_.first_difference(operands, mode, rtl_.stages(), &detail);
    if (stage.empty()) continue;
    if (n++ == 0)
      *first = binding_.operands_text(operands) + " rnd=" + std::to_string(mode) + ": stage " + stage + ", " + detail;
  }
  return n;
}

}  // namespace fmalab
