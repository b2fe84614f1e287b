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

// Vectors parsed but not yet evaluated: the model answers them a chunk at a time through its batch
// path (Operation::eval_batch), then their lines are written in input order.
class PendingVectors {
 public:
  static constexpr size_t kChunk = 4096;
  void reset(size_t operand_words, size_t result_words) {
    nw_ = operand_words, nr_ = result_words;
    clear();
  }
  bool full() const { return by_.size() >= kChunk; }
  void add(const Operation& by, long line, std::span<const uint64_t> operands, const VectorRow* expect) {
    by_.push_back(&by);
    lines_.push_back(line);
    words_.insert(words_.end(), operands.begin(), operands.end());
    if (expect) {
      expect_.insert(expect_.end(), expect->results.begin(), expect->results.end());
      expect_flags_.push_back(expect->flags);
    }
  }
  // Evaluates every pending vector (runs of one operation at a time) and hands each to emit(i,
  // line, results, flags, expected results, expected flags), in order.
  template <class Emit>
  void flush(Emit&& emit) {
    const size_t n = by_.size();
    results_.resize(n * nr_);
    flags_.resize(n);
    for (size_t i = 0; i < n;) {
      size_t j = i + 1;
      while (j < n && by_[j] == by_[i]) ++j;
      by_[i]->eval_batch(std::span<const uint64_t>(words_).subspan(i * nw_, (j - i) * nw_),
                         std::span(results_).subspan(i * nr_, (j - i) * nr_), std::span(flags_).subspan(i, j - i));
      i = j;
    }
    for (size_t i = 0; i < n; ++i)
      emit(lines_[i], std::span<const uint64_t>(results_).subspan(i * nr_, nr_), flags_[i],
           expect_flags_.empty() ? std::span<const uint64_t>() : std::span<const uint64_t>(expect_).subspan(i * nr_, nr_),
           expect_flags_.empty() ? uint8_t{0} : expect_flags_[i]);
    clear();
  }

 private:
  void clear() {
    by_.clear(), lines_.clear(), words_.clear(), expect_.clear(), expect_flags_.clear();
  }
  size_t nw_ = 0, nr_ = 0;
  std::vector<const Operation*> by_;
  std::vector<long> lines_;
  std::vector<uint64_t> words_, results_, expect_;
  std::vector<uint8_t> flags_, expect_flags_;
};

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
  PendingVectors pending;
  std::vector<Field> result_fields;
  // One evaluated vector's line(s); `expect` holds the file's results and flags under --check.
  const auto emit = [&](long at, std::span<const uint64_t> got, uint8_t flags, std::span<const uint64_t> expect,
                        uint8_t expect_flags) {
    if (e.check) {
      ++checked;
      if (expect_flags == flags && std::equal(got.begin(), got.end(), expect.begin(), expect.end())) return;
      if (++failed <= 20) {
        std::string text = "MISMATCH line " + std::to_string(at) + ": model";
        for (uint64_t r : got) text += " " + hex(r, 1);
        text += " flags " + hex(flags, 2) + ", file";
        for (uint64_t r : expect) text += " " + hex(r, 1);
        out.write(text + " flags " + hex(expect_flags, 2) + "\n");
      }
      return;
    }
    // The results in declared order, then the flags.
    std::string text;
    for (size_t i = 0; i < got.size(); ++i) text += hex(got[i], (result_fields[i].bits + 3) / 4) + " ";
    out.write(text + hex(flags, 2) + "\n");
  };
  // One parsed vector: traced ones are evaluated at once (the trace lines come before the result);
  // the others wait for a chunk.
  const auto take = [&](const Operation& by, long at, const VectorRow* expect) {
    if (e.trace) {
      TraceLines trace(out, at);
      const uint8_t flags = by.eval(words, results, &trace);
      return emit(at, results, flags, expect ? expect->results : std::span<const uint64_t>(),
                  expect ? expect->flags : uint8_t{0});
    }
    pending.add(by, at, words, expect);
    if (pending.full()) pending.flush(emit);
  };
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
      pending.reset(words.size(), results.size());
      result_fields = op->signature().result_fields();
    }
    if (file) {
      while (file->next(row)) {
        const VectorRow r = split_row(file->header(), op->signature(), row);
        std::copy(r.operands.begin(), r.operands.end(), words.begin());
        take(per_mode.empty() ? *op : *per_mode[r.frm < 5 ? r.frm : 0], file->line_number(), &r);
      }
      break;
    }
    parse_vector(tok, *op, n, words);
    take(*op, n, nullptr);
  }
  pending.flush(emit);
  if (e.check) {
    out.write(std::to_string(checked - failed) + " passed, " + std::to_string(failed) + " failed\n");
    out.commit();
    return failed ? 1 : 0;
  }
  out.commit();
  return 0;
}

}  // namespace fmalab::cli
