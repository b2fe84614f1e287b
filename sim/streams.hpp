// Operand streams from named value distributions, quantized into a unit's input format with a
// per-tensor scale (as the FP8 papers do), for energy (realistic switching activity) and for
// accuracy (quantization SQNR and K-term dot-product error of the unit's own datapath).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "../model/unit.hpp"
#include "vectors.hpp"

namespace fmalab {

// uniform (energy: random bits of every operand; accuracy: values uniform in [-1, 1)), gaussian,
// laplace, outliers (Gaussian activations with one value in 1000 scaled by 100, as in LLM activations).
const std::vector<std::string>& distributions();
bool is_distribution(const std::string& name);

// n values of the distribution; `activation` picks the activation stream (outliers live there).
std::vector<double> draw_values(const std::string& dist, size_t n, bool activation, std::mt19937_64& rng);

// The tensor quantized into f: scale = max|x| / max finite of f, codes = x / scale rounded to
// nearest even with saturation. sqnr_db = 10 log10(sum x^2 / sum (x - scale * value(code))^2).
struct QuantizedTensor {
  std::vector<uint64_t> codes;
  double scale = 1;
  double sqnr_db = 0;
};
QuantizedTensor quantize_tensor(const Format& f, const std::vector<double>& x);

// A code's value as a double (exact for the formats of the RTL units).
double value_of(const Format& f, uint64_t code);

// count vectors of an accumulating dot product, as a MAC unit runs: a from a weight tensor, b
// from an activation tensor, c the unit's previous result, restarted from zero every k terms.
// "uniform" instead draws every operand's bits at random.
std::vector<Vector> stream_vectors(const Unit& u, const std::string& dist, size_t count, uint64_t seed, int k);

struct Accuracy {
  double sqnr_db_weights = 0, sqnr_db_activations = 0;
  double rel_err_k256 = 0, rel_err_k4096 = 0;  // median |unit - exact| / |exact| over the trials
  double overflow_k256 = 0, overflow_k4096 = 0;  // share of trials whose result was Inf or NaN
};
// The unit accumulates K products in order (c = unit(a_i, b_i, c), from c = 0) against the exact
// sum of the same quantized products.
Accuracy measure_accuracy(const Unit& u, const std::string& dist, uint64_t seed, int trials);

}  // namespace fmalab
