// The one vector format for any operation (README "Vector files"), written and read here only:
//
//   // fmalab-vectors 2 unit=fma_e4m3_fp32 round=rne sat=0 sr_bits=8 window=0 sticky=1 ftz_in=0 ftz_out=0 fields=a:8,b:8,c:32,y:32,flags:5 seed=1
//   38 38 3f800000 40000000 00
//
// The header carries the unit, every option that changes a result and the columns as name:bits;
// then one line per vector of fixed-width hex fields (ceil(bits/4) digits, no 0x) separated by single
// spaces, so $fscanf, $readmemh and scripts read any unit's vectors without knowing the unit.
// `memh` puts one field per line (for $readmemh into one word per field); `csv` a column line and commas.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../model/operation.hpp"
#include "cli.hpp"

namespace fmalab {

inline constexpr const char* kVectorMagic = "// fmalab-vectors 2";

enum class VectorLayout { Hex, Csv, Memh };

// Columns as the header's fields= writes them: "a:8,b:8,c:32,y:32,flags:5".
std::string fields_text(const std::vector<Field>& fields);

// A file's columns for an operation: the operands, then `rnd:3` (each vector's frm) when the file's
// modes are mixed, or the random word `rand` under stochastic rounding (never both), then the
// results and `flags:5`.
std::vector<Field> vector_fields(const Signature& sig, bool mixed);

struct VectorHeader {
  std::string unit;  // an RTL unit's name or a unit grammar (fma:e4m3:fp32)
  Options options;   // everything that changes a result (options.mode is RNE when mixed)
  bool mixed = false;  // round=mixed: each vector's mode is in its rnd column
  std::vector<Field> fields;
  std::vector<std::pair<std::string, std::string>> info;  // how the file was made: seed, count, classes

  // The header of op's vectors under its own options (mixed: every deterministic mode, per vector).
  static VectorHeader of(const std::string& unit, const Operation& op, bool mixed = false);
  std::string line() const;
  // InputError naming the line unless `text` is a version-2 header.
  static VectorHeader parse(const std::string& text, long line);
  // Whether a line starts a version-2 file.
  static bool is_header(const std::string& text);
};

// One row of a vector file split into its parts (the columns of vector_fields()).
struct VectorRow {
  std::span<const uint64_t> operands;  // Signature::operand_words(): the values, then the random word
  unsigned frm = 0;                    // the rnd column, or the header's mode
  std::span<const uint64_t> results;
  uint8_t flags = 0;
};
// row: header().fields.size() words of a file whose fields are vector_fields(sig, h.mixed).
VectorRow split_row(const VectorHeader& h, const Signature& sig, std::span<const uint64_t> row);

class VectorWriter {
 public:
  VectorWriter(cli::Output& out, const VectorHeader& h, VectorLayout layout);
  // One vector: every field of the header in order (operands, rnd, results, flags).
  void write(std::span<const uint64_t> row);

 private:
  cli::Output& out_;
  std::vector<int> digits_;
  VectorLayout layout_;
};

class VectorReader {
 public:
  // Reads the header, which must be the file's first line that is not blank.
  explicit VectorReader(const std::string& path);
  // Continues an input whose header line (number `line`) the caller has read already.
  VectorReader(cli::Input& in, const std::string& header, long line);
  const VectorHeader& header() const { return header_; }
  // The next vector's fields into row (header().fields.size() words); false at the end. InputError
  // naming the line for a wrong field count, a field of the wrong width or malformed hex.
  bool next(std::span<uint64_t> row);
  long line_number() const { return in_->line_number(); }

 private:
  std::unique_ptr<cli::Input> owned_;
  cli::Input* in_;
  VectorHeader header_;
  std::string line_;
};

}  // namespace fmalab
