#include "streams.hpp"

#include <quadmath.h>

#include "../model/lns.hpp"
#include "../model/mx_quantize.hpp"
#include "../model/op_mx.hpp"
#include "../model/wide_sum.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
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

namespace {

uint64_t zero_code(const Format& f) { return f.kind == Kind::Lns ? lns_zero_code(f) : 0; }

// The exact sum of K products of one input format (fp32's products span 2^-298 to 2^256, e11m20's
// twice binary64's range: no double or __int128 holds them); block formats' products carry their two
// block scales.
class ExactSum {
 public:
  explicit ExactSum(const ProductSum& u)
      : in_(u.in), lns_(u.in.kind == Kind::Lns),
        sum_(lns_ ? 0 : 2 * (lsb_of(u.in) + (u.block ? lsb_of(u.block->scale) : 0)) - 2,
             lns_ ? 1 : 2 * (top_of(u.in) + (u.block ? top_of(u.block->scale) : 0)) + 1) {}
  // The product of two codes of the input format, or (a = nullopt) one code's value.
  void add(uint64_t a, std::optional<uint64_t> b) {
    if (lns_) {
      // An LNS product 2^((La + Lb) / 2^F) is irrational: binary128's 113 bits stand in for exact.
      const LnsCode x = lns_unpack(in_, a), y = lns_unpack(in_, b.value_or(lns_pack(in_, false, 0)));
      if (x.zero || y.zero || x.nan || y.nan) return;
      const __float128 m = exp2q(static_cast<__float128>(x.log + y.log) / static_cast<__float128>(int64_t{1} << in_.frac_bits));
      lns_sum_ += x.sign != y.sign ? -m : m;
      return;
    }
    const Decoded da = decode(in_, a);
    if (!b) return sum_.add(da.sign, u128{da.sig}, da.lsb_exp());
    const Decoded db = decode(in_, *b);
    sum_.add(da.sign != db.sign, u128{da.sig} * db.sig, da.lsb_exp() + db.lsb_exp());
  }
  // (xa * a) * (xb * b): block scales are positive (e8m0, or e4m3 scales of NVFP4's recipe).
  void add(const Decoded& xa, const Decoded& a, const Decoded& xb, const Decoded& b) {
    sum_.add(a.sign != b.sign, u128{a.sig} * b.sig * xa.sig * xb.sig,
             a.lsb_exp() + b.lsb_exp() + xa.lsb_exp() + xb.lsb_exp());
  }
  long double value() const { return lns_ ? static_cast<long double>(lns_sum_) : sum_.value(); }

 private:
  Format in_;
  bool lns_;
  __float128 lns_sum_ = 0;
  // The format's smallest LSB, and its largest leading-one exponent + 1.
  static int lsb_of(const Format& in) { return in.is_float() ? in.emin() - in.man_bits - 1 : -in.frac_bits; }
  static int top_of(const Format& in) { return in.is_float() ? in.emax() + 1 : in.bits - in.frac_bits; }
  WideSum sum_;
};

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
  return ProductSum{a.format, c.format, a.count, std::nullopt};
}

std::optional<ProductSum> product_sum(const Operation& op) {
  if (auto ps = product_sum(op.signature())) return ps;
  const Signature& sig = op.signature();
  if (op.pair_role() != PairRole::None && sig.operands.size() == 2 && sig.results.size() == 1) {
    const Format& f = sig.operands[0].format;
    if (sig.operands[1].format.name != f.name || sig.results[0].format.name != f.name) return std::nullopt;
    return ProductSum{f, f, 1, std::nullopt, op.pair_role()};
  }
  const auto* mx = dynamic_cast<const MxDotOperation*>(&op);
  if (!mx) return std::nullopt;
  const Signature& s = op.signature();
  ProductSum ps{s.operands[1].format, s.operands[4].format, s.operands[1].count, mx->block()};
  if (ps.block->k % ps.terms != 0) return std::nullopt;
  return ps;
}

