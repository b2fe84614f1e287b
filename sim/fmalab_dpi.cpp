// The DPI-C view of the golden model: what a SystemVerilog testbench (a UVM scoreboard, as cvfpu's
// calls MPFR) imports to evaluate any registered operation, draw its test vectors and trace a
// vector's datapath stages. Compiled against the standard svdpi.h only (Verilator's copy of the
// IEEE 1800 header), so the one library loads into any simulator; sim/fmalab_dpi.svh holds the
// matching `import "DPI-C"` declarations. Every function reports failure by a nonzero status (or a
// null chandle) and fmalab_error()'s one line; no C++ exception crosses into the simulator.
#include <svdpi.h>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/batch.hpp"
#include "model/operation.hpp"
#include "model/options.hpp"
#include "sim/vectors.hpp"

namespace fmalab::dpi {

namespace {

// The message of this thread's last call that failed ("" after one that succeeded). A DPI import
// is a free C function with no context to return it in, so it lives beside the calls; thread_local
// keeps simulators that call from several threads apart.
thread_local std::string last_error;
// The text an output `string` argument points at: SystemVerilog copies it before the next call.
thread_local std::string out_text;

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a chandle points at; polymorphic so a source passed where an operation belongs is caught.
struct Handle {
  virtual ~Handle() = default;
};

// An operation opened by name and options, and the same operation per frm override (built on
// first use: a scoreboard drives the rounding mode per vector, as the RTL's rnd port takes it).
struct OpHandle : Handle {
  std::string unit;
  Options options;
  std::unique_ptr<Operation> op;
  std::array<std::unique_ptr<Operation>, 5> by_frm;
  std::vector<Field> in_fields, out_fields;  // operand words (the random word last) and results

