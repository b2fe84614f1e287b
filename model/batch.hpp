// The batch API: an operation on columns of codes, the shape callers' data has (NumPy arrays,
// DPI-C open arrays, a C++ program's vectors), without building rows of words first. Also the
// stage trace of one vector as text. Part of the installed interface (<fmalab/fmalab.hpp>).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "operation.hpp"

namespace fmalab {

// Element i of a column is the little-endian unsigned integer of `bytes` bytes (1, 2, 4 or 8) at
// data + i * stride (stride in bytes; 0 repeats one value for every vector).
struct Column {
  const void* data = nullptr;
  std::ptrdiff_t stride = 0;
  int bytes = 8;
};
struct MutableColumn {
  void* data = nullptr;
  std::ptrdiff_t stride = 0;
  int bytes = 8;
};

// Evaluates n vectors of op: operands[w] holds operand word w of every vector (in
// Signature::operand_fields() order, the random word last when rounding is stochastic),
// results[r] receives result word r (Signature::result_fields() order), flags[i] vector i's flags
// (RISC-V fflags order: NV DZ OF UF NX from bit 4 down). Throws std::invalid_argument naming the
// operand field and the vector index when a column count is wrong or a code is wider than its
// field. Chunks of the columns go through Operation::eval_batch (the operation's fast paths);
// memory stays bounded whatever n is. Thread-safe for distinct outputs: callers may split n.
void evaluate(const Operation& op, size_t n, std::span<const Column> operands, std::span<const MutableColumn> results,
              uint8_t* flags);

// The stage trace of one vector (operand_words() words): (stage, "key=value ...") in datapath
// order, the result and flags as eval returns them.
struct Trace {
  std::vector<std::pair<std::string, std::string>> stages;
  std::vector<uint64_t> results;
  uint8_t flags = 0;
};
Trace trace(const Operation& op, std::span<const uint64_t> operands);

}  // namespace fmalab
