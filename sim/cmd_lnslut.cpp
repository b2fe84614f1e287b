// fmalab lnslut FMT [--lut-bits T]: the Gaussian-logarithm tables lnsadd --method lut interpolates (an
// RTL unit's ROM is generated from them: synth/lns_rom.py), one row per entry.
#include <cstdio>

#include "../model/lns_add_approx.hpp"
#include <CLI/CLI.hpp>

#include "cli.hpp"

namespace fmalab::cli {

int run_lnslut(const std::vector<std::string>& args) {
  std::string out_path, name, bits = "auto";
  CLI::App app("The Gaussian-logarithm tables of lnsadd:FMT --method lut, one row per entry (i d add sub).",
               "fmalab lnslut");
  init_app(app);
  add_unit(app, name, "FMT", "an LNS format (lnsW_F), e.g. lns16_10");
  add_text(app, "--lut-bits", bits, "the table's index bits T (default auto)");
  add_output(app, out_path);
  parse(app, args);
  if (name.empty()) throw InputError("lnslut needs an LNS format (lnsW_F), e.g. fmalab lnslut lns16_10");
  const auto f = parse_format(name);
  if (!f || f->kind != Kind::Lns) throw InputError("lnslut takes an LNS format (lnsW_F), got '" + excerpt(name) + "'");
  // The operation checks T against the format and says why.
  Options o;
  o.lns_method = LnsMethod::Lut;
  std::string why;
  const OptionField* field = find_option_field("lut_bits");
  if (!field->set(o, bits, &why)) throw InputError("--lut-bits " + why);
  if (!make_operation("lnsadd:" + f->name, o, &why)) throw InputError(why);
  const int db = lns_lut_index_bits(*f);
  const LnsLut lut = lns_lut(*f, o.lut_bits ? o.lut_bits : std::min(8, db));
  Output out(out_path);
  char line[160];
  std::snprintf(line, sizeof line,
                "# lnsadd:%s lut: index_bits=%d lut_bits=%d guard=%d (entries are 2^%d log2(1 +- 2^(-d/2^%d)))\n"
                "# i d add sub\n",
                f->name.c_str(), db, lut.t, LnsLut::kGuard, f->frac_bits + LnsLut::kGuard, f->frac_bits);
  out.write(line);
  for (size_t i = 0; i < lut.add.size(); ++i) {
    std::snprintf(line, sizeof line, "%zu %lld %lld %lld\n", i, static_cast<long long>(i) << (db - lut.t),
                  static_cast<long long>(lut.add[i]), static_cast<long long>(lut.sub[i]));
    out.write(line);
  }
  out.commit();
  return 0;
}

}  // namespace fmalab::cli
