#include "op_cvt.hpp"

#include "op_lns.hpp"

#include <cstdio>

namespace fmalab {

namespace {

class Convert final : public Operation {
 public:
  Convert(std::string_view name, const Format& src, const Format& dst, const Options& o)
      : Operation(std::string(name), Signature{{{"a", src, 1}}, {{"y", dst, 1}}}, o), src_(src), dst_(dst) {}

  uint8_t eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink* trace) const override {
    const uint32_t rnd = signature().random_bits > 0 ? static_cast<uint32_t>(in[1]) : 0;
    if (trace) trace->stage("decode", describe(decode(src_, in[0])));
    const Encoded r = convert(src_, dst_, in[0], options(), options().random(rnd));
    if (trace) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "bits=0x%llx flags=0x%02x", static_cast<unsigned long long>(r.bits), r.flags);
      trace->stage("encode", buf);
    }
    out[0] = r.bits;
    return r.flags;
  }

 private:
  Format src_, dst_;
};

}  // namespace

std::unique_ptr<Operation> make_cvt(std::string_view name, std::span<const std::string_view> fields, const Options& o,
                                    std::string* error) {
  if (fields.size() != 3) {
    *error = "unit '" + excerpt(name) + "' needs the form cvt:SRC:DST";
    return nullptr;
  }
  const auto src = format_field(name, fields[1], error);
  if (!src) return nullptr;
  const auto dst = format_field(name, fields[2], error);
  if (!dst) return nullptr;
  if (src->kind == Kind::Lns || dst->kind == Kind::Lns) {
    if (!check_lns_options(name, o, {"round", "sat", "lns_round"}, error)) return nullptr;
  } else if (!family_options_unset(name, o, error)) {
    return nullptr;
  }
  return std::make_unique<Convert>(name, *src, *dst, o);
}

}  // namespace fmalab
