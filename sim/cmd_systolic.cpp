// fmalab systolic UNIT: D = A x B (+ C) on a cycle-level SystemC model of an R x C output-stationary
// systolic array of the unit (sim/systolic.hpp), the matrices as `fmalab gemm` reads and writes them,
// D equal to gemm's bit for bit; the run's cycles, utilization and operation counts as JSON.
// README: fmalab systolic.
#include <cstdio>
#include <optional>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "gemm_operands.hpp"
#include "npy.hpp"
#include "streams.hpp"
#ifndef FMALAB_NO_SYSTEMC
#include "systolic.hpp"
#endif

namespace fmalab::cli {

#ifdef FMALAB_NO_SYSTEMC

int run_systolic(const std::vector<std::string>&) {
  throw InputError("systolic: this fmalab was built without SystemC (Debian: libsystemc-dev)");
}

#else

namespace {

constexpr int kMaxSide = 256;  // PEs per array side: each is a SystemC module

struct SystolicArgs : GemmCommand {
  std::string xa, xb, stats;
  int rows = 0, cols = 0;
};

SystolicArgs parse_systolic_args(const std::vector<std::string>& a) {
  SystolicArgs r;
  CLI::App app("D = A x B (+ C) on a SystemC model of an R x C output-stationary systolic array of the unit\n"
               "(README: fmalab systolic): D as gemm's; cycles, utilization and operation counts as JSON.",
               "fmalab systolic");
  init_app(app);
  add_gemm_command(app, r, "a product-sum unit (fma, mac, dot, lnsmac, mxdot) or its RTL unit",
                 "A (M x K) as .npy of operand codes");
  add_text(app, "--xa", r.xa, "mxdot: A's block scales (M x blocks)");
  add_text(app, "--xb", r.xb, "mxdot: B's block scales (blocks x N)");
  add_text(app, "--stats", r.stats, "write the JSON statistics to FILE instead of standard output");
  unsigned long long rows = 0, cols = 0;
  add_whole(app, "--rows", rows, 1, kMaxSide, "the array's rows of PEs (required)");
  add_whole(app, "--cols", cols, 1, kMaxSide, "the array's columns of PEs (required)");
  parse(app, a);
  r.rows = static_cast<int>(rows);
  r.cols = static_cast<int>(cols);
  check_gemm_command(r, "systolic", "dot:e4m3:fp32:16 --preset h100");
  if (r.rows == 0 || r.cols == 0) throw InputError("systolic needs --rows R and --cols C (the array's PEs)");
  return r;
}

// A block-scaled unit's scales: XA (M x blocks) and XB (blocks x N), codes of the block's scale format.
BlockScales load_scales(const SystolicArgs& r, const BlockFormat& blk, const GemmOperands& x) {
  if (r.xa.empty() || r.xb.empty())
    throw InputError("systolic: a block-scaled unit needs --xa XA.npy and --xb XB.npy (" + blk.name + " scales)");
  BlockScales s;
  s.k = static_cast<size_t>(blk.k);
  s.blocks = (x.K + s.k - 1) / s.k;
  const npy::Array XA(r.xa), XB(r.xb);
  check_matrix(XA, "XA", blk.scale, false, false);
  check_matrix(XB, "XB", blk.scale, false, false);
  const auto want = [](size_t rows, size_t cols) { return "(" + std::to_string(rows) + ", " + std::to_string(cols) + ")"; };
  if (XA.shape()[0] != x.M || XA.shape()[1] != s.blocks)
    throw InputError("input file " + XA.shown() + ": XA is " + shape_text(XA) + ", want " + want(x.M, s.blocks) +
                     ": one scale per " + std::to_string(s.k) + " values of A's rows");
  if (XB.shape()[0] != s.blocks || XB.shape()[1] != x.N)
    throw InputError("input file " + XB.shown() + ": XB is " + shape_text(XB) + ", want " + want(s.blocks, x.N) +
                     ": one scale per " + std::to_string(s.k) + " values of B's columns");
  s.xa.resize(XA.size());
  for (size_t i = 0; i < XA.size(); ++i) s.xa[i] = static_cast<uint32_t>(checked_code(XA, i, blk.scale));
  s.xbt.resize(XB.size());
  for (size_t i = 0; i < XB.size(); ++i) {
    const size_t blk_i = i / x.N, col = i % x.N;
    s.xbt[col * s.blocks + blk_i] = static_cast<uint32_t>(checked_code(XB, i, blk.scale));
  }
  return s;
}

std::string stats_json(const Operation& op, const GemmOperands& x, const SystolicStats& s) {
  char util[32];
  std::snprintf(util, sizeof util, "%.6f", s.utilization());
  const auto kv = [](const char* k, uint64_t v) { return std::string("  \"") + k + "\": " + std::to_string(v) + ",\n"; };
  return "{\n  \"unit\": \"" + op.name() + "\",\n  \"options\": \"" + options_text(op.options(), false) + "\",\n" +
         kv("rows", s.rows) + kv("cols", s.cols) + kv("M", x.M) + kv("N", x.N) +
         kv("K", x.K) + kv("k_unit", x.kunit) + kv("chunks", x.chunks) + kv("tiles", s.tiles) + kv("cycles", s.cycles) +
         kv("pe_cycles", s.rows * s.cols * s.cycles) + kv("busy_pe_cycles", s.busy_pe_cycles) +
         "  \"utilization\": " + util + ",\n" + kv("evaluations", s.evaluations) + kv("a_hops", s.a_hops) +
         kv("b_hops", s.b_hops) + kv("values_per_hop", s.values_per_hop) +
         kv("operand_values_moved", (s.a_hops + s.b_hops) * s.values_per_hop) + kv("psum_writes", s.psum_writes) +
         kv("psum_shifts", s.psum_shifts) + kv("c_loads", s.c_loads) + "  \"drain_reads\": " +
         std::to_string(s.drain_reads) + "\n}\n";
}

}  // namespace

int run_systolic(const std::vector<std::string>& args) {
  const SystolicArgs r = parse_systolic_args(args);
  const auto op = need_operation(r.unit, r.opts);
  const auto ps = product_sum(*op);
  if (!ps || ps->role != PairRole::None)
    throw InputError("systolic takes a unit that computes sum a_i*b_i + c (fma, mac, dot, lnsmac, mxdot), got '" +
                     excerpt(r.unit) + "'");
  if (ps->in.bits > 32) throw InputError("systolic takes input formats of at most 32 bits, got " + ps->in.name);
  if (!ps->block && (!r.xa.empty() || !r.xb.empty()))
    throw InputError("systolic: --xa and --xb are the block scales of a block-scaled unit (mxdot); " + op->name() +
                     " has none");

  const GemmOperands x = load_gemm_operands(*op, *ps, GemmFiles{r.a, r.b, r.c, false, false});
  const std::optional<BlockScales> scales =
      ps->block ? std::optional<BlockScales>(load_scales(r, *ps->block, x)) : std::nullopt;

  Output out(r.out);  // after the input checks; removed on a signal or an error
  std::optional<Output> stats_file;
  if (!r.stats.empty()) stats_file.emplace(r.stats);
  const SystolicRun run =
      fmalab::run_systolic(*op, *ps, x, scales ? &*scales : nullptr, static_cast<size_t>(r.rows), static_cast<size_t>(r.cols));
  write_matrix(out, run.d, x.M, x.N, ps->acc, std::nullopt);
  out.commit();
  const std::string json = stats_json(*op, x, run.stats);
  if (stats_file) {
    stats_file->write(json);
    stats_file->commit();
  } else {
    std::fputs(json.c_str(), stdout);
  }
  return 0;
}

#endif

}  // namespace fmalab::cli
