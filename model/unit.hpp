// Units: what `fmalab eval UNIT` runs. A unit is named data (kind + formats); the
// in-process batch API below is what the CLI, cosimulation and benchmarks call.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec.hpp"
#include "fma.hpp"
#include "format.hpp"

namespace fmalab {

enum class UnitKind : uint8_t { Cvt, Fma };

inline constexpr int kMaxOperands = 4;

struct Unit {
  std::string name;
  UnitKind kind = UnitKind::Cvt;
  std::vector<Format> operands;
  Format result;
};

// Parses "cvt:SRC:DST", "fma:IN:ACC" or "mac:int8" (= fma:int8:int32). On failure returns nullopt and says why in *error.
std::optional<Unit> parse_unit(std::string_view name, std::string* error);
std::string unit_name_help();

// At most the first 40 characters of untrusted text, unprintable bytes as '?', for error
// messages ("..." marks the cut): an echoed name or token never runs to megabytes or lines.
std::string excerpt(std::string_view text);

struct Operands {
  std::array<uint64_t, kMaxOperands> v{};
  uint32_t rnd = 0;  // random bits for stochastic rounding
};

struct EvalOptions {
  Round mode = Round::RNE;
  bool saturate = false;
  int sr_width = 8;  // random bits per vector when mode == SR
  int window = 0;    // fma: aligned adder width; 0 = exact
  bool sticky = true;
  bool ftz_in = false;
  bool ftz_out = false;
};

// Receives each stage's value when a trace is asked for: stage name and key=value text.
struct TraceSink {
  virtual ~TraceSink() = default;
  virtual void stage(std::string_view name, const std::string& values) = 0;
};

// A unit ready to run under fixed options: build once, call per vector. It owns its copy of the
// unit, so a temporary Unit cannot leave it dangling.
class Evaluator {
 public:
  Evaluator(Unit u, const EvalOptions& o);
  Encoded operator()(const Operands& in, TraceSink* trace = nullptr) const;
  // The batch API: one result per vector, out.size() >= in.size().
  void run_batch(std::span<const Operands> in, std::span<Encoded> out) const;

 private:
  Unit unit_;
  EvalOptions opts_;
  std::optional<FmaKernel> kernel_;
};

Encoded evaluate(const Unit& u, const Operands& in, const EvalOptions& o, TraceSink* trace = nullptr);
// One-off batch; for repeated batches build an Evaluator once and call run_batch.
void evaluate_batch(const Unit& u, std::span<const Operands> in, std::span<Encoded> out, const EvalOptions& o);

// Trace text for a decoded value: "sign=0 class=normal exp=3 sig=0xc".
std::string describe(const Decoded& d);
FmaConfig fma_config(const EvalOptions& o);

}  // namespace fmalab
