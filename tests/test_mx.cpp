// MX block formats and NVFP4 (README "MX block formats and NVFP4"): the golden model's mxq, mxdq and
// mxdot on blocks whose results are worked out by hand in the comments (OCP MX v1.0, NVIDIA's NVFP4
// recipe), the rules and options, refusals, and the batch path against the one-block path.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "model/block_format.hpp"
#include "model/mx_fast.hpp"
#include "model/mx_quantize.hpp"
#include "model/operation.hpp"
#include "test_support.hpp"

namespace fmalab {
namespace {

uint64_t f32(float x) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  return b;
}

std::unique_ptr<Operation> op(const std::string& name, const Options& o = {}) {
  std::string error;
  auto p = make_operation(name, o, &error);
  EXPECT_TRUE(p) << name << ": " << error;
  return p;
}

std::string refusal(const std::string& name, const Options& o = {}) {
  std::string error;
  auto p = make_operation(name, o, &error);
  EXPECT_FALSE(p) << name;
  return error;
}

struct Result {
  std::vector<uint64_t> words;
  uint8_t flags;
};

// One vector through eval, and through eval_batch (the fast path), which must agree.
Result run(const Operation& o, const std::vector<uint64_t>& in) {
  EXPECT_EQ(in.size(), o.signature().operand_words()) << o.name();
  Result r{std::vector<uint64_t>(o.signature().result_words()), 0};
  r.flags = o.eval(in, r.words);
  std::vector<uint64_t> batch(r.words.size());
  uint8_t f = 0;
  o.eval_batch(in, batch, std::span<uint8_t>(&f, 1));
  EXPECT_EQ(batch, r.words) << o.name();
  EXPECT_EQ(f, r.flags) << o.name();
  return r;
}

// A block of k fp32 values: the given ones first, then +0.
std::vector<uint64_t> block(int k, std::initializer_list<float> first) {
  std::vector<uint64_t> v(static_cast<size_t>(k), 0);
  size_t i = 0;
  for (float x : first) v[i++] = f32(x);
  return v;
}

Options with_rule(ScaleRule r) {
  Options o;
  o.rule = r;
  return o;
}

TEST(MxFormat, NamedAndGeneric) {
  std::string e;
  const auto b = parse_block_format("mxfp8_e4m3", &e);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->k, 32);
  EXPECT_EQ(b->emax_elem, 8);      // 448 = 1.75 * 2^8
  EXPECT_EQ(b->scale.name, "e8m0");
  EXPECT_EQ(b->e_min, -127);
  EXPECT_EQ(b->e_max, 127);
  const int emax[] = {8, 15, 4, 2, 2, 0, 2};
  for (size_t i = 0; i < named_block_formats().size(); ++i)
    EXPECT_EQ(parse_block_format(named_block_formats()[i], &e)->emax_elem, emax[i]) << named_block_formats()[i];
  const auto i8 = parse_block_format("mxint8", &e);
  EXPECT_EQ(i8->element.name, "fx8_6");
  EXPECT_EQ(i8->max_sig, 127u);
  EXPECT_EQ(i8->max_lsb, -6);
  const auto nv = parse_block_format("nvfp4", &e);
  EXPECT_EQ(nv->k, 16);
  EXPECT_TRUE(nv->nvfp4());
  EXPECT_EQ(nv->e_min, -9);  // e4m3's smallest power of two, a subnormal
  EXPECT_EQ(nv->e_max, 8);
  const auto g = parse_block_format("mx:e2m1:16:e8m0", &e);
  ASSERT_TRUE(g) << e;
  EXPECT_EQ(g->k, 16);
  EXPECT_FALSE(g->nvfp4());
}

TEST(MxFormat, RefusesUnknownFormatsWrongKAndOptionsAnOpDoesNotRead) {
  EXPECT_NE(refusal("mxq:mxfp9").find("unknown block format 'mxfp9'"), std::string::npos);
  EXPECT_NE(refusal("mxq:mx:e4m3:65:e8m0").find("K takes a whole number from 1 to 64"), std::string::npos);
  EXPECT_NE(refusal("mxq:mx:fp32:32:e8m0").find("element"), std::string::npos);
  EXPECT_NE(refusal("mxq:mx:e4m3:32:fp16").find("scale takes e8m0 or e4m3"), std::string::npos);
  EXPECT_NE(refusal("mxq:mx:e4m3:32").find("mx:ELEM:K:SCALE"), std::string::npos);
  EXPECT_NE(refusal("mxq:mxfp8_e4m3:fp16").find("SRC fp32 or bf16"), std::string::npos);
  EXPECT_NE(refusal("mxdot:mxfp8_e4m3:33").find("from 1 to the block size 32"), std::string::npos);
  EXPECT_NE(refusal("mxdot:nvfp4:17").find("block size 16"), std::string::npos);
  EXPECT_NE(refusal("mxdot:mxfp8_e4m3:0").find("K takes"), std::string::npos);
  EXPECT_NE(refusal("mxdq:mxfp8_e4m3:8").find("mxdq:FMT"), std::string::npos);
  Options o;
  o.rule = ScaleRule::Ceil;
  EXPECT_NE(refusal("mxq:nvfp4", o).find("takes no --rule"), std::string::npos);
  EXPECT_NE(refusal("mxdot:mxfp8_e4m3", o).find("takes no --rule"), std::string::npos);
  EXPECT_NE(refusal("mxdq:mxfp8_e4m3", o).find("takes no --rule"), std::string::npos);
  EXPECT_NE(refusal("fma:e4m3:fp32", o).find("takes no --rule (options of the MX quantizer"), std::string::npos);
  EXPECT_NE(refusal("cvt:fp32:e4m3", o).find("takes no --rule"), std::string::npos);
  EXPECT_NE(refusal("dot:e4m3:fp32:32", o).find("takes no --rule"), std::string::npos);
  EXPECT_NE(refusal("mac:int8", o).find("takes no --rule"), std::string::npos);
  o = {};
  o.clamp = false;
  EXPECT_NE(refusal("fma:e4m3:fp32", o).find("--no-clamp"), std::string::npos);
  EXPECT_NE(refusal("mxdot:mxfp8_e4m3", o).find("takes no --no-clamp"), std::string::npos);
  o = {};
  o.mode = Round::RTZ;
  EXPECT_NE(refusal("mxdq:mxfp8_e4m3", o).find("takes no --round"), std::string::npos);
  o = {};
  o.window = 20;
  EXPECT_NE(refusal("mxq:mxfp8_e4m3", o).find("takes no --window"), std::string::npos);
  EXPECT_TRUE(op("mxdot:mxfp8_e4m3", o));  // mxdot reads --window
  o = {};
  o.saturate = true;
  EXPECT_NE(refusal("mxq:mxfp8_e4m3", o).find("takes no --sat"), std::string::npos);
  o = {};
  o.mode = Round::SR;
  EXPECT_NE(refusal("mxq:mxfp8_e4m3", o).find("stochastic"), std::string::npos);
  EXPECT_NE(refusal("mxdot:mxfp4_e2m1", o).find("stochastic"), std::string::npos);
}

