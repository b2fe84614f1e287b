#include "op_mx.hpp"

#include <cstdio>

#include "mx_fast.hpp"
#include "mx_quantize.hpp"

namespace fmalab {

namespace {

const Format& fp32() {
  static const Format f = *parse_format("fp32");
  return f;
}

std::string pack_text(const Encoded& r) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "bits=0x%llx flags=0x%02x", static_cast<unsigned long long>(r.bits), r.flags);
  return buf;
}

// The block format named at fields[1...]; *rest receives the fields after it.
std::optional<BlockFormat> block_field(std::string_view name, std::span<const std::string_view> fields,
                                       std::span<const std::string_view>* rest, std::string* error) {
  size_t used = 0;
  auto b = parse_block_format(fields.subspan(1), &used, error);
  if (!b) {
    *error = "unit '" + excerpt(name) + "': " + *error;
    return std::nullopt;
  }
  *rest = fields.subspan(1 + used);
  return b;
}

// Refuses the options an operation would ignore, and stochastic rounding (one random word cannot
// serve a block).
bool check_options(std::string_view name, const Options& o, std::initializer_list<std::string_view> read,
                   std::string* error) {
  return options_read_only(name, o, read, "takes no stochastic rounding (--round sr)", error);
}

Signature quantize_signature(const BlockFormat& b, const Format& src) {
  Signature s{{{"v", src, b.k}}, {{"scale", b.scale, 1}, {"p", b.element, b.k}}};
  if (b.nvfp4()) s.operands.push_back({"ts", fp32(), 1});
  return s;
}

Signature dequantize_signature(const BlockFormat& b) {
  Signature s{{{"scale", b.scale, 1}, {"p", b.element, b.k}}, {{"v", fp32(), b.k}}};
  if (b.nvfp4()) s.operands.push_back({"ts", fp32(), 1});
  return s;
}

}  // namespace

// --- mxq ---------------------------------------------------------------------------------------------

MxQuantize::MxQuantize(std::string name, const BlockFormat& b, const Format& src, const Options& o)
    : Operation(std::move(name), quantize_signature(b, src), o), b_(b), src_(src) {
  kernel_ = std::make_unique<MxQuantizeKernel>(b, src, o);
}

MxQuantize::~MxQuantize() = default;

uint8_t MxQuantize::eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink* trace) const {
  const size_t k = static_cast<size_t>(b_.k);
  const uint64_t ts = b_.nvfp4() ? in[k] : 0;
  const uint8_t flags = mx_quantize(b_, src_, in.first(k), ts, options(), &out[0], out.subspan(1, k));
  if (trace) {
    trace->stage("scale", "code=" + trace_hex(out[0]) + " value=" + describe(decode(b_.scale, out[0])));
    trace->stage("pack", pack_text(Encoded{out[0], flags}));
  }
  return flags;
}

void MxQuantize::eval_batch(std::span<const uint64_t> in, std::span<uint64_t> out, std::span<uint8_t> flags) const {
  const size_t ni = signature().operand_words(), no = signature().result_words();
  for (size_t i = 0; i < flags.size(); ++i)
    flags[i] = kernel_->run(in.data() + i * ni, b_.nvfp4() ? in[i * ni + static_cast<size_t>(b_.k)] : 0,
                            out.data() + i * no, out.data() + i * no + 1);
}

// --- mxdq --------------------------------------------------------------------------------------------

MxDequantize::MxDequantize(std::string name, const BlockFormat& b, const Options& o)
    : Operation(std::move(name), dequantize_signature(b), o), b_(b) {}

uint8_t MxDequantize::eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink* trace) const {
  const size_t k = static_cast<size_t>(b_.k);
  const uint64_t ts = b_.nvfp4() ? in[k + 1] : 0;
  const uint8_t flags = mx_dequantize(b_, in[0], in.subspan(1, k), ts, out.first(k));
  if (trace) trace->stage("scale", describe(decode(b_.scale, in[0])));
  return flags;
}

// --- mxdot -------------------------------------------------------------------------------------------

MxDotOperation::MxDotOperation(std::string name, const BlockFormat& b, int k, const Options& o)
    : Operation(std::move(name),
                Signature{{{"xa", b.scale, 1}, {"a", b.element, k}, {"xb", b.scale, 1}, {"b", b.element, k},
                           {"c", fp32(), 1}},
                          {{"y", fp32(), 1}}},
                o),
      b_(b), k_(k), dot_(b, k, o) {}

