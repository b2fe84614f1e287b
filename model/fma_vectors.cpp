// The FMA family's vector classes (background.md section 8): each aims at one corner of the
// datapath and the model's own stage trace confirms whether it got there.
#include <algorithm>

#include "op_fma.hpp"
#include "vector_source.hpp"

namespace fmalab {

namespace {

// A finite code of f with a random sign whose exponent field is `field` (clamped to the finite range).
uint64_t finite_with_field(const Format& f, int64_t field, std::mt19937_64& rng) {
  field = std::clamp<int64_t>(field, 0, static_cast<int64_t>(max_field(f)));
  const bool sign = rng() & 1;  // drawn in this order, whatever the compiler's argument order
  const uint64_t frac = rng();
  uint64_t code = float_code(f, sign, static_cast<uint64_t>(field), frac);
  if ((code & f.magnitude_mask()) > f.max_finite_code()) code = (code & f.sign_mask()) | f.max_finite_code();
  return code;
}

class FmaVectorSource final : public VectorSource {
 public:
  FmaVectorSource(const FmaShape& shape, uint64_t seed)
      : in_(shape.in), acc_(shape.acc), rng_(seed), in_specials_(special_codes(in_)), acc_specials_(special_codes(acc_)) {
    for (unsigned m = 0; m < 5; ++m) {
      Options o;
      o.mode = static_cast<Round>(m);
      kernels_.emplace_back(in_, acc_, o);
    }
    tiny_products_ = acc_.is_float() && product_top(1, 1) <= acc_.emin();
  }

  bool make(std::string_view cls, unsigned frm, std::span<uint64_t> out) override {
    const FmaKernel& run = kernels_[frm < 5 ? frm : 0];
    uint64_t a = random_finite(in_, rng_), b = random_finite(in_, rng_), c = 0;
    bool reached = true;
    FmaStages st;
    const auto trace = [&] { return run(a, b, c, {}, &st); };
    if (cls == "random") {
      a = rng_() & in_.mask();
      b = rng_() & in_.mask();
      c = rng_() & acc_.mask();
    } else if (cls == "special") {
      // A nonempty choice of operands, each replaced by a special value of its format.
      const uint64_t which = 1 + rng_() % 7;
      c = random_finite(acc_, rng_);
      if (which & 1) a = pick(in_specials_);
      if (which & 2) b = pick(in_specials_);
      if (which & 4) c = pick(acc_specials_);
    } else if (cls == "overflow") {
      const bool psign = ((a ^ b) & in_.sign_mask()) != 0;
      if (acc_.is_float()) {
        c = (acc_.max_finite_code() - (rng_() % 4)) | (psign ? acc_.sign_mask() : 0);
      } else {
        const uint64_t lim = psign ? static_cast<uint64_t>(acc_.fixed_min()) + rng_() % 1024
                                   : static_cast<uint64_t>(acc_.fixed_max()) - rng_() % 1024;
        c = lim & acc_.mask();
      }
      const Encoded r = trace();
      // A float accumulator raises OF; a wrapping fixed-point one carries out of its width.
      reached = acc_.is_float() ? (r.flags & flag::OF) != 0 : st.sum.carry;
    } else if (cls == "underflow") {
      c = acc_.is_float() ? finite_with_field(acc_, static_cast<int64_t>(rng_() % 2), rng_) : rng_() % 256;
      if (acc_.is_float() && !tiny_products_) {
        // No nonzero product reaches the lowest binade (e4m3 into fp32): a tiny result needs a zero product.
        (rng_() & 1 ? a : b) = rng_() & 1 ? in_.sign_mask() : 0;
      } else if (acc_.is_float()) {
        // Small products with a tiny addend, or cancelling a product into the subnormals; kept when
        // the result lands in the lowest binade or below.
        for (int tries = 0; tries < 50; ++tries) {
          a = finite_with_field(in_, static_cast<int64_t>(rng_() % 3), rng_);
          b = finite_with_field(in_, static_cast<int64_t>(rng_() % 3), rng_);
          c = (tries & 1) ? addend_at(a, b, 0) ^ acc_.sign_mask()
                          : finite_with_field(acc_, static_cast<int64_t>(rng_() % 2), rng_);
          if (tiny(run(a, b, c))) break;
        }
      } else if (in_.is_float()) {
        a = finite_with_field(in_, static_cast<int64_t>(rng_() % 3), rng_);
        b = finite_with_field(in_, static_cast<int64_t>(rng_() % 3), rng_);
      }
      reached = !acc_.is_float() || tiny(trace());
    } else if (cls == "shift") {
      const int window = exact_window(in_, acc_);
      c = addend_at(a, b, static_cast<int>(rng_() % (2 * window + 11)) - window - 5);
    } else if (cls == "cancel") {
      // c near -(a*b): the model's own conversion of the negated product, nudged by a few codes.
      // Operands whose product the accumulator cannot hold (it overflows, or vanishes below its
      // subnormals: e5m2 into fp16) are drawn again, until the trace shows the cancellation (a float
      // accumulator; a fixed-point one holds every product).
      for (int tries = 0; tries < (acc_.is_float() ? 20 : 1); ++tries) {
        if (tries) {
          a = random_finite(in_, rng_);
          b = random_finite(in_, rng_);
        }
        const Decoded da = decode(in_, a), db = decode(in_, b);
        const Exact p{!(da.sign != db.sign), Class::Normal, da.lsb_exp() + db.lsb_exp(), da.sig * db.sig, false};
        const uint64_t near = p.sig ? encode(acc_, p, Options{}).bits : 0;
        const uint64_t delta = rng_() % 4;
        c = ((rng_() & 1) ? near + delta : near - delta) & acc_.mask();
        trace();
        if ((reached = cancelled(st))) break;
      }
    } else {
      // ties, sticky, carry: addends aligned near the rounding point, kept when the trace confirms the class.
      const int spread = cls == "carry" ? 2 : (acc_.is_float() ? acc_.man_bits + 3 : 8);
      // A fixed-point accumulator never rounds (ties, sticky): one candidate, which cannot reach them.
      for (int tries = 0; tries < (acc_.is_float() ? 200 : 1); ++tries) {
        a = random_finite(in_, rng_);
        b = random_finite(in_, rng_);
        c = addend_at(a, b, static_cast<int>(rng_() % (2 * spread + 1)) - (cls == "carry" ? 0 : 2));
        if (cls == "carry" && acc_.is_float()) {
          const bool psign = ((a ^ b) & in_.sign_mask()) != 0;
          c = (c & acc_.magnitude_mask()) | (psign ? acc_.sign_mask() : 0);
        }
        trace();
        const EncodeTrace& t = st.normalize_round;
        reached = !st.special && acc_.is_float() &&
                  (cls == "ties"     ? t.half && !t.below
                   : cls == "sticky" ? t.below && (st.aligned.p_sticky || st.aligned.c_sticky)
                                     : st.sum.carry);
        if (cls == "carry" && !acc_.is_float()) reached = !st.special && st.sum.carry;
        if (reached) break;
      }
    }
    out[0] = a, out[1] = b, out[2] = c;
    return reached;
  }

