// Fuzz target: one line of `fmalab eval` input (cli::tokens_of + cli::parse_vector) for an FMA, a
// dot unit and a stochastic-rounding FMA (whose last operand is the random word); an accepted line
// is evaluated, so every operand value the parser lets through reaches the datapath.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "model/operation.hpp"
#include "sim/cli.hpp"

namespace {

std::unique_ptr<fmalab::Operation> operation(const char* name, const char* options) {
  fmalab::Options o;
  std::string why;
  if (!fmalab::parse_options_text(options, o, &why)) __builtin_trap();
  auto op = fmalab::make_operation(name, o, &why);
  if (!op) __builtin_trap();
  return op;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fmalab;
  // Built once: the operations are immutable, and building them per input would dominate the run.
  static const auto ops = [] {
    std::vector<std::unique_ptr<Operation>> v;
    v.push_back(operation("fma:e4m3:fp32", ""));
    v.push_back(operation("dot:e4m3:fp32:16", "preset=h100"));
    v.push_back(operation("fma:e5m2:fp16", "round=sr sr_bits=8"));
    return v;
  }();
  const auto tok = cli::tokens_of(fuzz::text_of(data, size));
  for (const auto& op : ops) {
    std::vector<uint64_t> words(op->signature().operand_words()), out(op->signature().result_words());
    try {
      cli::parse_vector(tok, *op, 1, words);
    } catch (const cli::InputError&) {
      continue;
    }
    op->eval(words, out);
  }
  return 0;
}
