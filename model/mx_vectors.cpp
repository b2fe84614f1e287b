// The MX operations' test-vector classes (Operation::vector_source): blocks aimed at the corners of
// the scale rule, the element conversion and the block dot product. mxq: v0..v(k-1) [ts];
// mxdq: scale p0..p(k-1) [ts]; mxdot: xa a0..a(K-1) xb b0..b(K-1) c.
#include <algorithm>

#include "mx_quantize.hpp"
#include "op_mx.hpp"
#include "vector_source.hpp"

namespace fmalab {

namespace {

const Format& fp32() {
  static const Format f = *parse_format("fp32");
  return f;
}

// The code of (-1)^sign * sig * 2^lsb in f, rounded to nearest even (exact where the callers use it).
uint64_t code_of(const Format& f, bool sign, uint64_t sig, int lsb) {
  return encode(f, Exact{sign, sig ? Class::Normal : Class::Zero, lsb, sig, false}, Options{}).bits;
}

// Shared draws of a block's values and codes.
class MxDraw {
 public:
  MxDraw(const BlockFormat& b, uint64_t seed) : b_(b), rng_(seed) {}
  bool coin() { return (rng_() & 1) != 0; }
  size_t pick(size_t n) { return static_cast<size_t>(rng_() % n); }
  int between(int lo, int hi) { return lo + static_cast<int>(pick(static_cast<size_t>(hi - lo + 1))); }
  // A value of f with a random sign and significand whose leading one is at exponent e.
  uint64_t value(const Format& f, int e) {
    const int m = f.man_bits;
    return code_of(f, coin(), (uint64_t{1} << m) | (rng_() & ((uint64_t{1} << m) - 1)), e - m);
  }
  uint64_t zero(const Format& f) { return coin() && f.has_neg_zero() ? f.sign_mask() : 0; }
  // A random finite element code.
  uint64_t element() { return random_finite(b_.element, rng_); }
  // A finite scale code near 2^0 (spread binades either way).
  uint64_t scale_near_one(int spread) {
    if (b_.scale.name == "e8m0") return static_cast<uint64_t>(127 + between(-spread, spread));
    for (;;) {
      const uint64_t x = rng_() & 0x7f;
      if (!b_.scale.is_nan_code(x)) return x;
    }
  }
  uint64_t nan_scale() { return b_.scale.canonical_nan_code() | (b_.scale.is_signed && coin() ? b_.scale.sign_mask() : 0); }
  std::mt19937_64& rng() { return rng_; }

 private:
  BlockFormat b_;
  std::mt19937_64 rng_;
};

const std::vector<std::string>& quantize_classes() {
  static const std::vector<std::string> c = {"zeros", "subnormal", "binade", "range",  "special",
                                             "negzero", "ties",     "random"};
  return c;
}

class QuantizeSource final : public VectorSource {
 public:
  QuantizeSource(const BlockFormat& b, const Format& src, const Options& o, uint64_t seed)
      : b_(b), src_(src), o_(o), d_(b, seed), k_(static_cast<size_t>(b.k)) {}

