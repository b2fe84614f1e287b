// fmalab: the command-line driver of the golden model.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli.hpp"
#include "rtl_units.hpp"
#include "streams.hpp"

namespace {

// The usage text; the unit grammars and the RTL units come from their registries.
std::string usage() {
  std::string rtl, classes, dists;
  for (const auto& u : fmalab::rtl::units()) rtl += " " + u.name;
  for (const auto& k : fmalab::operation_kinds()) {
    std::string why;
    const auto op = fmalab::make_operation(k.example, fmalab::Options{}, &why);
    classes += "\n  " + std::string(k.keyword) + ":";
    for (const auto& c : op->vector_classes()) classes += " " + c;
  }
  for (const auto& d : fmalab::distributions()) dists += " " + d;
  return "usage: fmalab COMMAND [ARGS]\n"
         "  eval UNIT [OPTIONS] [--trace] [--check] [-i FILE] [-o FILE]\n"
         "      one vector of hex operands per input line (or a vector file); prints the results, then the\n"
         "      flags, per vector; --check compares a vector file's results and flags with the model\n"
         "      OPTIONS: [--round rne|rtz|rdn|rup|rmm|sr] [--sat] [--sr-bits N]\n"
         "               fma: [--window N] [--no-sticky] [--ftz-in] [--ftz-out] [--ftz]\n"
         "  formats [NAME...] [-o FILE]   the formats and their special encodings\n"
         "  units [--json] [-o FILE]      every operation grammar and every RTL unit with its ports\n"
         "  vectors UNIT --count N [--seed S] [--classes LIST|all] [OPTIONS] [--round mixed] [--format hex|csv|memh]\n"
         "          [-o FILE]\n"
         "      test vectors from the golden model: operands, (rnd), results, flags (README: Vector files)\n"
         "  cosim UNIT [--count N] [--seed S] [--classes LIST] [--round MODE] [--vectors FILE] [--arch array|booth4]\n"
         "          [--systemc]\n"
         "      the RTL unit against the golden model; prints mismatches and 'N passed, M failed'; --systemc: its\n"
         "      SystemC build in a SystemC testbench (stimulus, golden-model and scoreboard modules)\n"
         "  stream UNIT --dist D --count N [--seed S] [-k K] [-o FILE]\n"
         "      an accumulating dot-product stream 'a b c result flags' (c is the previous result, reset every K)\n"
         "  accuracy UNIT [--dist D|all] [--seed S] [--trials T] [-o FILE]\n"
         "      quantization SQNR and K=256/4096 dot-product relative error of the unit's datapath (CSV)\n"
         "  gemm UNIT --a A.npy --b B.npy [--c C.npy] -o D.npy [--promote N] [--quantize] [--threads T] [OPTIONS]\n"
         "      D = A x B (+ C) through the unit's datapath, K in the unit's chunks (README: fmalab gemm); --promote N\n"
         "      adds each N-product partial sum into an fp32 accumulator; --quantize reads float values\n"
         "  systolic UNIT --a A.npy --b B.npy [--c C.npy] [--xa XA.npy --xb XB.npy] -o D.npy --rows R --cols C\n"
         "          [--stats FILE] [OPTIONS]\n"
         "      D = A x B (+ C) on a SystemC model of an R x C output-stationary systolic array of the unit (README:\n"
         "      fmalab systolic), D as gemm's; cycles, utilization and operation counts as JSON (stdout or --stats)\n"
         "  quantize FMT --in X.npy -o Y.npy [--scales S.npy] [--dequant D.npy] [--rule ocp|ceil|even] [--round M]\n"
         "          [--no-clamp] [--weights-2d]\n"
         "      X's last axis in blocks of FMT (mxfp8_e4m3 ... nvfp4, mx:ELEM:K:SCALE) or one per-tensor scale\n"
         "      (e4m3, e5m2, int8): element codes, scale codes, dequantized values; prints the SQNR\n"
         "  lnslut FMT [--lut-bits T] [-o FILE]\n"
         "      the Gaussian-logarithm tables of lnsadd:FMT --method lut, one row per entry\n"
         "units: " + fmalab::operation_grammar_help() + "\n"
         "RTL units:" + rtl + "\n"
         "vector classes, by operation:" + classes + "\n"
         "distributions:" + dists + "\n";
}

int run_command(std::vector<std::string> args) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(usage().c_str(), args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "eval") return fmalab::cli::run_eval(args);
  if (cmd == "formats") return fmalab::cli::run_formats(args);
  if (cmd == "units") return fmalab::cli::run_units(args);
  if (cmd == "vectors") return fmalab::cli::run_vectors(args);
  if (cmd == "cosim") return fmalab::cli::run_cosim(args);
  if (cmd == "stream") return fmalab::cli::run_stream(args);
  if (cmd == "accuracy") return fmalab::cli::run_accuracy(args);
  if (cmd == "gemm") return fmalab::cli::run_gemm(args);
  if (cmd == "systolic") return fmalab::cli::run_systolic(args);
  if (cmd == "quantize") return fmalab::cli::run_quantize(args);
  if (cmd == "lnslut") return fmalab::cli::run_lnslut(args);
  throw fmalab::cli::InputError("unknown command '" + fmalab::excerpt(cmd) +
                                "'; valid commands: eval, formats, units, vectors, cosim, stream, accuracy, gemm, systolic, quantize, lnslut");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int status = run_command(std::vector<std::string>(argv + 1, argv + argc));
    // Whatever went to standard output (results, reports, usage) must have arrived.
    fmalab::cli::finish_stdout();
    return status;
  } catch (const fmalab::cli::InputError& e) {
    std::fprintf(stderr, "fmalab: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fmalab: internal error: %s\n", e.what());
    return 1;
  }
}