TEST(MxFormat, OperandAndResultLayout) {
  const auto q = op("mxq:nvfp4");
  const auto f = q->signature().fields();
  ASSERT_EQ(f.size(), 16u + 1 + 1 + 16 + 1);
  EXPECT_EQ(f[0].name, "v0");
  EXPECT_EQ(f[16].name, "ts");
  EXPECT_EQ(f[17].name, "scale");
  EXPECT_EQ(f[18].name, "p0");
  EXPECT_EQ(f[18].bits, 4);
  const auto d = op("mxdot:mxfp8_e4m3:8");
  std::string names;
  for (const auto& x : d->signature().fields()) names += x.name + " ";
  EXPECT_EQ(names, "xa a0 a1 a2 a3 a4 a5 a6 a7 xb b0 b1 b2 b3 b4 b5 b6 b7 c y flags ");
  std::string dq;
  for (const auto& x : op("mxdq:mx:e2m1:2:e8m0")->signature().fields()) dq += x.name + " ";
  EXPECT_EQ(dq, "scale p0 p1 v0 v1 flags ");
  EXPECT_EQ(op("mxq:mxfp4_e2m1:bf16")->signature().operands[0].format.name, "bf16");
}

// OCP MX v1.0: X = 2^(floor(log2 amax) - emax_elem), P_i = v_i / X.
TEST(Mxq, OcpExampleE4m3) {
  // amax 1.0: E = 0 - 8 = -8, scale code 127 - 8 = 119 = 0x77. 1.0 / 2^-8 = 256 = 1.0 * 2^8: exponent
  // field 8 + 7 = 15 -> 0 1111 000 = 0x78; 0.5 -> 128 -> 0 1110 000 = 0x70; -0.75 -> -192 = -1.5 * 2^7
  // -> 1 1110 100 = 0xf4. No rounding: no flags.
  const auto q = op("mxq:mxfp8_e4m3");
  const Result r = run(*q, block(32, {1.0f, 0.5f, -0.75f}));
  EXPECT_EQ(r.words[0], 0x77u);
  EXPECT_EQ(r.words[1], 0x78u);
  EXPECT_EQ(r.words[2], 0x70u);
  EXPECT_EQ(r.words[3], 0xf4u);
  EXPECT_EQ(r.words[4], 0x00u);
  EXPECT_EQ(r.flags, 0);
}

// The rules on mxfp4_e2m1 (max 6 = 1.5 * 2^2, emax_elem 2).
TEST(Mxq, RulesOnE2m1) {
  // amax 7.5 (just below the power of two 8):
  //   ocp:  floor(log2 7.5) - 2 = 0 -> scale 127 = 0x7f; 7.5 > 6 clamps to 6 (0 11 1 = 0x7, OF NX);
  //         3.0 = 1.5 * 2 -> 0 10 1 = 0x5; -1.25 is halfway between 1.0 (0x2) and 1.5 (0x3) -> even -> 0xa.
  //   ceil: smallest E with 7.5 <= 6 * 2^E is 1 -> 0x80; 3.75 -> 4 (0 11 0 = 0x6: halfway is 3.5);
  //         1.5 -> 0x3; -0.625 -> -0.5 (halfway is 0.75) = 0x9; 0.5/2 = 0.25, halfway 0 / 0.5 -> even 0.
  //   even: log2(7.5 / 6) = 0.32 -> 0: as ocp.
  const auto v = block(32, {7.5f, 3.0f, -1.25f, 0.5f});
  const Result o = run(*op("mxq:mxfp4_e2m1"), v);
  EXPECT_EQ((std::vector<uint64_t>(o.words.begin(), o.words.begin() + 5)), (std::vector<uint64_t>{0x7f, 0x7, 0x5, 0xa, 0x1}));
  EXPECT_EQ(o.flags, flag::OF | flag::NX);
  const Result c = run(*op("mxq:mxfp4_e2m1", with_rule(ScaleRule::Ceil)), v);
  EXPECT_EQ((std::vector<uint64_t>(c.words.begin(), c.words.begin() + 5)), (std::vector<uint64_t>{0x80, 0x6, 0x3, 0x9, 0x0}));
  EXPECT_EQ(c.flags, flag::NX | flag::UF);  // 0.25 -> 0 is tiny and inexact
  EXPECT_EQ(run(*op("mxq:mxfp4_e2m1", with_rule(ScaleRule::Even)), v).words[0], 0x7fu);
  // amax 4.1 (just above the power of two 4): ocp 2 - 2 = 0; ceil: 4.1 <= 6 -> 0; even: log2(4.1 / 6)
  // = -0.55 -> -1 (0x7e). Just above a power of two, ocp and ceil agree; they part in (6, 8) * 2^n.
  const auto w = block(32, {4.1f});
  EXPECT_EQ(run(*op("mxq:mxfp4_e2m1"), w).words[0], 0x7fu);
  EXPECT_EQ(run(*op("mxq:mxfp4_e2m1", with_rule(ScaleRule::Ceil)), w).words[0], 0x7fu);
  EXPECT_EQ(run(*op("mxq:mxfp4_e2m1", with_rule(ScaleRule::Even)), w).words[0], 0x7eu);
  // even's threshold is 6 * sqrt(2) = 8.485...: 8.48 -> 0, 8.49 -> 1.
  EXPECT_EQ(run(*op("mxq:mxfp4_e2m1", with_rule(ScaleRule::Even)), block(32, {8.48f})).words[0], 0x7fu);
  EXPECT_EQ(run(*op("mxq:mxfp4_e2m1", with_rule(ScaleRule::Even)), block(32, {8.49f})).words[0], 0x80u);
  // ceil at the edge: amax exactly 6 * 2^3 = 48 -> E = 3; one fp32 ulp above -> 4.
  EXPECT_EQ(run(*op("mxq:mxfp4_e2m1", with_rule(ScaleRule::Ceil)), block(32, {48.0f})).words[0], 130u);
  EXPECT_EQ(run(*op("mxq:mxfp4_e2m1", with_rule(ScaleRule::Ceil)), block(32, {std::nextafter(48.0f, 99.0f)})).words[0], 131u);
}

