#include "cosim.hpp"

#include <cinttypes>
#include <stdexcept>

namespace fmalab {

namespace {

constexpr uint64_t kLow48 = (uint64_t{1} << 48) - 1;

uint64_t word(bool sign, unsigned top3, int64_t field12, u128 low48) {
  return uint64_t{sign} << 63 | uint64_t{top3 & 7} << 60 | (static_cast<uint64_t>(field12) & 0xfff) << 48 |
         (static_cast<uint64_t>(low48) & kLow48);
}

uint64_t term(const Decoded& d) { return word(d.sign, static_cast<unsigned>(d.cls), d.lsb_exp(), d.sig); }

// The golden model's stage values in the RTL's layout (sim/rtl_units.hpp), and which exist.
rtl::StageWords model_words(const FmaStages& s, const Format& acc, const Encoded& r, std::array<bool, 11>* valid) {
  rtl::StageWords w{};
  w[0] = term(s.unpacked.a);
  w[1] = term(s.unpacked.b);
  w[2] = term(s.unpacked.c);
  w[3] = word(s.product.sign, static_cast<unsigned>(s.product.cls), s.product.lsb_exp, s.product.sig);
  w[4] = word(s.aligned.p_sign, s.aligned.p_sticky ? 4 : 0, s.aligned.lsb_exp, s.aligned.p);
  w[5] = word(s.aligned.c_sign, s.aligned.c_sticky ? 4 : 0, s.aligned.shift, s.aligned.c);
  w[6] = word(s.sum.sign, s.sum.carry ? 4 : 0, s.sum.lsb_exp, s.sum.mag);
  const EncodeTrace& t = s.normalize_round;
  w[7] = (static_cast<uint64_t>(t.exp) & 0xffff) << 48 | (static_cast<uint64_t>(t.lzc) & 0xffff) << 32 |
         (static_cast<uint64_t>(t.quantum) & 0xffff) << 16;
  w[8] = uint64_t{t.half} << 63 | uint64_t{t.below} << 62 | uint64_t{t.inc} << 61 | (t.kept & kLow48);
  w[9] = s.special;
  w[10] = uint64_t{r.flags} << 48 | (r.bits & kLow48);
  const bool fixed = !acc.is_float();
  valid->fill(true);
  if (s.special || fixed) (*valid)[4] = (*valid)[5] = (*valid)[7] = (*valid)[8] = false;
  if (s.special) (*valid)[6] = false;
  if (!fixed && !s.special && s.sum.mag == 0) (*valid)[7] = (*valid)[8] = false;  // exact zero: nothing to round
  return w;
}

struct StageName {
  const char* name;
  int first, last;  // word range
};
constexpr StageName kStages[] = {{"unpack", 0, 2}, {"multiply", 3, 3}, {"special", 9, 9}, {"align", 4, 5},
                                 {"add", 6, 6},    {"normalize", 7, 7}, {"round", 8, 8},  {"pack", 10, 10}};

}  // namespace

Cosim::Cosim(const rtl::UnitInfo& info, rtl::Unit& rtl, std::FILE* log, uint64_t max_lines)
    : info_(info), rtl_(rtl), log_(log), max_lines_(max_lines) {
  std::string why;
  const auto op = make_operation(info.model, Options{}, &why);
  if (!op || !as_fma(*op)) throw std::runtime_error("RTL unit " + info.name + ": model '" + info.model + "': " + why);
  unit_ = as_fma(*op)->shape();
  kernels_ = kernels_per_mode(unit_);
}

std::string Cosim::first_difference(const Vector& v, std::string* detail) {
  FmaStages st;
  const Encoded r = kernels_[v.rnd](v.a, v.b, v.c, {}, &st);
  std::array<bool, 11> valid{};
  const rtl::StageWords m = model_words(st, unit_.acc, r, &valid);
  const rtl::StageWords h = rtl_.stages();
  for (const auto& s : kStages)
    for (int i = s.first; i <= s.last; ++i)
      if (valid[i] && m[i] != h[i]) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "word=%d model=0x%016" PRIx64 " rtl=0x%016" PRIx64, i, m[i], h[i]);
        *detail = buf;
        return s.name;
      }
  *detail = "no stage word differs";
  return "none";
}

void Cosim::run(std::span<const Vector> vectors, CosimReport& report) {
  const int digits = unit_.acc.hex_digits();
  for (const Vector& v : vectors) {
    const unsigned mode = info_.has_rnd ? v.rnd : 0;
    const Encoded want = kernels_[mode](v.a, v.b, v.c);
    rtl_.eval(v.a, v.b, v.c, mode);
    const uint64_t got = rtl_.y();
    const uint8_t got_flags = rtl_.flags();
    if (got == want.bits && got_flags == want.flags) {
      ++report.passed;
      continue;
    }
    ++report.failed;
    std::string detail;
    const Vector vm{v.a, v.b, v.c, mode};
    const std::string stage = first_difference(vm, &detail);
    ++report.first_stage[stage];
    if (log_ && report.failed <= max_lines_)
      std::fprintf(log_,
                   "MISMATCH %s a=0x%" PRIx64 " b=0x%" PRIx64 " c=0x%" PRIx64 " rnd=%u model=0x%0*" PRIx64
                   " flags=0x%02x rtl=0x%0*" PRIx64 " flags=0x%02x first-differing-stage=%s %s\n",
                   info_.name.c_str(), v.a, v.b, v.c, mode, digits, want.bits, want.flags, digits, got, got_flags,
                   stage.c_str(), detail.c_str());
  }
}

}  // namespace fmalab
