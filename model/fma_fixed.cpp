#include <bit>

#include "fma.hpp"

namespace fmalab {

namespace {

int msb(uint64_t x) { return 63 - std::countl_zero(x); }

}  // namespace

Encoded accumulate_fixed(const Format& acc, const Product& p, const Decoded& c, const Options& o, RandomBits rnd,
                         Sum* trace) {
  const int F = acc.frac_bits;
  const i128 C = c.sign ? -static_cast<i128>(c.sig) : static_cast<i128>(c.sig);
  const int64_t k = int64_t{p.lsb_exp} + F;  // product LSB relative to the grid
  const i128 max = acc.fixed_max(), min = acc.fixed_min();
  uint8_t flags = 0;
  i128 value;
  bool overflow = false;
  uint64_t wrapped = 0;
  if (p.sig == 0) {
    value = C;
  } else if (k >= 0) {
    if (msb(p.sig) + k > 100) {  // far beyond any accumulator: keep only what wrapping needs
      overflow = true;
      const uint64_t pm = k >= 64 ? 0 : p.sig << k;
      wrapped = (p.sign ? ~pm + 1 : pm) + static_cast<uint64_t>(C);
      value = p.sign ? min - 1 : max + 1;
    } else {
      const i128 P = static_cast<i128>(static_cast<u128>(p.sig) << k);
      value = (p.sign ? -P : P) + C;
    }
  } else {
    // Sum on a finer grid, then one rounding back to 2^-F.
    // The product is at most 2^62 (multiply), so for d > 63 it is at most a quarter of the grid's
    // last place: standing in for it by 2^-63 keeps the half bit, the sticky bit and the sign.
    // C << 63 stays below 2^127 for every accumulator of up to 64 bits.
    int d = static_cast<int>(-k);
    u128 psig = p.sig;
    if (d > 63) {
      psig = 1;
      d = 63;
    }
    const i128 S = (C << d) + (p.sign ? -static_cast<i128>(psig) : static_cast<i128>(psig));
    const bool sign = S < 0;
    const u128 mag = sign ? static_cast<u128>(-S) : static_cast<u128>(S);
    const u128 rem = mag & ((u128{1} << d) - 1);
    Remainder r;
    r.half = ((rem >> (d - 1)) & 1) != 0;
    r.below = (rem & ((u128{1} << (d - 1)) - 1)) != 0 || d != static_cast<int>(-k);
    const int w = rnd.width;
    if (w > 0) r.top = static_cast<uint64_t>(d >= w ? rem >> (d - w) : rem << (w - d));
    const u128 kept = mag >> d;
    const bool inc = round_up(o.mode, sign, (kept & 1) != 0, r, rnd);
    const i128 m = static_cast<i128>(kept + inc);
    value = sign ? -m : m;
    if (r.inexact()) flags |= flag::NX;
  }
  if (!overflow) {
    overflow = value > max || value < min;
    wrapped = static_cast<uint64_t>(static_cast<u128>(value));
  }
  if (trace) {
    trace->sign = value < 0;
    trace->mag = static_cast<u128>(value < 0 ? -value : value);
    trace->carry = overflow;
    trace->lsb_exp = -F;
  }
  if (overflow && o.saturate) return {static_cast<uint64_t>(value < 0 ? min : max) & acc.mask(), uint8_t(flags | flag::OF)};
  return {wrapped & acc.mask(), flags};
}


}  // namespace fmalab