TEST(Mxq, Mxint8NeverMinus128) {
  // amax 1.999: E = floor(log2 1.999) - 0 = 0; -1.999 * 64 = -127.94 rounds to -128, which is clamped
  // to -127 (0x81) with OF NX. 1.5 * 64 = 96 = 0x60.
  const Result r = run(*op("mxq:mxint8"), block(32, {-1.999f, 1.5f}));
  EXPECT_EQ(r.words[0], 127u);
  EXPECT_EQ(r.words[1], 0x81u);
  EXPECT_EQ(r.words[2], 0x60u);
  EXPECT_EQ(r.flags, flag::OF | flag::NX);
  // -1.99 * 64 = -127.36: -127 to nearest, -128 -> -127 rounding down.
  Options rdn;
  rdn.mode = Round::RDN;
  EXPECT_EQ(run(*op("mxq:mxint8"), block(32, {-1.99f})).words[1], 0x81u);
  EXPECT_EQ(run(*op("mxq:mxint8", rdn), block(32, {-1.99f})).words[1], 0x81u);
  // ceil: 1.99 > 127/64 = 1.984 -> E = 1: 1.99 / 2 * 64 = 63.68 -> 64 = 0x40.
  const Result c = run(*op("mxq:mxint8", with_rule(ScaleRule::Ceil)), block(32, {1.99f}));
  EXPECT_EQ(c.words[0], 128u);
  EXPECT_EQ(c.words[1], 0x40u);
  // Every code over random blocks: never 0x80.
  const auto q = op("mxq:mxint8");
  auto src = q->vector_source(3);
  std::vector<uint64_t> in(32), out(33);
  for (const auto& cls : q->vector_classes())
    for (int n = 0; n < 200; ++n) {
      src->make(cls, 0, in);
      q->eval(in, out);
      for (int i = 1; i <= 32; ++i) EXPECT_NE(out[static_cast<size_t>(i)], 0x80u) << cls;
    }
}

TEST(Mxq, TiesRneAndRmm) {
  // amax 1.0 -> X = 2^-8. 0.53125 / X = 136, halfway between 128 (0 1110 000) and 144 (0 1110 001):
  // rne keeps the even 0x70, rmm (microxcaling's default) goes away from zero to 0x71; rtz 0x70, rup 0x71.
  const auto v = block(32, {1.0f, 0.53125f, -0.53125f});
  Options o;
  const Result rne = run(*op("mxq:mxfp8_e4m3", o), v);
  EXPECT_EQ(rne.words[2], 0x70u);
  EXPECT_EQ(rne.words[3], 0xf0u);
  EXPECT_EQ(rne.flags, flag::NX);
  o.mode = Round::RMM;
  const Result rmm = run(*op("mxq:mxfp8_e4m3", o), v);
  EXPECT_EQ(rmm.words[2], 0x71u);
  EXPECT_EQ(rmm.words[3], 0xf1u);
  o.mode = Round::RUP;
  EXPECT_EQ(run(*op("mxq:mxfp8_e4m3", o), v).words[3], 0xf0u);  // -136 rounds up to -128
}

