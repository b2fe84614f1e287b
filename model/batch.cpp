#include "batch.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace fmalab {

namespace {

constexpr size_t kChunk = 1024;  // vectors per eval_batch call: the rows stay in L1/L2

uint64_t load(const Column& c, size_t i) {
  const auto* p = static_cast<const unsigned char*>(c.data) + static_cast<std::ptrdiff_t>(i) * c.stride;
  switch (c.bytes) {
    case 1: return *p;
    case 2: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    default: { uint64_t v; std::memcpy(&v, p, 8); return v; }
  }
}

void store(const MutableColumn& c, size_t i, uint64_t v) {
  auto* p = static_cast<unsigned char*>(c.data) + static_cast<std::ptrdiff_t>(i) * c.stride;
  switch (c.bytes) {
    case 1: *p = static_cast<unsigned char>(v); break;
    case 2: { const auto w = static_cast<uint16_t>(v); std::memcpy(p, &w, 2); break; }
    case 4: { const auto w = static_cast<uint32_t>(v); std::memcpy(p, &w, 4); break; }
    default: std::memcpy(p, &v, 8); break;
  }
}

bool valid_bytes(int b) { return b == 1 || b == 2 || b == 4 || b == 8; }

uint64_t field_mask(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

}  // namespace

void evaluate(const Operation& op, size_t n, std::span<const Column> operands, std::span<const MutableColumn> results,
              uint8_t* flags) {
  const Signature& sig = op.signature();
  std::vector<Field> in_fields = sig.operand_fields();
  if (sig.random_bits > 0) in_fields.push_back({"rand", sig.random_bits});
  const std::vector<Field> out_fields = sig.result_fields();
  if (operands.size() != in_fields.size())
    throw std::invalid_argument(op.name() + " takes " + std::to_string(in_fields.size()) + " operand words, got " +
                                std::to_string(operands.size()));
  if (results.size() != out_fields.size())
    throw std::invalid_argument(op.name() + " gives " + std::to_string(out_fields.size()) + " result words, got " +
                                std::to_string(results.size()) + " result columns");
  for (const auto& c : operands)
    if (!valid_bytes(c.bytes)) throw std::invalid_argument("a column's element size must be 1, 2, 4 or 8 bytes");
  for (const auto& c : results)
    if (!valid_bytes(c.bytes)) throw std::invalid_argument("a column's element size must be 1, 2, 4 or 8 bytes");
  const size_t ni = in_fields.size(), no = out_fields.size();
  std::vector<uint64_t> masks(ni);
  for (size_t w = 0; w < ni; ++w) masks[w] = field_mask(in_fields[w].bits);
  std::vector<uint64_t> in(kChunk * ni), out(kChunk * no);
  for (size_t i0 = 0; i0 < n; i0 += kChunk) {
    const size_t m = std::min(kChunk, n - i0);
    for (size_t w = 0; w < ni; ++w) {
      const Column& c = operands[w];
      uint64_t wide = 0;
      for (size_t i = 0; i < m; ++i) {
        const uint64_t v = load(c, i0 + i);
        wide |= v & ~masks[w];
        in[i * ni + w] = v;
      }
      if (wide != 0)
        for (size_t i = 0; i < m; ++i)
          if (in[i * ni + w] & ~masks[w])
            throw std::invalid_argument("operand " + in_fields[w].name + " of vector " + std::to_string(i0 + i) +
                                        " is wider than its " + std::to_string(in_fields[w].bits) + " bits");
    }
    op.eval_batch(std::span(in).first(m * ni), std::span(out).first(m * no), std::span(flags + i0, m));
    for (size_t r = 0; r < no; ++r)
      for (size_t i = 0; i < m; ++i) store(results[r], i0 + i, out[i * no + r]);
  }
}

namespace {
struct CollectTrace : TraceSink {
  std::vector<std::pair<std::string, std::string>>* stages;
  void stage(std::string_view name, const std::string& values) override { stages->emplace_back(name, values); }
};
}  // namespace

Trace trace(const Operation& op, std::span<const uint64_t> operands) {
  const Signature& sig = op.signature();
  if (operands.size() != sig.operand_words())
    throw std::invalid_argument(op.name() + " takes " + std::to_string(sig.operand_words()) + " operand words, got " +
                                std::to_string(operands.size()));
  Trace t;
  t.results.resize(sig.result_words());
  CollectTrace sink;
  sink.stages = &t.stages;
  t.flags = op.eval(operands, t.results, &sink);
  return t;
}

}  // namespace fmalab
