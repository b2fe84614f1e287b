// make bench: FMA throughput of the batch API beside the MPFR oracle, measured in the same run,
// and the exhaustive E5M2 sweep (every finite e5m2 triple, 248^3 = 15.25M FMAs).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "model/unit.hpp"
#include "oracle/oracle.hpp"

namespace {

using namespace fmalab;

std::vector<Operands> random_vectors(const Unit& u, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Operands> v(n);
  for (auto& o : v) {
    for (size_t k = 0; k < u.operands.size(); ++k) o.v[k] = rng() & u.operands[k].mask();
    // Addends near 1.0 so the datapath does real alignment work rather than special cases.
    if (u.result.bits == 32) o.v[2] = (o.v[2] & 0x80ffffffu) | 0x3c000000u;
  }
  return v;
}

void BM_ModelBatch(benchmark::State& st, const char* name) {
  std::string err;
  const Unit u = *parse_unit(name, &err);
  const auto in = random_vectors(u, 1 << 16, 42);
  std::vector<Encoded> out(in.size());
  const Evaluator run(u, EvalOptions{});
  for (auto _ : st) {
    run.run_batch(in, out);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * in.size()));
}

// The batch loop's baseline build (SSE2), which hosts without AVX2 run: the same vectors.
void BM_ModelBatchBaseline(benchmark::State& st, const char* in_name, const char* acc_name) {
  std::string err;
  const Unit u = *parse_unit(std::string("fma:") + in_name + ":" + acc_name, &err);
  const auto in = random_vectors(u, 1 << 16, 42);
  std::vector<Encoded> out(in.size());
  const FmaKernel k(*parse_format(in_name), *parse_format(acc_name), fma_config(EvalOptions{}));
  for (auto _ : st) {
    k.run_baseline(in.data()->v.data(), sizeof(Operands) / sizeof(uint64_t), in.size(), out.data());
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * in.size()));
}

void BM_MpfrOracle(benchmark::State& st, const char* in_name, const char* acc_name) {
  std::string err;
  const Unit u = *parse_unit(std::string("fma:") + in_name + ":" + acc_name, &err);
  const auto in = random_vectors(u, 1 << 12, 42);
  oracle::FmaSetup s;
  s.in = oracle::fmt(in_name);
  s.acc = oracle::fmt(acc_name);
  oracle::FmaOracle o(s);
  for (auto _ : st) {
    for (const auto& v : in) benchmark::DoNotOptimize(o(v.v[0], v.v[1], v.v[2]));
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * in.size()));
}

void BM_ExhaustiveE5m2Sweep(benchmark::State& st) {
  std::string err;
  const Unit u = *parse_unit("fma:e5m2:e5m2", &err);
  std::vector<uint64_t> finite;
  for (uint64_t c = 0; c < 256; ++c)
    if ((c & 0x7c) != 0x7c) finite.push_back(c);
  std::vector<Operands> row(finite.size());
  std::vector<Encoded> out(finite.size());
  const Evaluator run(u, EvalOptions{});
  for (auto _ : st) {
    uint64_t sum = 0;
    for (uint64_t a : finite)
      for (uint64_t b : finite) {
        for (size_t i = 0; i < finite.size(); ++i) row[i].v = {a, b, finite[i], 0};
        run.run_batch(row, out);
        for (const auto& r : out) sum += r.bits;
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