TEST(Mxq, ClampOnAndOff) {
  // amax 1.9375: E = 0 - 8; 1.9375 * 256 = 496, halfway between 480 and 512 -> even 512, beyond 448:
  // clamp gives 448 (0x7e), no clamp e4m3's NaN (0x7f); OF NX either way.
  Options off;
  off.clamp = false;
  const auto v = block(32, {1.9375f});
  const Result on = run(*op("mxq:mxfp8_e4m3"), v);
  EXPECT_EQ(on.words[1], 0x7eu);
  EXPECT_EQ(on.flags, flag::OF | flag::NX);
  const Result nan = run(*op("mxq:mxfp8_e4m3", off), v);
  EXPECT_EQ(nan.words[1], 0x7fu);
  EXPECT_EQ(nan.flags, flag::OF | flag::NX);
  // e5m2: E = 0 - 15; 1.9375 * 2^15 = 63488 -> 65536 > 57344: clamp 0x7b, no clamp Inf 0x7c; negative 0xfc.
  EXPECT_EQ(run(*op("mxq:mxfp8_e5m2"), v).words[1], 0x7bu);
  EXPECT_EQ(run(*op("mxq:mxfp8_e5m2", off), v).words[1], 0x7cu);
  EXPECT_EQ(run(*op("mxq:mxfp8_e5m2", off), block(32, {-1.9375f})).words[1], 0xfcu);
  // 1.8 * 256 = 460.8 rounds to 448 itself: no clamp, NX only.
  EXPECT_EQ(run(*op("mxq:mxfp8_e4m3", off), block(32, {1.8f})).flags, flag::NX);
  // FP4 has neither Inf nor NaN: it saturates either way (7.5 -> 6).
  EXPECT_EQ(run(*op("mxq:mxfp4_e2m1", off), block(32, {7.5f})).words[1], 0x7u);
}

TEST(Mxq, InfAndNanMakeTheWholeBlockNaN) {
  for (uint64_t special : {uint64_t{0x7fc00000}, uint64_t{0x7f800000}, uint64_t{0xff800000}, uint64_t{0x7f800001}}) {
    auto v = block(32, {1.0f, 2.0f});
    v[5] = special;
    const Result r = run(*op("mxq:mxfp8_e4m3"), v);
    EXPECT_EQ(r.words[0], 0xffu);
    for (size_t i = 1; i <= 32; ++i) EXPECT_EQ(r.words[i], 0u);
    EXPECT_EQ(r.flags, flag::NV);
    auto nv = block(16, {1.0f});
    nv[3] = special;
    nv.push_back(f32(1.0f));
    const Result n = run(*op("mxq:nvfp4"), nv);
    EXPECT_EQ(n.words[0], 0x7fu);  // e4m3's NaN
    EXPECT_EQ(n.flags, flag::NV);
  }
}

TEST(Mxq, ZerosSubnormalsAndRange) {
  // All zeros: E = -127 (code 0, microxcaling's); -0 stays -0 where the element has one.
  auto z = block(32, {});
  z[1] = 0x80000000;
  const Result r = run(*op("mxq:mxfp8_e4m3"), z);
  EXPECT_EQ(r.words[0], 0u);
  EXPECT_EQ(r.words[2], 0x80u);
  EXPECT_EQ(run(*op("mxq:mxint8"), z).words[2], 0u);  // int8 has no -0
  // amax = 2^-130 (an fp32 subnormal): E = -130 - 8 clamps to -127, so v / 2^-127 = 2^-3 = 0 0100 000.
  const Result s = run(*op("mxq:mxfp8_e4m3"), std::vector<uint64_t>(32, 0x00080000));
  EXPECT_EQ(s.words[0], 0u);
  EXPECT_EQ(s.words[1], 0x20u);
  // A block value 2^-20 below the amax 1.0 falls below e4m3's subnormals (2^-9 * 2^-8): +0, UF NX.
  const Result u = run(*op("mxq:mxfp8_e4m3"), block(32, {1.0f, 0x1p-20f}));
  EXPECT_EQ(u.words[2], 0u);
  EXPECT_EQ(u.flags, flag::UF | flag::NX);
}

// NVIDIA's recipe, every step an fp32 operation to nearest even.
TEST(Mxq, Nvfp4Recipe) {
  // S_enc = 1, amax 3: s = 3 / 6 * 1 = 0.5 -> e4m3 0 0110 000 = 0x30; r = 1 / 0.5 = 2;
  // 3 * 2 = 6 -> 0x7; -1.5 * 2 = -3 -> 1 10 1 = 0xd; 0.75 * 2 = 1.5 -> 0x3.
  auto v = block(16, {3.0f, -1.5f, 0.75f});
  v.push_back(f32(1.0f));
  const Result r = run(*op("mxq:nvfp4"), v);
  EXPECT_EQ(r.words[0], 0x30u);
  EXPECT_EQ(r.words[1], 0x7u);
  EXPECT_EQ(r.words[2], 0xdu);
  EXPECT_EQ(r.words[3], 0x3u);
  EXPECT_EQ(r.flags, 0);
  // amax_tensor 12: S_enc = 2688 / 12 = 224. s = 0.5 * 224 = 112 = 1.75 * 2^6 -> 0 1101 110 = 0x6e;
  // r = 224 / 112 = 2: the same elements. Dequantized: (6 * 112) / 224 = 3.
  v[16] = f32(224.0f);
  const Result t = run(*op("mxq:nvfp4"), v);
  EXPECT_EQ(t.words[0], 0x6eu);
  EXPECT_EQ(t.words[1], 0x7u);
  std::vector<uint64_t> dq_in(t.words.begin(), t.words.end());
  dq_in.push_back(f32(224.0f));
  const Result d = run(*op("mxdq:nvfp4"), dq_in);
  EXPECT_EQ(d.words[0], f32(3.0f));
  EXPECT_EQ(d.words[1], f32(-1.5f));
  // S_enc = 1, amax 5: s = fp32(5/6) = 0.8333334 = 1.6667 * 2^-1, nearest e4m3 1.625 * 2^-1 = 0.8125
  // (0 0110 101 = 0x35); r = fp32(1 / 0.8125) = 1.2307693; 5 * r = 6.15 rounds to 6 itself (halfway
  // to the next binade's 8 is 7): NX, not clamped.
  auto w = block(16, {5.0f});
  w.push_back(f32(1.0f));
  const Result c = run(*op("mxq:nvfp4"), w);
  EXPECT_EQ(c.words[0], 0x35u);
  EXPECT_EQ(c.words[1], 0x7u);
  EXPECT_EQ(c.flags, flag::NX);
  // With S_enc = 2 the same block: s = fp32(5/6) * 2 = 1.6666666 -> e4m3 1.625 (0 0111 101 = 0x3d).
  w[16] = f32(2.0f);
  EXPECT_EQ(run(*op("mxq:nvfp4"), w).words[0], 0x3du);
  // All zeros: s = 0, X = 0: every code 0 (also for -0).
  auto zero = block(16, {});
  zero[0] = 0x80000000;
  zero.push_back(f32(1.0f));
  const Result zr = run(*op("mxq:nvfp4"), zero);
  EXPECT_EQ(zr.words[0], 0u);
  EXPECT_EQ(zr.words[1], 0u);
  // --rule is refused; --round applies to the elements.
  Options rmm;
  rmm.mode = Round::RMM;
  auto tie = block(16, {6.0f, 1.25f});  // X = 1, r = 1: 1.25 is halfway between 1 and 1.5
  tie.push_back(f32(1.0f));
  EXPECT_EQ(run(*op("mxq:nvfp4"), tie).words[2], 0x2u);
  EXPECT_EQ(run(*op("mxq:nvfp4", rmm), tie).words[2], 0x3u);
}

