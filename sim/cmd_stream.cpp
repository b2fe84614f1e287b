// fmalab stream UNIT and fmalab accuracy UNIT: operand streams from value distributions (for the
// energy of synthesized units) and the accuracy of a unit's datapath on them.
#include <cstdio>
#include <limits>

#include "cli.hpp"
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
    if (s == "--dist") {
      r.dist = need_value(a, i);
      if (r.dist != "all" && !is_distribution(r.dist)) {
        std::string valid;
        for (const auto& d : distributions()) valid += (valid.empty() ? "" : ", ") + d;
        throw InputError("unknown distribution '" + r.dist + "'; valid: " + valid);
      }
    } else if (s == "--count") {
      r.count = static_cast<long long>(whole_number(s, need_value(a, i)));
    } else if (s == "--seed") {
      r.seed = whole_number(s, need_value(a, i));
    } else if (s == "-k") {
      r.k = need_int(a, i, 1, std::numeric_limits<int>::max());
    } else if (s == "--trials") {
      r.trials = need_int(a, i, 1, std::numeric_limits<int>::max());
    } else if (s == "-o") {
      r.out = need_value(a, i);
    } else {
      take_unit(s, r.unit, cmd);
    }
  }
  if (r.unit.empty()) throw InputError(std::string(cmd) + " needs a UNIT, e.g. fma_e4m3_fp32");
  return r;
}

}  // namespace

int run_stream(const std::vector<std::string>& args) {
  const StreamArgs r = parse_stream_args(args, "stream");
  if (r.count < 0) throw InputError("stream needs --count N");
  if (r.dist == "all") throw InputError("stream takes one --dist");
  const Unit u = need_datapath_unit(r.unit, "stream");
  const auto vecs = stream_vectors(u, r.dist, static_cast<size_t>(r.count), r.seed, r.k);
  const Evaluator run(u, EvalOptions{});
  Output out(r.out);
  out.write("// fmalab stream " + r.unit + " --dist " + r.dist + " --count " + std::to_string(r.count) + " --seed " +
            std::to_string(r.seed) + " -k " + std::to_string(r.k) + "\n// a b c result flags\n");
  for (const Vector& v : vecs) {
    Operands ops;
    ops.v = {v.a, v.b, v.c, 0};
    const Encoded e = run(ops);
    out.write(vector_line(u, v.a, v.b, v.c, e, ' '));
  }
  out.commit();
  return 0;
}

int run_accuracy(const std::vector<std::string>& args) {
  const StreamArgs r = parse_stream_args(args, "accuracy");
  const Unit u = need_datapath_unit(r.unit, "accuracy");
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
