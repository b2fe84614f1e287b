// Gate-level simulation of a synthesized unit (synth/gatesim.py builds it with Verilator and
// --coverage-toggle): drives the netlist with operand streams from `fmalab vectors` files, checks
// every result and flag against the golden model's expected values in the file, and writes the
// toggle counts of every net per stream (Verilator coverage) for the energy calculation.
//
//   harness OUT_DIR FRM NAME=FILE [NAME=FILE...]
//
// Prints one line per stream: "NAME: N vectors, F failed". Exit status 1 if any vector failed,
// 2 on a malformed line or a missing file. Built with -DUNIT=<module>, -DHAS_RND, -DHAS_FLAGS.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "verilated.h"
#include "verilated_cov.h"

#define FMALAB_STR2(x) #x
#define FMALAB_STR(x) FMALAB_STR2(x)
#define FMALAB_CAT2(a, b) a##b
#define FMALAB_CAT(a, b) FMALAB_CAT2(a, b)
#include FMALAB_STR(FMALAB_CAT(V, UNIT).h)
using Model = FMALAB_CAT(V, UNIT);

namespace {

[[noreturn]] void bad_input(const std::string& what) {
  std::fprintf(stderr, "gate_harness: %s\n", what.c_str());
  std::exit(2);
}

// Drives all inputs to zero: each stream starts from the same state.
void reset(Model& m) {
  m.a = 0;
  m.b = 0;
  m.c = 0;
#ifdef HAS_RND
  m.rnd = 0;
#endif
  m.eval();
}

uint64_t run_stream(VerilatedContext& ctx, Model& m, unsigned frm, const char* name, const char* path,
                    uint64_t* failed) {
  std::FILE* f = std::fopen(path, "r");
  if (!f) bad_input(std::string("cannot open ") + path);
  reset(m);
  ctx.coveragep()->zero();
  char line[512];
  uint64_t n = 0;
  *failed = 0;
  for (long lineno = 1; std::fgets(line, sizeof line, f); ++lineno) {
    if (line[0] == '/' || line[0] == '\n' || line[0] == '#') continue;
    unsigned long long a, b, c, y, fl;
    if (std::sscanf(line, "%llx %llx %llx %llx %llx", &a, &b, &c, &y, &fl) != 5)
      bad_input(std::string(path) + " line " + std::to_string(lineno) + ": want 'a b c result flags' in hex");
    m.a = a;
    m.b = b;
    m.c = c;
#ifdef HAS_RND
    m.rnd = frm;
#endif
    m.eval();
    uint64_t got_flags = 0;
#ifdef HAS_FLAGS
    got_flags = m.flags;
#endif
    if (static_cast<uint64_t>(m.y) != y || got_flags != fl) {
      if (++*failed <= 5)
        std::printf("MISMATCH %s a=%llx b=%llx c=%llx netlist=%llx/%02llx model=%llx/%02llx\n", name, a, b, c,
                    static_cast<unsigned long long>(m.y), static_cast<unsigned long long>(got_flags), y, fl);
    }
    ++n;
  }
  std::fclose(f);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) bad_input("usage: harness OUT_DIR FRM NAME=FILE...");
  VerilatedContext ctx;
  Model m(&ctx);
  const std::string out = argv[1];
  const unsigned frm = static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10));
  bool any_failed = false;
  for (int i = 3; i < argc; ++i) {
    const char* eq = std::strchr(argv[i], '=');
    if (!eq) bad_input(std::string("want NAME=FILE, got ") + argv[i]);
    const std::string name(argv[i], static_cast<size_t>(eq - argv[i]));
    uint64_t failed = 0;
    const uint64_t n = run_stream(ctx, m, frm, name.c_str(), eq + 1, &failed);
    const std::string cov = out + "/toggles_" + name + ".dat";
    ctx.coveragep()->write((cov + ".tmp").c_str());
    std::rename((cov + ".tmp").c_str(), cov.c_str());
    std::printf("%s: %" PRIu64 " vectors, %" PRIu64 " failed\n", name.c_str(), n, failed);
    any_failed |= failed != 0;
  }
  m.final();
  return any_failed ? 1 : 0;
}