TEST(Mxdq, ValuesNaNScaleAndElementSpecials) {
  // scale 0x77 = 2^-8: 0x78 (256) -> 1.0, 0xf4 (-192) -> -0.75.
  std::vector<uint64_t> in(33, 0);
  in[0] = 0x77, in[1] = 0x78, in[2] = 0xf4, in[3] = 0x7f, in[4] = 0x80;
  const Result r = run(*op("mxdq:mxfp8_e4m3"), in);
  EXPECT_EQ(r.words[0], f32(1.0f));
  EXPECT_EQ(r.words[1], f32(-0.75f));
  EXPECT_EQ(r.words[2], 0x7fc00000u);  // e4m3's NaN element
  EXPECT_EQ(r.words[3], 0x80000000u);  // -0
  EXPECT_EQ(r.flags, 0);
  in[0] = 0xff;  // NaN scale: every value NaN, no NV
  const Result n = run(*op("mxdq:mxfp8_e4m3"), in);
  for (uint64_t x : n.words) EXPECT_EQ(x, 0x7fc00000u);
  EXPECT_EQ(n.flags, 0);
  // e5m2 Inf element -> -Inf; scale 2^127 * 57344 overflows fp32: Inf, OF NX.
  std::vector<uint64_t> e(33, 0);
  e[0] = 254, e[1] = 0xfc, e[2] = 0x7b;
  const Result o = run(*op("mxdq:mxfp8_e5m2"), e);
  EXPECT_EQ(o.words[0], 0xff800000u);
  EXPECT_EQ(o.words[1], 0x7f800000u);
  EXPECT_EQ(o.flags, flag::OF | flag::NX);
  // e5m2's signaling NaN 0x7d (quiet bit clear): NaN and NV; the quiet 0x7e: NaN alone.
  std::vector<uint64_t> sn(33, 0);
  sn[0] = 127, sn[1] = 0x7e;
  EXPECT_EQ(run(*op("mxdq:mxfp8_e5m2"), sn).flags, 0);
  sn[2] = 0x7d;
  const Result snan = run(*op("mxdq:mxfp8_e5m2"), sn);
  EXPECT_EQ(snan.words[1], 0x7fc00000u);
  EXPECT_EQ(snan.flags, flag::NV);
  // scale 2^-127, e2m1 0x1 (0.5): 2^-128 = 2^21 * 2^-149, the fp32 subnormal 0x00200000, exact: no flags.
  std::vector<uint64_t> t(33, 0);
  t[0] = 0, t[1] = 0x1;
  const Result s = run(*op("mxdq:mxfp4_e2m1"), t);
  EXPECT_EQ(s.words[0], 0x00200000u);
  EXPECT_EQ(s.flags, 0);
  // mxint8: 0x81 = -127/64 at scale 2^1 -> -3.96875; 0x80 (never produced) still reads -2 * 2 = -4.
  std::vector<uint64_t> i8(33, 0);
  i8[0] = 128, i8[1] = 0x81, i8[2] = 0x80;
  const Result q = run(*op("mxdq:mxint8"), i8);
  EXPECT_EQ(q.words[0], f32(-3.96875f));
  EXPECT_EQ(q.words[1], f32(-4.0f));
}

// mxdot: y = round(X_A X_B sum P_i(A) P_i(B) + c), one rounding.
std::vector<uint64_t> dot_row(int k, uint64_t xa, std::initializer_list<uint64_t> a, uint64_t xb,
                              std::initializer_list<uint64_t> b, uint64_t c) {
  std::vector<uint64_t> v(static_cast<size_t>(2 * k + 3), 0);
  v[0] = xa;
  size_t i = 1;
  for (uint64_t x : a) v[i++] = x;
  v[static_cast<size_t>(k) + 1] = xb;
  i = static_cast<size_t>(k) + 2;
  for (uint64_t x : b) v[i++] = x;
  v.back() = c;
  return v;
}