  bool make(std::string_view cls, unsigned, std::span<uint64_t> in) override {
    const std::span<uint64_t> v = in.first(k_);
    const int centre = d_.between(-20, 20);
    for (auto& x : v) x = d_.value(src_, centre - d_.between(0, 6));
    uint64_t ts = 0x3F800000;  // NVFP4's S_enc: 1, or a tensor's 2688 / amax with amax above the block's
    if (b_.nvfp4() && d_.coin()) {
      uint64_t amax = 0;
      for (uint64_t x : v) amax = std::max(amax, fp32_of_source(src_, x) & fp32().magnitude_mask());
      const uint64_t t = fp32_mul(amax, d_.value(fp32(), d_.between(0, 4)) & ~fp32().sign_mask()).bits;
      ts = fp32_div(0x45280000, t).bits;  // 2688 = 448 * 6
    }
    if (cls == "zeros") {
      for (auto& x : v) x = d_.zero(src_);
    } else if (cls == "subnormal") {
      if (d_.coin()) {  // source subnormals only: the scale clamps at its smallest
        for (auto& x : v) x = d_.coin() ? d_.zero(src_) : float_code(src_, d_.coin(), 0, 1 + d_.rng()());
      } else {  // one large value; the rest fall into the element's subnormals (or below)
        const int lsb = b_.element.is_float() ? b_.element.emin() - b_.element.man_bits : -b_.element.frac_bits;
        for (auto& x : v) x = d_.value(src_, centre - b_.emax_elem + d_.between(lsb - 2, lsb + 2));
        v[d_.pick(k_)] = d_.value(src_, centre);
      }
    } else if (cls == "binade") {
      // amax at a power of two, one ulp below it, at max_elem * 2^n, or one ulp either side of that.
      const int n = centre + 1;
      uint64_t a = code_of(src_, false, 1, n);
      switch (d_.pick(5)) {
        case 0: break;
        case 1: a -= 1; break;
        case 2: a = code_of(src_, false, b_.max_sig, b_.max_lsb + n); break;
        case 3: a = code_of(src_, false, b_.max_sig, b_.max_lsb + n) + 1; break;
        default: a = code_of(src_, false, b_.max_sig, b_.max_lsb + n) - 1; break;
      }
      for (auto& x : v) x = d_.value(src_, n - 1 - d_.between(0, 4));
      v[d_.pick(k_)] = a | (d_.coin() ? src_.sign_mask() : 0);
    } else if (cls == "range") {
      // The scale's exponent beyond its range: amax in the source's lowest or highest binades.
      const bool low = d_.coin();
      const int top = low ? src_.emin() + d_.between(-3, 3) : src_.emax() - d_.between(0, 3);
      for (auto& x : v) x = d_.value(src_, top - d_.between(0, 8));
      v[d_.pick(k_)] = d_.value(src_, top);
    } else if (cls == "special") {
      const uint64_t nan = src_.canonical_nan_code() | (d_.coin() ? 1 : 0);  // quiet or with a payload
      const uint64_t specials[] = {nan, src_.inf_code(), src_.inf_code() | src_.sign_mask(), nan | src_.sign_mask()};
      for (int n = 1 + static_cast<int>(d_.pick(2)); n > 0; --n) v[d_.pick(k_)] = specials[d_.pick(4)];
      if (b_.nvfp4() && d_.pick(4) == 0) ts = d_.coin() ? fp32().canonical_nan_code() : fp32().inf_code();
    } else if (cls == "negzero") {
      for (auto& x : v)
        if (d_.coin()) x = src_.sign_mask();
        else if (d_.coin()) x = d_.value(src_, centre - 40) | src_.sign_mask();  // rounds to -0 (or underflows)
    } else if (cls == "ties") {
      make_ties(v, &ts);
    } else if (cls == "random") {
      for (auto& x : v) x = d_.rng()() & src_.mask();
      if (b_.nvfp4() && d_.coin()) ts = d_.rng()() & fp32().mask();
    } else {
      return false;
    }
    if (b_.nvfp4()) in[k_] = ts;
    return true;
  }

 private:
  // Every element but one exactly halfway between two neighbouring element values after scaling; the
  // one is max_elem 2^E, so every rule picks E (NVFP4: S_enc = 1 and X = 2^E, so r is exact).
  void make_ties(std::span<uint64_t> v, uint64_t* ts) {
    const Format& e = b_.element;
    const int ex = b_.nvfp4() ? d_.between(-9, 8) : d_.between(-20, 20);
    *ts = 0x3F800000;
    for (auto& x : v) {
      uint64_t sig = 0;
      int lsb = 0;
      for (;;) {  // a code below the largest, and the midpoint to the next one up
        const uint64_t c = d_.element() & e.magnitude_mask();
        if (e.kind == Kind::Fixed) {
          if (c >= b_.max_code) continue;
          sig = 2 * c + 1, lsb = -e.frac_bits - 1;
        } else {
          if (c >= b_.max_code) continue;
          const Decoded lo = decode(e, c);
          sig = 2 * lo.sig + 1, lsb = lo.lsb_exp() - 1;
          if (lo.cls == Class::Zero) sig = 1, lsb = e.emin() - e.man_bits - 1;
        }
        break;
      }
      x = code_of(src_, d_.coin(), sig, lsb + ex);
    }
    v[d_.pick(k_)] = code_of(src_, d_.coin(), b_.max_sig, b_.max_lsb + ex);
  }

