// fmalab vectors UNIT and fmalab cosim UNIT: test vectors from the golden model, and the
// cosimulation of the RTL units against it.
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>

#include "cli.hpp"
#include "cosim.hpp"
#include "vector_file.hpp"

namespace fmalab::cli {

namespace {

struct RtlArgs {
  std::string unit, vectors, out, format = "hex";
  long long count = -1;
  uint64_t seed = 1;
  bool seed_given = false;
  std::vector<std::string> classes;
  Round mode = Round::RNE;
  bool mode_given = false;
  int arch = 0;
};

std::vector<std::string> parse_classes(const std::string& list) {
  if (list == "all") return vector_classes();
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string c;
  while (std::getline(ss, c, ',')) {
    bool known = false;
    for (const auto& k : vector_classes()) known = known || k == c;
    if (!known) {
      std::string valid;
      for (const auto& k : vector_classes()) valid += (valid.empty() ? "" : ", ") + k;
      throw InputError("unknown vector class '" + excerpt(c) + "'; valid: " + valid + ", all");
    }
    out.push_back(c);
  }
  if (out.empty()) throw InputError("--classes needs at least one class");
  return out;
}

RtlArgs parse_args(const std::vector<std::string>& a, const char* cmd) {
  RtlArgs r;
  const bool vectors = std::string(cmd) == "vectors";
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string& s = a[i];
    if (vectors) check_option(s, {"--count", "--seed", "--classes", "--round", "--format", "-o"}, cmd);
    else check_option(s, {"--count", "--seed", "--classes", "--round", "--vectors", "--arch"}, cmd);
    if (s == "--count") {
      r.count = static_cast<long long>(need_count(a, i));
    } else if (s == "--seed") {
      r.seed = whole_number(s, need_value(a, i));
      r.seed_given = true;
    } else if (s == "--classes") {
      r.classes = parse_classes(need_value(a, i));
    } else if (s == "--format") {
      r.format = need_value(a, i);
      if (r.format != "hex" && r.format != "csv" && r.format != "memh")
        throw InputError("--format takes hex, csv or memh, got '" + excerpt(r.format) + "'");
    } else if (s == "--round") {
      const std::string m = need_value(a, i);
      const auto mode = parse_round(m);
      if (!mode || *mode == Round::SR) throw InputError("unknown rounding mode '" + excerpt(m) + "'; valid: rne, rtz, rdn, rup, rmm");
      r.mode = *mode;
      r.mode_given = true;
    } else if (s == "--arch") {
      const std::string v = need_value(a, i);
      if (v != "array" && v != "booth4") throw InputError("--arch takes array or booth4, got '" + excerpt(v) + "'");
      r.arch = v == "booth4" ? 1 : 0;
    } else if (s == "--vectors") {
      r.vectors = need_value(a, i);
    } else if (s == "-o") {
      r.out = need_value(a, i);
    } else {
      take_unit(s, r.unit, cmd);
    }
  }
  if (r.unit.empty()) throw InputError(std::string(cmd) + " needs a UNIT, e.g. fma_e4m3_fp32");
  if (r.classes.empty()) r.classes = vector_classes();
  return r;
}

std::string rtl_unit_list() {
  std::string s;
  for (const auto& u : rtl::units()) s += (s.empty() ? "" : ", ") + u.name;
  return s;
}

const rtl::UnitInfo& need_rtl_unit(const std::string& name) {
  const rtl::UnitInfo* info = rtl::find_unit(name);
  if (!info) throw InputError("unknown RTL unit '" + excerpt(name) + "'; valid: " + rtl_unit_list());
  return *info;
}

// Vectors are generated, checked and written this many at a time.
constexpr size_t kChunk = size_t{1} << 20;

}  // namespace

std::unique_ptr<Operation> need_fma_unit(const std::string& name, const Options& o, const char* cmd) {
  const rtl::UnitInfo* info = rtl::find_unit(name);
  std::string why;
  auto op = make_operation(info ? info->model : name, o, &why);
  if (!op) throw InputError(why);
  if (!as_fma(*op))
    throw InputError(std::string(cmd) + " takes an RTL unit or an fma/mac unit, got '" + excerpt(name) + "'");
  return op;
}