uint8_t MxDotOperation::eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink* trace) const {
  const size_t k = static_cast<size_t>(k_);
  MxDotStages st;
  const Encoded r = dot_(in[0], in.subspan(1, k), in[k + 1], in.subspan(k + 2, k), in[2 * k + 2], trace ? &st : nullptr);
  if (trace) {
    trace->stage("unpack.xa", describe(st.xa));
    trace->stage("unpack.xb", describe(st.xb));
    trace->stage("unpack.c", describe(st.c));
    if (!st.special) {
      const i128 s = st.product_sum;
      trace->stage("product_sum", std::string("sum=") + (s < 0 ? "-" : "") + trace_hex(static_cast<u128>(s < 0 ? -s : s)) +
                                      " lsb=" + std::to_string(st.product_lsb));
      trace->stage("scale", "sign=" + std::to_string(st.term_sign) + " term=" + trace_hex(st.term) +
                                " lsb=" + std::to_string(st.term_lsb));
      const Aligned& a = st.aligned;
      trace->stage("align", "anchor=" + std::to_string(a.anchor) + " shift=" + std::to_string(a.shift) +
                                " lsb=" + std::to_string(a.lsb_exp) + " p=" + trace_hex(a.p) + " c=" + trace_hex(a.c) +
                                " p_sticky=" + std::to_string(a.p_sticky) + " c_sticky=" + std::to_string(a.c_sticky));
      trace->stage("add", "sign=" + std::to_string(st.sum.sign) + " mag=" + trace_hex(st.sum.mag) +
                              " carry=" + std::to_string(st.sum.carry) + " lsb=" + std::to_string(st.sum.lsb_exp));
    } else {
      trace->stage("special", "NaN or Inf decided over the whole row");
    }
    trace->stage("pack", pack_text(r));
  }
  out[0] = r.bits;
  return r.flags;
}

// --- the RTL mxdot units' stages (rtl/mx_dot.sv; sim/stage_words.cpp layout "mxdot") -----------------

// Float elements, the exact window with sticky (the RTL has no truncating adder).
std::string_view MxDotOperation::stage_layout() const {
  return b_.element.is_float() && options().window == 0 && options().sticky ? "mxdot" : "";
}

std::vector<StageValue> MxDotOperation::stage_values(std::span<const uint64_t> in) const {
  if (stage_layout().empty()) return {};
  const size_t k = static_cast<size_t>(k_);
  const auto u64 = [](int64_t v) { return static_cast<uint64_t>(v); };
  const auto unpacked = [&](std::string_view w, const Decoded& d) {
    return StageValue{w, {{"sign", d.sign}, {"class", static_cast<uint64_t>(d.cls)}, {"lsb_exp", u64(d.lsb_exp())},
                          {"sig", d.sig}}};
  };
  MxDotStages st;
  dot_(in[0], in.subspan(1, k), in[k + 1], in.subspan(k + 2, k), in[2 * k + 2], &st);
  const Decoded a0 = decode(b_.element, in[1]), b0 = decode(b_.element, in[k + 2]);
  std::vector<StageValue> v = {unpacked("a0", a0), unpacked("b0", b0), unpacked("c", st.c), unpacked("xa", st.xa),
                               unpacked("xb", st.xb)};
  // multiply: product 0 as the RTL forms it (sign, zero, exponent ea + eb, significand), and the scales'.
  v.push_back({"product0", {{"sign", a0.sign != b0.sign}, {"zero", a0.cls == Class::Zero || b0.cls == Class::Zero},
                            {"exp", u64(a0.lsb_exp() + b0.lsb_exp() + 2 * b_.element.man_bits)}, {"sig", a0.sig * b0.sig}}});
  v.push_back({"scale_product", {{"sign", st.xa.sign != st.xb.sign}, {"lsb_exp", u64(st.xa.lsb_exp() + st.xb.lsb_exp())},
                                 {"sig", st.xa.sig * st.xb.sig}}});
  v.push_back({"special", {{"taken", st.special}}});
  if (!st.special) {
    const i128 s = st.product_sum;
    v.push_back({"product_sum", {{"sign", s < 0}, {"lsb_exp", u64(st.product_lsb)},
                                 {"magnitude", static_cast<uint64_t>(static_cast<u128>(s < 0 ? -s : s))}}});
    v.push_back({"term", {{"sign", st.term_sign}, {"lsb_exp", u64(st.term_lsb)}, {"magnitude", static_cast<uint64_t>(st.term)}}});
    const Aligned& al = st.aligned;
    v.push_back({"aligned_term", {{"sign", al.p_sign}, {"lost", al.p_sticky}, {"lsb_exp", u64(al.lsb_exp)},
                                  {"value", static_cast<uint64_t>(al.p)}}});
    v.push_back({"aligned_c", {{"sign", al.c_sign}, {"lost", al.c_sticky}, {"shift", u64(al.shift)},
                               {"value", static_cast<uint64_t>(al.c)}}});
    v.push_back({"sum", {{"sign", st.sum.sign}, {"carry", st.sum.carry}, {"lsb_exp", u64(st.sum.lsb_exp)},
                         {"magnitude", static_cast<uint64_t>(st.sum.mag)}}});
    if (st.sum.mag != 0) {
      const EncodeTrace& e = st.normalize_round;
      v.push_back({"normalize", {{"exp", u64(e.exp)}, {"lzc", u64(e.lzc)}, {"quantum", u64(e.quantum)}}});
      v.push_back({"round", {{"half", e.half}, {"below", e.below}, {"inc", e.inc}, {"kept", e.kept}}});
    }
  }
  v.push_back({"pack", {{"flags", st.packed.flags}, {"y", st.packed.bits}}});
  return v;
}

