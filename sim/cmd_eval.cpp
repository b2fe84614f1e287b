// fmalab eval UNIT: one vector per input line, one result line per vector.
#include <cstdio>

#include "../model/unit.hpp"
#include "cli.hpp"

namespace fmalab::cli {

namespace {

struct EvalArgs {
  std::string unit, in, out;
  EvalOptions opts;
  bool trace = false;
};

EvalArgs parse_eval_args(const std::vector<std::string>& a) {
  EvalArgs e;
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string& s = a[i];
    if (s == "--round") {
      const std::string m = need_value(a, i);
      auto r = parse_round(m);
      if (!r) throw InputError("unknown rounding mode '" + excerpt(m) + "'; valid: rne, rtz, rdn, rup, rmm (rna), sr");
      e.opts.mode = *r;
    } else if (s == "--sat") {
      e.opts.saturate = true;
    } else if (s == "--trace") {
      e.trace = true;
    } else if (s == "--sr-bits") {
      e.opts.sr_width = need_int(a, i, 1, 32);
    } else if (s == "--window") {
      e.opts.window = need_int(a, i, 2, kMaxWindow);
    } else if (s == "--no-sticky") {
      e.opts.sticky = false;
    } else if (s == "--ftz-in") {
      e.opts.ftz_in = true;
    } else if (s == "--ftz-out") {
      e.opts.ftz_out = true;
    } else if (s == "--ftz") {
      e.opts.ftz_in = e.opts.ftz_out = true;
    } else if (s == "-i") {
      e.in = need_value(a, i);
    } else if (s == "-o") {
      e.out = need_value(a, i);
    } else {
      take_unit(s, e.unit, "eval");
    }
  }
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

Operands parse_vector(const std::vector<std::string>& tok, const Unit& u, const EvalOptions& o, long line) {
  const size_t want = u.operands.size() + (o.mode == Round::SR ? 1 : 0);
  if (tok.size() != want) {
    throw InputError("line " + std::to_string(line) + ": " + u.name + " takes " + std::to_string(want) +
                     " operand" + (want == 1 ? "" : "s") + (o.mode == Round::SR ? " (the last: random bits)" : "") +
                     ", got " + std::to_string(tok.size()));
  }
  Operands v;
  for (size_t k = 0; k < tok.size(); ++k) {
    const unsigned long long x = parse_hex(tok[k], line);
    const bool is_rnd = k == u.operands.size();
    const int bits = is_rnd ? o.sr_width : u.operands[k].bits;
    const std::string what = is_rnd ? "random bits (--sr-bits " + std::to_string(bits) + ")"
                                    : u.operands[k].name + " (" + std::to_string(bits) + " bits)";
    if (bits < 64 && (x >> bits) != 0)
      throw InputError("line " + std::to_string(line) + ": operand " + std::to_string(k + 1) + " '" + excerpt(tok[k]) +
                       "' is wider than " + what);
    if (is_rnd) v.rnd = static_cast<uint32_t>(x);
    else v.v[k] = x;
  }
  return v;
}

int run_eval(const std::vector<std::string>& args) {
  const EvalArgs e = parse_eval_args(args);
  std::string why;
  const auto unit = parse_unit(e.unit, &why);
  if (!unit) throw InputError(why);
  Input in(e.in);
  Output out(e.out);
  std::string line;
  const int digits = unit->result.hex_digits();
  const Evaluator run(*unit, e.opts);
  for (long n = 1; in.next_line(line); ++n) {
    const auto tok = tokens_of(line);
    if (tok.empty()) continue;
    const Operands v = parse_vector(tok, *unit, e.opts, n);
    TraceLines trace(out, n);
    const Encoded r = run(v, e.trace ? &trace : nullptr);
    out.write(hex(r.bits, digits) + " " + hex(r.flags, 2) + "\n");
  }
  out.commit();
  return 0;
}

}  // namespace fmalab::cli
