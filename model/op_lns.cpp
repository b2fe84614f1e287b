#include "op_lns.hpp"

#include <algorithm>

#include "lns.hpp"
#include "lns_add_approx.hpp"
#include "lns_mac.hpp"

namespace fmalab {

namespace {

class LnsMul final : public Operation {
 public:
  LnsMul(std::string_view name, const Format& f, const Options& o)
      : Operation(std::string(name), Signature{{{"a", f, 1}, {"b", f, 1}}, {{"y", f, 1}}}, o), f_(f) {}

  uint8_t eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink*) const override {
    const Encoded r = lns_mul(f_, in[0], in[1], options());
    out[0] = r.bits;
    return r.flags;
  }
  PairRole pair_role() const override { return PairRole::Multiply; }

 private:
  Format f_;
};

class LnsAdd final : public Operation {
 public:
  LnsAdd(std::string_view name, const Format& f, const Options& o)
      : Operation(std::string(name), Signature{{{"a", f, 1}, {"b", f, 1}}, {{"y", f, 1}}}, o), f_(f) {
    if (o.lns_method == LnsMethod::Lut) lut_ = lns_lut(f, o.lut_bits ? o.lut_bits : std::min(8, lns_lut_index_bits(f)));
  }

  uint8_t eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink*) const override {
    Encoded r;
    switch (options().lns_method) {
      case LnsMethod::Lut: r = lns_add_lut(f_, lut_, in[0], in[1]); break;
      case LnsMethod::Mitchell: r = lns_add_mitchell(f_, in[0], in[1]); break;
      default: r = lns_add(f_, in[0], in[1], options());
    }
    out[0] = r.bits;
    return r.flags;
  }
  PairRole pair_role() const override { return PairRole::Accumulate; }

 private:
  Format f_;
  LnsLut lut_;
};

class LnsMac final : public Operation {
 public:
  LnsMac(std::string_view name, Madam m, const Options& o)
      : Operation(std::string(name),
                  Signature{{{"a", m.in, m.terms}, {"b", m.in, m.terms}, {"c", m.acc, 1}}, {{"y", m.acc, 1}}}, o),
        m_(std::move(m)) {}

  uint8_t eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink*) const override {
    const auto k = static_cast<size_t>(m_.terms);
    const Encoded r = lns_mac_madam(m_, in.subspan(0, k), in.subspan(k, k), in[2 * k]);
    out[0] = r.bits;
    return r.flags;
  }

 private:
  Madam m_;
};

std::optional<Format> lns_field(std::string_view name, std::string_view field, const char* kind, std::string* error) {
  auto f = format_field(name, field, error);
  if (f && f->kind != Kind::Lns) {
    *error = "unit '" + excerpt(name) + "': " + kind + " takes an LNS format (lnsW_F), got " + f->name;
    return std::nullopt;
  }
  return f;
}

}  // namespace

bool check_lns_options(std::string_view name, const Options& o, std::initializer_list<std::string_view> read,
                       std::string* error) {
  return options_read_only(name, o, read, "(LNS rounding) takes rne, rtz, rdn, rup or rmm, not sr", error);
}

std::unique_ptr<Operation> make_lnsmul(std::string_view name, std::span<const std::string_view> fields,
                                       const Options& o, std::string* error) {
  if (fields.size() != 2) {
    *error = "unit '" + excerpt(name) + "' needs the form lnsmul:FMT, FMT an LNS format such as lns8_3";
    return nullptr;
  }
  if (!check_lns_options(name, o, {"round", "lns_round"}, error)) return nullptr;
  const auto f = lns_field(name, fields[1], "lnsmul", error);
  return f ? std::make_unique<LnsMul>(name, *f, o) : nullptr;
}

std::unique_ptr<Operation> make_lnsadd(std::string_view name, std::span<const std::string_view> fields,
                                       const Options& o, std::string* error) {
  if (fields.size() != 2) {
    *error = "unit '" + excerpt(name) + "' needs the form lnsadd:FMT, FMT an LNS format such as lns8_3";
    return nullptr;
  }
  // The approximations are integer algorithms with one rounding of their own: no mode to choose.
  if (o.lns_method == LnsMethod::Exact) {
    if (!check_lns_options(name, o, {"round", "lns_round", "lns_method"}, error)) return nullptr;
  } else if (!options_read_only(name, o, {"lns_method", o.lns_method == LnsMethod::Lut ? "lut_bits" : ""},
                                nullptr, error)) {
    *error += " (--method lut and mitchell round as their hardware does)";
    return nullptr;
  }
  const auto f = lns_field(name, fields[1], "lnsadd", error);
  if (!f) return nullptr;
  if (o.lns_method == LnsMethod::Lut && o.lut_bits > lns_lut_index_bits(*f)) {
    *error = "unit '" + excerpt(name) + "': --lut-bits takes 1 to " + std::to_string(lns_lut_index_bits(*f)) +
             " for " + f->name + " (the bits of d the table can be indexed by), got " + std::to_string(o.lut_bits);
    return nullptr;
  }
  return std::make_unique<LnsAdd>(name, *f, o);
}

std::unique_ptr<Operation> make_lnsmac(std::string_view name, std::span<const std::string_view> fields,
                                       const Options& o, std::string* error) {
  if (fields.size() != 3 && fields.size() != 4) {
    *error = "unit '" + excerpt(name) + "' needs the form lnsmac:FMT:ACC[:K], FMT an LNS format, ACC fixed point";
    return nullptr;
  }
  if (!options_read_only(name, o, {"madam_bins", "madam_cbits"}, nullptr, error)) {
    *error += " (lnsmac adds its products exactly into bins and cuts them to ACC: no rounding mode)";
    return nullptr;
  }
  const auto in = lns_field(name, fields[1], "lnsmac", error);
  if (!in) return nullptr;
  const auto acc = format_field(name, fields[2], error);
  if (!acc) return nullptr;
  if (acc->kind != Kind::Fixed) {
    *error = "unit '" + excerpt(name) + "': lnsmac accumulates in fixed point (fxW_P or intN), got " + acc->name;
    return nullptr;
  }
  const auto k = fields.size() == 4 ? terms_field(name, fields[3], 65536, "65536", error) : std::optional<int>(1);
  if (!k) return nullptr;
  const int bins = o.madam_bins < 0 ? in->frac_bits : o.madam_bins;
  if (bins > in->frac_bits) {
    *error = "unit '" + excerpt(name) + "': --madam-bins takes full or 0 to " + std::to_string(in->frac_bits) +
             " (the fraction bits of " + in->name + "), got " + std::to_string(bins);
    return nullptr;
  }
  Madam m;
  const std::string why = madam_make(*in, *acc, *k, bins, o.madam_cbits, &m);
  if (!why.empty()) {
    *error = "unit '" + excerpt(name) + "': " + why;
    return nullptr;
  }
  return std::make_unique<LnsMac>(name, std::move(m), o);
}

}  // namespace fmalab