// --- the registry's makers ---------------------------------------------------------------------------

std::unique_ptr<Operation> make_mxq(std::string_view name, std::span<const std::string_view> fields, const Options& o,
                                    std::string* error) {
  std::span<const std::string_view> rest;
  const auto b = block_field(name, fields, &rest, error);
  if (!b) return nullptr;
  if (rest.size() > 1 || (rest.size() == 1 && rest[0] != "fp32" && rest[0] != "bf16")) {
    *error = "unit '" + excerpt(name) + "' needs the form mxq:FMT[:SRC] with SRC fp32 or bf16";
    return nullptr;
  }
  if (b->nvfp4() && o.rule != ScaleRule::Ocp) {
    *error = "unit '" + excerpt(name) + "' takes no --rule (NVFP4's scale is its recipe's)";
    return nullptr;
  }
  if (!check_options(name, o, {"round", "rule", "clamp"}, error)) return nullptr;
  const Format src = *parse_format(rest.empty() ? "fp32" : rest[0]);
  return std::make_unique<MxQuantize>(std::string(name), *b, src, o);
}

std::unique_ptr<Operation> make_mxdq(std::string_view name, std::span<const std::string_view> fields,
                                     const Options& o, std::string* error) {
  std::span<const std::string_view> rest;
  const auto b = block_field(name, fields, &rest, error);
  if (!b) return nullptr;
  if (!rest.empty()) {
    *error = "unit '" + excerpt(name) + "' needs the form mxdq:FMT";
    return nullptr;
  }
  // Dequantization rounds to nearest even, as the recipe says: no option changes it.
  if (!check_options(name, o, {}, error)) return nullptr;
  return std::make_unique<MxDequantize>(std::string(name), *b, o);
}

std::unique_ptr<Operation> make_mxdot(std::string_view name, std::span<const std::string_view> fields,
                                      const Options& o, std::string* error) {
  std::span<const std::string_view> rest;
  const auto b = block_field(name, fields, &rest, error);
  if (!b) return nullptr;
  int k = b->k;
  if (rest.size() > 1) {
    *error = "unit '" + excerpt(name) + "' needs the form mxdot:FMT[:K]";
    return nullptr;
  }
  if (rest.size() == 1) {
    const auto terms = terms_field(name, rest[0], b->k, "the block size " + std::to_string(b->k), error);
    if (!terms) return nullptr;
    k = *terms;
  }
  if (!check_options(name, o, {"round", "window", "sticky"}, error)) return nullptr;
  return std::make_unique<MxDotOperation>(std::string(name), *b, k, o);
}

}  // namespace fmalab
