// Gate-level simulation of a synthesized unit (synth/gatesim.py builds it with Verilator and
// --coverage-toggle): drives the netlist with operand streams from vector files (`fmalab stream`,
// `fmalab vectors`), checks every result and flag against the golden model's expected values in the
// file, and writes the toggle counts of every net per stream (Verilator coverage) for the energy
// calculation.
//
//   harness OUT_DIR NAME=FILE [NAME=FILE...]
//
// Prints one line per stream: "NAME: N vectors, F failed". Exit status 1 if any vector failed,
// 2 on a malformed file (one line naming the file and line) or a missing one.
//
// Names no unit and no port: built with -DUNIT=<module> in a directory where synth/gatesim.py has
// written gate_ports.h from the unit's registry row (rtl/units.json), one entry per port:
//   #define FMALAB_GATE_PORTS(IN, OUT) IN(a, 8, 1) IN(rnd, 3, 1) OUT(y, 32, 1) OUT(flags, 5, 1) ...
// (name, bits per element, elements; element i at [i*bits +: bits]). Each file's header (fields=)
// says which column is which: a column named as a port (or as element i of a port of K elements,
// `a0`..`a(K-1)`) drives or checks it. `rnd` is driven from the column when the file's round= is
// mixed, else from round= (rne 0, rtz 1, rdn 2, rup 3, rmm 4); a unit without a flags port must
// expect flags 0. A column that is no port, or a port no column feeds, is an error.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "verilated.h"
#include "verilated_cov.h"

#define FMALAB_STR2(x) #x
#define FMALAB_STR(x) FMALAB_STR2(x)
#define FMALAB_CAT2(a, b) a##b
#define FMALAB_CAT(a, b) FMALAB_CAT2(a, b)
#include FMALAB_STR(FMALAB_CAT(V, UNIT).h)
using Model = FMALAB_CAT(V, UNIT);

#include "gate_ports.h"  // FMALAB_GATE_PORTS, written by synth/gatesim.py into the build directory