  const Operation& at(int frm) {
    if (frm < 0) return *op;
    if (frm > 7) throw Failure("frm " + std::to_string(frm) + " is not -1 (the options' rounding) or 0..7");
    if (op->signature().random_bits > 0)
      throw Failure(unit + " rounds stochastically (round=sr): frm must be -1, got " + std::to_string(frm));
    const Round mode = round_of_frm(static_cast<unsigned>(frm));
    if (mode == options.mode) return *op;
    auto& slot = by_frm[static_cast<size_t>(mode)];
    if (!slot) {
      Options o = options;
      o.mode = mode;
      std::string why;
      slot = make_operation(unit, o, &why);
      if (!slot) throw Failure(why);
    }
    return *slot;
  }
};

// A vector stream of one operation: its classes in turn, each in the rounding modes in turn.
struct SourceHandle : Handle {
  VectorStream stream;
  VectorBatch chunk;
  size_t next = 0;
  SourceHandle(const Operation& op, std::vector<std::string> classes, std::vector<unsigned> modes, uint64_t seed)
      : stream(op, seed, std::move(classes), std::move(modes)), chunk(op.signature().operand_words()) {}
};

template <class H>
H& need(void* h, const char* what) {
  auto* p = dynamic_cast<H*>(static_cast<Handle*>(h));
  if (!h || !p) throw Failure(std::string("not ") + what + " handle" + (h ? "" : " (null)"));
  return *p;
}

std::unique_ptr<OpHandle> open_operation(const char* unit, const char* options) {
  auto h = std::make_unique<OpHandle>();
  h->unit = unit ? unit : "";
  std::string why;
  if (!parse_options_text(options ? options : "", h->options, &why)) throw Failure("options: " + why);
  h->op = make_operation(h->unit, h->options, &why);
  if (!h->op) throw Failure(why);
  const Signature& sig = h->op->signature();
  h->in_fields = sig.operand_fields();
  if (sig.random_bits > 0) h->in_fields.push_back({"rand", sig.random_bits});
  h->out_fields = sig.result_fields();
  return h;
}

// The elements of a one-dimensional open array of longint unsigned, through svGetArrElemPtr1 so
// any simulator's storage layout works.
size_t array_size(svOpenArrayHandle a, const char* what) {
  if (!a || svDimensions(a) != 1) throw Failure(std::string(what) + " is not a one-dimensional array");
  return static_cast<size_t>(svSize(a, 1));
}
uint64_t* element(svOpenArrayHandle a, size_t i) {
  return static_cast<uint64_t*>(svGetArrElemPtr1(a, svLow(a, 1) + static_cast<int>(i)));
}
void need_size(svOpenArrayHandle a, size_t want, const char* what, const std::string& unit) {
  const size_t n = array_size(a, what);
  if (n != want)
    throw Failure(unit + " takes " + std::to_string(want) + " " + what + " words, got an array of " + std::to_string(n));
}

// n vectors through fmalab::evaluate (which checks each code against its field's width).
void evaluate_arrays(const Operation& op, size_t n, svOpenArrayHandle operands, svOpenArrayHandle results,
                     uint8_t* flags) {
  const size_t ni = op.signature().operand_words(), no = op.signature().result_words();
  need_size(operands, n * ni, "operand", op.name());
  need_size(results, n * no, "result", op.name());
  std::vector<uint64_t> in(n * ni), out(n * no);
  for (size_t i = 0; i < in.size(); ++i) in[i] = *element(operands, i);
  std::vector<Column> ic;
  std::vector<MutableColumn> oc;
  const auto in_row = static_cast<std::ptrdiff_t>(ni * 8), out_row = static_cast<std::ptrdiff_t>(no * 8);
  for (size_t w = 0; w < ni; ++w) ic.push_back({in.data() + w, in_row, 8});
  for (size_t r = 0; r < no; ++r) oc.push_back({out.data() + r, out_row, 8});
  evaluate(op, n, ic, oc, flags);
  for (size_t i = 0; i < out.size(); ++i) *element(results, i) = out[i];
}

std::vector<std::string> split_words(const char* text) {
  std::vector<std::string> out;
  std::string s = text ? text : "";
  for (char& c : s)
    if (c == ',') c = ' ';
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> parse_classes(const char* text, const Operation& op) {
  const auto known = op.vector_classes();
  auto classes = split_words(text);
  if (classes.empty() || (classes.size() == 1 && classes[0] == "all")) return known;
  for (const auto& c : classes)
    if (std::find(known.begin(), known.end(), c) == known.end()) {
      std::string valid;
      for (const auto& k : known) valid += (valid.empty() ? "" : " ") + k;
      throw Failure("unknown vector class '" + excerpt(c) + "' for " + op.name() + "; classes: " + valid + " all");
    }
  return classes;
}

// Rounding mode names to frm codes; none: the operation's own mode (SR vectors are steered as RNE).
std::vector<unsigned> parse_modes(const char* text, const Options& o) {
  std::vector<unsigned> modes;
  for (const auto& w : split_words(text)) {
    if (w == "all") {
      for (unsigned m = 0; m < 5; ++m) modes.push_back(m);
      continue;
    }
    const auto r = parse_round(w);
    if (!r || *r == Round::SR) throw Failure("unknown rounding mode '" + excerpt(w) + "'; modes: rne rtz rdn rup rmm all");
    modes.push_back(frm_of(*r));
  }
  if (modes.empty()) modes.push_back(frm_of(o.mode));
  return modes;
}

std::string hex_fields(const std::vector<Field>& fields, std::span<const uint64_t> v) {
  std::string s;
  for (size_t i = 0; i < fields.size(); ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s=0x%0*" PRIx64, s.empty() ? "" : " ", fields[i].name.c_str(),
                  (fields[i].bits + 3) / 4, v[i]);
    s += buf;
  }
  return s;
}

// The stage lines as `fmalab eval --trace` writes them (without its "# trace line=N " prefix),
// then the results and flags.
std::string trace_text(const Operation& op, const std::vector<Field>& out_fields, std::span<const uint64_t> in) {
  const Trace t = trace(op, in);
  std::string s;
  for (const auto& [stage, values] : t.stages) s += "stage=" + stage + " " + values + "\n";
  char flags[16];
  std::snprintf(flags, sizeof flags, " flags=0x%02x", t.flags);
  return s + hex_fields(out_fields, t.results) + flags + "\n";
}

// Runs body, turning any exception into last_error and `failed`.
template <class R, class F>
R guarded(R failed, F&& body) {
  last_error.clear();
  try {
    return body();
  } catch (const std::exception& e) {
    last_error = e.what();
  } catch (...) {
    last_error = "unknown error";
  }
  if (last_error.empty()) last_error = "error";
  return failed;
}

}  // namespace

}  // namespace fmalab::dpi

using namespace fmalab;
using namespace fmalab::dpi;

