// fmalab stream UNIT and fmalab accuracy UNIT: operand streams from value distributions (for the
// energy of synthesized units) and the accuracy of a unit's datapath on them.
#include <cstdio>

#include "cli.hpp"
#include "rtl_units.hpp"
#include "streams.hpp"

namespace fmalab::cli {

namespace {

struct StreamArgs {
  std::string unit, dist = "gaussian", out;
  long long count = -1;
  uint64_t seed = 1;
  int k = 256, trials = 200;
};

StreamArgs parse_stream_args(const std::vector<std::string>& a, const char* cmd) {
  StreamArgs r;
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string& s = a[i];
    auto number = [&](const char* what) {
      const std::string v = need_value(a, i);
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 0);
      if (v.empty() || *end || n < 0) throw InputError(std::string(what) + " takes a non-negative number, got '" + v + "'");
      return n;
    };
    if (s == "--dist") {
      r.dist = need_value(a, i);
      if (r.dist != "all" && !is_distribution(r.dist)) {
        std::string valid;
        for (const auto& d : distributions()) valid += (valid.empty() ? "" : ", ") + d;
        throw InputError("unknown distribution '" + r.dist + "'; valid: " + valid);
      }
    } else if (s == "--count") {
      r.count = number("--count");
    } else if (s == "--seed") {
      r.seed = static_cast<uint64_t>(number("--seed"));
    } else if (s == "-k") {
      r.k = static_cast<int>(number("-k"));
      if (r.k < 1) throw InputError("-k takes a positive dot-product length");
    } else if (s == "--trials") {
      r.trials = static_cast<int>(number("--trials"));
      if (r.trials < 1) throw InputError("--trials takes a positive number");
    } else if (s == "-o") {
      r.out = need_value(a, i);
    } else if (!s.empty() && s[0] == '-') {
      throw InputError(std::string("unknown option '") + s + "' for " + cmd);
    } else if (r.unit.empty()) {
      r.unit = s;
    } else {
      throw InputError("unexpected argument '" + s + "'; " + cmd + " takes one UNIT");
    }
  }
  if (r.unit.empty()) throw InputError(std::string(cmd) + " needs a UNIT, e.g. fma_e4m3_fp32");
  return r;
}

Unit unit_named(const std::string& name) {
  const rtl::UnitInfo* info = rtl::find_unit(name);
  std::string why;
  const auto u = parse_unit(info ? info->model : name, &why);
  if (!u) throw InputError(why);
  if (u->kind != UnitKind::Fma) throw InputError("expected an RTL unit or an fma/mac unit, got '" + name + "'");
  return *u;
}

}  // namespace

int run_stream(const std::vector<std::string>& args) {
  const StreamArgs r = parse_stream_args(args, "stream");
  if (r.count < 0) throw InputError("stream needs --count N");
  if (r.dist == "all") throw InputError("stream takes one --dist");
  const Unit u = unit_named(r.unit);
  const auto vecs = stream_vectors(u, r.dist, static_cast<size_t>(r.count), r.seed, r.k);
  const Evaluator run(u, EvalOptions{});
  Output out(r.out);
  out.write("// fmalab stream " + r.unit + " --dist " + r.dist + " --count " + std::to_string(r.count) + " --seed " +
            std::to_string(r.seed) + " -k " + std::to_string(r.k) + "\n// a b c result flags\n");
  for (const Vector& v : vecs) {
    Operands ops;
    ops.v = {v.a, v.b, v.c, 0};
    const Encoded e = run(ops);
    out.write(hex(v.a, u.operands[0].hex_digits()) + " " + hex(v.b, u.operands[1].hex_digits()) + " " +
              hex(v.c, u.operands[2].hex_digits()) + " " + hex(e.bits, u.result.hex_digits()) + " " +
              hex(e.flags, 2) + "\n");
  }
  out.commit();
  return 0;
}

int run_accuracy(const std::vector<std::string>& args) {
  const StreamArgs r = parse_stream_args(args, "accuracy");
  const Unit u = unit_named(r.unit);
  std::vector<std::string> dists = {r.dist};
  if (r.dist == "all") dists = distributions();
  Output out(r.out);
  out.write("dist,sqnr_db_weights,sqnr_db_activations,rel_err_k256,rel_err_k4096,overflow_k256,overflow_k4096\n");
  for (const auto& d : dists) {
    const Accuracy a = measure_accuracy(u, d, r.seed, r.trials);
    char line[256];
    std::snprintf(line, sizeof line, "%s,%.3f,%.3f,%.4e,%.4e,%.3f,%.3f\n", d.c_str(), a.sqnr_db_weights,
                  a.sqnr_db_activations, a.rel_err_k256, a.rel_err_k4096, a.overflow_k256, a.overflow_k4096);
    out.write(line);
  }
  out.commit();
  return 0;
}

}  // namespace fmalab::cli
