#include "op_fma.hpp"

#include <cstdio>

namespace fmalab {

FmaOperation::FmaOperation(std::string name, const FmaShape& shape, const Options& o)
    : Operation(std::move(name), Signature{{{"a", shape.in, 1}, {"b", shape.in, 1}, {"c", shape.acc, 1}},
                                           {{"y", shape.acc, 1}}},
                o),
      shape_(shape), kernel_(shape.in, shape.acc, o) {}

uint8_t FmaOperation::eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink* trace) const {
  const RandomBits rnd = options().random(signature().random_bits > 0 ? static_cast<uint32_t>(in[3]) : 0);
  Encoded r;
  if (!trace) {
    r = kernel_(in[0], in[1], in[2], rnd);
  } else {
    FmaStages st;
    r = kernel_(in[0], in[1], in[2], rnd, &st);
    trace_fma(st, *trace);
  }
  out[0] = r.bits;
  return r.flags;
}

void FmaOperation::eval_batch(std::span<const uint64_t> in, std::span<uint64_t> out, std::span<uint8_t> flags) const {
  if (signature().random_bits > 0) return Operation::eval_batch(in, out, flags);
  constexpr size_t kBlock = 256;  // results land in a small buffer, then in the caller's rows
  Encoded r[kBlock];
  for (size_t i = 0; i < flags.size(); i += kBlock) {
    const size_t n = std::min(kBlock, flags.size() - i);
    kernel_.run(in.data() + 3 * i, 3, n, r);
    for (size_t k = 0; k < n; ++k) {
      out[i + k] = r[k].bits;
      flags[i + k] = r[k].flags;
    }
  }
}

namespace {

uint64_t u(int64_t v) { return static_cast<uint64_t>(v); }

StageValue term(std::string_view word, const Decoded& d) {
  return {word, {{"sign", d.sign}, {"class", static_cast<uint64_t>(d.cls)}, {"lsb_exp", u(d.lsb_exp())}, {"sig", d.sig}}};
}

}  // namespace

std::vector<StageValue> FmaOperation::stage_values(std::span<const uint64_t> in) const {
  const RandomBits rnd = options().random(signature().random_bits > 0 ? static_cast<uint32_t>(in[3]) : 0);
  FmaStages s;
  const Encoded r = kernel_(in[0], in[1], in[2], rnd, &s);
  std::vector<StageValue> v = {term("a", s.unpacked.a), term("b", s.unpacked.b), term("c", s.unpacked.c)};
  const Product& p = s.product;
  v.push_back({"product", {{"sign", p.sign}, {"class", static_cast<uint64_t>(p.cls)}, {"lsb_exp", u(p.lsb_exp)},
                           {"sig", static_cast<uint64_t>(p.sig)}}});
  v.push_back({"special", {{"taken", s.special}}});
  // The fixed-point path has no align, normalize or round stage; the special path skips them all,
  // and an exact zero sum has nothing to normalize or round.
  const bool fixed = !shape_.acc.is_float();
  if (!s.special && !fixed) {
    const Aligned& a = s.aligned;
    v.push_back({"aligned_product", {{"sign", a.p_sign}, {"lost", a.p_sticky}, {"lsb_exp", u(a.lsb_exp)},
                                     {"value", static_cast<uint64_t>(a.p)}}});
    v.push_back({"aligned_addend", {{"sign", a.c_sign}, {"lost", a.c_sticky}, {"shift", u(a.shift)},
                                    {"value", static_cast<uint64_t>(a.c)}}});
  }
  if (!s.special) {
    const Sum& m = s.sum;
    v.push_back({"sum", {{"sign", m.sign}, {"carry", m.carry}, {"lsb_exp", u(m.lsb_exp)},
                         {"magnitude", static_cast<uint64_t>(m.mag)}}});
  }
  if (!s.special && !fixed && s.sum.mag != 0) {
    const EncodeTrace& t = s.normalize_round;
    v.push_back({"normalize", {{"exp", u(t.exp)}, {"lzc", u(t.lzc)}, {"quantum", u(t.quantum)}}});
    v.push_back({"round", {{"half", t.half}, {"below", t.below}, {"inc", t.inc}, {"kept", t.kept}}});
  }
  v.push_back({"pack", {{"flags", r.flags}, {"y", r.bits}}});
  return v;
}

