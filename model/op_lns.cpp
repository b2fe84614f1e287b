#include "op_lns.hpp"

#include "lns.hpp"

namespace fmalab {

namespace {

using LnsKernel = Encoded (*)(const Format&, uint64_t, uint64_t, const Options&);

class LnsBinary final : public Operation {
 public:
  LnsBinary(std::string_view name, const Format& f, const Options& o, LnsKernel k)
      : Operation(std::string(name), Signature{{{"a", f, 1}, {"b", f, 1}}, {{"y", f, 1}}}, o), f_(f), k_(k) {}

  uint8_t eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink*) const override {
    const Encoded r = k_(f_, in[0], in[1], options());
    out[0] = r.bits;
    return r.flags;
  }

 private:
  Format f_;
  LnsKernel k_;
};

std::unique_ptr<Operation> make_binary(std::string_view name, std::span<const std::string_view> fields,
                                       const Options& o, std::string* error, LnsKernel k, const char* kind) {
  if (fields.size() != 2) {
    *error = "unit '" + excerpt(name) + "' needs the form " + kind + ":FMT, FMT an LNS format such as lns8_3";
    return nullptr;
  }
  if (!check_lns_options(name, o, {"round", "lns_round"}, error)) return nullptr;
  const auto f = format_field(name, fields[1], error);
  if (!f) return nullptr;
  if (f->kind != Kind::Lns) {
    *error = "unit '" + excerpt(name) + "': " + kind + " takes an LNS format (lnsW_F), got " + f->name;
    return nullptr;
  }
  return std::make_unique<LnsBinary>(name, *f, o, k);
}

}  // namespace

bool check_lns_options(std::string_view name, const Options& o, std::initializer_list<std::string_view> read,
                       std::string* error) {
  return options_read_only(name, o, read, "(LNS rounding) takes rne, rtz, rdn, rup or rmm, not sr", error);
}

std::unique_ptr<Operation> make_lnsmul(std::string_view name, std::span<const std::string_view> fields,
                                       const Options& o, std::string* error) {
  return make_binary(name, fields, o, error, lns_mul, "lnsmul");
}

std::unique_ptr<Operation> make_lnsadd(std::string_view name, std::span<const std::string_view> fields,
                                       const Options& o, std::string* error) {
  return make_binary(name, fields, o, error, lns_add, "lnsadd");
}

}  // namespace fmalab
