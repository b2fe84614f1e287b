// fmalab vectors UNIT and fmalab cosim UNIT: test vectors from the golden model, and the
// cosimulation of the RTL units against it.
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>

#include "cli.hpp"
#include "cosim.hpp"

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
      if (r.format != "hex" && r.format != "csv") throw InputError("--format takes hex or csv, got '" + excerpt(r.format) + "'");
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

Unit need_datapath_unit(const std::string& name, const char* cmd) {
  const rtl::UnitInfo* info = rtl::find_unit(name);
  std::string why;
  const auto u = parse_unit(info ? info->model : name, &why);
  if (!u) throw InputError(why);
  if (u->kind != UnitKind::Fma)
    throw InputError(std::string(cmd) + " takes an RTL unit or an fma/mac unit, got '" + excerpt(name) + "'");
  return *u;
}

int run_vectors(const std::vector<std::string>& args) {
  const RtlArgs r = parse_args(args, "vectors");
  if (r.count < 0) throw InputError("vectors needs --count N");
  const Unit u = need_datapath_unit(r.unit, "vectors");
  VectorStream stream(u, r.seed, r.classes, {frm_of(r.mode)});
  EvalOptions o;
  o.mode = r.mode;
  const Evaluator run(u, o);
  Output out(r.out);
  const bool csv = r.format == "csv";
  std::string classes;
  for (const auto& c : r.classes) classes += (classes.empty() ? "" : ",") + c;
  out.write(std::string(csv ? "a,b,c,result,flags\n" : "") + (csv ? "" : "// fmalab vectors " + r.unit + " --count " +
            std::to_string(r.count) + " --seed " + std::to_string(r.seed) + " --classes " + classes + " --round " +
            std::string(round_name(r.mode)) + "\n// a b c result flags\n"));
  const char sep = csv ? ',' : ' ';
  write_vector_lines(out, u, run, static_cast<size_t>(r.count), sep,
                     [&](std::span<Vector> chunk) { stream.next(chunk); });
  out.commit();
  return 0;
}

namespace {

// Vectors from a file ('a b c' or 'a b c result flags' per line), read a chunk at a time so a file
// of any length runs in bounded memory.
class VectorFile {
  static constexpr size_t kFileChunk = size_t{1} << 16;

 public:
  VectorFile(const std::string& path, const Unit& u, unsigned rnd) : in_(path), u_(u), rnd_(rnd) {}
  // Fills chunk with up to its capacity of vectors; false when the file had none left.
  bool next(std::vector<Vector>& chunk) {
    chunk.clear();
    std::string line;
    while (chunk.size() < kFileChunk && in_.next_line(line)) {
      const long n = in_.line_number();
      const size_t slash = line.find("//");
      const auto tok = tokens_of(slash == std::string::npos ? line : line.substr(0, slash));
      if (tok.empty()) continue;
      if (tok.size() != 3 && tok.size() != 5)
        throw InputError("line " + std::to_string(n) + ": a vector is 'a b c' or 'a b c result flags', got " +
                         std::to_string(tok.size()) + " fields");
      const Operands ops = parse_vector({tok.begin(), tok.begin() + 3}, u_, EvalOptions{}, n);
      chunk.push_back(Vector{ops.v[0], ops.v[1], ops.v[2], rnd_});
    }
    return !chunk.empty();
  }

 private:
  Input in_;
  const Unit& u_;
  unsigned rnd_;
};

}  // namespace

int run_cosim(const std::vector<std::string>& args) {
  const RtlArgs r = parse_args(args, "cosim");
  const rtl::UnitInfo& info = need_rtl_unit(r.unit);
  const Unit u = need_datapath_unit(info.name, "cosim");
  std::unique_ptr<VectorFile> file;
  std::unique_ptr<VectorStream> stream;
  size_t total = 0;  // generated vectors; a file's count is known only at its end
  if (!r.vectors.empty()) {
    if (r.count >= 0 || r.seed_given) throw InputError("--vectors reads its vectors from the file; drop --count and --seed");
    file = std::make_unique<VectorFile>(r.vectors, u, frm_of(r.mode));
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
    } else if (!file->next(chunk)) {
      break;
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