 private:
  uint64_t pick(const std::vector<uint64_t>& v) { return v[rng_() % v.size()]; }

  bool tiny(const Encoded& r) const { return ((r.bits & acc_.magnitude_mask()) >> acc_.man_bits) <= 1; }

  static bool cancelled(const FmaStages& st) {
    const u128 big = std::max(st.aligned.p, st.aligned.c);
    return !st.special && big != 0 && (st.sum.mag == 0 || bit_width128(st.sum.mag) + 2 <= bit_width128(big));
  }

  int32_t product_top(uint64_t a, uint64_t b) const {
    const Decoded da = decode(in_, a), db = decode(in_, b);
    const uint64_t sig = da.sig * db.sig;
    if (!sig) return 0;
    return da.lsb_exp() + db.lsb_exp() + (63 - std::countl_zero(sig));
  }

  // c whose leading one sits `k` places above the product's (k may be negative).
  uint64_t addend_at(uint64_t a, uint64_t b, int k) {
    if (!acc_.is_float()) {
      const int64_t target = int64_t{product_top(a, b)} + k + acc_.frac_bits;
      const uint64_t mag = target < 0 ? 1
                           : (target >= acc_.bits - 1) ? acc_.magnitude_mask()
                                                       : (rng_() | 1) & ((uint64_t{2} << target) - 1);
      return (rng_() & 1 ? ~mag + 1 : mag) & acc_.mask();
    }
    return finite_with_field(acc_, int64_t{product_top(a, b)} + k + acc_.bias, rng_);
  }

  Format in_, acc_;  // owned: a source outlives the operation that made it
  std::mt19937_64 rng_;
  std::vector<FmaKernel> kernels_;  // per frm, for the steered classes
  std::vector<uint64_t> in_specials_, acc_specials_;
  bool tiny_products_ = false;  // some nonzero product lies in ACC's lowest binade or below
};

}  // namespace

std::vector<std::string> FmaOperation::vector_classes() const {
  return {"special", "overflow", "underflow", "ties", "sticky", "shift", "cancel", "carry", "random"};
}

std::unique_ptr<VectorSource> FmaOperation::vector_source(uint64_t seed) const {
  return std::make_unique<FmaVectorSource>(shape_, seed);
}

}  // namespace fmalab
