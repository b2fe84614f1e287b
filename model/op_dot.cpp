#include "op_dot.hpp"

#include <charconv>
#include <cstdio>

namespace fmalab {

namespace {

std::string hex(u128 v) {
  char b[40];
  const auto hi = static_cast<unsigned long long>(v >> 64), lo = static_cast<unsigned long long>(v);
  if (hi) std::snprintf(b, sizeof b, "0x%llx%016llx", hi, lo);
  else std::snprintf(b, sizeof b, "0x%llx", lo);
  return b;
}

std::string signed_hex(i128 v) { return v < 0 ? "-" + hex(static_cast<u128>(-v)) : hex(static_cast<u128>(v)); }

void trace_dot(const DotTrace& t, TraceSink& sink) {
  if (t.special) {
    sink.stage("special", "NaN or Inf decided over the whole row");
    return;
  }
  for (size_t k = 0; k < t.blocks.size(); ++k) {
    const DotBlockTrace& b = t.blocks[k];
    const std::string blk = "block" + std::to_string(k);
    for (size_t i = 0; i < b.terms.size(); ++i) {
      const DotTerm& d = b.terms[i];
      std::string s = "sign=" + std::to_string(d.sign) + " exp=" + std::to_string(d.exp) + " sig=" + hex(d.mag) +
                      " fbits=" + std::to_string(d.fbits);
      if (i < b.shifts.size())
        s += " shift=" + std::to_string(b.shifts[i]) + " aligned=" + signed_hex(b.aligned[i]) +
             " cut=" + std::to_string(b.lost[i] ? 1 : 0);
      sink.stage(blk + ".term" + std::to_string(i), s);
    }
    sink.stage(blk + ".max_exp", "exp=" + std::to_string(b.max_exp));
    sink.stage(blk + ".add", "sum=" + signed_hex(b.sum) + " lsb=" + std::to_string(b.grid));
    sink.stage(blk + ".round", "bits=" + hex(b.result));
  }
}

}  // namespace

DotOperation::DotOperation(std::string name, const Format& in, const Format& out, int k, const DotParams& p,
                           const Options& o)
    : Operation(std::move(name), Signature{{{"a", in, k}, {"b", in, k}, {"c", out, 1}}, {{"y", out, 1}}}, o),
      k_(k), datapath_(in, out, p) {}

uint8_t DotOperation::eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink* trace) const {
  const size_t k = static_cast<size_t>(k_);
  const RandomBits rnd = options().random(signature().random_bits > 0 ? static_cast<uint32_t>(in[2 * k + 1]) : 0);
  DotTrace t;
  const Encoded r =
      datapath_(options(), rnd, in.first(k), in.subspan(k, k), in[2 * k], trace ? &t : nullptr);
  if (trace) {
    trace_dot(t, *trace);
    char buf[64];
    std::snprintf(buf, sizeof buf, "bits=0x%llx flags=0x%02x", static_cast<unsigned long long>(r.bits), r.flags);
    trace->stage("pack", buf);
  }
  out[0] = r.bits;
  return r.flags;
}

void DotOperation::eval_batch(std::span<const uint64_t> in, std::span<uint64_t> out, std::span<uint8_t> flags) const {
  datapath_.run_rows(options(), in.data(), static_cast<size_t>(k_), signature().operand_words(), flags.size(),
                     out.data(), flags.data());
}

std::unique_ptr<Operation> make_dot(std::string_view name, std::span<const std::string_view> fields, const Options& o,
                                    std::string* error) {
  if (fields.size() != 4) {
    *error = "unit '" + excerpt(name) + "' needs the form dot:IN:ACC:K";
    return nullptr;
  }
  const auto in = format_field(name, fields[1], error);
  if (!in) return nullptr;
  const auto out = format_field(name, fields[2], error);
  if (!out) return nullptr;
  int k = 0;
  const auto kf = fields[3];
  const auto [ptr, ec] = std::from_chars(kf.data(), kf.data() + kf.size(), k);
  if (ec != std::errc{} || ptr != kf.data() + kf.size() || k < 1 || k > 65536) {
    *error = "unit '" + excerpt(name) + "': K takes a whole number from 1 to 65536, got '" + excerpt(kf) + "'";
    return nullptr;
  }
  // Products of two inputs of at most 24 bits of precision, and accumulators of at most 32 bits.
  if (!in->is_float() || !out->is_float() || in->man_bits > 23 || out->bits > 32) {
    *error = "unit '" + excerpt(name) + "': dot takes float inputs of at most 24 bits of precision and a float "
             "accumulator of at most 32 bits";
    return nullptr;
  }
  auto p = dot_preset(o.preset.empty() ? "exact" : o.preset, *in, *out, error);
  if (!p || !apply_dot_spec(*p, o.dot, error)) {
    *error = "unit '" + excerpt(name) + "': " + *error;
    return nullptr;
  }
  // Options the datapath would ignore are refused, not silently dropped.
  const char* unused = nullptr;
  if (p->exact) {
    if (!o.dot.empty()) unused = "--dot (it changes a GPU preset's datapath)";
    else if (o.window || !o.sticky) unused = "--window and --no-sticky (exact has no window)";
  } else if (o.mode != Round::RNE || o.saturate || o.ftz_in || o.ftz_out || o.window || !o.sticky) {
    unused = "--round, --sat, --ftz and --window (a GPU preset rounds as the part does; --dot changes it)";
  }
  if (unused) {
    *error = "unit '" + excerpt(name) + "': preset " + (o.preset.empty() ? "exact" : o.preset) + " takes no " + unused;
    return nullptr;
  }
  return std::make_unique<DotOperation>(std::string(name), *in, *out, k, *p, o);
}

}  // namespace fmalab