extern "C" {

const char* fmalab_error() { return last_error.c_str(); }

void* fmalab_open(const char* unit, const char* options) {
  return guarded<void*>(nullptr, [&] { return static_cast<Handle*>(open_operation(unit, options).release()); });
}

void fmalab_close(void* h) { delete static_cast<Handle*>(h); }

int fmalab_words(void* h, int results) {
  return guarded(-1, [&] {
    const auto& o = need<OpHandle>(h, "an operation");
    return static_cast<int>((results ? o.out_fields : o.in_fields).size());
  });
}

namespace {
const Field& field_at(void* h, int results, int i) {
  const auto& o = need<OpHandle>(h, "an operation");
  const auto& f = results ? o.out_fields : o.in_fields;
  if (i < 0 || static_cast<size_t>(i) >= f.size())
    throw Failure(o.unit + " has no " + (results ? "result" : "operand") + " word " + std::to_string(i));
  return f[static_cast<size_t>(i)];
}
}  // namespace

int fmalab_field_bits(void* h, int results, int i) {
  return guarded(-1, [&] { return field_at(h, results, i).bits; });
}

const char* fmalab_field_name(void* h, int results, int i) {
  return guarded<const char*>("", [&] { return field_at(h, results, i).name.c_str(); });
}

int fmalab_field(void* h, int results, const char* name) {
  return guarded(-1, [&]() -> int {
    const auto& o = need<OpHandle>(h, "an operation");
    const auto& f = results ? o.out_fields : o.in_fields;
    const std::string n = name ? name : "";
    for (size_t i = 0; i < f.size(); ++i)
      if (f[i].name == n) return static_cast<int>(i);
    throw Failure(o.unit + " has no " + (results ? "result" : "operand") + " field '" + excerpt(n) + "'");
  });
}

int fmalab_eval(void* h, int frm, const svOpenArrayHandle operands, const svOpenArrayHandle results,
                unsigned char* flags) {
  return guarded(1, [&] {
    uint8_t f = 0;
    evaluate_arrays(need<OpHandle>(h, "an operation").at(frm), 1, operands, results, &f);
    *flags = f;
    return 0;
  });
}

int fmalab_eval_batch(void* h, int frm, const svOpenArrayHandle operands, const svOpenArrayHandle results,
                      const svOpenArrayHandle flags) {
  return guarded(1, [&] {
    const Operation& op = need<OpHandle>(h, "an operation").at(frm);
    const size_t n = array_size(flags, "flags");
    std::vector<uint8_t> f(n);
    evaluate_arrays(op, n, operands, results, f.data());
    for (size_t i = 0; i < n; ++i)
      *static_cast<unsigned char*>(svGetArrElemPtr1(flags, svLow(flags, 1) + static_cast<int>(i))) = f[i];
    return 0;
  });
}

// The handle-free call: operations opened on first use and kept for the process, keyed by name and
// options. Global because the caller holds no handle to keep them in (that is this call's point);
// a mutex guards the map for simulators that call from several threads.
int fmalab_eval_name(const char* unit, const char* options, int frm, const svOpenArrayHandle operands,
                     const svOpenArrayHandle results, unsigned char* flags) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<OpHandle>> cache;
  return guarded(1, [&] {
    const std::string key = std::string(unit ? unit : "") + '\n' + (options ? options : "");
    OpHandle* h;
    {
      const std::lock_guard lock(mutex);
      auto& slot = cache[key];
      if (!slot) {
        try {
          slot = open_operation(unit, options);
        } catch (...) {
          cache.erase(key);
          throw;
        }
      }
      h = slot.get();
    }
    uint8_t f = 0;
    const std::lock_guard lock(mutex);  // the per-frm operations are built lazily
    evaluate_arrays(h->at(frm), 1, operands, results, &f);
    *flags = f;
    return 0;
  });
}

void* fmalab_source(void* h, const char* classes, const char* modes, unsigned long long seed) {
  return guarded<void*>(nullptr, [&] {
    auto& o = need<OpHandle>(h, "an operation");
    return static_cast<Handle*>(
        new SourceHandle(*o.op, parse_classes(classes, *o.op), parse_modes(modes, o.options), seed));
  });
}

int fmalab_next(void* src, const svOpenArrayHandle operands, int* frm) {
  return guarded(1, [&] {
    auto& s = need<SourceHandle>(src, "a vector source");
    need_size(operands, s.chunk.width, "operand", "this source's operation");
    constexpr size_t kChunk = 256;  // the stream's sequence does not depend on the chunk size
    if (s.next == s.chunk.size()) {
      s.chunk.resize(kChunk);
      s.stream.next(s.chunk);
      s.next = 0;
    }
    const auto row = s.chunk.row(s.next);
    for (size_t i = 0; i < row.size(); ++i) *element(operands, i) = row[i];
    *frm = s.chunk.frm[s.next++];
    return 0;
  });
}

int fmalab_trace(void* h, int frm, const svOpenArrayHandle operands, const char** text) {
  *text = "";
  return guarded(1, [&] {
    auto& o = need<OpHandle>(h, "an operation");
    const Operation& op = o.at(frm);
    need_size(operands, op.signature().operand_words(), "operand", op.name());
    std::vector<uint64_t> in(op.signature().operand_words());
    for (size_t i = 0; i < in.size(); ++i) in[i] = *element(operands, i);
    // trace() evaluates without evaluate()'s width check: check the codes the same way first.
    std::vector<uint64_t> out(op.signature().result_words());
    std::vector<Column> ic;
    std::vector<MutableColumn> oc;
    for (auto& v : in) ic.push_back({&v, 0, 8});
    for (auto& v : out) oc.push_back({&v, 0, 8});
    uint8_t f = 0;
    evaluate(op, 1, ic, oc, &f);
    out_text = trace_text(op, o.out_fields, in);
    *text = out_text.c_str();
    return 0;
  });
}

}  // extern "C"
