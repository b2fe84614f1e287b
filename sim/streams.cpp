#include "streams.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fmalab {

const std::vector<std::string>& distributions() {
  static const std::vector<std::string> d = {"uniform", "gaussian", "laplace", "outliers"};
  return d;
}

bool is_distribution(const std::string& name) {
  const auto& d = distributions();
  return std::find(d.begin(), d.end(), name) != d.end();
}

std::vector<double> draw_values(const std::string& dist, size_t n, bool activation, std::mt19937_64& rng) {
  std::vector<double> v(n);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::exponential_distribution<double> expo(std::sqrt(2.0));  // Laplace of variance 1
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  for (double& x : v) {
    if (dist == "uniform") {
      x = unit(rng);
    } else if (dist == "laplace") {
      x = (rng() & 1 ? 1.0 : -1.0) * expo(rng);
    } else {
      x = normal(rng);
      if (dist == "outliers" && activation && u01(rng) < 1e-3) x *= 100.0;
    }
  }
  return v;
}

double value_of(const Format& f, uint64_t code) { return to_double(decode(f, code)); }

namespace {

uint64_t code_of(const Format& f, double x) {
  if (x == 0) return 0;
  int e = 0;
  const double m = std::frexp(std::fabs(x), &e);
  const Exact v{x < 0, Class::Normal, e - 53, static_cast<uint64_t>(std::ldexp(m, 53)), false};
  EncodeOptions o;
  o.saturate = true;
  return encode(f, v, o).bits;
}

uint64_t max_finite_code(const Format& f) {
  return f.is_float() ? f.max_finite_code() : static_cast<uint64_t>(f.fixed_max()) & f.mask();
}

// Exponent of the grid every product of two values of f lies on.
int product_grid(const Format& f) {
  int lsb = 0;
  for (uint64_t code = 1; code <= std::min<uint64_t>(f.mask(), 0xffff); ++code) {
    const Decoded d = decode(f, code);
    if (d.cls == Class::Normal || d.cls == Class::Subnormal) lsb = std::min(lsb, d.lsb_exp());
  }
  return 2 * lsb;
}

}  // namespace

QuantizedTensor quantize_tensor(const Format& f, const std::vector<double>& x) {
  QuantizedTensor q;
  double amax = 0;
  for (double v : x) amax = std::max(amax, std::fabs(v));
  q.scale = amax > 0 ? amax / value_of(f, max_finite_code(f)) : 1.0;
  double signal = 0, noise = 0;
  q.codes.reserve(x.size());
  for (double v : x) {
    const uint64_t c = code_of(f, v / q.scale);
    q.codes.push_back(c);
    const double err = v - q.scale * value_of(f, c);
    signal += v * v;
    noise += err * err;
  }
  q.sqnr_db = noise > 0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
  return q;
}

std::vector<Vector> stream_vectors(const Unit& u, const std::string& dist, size_t count, uint64_t seed, int k) {
  std::mt19937_64 rng(seed);
  std::vector<Vector> out(count);
  if (dist == "uniform") {
    for (Vector& v : out) {
      v.a = rng() & u.operands[0].mask();
      v.b = rng() & u.operands[1].mask();
      v.c = rng() & u.operands[2].mask();
    }
    return out;
  }
  const auto w = quantize_tensor(u.operands[0], draw_values(dist, count, false, rng));
  const auto x = quantize_tensor(u.operands[1], draw_values(dist, count, true, rng));
  const Evaluator run(u, EvalOptions{});
  uint64_t acc = 0;
  for (size_t i = 0; i < count; ++i) {
    if (i % static_cast<size_t>(k) == 0) acc = 0;
    out[i] = Vector{w.codes[i], x.codes[i], acc, 0};
    Operands ops;
    ops.v = {w.codes[i], x.codes[i], acc, 0};
    acc = run(ops).bits;
  }
  return out;
}

Accuracy measure_accuracy(const Unit& u, const std::string& dist, uint64_t seed, int trials) {
  const Format& in = u.operands[0];
  const Format& acc_f = u.result;
  std::mt19937_64 rng(seed);
  Accuracy r;
  const auto w_all = quantize_tensor(in, draw_values(dist, 1 << 16, false, rng));
  const auto x_all = quantize_tensor(in, draw_values(dist, 1 << 16, true, rng));
  r.sqnr_db_weights = w_all.sqnr_db;
  r.sqnr_db_activations = x_all.sqnr_db;
  const Evaluator run(u, EvalOptions{});
  const int grid = product_grid(in);
  for (int k : {256, 4096}) {
    std::vector<double> errs;
    int overflowed = 0;
    const int n_trials = k == 256 ? trials : std::max(1, trials / 4);
    for (int t = 0; t < n_trials; ++t) {
      const auto w = quantize_tensor(in, draw_values(dist, static_cast<size_t>(k), false, rng));
      const auto x = quantize_tensor(in, draw_values(dist, static_cast<size_t>(k), true, rng));
      __int128 exact = 0;  // the sum of the products on their common grid: exact
      uint64_t c = 0;
      for (int i = 0; i < k; ++i) {
        const double p = value_of(in, w.codes[i]) * value_of(in, x.codes[i]);  // exact: 8-bit operands
        exact += static_cast<__int128>(std::ldexp(p, -grid));
        Operands ops;
        ops.v = {w.codes[i], x.codes[i], c, 0};
        c = run(ops).bits;
      }
      const double want = std::ldexp(static_cast<double>(exact), grid);
      const double got = value_of(acc_f, c);
      if (!std::isfinite(got)) ++overflowed;  // e.g. fp16 cannot hold e4m3 products of a max-scaled tensor
      if (want == 0 || !std::isfinite(got)) continue;
      errs.push_back(std::fabs(got - want) / std::fabs(want));
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
