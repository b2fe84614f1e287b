// NVFP4 (NVIDIA Blackwell): e2m1 elements in blocks of 16 with an e4m3 block scale and an fp32
// per-tensor scale, quantized as NVIDIA's recipe does it: every step an fp32 operation rounded to
// nearest even, as a CUDA kernel computes them. The fp32 operations are exact arithmetic rounded
// by encode, so they also give IEEE flags.
#include <algorithm>
#include <bit>

#include "mx_quantize.hpp"

namespace fmalab {

namespace {

const Format& fp32() {
  static const Format f = *parse_format("fp32");
  return f;
}
const Format& e4m3() {
  static const Format f = *parse_format("e4m3");
  return f;
}

constexpr uint64_t kSix = 0x40C00000;  // 6.0f, e2m1's largest value

uint64_t with_sign(uint64_t mag, bool sign) { return mag | (sign ? fp32().sign_mask() : 0); }

// A finite nonzero operand with its significand's leading one at bit 23.
Decoded normalized(Decoded d) {
  const int up = std::countl_zero(d.sig) - 40;
  d.sig <<= up;
  d.exp -= up;
  return d;
}

// NaN operands and the invalid cases; nullopt when both operands are numbers.
std::optional<Encoded> nan_result(const Decoded& x, const Decoded& y) {
  if (x.cls != Class::NaN && y.cls != Class::NaN) return std::nullopt;
  return Encoded{fp32().canonical_nan_code(), (x.signaling || y.signaling) ? flag::NV : uint8_t{0}};
}

}  // namespace

Encoded fp32_mul(uint64_t a, uint64_t b) {
  const Decoded x = decode(fp32(), a), y = decode(fp32(), b);
  if (const auto n = nan_result(x, y)) return *n;
  const bool sign = x.sign != y.sign;
  const bool zero = x.cls == Class::Zero || y.cls == Class::Zero;
  if (x.cls == Class::Inf || y.cls == Class::Inf)
    return zero ? Encoded{fp32().canonical_nan_code(), flag::NV} : Encoded{with_sign(fp32().inf_code(), sign), 0};
  if (zero) return {with_sign(0, sign), 0};
  return encode(fp32(), Exact{sign, Class::Normal, x.lsb_exp() + y.lsb_exp(), x.sig * y.sig, false}, Options{});
}

uint64_t nvfp4_tensor_scale(uint64_t amax) {
  amax &= fp32().magnitude_mask();
  return amax != 0 && amax < fp32().inf_code() ? fp32_div(0x45280000, amax).bits : 0x3f800000;  // 2688 / amax
}

Encoded fp32_div(uint64_t a, uint64_t b) {
  const Decoded x = decode(fp32(), a), y = decode(fp32(), b);
  if (const auto n = nan_result(x, y)) return *n;
  const bool sign = x.sign != y.sign;
  const uint64_t nan = fp32().canonical_nan_code(), inf = with_sign(fp32().inf_code(), sign);
  if (x.cls == Class::Inf) return y.cls == Class::Inf ? Encoded{nan, flag::NV} : Encoded{inf, 0};
  if (y.cls == Class::Inf) return {with_sign(0, sign), 0};
  if (y.cls == Class::Zero) return x.cls == Class::Zero ? Encoded{nan, flag::NV} : Encoded{inf, flag::DZ};
  if (x.cls == Class::Zero) return {with_sign(0, sign), 0};
  // Both significands normalized to [2^23, 2^24): the quotient of x 2^39 has 39 or 40 bits, and the
  // remainder becomes the sticky bit, enough for one correct rounding.
  const Decoded n = normalized(x), d = normalized(y);
  const uint64_t num = n.sig << 39;
  const uint64_t q = num / d.sig;
  const bool rem = num % d.sig != 0;
  return encode(fp32(), Exact{sign, Class::Normal, n.lsb_exp() - d.lsb_exp() - 39, q, rem}, Options{});
}

uint8_t nvfp4_quantize(const BlockFormat& b, const Format& src, std::span<const uint64_t> v, uint64_t ts,
                       const Options& o, uint64_t* scale, std::span<uint64_t> p) {
  uint64_t amax = 0;
  for (uint64_t x : v) amax = std::max(amax, fp32_of_source(src, x) & fp32().magnitude_mask());
  return nvfp4_encode(b, src, v, amax, ts, o, scale, p);
}

uint8_t nvfp4_encode(const BlockFormat& b, const Format& src, std::span<const uint64_t> v, uint64_t amax, uint64_t ts,
                     const Options& o, uint64_t* scale, std::span<uint64_t> p) {
  // s = (amax / 6) * S_enc; the scale is s in e4m3, to nearest even, saturating at 448.
  const uint64_t s = fp32_mul(fp32_div(amax, kSix).bits, ts).bits;
  Options sat;
  sat.saturate = true;
  const uint64_t x = encode(e4m3(), exact_of(decode(fp32(), s)), sat).bits;
  *scale = x;
  if (decode(e4m3(), x).cls == Class::Zero) {
    std::fill(p.begin(), p.end(), 0);
    return 0;
  }
  // r = S_enc / X, then P_i = e2m1(v_i * r) in the element rounding mode, clamped to +-6.
  const uint64_t r = fp32_div(ts, convert(e4m3(), fp32(), x, Options{}).bits).bits;
  uint8_t flags = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const Decoded q = decode(fp32(), fp32_mul(fp32_of_source(src, v[i]), r).bits);
    Encoded e;
    if (q.cls == Class::Inf) e = {b.max_code | (q.sign ? b.element.sign_mask() : 0), flag::OF | flag::NX};
    else e = mx_element(b, exact_of(q), o.mode, o.clamp);
    p[i] = e.bits;
    flags |= e.flags;
  }
  return flags;
}

uint8_t nvfp4_dequantize(const BlockFormat& b, uint64_t scale, std::span<const uint64_t> p, uint64_t ts,
                         std::span<uint64_t> v) {
  // v_i = (value(P_i) * X) / S_enc, each an fp32 operation (the product is exact).
  const uint64_t x = convert(e4m3(), fp32(), scale, Options{}).bits;
  uint8_t flags = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const Encoded m = fp32_mul(convert(b.element, fp32(), p[i], Options{}).bits, x);
    const Encoded q = fp32_div(m.bits, ts);
    v[i] = q.bits;
    flags |= m.flags | q.flags;
  }
  return flags;
}

}  // namespace fmalab
