// Fuzz target: the unit-name grammar (make_operation), option text and format names on arbitrary
// text. Input: "NAME" or "NAME\nOPTIONS"; a name that is accepted is also evaluated once on all-zero
// and all-ones operands, so a signature that does not match its datapath shows up here too.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "model/format.hpp"
#include "model/operation.hpp"
#include "model/options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fmalab;
  const std::string text = fuzz::text_of(data, size);
  const size_t nl = text.find('\n');
  const std::string name = text.substr(0, nl);
  Options o;
  std::string why;
  if (nl != std::string::npos && !parse_options_text(text.substr(nl + 1), o, &why)) {
    if (why.empty()) __builtin_trap();  // a refusal must say why
    o = Options{};
  }
  (void)parse_format(name);
  why.clear();
  const auto op = make_operation(name, o, &why);
  if (!op) {
    if (why.empty()) __builtin_trap();
    return 0;
  }
  const Signature& sig = op->signature();
  std::vector<uint64_t> in(sig.operand_words()), out(sig.result_words());
  op->eval(in, out);
  size_t k = 0;
  for (const auto& g : sig.operands)
    for (int i = 0; i < g.count; ++i, ++k) in[k] = g.format.bits >= 64 ? ~0ull : (1ull << g.format.bits) - 1;
  if (sig.random_bits > 0) in[k] = sig.random_bits >= 64 ? ~0ull : (1ull << sig.random_bits) - 1;
  op->eval(in, out);
  return 0;
}