const FmaOperation* as_fma(const Operation& op) { return dynamic_cast<const FmaOperation*>(&op); }

namespace {

std::string hexv(u128 v) {
  const auto hi = static_cast<unsigned long long>(v >> 64), lo = static_cast<unsigned long long>(v);
  char b[40];
  if (hi) std::snprintf(b, sizeof b, "0x%llx%016llx", hi, lo);
  else std::snprintf(b, sizeof b, "0x%llx", lo);
  return b;
}

}  // namespace

void trace_fma(const FmaStages& s, TraceSink& t) {
  t.stage("unpack.a", describe(s.unpacked.a));
  t.stage("unpack.b", describe(s.unpacked.b));
  t.stage("unpack.c", describe(s.unpacked.c));
  const Product& p = s.product;
  t.stage("multiply", "sign=" + std::to_string(p.sign) + " exp=" + std::to_string(p.exp) + " sig=" + hexv(p.sig) +
                          " lsb=" + std::to_string(p.lsb_exp));
  if (!s.special) {
    const Aligned& a = s.aligned;
    t.stage("align", "anchor=" + std::to_string(a.anchor) + " shift=" + std::to_string(a.shift) +
                         " lsb=" + std::to_string(a.lsb_exp) + " p=" + hexv(a.p) + " c=" + hexv(a.c) +
                         " p_sticky=" + std::to_string(a.p_sticky) + " c_sticky=" + std::to_string(a.c_sticky));
    const Sum& m = s.sum;
    t.stage("add", "sign=" + std::to_string(m.sign) + " mag=" + hexv(m.mag) + " carry=" + std::to_string(m.carry) +
                       " lsb=" + std::to_string(m.lsb_exp));
    const EncodeTrace& n = s.normalize_round;
    t.stage("normalize", "exp=" + std::to_string(n.exp) + " lzc=" + std::to_string(n.lzc) +
                             " quantum=" + std::to_string(n.quantum));
    t.stage("round", "kept=" + hexv(n.kept) + " half=" + std::to_string(n.half) + " below=" +
                         std::to_string(n.below) + " inc=" + std::to_string(n.inc));
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "bits=0x%llx flags=0x%02x special=%d", static_cast<unsigned long long>(s.packed.bits),
                s.packed.flags, s.special ? 1 : 0);
  t.stage("pack", buf);
}

std::unique_ptr<Operation> make_fma(std::string_view name, std::span<const std::string_view> fields, const Options& o,
                                    std::string* error) {
  if (fields.size() != 3) {
    *error = "unit '" + excerpt(name) + "' needs the form fma:IN:ACC";
    return nullptr;
  }
  if (!family_options_unset(name, o, error)) return nullptr;
  const auto in = format_field(name, fields[1], error);
  if (!in) return nullptr;
  const auto acc = format_field(name, fields[2], error);
  if (!acc) return nullptr;
  // The product of two inputs of at most 32 bits fits 64 bits, and its exact window (2*32 + 3)
  // the 128-bit adder (fma.hpp).
  if (in->bits > 32 || (acc->kind == Kind::Float && acc->bits > 32)) {
    *error = "unit '" + excerpt(name) + "': fma takes operands of at most 32 bits";
    return nullptr;
  }
  return std::make_unique<FmaOperation>(std::string(name), FmaShape{*in, *acc}, o);
}

std::unique_ptr<Operation> make_mac(std::string_view name, std::span<const std::string_view> fields, const Options& o,
                                    std::string* error) {
  if (fields.size() != 2 || fields[1] != "int8") {
    *error = "unit '" + excerpt(name) + "' needs the form mac:int8";
    return nullptr;
  }
  if (!family_options_unset(name, o, error)) return nullptr;
  return std::make_unique<FmaOperation>(std::string(name), FmaShape{*parse_format("int8"), *parse_format("int32")}, o);
}

}  // namespace fmalab
