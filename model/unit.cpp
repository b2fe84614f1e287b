#include "unit.hpp"

#include <cstddef>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace fmalab {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (size_t at = 0;;) {
    const size_t next = s.find(sep, at);
    parts.push_back(s.substr(at, next - at));
    if (next == std::string_view::npos) return parts;
    at = next + 1;
  }
}

const char* class_name(Class c) {
  switch (c) {
    case Class::Zero: return "zero";
    case Class::Subnormal: return "subnormal";
    case Class::Normal: return "normal";
    case Class::Inf: return "inf";
    case Class::NaN: return "nan";
  }
  return "?";
}

EncodeOptions encode_options(const EvalOptions& o, const Operands& in) {
  return EncodeOptions{o.mode, o.saturate, RandomBits{in.rnd, o.mode == Round::SR ? o.sr_width : 0}};
}

}  // namespace

std::string describe(const Decoded& d) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "sign=%d class=%s exp=%d sig=0x%llx", d.sign ? 1 : 0, class_name(d.cls),
                static_cast<int>(d.exp), static_cast<unsigned long long>(d.sig));
  return buf;
}

std::string excerpt(std::string_view text) {
  constexpr size_t kMax = 40;
  std::string s(text.substr(0, kMax));
  for (char& c : s)
    if (!std::isprint(static_cast<unsigned char>(c))) c = '?';
  return text.size() > kMax ? s + "..." : s;
}

std::string unit_name_help() { return "cvt:SRC:DST, fma:IN:ACC, mac:int8"; }

FmaConfig fma_config(const EvalOptions& o) {
  FmaConfig c;
  c.mode = o.mode;
  c.saturate = o.saturate;
  c.window = o.window;
  c.sticky = o.sticky;
  c.ftz_in = o.ftz_in;
  c.ftz_out = o.ftz_out;
  return c;
}

namespace {

std::string hexv(u128 v) {
  const auto hi = static_cast<unsigned long long>(v >> 64), lo = static_cast<unsigned long long>(v);
  char b[40];
  if (hi) std::snprintf(b, sizeof b, "0x%llx%016llx", hi, lo);
  else std::snprintf(b, sizeof b, "0x%llx", lo);
  return b;
}

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

}  // namespace

std::optional<Unit> parse_unit(std::string_view name, std::string* error) {
  const auto parts = split(name, ':');
  auto format_at = [&](size_t i) -> std::optional<Format> {
    auto f = parse_format(parts[i]);
    if (!f) *error = "unknown format '" + excerpt(parts[i]) + "' in unit '" + excerpt(name) +
                     "'; valid formats: " + format_name_help();
    return f;
  };
  if (parts[0] == "cvt") {
    if (parts.size() != 3) {
      *error = "unit '" + excerpt(name) + "' needs the form cvt:SRC:DST";
      return std::nullopt;
    }
    auto src = format_at(1);
    if (!src) return std::nullopt;
    auto dst = format_at(2);
    if (!dst) return std::nullopt;
    return Unit{std::string(name), UnitKind::Cvt, {*src}, *dst};
  }
  if (parts[0] == "mac" && parts.size() == 2 && parts[1] == "int8")
    return Unit{std::string(name), UnitKind::Fma, {*parse_format("int8"), *parse_format("int8"), *parse_format("int32")},
                *parse_format("int32")};
  if (parts[0] == "fma") {
    if (parts.size() != 3) {
      *error = "unit '" + excerpt(name) + "' needs the form fma:IN:ACC";
      return std::nullopt;
    }
    auto in = format_at(1);
    if (!in) return std::nullopt;
    auto acc = format_at(2);
    if (!acc) return std::nullopt;
    if (in->bits > 32 || (acc->kind == Kind::Float && acc->bits > 32)) {
      *error = "unit '" + excerpt(name) + "': fma takes operands of at most 32 bits";
      return std::nullopt;
    }
    return Unit{std::string(name), UnitKind::Fma, {*in, *in, *acc}, *acc};
  }
  *error = "unknown unit '" + excerpt(name) + "'; valid units: " + unit_name_help();
  return std::nullopt;
}

Evaluator::Evaluator(Unit u, const EvalOptions& o) : unit_(std::move(u)), opts_(o) {
  if (unit_.kind == UnitKind::Fma) kernel_.emplace(unit_.operands[0], unit_.result, fma_config(o));
}

Encoded evaluate(const Unit& u, const Operands& in, const EvalOptions& o, TraceSink* trace) {
  return Evaluator(u, o)(in, trace);
}

Encoded Evaluator::operator()(const Operands& in, TraceSink* trace) const {
  const Unit& u = unit_;
  const EvalOptions& o = opts_;
  switch (u.kind) {
    case UnitKind::Cvt: {
      const Format& src = u.operands[0];
      if (trace) trace->stage("decode", describe(decode(src, in.v[0])));
      const Encoded r = convert(src, u.result, in.v[0], encode_options(o, in));
      if (trace) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "bits=0x%llx flags=0x%02x", static_cast<unsigned long long>(r.bits),
                      r.flags);
        trace->stage("encode", buf);
      }
      return r;
    }
    case UnitKind::Fma: {
      const RandomBits rnd{in.rnd, o.mode == Round::SR ? o.sr_width : 0};
      if (!trace) return (*kernel_)(in.v[0], in.v[1], in.v[2], rnd);
      FmaStages st;
      const Encoded r = (*kernel_)(in.v[0], in.v[1], in.v[2], rnd, &st);
      trace_fma(st, *trace);
      return r;
    }
  }
  return {};
}

void evaluate_batch(const Unit& u, std::span<const Operands> in, std::span<Encoded> out, const EvalOptions& o) {
  Evaluator(u, o).run_batch(in, out);
}

void Evaluator::run_batch(std::span<const Operands> in, std::span<Encoded> out) const {
  const size_t n = std::min(in.size(), out.size());
  if (kernel_ && opts_.mode != Round::SR) {
    static_assert(sizeof(Operands) % sizeof(uint64_t) == 0 && offsetof(Operands, v) == 0);
    kernel_->run(in.data()->v.data(), sizeof(Operands) / sizeof(uint64_t), n, out.data());
    return;
  }
  for (size_t i = 0; i < n; ++i) out[i] = (*this)(in[i]);
}

}  // namespace fmalab
