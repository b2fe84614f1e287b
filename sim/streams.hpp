// Operand streams from named value distributions, quantized into a unit's input format with a
// per-tensor scale (as the FP8 papers do), for energy (realistic switching activity) and for
// accuracy (quantization SQNR and K-term dot-product error of the unit's own datapath).
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <random>
#include <string>
#include <vector>

#include <memory>
#include <optional>

#include "../model/block_format.hpp"
#include "../model/operation.hpp"
#include "../model/quantize.hpp"  // quantize_tensor, quantize_blocks, value_of: once here, now the model's
#include "vectors.hpp"

namespace fmalab {

// uniform (energy: random bits of every operand; accuracy: values uniform in [-1, 1)), gaussian,
// laplace, outliers (Gaussian activations with one value in 1000 scaled by 100, as in LLM activations).
const std::vector<std::string>& distributions();
bool is_distribution(const std::string& name);

// Values of a distribution one at a time; `activation` picks the activation stream (outliers live there).
class ValueSource {
 public:
  ValueSource(std::string dist, bool activation, std::mt19937_64 rng);
  double next();
  const std::mt19937_64& rng() const { return rng_; }

 private:
  std::string dist_;
  bool activation_;
  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  std::uniform_real_distribution<double> unit_{-1.0, 1.0};
  std::exponential_distribution<double> expo_{std::sqrt(2.0)};  // Laplace of variance 1
  std::uniform_real_distribution<double> u01_{0.0, 1.0};
};

// The first n values of ValueSource(dist, activation, rng); rng is advanced past them.
std::vector<double> draw_values(const std::string& dist, size_t n, bool activation, std::mt19937_64& rng);

// An operation of the form y = sum_{i<K} a_i * b_i + c (fma and mac with K = 1, dot products):
// operand groups a[K] and b[K] of one format, c, and one result y in c's format. Streams and
// accuracy work on any operation of this shape, and on its block-scaled form (mxdot):
// xa, a[K], xb, b[K], c -> y = xa * xb * sum a_i * b_i + c, where a and b are K elements of blocks
// of `block` (block->k a multiple of K, so a unit call never straddles two blocks).
// Two-operand units a, b -> y of one format that are half of a MAC (Operation::pair_role) take part too:
// a multiplier (y = a * b: the weights and activations scaled so that every product fits, max|x| at
// the square root of the largest value; its dot product sums the unit's products exactly) and an adder
// (y = a + c, c in the b operand's place: a the weight-activation products, scaled so that k of them
// fit, max|w| max|x| at max / k; c the running sum).
struct ProductSum {
  Format in, acc;
  int terms = 1;
  std::optional<BlockFormat> block;
  PairRole role = PairRole::None;  // None: the MAC shapes above

  // Where each operand sits in an operand row.
  size_t xa_at() const { return 0; }
  size_t a_at(size_t i) const { return (block ? 1 : 0) + i; }
  size_t xb_at() const { return 1 + static_cast<size_t>(terms); }
  size_t b_at(size_t i) const { return (block ? 2 : 0) + static_cast<size_t>(terms) + i; }
  size_t c_at() const { return role == PairRole::Accumulate ? 1 : (block ? 2 : 0) + 2 * static_cast<size_t>(terms); }
};
// The per-tensor shape from a signature (a, b, c -> y); nullopt otherwise.
std::optional<ProductSum> product_sum(const Signature& s);
// Any shape: the per-tensor one, a block dot product (MxDotOperation) whose block holds whole calls,
// or a multiplier or adder (Operation::pair_role).
std::optional<ProductSum> product_sum(const Operation& op);

// count vectors of an accumulating dot product, as a MAC unit runs: the a's from a weight tensor,
// the b's from an activation tensor, c the unit's previous result, restarted from zero every k
// products. "uniform" instead draws every operand's bits at random. Produced a chunk at a time:
// memory does not grow with count (each tensor's scale comes from a first pass over the same draws;
// block formats quantize a block at a time as the stream reaches it).
class DotProductStream {
 public:
  // op must have a ProductSum shape; the stream builds its own copy. on_scan(done) is called
  // every 2^20 values of the first pass (progress for long runs).
  DotProductStream(const Operation& op, const std::string& dist, size_t count, uint64_t seed, int k,
                   const std::function<void(size_t)>& on_scan = {});
  ~DotProductStream();
  void next(VectorBatch& out);

 private:
  class Elements;  // one tensor's values as the unit takes them (streams.cpp)
  std::unique_ptr<Operation> op_;
  ProductSum u_;
  size_t k_;
  bool uniform_;
  std::mt19937_64 rng_;
  std::unique_ptr<Elements> w_, x_;
  uint64_t acc_ = 0;
  size_t i_ = 0;  // products so far
  double product_scale_ = 1;  // an adder's stream: the products' tensor scale
};

// Shares of trials, per dot-product length k (256, 4096).
struct OverflowShares {
  double any = 0;   // any of the three below: the `overflow` column
  double inf = 0;   // the result was Inf or NaN (a float or LNS accumulator)
  double wrap = 0;  // a fixed-point accumulator's exact running sum left its range at some step, unclamped
  double sat = 0;   // the same clamped by sat=1, or a float accumulator held at +-max by sat=1
};
struct Accuracy {
  double sqnr_db_weights = 0, sqnr_db_activations = 0;
  double rel_err_k256 = 0, rel_err_k4096 = 0;  // median |unit - exact| / |exact| over the trials
  OverflowShares k256, k4096;
};
// The unit accumulates k products in order, its K terms per step (c = unit(a, b, c), from c = 0),
// against the exact sum of the same quantized products. op must have the ProductSum shape.
// input_scale: each per-tensor-scaled tensor's largest magnitude goes to that fraction of where it
// goes by default (the format's max; a multiplier's sqrt(max), an adder's max / k); block formats
// take their scales from their blocks, so they need 1.
Accuracy measure_accuracy(const Operation& op, const std::string& dist, uint64_t seed, int trials,
                          double input_scale = 1.0);

}  // namespace fmalab
