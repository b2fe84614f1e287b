// fmalab vectors UNIT and fmalab cosim UNIT: test vectors from the golden model, and the
// cosimulation of the RTL units against it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "cosim.hpp"
#include "sc_cosim.hpp"
#include "vector_file.hpp"

namespace fmalab::cli {

namespace {

struct RtlArgs {
  std::string unit, vectors, out, format = "hex";
  unsigned long long count = 0;
  bool count_given = false;
  uint64_t seed = 1;
  bool seed_given = false;
  std::string arch_name;  // --arch as given
  std::string classes;  // as given; checked against the operation's classes
  Options opts;
  std::vector<std::string> given;  // the result-changing options on the command line
  bool mixed = false;              // --round mixed
  int arch = 0;
  bool arch_given = false;
  bool systemc = false;  // cosim --systemc: the unit's SystemC build in a SystemC testbench
};

// The classes a --classes list names, each one of op's (all: every one, in its order).
std::vector<std::string> parse_classes(const std::string& list, const Operation& op) {
  const auto known = op.vector_classes();
  if (list.empty() || list == "all") return known;
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string c;
  while (std::getline(ss, c, ',')) {
    if (std::find(known.begin(), known.end(), c) == known.end()) {
      std::string valid;
      for (const auto& k : known) valid += (valid.empty() ? "" : ", ") + k;
      throw InputError("unknown vector class '" + excerpt(c) + "' for " + excerpt(op.name()) + "; valid: " + valid + ", all");
    }
    out.push_back(c);
  }
  if (out.empty()) throw InputError("--classes needs at least one class");
  return out;
}

RtlArgs parse_args(const std::vector<std::string>& a, const char* cmd) {
  RtlArgs r;
  const bool vectors = std::string(cmd) == "vectors";
  CLI::App app(vectors ? "Test vectors from the golden model: operands, (rnd), results, flags (README: Vector files)."
                       : "An RTL unit against the golden model: prints mismatches and 'N passed, M failed'.",
               std::string("fmalab ") + cmd);
  init_app(app);
  add_unit(app, r.unit, "UNIT", vectors ? "an operation (fma:e4m3:fp32) or an RTL unit (fma_e4m3_fp32)" : "an RTL unit (fma_e4m3_fp32)");
  if (vectors) {
    add_model_options(app, r.opts, &r.given, &r.mixed);
  } else {
    add_model_options(app, r.opts, &r.given, &r.mixed, {"--round"});
  }
  add_count(app, r.count, vectors ? "how many vectors (required)" : "how many vectors (default 1000000)",
            &r.count_given);
  add_seed(app, r.seed, &r.seed_given);
  add_text(app, "--classes", r.classes, "comma-separated vector classes of the unit's operation, or all (fmalab --help lists them)");
  if (vectors) {
    add_text(app, "--format", r.format, "the vector file's layout (default hex)", {"hex", "csv", "memh"});
    add_output(app, r.out);
  } else {
    add_text(app, "--vectors", r.vectors, "read the vectors from a version-2 vector file instead of generating them");
    app.get_option("--vectors")->type_name("FILE");
    add_text(app, "--arch", r.arch_name, "the RTL architecture (default array)", {"array", "booth4"});
    app.add_flag("--systemc", r.systemc, "the unit's SystemC build in a SystemC testbench");
  }
  parse(app, a);
  r.arch_given = !r.arch_name.empty();
  r.arch = r.arch_name == "booth4" ? 1 : 0;
  if (!vectors && r.opts.mode == Round::SR) throw InputError("cosim: the RTL units have no stochastic rounding");
  if (r.unit.empty()) throw InputError(std::string(cmd) + " needs a UNIT, e.g. fma_e4m3_fp32");
  if (r.mixed && r.opts.mode == Round::SR) throw InputError("--round mixed takes the five deterministic modes, not sr");
  return r;
}

std::string rtl_unit_list() {
  std::string s;
  for (const auto& u : rtl::units()) s += (s.empty() ? "" : ", ") + u.name;
  return s;
}

const rtl::UnitInfo& need_rtl_unit(const std::string& name) {
  const rtl::UnitInfo* info = rtl::find_unit(name);
  if (!info) {
    const std::string guess = suggest_unit(name);
    throw InputError("unknown RTL unit '" + excerpt(name) + "'" + (guess.empty() ? "" : " (did you mean " + guess + "?)") +
                     "; valid: " + rtl_unit_list());
  }
  return *info;
}

// Vectors are generated, checked and written this many at a time.
constexpr size_t kChunk = size_t{1} << 20;

// Classes the model confirms for fewer than all of their vectors, on stderr: a class the unit
// cannot reach in this mode (overflow of fma:e4m3:fp32 in rne) is said, not silently missed.
void report_classes(const std::string& unit, const VectorStream& stream) {
  for (const auto& [cls, t] : stream.tally()) {
    if (t.reached == t.drawn) continue;
    std::fprintf(stderr, "fmalab: %s: class %s: the model confirms %llu of %llu vectors reach it%s\n", excerpt(unit).c_str(),
                 cls.c_str(), static_cast<unsigned long long>(t.reached), static_cast<unsigned long long>(t.drawn),
                 t.reached == 0 ? " (none reach it: the unit may be unable to in this mode)" : "");
  }
}

}  // namespace

int run_vectors(const std::vector<std::string>& args) {
  const RtlArgs r = parse_args(args, "vectors");
  if (!r.count_given) throw InputError("vectors needs --count N");
  const auto op = need_operation(r.unit, r.opts);
  const auto classes = parse_classes(r.classes, *op);
  std::vector<std::unique_ptr<Operation>> per_mode;
  std::vector<const Operation*> ops = {op.get()};
  std::vector<unsigned> modes = {frm_of(r.opts.mode)};
  if (r.mixed) {
    try {  // an operation that reads no rounding mode (mxdq, a GPU preset) refuses the other four
      per_mode = operations_per_mode(model_of(r.unit), options_of(r.unit, r.opts));
    } catch (const std::invalid_argument& e) {
      throw InputError(std::string("--round mixed: ") + e.what());
    }
    ops.clear();
    for (const auto& m : per_mode) ops.push_back(m.get());
    modes = {0, 1, 2, 3, 4};
  }
  VectorStream stream(*op, r.seed, classes, modes);
  Output out(r.out);
  std::string class_list;
  for (const auto& c : classes) class_list += (class_list.empty() ? "" : ",") + c;
  VectorHeader h = VectorHeader::of(r.unit, *op, r.mixed);
  h.info = {{"count", std::to_string(r.count)}, {"seed", std::to_string(r.seed)}, {"classes", class_list}};
  const VectorLayout layout =
      r.format == "csv" ? VectorLayout::Csv : r.format == "memh" ? VectorLayout::Memh : VectorLayout::Hex;
  VectorWriter writer(out, h, layout);
  write_vectors(ops, static_cast<size_t>(r.count), [&](VectorBatch& chunk) { stream.next(chunk); },
                [&](std::span<const uint64_t> row) { writer.write(row); });
  out.commit();
  report_classes(r.unit, stream);
  return 0;
}

namespace {

// The unit a vector file's header names must be this RTL unit or its model operation, with the
// datapath the RTL implements (its registry row's options), in one mode or mixed.
void check_file(const VectorHeader& h, const rtl::UnitInfo& info, const Operation& op, const std::string& path) {
  if (h.unit != info.name && h.unit != info.model)
    throw InputError("vector file '" + excerpt(path) + "' is for unit " + excerpt(h.unit) + ", not " + info.name);
  Options unit = options_of(info.name, Options{});
  if (info.has_rnd() && h.options.mode != Round::SR) unit.mode = h.options.mode;
  if (options_text(h.options, true) != options_text(unit, true))
    throw InputError("vector file '" + excerpt(path) + "' has options the RTL unit " + info.name +
                     " does not implement (" + (options_text(unit, false).empty() ? "the exact datapath" : options_text(unit, false)) +
                     (info.has_rnd() ? ", any mode but sr" : "") + "): " + excerpt(h.line()));
  const std::string want = fields_text(vector_fields(op.signature(), h.mixed));
  if (fields_text(h.fields) != want)
    throw InputError("vector file '" + excerpt(path) + "' has fields=" + excerpt(fields_text(h.fields)) + ", not " +
                     info.name + "'s " + want);
}

// fmalab cosim --systemc: refused, before any vector is drawn, when the unit's SystemC build cannot run.
void check_systemc(const rtl::UnitInfo& info, const RtlArgs& r) {
#ifdef FMALAB_SYSTEMC
  const std::string variant = sc_variant(info.name);
  if (r.arch_given && variant != rtl::variants()[static_cast<size_t>(r.arch)])
    throw InputError("--systemc runs " + info.name + "'s " + variant + " build only; drop --arch");
  try {
    const UnitBinding check(info);  // its ports and its model correspond
  } catch (const std::runtime_error& e) {
    throw InputError(e.what());
  }
#else
  throw InputError("--systemc: this fmalab was built without SystemC");
#endif
}

// The unit's SystemC build (one variant) in the SystemC testbench.
void run_systemc(const rtl::UnitInfo& info, const VectorSupply& next, CosimReport& rep) {
#ifdef FMALAB_SYSTEMC
  sc_cosim(info, next, {.log = stdout}, rep);
#endif
}

}  // namespace

int run_cosim(const std::vector<std::string>& args) {
  const RtlArgs r = parse_args(args, "cosim");
  const rtl::UnitInfo& info = need_rtl_unit(r.unit);
  const auto op = need_operation(info.name, Options{});
  if (r.systemc) check_systemc(info, r);
  std::unique_ptr<VectorReader> file;
  std::unique_ptr<VectorStream> stream;
  size_t total = 0;  // generated vectors; a file's count is known only at its end
  if (!r.vectors.empty()) {
    if (r.count_given || r.seed_given || !r.classes.empty())
      throw InputError("--vectors reads its vectors from the file; drop --count, --seed and --classes");
    file = std::make_unique<VectorReader>(r.vectors);
    const VectorHeader& h = file->header();
    check_file(h, info, *op, r.vectors);
    // The file's settings decide; a command-line mode that differs is refused, not silently used.
    if (!r.given.empty() && (r.mixed != h.mixed || (!h.mixed && h.options.mode != r.opts.mode)))
      throw InputError("--round " + std::string(r.mixed ? "mixed" : round_name(r.opts.mode)) +
                       " conflicts with the file's round=" + (h.mixed ? "mixed" : round_name(h.options.mode)));
  } else {
    // A unit with a rounding-mode port runs every mode unless one is asked for.
    std::vector<unsigned> modes = {0, 1, 2, 3, 4};
    if ((!r.given.empty() && !r.mixed) || !info.has_rnd()) modes = {frm_of(r.opts.mode)};
    const uint64_t seed = r.seed_given ? r.seed : std::random_device{}();
    std::fprintf(stderr, "fmalab cosim %s: seed %llu\n", info.name.c_str(), static_cast<unsigned long long>(seed));
    stream = std::make_unique<VectorStream>(*op, seed, parse_classes(r.classes, *op), modes);
    total = static_cast<size_t>(r.count_given ? r.count : 1000000);
  }
  VectorBatch chunk(op->signature().operand_words());
  std::vector<uint64_t> row(file ? file->header().fields.size() : 0);
  size_t done = 0;
  Progress progress("cosim " + info.name, total);
  // The next chunk, generated or read (the progress so far on stderr first); false at the end.
  const VectorSupply next = [&](VectorBatch& c) {
    progress.update(done);
    if (stream) {
      c.resize(std::min(kChunk, total - done));
      if (c.empty()) return false;
      stream->next(c);
    } else {
      c.clear();
      while (c.size() < (size_t{1} << 16) && file->next(row)) {
        const VectorRow v = split_row(file->header(), op->signature(), row);
        c.push(v.operands, v.frm);
      }
      if (c.empty()) return false;
    }
    done += c.size();
    return true;
  };
  CosimReport rep;
  double secs = 0;  // cosimulation only, not generation or file reading (SystemC: all of it)
  if (r.systemc) {
    const auto t0 = std::chrono::steady_clock::now();
    run_systemc(info, next, rep);
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } else {
    auto unit = rtl::make_unit(info.name, r.arch);
    if (!unit)  // a row's "variants" may leave this one out (the dot units: booth4 only)
      throw InputError("RTL unit " + info.name + " is not built with --arch " +
                       rtl::variants()[static_cast<size_t>(r.arch)]);
    std::unique_ptr<Cosim> cosim;
    try {
      cosim = std::make_unique<Cosim>(info, *unit, stdout);
    } catch (const std::runtime_error& e) {
      throw InputError(e.what());
    }
    while (next(chunk)) {
      const auto t0 = std::chrono::steady_clock::now();
      cosim->run(chunk, rep);
      secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
  }
  progress.update(done);
  progress.finish();
  for (const auto& [stage, n] : rep.first_stage)
    std::printf("first differing stage %s: %llu\n", stage.c_str(), static_cast<unsigned long long>(n));
  std::printf("%llu passed, %llu failed\n", static_cast<unsigned long long>(rep.passed),
              static_cast<unsigned long long>(rep.failed));
  std::fprintf(stderr, "%.2f M vectors/s\n", secs > 0 ? static_cast<double>(done) / secs / 1e6 : 0.0);
  return rep.failed ? 1 : 0;
}

}  // namespace fmalab::cli
