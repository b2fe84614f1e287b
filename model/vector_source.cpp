#include "vector_source.hpp"

#include <algorithm>

#include "codec.hpp"
#include "lns.hpp"

namespace fmalab {

uint64_t float_code(const Format& f, bool sign, uint64_t field, uint64_t frac) {
  return (sign ? f.sign_mask() : 0) | field << f.man_bits | (frac & ((uint64_t{1} << f.man_bits) - 1));
}

uint64_t max_field(const Format& f) { return f.max_finite_code() >> f.man_bits; }

uint64_t random_finite(const Format& f, std::mt19937_64& rng) {
  for (;;) {
    const uint64_t x = rng() & f.mask();
    const Class k = decode(f, x).cls;
    if (k != Class::NaN && k != Class::Inf) return x;
  }
}

std::vector<uint64_t> corner_codes(const Format& f) {
  std::vector<uint64_t> v;
  if (f.kind == Kind::Lns) {
    // zero, NaN, and +-2^(L / 2^F) for L at the range ends, one ulp from them, and around 1 and 2.
    const int64_t lmax = lns_max_log(f), one = int64_t{1} << f.frac_bits;
    v = {lns_zero_code(f), f.canonical_nan_code()};
    for (int64_t l : {-lmax, -lmax + 1, int64_t{-1}, int64_t{0}, int64_t{1}, one, lmax - 1, lmax})
      for (bool neg : {false, true})
        if (l >= -lmax && l <= lmax) v.push_back(lns_pack(f, neg, l));
  } else if (!f.is_float()) {
    const uint64_t max = static_cast<uint64_t>(f.fixed_max());
    std::vector<uint64_t> mags = {0, 1, max, max >> 1};
    if (f.frac_bits < f.bits - 1) {  // one is representable (fx64_126's values all lie below it)
      const uint64_t one = uint64_t{1} << f.frac_bits;
      mags.insert(mags.end(), {one, one - 1, one + 1});
    }
    for (uint64_t m : mags)
      for (bool neg : {false, true}) v.push_back((neg ? ~m + 1 : m) & f.mask());
    v.push_back(static_cast<uint64_t>(f.fixed_min()) & f.mask());
  } else {
    const uint64_t frac_all = (uint64_t{1} << f.man_bits) - 1;
    std::vector<uint64_t> mags = {0, 1, frac_all, uint64_t{1} << f.man_bits, f.max_finite_code(),
                                  f.max_finite_code() - 1};
    // one, and powers of two across the range
    for (int64_t field = 1; field <= static_cast<int64_t>(max_field(f)); field += std::max<int64_t>(1, max_field(f) / 12))
      mags.push_back(static_cast<uint64_t>(field) << f.man_bits);
    mags.push_back(static_cast<uint64_t>(f.bias) << f.man_bits);
    if (f.has_inf) mags.push_back(f.inf_code());
    for (uint64_t m : mags)
      for (bool neg : {false, true}) v.push_back(m | (neg ? f.sign_mask() : 0));
    if (f.has_nan()) {
      v.push_back(f.canonical_nan_code());
      if (f.nan == NanStyle::Ieee) v.push_back(float_code(f, false, max_field(f) + 1, 1));  // signaling
    }
  }
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::vector<uint64_t> special_codes(const Format& f) {
  std::vector<uint64_t> v;
  for (uint64_t x : corner_codes(f)) {
    if (f.kind == Kind::Lns) {
      const LnsCode c = lns_unpack(f, x);
      if (c.zero || c.nan || c.log == 0 || c.log == lns_max_log(f) || c.log == -lns_max_log(f)) v.push_back(x);
      continue;
    }
    if (!f.is_float()) {
      const int64_t sv = static_cast<int64_t>(x << (64 - f.bits)) >> (64 - f.bits);
      if ((sv >= -1 && sv <= 1) || sv >= f.fixed_max() || sv <= -f.fixed_max()) v.push_back(x);
      continue;
    }
    const uint64_t mag = x & f.magnitude_mask();
    const Class k = decode(f, x).cls;
    if (k != Class::Normal || mag == f.max_finite_code() || (mag >> f.man_bits) == 1) v.push_back(x);
  }
  return v;
}

GenericVectorSource::GenericVectorSource(std::vector<Format> operands, uint64_t seed)
    : formats_(std::move(operands)), rng_(seed) {
  for (const Format& f : formats_) specials_.push_back(special_codes(f));
}

const std::vector<std::string>& GenericVectorSource::classes() {
  static const std::vector<std::string> c = {"special", "random"};
  return c;
}

bool GenericVectorSource::make(std::string_view cls, unsigned, std::span<uint64_t> in) {
  if (cls == "special") {
    // Each operand special with probability 1/2, and at least one of them.
    const size_t forced = rng_() % formats_.size();
    for (size_t i = 0; i < formats_.size(); ++i) {
      const bool special = i == forced || (rng_() & 1);
      in[i] = special ? specials_[i][rng_() % specials_[i].size()] : random_finite(formats_[i], rng_);
    }
  } else {
    for (size_t i = 0; i < formats_.size(); ++i) in[i] = rng_() & formats_[i].mask();
  }
  return true;
}

}  // namespace fmalab