namespace {

const ProductSum& need_product_sum(const Operation& op, std::optional<ProductSum>& keep) {
  keep = product_sum(op);
  if (!keep) throw std::invalid_argument(op.name() + " is not of the form sum a_i*b_i + c (or its block-scaled form)");
  return *keep;
}

// Where a tensor's largest magnitude goes (quantize_tensor's top): a multiplier's operands at the
// square root of the largest value, so that no product saturates; an adder's products at max / k, so
// that k of them fit; the MAC shapes' inputs at the largest value (0).
double operand_top(const ProductSum& u) {
  if (u.role != PairRole::Multiply) return 0;
  // An LNS square root can sit on a tie that rounds up (2^(31.5/8) in lns8_3): the code below it.
  if (u.in.kind == Kind::Lns) return value_of(u.in, lns_pack(u.in, false, lns_max_log(u.in) / 2));
  return std::sqrt(max_value(u.in));
}
double product_top(const ProductSum& u, size_t k) { return max_value(u.in) / static_cast<double>(k); }

std::unique_ptr<Operation> copy_of(const Operation& op) {
  std::string why;
  auto c = make_operation(op.name(), op.options(), &why);
  if (!c) throw std::invalid_argument(why);
  return c;
}

}  // namespace

// One tensor's values as the unit takes them, a value at a time: a code under the tensor's scale, or
// (block formats) a block of b.k values quantized together, handed out with their block's scale code.
class DotProductStream::Elements {
 public:
  Elements(const ProductSum& u, ValueSource src, double amax)
      : u_(u), src_(std::move(src)), scale_(u.block ? 1.0 : tensor_scale(u.in, amax, operand_top(u))) {
    if (!u.block) return;
    if (u.block->nvfp4()) ts_ = nvfp4_tensor_scale(fp32_code(amax));
    values_.resize(static_cast<size_t>(u.block->k));
    codes_.resize(values_.size());
    at_ = codes_.size();
  }
  uint64_t next(uint64_t* block_scale) {
    if (!u_.block) return quantize(u_.in, src_.next(), scale_);
    if (at_ == codes_.size()) {
      for (double& v : values_) v = src_.next();
      quantize_block(*u_.block, values_, ts_, &block_scale_, codes_);
      at_ = 0;
    }
    *block_scale = block_scale_;
    return codes_[at_++];
  }
  double raw() { return src_.next(); }  // the next value itself (an adder's stream multiplies them)

 private:
  const ProductSum& u_;
  ValueSource src_;
  double scale_;
  uint64_t ts_ = 0x3f800000, block_scale_ = 0;
  std::vector<double> values_;
  std::vector<uint64_t> codes_;
  size_t at_ = 0;
};

DotProductStream::~DotProductStream() = default;

DotProductStream::DotProductStream(const Operation& op, const std::string& dist, size_t count, uint64_t seed, int k,
                                   const std::function<void(size_t)>& on_scan)
    : op_(copy_of(op)), k_(static_cast<size_t>(k)), uniform_(dist == "uniform"), rng_(seed) {
  std::optional<ProductSum> ps;
  u_ = need_product_sum(*op_, ps);
  if (uniform_) return;
  // Per-tensor scales need each tensor's max before its first value is quantized: a first pass
  // over the same draws finds them, so the stream holds no tensor (NVFP4's encode scale needs it too;
  // the MX formats' scales are their blocks' own, but the pass also places the activations' draws).
  const size_t values = count * static_cast<size_t>(u_.terms);
  ValueSource w(dist, false, rng_);
  const double amax_w = amax_of(w, values, 0, on_scan);
  ValueSource x(dist, true, w.rng());  // the activations are drawn after all the weights
  const double amax_x = amax_of(x, values, values, on_scan);
  w_ = std::make_unique<Elements>(u_, ValueSource(dist, false, rng_), amax_w);
  x_ = std::make_unique<Elements>(u_, ValueSource(dist, true, w.rng()), amax_x);
  product_scale_ = tensor_scale(u_.in, amax_w * amax_x, product_top(u_, k_));
}