TEST(Mxdot, HandComputedRows) {
  const auto d = op("mxdot:mxfp8_e4m3:8");
  // X_A = 1 (127), X_B = 2 (128); a = 1.0 (0x38), 2.0 (0x40); b = 3.0 (0x44), -0.5 (0xb0); c = 1:
  // (1*3 + 2*(-0.5)) * 1 * 2 + 1 = 5.
  Result r = run(*d, dot_row(8, 127, {0x38, 0x40}, 128, {0x44, 0xb0}, f32(1.0f)));
  EXPECT_EQ(r.words[0], f32(5.0f));
  EXPECT_EQ(r.flags, 0);
  // c = 2^24, one product 1: 2^24 + 1 is a tie -> even 2^24, NX; plus 0.125 (0x20 = 2^-3) -> 2^24 + 2.
  r = run(*d, dot_row(8, 127, {0x38}, 127, {0x38}, f32(16777216.0f)));
  EXPECT_EQ(r.words[0], f32(16777216.0f));
  EXPECT_EQ(r.flags, flag::NX);
  r = run(*d, dot_row(8, 127, {0x38, 0x20}, 127, {0x38, 0x38}, f32(16777216.0f)));
  EXPECT_EQ(r.words[0], f32(16777218.0f));
  // Scales 2^127 * 2^127 * 448 * 448: overflow, Inf (rne) or max (rtz), OF NX.
  r = run(*d, dot_row(8, 254, {0x7e}, 254, {0x7e}, 0));
  EXPECT_EQ(r.words[0], 0x7f800000u);
  EXPECT_EQ(r.flags, flag::OF | flag::NX);
  Options rtz;
  rtz.mode = Round::RTZ;
  EXPECT_EQ(run(*op("mxdot:mxfp8_e4m3:8", rtz), dot_row(8, 254, {0x7e}, 254, {0x7e}, 0)).words[0], 0x7f7fffffu);
  // A NaN scale code: NaN, no NV. An e4m3 NaN element: NaN. c a signaling NaN: NV.
  r = run(*d, dot_row(8, 0xff, {0x38}, 127, {0x38}, 0));
  EXPECT_EQ(r.words[0], 0x7fc00000u);
  EXPECT_EQ(r.flags, 0);
  EXPECT_EQ(run(*d, dot_row(8, 127, {0x7f}, 127, {0x38}, 0)).words[0], 0x7fc00000u);
  EXPECT_EQ(run(*d, dot_row(8, 127, {0x38}, 127, {0x38}, 0x7f800001)).flags, flag::NV);
  // e5m2: Inf * 0 -> NaN NV; +Inf with -Inf -> NaN NV; Inf alone -> Inf.
  const auto e5 = op("mxdot:mxfp8_e5m2:4");
  EXPECT_EQ(run(*e5, dot_row(4, 127, {0x7c}, 127, {0x00}, 0)).flags, flag::NV);
  EXPECT_EQ(run(*e5, dot_row(4, 127, {0x7c, 0x7c}, 127, {0x3c, 0xbc}, 0)).words[0], 0x7fc00000u);
  EXPECT_EQ(run(*e5, dot_row(4, 127, {0x7c, 0x3c}, 127, {0xbc, 0x3c}, f32(1.0f))).words[0], 0xff800000u);
  // NVFP4: X_A = 448 (0x7e), X_B = 0.5 (0x30); e2m1 6 (0x7) * 6: 36 * 224 = 8064.
  EXPECT_EQ(run(*op("mxdot:nvfp4:16"), dot_row(16, 0x7e, {0x7}, 0x30, {0x7}, 0)).words[0], f32(8064.0f));
}

TEST(Mxdot, ExactZeroSigns) {
  const auto d = op("mxdot:mxfp8_e4m3:4");
  // Every product -0 (+0 * -0) and c = -0: -0. c = +0: +0, and -0 under rdn.
  EXPECT_EQ(run(*d, dot_row(4, 127, {0x00, 0x00, 0x00, 0x00}, 127, {0x80, 0x80, 0x80, 0x80}, 0x80000000)).words[0],
            0x80000000u);
  EXPECT_EQ(run(*d, dot_row(4, 127, {0x00, 0x00, 0x00, 0x00}, 127, {0x80, 0x80, 0x80, 0x80}, 0)).words[0], 0u);
  Options rdn;
  rdn.mode = Round::RDN;
  const auto r = op("mxdot:mxfp8_e4m3:4", rdn);
  EXPECT_EQ(run(*r, dot_row(4, 127, {0x00, 0x00, 0x00, 0x00}, 127, {0x80, 0x80, 0x80, 0x80}, 0)).words[0], 0x80000000u);
  // 1*1 + 1*(-1) = 0 exactly, c = +0: +0 (rne), -0 (rdn). With c = 2: exactly c.
  EXPECT_EQ(run(*d, dot_row(4, 127, {0x38, 0x38}, 127, {0x38, 0xb8}, 0)).words[0], 0u);
  EXPECT_EQ(run(*r, dot_row(4, 127, {0x38, 0x38}, 127, {0x38, 0xb8}, 0)).words[0], 0x80000000u);
  EXPECT_EQ(run(*d, dot_row(4, 127, {0x38, 0x38}, 127, {0x38, 0xb8}, f32(2.0f))).words[0], f32(2.0f));
  // Cancelling c exactly: 1 + (-1) -> +0.
  EXPECT_EQ(run(*d, dot_row(4, 127, {0x38}, 127, {0x38}, f32(-1.0f))).words[0], 0u);
}

// A 32-element block through mxdot:mxfp8_e4m3:8 four times, c threading through: the RTL's schedule.
// It rounds four times, so it equals mxdot:mxfp8_e4m3:32 exactly when no step rounds.
uint64_t chained(const Operation& d8, uint64_t xa, const std::vector<uint64_t>& a, uint64_t xb,
                 const std::vector<uint64_t>& b, uint64_t c) {
  for (size_t s = 0; s < 4; ++s) {
    std::vector<uint64_t> row = {xa};
    row.insert(row.end(), a.begin() + 8 * s, a.begin() + 8 * s + 8);
    row.push_back(xb);
    row.insert(row.end(), b.begin() + 8 * s, b.begin() + 8 * s + 8);
    row.push_back(c);
    uint64_t y[1];
    d8.eval(row, y);
    c = y[0];
  }
  return c;
}

