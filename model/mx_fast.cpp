#include "mx_fast.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "mx_quantize.hpp"

namespace fmalab {

MxQuantizeKernel::MxQuantizeKernel(const BlockFormat& b, const Format& src, const Options& o)
    : b_(b), in_(src), src_(b.nvfp4() ? *parse_format("fp32") : src), o_(o), ms_(src_.man_bits), bias_(src_.bias) {
  mag_mask_ = static_cast<uint32_t>(src_.magnitude_mask());
  inf_mag_ = static_cast<uint32_t>(src_.inf_code());
  const Format& e = b.element;
  // t bits below the leading one reach the half bit of the finest quantum a value keeps; lo: every
  // smaller exponent rounds as a value just above 2^lo does; hi: every larger one overflows.
  if (e.kind == Kind::Fixed) {
    t_ = e.bits - 1;
    lo_ = -e.frac_bits - 2;
    hi_ = e.bits - 1 - e.frac_bits;
  } else {
    t_ = e.man_bits + 1;
    lo_ = e.emin() - e.man_bits - 2;
    hi_ = e.emax() + 1;
  }
  const int nexp = hi_ - lo_ + 1;
  table_.resize(size_t{2} * static_cast<size_t>(nexp) << (t_ + 1));
  for (int sign = 0; sign < 2; ++sign)
    for (int se = lo_; se <= hi_; ++se)
      for (uint64_t top = 0; top < (uint64_t{1} << t_); ++top)
        for (int sticky = 0; sticky < 2; ++sticky) {
          const Exact x{sign != 0, Class::Normal, se - t_, (uint64_t{1} << t_) | top, sticky != 0};
          const Encoded r = mx_element(b, x, o.mode, o.clamp);
          const size_t idx = ((static_cast<size_t>(sign * nexp + (se - lo_)) << t_ | top) << 1) | sticky;
          table_[idx] = static_cast<uint32_t>(r.bits) | uint32_t{r.flags} << 16;
        }
  avx2_ = __builtin_cpu_supports("avx2");
  for (int sign = 0; sign < 2; ++sign)
    zero_code_[sign] = static_cast<uint32_t>(mx_element(b, Exact{sign != 0, Class::Zero, 0, 0, false}, o.mode, o.clamp).bits);
  for (int x = b.e_min; x <= b.e_max; ++x)
    scale_code_.push_back(static_cast<uint16_t>(encode(b.scale, Exact{false, Class::Normal, x, 1, false}, Options{}).bits));
  if (b.nvfp4()) {
    for (uint64_t c = 0; c <= b.scale.mask(); ++c) e4m3_value_.push_back(static_cast<float>(to_double(decode(b.scale, c))));
    // The exponent field and the top 4 mantissa bits (e4m3's 3 and the half bit) decide a rounding with
    // the sticky of the 19 bits below; a representative sets only the lowest of them.
    Options sat;
    sat.saturate = true;
    e4m3_code_.resize(size_t{1} << 14);
    for (uint32_t top = 0; top < (1u << 13); ++top)
      for (uint32_t sticky = 0; sticky < 2; ++sticky) {
        const uint32_t w = top << 19 | sticky;
        if (w >= inf_mag_ && w != inf_mag_) continue;  // NaN: s never is one
        e4m3_code_[top << 1 | sticky] = static_cast<uint8_t>(encode(b.scale, exact_of(decode(src_, w)), sat).bits);
      }
  }
}

namespace {

// The table lookups, one load each.
inline uint32_t lookup(const uint32_t* table, const uint32_t* idx,
                                                                 uint64_t* p, int k) {
  uint32_t acc = 0;
  for (int i = 0; i < k; ++i) {
    const uint32_t entry = table[idx[i]];
    p[i] = entry & 0xFFFF;
    acc |= entry;
  }
  return acc;
}

}  // namespace

template <class W>
uint8_t MxQuantizeKernel::run(const W* v, uint64_t ts, uint64_t* scale, uint64_t* p) const {
  return avx2_ ? run_avx2(v, ts, scale, p) : run_baseline(v, ts, scale, p);
}

// The same body compiled twice: for AVX2 (8 lanes, a gather for the lookups) where the CPU has it.
template <class W>
[[gnu::target("avx2"), gnu::flatten]] uint8_t MxQuantizeKernel::run_avx2(const W* v, uint64_t ts, uint64_t* scale,
                                                                        uint64_t* p) const {
  return by_size(v, ts, scale, p);
}

template <class W>
[[gnu::flatten]] uint8_t MxQuantizeKernel::run_baseline(const W* v, uint64_t ts, uint64_t* scale, uint64_t* p) const {
  return by_size(v, ts, scale, p);
}

template <class W>
inline uint8_t MxQuantizeKernel::by_size(const W* v, uint64_t ts, uint64_t* scale, uint64_t* p) const {
  // The block sizes of the named formats as constants, so that the loops unroll whole.
  if (b_.nvfp4()) return nvfp4_block<W, 16>(v, ts, scale, p);
  if (b_.k == 32) return block<W, 32>(v, scale, p);
  if (b_.k == 16) return block<W, 16>(v, scale, p);
  return block<W, 0>(v, scale, p);
}

template <class W, int K>
uint8_t MxQuantizeKernel::block(const W* v, uint64_t* scale, uint64_t* p) const {
  const int k = K ? K : b_.k;
  // Magnitudes are below 2^31: a signed maximum (cheaper without SSE4.1) orders them.
  int32_t amax_s = 0;
  for (int i = 0; i < k; ++i) amax_s = std::max(amax_s, static_cast<int32_t>(static_cast<uint32_t>(v[i]) & mag_mask_));
  const uint32_t amax = static_cast<uint32_t>(amax_s);
  if (amax >= inf_mag_) {  // an Inf or a NaN: the whole block is NaN
    *scale = b_.scale.canonical_nan_code();
    for (int i = 0; i < k; ++i) p[i] = 0;
    return flag::NV;
  }
  int e = b_.e_min;
  if (amax != 0) {
    const uint32_t ef = amax >> ms_, man = amax & ((uint32_t{1} << ms_) - 1);
    if (ef != 0 && o_.rule == ScaleRule::Ocp) e = static_cast<int>(ef) - bias_ - b_.emax_elem;
    else if (ef != 0) e = scale_exponent(b_, o_.rule, (uint64_t{1} << ms_) | man, static_cast<int>(ef) - bias_ - ms_);
    else e = scale_exponent(b_, o_.rule, man, 1 - bias_ - ms_);
    e = std::clamp(e, b_.e_min, b_.e_max);
  }
  *scale = scale_code_[static_cast<size_t>(e - b_.e_min)];
  return elements<W, K>(v, e, p);
}

namespace {

float as_float(uint32_t w) {
  float f;
  std::memcpy(&f, &w, 4);
  return f;
}

uint32_t bits_of(float f) {
  uint32_t w;
  std::memcpy(&w, &f, 4);
  return w;
}

}  // namespace

// NVIDIA's recipe (mx_nvfp4.cpp) with the host's fp32 operations: s = (amax / 6) * S_enc, X = e4m3(s)
// saturating, r = S_enc / X, then each element of v_i * r through the table (a scale of 2^0).
template <class W, int K>
uint8_t MxQuantizeKernel::nvfp4_block(const W* v, uint64_t ts, uint64_t* scale, uint64_t* p) const {
  const int k = K ? K : b_.k, up = in_.bits == 16 ? 16 : 0;
  uint32_t w[kMaxK];
  int32_t amax_s = 0;
  for (int i = 0; i < k; ++i) {
    w[i] = static_cast<uint32_t>(v[i]) << up;
    amax_s = std::max(amax_s, static_cast<int32_t>(w[i] & mag_mask_));
  }
  const uint32_t amax = static_cast<uint32_t>(amax_s), t = static_cast<uint32_t>(ts);
  if (amax >= inf_mag_ || (t & mag_mask_) >= inf_mag_) {  // an Inf or a NaN in the block or in S_enc
    *scale = b_.scale.canonical_nan_code();
    for (int i = 0; i < k; ++i) p[i] = 0;
    return flag::NV;
  }
  const uint32_t s = bits_of((as_float(amax) / 6.0f) * as_float(t));
  const uint32_t s_mag = s & mag_mask_;
  const uint64_t x = e4m3_code_[(s_mag >> 19) << 1 | ((s_mag & 0x7ffff) != 0)] | (s >> 31 ? b_.scale.sign_mask() : 0);
  *scale = x;
  const float xv = e4m3_value_[x];
  if (xv == 0) {
    for (int i = 0; i < k; ++i) p[i] = 0;
    return 0;
  }
  const float r = as_float(t) / xv;
  if (!(std::abs(r) <= 3.4028235e38f)) [[unlikely]] {  // r = Inf: the staged path gives Inf * 0 its NaN
    uint64_t w64[kMaxK];
    for (int i = 0; i < k; ++i) w64[i] = w[i];
    return nvfp4_encode(b_, src_, std::span<const uint64_t>(w64, static_cast<size_t>(k)), amax, ts, o_, scale,
                        std::span<uint64_t>(p, static_cast<size_t>(k)));
  }
  for (int i = 0; i < k; ++i) w[i] = bits_of(as_float(w[i]) * r);
  return elements<uint32_t, K>(w, 0, p);
}

template <class W, int K>
uint8_t MxQuantizeKernel::elements(const W* v, int e, uint64_t* p) const {
  const int k = K ? K : b_.k;
  // key = (exponent field << t) | the top t significand bits, less the key of 2^(lo + E): the scaled
  // exponent and the significand bits in one integer, clamped to the table's range. The first loop
  // computes every element's table index without a branch (the compiler vectorizes it), the second
  // looks them up; zeros and subnormal sources, rare, are redone one by one afterwards.
  const int nexp = hi_ - lo_ + 1, sign_at = src_.bits - 1;
  const int shift = ms_ >= t_ ? ms_ - t_ : 0, up = ms_ >= t_ ? 0 : t_ - ms_;
  const uint32_t low_mask = (uint32_t{1} << shift) - 1, min_normal = uint32_t{1} << ms_;
  const int32_t base = (e + bias_ + lo_) << t_, max_key = (nexp << t_) - 1;
  const uint32_t sign_stride = static_cast<uint32_t>(nexp) << t_, mag_mask = mag_mask_;
  uint32_t idx[kMaxK];
  uint32_t tiny = 0;
  for (int i = 0; i < k; ++i) {
    const uint32_t w = static_cast<uint32_t>(v[i]);
    const uint32_t mag = w & mag_mask, sign = (w >> sign_at) & 1;
    tiny |= mag < min_normal;
    int32_t key = static_cast<int32_t>((mag >> shift) << up) - base;
    const uint32_t below = key < 0;
    key = below ? 0 : key;
    key = key > max_key ? max_key : key;
    const uint32_t sticky = ((mag & low_mask) != 0) | below;
    idx[i] = (((0u - sign) & sign_stride) + static_cast<uint32_t>(key)) << 1 | sticky;
  }
  const uint32_t* table = table_.data();
  uint32_t acc = lookup(table, idx, p, k);
  if (tiny) [[unlikely]] {
    acc = 0;
    for (int i = 0; i < k; ++i) {
      const uint32_t w = static_cast<uint32_t>(v[i]);
      const uint32_t mag = w & mag_mask, sign = (w >> sign_at) & 1;
      if (mag == 0) {
        p[i] = zero_code_[sign];
      } else if (mag < min_normal) {
        const Encoded r = mx_element(b_, Exact{sign != 0, Class::Normal, 1 - bias_ - ms_ - e, mag, false}, o_.mode, o_.clamp);
        p[i] = r.bits;
        acc |= uint32_t{r.flags} << 16;
      } else {
        acc |= table[idx[i]];
      }
    }
  }
  return static_cast<uint8_t>(acc >> 16);
}

template uint8_t MxQuantizeKernel::run<uint64_t>(const uint64_t*, uint64_t, uint64_t*, uint64_t*) const;
template uint8_t MxQuantizeKernel::run<uint32_t>(const uint32_t*, uint64_t, uint64_t*, uint64_t*) const;
template uint8_t MxQuantizeKernel::run_baseline<uint64_t>(const uint64_t*, uint64_t, uint64_t*, uint64_t*) const;
template uint8_t MxQuantizeKernel::run_baseline<uint32_t>(const uint32_t*, uint64_t, uint64_t*, uint64_t*) const;
template uint8_t MxQuantizeKernel::run_avx2<uint64_t>(const uint64_t*, uint64_t, uint64_t*, uint64_t*) const;
template uint8_t MxQuantizeKernel::run_avx2<uint32_t>(const uint32_t*, uint64_t, uint64_t*, uint64_t*) const;

}  // namespace fmalab
