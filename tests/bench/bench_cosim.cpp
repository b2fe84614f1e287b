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

// The Verilated RTL alone on the same vectors (inputs driven, outputs read, nothing compared): the
// ceiling the cosimulation's rate is measured against (bench_report.py prints the ratio).
void BM_RtlAlone(benchmark::State& st, const char* name, int arch) {
  const rtl::UnitInfo& info = *rtl::find_unit(name);
  auto unit = rtl::make_unit(name, arch);
  const UnitBinding binding(info);
  const auto vecs = generate_vectors(binding.model(0), kVectors, kSeed, binding.model(0).vector_classes(), {0});
  std::vector<uint64_t> in(info.in_words()), out(info.out_words());
  uint64_t sum = 0;
  for (auto _ : st)
    for (size_t v = 0; v < vecs.size(); ++v) {
      binding.inputs(vecs.row(v), binding.mode_of(vecs.frm[v]), in);
      unit->eval(in);
      unit->read(out);
      sum += out[0];
    }
  benchmark::DoNotOptimize(sum);
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * vecs.size()));
}

BENCHMARK_CAPTURE(BM_RtlAlone, fma_e4m3_fp32, "fma_e4m3_fp32", 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Cosim, fma_e4m3_fp32, "fma_e4m3_fp32", 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Cosim, fma_e4m3_fp32_booth4, "fma_e4m3_fp32", 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Cosim, fma_e5m2_fp32, "fma_e5m2_fp32", 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Cosim, fma_e4m3_fx48, "fma_e4m3_fx48", 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Cosim, mac_int8, "mac_int8", 0)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
