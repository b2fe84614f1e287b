// The dot product's test-vector classes (Operation::vector_source): rows aimed at the corner cases
// of a fused dot-product unit (background.md sections 4 and 8). A row is a0..a(K-1), b0..b(K-1), c.
#include <algorithm>

#include "codec.hpp"
#include "op_dot.hpp"
#include "vector_source.hpp"

namespace fmalab {

namespace {

const std::vector<std::string>& dot_classes() {
  static const std::vector<std::string> c = {"special", "zeros",  "subnormal", "max",   "cancel",
                                             "huge",    "window", "clustered", "random"};
  return c;
}

class DotVectorSource final : public VectorSource {
 public:
  DotVectorSource(const Format& in, const Format& out, int k, int window, uint64_t seed)
      : in_(in), out_(out), k_(static_cast<size_t>(k)), window_(window), rng_(seed),
        in_specials_(special_codes(in)), out_specials_(special_codes(out)) {}

  bool make(std::string_view cls, unsigned, std::span<uint64_t> v) override {
    const std::span<uint64_t> a = v.first(k_), b = v.subspan(k_, k_);
    uint64_t& c = v[2 * k_];
    const auto coin = [&] { return (rng_() & 1) != 0; };
    const auto pick = [&](size_t n) { return static_cast<size_t>(rng_() % n); };
    if (cls == "random") {
      for (auto& x : v.first(2 * k_)) x = rng_() & in_.mask();
      c = rng_() & out_.mask();
      return true;
    }
    // A clustered row first (every class starts from one): exponents within a few binades.
    const int64_t top = static_cast<int64_t>(max_field(in_));
    const int64_t centre = 1 + static_cast<int64_t>(pick(static_cast<size_t>(top)));
    for (size_t i = 0; i < k_; ++i) {
      a[i] = near(in_, centre, 2);
      b[i] = near(in_, centre, 2);
    }
    // c near the products' magnitude (or zero).
    const int64_t pexp = 2 * (centre - in_.bias);
    c = pick(4) == 0 ? zero(out_) : near(out_, pexp + out_.bias, 3);
    if (cls == "clustered") return true;
    if (cls == "special") {
      switch (pick(5)) {
        case 0: {  // one special operand anywhere
          const size_t at = pick(2 * k_ + 1);
          if (at == 2 * k_) c = out_specials_[pick(out_specials_.size())];
          else v[at] = in_specials_[pick(in_specials_.size())];
          break;
        }
        case 1:  // NaN in c, or c Inf
          c = out_specials_[pick(out_specials_.size())];
          break;
        case 2:  // +Inf with -Inf: two Inf products of opposite signs, or an Inf product and c
          if (in_.has_inf) {
            const size_t i = pick(k_), j = pick(k_);
            a[i] = in_.inf_code(), a[j] = in_.inf_code() | in_.sign_mask();
            if (i == j || coin()) c = out_inf(coin());
          } else {
            c = out_inf(coin());
          }
          break;
        case 3:  // Inf times zero
          if (in_.has_inf) {
            const size_t i = pick(k_);
            a[i] = in_.inf_code() | (coin() ? in_.sign_mask() : 0);
            b[i] = zero(in_);
          } else {
            c = out_.has_nan() ? out_.canonical_nan_code() : c;
          }
          break;
        default:  // two specials
          for (int n = 0; n < 2; ++n) v[pick(2 * k_)] = in_specials_[pick(in_specials_.size())];
          break;
      }
      return true;
    }
    if (cls == "zeros") {
      // Every product zero (either factor, either sign), c zero of either sign; now and then
      // one nonzero term.
      for (size_t i = 0; i < k_; ++i) (coin() ? a[i] : b[i]) = zero(in_);
      c = zero(out_);
      if (pick(4) == 0) {
        const size_t i = pick(k_);
        a[i] = near(in_, centre, 2), b[i] = near(in_, centre, 2);
      }
      return true;
    }
    if (cls == "subnormal") {
      for (size_t i = 0; i < k_; ++i) {
        a[i] = coin() ? subnormal(in_) : near(in_, 1, 1);
        b[i] = coin() ? subnormal(in_) : near(in_, 1 + pick(3), 1);
      }
      c = pick(3) == 0 ? zero(out_) : subnormal(out_);
      return true;
    }
    if (cls == "max") {
      for (size_t i = 0; i < k_; ++i) {
        a[i] = near(in_, top, 1);
        b[i] = near(in_, top, 1);
        if (pick(3) == 0) a[i] = in_.max_finite_code() | (coin() ? in_.sign_mask() : 0);
      }
      if (pick(3) == 0) c = near(out_, static_cast<int64_t>(max_field(out_)), 1);
      return true;
    }
    if (cls == "cancel") {
      // Pairs of equal products of opposite signs; what is left: nothing, a small term, or a
      // small (often subnormal) c.
      for (size_t i = 0; i + 1 < k_; i += 2) {
        a[i + 1] = a[i];
        b[i + 1] = b[i] ^ in_.sign_mask();
      }
      if (k_ % 2 == 1) a[k_ - 1] = zero(in_);
      switch (pick(3)) {
        case 0: c = zero(out_); break;
        case 1: c = subnormal(out_); break;
        default: {
          const size_t i = pick(k_);
          a[i] = coin() ? subnormal(in_) : near(in_, 1, 1);
          c = coin() ? zero(out_) : subnormal(out_);
        }
      }
      return true;
    }
    if (cls == "huge") {
      // One term far above the others (a product, or c), so theirs are cut or lost.
      for (size_t i = 0; i < k_; ++i) {
        a[i] = near(in_, 1 + static_cast<int64_t>(pick(static_cast<size_t>(std::max<int64_t>(1, top / 3)))), 1);
        b[i] = near(in_, 1 + static_cast<int64_t>(pick(static_cast<size_t>(std::max<int64_t>(1, top / 3)))), 1);
      }
      if (coin()) {
        const size_t i = pick(k_);
        a[i] = near(in_, top, 1), b[i] = near(in_, top, 1);
      } else {
        c = near(out_, 2 * (top - in_.bias) + out_.bias + static_cast<int64_t>(pick(8)), 0);
      }
      return true;
    }
    if (cls == "window") {
      // One anchor product; the other terms' exponents a few binades either side of the window's
      // bottom edge below it, so their last bits are cut.
      const size_t anchor = pick(k_);
      const int64_t fa = top / 2 + static_cast<int64_t>(pick(static_cast<size_t>(top / 2 + 1)));
      a[anchor] = near(in_, fa, 0), b[anchor] = near(in_, fa, 0);
      const int64_t e = 2 * (fa - in_.bias);  // the anchor's exponent (roughly)
      for (size_t i = 0; i < k_; ++i) {
        if (i == anchor) continue;
        const int64_t d = window_ - 3 + static_cast<int64_t>(pick(7)) - (coin() ? window_ / 2 : 0);
        // Split e - d between the two fields.
        const int64_t want = e - d + 2 * in_.bias, fx = want / 2;
        a[i] = near(in_, fx, 0), b[i] = near(in_, want - fx, 0);
      }
      if (coin()) c = near(out_, e - window_ + static_cast<int64_t>(pick(5)) - 2 + out_.bias, 0);
      return true;
    }
    return false;
  }

