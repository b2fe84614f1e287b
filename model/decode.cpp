#include "codec.hpp"
#include "lns.hpp"

namespace fmalab {

namespace {

Decoded decode_float(const Format& f, uint64_t b) {
  Decoded d;
  d.frac_bits = f.man_bits;
  d.sign = (b & f.sign_mask()) != 0;
  const uint64_t mag = b & f.magnitude_mask();
  if (f.is_nan_code(b)) {
    d.cls = Class::NaN;
    d.signaling = f.nan == NanStyle::Ieee && ((mag >> (f.man_bits - 1)) & 1) == 0;
    return d;
  }
  if (f.has_inf && mag == f.inf_code()) {
    d.cls = Class::Inf;
    return d;
  }
  const uint64_t field = mag >> f.man_bits;
  const uint64_t frac = mag & ((uint64_t{1} << f.man_bits) - 1);
  if (f.subnormals && field == 0) {
    d.cls = frac == 0 ? Class::Zero : Class::Subnormal;
    d.exp = f.emin();
    d.sig = frac;
    return d;
  }
  d.cls = Class::Normal;
  d.exp = static_cast<int32_t>(field) - f.bias;
  d.sig = frac | uint64_t{1} << f.man_bits;
  return d;
}

Decoded decode_fixed(const Format& f, uint64_t b) {
  Decoded d;
  d.frac_bits = f.frac_bits;
  b &= f.mask();
  d.sign = (b & f.sign_mask()) != 0;
  // Two's complement magnitude: the most negative value's magnitude still fits in 64 bits.
  d.sig = d.sign ? ((~b + 1) & f.mask()) : b;
  if (d.sign && d.sig == 0) d.sig = f.sign_mask();  // only when bits == 64 masks wrap
  d.cls = d.sig == 0 ? Class::Zero : Class::Normal;
  return d;
}

}  // namespace

Decoded decode(const Format& f, uint64_t bits) {
  return f.kind == Kind::Float ? decode_float(f, bits) : decode_fixed(f, bits);
}

Encoded convert(const Format& src, const Format& dst, uint64_t bits, const Options& o, RandomBits rnd) {
  if (src.kind == Kind::Lns || dst.kind == Kind::Lns) return lns_convert(src, dst, bits, o);
  const Decoded d = decode(src, bits);
  Encoded r = encode(dst, exact_of(d), o, rnd);
  if (d.signaling) r.flags |= flag::NV;
  return r;
}

}  // namespace fmalab
