// Bits <-> values for every Format: decode, encode with rounding, and conversion.
#pragma once

#include <cstdint>

#include "format.hpp"
#include "options.hpp"
#include "round.hpp"
#include "value.hpp"

namespace fmalab {

// What the normalize, round and pack stages of encode computed (for --trace).
struct EncodeTrace {
  int64_t exp = 0;      // normalize: unbiased exponent of the leading one
  int32_t lzc = 0;      // normalize: leading zeros of the 64-bit significand
  int64_t quantum = 0;  // normalize: exponent of the result's last place (subnormal limit applied)
  uint64_t kept = 0;    // round: significand cut at the quantum
  bool half = false, below = false, inc = false;
};

struct Encoded {
  uint64_t bits = 0;
  uint8_t flags = 0;
};

Decoded decode(const Format& f, uint64_t bits);

// Rounds x into f (round first, then check overflow; tininess after rounding): the one place that
// decides rounding, overflow and underflow for every operation. Reads o.mode, o.saturate and
// o.ftz_out; rnd is the vector's random word (width 0 unless stochastic).
// Rules for values a format cannot hold are in README.md, "Special values".
Encoded encode(const Format& f, const Exact& x, const Options& o, RandomBits rnd = {}, EncodeTrace* trace = nullptr);

// decode + encode; a signaling NaN operand raises NV.
Encoded convert(const Format& src, const Format& dst, uint64_t bits, const Options& o, RandomBits rnd = {});

}  // namespace fmalab
