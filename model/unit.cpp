#include "unit.hpp"

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

std::string unit_name_help() { return "cvt:SRC:DST"; }

std::optional<Unit> parse_unit(std::string_view name, std::string* error) {
  const auto parts = split(name, ':');
  auto format_at = [&](size_t i) -> std::optional<Format> {
    auto f = parse_format(parts[i]);
    if (!f) *error = "unknown format '" + std::string(parts[i]) + "' in unit '" + std::string(name) +
                     "'; valid formats: " + format_name_help();
    return f;
  };
  if (parts[0] == "cvt") {
    if (parts.size() != 3) {
      *error = "unit '" + std::string(name) + "' needs the form cvt:SRC:DST";
      return std::nullopt;
    }
    auto src = format_at(1);
    if (!src) return std::nullopt;
    auto dst = format_at(2);
    if (!dst) return std::nullopt;
    return Unit{std::string(name), UnitKind::Cvt, {*src}, *dst};
  }
  *error = "unknown unit '" + std::string(name) + "'; valid units: " + unit_name_help();
  return std::nullopt;
}

Encoded evaluate(const Unit& u, const Operands& in, const EvalOptions& o, TraceSink* trace) {
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
  }
  return {};
}

void evaluate_batch(const Unit& u, std::span<const Operands> in, std::span<Encoded> out, const EvalOptions& o) {
  for (size_t i = 0; i < in.size() && i < out.size(); ++i) out[i] = evaluate(u, in[i], o);
}

}  // namespace fmalab
