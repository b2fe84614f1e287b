// fmalab eval UNIT: one vector per input line, one result line per vector.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "cosim.hpp"
#include "rtl_units.hpp"
#include "vector_file.hpp"

namespace fmalab::cli {

namespace {

struct EvalArgs {
  std::string unit, in, out;
  Options opts;
  std::vector<std::string> given;  // the result-changing options on the command line
  bool trace = false, check = false;
};

EvalArgs parse_eval_args(const std::vector<std::string>& a) {
  EvalArgs e;
  CLI::App app("One vector of hex operands per input line (or a version-2 vector file): prints the results,\n"
               "then the flags, per vector.", "fmalab eval");
  init_app(app);
  add_unit(app, e.unit, "UNIT", "an operation (fma:e4m3:fp32) or an RTL unit (fma_e4m3_fp32)");
  add_model_options(app, e.opts, &e.given);
  app.add_flag("--trace", e.trace, "print each vector's pipeline stages as '# trace' lines");
  app.add_flag("--check", e.check, "compare a vector file's results and flags with the model; 'N passed, M failed'");
  add_input(app, e.in);
  add_output(app, e.out);
  parse(app, a);
  if (e.unit.empty()) throw InputError("eval needs a UNIT, e.g. cvt:fp32:e4m3");
  return e;
}

class TraceLines : public TraceSink {
 public:
  TraceLines(Output& out, long line) : out_(out), line_(line) {}
  void stage(std::string_view name, const std::string& values) override {
    out_.write("# trace line=" + std::to_string(line_) + " stage=" + std::string(name) + " " + values + "\n");
  }

