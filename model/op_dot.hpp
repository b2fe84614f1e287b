// dot:IN:ACC:K: D = sum_{i<K} a_i*b_i + c through a GPU tensor core's datapath (dot.hpp), the one
// a preset names (--preset h100), or `exact`.
#pragma once

#include "dot.hpp"
#include "operation.hpp"

namespace fmalab {

class DotOperation final : public Operation {
 public:
  DotOperation(std::string name, const Format& in, const Format& out, int k, const DotParams& p, const Options& o);
  const DotParams& params() const { return datapath_.params(); }
  uint8_t eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink* trace = nullptr) const override;
  // Rows straight into the datapath's batch entry (its fast path, dot_fast.cpp), no per-row set-up.
  void eval_batch(std::span<const uint64_t> in, std::span<uint64_t> out, std::span<uint8_t> flags) const override;
  // The RTL dot units' stage words (sim/stage_words.cpp): "dot" for a one-block GPU preset
  // (rtl/dot_block.sv), "dot_exact" for exact (rtl/dot_exact.sv), "" for the others.
  std::string_view stage_layout() const override;
  std::vector<StageValue> stage_values(std::span<const uint64_t> in) const override;
  std::vector<std::string> vector_classes() const override;             // dot_vectors.cpp
  std::unique_ptr<VectorSource> vector_source(uint64_t seed) const override;  // dot_vectors.cpp

 private:
  int k_;
  DotDatapath datapath_;
};

std::unique_ptr<Operation> make_dot(std::string_view name, std::span<const std::string_view> fields, const Options& o,
                                    std::string* error);

}  // namespace fmalab
