#include "operation.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>

#include "op_cvt.hpp"
#include "op_dot.hpp"
#include "op_fma.hpp"
#include "op_lns.hpp"
#include "op_mx.hpp"

namespace fmalab {

// The registry: one row per kind of operation.
const std::vector<OperationKind>& operation_kinds() {
  static const std::vector<OperationKind> kinds = {
      {"cvt", "cvt:SRC:DST", "one value in SRC rounded into DST", "cvt:fp32:e4m3", make_cvt},
      {"fma", "fma:IN:ACC", "a*b + c rounded once: a, b in IN, c and the result in ACC", "fma:e4m3:fp32", make_fma},
      {"dot", "dot:IN:ACC:K",
       "sum_{i<K} a_i*b_i + c through a tensor core's datapath (--preset v100 a100 a2 ada l40s h100 h200 b200 "
       "mi300; default exact: one correct rounding)",
       "dot:e4m3:fp32:32", make_dot},
      {"mac", "mac:int8", "a*b + c with int8 a, b and an int32 accumulator, wrapping (--sat: saturating)", "mac:int8",
       make_mac},
      {"mxq", "mxq:FMT[:SRC]",
       "one block of k SRC values (fp32, bf16; nvfp4: then ts) quantized into block format FMT: scale, p[k] "
       "(--rule ocp|ceil|even, --no-clamp)",
       "mxq:mxfp8_e4m3", make_mxq},
      {"mxdq", "mxdq:FMT", "one block (scale, p[k]; nvfp4: then ts) dequantized into k fp32 values", "mxdq:mxfp8_e4m3",
       make_mxdq},
      {"mxdot", "mxdot:FMT[:K]",
       "X_A X_B sum_{i<K} P_i(A) P_i(B) + c, the products summed exactly, rounded once into fp32: xa, a[K], xb, b[K], c",
       "mxdot:mxfp8_e4m3", make_mxdot},
      {"lnsmul", "lnsmul:FMT", "a*b in LNS format FMT (lnsW_F): the logs added, saturating at the range ends",
       "lnsmul:lns8_3", make_lnsmul},
      {"lnsadd", "lnsadd:FMT",
       "a+b in LNS format FMT: correctly rounded (--lns-round log|linear), or --method lut (--lut-bits T) or mitchell",
       "lnsadd:lns8_3", make_lnsadd},
      {"lnsmac", "lnsmac:FMT:ACC[:K]",
       "LNS-Madam: K products of LNS format FMT into sign and remainder bins (--madam-bins, --madam-cbits), "
       "combined into fixed-point ACC and added to c, wrapping",
       "lnsmac:lns8_3:fx48_16:8", make_lnsmac},
  };
  return kinds;
}

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

std::string field_name(const std::string& group, int count, int i) {
  return count == 1 ? group : group + std::to_string(i);
}

}  // namespace

size_t Signature::operand_words() const {
  size_t n = random_bits > 0 ? 1 : 0;
  for (const auto& g : operands) n += static_cast<size_t>(g.count);
  return n;
}

size_t Signature::operand_values() const { return operand_words() - (random_bits > 0 ? 1 : 0); }

size_t Signature::result_words() const {
  size_t n = 0;
  for (const auto& g : results) n += static_cast<size_t>(g.count);
  return n;
}

namespace {

void append_fields(std::vector<Field>& f, const std::vector<OperandGroup>& groups) {
  for (const auto& g : groups)
    for (int i = 0; i < g.count; ++i) f.push_back({field_name(g.name, g.count, i), g.format.bits});
}

}  // namespace

std::vector<Field> Signature::operand_fields() const {
  std::vector<Field> f;
  append_fields(f, operands);
  return f;
}

std::vector<Field> Signature::result_fields() const {
  std::vector<Field> f;
  append_fields(f, results);
  return f;
}

std::vector<Field> Signature::fields() const {
  std::vector<Field> f = operand_fields();
  if (random_bits > 0) f.push_back({"rand", random_bits});
  append_fields(f, results);
  f.push_back({"flags", 5});
  return f;
}

std::vector<Format> Signature::operand_formats() const {
  std::vector<Format> f;
  for (const auto& g : operands)
    for (int i = 0; i < g.count; ++i) f.push_back(g.format);
  return f;
}

