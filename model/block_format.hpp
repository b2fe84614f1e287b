// Block formats (OCP MX v1.0 and NVIDIA's NVFP4) as data: an element Format, the block size k and a
// scale Format, plus whether a per-tensor fp32 scale applies (NVFP4). No class per format: the named
// ones are rows of a table, and mx:ELEM:K:SCALE builds any other.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format.hpp"

namespace fmalab {

struct BlockFormat {
  std::string name;          // "mxfp8_e4m3", "nvfp4", "mx:e2m1:16:e8m0"
  Format element;            // e4m3 ... e2m1, or fx8_6 for mxint8 (code / 64)
  int k = 32;                // elements per block
  Format scale;              // e8m0, or e4m3 (NVFP4's, or a generic mx:...:e4m3)
  bool tensor_scale = false;  // NVFP4: the two-level recipe with a per-tensor fp32 scale (operand ts)

  // Unbiased exponent of the element's largest finite value (0 for mxint8).
  int emax_elem = 0;
  // The element's largest finite value, exactly: max_sig * 2^max_lsb; and its code (sign clear).
  uint64_t max_sig = 0;
  int max_lsb = 0;
  uint64_t max_code = 0;
  // The power-of-two scales 2^E the scale format holds: e8m0 [-127, 127], e4m3 [-9, 8].
  int e_min = 0, e_max = 0;

  bool fixed_elements() const { return element.kind == Kind::Fixed; }
  bool nvfp4() const { return tensor_scale; }
};

// A block format from its fields: one name (mxfp8_e4m3, ..., nvfp4) or the four of mx:ELEM:K:SCALE.
// *used receives how many fields it took; nullopt with *error (one line) when they name none.
std::optional<BlockFormat> parse_block_format(std::span<const std::string_view> fields, size_t* used,
                                              std::string* error);
// The same from one name ("mxfp4_e2m1", "mx:e2m1:16:e8m0"); the whole name must be used.
std::optional<BlockFormat> parse_block_format(std::string_view name, std::string* error);

// The named block formats, in table order.
const std::vector<std::string>& named_block_formats();
// "mxfp8_e4m3, ..., nvfp4, or mx:ELEM:K:SCALE" for messages.
std::string block_format_help();

}  // namespace fmalab
