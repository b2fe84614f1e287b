#include "streams.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace fmalab {

const std::vector<std::string>& distributions() {
  static const std::vector<std::string> d = {"uniform", "gaussian", "laplace", "outliers"};
  return d;
}

bool is_distribution(const std::string& name) {
  const auto& d = distributions();
  return std::find(d.begin(), d.end(), name) != d.end();
}

ValueSource::ValueSource(std::string dist, bool activation, std::mt19937_64 rng)
    : dist_(std::move(dist)), activation_(activation), rng_(rng) {}

double ValueSource::next() {
  if (dist_ == "uniform") return unit_(rng_);
  if (dist_ == "laplace") return (rng_() & 1 ? 1.0 : -1.0) * expo_(rng_);
  const double x = normal_(rng_);
  return dist_ == "outliers" && activation_ && u01_(rng_) < 1e-3 ? x * 100.0 : x;
}

std::vector<double> draw_values(const std::string& dist, size_t n, bool activation, std::mt19937_64& rng) {
  ValueSource src(dist, activation, rng);
  std::vector<double> v(n);
  for (double& x : v) x = src.next();
  rng = src.rng();
  return v;
}

double value_of(const Format& f, uint64_t code) { return to_double(decode(f, code)); }

namespace {

uint64_t code_of(const Format& f, double x) {
  if (x == 0) return 0;
  int e = 0;
  const double m = std::frexp(std::fabs(x), &e);
  const Exact v{x < 0, Class::Normal, e - 53, static_cast<uint64_t>(std::ldexp(m, 53)), false};
  Options o;
  o.saturate = true;
  return encode(f, v, o).bits;
}

uint64_t max_finite_code(const Format& f) {
  return f.is_float() ? f.max_finite_code() : static_cast<uint64_t>(f.fixed_max()) & f.mask();
}

// The exact sum of K products, for formats whose products no double or __int128 holds (fp32's
// span 2^-298 to 2^256, e11m20's twice binary64's range): a two's complement integer of 64-bit
// limbs whose LSB is the smallest product LSB, with room for every product and 2^16 terms.
class ExactSum {
 public:
  explicit ExactSum(const Format& in) {
    int lsb = 0, top = 0;  // the input's smallest LSB and largest leading-one exponent + 1
    if (in.is_float()) {
      lsb = in.emin() - in.man_bits;
      top = in.emax() + 1;
    } else {
      lsb = -in.frac_bits;
      top = in.bits - in.frac_bits;
    }
    lsb_ = 2 * lsb;
    limbs_.assign(static_cast<size_t>((2 * (top - lsb) + 16 + 1) / 64 + 2), 0);
  }
  void add(const Decoded& a, const Decoded& b) {
    const u128 p = u128{a.sig} * b.sig;
    if (p == 0) return;
    const int at = a.lsb_exp() + b.lsb_exp() - lsb_;  // >= 0 by construction
    // p << at spread over three limbs (p < 2^128, bit offset < 64), negated for a negative product.
    const size_t k = static_cast<size_t>(at / 64);
    const int off = at % 64;
    uint64_t part[3] = {static_cast<uint64_t>(p << off), static_cast<uint64_t>(p >> (64 - off)),
                        off ? static_cast<uint64_t>((p >> 64) >> (64 - off)) : 0};
    if (off == 0) part[1] = static_cast<uint64_t>(p >> 64);
    const bool neg = a.sign != b.sign;
    unsigned carry = neg ? 1 : 0;
    for (size_t i = k; i < limbs_.size(); ++i) {
      const uint64_t term = (i - k < 3 ? part[i - k] : 0) ^ (neg ? ~uint64_t{0} : 0);
      if (i - k >= 3 && !neg && carry == 0) break;
      const u128 sum = u128{limbs_[i]} + term + carry;
      limbs_[i] = static_cast<uint64_t>(sum);
      carry = static_cast<unsigned>(sum >> 64);
    }
  }
  // The sum, rounded to long double (x87: 64-bit significand, exponents to 2^16383).
  long double value() const {
    std::vector<uint64_t> m = limbs_;
    const bool neg = (m.back() >> 63) != 0;
    if (neg) {
      unsigned carry = 1;
      for (uint64_t& w : m) {
        const u128 sum = u128{~w} + carry;
        w = static_cast<uint64_t>(sum);
        carry = static_cast<unsigned>(sum >> 64);
      }
    }
    long double v = 0;
    for (size_t i = m.size(); i-- > 0;)
      if (m[i]) v += std::ldexp(static_cast<long double>(m[i]), lsb_ + 64 * static_cast<int>(i));
    return neg ? -v : v;
  }

