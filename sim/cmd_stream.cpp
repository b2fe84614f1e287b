// fmalab stream UNIT and fmalab accuracy UNIT: operand streams from value distributions (for the
// energy of synthesized units) and the accuracy of a unit's datapath on them.
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <limits>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "streams.hpp"
#include "vector_file.hpp"

namespace fmalab::cli {

namespace {

struct StreamArgs {
  std::string unit, dist = "gaussian", out;
  unsigned long long count = 0, k = 256, trials = 200;
  bool count_given = false;
  uint64_t seed = 1;
  double input_scale = 1.0;  // accuracy: the fraction of the format's max a tensor's largest value goes to
  Options opts;  // the options that change a result (the datapath's, a dot product's --preset)
};

StreamArgs parse_stream_args(const std::vector<std::string>& a, const char* cmd) {
  StreamArgs r;
  const bool stream = std::string(cmd) == "stream";
  CLI::App app(stream ? "An accumulating dot-product stream 'a b c result flags' (c is the previous result, reset every K)."
                      : "Quantization SQNR and K=256/4096 dot-product relative error of the unit's datapath (CSV).",
               std::string("fmalab ") + cmd);
  init_app(app);
  add_unit(app, r.unit, "UNIT", "a unit computing sum a_i*b_i + c: fma, mac, dot, mxdot, lnsmac (or its RTL unit)");
  add_model_options(app, r.opts, nullptr);
  std::string dists;
  for (const auto& d : distributions()) dists += (dists.empty() ? "" : ", ") + d;
  add_text(app, "--dist", r.dist, "the operands' value distribution (default gaussian): " + dists + (stream ? "" : ", all"));
  add_seed(app, r.seed);
  if (stream) {
    add_count(app, r.count, "how many vectors (required)", &r.count_given);
    add_whole(app, "-k", r.k, 1, std::numeric_limits<int>::max(), "the accumulation length: c resets every K (default 256)");
  } else {
    add_whole(app, "--trials", r.trials, 1, std::numeric_limits<int>::max(), "dot products per K (default 200)");
    app.add_option_function<std::string>(
           "--input-scale",
           [&r](const std::string& v) {
             char* end = nullptr;
             const double x = std::strtod(v.c_str(), &end);
             if (v.empty() || *end != '\0' || !(x > 0 && x <= 1))
               throw InputError("--input-scale takes a number in (0, 1], got '" + excerpt(v) + "'");
             r.input_scale = x;
           },
           "the fraction of the format's max a tensor's largest value goes to (default 1)")
        ->type_name("X");
  }
  add_output(app, r.out);
  parse(app, a);
  if (r.dist != "all" && !is_distribution(r.dist))
    throw InputError("unknown distribution '" + excerpt(r.dist) + "'; valid: " + dists);
  if (r.opts.mode == Round::SR) throw InputError(std::string(cmd) + " takes no stochastic rounding");
  if (r.unit.empty()) throw InputError(std::string(cmd) + " needs a UNIT, e.g. fma_e4m3_fp32");
  return r;
}

// The operation of a unit that computes sum a_i*b_i + c (fma, mac, dot); InputError otherwise.
std::unique_ptr<Operation> need_product_sum(const std::string& unit, const Options& o, const char* cmd) {
  auto op = need_operation(unit, o);
  if (!product_sum(*op))
    throw InputError(std::string(cmd) + " takes a unit that computes sum a_i*b_i + c (fma, mac, dot, mxdot), got '" +
                     excerpt(unit) + "'");
  return op;
}

}  // namespace

int run_stream(const std::vector<std::string>& args) {
  const StreamArgs r = parse_stream_args(args, "stream");
  if (!r.count_given) throw InputError("stream needs --count N");
  if (r.dist == "all") throw InputError("stream takes one --dist");
  const auto op = need_product_sum(r.unit, r.opts, "stream");
  const size_t total = static_cast<size_t>(r.count);
  Progress scan("scanning the tensors for their scales", 2 * total, "values");  // both tensors: 2 * total
  DotProductStream stream(*op, r.dist, total, r.seed, static_cast<int>(r.k), [&](size_t done) { scan.update(done); });
  scan.finish();
  Output out(r.out);
  VectorHeader h = VectorHeader::of(r.unit, *op);
  h.info = {{"dist", r.dist}, {"count", std::to_string(r.count)}, {"seed", std::to_string(r.seed)}, {"k", std::to_string(r.k)}};
  VectorWriter writer(out, h, VectorLayout::Hex);
  const Operation* ops[] = {op.get()};
  write_vectors(ops, total, [&](VectorBatch& chunk) { stream.next(chunk); },
                [&](std::span<const uint64_t> row) { writer.write(row); });
  out.commit();
  return 0;
}

int run_accuracy(const std::vector<std::string>& args) {
  const StreamArgs r = parse_stream_args(args, "accuracy");
  const auto op = need_product_sum(r.unit, r.opts, "accuracy");
  if (r.input_scale != 1.0 && product_sum(*op)->block)
    throw InputError("--input-scale: " + excerpt(r.unit) + " scales its inputs per block, not per tensor");
  std::vector<std::string> dists = {r.dist};
  if (r.dist == "all") dists = distributions();
  Output out(r.out);
  // overflow_k: share of trials with any overflow event (Inf/NaN, a wrap or a saturation); wrap_k and
  // sat_k: those of a fixed-point accumulator's exact running sum leaving its range, unclamped or clamped.
  out.write("dist,sqnr_db_weights,sqnr_db_activations,rel_err_k256,rel_err_k4096,overflow_k256,overflow_k4096,"
            "wrap_k256,wrap_k4096,sat_k256,sat_k4096\n");
  for (const auto& d : dists) {
    const Accuracy a = measure_accuracy(*op, d, r.seed, static_cast<int>(r.trials), r.input_scale);
    char line[320];
    std::snprintf(line, sizeof line, "%s,%.3f,%.3f,%.4e,%.4e,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n", d.c_str(),
                  a.sqnr_db_weights, a.sqnr_db_activations, a.rel_err_k256, a.rel_err_k4096, a.k256.any, a.k4096.any,
                  a.k256.wrap, a.k4096.wrap, a.k256.sat, a.k4096.sat);
    out.write(line);
  }
  out.commit();
  return 0;
}

}  // namespace fmalab::cli
