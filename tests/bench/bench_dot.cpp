// make bench: dot-product throughput in MACs per second on one core (issue 13): the H100 FP8 preset
// (dot:e4m3:fp32:K --preset h100) and exact, through the batch API, beside a plain binary64 dot loop
// over the same rows, decoded once, measured in the same run (items/s are MACs/s; compare the rows of
// one run). K = 4096 is a GEMM's inner dimension; K = 32 (one H100 block per row) shows the per-row
// cost. sim/bench_report.py prints the ratios.
#include <benchmark/benchmark.h>

#include <bit>
#include <random>
#include <stdexcept>
#include <string>

#include "model/codec.hpp"
#include "model/operation.hpp"

namespace {

using namespace fmalab;

// About 1 MiB of operand words per benchmark at either K, so the rows stay in the L2 cache for the
// model and the binary64 loop alike.
size_t rows_for(int k) { return std::max<size_t>(1, (size_t{1} << 17) / static_cast<size_t>(2 * k + 1)); }

// Rows a0..a(K-1) b0..b(K-1) c of finite e4m3 codes (uniform over the codes: every binade, subnormals
// and zeros of both signs) and an fp32 c near 1.
std::vector<uint64_t> rows(int k) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> v;
  for (size_t r = 0; r < rows_for(k); ++r) {
    for (int i = 0; i < 2 * k; ++i) {
      uint64_t x = rng() & 0xff;
      if ((x & 0x7f) == 0x7f) x &= 0xfe;  // not NaN
      v.push_back(x);
    }
    v.push_back(0x3f800000u | (rng() & 0x7fffff));
  }
  return v;
}

void BM_Dot(benchmark::State& st, const char* preset) {
  const int k = static_cast<int>(st.range(0));
  Options o;
  o.preset = preset;
  std::string why;
  const auto op = make_operation("dot:e4m3:fp32:" + std::to_string(k), o, &why);
  if (!op) throw std::runtime_error(why);
  const auto in = rows(k);
  const size_t n = rows_for(k);
  std::vector<uint64_t> out(n);
  std::vector<uint8_t> flags(n);
  for (auto _ : st) {
    op->eval_batch(in, out, flags);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * n * static_cast<size_t>(k)));
}

// The baseline: the same rows as binary64 values, summed in order (not bit-accurate to any GPU; the
// build's -ffp-contract=off keeps the multiply and add apart, and without -ffast-math the compiler
// keeps the order, so each row is one chain of dependent additions).
void BM_Binary64Loop(benchmark::State& st) {
  const int k = static_cast<int>(st.range(0));
  const auto in = rows(k);
  const size_t n = rows_for(k), stride = static_cast<size_t>(2 * k + 1);
  const Format e4m3 = *parse_format("e4m3");
  std::vector<double> v(in.size());
  for (size_t i = 0; i < in.size(); ++i)
    v[i] = i % stride == stride - 1 ? static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(in[i])))
                                    : to_double(decode(e4m3, in[i]));
  std::vector<double> out(n);
  for (auto _ : st) {
    for (size_t r = 0; r < n; ++r) {
      const double* row = &v[r * stride];
      double s = row[2 * k];
      for (int i = 0; i < k; ++i) s += row[i] * row[k + i];
      out[r] = s;
    }
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * n * static_cast<size_t>(k)));
}

BENCHMARK_CAPTURE(BM_Dot, h100_fp8, "h100")->Arg(4096)->Arg(32)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dot, exact, "exact")->Arg(4096)->Arg(32)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Binary64Loop)->Arg(4096)->Arg(32)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
