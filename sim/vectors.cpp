#include "vectors.hpp"

#include <algorithm>
#include <random>

namespace fmalab {

namespace {

uint64_t float_code(const Format& f, bool sign, uint64_t field, uint64_t frac) {
  return (sign ? f.sign_mask() : 0) | field << f.man_bits | (frac & ((uint64_t{1} << f.man_bits) - 1));
}

uint64_t max_field(const Format& f) { return f.max_finite_code() >> f.man_bits; }

// A finite code of f with a random sign whose exponent field is `field` (clamped to the finite range).
uint64_t finite_with_field(const Format& f, int64_t field, std::mt19937_64& rng) {
  field = std::clamp<int64_t>(field, 0, static_cast<int64_t>(max_field(f)));
  uint64_t code = float_code(f, rng() & 1, static_cast<uint64_t>(field), rng());
  if ((code & f.magnitude_mask()) > f.max_finite_code()) code = (code & f.sign_mask()) | f.max_finite_code();
  return code;
}

uint64_t random_finite(const Format& f, std::mt19937_64& rng) {
  for (;;) {
    const uint64_t x = rng() & f.mask();
    const Class k = decode(f, x).cls;
    if (k != Class::NaN && k != Class::Inf) return x;
  }
}

// The corner codes that are special cases for a datapath: zeros, subnormal and normal limits,
// max finite, Inf and NaN (fixed point and int: zero, the extremes and the least significant bit).
std::vector<uint64_t> special_codes(const Format& f) {
  std::vector<uint64_t> v;
  for (uint64_t x : corner_codes(f)) {
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

}  // namespace

// The class recipes (background.md section 8); VectorStream owns one.
struct Generator {
  const FmaShape u;  // owned: a stream outlives the caller's unit (test_cosim once passed a temporary)
  const Format& in;
  const Format& acc;
  std::mt19937_64 rng;
  std::vector<FmaKernel> kernels;  // per rounding mode, for the steered classes
  std::vector<uint64_t> in_specials, acc_specials;
  bool tiny_products;  // some nonzero product lies in ACC's lowest binade or below

  Generator(FmaShape unit, uint64_t seed)
      : u(std::move(unit)), in(u.in), acc(u.acc), rng(seed), kernels(kernels_per_mode(u)),
        in_specials(special_codes(in)), acc_specials(special_codes(acc)),
        tiny_products(acc.is_float() && product_top(1, 1) <= acc.emin()) {}

  uint64_t pick(const std::vector<uint64_t>& v) { return v[rng() % v.size()]; }

  int32_t product_top(uint64_t a, uint64_t b) {
    const Decoded da = decode(in, a), db = decode(in, b);
    const uint64_t sig = da.sig * db.sig;
    if (!sig) return 0;
    return da.lsb_exp() + db.lsb_exp() + (63 - std::countl_zero(sig));
  }

  // c whose leading one sits `k` places above the product's (k may be negative).
  uint64_t addend_at(uint64_t a, uint64_t b, int k) {
    if (!acc.is_float()) {
      const int64_t target = int64_t{product_top(a, b)} + k + acc.frac_bits;
      const uint64_t mag = target < 0 ? 1 : (target >= acc.bits - 1 ? acc.magnitude_mask() : (rng() | 1) & ((uint64_t{2} << target) - 1));
      return (rng() & 1 ? ~mag + 1 : mag) & acc.mask();
    }
    const int64_t field = int64_t{product_top(a, b)} + k + acc.bias;
    return finite_with_field(acc, field, rng);
  }

  Vector make(const std::string& cls, unsigned rnd) {
    Vector v;
    v.rnd = rnd;
    v.a = random_finite(in, rng);
    v.b = random_finite(in, rng);
    const int window = exact_window(in, acc);
    if (cls == "random") {
      v.a = rng() & in.mask();
      v.b = rng() & in.mask();
      v.c = rng() & acc.mask();
    } else if (cls == "special") {
      // A nonempty choice of operands, each replaced by a special value of its format.
      const uint64_t which = 1 + rng() % 7;
      v.c = random_finite(acc, rng);
      if (which & 1) v.a = pick(in_specials);
      if (which & 2) v.b = pick(in_specials);
      if (which & 4) v.c = pick(acc_specials);
    } else if (cls == "overflow") {
      const bool psign = ((v.a ^ v.b) & in.sign_mask()) != 0;
      if (acc.is_float()) {
        v.c = (acc.max_finite_code() - (rng() % 4)) | (psign ? acc.sign_mask() : 0);
      } else {
        const uint64_t lim = psign ? static_cast<uint64_t>(acc.fixed_min()) + rng() % 1024
                                   : static_cast<uint64_t>(acc.fixed_max()) - rng() % 1024;
        v.c = lim & acc.mask();
      }
    } else if (cls == "underflow") {
      v.c = acc.is_float() ? finite_with_field(acc, static_cast<int64_t>(rng() % 2), rng) : rng() % 256;
      if (acc.is_float() && !tiny_products) {
        // No nonzero product reaches the lowest binade (e4m3 into fp32): a tiny result needs a zero product.
        (rng() & 1 ? v.a : v.b) = rng() & 1 ? in.sign_mask() : 0;
      } else if (acc.is_float()) {
        // Small products with a tiny addend, or cancelling a product into the subnormals; kept when
        // the result lands in the lowest binade or below.
        for (int tries = 0; tries < 50; ++tries) {
          v.a = finite_with_field(in, static_cast<int64_t>(rng() % 3), rng);
          v.b = finite_with_field(in, static_cast<int64_t>(rng() % 3), rng);
          v.c = (tries & 1) ? addend_at(v.a, v.b, 0) ^ acc.sign_mask()
                            : finite_with_field(acc, static_cast<int64_t>(rng() % 2), rng);
          const Encoded r = kernels[rnd](v.a, v.b, v.c, {}, nullptr);
          if (((r.bits & acc.magnitude_mask()) >> acc.man_bits) <= 1) break;
        }
      } else if (in.is_float()) {
        v.a = finite_with_field(in, static_cast<int64_t>(rng() % 3), rng);
        v.b = finite_with_field(in, static_cast<int64_t>(rng() % 3), rng);
      }
    } else if (cls == "shift") {
      v.c = addend_at(v.a, v.b, static_cast<int>(rng() % (2 * window + 11)) - window - 5);
    } else if (cls == "cancel") {
      // c near -(a*b): the model's own conversion of the negated product, nudged by a few codes.
      // Operands whose product the accumulator cannot hold (it overflows, or vanishes below its
      // subnormals: e5m2 into fp16) are drawn again, until the trace shows the cancellation (a float
      // accumulator; a fixed-point one holds every product).
      for (int tries = 0; tries < (acc.is_float() ? 20 : 1); ++tries) {
        if (tries) {
          v.a = random_finite(in, rng);
          v.b = random_finite(in, rng);
        }
        const Decoded da = decode(in, v.a), db = decode(in, v.b);
        const Exact p{!(da.sign != db.sign), Class::Normal, da.lsb_exp() + db.lsb_exp(), da.sig * db.sig, false};
        const uint64_t c = p.sig ? encode(acc, p, Options{}).bits : 0;
        const uint64_t delta = rng() % 4;
        v.c = ((rng() & 1) ? c + delta : c - delta) & acc.mask();
        FmaStages st;
        kernels[rnd](v.a, v.b, v.c, {}, &st);
        const u128 big = std::max(st.aligned.p, st.aligned.c);
        if (!st.special && big != 0 && (st.sum.mag == 0 || bit_width128(st.sum.mag) + 2 <= bit_width128(big))) break;
      }
    } else {
      // ties, sticky, carry: addends aligned near the rounding point, kept when the trace confirms the class.
      const int spread = cls == "carry" ? 2 : (acc.is_float() ? acc.man_bits + 3 : 8);
      // A fixed-point accumulator never rounds (ties, sticky) here: one candidate is enough.
      for (int tries = 0; tries < (acc.is_float() ? 200 : 1); ++tries) {
        v.a = random_finite(in, rng);
        v.b = random_finite(in, rng);
        v.c = addend_at(v.a, v.b, static_cast<int>(rng() % (2 * spread + 1)) - (cls == "carry" ? 0 : 2));
        if (cls == "carry" && acc.is_float()) {
          const bool psign = ((v.a ^ v.b) & in.sign_mask()) != 0;
          v.c = (v.c & acc.magnitude_mask()) | (psign ? acc.sign_mask() : 0);
        }
        FmaStages st;
        kernels[rnd](v.a, v.b, v.c, {}, &st);
        if (st.special) continue;
        if (cls == "ties" && st.normalize_round.half && !st.normalize_round.below) break;
        if (cls == "sticky" && st.normalize_round.below && (st.aligned.p_sticky || st.aligned.c_sticky)) break;
        if (cls == "carry" && st.sum.carry) break;
      }
    }
    return v;
  }
};

std::vector<FmaKernel> kernels_per_mode(const FmaShape& u) {
  std::vector<FmaKernel> k;
  for (unsigned m = 0; m < 5; ++m) {
    Options o;
    o.mode = round_of_frm(m);
    k.emplace_back(u.in, u.acc, o);
  }
  return k;
}

const std::vector<std::string>& vector_classes() {
  static const std::vector<std::string> c = {"special", "overflow", "underflow", "ties",  "sticky",
                                             "shift",   "cancel",   "carry",     "random"};
  return c;
}

std::vector<uint64_t> corner_codes(const Format& f) {
  std::vector<uint64_t> v;
  if (!f.is_float()) {
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

VectorStream::VectorStream(FmaShape u, uint64_t seed, std::vector<std::string> classes, std::vector<unsigned> modes)
    : gen_(std::make_unique<Generator>(std::move(u), seed)), classes_(std::move(classes)), modes_(std::move(modes)) {}

VectorStream::~VectorStream() = default;

void VectorStream::next(std::span<Vector> out) {
  for (Vector& v : out) {
    v = gen_->make(classes_[index_ % classes_.size()], modes_[index_ % modes_.size()]);
    ++index_;
  }
}

std::vector<Vector> generate_vectors(const FmaShape& u, size_t count, uint64_t seed, const std::vector<std::string>& classes,
                                     const std::vector<unsigned>& modes) {
  std::vector<Vector> out(count);
  VectorStream(u, seed, classes, modes).next(out);
  return out;
}

std::vector<Vector> pair_corner_vectors(const FmaShape& u, const std::vector<unsigned>& modes) {
  const Format& in = u.in;
  std::vector<Vector> out;
  if (in.bits > 8) return out;
  const auto cs = corner_codes(u.acc);
  for (unsigned m : modes)
    for (uint64_t a = 0; a <= in.mask(); ++a)
      for (uint64_t b = 0; b <= in.mask(); ++b)
        for (uint64_t c : cs) out.push_back(Vector{a, b, c, m});
  return out;
}

}  // namespace fmalab
