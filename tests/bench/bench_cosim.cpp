// make bench: cosimulation throughput, golden model and Verilated RTL together on one core, result
// and flags compared per vector. The vectors are those `fmalab vectors UNIT --seed 1 --round rne`
// writes (every class, cycling), so sim/bench_icarus.py runs Icarus on the first of the same ones.
#include <benchmark/benchmark.h>

#include "sim/cosim.hpp"

namespace {

using namespace fmalab;

constexpr uint64_t kSeed = 1;
constexpr size_t kVectors = size_t{1} << 20;

void BM_Cosim(benchmark::State& st, const char* name, int arch) {
  const rtl::UnitInfo& info = *rtl::find_unit(name);
  auto unit = rtl::make_unit(name, arch);
  Cosim cosim(info, *unit);
  const Operation& op = cosim.model(0);
  const auto vecs = generate_vectors(op, kVectors, kSeed, op.vector_classes(), {0});
  CosimReport rep;
  for (auto _ : st) cosim.run(vecs, rep);
  if (rep.failed) st.SkipWithError("the RTL and the golden model disagree");
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * vecs.size()));
}

BENCHMARK_CAPTURE(BM_Cosim, fma_e4m3_fp32, "fma_e4m3_fp32", 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Cosim, fma_e4m3_fp32_booth4, "fma_e4m3_fp32", 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Cosim, fma_e5m2_fp32, "fma_e5m2_fp32", 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Cosim, fma_e4m3_fx48, "fma_e4m3_fx48", 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Cosim, mac_int8, "mac_int8", 0)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