void DotProductStream::next(VectorBatch& out) {
  const size_t K = static_cast<size_t>(u_.terms);
  uint64_t result[1];
  for (size_t v = 0; v < out.size(); ++v) {
    const auto row = out.row(v);
    out.frm[v] = 0;
    if (u_.role != PairRole::None) {  // a multiplier or an adder: two operands
      uint64_t unused = 0;
      if (uniform_) {
        row[0] = rng_() & u_.in.mask(), row[1] = rng_() & u_.in.mask();
      } else if (u_.role == PairRole::Multiply) {
        row[0] = w_->next(&unused), row[1] = x_->next(&unused);
      } else {
        if (i_++ % k_ == 0) acc_ = zero_code(u_.acc);
        row[0] = quantize(u_.in, w_->raw() * x_->raw(), product_scale_);
        row[1] = acc_;
        op_->eval(row, result);
        acc_ = result[0];
      }
      continue;
    }
    if (uniform_) {
      if (u_.block) row[u_.xa_at()] = rng_() & u_.block->scale.mask();
      for (size_t i = 0; i < K; ++i) row[u_.a_at(i)] = rng_() & u_.in.mask();
      if (u_.block) row[u_.xb_at()] = rng_() & u_.block->scale.mask();
      for (size_t i = 0; i < K; ++i) row[u_.b_at(i)] = rng_() & u_.in.mask();
      row[u_.c_at()] = rng_() & u_.acc.mask();
      continue;
    }
    if (i_ % k_ < K) acc_ = zero_code(u_.acc);  // a new dot product of k terms starts in this step
    i_ += K;
    uint64_t xa = 0, xb = 0;
    for (size_t i = 0; i < K; ++i) row[u_.a_at(i)] = w_->next(&xa);
    for (size_t i = 0; i < K; ++i) row[u_.b_at(i)] = x_->next(&xb);
    if (u_.block) row[u_.xa_at()] = xa, row[u_.xb_at()] = xb;
    row[u_.c_at()] = acc_;
    op_->eval(row, result);
    acc_ = result[0];
  }
}

namespace {

// One trial's tensor as the unit takes it: codes, and (block formats) each block's scale code.
struct TrialTensor {
  std::vector<uint64_t> codes, scales;
  double sqnr_db = 0;
};

// top (0: the format's max) moved to input_scale of itself: the accuracy command's --input-scale.
double scaled(const Format& f, double top, double input_scale) {
  if (input_scale == 1.0) return top;
  return (top == 0 ? max_value(f) : top) * input_scale;
}

TrialTensor quantize_trial(const ProductSum& u, const std::vector<double>& x, double input_scale) {
  if (!u.block) {
    auto q = quantize_tensor(u.in, x, scaled(u.in, operand_top(u), input_scale));
    return {std::move(q.codes), {}, q.sqnr_db};
  }
  auto q = quantize_blocks(*u.block, x);
  return {std::move(q.codes), std::move(q.scales), q.sqnr_db};
}

// One trial's overflow events, watched step by step. A fixed-point accumulator's events are read off
// the exact running sum (not the unit's result: a wrapped sum can come back into range and end exact);
// a float or LNS accumulator's off its result, which is all that shows a clamp at +-max.
class OverflowWatch {
 public:
  OverflowWatch(const Format& acc, bool saturate)
      : fixed_(acc.kind == Kind::Fixed), saturate_(saturate),
        lo_(fixed_ ? std::ldexp(static_cast<long double>(acc.fixed_min()), -acc.frac_bits) : 0),
        hi_(fixed_ ? std::ldexp(static_cast<long double>(acc.fixed_max()), -acc.frac_bits) : 0),
        top_(fixed_ ? 0 : max_value(acc)) {}
  bool needs_exact() const { return fixed_; }
  // After a step: the exact running sum (read only when needs_exact()) and the accumulator's value.
  void step(long double exact, double got) {
    if (fixed_) {
      if (exact < lo_ || exact > hi_) (saturate_ ? sat : wrap) = true;
    } else if (saturate_ && std::fabs(got) >= top_) {
      sat = true;
    }
  }
  void finish(double got) {
    if (!std::isfinite(got)) inf = true;
  }
  bool inf = false, wrap = false, sat = false;

 private:
  bool fixed_, saturate_;
  long double lo_, hi_;
  double top_;
};

// A multiplier's or an adder's dot product of w and x, its result's value; exact gets the same
// quantized terms. The multiplier's products are summed exactly (its error is its saturation alone),
// the adder adds the quantized products w_i x_i in order from zero.
double pair_dot(const Operation& op, const ProductSum& u, const std::vector<double>& wv, const std::vector<double>& xv,
                double input_scale, ExactSum& exact, OverflowWatch& watch) {
  uint64_t row[2], result[1];
  if (u.role == PairRole::Multiply) {
    const double top = scaled(u.in, operand_top(u), input_scale);
    const auto w = quantize_tensor(u.in, wv, top), x = quantize_tensor(u.in, xv, top);
    ExactSum got(u);
    for (size_t i = 0; i < wv.size(); ++i) {
      row[0] = w.codes[i], row[1] = x.codes[i];
      exact.add(row[0], row[1]);
      op.eval(row, result);
      got.add(result[0], std::nullopt);
    }
    return static_cast<double>(got.value());
  }
  std::vector<double> p(wv.size());
  for (size_t i = 0; i < p.size(); ++i) p[i] = wv[i] * xv[i];
  const auto q = quantize_tensor(u.in, p, scaled(u.in, product_top(u, p.size()), input_scale));
  uint64_t c = zero_code(u.acc);
  for (uint64_t code : q.codes) {
    exact.add(code, std::nullopt);
    row[0] = code, row[1] = c;
    op.eval(row, result);
    c = result[0];
    watch.step(watch.needs_exact() ? exact.value() : 0.0L, value_of(u.acc, c));
  }
  return value_of(u.acc, c);
}

struct OverflowCounts {
  int any = 0, inf = 0, wrap = 0, sat = 0;
  void add(const OverflowWatch& w) {
    any += w.inf || w.wrap || w.sat;
    inf += w.inf, wrap += w.wrap, sat += w.sat;
  }
  OverflowShares shares(int trials) const {
    const double n = trials;
    return {any / n, inf / n, wrap / n, sat / n};
  }
};

}  // namespace

