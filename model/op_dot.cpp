#include "op_dot.hpp"

#include <algorithm>
#include <cstdio>

#include "fma.hpp"

namespace fmalab {

namespace {

std::string signed_hex(i128 v) { return v < 0 ? "-" + trace_hex(static_cast<u128>(-v)) : trace_hex(static_cast<u128>(v)); }

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
      std::string s = "sign=" + std::to_string(d.sign) + " exp=" + std::to_string(d.exp) + " sig=" + trace_hex(d.mag) +
                      " fbits=" + std::to_string(d.fbits);
      if (i < b.shifts.size())
        s += " shift=" + std::to_string(b.shifts[i]) + " aligned=" + signed_hex(b.aligned[i]) +
             " cut=" + std::to_string(b.lost[i] ? 1 : 0);
      sink.stage(blk + ".term" + std::to_string(i), s);
    }
    sink.stage(blk + ".max_exp", "exp=" + std::to_string(b.max_exp));
    sink.stage(blk + ".add", "sum=" + signed_hex(b.sum) + " lsb=" + std::to_string(b.grid));
    sink.stage(blk + ".round", "bits=" + trace_hex(b.result));
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

// --- the RTL dot units' stages (rtl/dot_block.sv, rtl/dot_exact.sv; sim/stage_words.cpp) ---------

namespace {

uint64_t u64(int64_t v) { return static_cast<uint64_t>(v); }

StageValue unpacked(std::string_view word, const Decoded& d) {
  return {word, {{"sign", d.sign}, {"class", static_cast<uint64_t>(d.cls)}, {"lsb_exp", u64(d.lsb_exp())}, {"sig", d.sig}}};
}

// floor(x * 2^s), s of either sign.
u128 scale_floor(u128 x, int s) {
  if (s >= 0) return s >= 128 ? 0 : x << s;
  return -s >= 128 ? 0 : x >> -s;
}

// align and cut as dot_align_term does it for any term, zero ones included: the significand on the
// grid 2^(E - 23 - neab) (scaled first, then shifted right by E - exp), and whether the shift dropped
// bits. A zero term gives 0, not lost.
StageValue aligned_term(std::string_view word, bool sign, u128 sig, int fbits, int32_t exp, int32_t max_exp, int neab) {
  const u128 x = scale_floor(sig, 23 + neab - fbits);
  const int32_t shift = max_exp - exp;
  const u128 v = shift < 0 ? 0 : shift >= 128 ? 0 : x >> shift;
  const bool lost = shift > 0 && (shift >= 128 ? x != 0 : (x & low_ones128(shift)) != 0);
  return {word, {{"sign", sign}, {"lost", lost}, {"shift", u64(shift)}, {"value", static_cast<uint64_t>(v)}}};
}

int clog2(int n) {
  int b = 0;
  while ((1 << b) < n) ++b;
  return b;
}

}  // namespace

std::string_view DotOperation::stage_layout() const {
  const DotParams& p = params();
  const Format& out = signature().operands[2].format;
  if (out.name != "fp32") return {};
  if (p.exact) return "dot_exact";
  // rtl/dot_block.sv: one block (K up to n) of a plain GPU block FMA into fp32.
  if (p.emulated || p.late_c || p.odd_even || p.sticky || p.prd_limit || p.inter || !p.in_subnormals ||
      !p.out_subnormals || k_ > p.n)
    return {};
  return "dot";
}

std::vector<StageValue> DotOperation::stage_values(std::span<const uint64_t> in) const {
  const std::string_view layout = stage_layout();
  if (layout.empty()) return {};
  const DotParams& p = params();
  const Format& fin = signature().operands[0].format;
  const Format& fout = signature().operands[2].format;
  const size_t k = static_cast<size_t>(k_);
  const Decoded a0 = decode(fin, in[0]), b0 = decode(fin, in[k]), c = decode(fout, in[2 * k]);
  std::vector<StageValue> v = {unpacked("a0", a0), unpacked("b0", b0), unpacked("c", c)};
  // multiply: product 0 as the RTL forms it for any operands: sign, zero, exponent ea + eb, significand.
  const bool p0_sign = a0.sign != b0.sign;
  const int32_t p0_exp = a0.lsb_exp() + b0.lsb_exp() + 2 * fin.man_bits;
  const u128 p0_sig = u128{a0.sig} * b0.sig;
  v.push_back({"product0", {{"sign", p0_sign}, {"zero", a0.cls == Class::Zero || b0.cls == Class::Zero},
                            {"exp", u64(p0_exp)}, {"sig", static_cast<uint64_t>(p0_sig)}}});
  DotTrace t;
  const RandomBits rnd = options().random(0);
  const Encoded r = datapath_(options(), rnd, in.first(k), in.subspan(k, k), in[2 * k], &t);
  v.push_back({"special", {{"taken", t.special}}});
  const auto normalize_round = [&](const Format& f, const Exact& x, Round mode) {
    Options o;
    o.mode = mode;
    EncodeTrace e;
    encode(f, x, o, {}, &e);
    v.push_back({"normalize", {{"exp", u64(e.exp)}, {"lzc", u64(e.lzc)}, {"quantum", u64(e.quantum)}}});
    v.push_back({"round", {{"half", e.half}, {"below", e.below}, {"inc", e.inc}, {"kept", e.kept}}});
  };
  if (!t.special && layout == "dot" && !t.blocks.empty() && !t.blocks[0].terms.empty()) {
    const DotBlockTrace& b = t.blocks[0];
    v.push_back({"max_exp", {{"exp", u64(b.max_exp)}}});
    v.push_back(aligned_term("aligned0", p0_sign, p0_sig, 2 * fin.man_bits, p0_exp, b.max_exp, p.neab));
    v.push_back(aligned_term("aligned_c", c.sign, c.sig, 23, c.lsb_exp() + 23, b.max_exp, p.neab));
    const u128 mag = static_cast<u128>(b.sum < 0 ? -b.sum : b.sum);
    v.push_back({"sum", {{"sign", b.sum < 0}, {"lsb_exp", u64(b.grid)}, {"magnitude", static_cast<uint64_t>(mag)}}});
    if (mag != 0) {
      // round_result (dot.cpp): into fp32's range with the fraction bits the datapath keeps.
      const int frac = std::clamp(p.cut >= 0 ? p.cut : 23 + p.neab, 1, fout.man_bits);
      const Format cut = frac == fout.man_bits ? fout : *parse_format("e8m" + std::to_string(frac));
      normalize_round(cut, Exact{b.sum < 0, Class::Normal, b.grid, static_cast<uint64_t>(mag), false}, p.round);
    }
  } else if (!t.special && layout == "dot_exact") {
    // accumulate: the products exact on the grid of the smallest product's LSB (as dot_exact.sv).
    const int lsb_min = 1 - fin.bias - fin.man_bits, lsb_max = ((1 << fin.exp_bits) - 1) - fin.bias - fin.man_bits;
    const int fxw = 2 * (fin.man_bits + 1) + 2 * (lsb_max - lsb_min);
    const int window = std::max(fxw + clog2(k_ + 1), 24) + 3;
    i128 s = 0;
    for (size_t i = 0; i < k; ++i) {
      const Decoded x = decode(fin, in[i]), y = decode(fin, in[k + i]);
      const i128 m = static_cast<i128>(u128{x.sig} * y.sig << (x.lsb_exp() + y.lsb_exp() - 2 * lsb_min));
      s += x.sign != y.sign ? -m : m;
    }
    const u128 smag = static_cast<u128>(s < 0 ? -s : s);
    v.push_back({"product_sum", {{"sign", s < 0}, {"lsb_exp", u64(2 * lsb_min)}, {"magnitude", static_cast<uint64_t>(smag)}}});
    Product pr;
    pr.sign = s < 0, pr.cls = smag ? Class::Normal : Class::Zero, pr.sig = static_cast<uint64_t>(smag), pr.lsb_exp = 2 * lsb_min;
    const Aligned al = align(pr, c, window, true);
    const Sum sum = add(al, window);
    v.push_back({"aligned_products", {{"sign", al.p_sign}, {"lost", al.p_sticky}, {"lsb_exp", u64(al.lsb_exp)},
                                      {"value", static_cast<uint64_t>(al.p)}}});
    v.push_back({"aligned_c", {{"sign", al.c_sign}, {"lost", al.c_sticky}, {"shift", u64(al.shift)},
                               {"value", static_cast<uint64_t>(al.c)}}});
    v.push_back({"sum", {{"sign", sum.sign}, {"carry", sum.carry}, {"lsb_exp", u64(sum.lsb_exp)},
                         {"magnitude", static_cast<uint64_t>(sum.mag)}}});
    if (sum.mag != 0)
      normalize_round(fout, Exact{sum.sign, Class::Normal, sum.lsb_exp, static_cast<uint64_t>(sum.mag), false},
                      options().mode);
  }
  v.push_back({"pack", {{"flags", r.flags}, {"y", r.bits}}});
  return v;
}

std::unique_ptr<Operation> make_dot(std::string_view name, std::span<const std::string_view> fields, const Options& o,
                                    std::string* error) {
  if (fields.size() != 4) {
    *error = "unit '" + excerpt(name) + "' needs the form dot:IN:ACC:K";
    return nullptr;
  }
  if (!family_options_unset(name, o, error)) return nullptr;
  const auto in = format_field(name, fields[1], error);
  if (!in) return nullptr;
  const auto out = format_field(name, fields[2], error);
  if (!out) return nullptr;
  const auto terms = terms_field(name, fields[3], 65536, "65536", error);
  if (!terms) return nullptr;
  const int k = *terms;
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