 private:
  // A finite code with exponent field near `field` (clamped to the normal range), random fraction and sign.
  uint64_t near(const Format& f, int64_t field, int spread) {
    const int64_t top = static_cast<int64_t>(max_field(f));
    int64_t x = field + (spread > 0 ? static_cast<int64_t>(rng_() % (2 * spread + 1)) - spread : 0);
    x = std::clamp<int64_t>(x, 1, top);
    for (;;) {
      const uint64_t code = float_code(f, (rng_() & 1) != 0, static_cast<uint64_t>(x), rng_());
      const Class k = decode(f, code).cls;
      if (k != Class::NaN && k != Class::Inf) return code;
    }
  }
  uint64_t subnormal(const Format& f) {
    const uint64_t frac = 1 + rng_() % ((uint64_t{1} << f.man_bits) - 1);
    return float_code(f, (rng_() & 1) != 0, 0, frac);
  }
  uint64_t zero(const Format& f) { return ((rng_() & 1) && f.has_neg_zero()) ? f.sign_mask() : 0; }
  // An Inf of c's format, or its largest finite value when it has none.
  uint64_t out_inf(bool neg) {
    return (out_.has_inf ? out_.inf_code() : out_.max_finite_code()) | (neg ? out_.sign_mask() : 0);
  }

  Format in_, out_;
  size_t k_;
  int window_;
  std::mt19937_64 rng_;
  std::vector<uint64_t> in_specials_, out_specials_;
};

}  // namespace

std::vector<std::string> DotOperation::vector_classes() const { return dot_classes(); }

std::unique_ptr<VectorSource> DotOperation::vector_source(uint64_t seed) const {
  const DotParams& p = params();
  return std::make_unique<DotVectorSource>(signature().operands[0].format, signature().operands[2].format, k_,
                                           p.exact ? 24 : 24 + p.neab, seed);
}

}  // namespace fmalab