 private:
  Output& out_;
  long line_;
};


}  // namespace

void parse_vector(const std::vector<std::string>& tok, const Operation& op, long line, std::span<uint64_t> words) {
  const Signature& sig = op.signature();
  const size_t want = sig.operand_words();
  const bool sr = sig.random_bits > 0;
  if (tok.size() != want) {
    throw InputError("line " + std::to_string(line) + ": " + excerpt(op.name()) + " takes " + std::to_string(want) +
                     " operand" + (want == 1 ? "" : "s") + (sr ? " (the last: random bits)" : "") + ", got " +
                     std::to_string(tok.size()));
  }
  size_t k = 0;
  const auto take = [&](int bits, const std::string& what) {
    const unsigned long long x = parse_hex(tok[k], line);
    if (bits < 64 && (x >> bits) != 0)
      throw InputError("line " + std::to_string(line) + ": operand " + std::to_string(k + 1) + " '" + excerpt(tok[k]) +
                       "' is wider than " + what);
    words[k++] = x;
  };
  for (const auto& g : sig.operands)
    for (int i = 0; i < g.count; ++i) take(g.format.bits, g.format.name + " (" + std::to_string(g.format.bits) + " bits)");
  if (sr) take(sig.random_bits, "random bits (--sr-bits " + std::to_string(sig.random_bits) + ")");
}

std::string model_of(const std::string& unit) {
  const rtl::UnitInfo* info = rtl::find_unit(unit);
  return info ? info->model : unit;
}

Options options_of(const std::string& unit, const Options& o) {
  std::string why;
  std::optional<Options> opts = o;
  if (const rtl::UnitInfo* info = rtl::find_unit(unit)) opts = unit_options(*info, o, &why);
  if (!opts) throw InputError(why);
  return *opts;
}

std::unique_ptr<Operation> need_operation(const std::string& unit, const Options& o) {
  std::string why;
  auto op = make_operation(model_of(unit), options_of(unit, o), &why);
  if (!op) {
    // "unknown unit 'x'; valid units: ...": the suggestion before the list, which may be cut.
    const std::string guess = why.rfind("unknown ", 0) == 0 ? suggest_unit(unit) : "";
    const size_t semi = why.find("; ");
    if (!guess.empty()) why.insert(semi == std::string::npos ? why.size() : semi, " (did you mean " + guess + "?)");
    throw InputError(why);
  }
  return op;
}

namespace {

// A version-2 vector file's settings, with any command-line option that disagrees refused.
Options file_options(const EvalArgs& e, const VectorHeader& h) {
  const Options &f = h.options, &c = e.opts;
  for (const auto& g : e.given) {
    const bool same = g == "--round" ? !h.mixed && c.mode == f.mode : same_model_option(g, c, f);
    if (!same) throw InputError(g + " conflicts with the vector file's header: " + excerpt(h.line()));
  }
  return f;
}

}  // namespace

int run_eval(const std::vector<std::string>& args) {
  const EvalArgs e = parse_eval_args(args);
  need_operation(e.unit, e.opts);  // a bad unit is reported before any input is read
  Input in(e.in);
  Output out(e.out);
  std::string line;
  std::unique_ptr<Operation> op;
  std::vector<std::unique_ptr<Operation>> per_mode;  // a round=mixed file's operation per frm
  std::unique_ptr<VectorReader> file;  // set when the input is a version-2 vector file
  std::vector<uint64_t> words, results, row;
  uint64_t checked = 0, failed = 0;
  while (in.next_line(line)) {
    const auto tok = tokens_of(line);
    if (tok.empty() && !file) continue;
    const long n = in.line_number();
    if (!op) {
      if (VectorHeader::is_header(line)) {
        file = std::make_unique<VectorReader>(in, line, n);
        const VectorHeader& h = file->header();
        if (model_of(h.unit) != model_of(e.unit))
          throw InputError("line " + std::to_string(n) + ": the vector file is for unit " + excerpt(h.unit) + ", not " +
                           excerpt(e.unit));
        op = need_operation(e.unit, file_options(e, h));
        if (h.mixed)
          for (unsigned m = 0; m < 5; ++m) {
            Options o = op->options();
            o.mode = static_cast<Round>(m);
            per_mode.push_back(need_operation(e.unit, o));
          }
        const std::string want = fields_text(vector_fields(op->signature(), h.mixed));
        if (fields_text(h.fields) != want)
          throw InputError("line " + std::to_string(n) + ": the file's fields=" + excerpt(fields_text(h.fields)) +
                           " are not " + e.unit + "'s " + want);
        row.resize(h.fields.size());
      } else {
        op = need_operation(e.unit, e.opts);
        if (e.check) throw InputError("--check needs a vector file (a '" + std::string(kVectorMagic) + "' header)");
      }
      words.resize(op->signature().operand_words());
      results.resize(op->signature().result_words());
    }
    const auto result_fields = op->signature().result_fields();
    // One vector: `by` evaluates it; `expect` holds the file's results and flags under --check.
    const auto emit = [&](const Operation& by, long at, const VectorRow* expect) {
      TraceLines trace(out, at);
      const uint8_t flags = by.eval(words, results, e.trace ? &trace : nullptr);
      if (e.check) {
        ++checked;
        bool same = expect->flags == flags;
        for (size_t i = 0; i < results.size(); ++i) same = same && expect->results[i] == results[i];
        if (same) return;
        if (++failed <= 20) {
          std::string text = "MISMATCH line " + std::to_string(at) + ": model";
          for (uint64_t r : results) text += " " + hex(r, 1);
          text += " flags " + hex(flags, 2) + ", file";
          for (uint64_t r : expect->results) text += " " + hex(r, 1);
          out.write(text + " flags " + hex(expect->flags, 2) + "\n");
        }
        return;
      }
      // The results in declared order, then the flags.
      std::string text;
      for (size_t i = 0; i < results.size(); ++i) text += hex(results[i], (result_fields[i].bits + 3) / 4) + " ";
      out.write(text + hex(flags, 2) + "\n");
    };
    if (file) {
      while (file->next(row)) {
        const VectorRow r = split_row(file->header(), op->signature(), row);
        std::copy(r.operands.begin(), r.operands.end(), words.begin());
        emit(per_mode.empty() ? *op : *per_mode[r.frm < 5 ? r.frm : 0], file->line_number(), &r);
      }
      break;
    }
    parse_vector(tok, *op, n, words);
    emit(*op, n, nullptr);
  }
  if (e.check) {
    out.write(std::to_string(checked - failed) + " passed, " + std::to_string(failed) + " failed\n");
    out.commit();
    return failed ? 1 : 0;
  }
  out.commit();
  return 0;
}

}  // namespace fmalab::cli
