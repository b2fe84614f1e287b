// fma:IN:ACC and mac:int8: a*b + c rounded once, through the staged datapath (fma.hpp) and its
// batch kernel (fma_kernel.hpp).
#pragma once

#include "fma_kernel.hpp"
#include "operation.hpp"

namespace fmalab {

// The formats of an FMA-family unit: what the vector classes, the operand streams and the
// cosimulation work from.
struct FmaShape {
  Format in, acc;
};

class FmaOperation final : public Operation {
 public:
  FmaOperation(std::string name, const FmaShape& shape, const Options& o);
  const FmaShape& shape() const { return shape_; }
  const FmaKernel& kernel() const { return kernel_; }

  uint8_t eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink* trace = nullptr) const override;
  void eval_batch(std::span<const uint64_t> in, std::span<uint64_t> out, std::span<uint8_t> flags) const override;
  std::vector<std::string> vector_classes() const override;             // fma_vectors.cpp
  std::unique_ptr<VectorSource> vector_source(uint64_t seed) const override;  // fma_vectors.cpp
  std::string_view stage_layout() const override { return "fma"; }
  std::vector<StageValue> stage_values(std::span<const uint64_t> in) const override;

 private:
  FmaShape shape_;
  FmaKernel kernel_;
};

// The FMA view of an operation, or nullptr for other kinds.
const FmaOperation* as_fma(const Operation& op);

// The trace lines of one FMA's stages, as `eval --trace` prints them.
void trace_fma(const FmaStages& s, TraceSink& t);

std::unique_ptr<Operation> make_fma(std::string_view name, std::span<const std::string_view> fields, const Options& o,
                                    std::string* error);
std::unique_ptr<Operation> make_mac(std::string_view name, std::span<const std::string_view> fields, const Options& o,
                                    std::string* error);

}  // namespace fmalab