Accuracy measure_accuracy(const Operation& model, const std::string& dist, uint64_t seed, int trials,
                          double input_scale) {
  const auto op = copy_of(model);
  std::optional<ProductSum> ps;
  const ProductSum& u = need_product_sum(*op, ps);
  if (!(input_scale > 0 && input_scale <= 1))
    throw std::invalid_argument("the input scale must lie in (0, 1]");
  if (u.block && input_scale != 1.0)
    throw std::invalid_argument(op->name() + " scales its inputs per block: an input scale does not apply");
  const bool saturate = op->options().saturate;
  const Format& in = u.in;
  const Format& acc_f = u.acc;
  const size_t K = static_cast<size_t>(u.terms);
  const size_t bk = u.block ? static_cast<size_t>(u.block->k) : 1;
  std::mt19937_64 rng(seed);
  Accuracy r;
  r.sqnr_db_weights = quantize_trial(u, draw_values(dist, 1 << 16, false, rng), input_scale).sqnr_db;
  r.sqnr_db_activations = quantize_trial(u, draw_values(dist, 1 << 16, true, rng), input_scale).sqnr_db;
  std::vector<uint64_t> row(op->signature().operand_words());
  uint64_t result[1];
  for (size_t k : {size_t{256}, size_t{4096}}) {
    std::vector<double> errs;
    OverflowCounts overflowed;
    const int n_trials = k == 256 ? trials : std::max(1, trials / 4);
    for (int t = 0; t < n_trials; ++t) {
      const auto wv = draw_values(dist, k, false, rng), xv = draw_values(dist, k, true, rng);
      ExactSum exact(u);
      OverflowWatch watch(acc_f, saturate);
      if (u.role != PairRole::None) {
        const double got = pair_dot(*op, u, wv, xv, input_scale, exact, watch), want = static_cast<double>(exact.value());
        watch.finish(got);
        overflowed.add(watch);
        if (want != 0 && std::isfinite(got)) errs.push_back(std::fabs(got - want) / std::fabs(want));
        continue;
      }
      const auto w = quantize_trial(u, wv, input_scale);
      const auto x = quantize_trial(u, xv, input_scale);
      uint64_t c = zero_code(acc_f);
      // K products a step; the last step's missing terms (k not a multiple of K) are zeros.
      for (size_t i = 0; i < k; i += K) {
        if (u.block) row[u.xa_at()] = w.scales[i / bk], row[u.xb_at()] = x.scales[i / bk];
        for (size_t j = 0; j < K; ++j) {
          const bool real = i + j < k;
          row[u.a_at(j)] = real ? w.codes[i + j] : 0;
          row[u.b_at(j)] = real ? x.codes[i + j] : 0;
          if (!real) continue;
          if (u.block)
            exact.add(decode(u.block->scale, w.scales[i / bk]), decode(in, w.codes[i + j]),
                      decode(u.block->scale, x.scales[i / bk]), decode(in, x.codes[i + j]));
          else
            exact.add(w.codes[i + j], x.codes[i + j]);
        }
        row[u.c_at()] = c;
        op->eval(row, result);
        c = result[0];
        watch.step(watch.needs_exact() ? exact.value() : 0.0L, value_of(acc_f, c));
      }
      const long double want = exact.value();
      const double got = value_of(acc_f, c);
      watch.finish(got);  // e.g. fp16 cannot hold e4m3 products of a max-scaled tensor
      overflowed.add(watch);
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
    (k == 256 ? r.k256 : r.k4096) = overflowed.shares(n_trials);
  }
  return r;
}

}  // namespace fmalab
