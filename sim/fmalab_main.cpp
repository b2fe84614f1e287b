// fmalab: the command-line driver of the golden model. One table of commands; each runner parses
// its own options (CLI11, sim/cli_io.cpp's helpers) and prints its own usage.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli.hpp"
#include "fmalab_version.hpp"
#include "rtl_units.hpp"
#include "streams.hpp"

namespace {

using fmalab::cli::InputError;

struct Command {
  const char* name;
  const char* synopsis;  // for fmalab --help; the command's own --help has every option
  const char* summary;
  int (*run)(const std::vector<std::string>&);  // parses its own options; --help prints its usage
};

const std::vector<Command>& commands() {
  namespace c = fmalab::cli;
  static const std::vector<Command> t = {
      {"eval", "eval UNIT [MODEL OPTIONS] [--trace] [--check] [-i FILE] [-o FILE]",
       "evaluate vectors of hex operands (or a vector file) through a unit", c::run_eval},
      {"formats", "formats [NAME...] [-o FILE]",
       "the formats and their special encodings", c::run_formats},
      {"units", "units [--json] [-o FILE]",
       "every operation grammar and every RTL unit with its ports", c::run_units},
      {"vectors", "vectors UNIT --count N [--seed S] [--classes LIST|all] [MODEL OPTIONS] [--round mixed] [--format hex|csv|memh] [-o FILE]",
       "test vectors from the golden model", c::run_vectors},
      {"cosim", "cosim UNIT [--count N] [--seed S] [--classes LIST] [--round MODE|mixed] [--vectors FILE] [--arch array|booth4] [--systemc]",
       "an RTL unit against the golden model", c::run_cosim},
      {"stream", "stream UNIT --count N [--dist D] [--seed S] [-k K] [MODEL OPTIONS] [-o FILE]",
       "an accumulating dot-product stream", c::run_stream},
      {"accuracy", "accuracy UNIT [--dist D|all] [--seed S] [--trials T] [--input-scale X] [MODEL OPTIONS] [-o FILE]",
       "quantization SQNR and dot-product error of a unit's datapath (CSV)", c::run_accuracy},
      {"gemm", "gemm UNIT --a A.npy --b B.npy [--c C.npy] -o D.npy [--promote N] [--quantize] [--threads T] [MODEL OPTIONS]",
       "D = A x B (+ C) on .npy matrices through a unit's datapath", c::run_gemm},
      {"systolic", "systolic UNIT --a A.npy --b B.npy [--c C.npy] [--xa XA.npy --xb XB.npy] -o D.npy --rows R --cols C [--stats FILE] [MODEL OPTIONS]",
       "D = A x B (+ C) on a SystemC model of an R x C systolic array", c::run_systolic},
      {"quantize", "quantize FMT --in X.npy -o Y.npy [--scales S.npy] [--dequant D.npy] [--rule R] [--round M] [--no-clamp] [--weights-2d]",
       "block (MX/NV) or per-tensor quantization of a .npy tensor", c::run_quantize},
      {"lnslut", "lnslut FMT [--lut-bits T] [-o FILE]",
       "the Gaussian-logarithm tables of lnsadd:FMT --method lut", c::run_lnslut},
      {"regress", "regress --units LIST --count N [OPTIONS] | regress merge ...",
       "sharded, resumable regression campaigns", c::run_regress},
  };
  return t;
}

// fmalab --help: the commands from the table, then the registries' names.
std::string usage() {
  std::string s = "usage: fmalab COMMAND [ARGS]   (fmalab help COMMAND, or fmalab COMMAND --help: its options)\n"
                  "       fmalab --version\ncommands:\n";
  for (const auto& c : commands()) s += "  " + std::string(c.synopsis) + "\n      " + c.summary + "\n";
  std::string rtl, classes, dists;
  for (const auto& u : fmalab::rtl::units()) rtl += " " + u.name;
  for (const auto& k : fmalab::operation_kinds()) {
    std::string why;
    const auto op = fmalab::make_operation(k.example, fmalab::Options{}, &why);
    classes += "\n  " + std::string(k.keyword) + ":";
    for (const auto& cl : op->vector_classes()) classes += " " + cl;
  }
  for (const auto& d : fmalab::distributions()) dists += " " + d;
  return s + "units: " + fmalab::operation_grammar_help() + "\n" + "RTL units:" + rtl + "\n" +
         "vector classes, by operation:" + classes + "\n" + "distributions:" + dists + "\n";
}

const Command& need_command(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& c : commands()) {
    if (name == c.name) return c;
    names.emplace_back(c.name);
  }
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  const std::string guess = fmalab::cli::closest(name, names);
  throw InputError("unknown command '" + fmalab::excerpt(name) + "'" +
                   (guess.empty() ? "" : " (did you mean " + guess + "?)") + "; commands: " + list);
}

int run_command(std::vector<std::string> args) {
  if (args.empty()) {
    std::fputs(usage().c_str(), stderr);
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || (args[0] == "help" && args.size() == 1)) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    std::printf("fmalab %s (commit %s)\n", FMALAB_VERSION, FMALAB_COMMIT);
    return 0;
  }
  if (args[0] == "help") {
    if (args.size() > 2) throw InputError("help takes one COMMAND");
    args = {args[1], "--help"};
  }
  const Command& c = need_command(args[0]);
  args.erase(args.begin());
  return c.run(args);
}

}  // namespace

int main(int argc, char** argv) {
  const auto fail = [&](const std::string& what, int status) {
    std::fprintf(stderr, "%s\n", fmalab::cli::error_line("fmalab: " + what).c_str());
    return status;
  };
  try {
    const int status = run_command(std::vector<std::string>(argv + 1, argv + argc));
    // Whatever went to standard output (results, reports, usage) must have arrived.
    fmalab::cli::finish_stdout();
    return status;
  } catch (const fmalab::cli::HelpShown&) {
    try {
      fmalab::cli::finish_stdout();
    } catch (const InputError& e) {
      return fail(e.what(), 2);
    }
    return 0;
  } catch (const InputError& e) {
    return fail(e.what(), 2);
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what(), 1);
  }
}