  BlockFormat b_;
  Format src_;
  Options o_;
  MxDraw d_;
  size_t k_;
};

const std::vector<std::string>& dequantize_classes() {
  static const std::vector<std::string> c = {"special", "range", "random"};
  return c;
}

class DequantizeSource final : public VectorSource {
 public:
  DequantizeSource(const BlockFormat& b, uint64_t seed) : b_(b), d_(b, seed), k_(static_cast<size_t>(b.k)) {}
  bool make(std::string_view cls, unsigned, std::span<uint64_t> in) override {
    in[0] = d_.scale_near_one(20);
    for (size_t i = 0; i < k_; ++i) in[1 + i] = d_.element();
    uint64_t ts = b_.nvfp4() ? d_.value(fp32(), d_.between(-4, 12)) & ~fp32().sign_mask() : 0;
    if (cls == "special") {
      if (d_.coin() || special_codes(b_.element).empty()) {
        in[0] = d_.nan_scale();
      } else {
        const auto sp = special_codes(b_.element);
        for (int n = 0; n < 3; ++n) in[1 + d_.pick(k_)] = sp[d_.pick(sp.size())];
      }
    } else if (cls == "range") {
      // The largest and smallest scales: fp32 overflow, subnormals and underflow.
      if (b_.scale.name == "e8m0") in[0] = d_.coin() ? 254 - d_.pick(4) : d_.pick(4);
      else in[0] = d_.coin() ? 0x7e - d_.pick(3) : d_.pick(4);
      if (b_.nvfp4()) ts = d_.coin() ? d_.value(fp32(), d_.between(100, 127)) : d_.value(fp32(), d_.between(-149, -100));
      ts &= ~fp32().sign_mask();
    } else if (cls == "random") {
      in[0] = d_.rng()() & b_.scale.mask();
      for (size_t i = 0; i < k_; ++i) in[1 + i] = d_.rng()() & b_.element.mask();
    } else {
      return false;
    }
    if (b_.nvfp4()) in[k_ + 1] = ts;
    return true;
  }