TEST(Mxdot, FourCallsOfEightEqualOneOf32OnlyWithoutRounding) {
  const auto d8 = op("mxdot:mxfp8_e4m3:8"), d32 = op("mxdot:mxfp8_e4m3:32");
  const auto whole = [&](uint64_t xa, const std::vector<uint64_t>& a, uint64_t xb, const std::vector<uint64_t>& b,
                         uint64_t c) {
    std::vector<uint64_t> row = {xa};
    row.insert(row.end(), a.begin(), a.end());
    row.push_back(xb);
    row.insert(row.end(), b.begin(), b.end());
    row.push_back(c);
    uint64_t y[1];
    d32->eval(row, y);
    return y[0];
  };
  // Small integers (codes 0x38..0x50: 1 .. 8, either sign) and X = 2, 0.5: every partial sum exact.
  std::mt19937_64 rng(7);
  for (int n = 0; n < 200; ++n) {
    std::vector<uint64_t> a(32), b(32);
    for (auto& x : a) x = (0x38 + rng() % 25) | (rng() & 1 ? 0x80 : 0);
    for (auto& x : b) x = (0x38 + rng() % 25) | (rng() & 1 ? 0x80 : 0);
    EXPECT_EQ(chained(*d8, 128, a, 126, b, f32(3.0f)), whole(128, a, 126, b, f32(3.0f)));
  }
  // c = 2^24 and one product 1 per group of 8: each call rounds 2^24 + 1 back to 2^24 (ties to even),
  // while the whole block's 2^24 + 4 is exact.
  std::vector<uint64_t> a(32, 0), b(32, 0);
  for (size_t s = 0; s < 4; ++s) a[8 * s] = 0x38, b[8 * s] = 0x38;
  EXPECT_EQ(chained(*d8, 127, a, 127, b, f32(16777216.0f)), f32(16777216.0f));
  EXPECT_EQ(whole(127, a, 127, b, f32(16777216.0f)), f32(16777220.0f));
}

TEST(Mxdot, WindowTruncates) {
  // c = 1, one product 2^-30 (scales 2^-15 each, elements 1): exact rne keeps 1 (NX); a narrow window
  // without sticky drops it silently (no NX); with sticky rup sees it.
  Options w;
  w.window = 30;
  w.sticky = false;
  const auto row = dot_row(4, 127 - 15, {0x38}, 127 - 15, {0x38}, f32(1.0f));
  EXPECT_EQ(run(*op("mxdot:mxfp8_e4m3:4"), row).flags, flag::NX);
  EXPECT_EQ(run(*op("mxdot:mxfp8_e4m3:4", w), row).flags, 0);
  w.sticky = true;
  w.mode = Round::RUP;
  EXPECT_EQ(run(*op("mxdot:mxfp8_e4m3:4", w), row).words[0], f32(1.0f) + 1);
}

// The batch path (a table built by encode) against the one-block path on every class, rule, mode and
// clamp setting, for every block format and both sources.
TEST(Mxq, BatchPathMatchesEval) {
  std::vector<std::string> units;
  for (const auto& f : named_block_formats()) units.push_back("mxq:" + f), units.push_back("mxq:" + f + ":bf16");
  units.push_back("mxq:mx:e4m3:8:e4m3");
  units.push_back("mxq:mx:fx8_4:16:e8m0");
  units.push_back("mxq:mx:e5m10:4:e8m0");
  for (const auto& u : units)
    for (int rule = 0; rule < 3; ++rule)
      for (int mode = 0; mode < 5; ++mode)
        for (bool clamp : {true, false}) {
          Options o;
          o.rule = static_cast<ScaleRule>(rule);
          o.mode = static_cast<Round>(mode);
          o.clamp = clamp;
          if (u.find("nvfp4") != std::string::npos && rule) continue;
          const auto q = op(u, o);
          const size_t ni = q->signature().operand_words(), no = q->signature().result_words();
          auto src = q->vector_source(static_cast<uint64_t>(rule * 10 + mode));
          constexpr size_t kRows = 64;
          std::vector<uint64_t> in(ni * kRows), out(no * kRows), one(no);
          std::vector<uint8_t> flags(kRows);
          for (const auto& cls : q->vector_classes()) {
            for (size_t i = 0; i < kRows; ++i) src->make(cls, 0, std::span<uint64_t>(in).subspan(i * ni, ni));
            q->eval_batch(in, out, flags);
            for (size_t i = 0; i < kRows; ++i) {
              const uint8_t f = q->eval(std::span<const uint64_t>(in).subspan(i * ni, ni), one);
              ASSERT_EQ(f, flags[i]) << u << " " << cls << " rule " << rule << " mode " << mode;
              ASSERT_TRUE(std::equal(one.begin(), one.end(), out.begin() + static_cast<long>(i * no)))
                  << u << " " << cls << " rule " << rule << " mode " << mode << " clamp " << clamp;
            }
          }
        }
}

