// Fuzz target: the vector-file reader (VectorReader: header, then rows) on the input as a file. As
// `fmalab eval` does, a header whose unit and options make an operation with the header's fields
// has each row split into operands, mode, results and flags and evaluated (round=mixed: per mode).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "model/operation.hpp"
#include "sim/vector_file.hpp"

namespace {

using namespace fmalab;

// The operations a file's rows run on: one, or one per rounding mode under round=mixed; empty
// when the header's unit or fields do not make one.
std::vector<std::unique_ptr<Operation>> operations_of(const VectorHeader& h) {
  std::vector<std::unique_ptr<Operation>> ops;
  std::string why;
  for (unsigned m = 0; m < (h.mixed ? 5u : 1u); ++m) {
    Options o = h.options;
    if (h.mixed) o.mode = static_cast<Round>(m);
    auto op = make_operation(h.unit, o, &why);
    if (!op) return {};
    if (fields_text(vector_fields(op->signature(), h.mixed)) != fields_text(h.fields)) return {};
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::MemFile file(data, size);
  try {
    VectorReader reader(file.path());
    const VectorHeader& h = reader.header();
    const auto ops = operations_of(h);
    std::vector<uint64_t> row(h.fields.size()), out;
    while (reader.next(row)) {
      if (ops.empty()) continue;
      const VectorRow r = split_row(h, ops[0]->signature(), row);
      const Operation& op = *ops[h.mixed && r.frm < ops.size() ? r.frm : 0];
      out.resize(op.signature().result_words());
      op.eval(r.operands, out);
    }
  } catch (const cli::InputError&) {
  }
  return 0;
}