int run_vectors(const std::vector<std::string>& args) {
  const RtlArgs r = parse_args(args, "vectors");
  if (r.count < 0) throw InputError("vectors needs --count N");
  Options o;
  o.mode = r.mode;
  const auto op = need_fma_unit(r.unit, o, "vectors");
  const FmaOperation& u = *as_fma(*op);
  VectorStream stream(u.shape(), r.seed, r.classes, {frm_of(r.mode)});
  Output out(r.out);
  std::string classes;
  for (const auto& c : r.classes) classes += (classes.empty() ? "" : ",") + c;
  VectorHeader h = VectorHeader::of(r.unit, *op);
  h.info = {{"count", std::to_string(r.count)}, {"seed", std::to_string(r.seed)}, {"classes", classes}};
  const VectorLayout layout =
      r.format == "csv" ? VectorLayout::Csv : r.format == "memh" ? VectorLayout::Memh : VectorLayout::Hex;
  VectorWriter writer(out, h, layout);
  write_vectors(u, static_cast<size_t>(r.count), [&](std::span<Vector> chunk) { stream.next(chunk); },
                [&](std::span<const uint64_t> row) { writer.write(row); });
  out.commit();
  return 0;
}

namespace {

// The unit a vector file's header names must be this RTL unit or its model operation.
void check_file_unit(const VectorHeader& h, const rtl::UnitInfo& info, const std::string& path) {
  if (h.unit != info.name && h.unit != info.model)
    throw InputError("vector file '" + excerpt(path) + "' is for unit " + excerpt(h.unit) + ", not " + info.name);
}

}  // namespace

int run_cosim(const std::vector<std::string>& args) {
  const RtlArgs r = parse_args(args, "cosim");
  const rtl::UnitInfo& info = need_rtl_unit(r.unit);
  const auto op = need_fma_unit(info.name, Options{}, "cosim");
  const FmaShape u = as_fma(*op)->shape();
  std::unique_ptr<VectorReader> file;
  unsigned file_rnd = 0;
  std::unique_ptr<VectorStream> stream;
  size_t total = 0;  // generated vectors; a file's count is known only at its end
  if (!r.vectors.empty()) {
    if (r.count >= 0 || r.seed_given) throw InputError("--vectors reads its vectors from the file; drop --count and --seed");
    file = std::make_unique<VectorReader>(r.vectors);
    const VectorHeader& h = file->header();
    check_file_unit(h, info, r.vectors);
    // The file's settings decide; a command-line mode that differs is refused, not silently used.
    if (r.mode_given && h.options.mode != r.mode)
      throw InputError("--round " + std::string(round_name(r.mode)) + " conflicts with the file's round=" +
                       round_name(h.options.mode));
    if (h.fields.size() < 3) throw InputError("vector file '" + excerpt(r.vectors) + "' has fewer than 3 fields");
    file_rnd = frm_of(h.options.mode);
  } else {
    std::vector<unsigned> modes = {0, 1, 2, 3, 4};
    if (r.mode_given || !info.has_rnd) modes = {frm_of(r.mode)};
    const uint64_t seed = r.seed_given ? r.seed : std::random_device{}();
    std::fprintf(stderr, "fmalab cosim %s: seed %llu\n", info.name.c_str(), static_cast<unsigned long long>(seed));
    stream = std::make_unique<VectorStream>(u, seed, r.classes, modes);
    total = static_cast<size_t>(r.count < 0 ? 1000000 : r.count);
  }
  auto unit = rtl::make_unit(info.name, r.arch);
  Cosim cosim(info, *unit, stdout);
  CosimReport rep;
  std::vector<Vector> chunk;
  double secs = 0;  // cosimulation only, not generation or file reading
  size_t done = 0;
  for (;;) {
    if (stream) {
      chunk.resize(std::min(kChunk, total - done));
      if (chunk.empty()) break;
      stream->next(chunk);
    } else {
      chunk.clear();
      std::vector<uint64_t> row(file->header().fields.size());
      while (chunk.size() < (size_t{1} << 16) && file->next(row)) chunk.push_back(Vector{row[0], row[1], row[2], file_rnd});
      if (chunk.empty()) break;
    }
    const auto t0 = std::chrono::steady_clock::now();
    cosim.run(chunk, rep);
    secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    done += chunk.size();
    if (total > kChunk) std::fprintf(stderr, "\r%zu/%zu vectors", done, total);
    else if (!stream && done >= kChunk) std::fprintf(stderr, "\r%zu vectors", done);
  }
  if (done >= kChunk) std::fputc('\n', stderr);
  for (const auto& [stage, n] : rep.first_stage)
    std::printf("first differing stage %s: %llu\n", stage.c_str(), static_cast<unsigned long long>(n));
  std::printf("%llu passed, %llu failed\n", static_cast<unsigned long long>(rep.passed),
              static_cast<unsigned long long>(rep.failed));
  std::fprintf(stderr, "%.2f M vectors/s\n", secs > 0 ? static_cast<double>(done) / secs / 1e6 : 0.0);
  return rep.failed ? 1 : 0;
}

}  // namespace fmalab::cli
