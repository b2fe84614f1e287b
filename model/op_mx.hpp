// The MX block operations (README "MX block formats and NVFP4"):
//   mxq:FMT[:SRC]  quantize one block    v[k] (SRC: fp32, bf16) [, ts]  ->  scale, p[k]
//   mxdq:FMT       dequantize one block  scale, p[k] [, ts]             ->  v[k] (fp32)
//   mxdot:FMT[:K]  block dot product     xa, a[K], xb, b[K], c (fp32)   ->  y (fp32)
// ts, NVFP4's per-tensor fp32 encode scale, is an operand of nvfp4's mxq and mxdq only.
#pragma once

#include <memory>

#include "block_format.hpp"
#include "mx_dot.hpp"
#include "operation.hpp"

namespace fmalab {

class MxQuantizeKernel;  // mx_fast.cpp: the batch path

class MxQuantize final : public Operation {
 public:
  MxQuantize(std::string name, const BlockFormat& b, const Format& src, const Options& o);
  ~MxQuantize() override;
  const BlockFormat& block() const { return b_; }
  const Format& source() const { return src_; }
  uint8_t eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink* trace = nullptr) const override;
  // Blocks through a table of the element conversion (built once, by encode), no allocation per block.
  void eval_batch(std::span<const uint64_t> in, std::span<uint64_t> out, std::span<uint8_t> flags) const override;
  std::vector<std::string> vector_classes() const override;                   // mx_vectors.cpp
  std::unique_ptr<VectorSource> vector_source(uint64_t seed) const override;  // mx_vectors.cpp

 private:
  BlockFormat b_;
  Format src_;
  std::unique_ptr<MxQuantizeKernel> kernel_;
};

class MxDequantize final : public Operation {
 public:
  MxDequantize(std::string name, const BlockFormat& b, const Options& o);
  const BlockFormat& block() const { return b_; }
  uint8_t eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink* trace = nullptr) const override;
  std::vector<std::string> vector_classes() const override;                   // mx_vectors.cpp
  std::unique_ptr<VectorSource> vector_source(uint64_t seed) const override;  // mx_vectors.cpp

 private:
  BlockFormat b_;
};

class MxDotOperation final : public Operation {
 public:
  MxDotOperation(std::string name, const BlockFormat& b, int k, const Options& o);
  const BlockFormat& block() const { return b_; }
  const MxDot& datapath() const { return dot_; }
  uint8_t eval(std::span<const uint64_t> in, std::span<uint64_t> out, TraceSink* trace = nullptr) const override;
  // The RTL mxdot units' stage words (rtl/mx_dot.sv; sim/stage_words.cpp layout "mxdot"): float
  // elements with the exact window; "" otherwise.
  std::string_view stage_layout() const override;
  std::vector<StageValue> stage_values(std::span<const uint64_t> in) const override;
  std::vector<std::string> vector_classes() const override;                   // mx_vectors.cpp
  std::unique_ptr<VectorSource> vector_source(uint64_t seed) const override;  // mx_vectors.cpp

 private:
  BlockFormat b_;
  int k_;
  MxDot dot_;
};

std::unique_ptr<Operation> make_mxq(std::string_view name, std::span<const std::string_view> fields, const Options& o,
                                    std::string* error);
std::unique_ptr<Operation> make_mxdq(std::string_view name, std::span<const std::string_view> fields,
                                     const Options& o, std::string* error);
std::unique_ptr<Operation> make_mxdot(std::string_view name, std::span<const std::string_view> fields,
                                      const Options& o, std::string* error);

}  // namespace fmalab
