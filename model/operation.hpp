// Operations of any arity: what `fmalab eval UNIT` runs. An operation declares its signature (named
// operand groups, each a format and a count; its results; flags always follow) and evaluates one
// vector, with the stage trace, or a batch. A registry maps unit-name grammars (cvt:SRC:DST,
// fma:IN:ACC, mac:int8, ...) to operations: a new kind is one file and one row in operation.cpp,
// and the CLI, vector files, cosimulation and report take it from here.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec.hpp"
#include "format.hpp"
#include "options.hpp"
#include "vector_source.hpp"

namespace fmalab {

// count values of one format, named name0..name(count-1) on a vector line (just `name` when 1).
struct OperandGroup {
  std::string name;
  Format format;
  int count = 1;
};

// One column of a vector line: its name and width in bits.
struct Field {
  std::string name;
  int bits = 0;
};

struct Signature {
  std::vector<OperandGroup> operands, results;
  int random_bits = 0;  // stochastic rounding: a random word of this many bits follows the operands

  size_t operand_words() const;  // operand values plus the random word, if any
  size_t operand_values() const;  // operand values only
  size_t result_words() const;
  // Line order: the operands, the random word (`rand`), the results, then `flags:5`.
  std::vector<Field> fields() const;
  std::vector<Field> operand_fields() const;  // the operands only (no random word)
  std::vector<Field> result_fields() const;   // the results only (no flags)
  std::vector<Format> operand_formats() const;  // one per operand value
};

// One datapath stage's values for one vector, by name (sim/stage_words.hpp places them in the
// words an RTL unit drives on its `stages` port; a stage a vector does not go through is absent).
struct StageValue {
  std::string_view word;  // "product", "aligned_addend", ...
  std::vector<std::pair<std::string_view, uint64_t>> fields;  // signed values in two's complement
};

// What an operation of two operands a, b -> y (one format) is in a multiply-accumulate, for the
// operand streams (sim/streams.hpp): the multiplier (a weight times an activation), the adder (a
// product into the running sum b), or neither.
enum class PairRole : uint8_t { None, Multiply, Accumulate };

// Receives each stage's value when a trace is asked for: stage name and key=value text.
struct TraceSink {
  virtual ~TraceSink() = default;
  virtual void stage(std::string_view name, const std::string& values) = 0;
};

class Operation {
 public:
  virtual ~Operation() = default;
  Operation(const Operation&) = delete;
  Operation& operator=(const Operation&) = delete;

  const std::string& name() const { return name_; }
  const Signature& signature() const { return sig_; }
  const Options& options() const { return opts_; }

  // One vector: `in` holds operand_words() words in signature order (the random word last), `out`
  // receives result_words() words; returns the flags (RISC-V fflags order).
  virtual uint8_t eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink* trace = nullptr) const = 0;
  // flags.size() vectors: operands in rows of operand_words(), results in rows of result_words().
  // The default calls eval per vector; operations with fast paths override it.
  virtual void eval_batch(std::span<const uint64_t> in, std::span<uint64_t> out, std::span<uint8_t> flags) const;

  // The test-vector classes this operation's vector_source() aims at, in the order "all" expands
  // to; by default "special" and "random" (GenericVectorSource).
  virtual std::vector<std::string> vector_classes() const;
  // A source of those classes that owns all it needs (it may outlive the operation).
  virtual std::unique_ptr<VectorSource> vector_source(uint64_t seed) const;
  // The stage words' layout an RTL unit of this operation drives (sim/stage_words.hpp), "" when
  // the operation has no staged RTL view, and the values of those stages for one vector.
  virtual std::string_view stage_layout() const { return {}; }
  virtual PairRole pair_role() const { return PairRole::None; }
  virtual std::vector<StageValue> stage_values(std::span<const uint64_t> in) const;

 protected:
  Operation(std::string name, Signature sig, const Options& o);

 private:
  std::string name_;
  Signature sig_;
  Options opts_;
};

// A row of the registry: the unit names whose first field is `keyword`.
struct OperationKind {
  std::string_view keyword;  // "fma"
  std::string_view grammar;  // "fma:IN:ACC"
  std::string_view summary;  // what it computes, for `fmalab units`
  std::string_view example;  // a name of this kind (usage text, and the kind's vector classes)
  // Builds the operation for a name split at ':' (fields[0] == keyword); nullptr with *error set
  // when the name does not fit this kind.
  std::unique_ptr<Operation> (*make)(std::string_view name, std::span<const std::string_view> fields,
                                     const Options& o, std::string* error);
};

const std::vector<OperationKind>& operation_kinds();

// The operation a unit name stands for, owning all it needs; nullptr with *error (one line, naming
// the name and what is wrong) otherwise.
std::unique_ptr<Operation> make_operation(std::string_view name, const Options& o, std::string* error);

// True when o leaves the options of the MX quantizer (--rule, --no-clamp) and of the LNS operations
// (--lns-round, --method, --lut-bits, --madam-*) at their defaults; false with *error naming the unit and
// them otherwise: the float and fixed-point operations, which read none of them, refuse them.
bool family_options_unset(std::string_view name, const Options& o, std::string* error);

// True when o sets only options whose keys are in `read`, and no stochastic rounding unless sr_why is
// null; false with *error naming the unit and the refused options (or "takes no ... sr: <sr_why>").
bool options_read_only(std::string_view name, const Options& o, std::initializer_list<std::string_view> read,
                       const char* sr_why, std::string* error);

// "cvt:SRC:DST, fma:IN:ACC, mac:int8": every grammar, for messages.
std::string operation_grammar_help();

// Field `field` of unit `name` as a format; nullopt with the registry's message in *error.
std::optional<Format> format_field(std::string_view name, std::string_view field, std::string* error);

// Field `field` of unit `name` as a term count K from 1 to hi; nullopt with *error ("K takes a whole
// number from 1 to <hi_text>") otherwise.
std::optional<int> terms_field(std::string_view name, std::string_view field, int hi, const std::string& hi_text,
                               std::string* error);

// Trace text for a decoded value: "sign=0 class=normal exp=3 sig=0xc".
std::string describe(const Decoded& d);

// At most the first 40 characters of untrusted text, unprintable bytes as '?', for error
// messages ("..." marks the cut): an echoed name or token never runs to megabytes or lines.
std::string excerpt(std::string_view text);
// A trace's hex of a wide value: 0x and the digits without leading zeros.
std::string trace_hex(u128 v);

}  // namespace fmalab
