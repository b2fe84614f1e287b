#include "streams.hpp"

#include "../model/wide_sum.hpp"

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

// The exact sum of K products of one input format (fp32's products span 2^-298 to 2^256, e11m20's
// twice binary64's range: no double or __int128 holds them).
class ExactSum {
 public:
  explicit ExactSum(const Format& in) : sum_(2 * lsb_of(in), 2 * top_of(in) + 1) {}
  void add(const Decoded& a, const Decoded& b) {
    sum_.add(a.sign != b.sign, u128{a.sig} * b.sig, a.lsb_exp() + b.lsb_exp());
  }
  long double value() const { return sum_.value(); }

 private:
  // The input's smallest LSB, and its largest leading-one exponent + 1.
  static int lsb_of(const Format& in) { return in.is_float() ? in.emin() - in.man_bits : -in.frac_bits; }
  static int top_of(const Format& in) { return in.is_float() ? in.emax() + 1 : in.bits - in.frac_bits; }
  WideSum sum_;
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
