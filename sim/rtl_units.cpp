#include "rtl_units.hpp"

#include <verilated.h>

#include <type_traits>

#include "Vfma_e4m3_bf16_a0.h"
#include "Vfma_e4m3_bf16_a1.h"
#include "Vfma_e4m3_fp16_a0.h"
#include "Vfma_e4m3_fp16_a1.h"
#include "Vfma_e4m3_fp32_a0.h"
#include "Vfma_e4m3_fp32_a1.h"
#include "Vfma_e4m3_fx48_a0.h"
#include "Vfma_e4m3_fx48_a1.h"
#include "Vfma_e5m2_fp32_a0.h"
#include "Vfma_e5m2_fp32_a1.h"
#include "Vfault_s2.h"
#include "Vfault_s3.h"
#include "Vfault_s6.h"
#include "Vmac_int8_a0.h"
#include "Vmac_int8_a1.h"

namespace fmalab::rtl {

namespace {

template <class V>
class UnitOf final : public Unit {
 public:
  UnitOf() : model_(&ctx_) {}
  void eval(uint64_t a, uint64_t b, uint64_t c, unsigned rnd) override {
    model_.a = static_cast<std::remove_reference_t<decltype(model_.a)>>(a);
    model_.b = static_cast<std::remove_reference_t<decltype(model_.b)>>(b);
    model_.c = static_cast<std::remove_reference_t<decltype(model_.c)>>(c);
    if constexpr (requires { model_.rnd; }) model_.rnd = static_cast<uint8_t>(rnd);
    model_.eval();
  }
  uint64_t y() const override { return model_.y; }
  uint8_t flags() const override {
    if constexpr (requires { model_.flags; }) return model_.flags;
    return 0;
  }
  StageWords stages() const override {
    StageWords w{};
    for (size_t i = 0; i < w.size(); ++i)
      w[i] = uint64_t{model_.stages[2 * i]} | uint64_t{model_.stages[2 * i + 1]} << 32;
    return w;
  }

 private:
  VerilatedContext ctx_;
  mutable V model_;
};

template <class A0, class A1>
std::unique_ptr<Unit> pick(int arch) {
  if (arch == 0) return std::make_unique<UnitOf<A0>>();
  if (arch == 1) return std::make_unique<UnitOf<A1>>();
  return nullptr;
}

}  // namespace

const std::vector<UnitInfo>& units() {
  static const std::vector<UnitInfo> u = {
      {"mac_int8", "mac:int8", false},
      {"fma_e4m3_fp32", "fma:e4m3:fp32", true},
      {"fma_e5m2_fp32", "fma:e5m2:fp32", true},
      {"fma_e4m3_fp16", "fma:e4m3:fp16", true},
      {"fma_e4m3_bf16", "fma:e4m3:bf16", true},
      {"fma_e4m3_fx48", "fma:e4m3:fx48_18", false},
  };
  return u;
}

const UnitInfo* find_unit(const std::string& name) {
  for (const auto& u : units())
    if (u.name == name) return &u;
  return nullptr;
}

std::unique_ptr<Unit> make_unit(const std::string& name, int arch) {
  if (name == "mac_int8") return pick<Vmac_int8_a0, Vmac_int8_a1>(arch);
  if (name == "fma_e4m3_fp32") return pick<Vfma_e4m3_fp32_a0, Vfma_e4m3_fp32_a1>(arch);
  if (name == "fma_e5m2_fp32") return pick<Vfma_e5m2_fp32_a0, Vfma_e5m2_fp32_a1>(arch);
  if (name == "fma_e4m3_fp16") return pick<Vfma_e4m3_fp16_a0, Vfma_e4m3_fp16_a1>(arch);
  if (name == "fma_e4m3_bf16") return pick<Vfma_e4m3_bf16_a0, Vfma_e4m3_bf16_a1>(arch);
  if (name == "fma_e4m3_fx48") return pick<Vfma_e4m3_fx48_a0, Vfma_e4m3_fx48_a1>(arch);
  return nullptr;
}

// fma_e4m3_bf16 with one bit flipped in the multiply, align or round stage (see CMakeLists).
std::unique_ptr<Unit> make_faulty_unit(int stage) {
  if (stage == 2) return std::make_unique<UnitOf<Vfault_s2>>();
  if (stage == 3) return std::make_unique<UnitOf<Vfault_s3>>();
  if (stage == 6) return std::make_unique<UnitOf<Vfault_s6>>();
  return nullptr;
}

}  // namespace fmalab::rtl