namespace {

[[noreturn]] void bad_input(const std::string& what) {
  std::fprintf(stderr, "gate_harness: %s\n", what.c_str());
  std::exit(2);
}

// Bits [lsb, lsb+bits) of a Verilated port: an integer type up to 64 bits, or VlWide above.
template <class T>
std::enable_if_t<std::is_integral_v<T>> put(T& port, int lsb, int bits, uint64_t v) {
  const uint64_t mask = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  port = static_cast<T>((static_cast<uint64_t>(port) & ~(mask << lsb)) | ((v & mask) << lsb));
}
template <class T>
std::enable_if_t<std::is_integral_v<T>, uint64_t> take(const T& port, int lsb, int bits) {
  const uint64_t mask = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  return (static_cast<uint64_t>(port) >> lsb) & mask;
}
template <std::size_t N>
void put(VlWide<N>& port, int lsb, int bits, uint64_t v) {
  for (int k = 0; k < bits; ++k) {
    const int at = lsb + k;
    const EData bit = EData{1} << (at % 32);
    EData& word = port.m_storage[at / 32];
    word = (v >> k & 1) ? (word | bit) : (word & ~bit);
  }
}
template <std::size_t N>
uint64_t take(const VlWide<N>& port, int lsb, int bits) {
  uint64_t v = 0;
  for (int k = 0; k < bits; ++k) v |= uint64_t{(port.m_storage[(lsb + k) / 32] >> ((lsb + k) % 32)) & 1} << k;
  return v;
}

struct Port {
  const char* name;
  int bits, count;
  bool input;
  void (*set)(Model&, int lsb, int bits, uint64_t v);
  uint64_t (*get)(Model&, int lsb, int bits);
};

#define FMALAB_IN(n, b, k)                                                                      \
  Port{#n, b, k, true, [](Model& m, int lsb, int bits, uint64_t v) { put(m.n, lsb, bits, v); }, \
       [](Model& m, int lsb, int bits) { return take(m.n, lsb, bits); }},
#define FMALAB_OUT(n, b, k) \
  Port{#n, b, k, false, nullptr, [](Model& m, int lsb, int bits) { return take(m.n, lsb, bits); }},
const std::vector<Port> kPorts = {FMALAB_GATE_PORTS(FMALAB_IN, FMALAB_OUT)};

const Port* find_port(const std::string& name) {
  for (const auto& p : kPorts)
    if (name == p.name) return &p;
  return nullptr;
}

// What one column of a file does.
struct Column {
  std::string name;
  int bits = 0;
  const Port* port = nullptr;  // drives (input) or checks (output) element `element` of it
  int element = 0;
  bool rnd = false;           // the rounding mode (its port, if the unit has one)
  bool flags_no_port = false;  // flags of a unit without a flags port: expected 0
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

struct Layout {
  std::vector<Column> columns;
  int frm = 0;  // the mode of every vector, when there is no rnd column
};

// The header's columns mapped to the unit's ports; bad_input for anything that does not fit.
Layout read_header(const std::string& line, const std::string& where) {
  static const std::string magic = "// fmalab-vectors 2";
  if (line.rfind(magic, 0) != 0) bad_input(where + ": not a vector file: the first line must start '" + magic + "'");
  std::map<std::string, std::string> kv;
  std::istringstream in(line.substr(magic.size()));
  for (std::string tok; in >> tok;) {
    const size_t eq = tok.find('=');
    if (eq == std::string::npos || eq == 0) bad_input(where + ": header field '" + tok + "' is not key=value");
    kv[tok.substr(0, eq)] = tok.substr(eq + 1);
  }
  if (!kv.count("fields")) bad_input(where + ": the header names no fields=");
  const std::string round = kv.count("round") ? kv["round"] : "rne";
  static const std::map<std::string, int> modes = {{"rne", 0}, {"rtz", 1}, {"rdn", 2}, {"rup", 3}, {"rmm", 4}};
  Layout lay;
  if (modes.count(round)) lay.frm = modes.at(round);
  else if (round != "mixed" && round != "sr") bad_input(where + ": header round= '" + round + "' is no mode");
  std::map<std::string, int> fed;  // "port/element" -> times
  for (const auto& item : split(kv["fields"], ',')) {
    const size_t colon = item.find(':');
    Column c;
    c.name = item.substr(0, colon);
    c.bits = colon == std::string::npos ? 0 : std::atoi(item.c_str() + colon + 1);
    if (c.name.empty() || c.bits < 1 || c.bits > 64)
      bad_input(where + ": header fields= item '" + item + "' is not name:bits (1 to 64)");
    const Port* p = find_port(c.name);
    if (p && p->count == 1) {
      c.port = p;
    } else {  // element i of a port of count K: the port's name then i
      for (const auto& q : kPorts) {
        const size_t n = std::strlen(q.name);
        const bool index = c.name.size() > n && c.name.compare(0, n, q.name) == 0 &&
                           c.name.find_first_not_of("0123456789", n) == std::string::npos &&
                           (c.name[n] != '0' || c.name.size() == n + 1);  // a0..a31, not a01
        if (q.count > 1 && index) {
          const int e = std::atoi(c.name.c_str() + n);
          if (e < q.count) c.port = &q, c.element = e;
        }
      }
    }
    if (c.name == "rnd") {
      if (round != "mixed") bad_input(where + ": a rnd column, but round=" + round + " (not mixed)");
      c.rnd = true;
    } else if (c.name == "flags" && !c.port) {
      c.flags_no_port = true;
    } else if (!c.port) {
      bad_input(where + ": field " + c.name + " is no port of " FMALAB_STR(UNIT));
    }
    if (c.port && c.bits != c.port->bits)
      bad_input(where + ": field " + c.name + " is " + std::to_string(c.bits) + " bits, port " + c.port->name +
                " takes " + std::to_string(c.port->bits) + " per element");
    if (c.port) ++fed[std::string(c.port->name) + "/" + std::to_string(c.element)];
    lay.columns.push_back(c);
  }
  for (const auto& p : kPorts)
    for (int e = 0; e < p.count; ++e) {
      const std::string key = std::string(p.name) + "/" + std::to_string(e);
      const bool by_mode = std::string(p.name) == "rnd" && round != "mixed";
      if (by_mode) continue;
      if (fed[key] != 1)
        bad_input(where + ": " + (fed[key] ? "more than one column feeds " : "no column feeds ") + "port " + p.name +
                  (p.count > 1 ? " element " + std::to_string(e) : std::string()));
    }
  return lay;
}

// Drives all inputs to zero: each stream starts from the same state.
void reset(Model& m) {
  for (const auto& p : kPorts)
    if (p.input)
      for (int e = 0; e < p.count; ++e) p.set(m, e * p.bits, p.bits, 0);
  m.eval();
}

uint64_t run_stream(VerilatedContext& ctx, Model& m, const char* name, const char* path, uint64_t* failed) {
  std::ifstream f(path);
  if (!f) bad_input(std::string("cannot open ") + path);
  reset(m);
  ctx.coveragep()->zero();
  std::string line;
  Layout lay;
  bool have_header = false;
  uint64_t n = 0;
  *failed = 0;
  std::vector<uint64_t> row;
  for (long lineno = 1; std::getline(f, line); ++lineno) {
    const std::string where = std::string(path) + ":" + std::to_string(lineno);
    if (!have_header) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      lay = read_header(line, where);
      have_header = true;
      row.resize(lay.columns.size());
      if (std::none_of(lay.columns.begin(), lay.columns.end(), [](const Column& c) { return c.rnd; }))
        if (const Port* r = find_port("rnd")) r->set(m, 0, r->bits, static_cast<uint64_t>(lay.frm));
      continue;
    }
    const size_t comment = line.find("//");
    std::istringstream in(comment == std::string::npos ? line : line.substr(0, comment));
    size_t k = 0;
    for (std::string tok; in >> tok; ++k) {
      if (k >= row.size()) bad_input(where + ": more than the header's " + std::to_string(row.size()) + " fields");
      const Column& c = lay.columns[k];
      if (tok.size() != static_cast<size_t>((c.bits + 3) / 4) ||
          tok.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        bad_input(where + ": field " + c.name + " takes " + std::to_string((c.bits + 3) / 4) + " hex digits, got '" +
                  tok.substr(0, 40) + "'");
      row[k] = std::strtoull(tok.c_str(), nullptr, 16);
      if (c.bits < 64 && (row[k] >> c.bits) != 0) bad_input(where + ": field " + c.name + " is wider than its bits");
    }
    if (k == 0) continue;
    if (k != row.size())
      bad_input(where + ": " + std::to_string(k) + " fields, the header has " + std::to_string(row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      const Column& c = lay.columns[i];
      if (c.port && c.port->input) c.port->set(m, c.element * c.bits, c.bits, row[i]);  // rnd too, if a port
    }
    m.eval();
    std::string diff;
    for (size_t i = 0; i < row.size(); ++i) {
      const Column& c = lay.columns[i];
      const bool out = (c.port && !c.port->input) || c.flags_no_port;
      const uint64_t got = c.flags_no_port ? 0 : out ? c.port->get(m, c.element * c.bits, c.bits) : 0;
      if (out && got != row[i]) {
        char buf[96];
        std::snprintf(buf, sizeof buf, " %s=%" PRIx64 " (model %" PRIx64 ")", c.name.c_str(), got, row[i]);
        diff += buf;
      }
    }
    if (!diff.empty() && ++*failed <= 5) std::printf("MISMATCH %s line %ld: netlist%s\n", name, lineno, diff.c_str());
    ++n;
  }
  if (!have_header) bad_input(std::string(path) + ": not a vector file: it is empty");
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) bad_input("usage: harness OUT_DIR NAME=FILE...");
  VerilatedContext ctx;
  Model m(&ctx);
  const std::string out = argv[1];
  bool any_failed = false;
  for (int i = 2; i < argc; ++i) {
    const char* eq = std::strchr(argv[i], '=');
    if (!eq) bad_input(std::string("want NAME=FILE, got ") + argv[i]);
    const std::string name(argv[i], static_cast<size_t>(eq - argv[i]));
    uint64_t failed = 0;
    const uint64_t n = run_stream(ctx, m, name.c_str(), eq + 1, &failed);
    const std::string cov = out + "/toggles_" + name + ".dat";
    ctx.coveragep()->write((cov + ".tmp").c_str());
    std::rename((cov + ".tmp").c_str(), cov.c_str());
    std::printf("%s: %" PRIu64 " vectors, %" PRIu64 " failed\n", name.c_str(), n, failed);
    any_failed |= failed != 0;
  }
  m.final();
  return any_failed ? 1 : 0;
}