 private:
  int lsb_ = 0;
  std::vector<uint64_t> limbs_;
};

}  // namespace

double tensor_scale(const Format& f, double amax) { return amax > 0 ? amax / value_of(f, max_finite_code(f)) : 1.0; }

uint64_t quantize(const Format& f, double x, double scale) { return code_of(f, x / scale); }

QuantizedTensor quantize_tensor(const Format& f, const std::vector<double>& x) {
  QuantizedTensor q;
  double amax = 0;
  for (double v : x) amax = std::max(amax, std::fabs(v));
  q.scale = tensor_scale(f, amax);
  double signal = 0, noise = 0;
  q.codes.reserve(x.size());
  for (double v : x) {
    const uint64_t c = quantize(f, v, q.scale);
    q.codes.push_back(c);
    const double err = v - q.scale * value_of(f, c);
    signal += v * v;
    noise += err * err;
  }
  q.sqnr_db = noise > 0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
  return q;
}

namespace {

// The largest magnitude among the next n values of src; on_scan(base + i) every 2^20 values.
double amax_of(ValueSource& src, size_t n, size_t base, const std::function<void(size_t)>& on_scan) {
  double amax = 0;
  for (size_t i = 0; i < n; ++i) {
    amax = std::max(amax, std::fabs(src.next()));
    if (on_scan && (i & 0xfffff) == 0xfffff) on_scan(base + i + 1);
  }
  return amax;
}

}  // namespace

std::optional<ProductSum> product_sum(const Signature& s) {
  if (s.operands.size() != 3 || s.results.size() != 1) return std::nullopt;
  const OperandGroup &a = s.operands[0], &b = s.operands[1], &c = s.operands[2], &y = s.results[0];
  if (a.name != "a" || b.name != "b" || c.name != "c" || y.name != "y" || a.count != b.count || c.count != 1 ||
      y.count != 1 || a.format.name != b.format.name || c.format.name != y.format.name)
    return std::nullopt;
  return ProductSum{a.format, c.format, a.count};
}

namespace {

const ProductSum& need_product_sum(const Operation& op, std::optional<ProductSum>& keep) {
  keep = product_sum(op.signature());
  if (!keep) throw std::invalid_argument(op.name() + " is not of the form sum a_i*b_i + c");
  return *keep;
}

std::unique_ptr<Operation> copy_of(const Operation& op) {
  std::string why;
  auto c = make_operation(op.name(), op.options(), &why);
  if (!c) throw std::invalid_argument(why);
  return c;
}

}  // namespace

DotProductStream::DotProductStream(const Operation& op, const std::string& dist, size_t count, uint64_t seed, int k,
                                   const std::function<void(size_t)>& on_scan)
    : op_(copy_of(op)), k_(static_cast<size_t>(k)), uniform_(dist == "uniform"), rng_(seed), w_(dist, false, rng_),
      x_(dist, true, rng_) {
  std::optional<ProductSum> ps;
  u_ = need_product_sum(*op_, ps);
  if (uniform_) return;
  // Per-tensor scales need each tensor's max before its first value is quantized: a first pass
  // over the same draws finds them, so the stream holds no tensor.
  const size_t values = count * static_cast<size_t>(u_.terms);
  ValueSource w(dist, false, rng_);
  const double amax_w = amax_of(w, values, 0, on_scan);
  ValueSource x(dist, true, w.rng());  // the activations are drawn after all the weights
  const double amax_x = amax_of(x, values, values, on_scan);
  w_scale_ = tensor_scale(u_.in, amax_w);
  x_scale_ = tensor_scale(u_.in, amax_x);
  x_ = ValueSource(dist, true, w.rng());
}

