// make bench: FMA throughput of the batch API beside the MPFR oracle, measured in the same run,
// and the exhaustive E5M2 sweep (every finite e5m2 triple, 248^3 = 15.25M FMAs).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <stdexcept>

#include "model/op_fma.hpp"
#include "oracle/oracle.hpp"

namespace {

using namespace fmalab;

std::unique_ptr<Operation> need(const std::string& name) {
  std::string err;
  auto op = make_operation(name, Options{}, &err);
  if (!op) throw std::runtime_error(err);
  return op;
}

// Operand words a b c per vector.
std::vector<uint64_t> random_vectors(const FmaShape& u, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> v(3 * n);
  for (size_t i = 0; i < n; ++i) {
    v[3 * i] = rng() & u.in.mask();
    v[3 * i + 1] = rng() & u.in.mask();
    v[3 * i + 2] = rng() & u.acc.mask();
    // Addends near 1.0 so the datapath does real alignment work rather than special cases.
    if (u.acc.bits == 32) v[3 * i + 2] = (v[3 * i + 2] & 0x80ffffffu) | 0x3c000000u;
  }
  return v;
}

void BM_ModelBatch(benchmark::State& st, const char* name) {
  const auto op = need(name);
  const auto in = random_vectors(as_fma(*op)->shape(), 1 << 16, 42);
  std::vector<uint64_t> out(in.size() / 3);
  std::vector<uint8_t> flags(out.size());
  for (auto _ : st) {
    op->eval_batch(in, out, flags);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * out.size()));
}

// The batch loop's baseline build (SSE2), which hosts without AVX2 run: the same vectors.
void BM_ModelBatchBaseline(benchmark::State& st, const char* in_name, const char* acc_name) {
  const auto op = need(std::string("fma:") + in_name + ":" + acc_name);
  const auto in = random_vectors(as_fma(*op)->shape(), 1 << 16, 42);
  std::vector<Encoded> out(in.size() / 3);
  const FmaKernel& k = as_fma(*op)->kernel();
  for (auto _ : st) {
    k.run_baseline(in.data(), 3, out.size(), out.data());
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * out.size()));
}

void BM_MpfrOracle(benchmark::State& st, const char* in_name, const char* acc_name) {
  const auto op = need(std::string("fma:") + in_name + ":" + acc_name);
  const auto in = random_vectors(as_fma(*op)->shape(), 1 << 12, 42);
  oracle::FmaSetup s;
  s.in = oracle::fmt(in_name);
  s.acc = oracle::fmt(acc_name);
  oracle::FmaOracle o(s);
  for (auto _ : st) {
    for (size_t i = 0; i < in.size(); i += 3) benchmark::DoNotOptimize(o(in[i], in[i + 1], in[i + 2]));
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * in.size() / 3));
}

void BM_ExhaustiveE5m2Sweep(benchmark::State& st) {
  const auto op = need("fma:e5m2:e5m2");
  std::vector<uint64_t> finite;
  for (uint64_t c = 0; c < 256; ++c)
    if ((c & 0x7c) != 0x7c) finite.push_back(c);
  std::vector<uint64_t> row(3 * finite.size()), out(finite.size());
  std::vector<uint8_t> flags(finite.size());
  for (auto _ : st) {
    uint64_t sum = 0;
    for (uint64_t a : finite)
      for (uint64_t b : finite) {
        for (size_t i = 0; i < finite.size(); ++i) row[3 * i] = a, row[3 * i + 1] = b, row[3 * i + 2] = finite[i];
        op->eval_batch(row, out, flags);
        for (uint64_t r : out) sum += r;
      }
    benchmark::DoNotOptimize(sum);
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * finite.size() * finite.size() * finite.size()));
  st.counters["triples"] = static_cast<double>(finite.size() * finite.size() * finite.size());
}

BENCHMARK_CAPTURE(BM_ModelBatch, fma_e4m3_fp32, "fma:e4m3:fp32");
BENCHMARK_CAPTURE(BM_ModelBatch, fma_e5m2_fp32, "fma:e5m2:fp32");
BENCHMARK_CAPTURE(BM_ModelBatchBaseline, fma_e4m3_fp32, "e4m3", "fp32");
BENCHMARK_CAPTURE(BM_ModelBatchBaseline, fma_e5m2_fp32, "e5m2", "fp32");
BENCHMARK_CAPTURE(BM_MpfrOracle, fma_e4m3_fp32, "e4m3", "fp32");
BENCHMARK_CAPTURE(BM_MpfrOracle, fma_e5m2_fp32, "e5m2", "fp32");
BENCHMARK(BM_ExhaustiveE5m2Sweep)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
