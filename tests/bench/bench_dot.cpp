// make bench: dot-product throughput in MACs per second on one core (issue 13): the H100 FP8 preset
// and exact, beside a plain binary64 dot loop over the same rows, decoded once, measured in the
// same run (items/s are MACs/s; compare the rows of one run).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <stdexcept>

#include "model/codec.hpp"
#include "model/operation.hpp"

namespace {

using namespace fmalab;

constexpr int kK = 32;
constexpr size_t kRows = 4096;

// Rows a0..a31 b0..b31 c of finite e4m3 codes and an fp32 c near 1.
std::vector<uint64_t> rows() {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> v;
  for (size_t r = 0; r < kRows; ++r) {
    for (int i = 0; i < 2 * kK; ++i) {
      uint64_t x = rng() & 0xff;
      if ((x & 0x7f) == 0x7f) x &= 0xfe;  // not NaN
      v.push_back(x);
    }
    v.push_back(0x3f800000u | (rng() & 0x7fffff));
  }
  return v;
}

void BM_Dot(benchmark::State& st, const char* preset) {
  Options o;
  o.preset = preset;
  std::string why;
  const auto op = make_operation("dot:e4m3:fp32:32", o, &why);
  if (!op) throw std::runtime_error(why);
  const auto in = rows();
  std::vector<uint64_t> out(kRows);
  std::vector<uint8_t> flags(kRows);
  for (auto _ : st) {
    op->eval_batch(in, out, flags);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * kRows * kK));
}

// The baseline: the same rows as binary64 values, summed in order (not bit-accurate to any GPU).
void BM_Binary64Loop(benchmark::State& st) {
  const auto in = rows();
  const Format e4m3 = *parse_format("e4m3");
  std::vector<double> v(in.size());
  for (size_t i = 0; i < in.size(); ++i)
    v[i] = (i % (2 * kK + 1)) == 2 * kK ? static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(in[i])))
                                        : to_double(decode(e4m3, in[i]));
  std::vector<double> out(kRows);
  for (auto _ : st) {
    for (size_t r = 0; r < kRows; ++r) {
      const double* row = &v[r * (2 * kK + 1)];
      double s = row[2 * kK];
      for (int i = 0; i < kK; ++i) s += row[i] * row[kK + i];
      out[r] = s;
    }
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * kRows * kK));
}

BENCHMARK_CAPTURE(BM_Dot, h100_fp8, "h100")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dot, exact, "exact")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Binary64Loop)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