 private:
  BlockFormat b_;
  MxDraw d_;
  size_t k_;
};

const std::vector<std::string>& dot_classes() {
  static const std::vector<std::string> c = {"zeros", "nan_scale", "special", "cancel", "scales", "random"};
  return c;
}

class MxDotSource final : public VectorSource {
 public:
  MxDotSource(const BlockFormat& b, int k, uint64_t seed) : b_(b), d_(b, seed), k_(static_cast<size_t>(k)) {}
  bool make(std::string_view cls, unsigned, std::span<uint64_t> in) override {
    uint64_t& xa = in[0];
    uint64_t& xb = in[k_ + 1];
    uint64_t& c = in[2 * k_ + 2];
    const std::span<uint64_t> a = in.subspan(1, k_), b = in.subspan(k_ + 2, k_);
    xa = d_.scale_near_one(8), xb = d_.scale_near_one(8);
    for (size_t i = 0; i < k_; ++i) a[i] = d_.element(), b[i] = d_.element();
    // c near the products' magnitude, or zero.
    const int pe = 2 * b_.emax_elem - 2 + (b_.scale.name == "e8m0" ? static_cast<int>(xa + xb) - 254 : 0);
    c = d_.pick(4) == 0 ? d_.zero(fp32()) : d_.value(fp32(), pe + d_.between(-6, 6));
    if (cls == "zeros") {
      for (size_t i = 0; i < k_; ++i) (d_.coin() ? a[i] : b[i]) = d_.zero(b_.element);
      c = d_.zero(fp32());
    } else if (cls == "nan_scale") {
      (d_.coin() ? xa : xb) = d_.nan_scale();
      if (d_.pick(4) == 0) xa = xb = d_.nan_scale();
    } else if (cls == "special") {
      const auto sp = special_codes(b_.element);
      std::vector<uint64_t> el;
      for (uint64_t x : sp)
        if (decode(b_.element, x).cls == Class::NaN || decode(b_.element, x).cls == Class::Inf) el.push_back(x);
      // A special c with finite elements (Inf passes through the sum, NaN wins), or special elements.
      if (el.empty() || d_.pick(3) == 0) {
        const uint64_t cs[] = {fp32().canonical_nan_code(), 0x7F800001, fp32().inf_code(),
                               fp32().inf_code() | fp32().sign_mask()};
        c = cs[d_.pick(4)];
      } else {
        for (int n = 1 + static_cast<int>(d_.pick(2)); n > 0; --n) (d_.coin() ? a : b)[d_.pick(k_)] = el[d_.pick(el.size())];
        if (d_.pick(3) == 0) {  // Inf times zero
          const size_t i = d_.pick(k_);
          a[i] = el[d_.pick(el.size())], b[i] = d_.zero(b_.element);
        }
      }
    } else if (cls == "cancel") {
      // Pairs of equal products of opposite signs; what is left: nothing, one small term, or a small c.
      for (size_t i = 0; i + 1 < k_; i += 2) a[i + 1] = a[i], b[i + 1] = b[i] ^ b_.element.sign_mask();
      if (k_ % 2 == 1) a[k_ - 1] = d_.zero(b_.element);
      switch (d_.pick(3)) {
        case 0: c = d_.zero(fp32()); break;
        case 1: c = d_.value(fp32(), pe - 30 + d_.between(-10, 10)); break;
        default: a[d_.pick(k_)] = b_.element.kind == Kind::Fixed ? 1 : 1 + d_.pick(3); break;
      }
    } else if (cls == "scales") {
      // Scales at their extremes: the result overflows fp32, or falls into its subnormals or below.
      if (b_.scale.name == "e8m0") {
        const unsigned where = static_cast<unsigned>(d_.pick(3));
        if (where == 2) {
          // Results near fp32's smallest normal 2^-126: the scale exponents (xa - 127) + (xb - 127) about
          // -126 less the products' exponent, so rounding meets the subnormal boundary from both sides.
          const int sum = 128 - (2 * b_.emax_elem - 2) + d_.between(-12, 12);
          xa = static_cast<uint64_t>(std::clamp(sum / 2 + d_.between(-20, 20), 0, 254));
          xb = static_cast<uint64_t>(std::clamp(sum - static_cast<int>(xa), 0, 254));
        } else {
          xa = where ? 254 - d_.pick(8) : d_.pick(8);
          xb = where ? 254 - d_.pick(8) : d_.pick(60);
        }
      } else {
        xa = d_.coin() ? 0x7e - d_.pick(4) : d_.pick(8);
        xb = d_.coin() ? 0x7e - d_.pick(4) : d_.pick(8);
      }
      if (d_.coin()) c = d_.zero(fp32());
    } else if (cls == "random") {
      xa = d_.rng()() & b_.scale.mask(), xb = d_.rng()() & b_.scale.mask();
      if (d_.pick(4) != 0) xa = d_.scale_near_one(30), xb = d_.scale_near_one(30);
      for (size_t i = 0; i < k_; ++i) a[i] = d_.rng()() & b_.element.mask(), b[i] = d_.rng()() & b_.element.mask();
      if (d_.coin()) c = d_.rng()() & fp32().mask();
    } else {
      return false;
    }
    return true;
  }

 private:
  BlockFormat b_;
  MxDraw d_;
  size_t k_;
};

}  // namespace

std::vector<std::string> MxQuantize::vector_classes() const { return quantize_classes(); }
std::unique_ptr<VectorSource> MxQuantize::vector_source(uint64_t seed) const {
  return std::make_unique<QuantizeSource>(b_, src_, options(), seed);
}

std::vector<std::string> MxDequantize::vector_classes() const { return dequantize_classes(); }
std::unique_ptr<VectorSource> MxDequantize::vector_source(uint64_t seed) const {
  return std::make_unique<DequantizeSource>(b_, seed);
}

std::vector<std::string> MxDotOperation::vector_classes() const { return dot_classes(); }
std::unique_ptr<VectorSource> MxDotOperation::vector_source(uint64_t seed) const {
  return std::make_unique<MxDotSource>(b_, k_, seed);
}

}  // namespace fmalab
