// make bench: MX quantization throughput in elements per second on one core (issue 14): mxq through
// the batch API (eval_batch: a block's scale from its largest magnitude code, each element through
// a table of encode's results) and through its kernel on fp32 words, beside a plain fp32 loop that
// computes each block's max-abs and scales the same data, in the same run. sim/bench_report.py --mx
// prints the ratios (target: within 3x of the plain loop).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>

#include "model/mx_fast.hpp"
#include "model/operation.hpp"

namespace {

using namespace fmalab;

constexpr size_t kBlocks = 4096;
constexpr uint64_t kOne = 0x3f800000;  // NVFP4's S_enc = 1 (the MX formats ignore it)  // 131072 fp32 values: 512 KiB as floats, in the L2 cache

// Gaussian activations, one in 1000 scaled by 100 (the outliers stream of fmalab stream).
std::vector<float> values(size_t n) {
  std::mt19937_64 rng(7);
  std::normal_distribution<float> g;
  std::vector<float> v(n);
  for (auto& x : v) x = g(rng) * ((rng() % 1000) == 0 ? 100.0f : 1.0f);
  return v;
}

std::vector<uint32_t> words32(const std::vector<float>& v) {
  std::vector<uint32_t> w(v.size());
  std::memcpy(w.data(), v.data(), v.size() * 4);
  return w;
}

std::unique_ptr<Operation> make(const std::string& name) {
  std::string why;
  auto op = make_operation(name, Options{}, &why);
  if (!op) throw std::runtime_error(why);
  return op;
}

// mxq:FMT through eval_batch: rows of k fp32 codes (in 64-bit words, the batch API's) [+ ts].
void BM_MxqBatch(benchmark::State& st, const char* fmt) {
  const auto op = make(std::string("mxq:") + fmt);
  const size_t k = static_cast<size_t>(op->signature().operands[0].count);
  const size_t ni = op->signature().operand_words(), no = op->signature().result_words();
  const size_t blocks = kBlocks * 32 / k;
  const auto v = words32(values(blocks * k));
  std::vector<uint64_t> in(blocks * ni);
  for (size_t b = 0; b < blocks; ++b) {
    std::copy(v.begin() + static_cast<long>(b * k), v.begin() + static_cast<long>((b + 1) * k), in.begin() + static_cast<long>(b * ni));
    if (ni > k) in[b * ni + k] = kOne;
  }
  std::vector<uint64_t> out(blocks * no);
  std::vector<uint8_t> flags(blocks);
  for (auto _ : st) {
    op->eval_batch(in, out, flags);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * blocks * k));
}

// The MX kernel straight on fp32 words, codes into 64-bit words; `baseline` runs its SSE2 build
// (what a host without AVX2 runs).
void BM_MxqKernel(benchmark::State& st, const char* fmt, bool baseline) {
  std::string why;
  const auto b = parse_block_format(fmt, &why);
  const MxQuantizeKernel kernel(*b, *parse_format("fp32"), Options{});
  const size_t k = static_cast<size_t>(b->k), blocks = kBlocks * 32 / k;
  const auto v = words32(values(blocks * k));
  std::vector<uint64_t> scales(blocks), codes(blocks * k);
  for (auto _ : st) {
    uint8_t f = 0;
    for (size_t i = 0; i < blocks; ++i)
      f |= baseline ? kernel.run_baseline(v.data() + i * k, kOne, &scales[i], codes.data() + i * k)
                    : kernel.run(v.data() + i * k, kOne, &scales[i], codes.data() + i * k);
    benchmark::DoNotOptimize(f);
    benchmark::DoNotOptimize(codes.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * blocks * k));
}

// The baseline: per block of 32, max |x|, then x / (amax / 448) in fp32 (no rounding into a format,
// no flags, no special cases): what a plain quantization loop computes. Compiled for the baseline
// ISA (as the build compiles everything) and, like the kernel, for AVX2.
inline void plain_loop(const float* v, float* out, size_t blocks) {
  constexpr size_t k = 32;
  for (size_t i = 0; i < blocks; ++i) {
    const float* x = v + i * k;
    float amax = 0;
    for (size_t j = 0; j < k; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float inv = amax > 0 ? 448.0f / amax : 1.0f;
    for (size_t j = 0; j < k; ++j) out[i * k + j] = x[j] * inv;
  }
}
[[gnu::noinline]] void plain_baseline(const float* v, float* out, size_t blocks) { plain_loop(v, out, blocks); }
[[gnu::noinline, gnu::target("avx2"), gnu::flatten]] void plain_avx2(const float* v, float* out, size_t blocks) {
  plain_loop(v, out, blocks);
}

void BM_PlainFp32Loop(benchmark::State& st, bool avx2) {
  const size_t k = 32, blocks = kBlocks;
  const auto v = values(blocks * k);
  std::vector<float> out(v.size());
  if (avx2 && !__builtin_cpu_supports("avx2")) {
    st.SkipWithError("the host has no AVX2");
    return;
  }
  for (auto _ : st) {
    if (avx2) plain_avx2(v.data(), out.data(), blocks);
    else plain_baseline(v.data(), out.data(), blocks);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * blocks * k));
}

}  // namespace

BENCHMARK_CAPTURE(BM_MxqBatch, mxfp8_e4m3, "mxfp8_e4m3");
BENCHMARK_CAPTURE(BM_MxqBatch, mxfp4_e2m1, "mxfp4_e2m1");
BENCHMARK_CAPTURE(BM_MxqBatch, mxint8, "mxint8");
BENCHMARK_CAPTURE(BM_MxqBatch, nvfp4, "nvfp4");
BENCHMARK_CAPTURE(BM_MxqKernel, mxfp8_e4m3, "mxfp8_e4m3", false);
BENCHMARK_CAPTURE(BM_MxqKernel, mxfp8_e4m3_baseline, "mxfp8_e4m3", true);
BENCHMARK_CAPTURE(BM_PlainFp32Loop, baseline, false);
BENCHMARK_CAPTURE(BM_PlainFp32Loop, avx2, true);

BENCHMARK_MAIN();