Operation::Operation(std::string name, Signature sig, const Options& o)
    : name_(std::move(name)), sig_(std::move(sig)), opts_(o) {
  if (o.mode == Round::SR) sig_.random_bits = o.sr_width;
}

void Operation::eval_batch(std::span<const uint64_t> in, std::span<uint64_t> out, std::span<uint8_t> flags) const {
  const size_t ni = sig_.operand_words(), no = sig_.result_words();
  for (size_t i = 0; i < flags.size(); ++i) flags[i] = eval(in.subspan(i * ni, ni), out.subspan(i * no, no));
}

std::vector<std::string> Operation::vector_classes() const { return GenericVectorSource::classes(); }

std::unique_ptr<VectorSource> Operation::vector_source(uint64_t seed) const {
  return std::make_unique<GenericVectorSource>(sig_.operand_formats(), seed);
}

std::vector<StageValue> Operation::stage_values(std::span<const uint64_t>) const { return {}; }

std::unique_ptr<Operation> make_operation(std::string_view name, const Options& o, std::string* error) {
  const auto fields = split(name, ':');
  for (const auto& k : operation_kinds())
    if (fields[0] == k.keyword) return k.make(name, fields, o, error);
  *error = "unknown unit '" + excerpt(name) + "'; valid units: " + operation_grammar_help();
  return nullptr;
}

bool family_options_unset(std::string_view name, const Options& o, std::string* error) {
  const std::string unread = options_not_read(
      o, {"round", "sat", "sr_bits", "window", "sticky", "ftz_in", "ftz_out", "preset", "dot"});
  if (unread.empty()) return true;
  *error = "unit '" + excerpt(name) + "' takes no " + unread + " (options of the MX quantizer and LNS operations)";
  return false;
}

bool options_read_only(std::string_view name, const Options& o, std::initializer_list<std::string_view> read,
                       const char* sr_why, std::string* error) {
  const std::string unread = options_not_read(o, read);
  if (!unread.empty()) {
    *error = "unit '" + excerpt(name) + "' takes no " + unread;
    return false;
  }
  if (sr_why && o.mode == Round::SR) {
    *error = "unit '" + excerpt(name) + "' " + sr_why;
    return false;
  }
  return true;
}

std::string operation_grammar_help() {
  std::string s;
  for (const auto& k : operation_kinds()) {
    if (!s.empty()) s += ", ";
    s += k.grammar;
  }
  return s;
}

std::optional<Format> format_field(std::string_view name, std::string_view field, std::string* error) {
  auto f = parse_format(field);
  if (!f)
    *error = "unknown format '" + excerpt(field) + "' in unit '" + excerpt(name) +
             "'; valid formats: " + format_name_help();
  return f;
}

std::optional<int> terms_field(std::string_view name, std::string_view field, int hi, const std::string& hi_text,
                               std::string* error) {
  int k = 0;
  const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), k);
  if (ec != std::errc{} || ptr != field.data() + field.size() || k < 1 || k > hi) {
    *error = "unit '" + excerpt(name) + "': K takes a whole number from 1 to " + hi_text + ", got '" + excerpt(field) + "'";
    return std::nullopt;
  }
  return k;
}

namespace {

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

}  // namespace

std::string describe(const Decoded& d) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "sign=%d class=%s exp=%d sig=0x%llx", d.sign ? 1 : 0, class_name(d.cls),
                static_cast<int>(d.exp), static_cast<unsigned long long>(d.sig));
  return buf;
}

std::string trace_hex(u128 v) {
  char b[40];
  const auto hi = static_cast<unsigned long long>(v >> 64), lo = static_cast<unsigned long long>(v);
  if (hi) std::snprintf(b, sizeof b, "0x%llx%016llx", hi, lo);
  else std::snprintf(b, sizeof b, "0x%llx", lo);
  return b;
}

std::string excerpt(std::string_view text) {
  constexpr size_t kMax = 40;
  std::string s(text.substr(0, kMax));
  for (char& c : s)
    if (!std::isprint(static_cast<unsigned char>(c))) c = '?';
  return text.size() > kMax ? s + "..." : s;
}

}  // namespace fmalab