// Both builds of the batch kernel (AVX2 where the host has it, and the baseline ISA) against the
// one-block path, straight on fp32 words; NVFP4 also on random blocks under encode scales from 2^-140 to
// 2^120 (its host-fp32 recipe against the staged one: zero, subnormal and infinite products included).
TEST(Mxq, KernelBuildsMatchEval) {
  for (const std::string f :
       {"mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp4_e2m1", "mxint8", "mx:e3m4:16:e8m0", "nvfp4"})
    for (int mode = 0; mode < 5; ++mode) {
      std::string e;
      const BlockFormat b = *parse_block_format(f, &e);
      Options o;
      o.mode = static_cast<Round>(mode);
      if (!b.nvfp4()) o.rule = static_cast<ScaleRule>(mode % 3);
      o.clamp = mode % 2 == 0;
      const MxQuantizeKernel kernel(b, *parse_format("fp32"), o);
      const auto q = op("mxq:" + f, o);
      auto src = q->vector_source(static_cast<uint64_t>(mode));
      const size_t k = static_cast<size_t>(b.k), ni = q->signature().operand_words();
      std::vector<uint64_t> in(ni), want(k + 1), got(k + 1);
      std::vector<uint32_t> words(k);
      const auto check = [&](const std::string& what) {
        for (size_t i = 0; i < k; ++i) words[i] = static_cast<uint32_t>(in[i]);
        const uint64_t ts = ni > k ? in[k] : 0;
        const uint8_t wf = q->eval(in, want);
        ASSERT_EQ(kernel.run_baseline(words.data(), ts, &got[0], &got[1]), wf) << f << " " << what;
        ASSERT_EQ(got, want) << f << " " << what << " baseline";
        if (kernel.has_avx2()) {
          ASSERT_EQ(kernel.run_avx2(in.data(), ts, &got[0], &got[1]), wf) << f << " " << what;
          ASSERT_EQ(got, want) << f << " " << what << " avx2";
        }
      };
      for (const auto& cls : q->vector_classes())
        for (int n = 0; n < 100; ++n) {
          src->make(cls, 0, in);
          check(cls);
        }
      if (!b.nvfp4()) continue;
      std::mt19937_64 rng(test::seed_for("nvfp4 kernel", static_cast<uint64_t>(mode)));
      for (int n = 0; n < 20000; ++n) {
        const int spread = static_cast<int>(rng() % 60);
        for (size_t i = 0; i < k; ++i) {
          const int ex = 127 + static_cast<int>(rng() % static_cast<uint64_t>(2 * spread + 1)) - spread;
          in[i] = rng() % 16 == 0 ? (rng() & 0x80000000u) : (rng() & 0x807fffffu) | static_cast<uint64_t>(std::clamp(ex, 0, 254)) << 23;
        }
        in[k] = (rng() % 8 == 0 ? 0x80000000u : 0u) | static_cast<uint64_t>(rng() % 248) << 23 | (rng() & 0x7fffff);
        check("random " + std::to_string(n));
      }
      // Scale ties: amax / 6 * S_enc exactly halfway between two e4m3 values (amax = 6m 2^j, S_enc = 2^-j),
      // where a recipe computing amax * (1/6) instead of amax / 6 rounds the other way.
      for (uint64_t x = 0; x + 1 < 0x7e; ++x)
        for (int j : {-3, 0, 5}) {
          const float m = (static_cast<float>(to_double(decode(b.scale, x))) +
                           static_cast<float>(to_double(decode(b.scale, x + 1)))) / 2;
          for (size_t i = 0; i < k; ++i) in[i] = std::bit_cast<uint32_t>(std::ldexp(m, j) * static_cast<float>(i % 7) / 7);
          in[3] = std::bit_cast<uint32_t>(std::ldexp(6 * m, j));
          in[k] = std::bit_cast<uint32_t>(std::ldexp(1.0f, -j));
          check("scale tie " + std::to_string(x));
        }
    }
}

// mxq then mxdq gives back the values of a block that a block format holds exactly: element values times
// 2^E with one element in the top binade (2^emax_elem), so that the ocp rule finds that E again. (Without
// it the rule may pick a smaller E and clamp: OCP's rule is not idempotent.)
TEST(Mxq, RoundTripOfRepresentableBlocks) {
  for (const auto& f : named_block_formats()) {
    if (f == "nvfp4") continue;
    const auto q = op("mxq:" + f), dq = op("mxdq:" + f);
    std::mt19937_64 rng(5);
    std::string e;
    const BlockFormat b = *parse_block_format(f, &e);
    for (int n = 0; n < 100; ++n) {
      std::vector<uint64_t> p(32);
      for (auto& x : p) {
        x = random_finite(b.element, rng);
        if (b.fixed_elements() && x == 0x80) x = 0x81;
      }
      p[rng() % 32] = encode(b.element, Exact{rng() & 1 ? true : false, Class::Normal, b.emax_elem, 1, false}, Options{}).bits;
      std::vector<uint64_t> dqin = {static_cast<uint64_t>(127 + static_cast<int>(rng() % 40) - 20)};
      dqin.insert(dqin.end(), p.begin(), p.end());
      std::vector<uint64_t> v(32), back(33);
      ASSERT_EQ(dq->eval(dqin, v), 0) << f;
      q->eval(v, back);
      std::vector<uint64_t> again(32);
      std::vector<uint64_t> dqback(back.begin(), back.end());
      dq->eval(dqback, again);
      EXPECT_EQ(again, v) << f;  // the values come back (codes may differ: the scale may differ)
    }
  }
}

TEST(MxVectors, EveryClassMakesVectors) {
  for (const std::string u : {"mxq:mxfp8_e4m3", "mxq:nvfp4", "mxdq:mxfp6_e2m3", "mxdq:nvfp4", "mxdot:mxfp8_e4m3:8",
                              "mxdot:mxfp4_e2m1:16", "mxdot:nvfp4:16", "mxdot:mxfp8_e5m2", "mxdot:mxint8"}) {
    const auto o = op(u);
    auto src = o->vector_source(1);
    std::vector<uint64_t> in(o->signature().operand_words()), out(o->signature().result_words());
    for (const auto& cls : o->vector_classes())
      for (int n = 0; n < 50; ++n) {
        ASSERT_TRUE(src->make(cls, 0, in)) << u << " " << cls;
        const auto fmts = o->signature().operand_formats();
        for (size_t i = 0; i < in.size(); ++i) ASSERT_EQ(in[i] & ~fmts[i].mask(), 0u) << u << " " << cls << " " << i;
        o->eval(in, out);
      }
  }
}

}  // namespace
}  // namespace fmalab