void DotProductStream::next(VectorBatch& out) {
  const size_t K = static_cast<size_t>(u_.terms);
  uint64_t result[1];
  for (size_t v = 0; v < out.size(); ++v) {
    const auto row = out.row(v);
    out.frm[v] = 0;
    if (uniform_) {
      for (size_t i = 0; i < K; ++i) row[i] = rng_() & u_.in.mask();
      for (size_t i = 0; i < K; ++i) row[K + i] = rng_() & u_.in.mask();
      row[2 * K] = rng_() & u_.acc.mask();
      continue;
    }
    if (i_ % k_ < K) acc_ = 0;  // a new dot product of k terms starts in this step
    i_ += K;
    for (size_t i = 0; i < K; ++i) row[i] = quantize(u_.in, w_.next(), w_scale_);
    for (size_t i = 0; i < K; ++i) row[K + i] = quantize(u_.in, x_.next(), x_scale_);
    row[2 * K] = acc_;
    op_->eval(row, result);
    acc_ = result[0];
  }
}

Accuracy measure_accuracy(const Operation& model, const std::string& dist, uint64_t seed, int trials) {
  const auto op = copy_of(model);
  std::optional<ProductSum> ps;
  const ProductSum& u = need_product_sum(*op, ps);
  const Format& in = u.in;
  const Format& acc_f = u.acc;
  const int K = u.terms;
  std::mt19937_64 rng(seed);
  Accuracy r;
  const auto w_all = quantize_tensor(in, draw_values(dist, 1 << 16, false, rng));
  const auto x_all = quantize_tensor(in, draw_values(dist, 1 << 16, true, rng));
  r.sqnr_db_weights = w_all.sqnr_db;
  r.sqnr_db_activations = x_all.sqnr_db;
  std::vector<uint64_t> row(op->signature().operand_words());
  uint64_t result[1];
  for (int k : {256, 4096}) {
    std::vector<double> errs;
    int overflowed = 0;
    const int n_trials = k == 256 ? trials : std::max(1, trials / 4);
    for (int t = 0; t < n_trials; ++t) {
      const auto w = quantize_tensor(in, draw_values(dist, static_cast<size_t>(k), false, rng));
      const auto x = quantize_tensor(in, draw_values(dist, static_cast<size_t>(k), true, rng));
      ExactSum exact(in);
      uint64_t c = 0;
      // K products a step; the last step's missing terms (k not a multiple of K) are zeros.
      for (int i = 0; i < k; i += K) {
        for (int j = 0; j < K; ++j) {
          const bool real = i + j < k;
          row[static_cast<size_t>(j)] = real ? w.codes[static_cast<size_t>(i + j)] : 0;
          row[static_cast<size_t>(K + j)] = real ? x.codes[static_cast<size_t>(i + j)] : 0;
          if (real) exact.add(decode(in, w.codes[static_cast<size_t>(i + j)]), decode(in, x.codes[static_cast<size_t>(i + j)]));
        }
        row[static_cast<size_t>(2 * K)] = c;
        op->eval(row, result);
        c = result[0];
      }
      const long double want = exact.value();
      const double got = value_of(acc_f, c);
      if (!std::isfinite(got)) ++overflowed;  // e.g. fp16 cannot hold e4m3 products of a max-scaled tensor
      if (want == 0 || !std::isfinite(got)) continue;
      errs.push_back(static_cast<double>(std::fabs(got - want) / std::fabs(want)));
    }
    // The median: a mean would be ruled by the few trials whose exact sum is near zero.
    double median = std::numeric_limits<double>::quiet_NaN();
    if (!errs.empty()) {
      std::nth_element(errs.begin(), errs.begin() + static_cast<long>(errs.size() / 2), errs.end());
      median = errs[errs.size() / 2];
    }
    (k == 256 ? r.rel_err_k256 : r.rel_err_k4096) = median;
    (k == 256 ? r.overflow_k256 : r.overflow_k4096) = static_cast<double>(overflowed) / n_trials;
  }
  return r;
}

}  // namespace fmalab
